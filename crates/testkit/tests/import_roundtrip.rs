//! Export → import gives the same registry; importing the same file again changes nothing; a newer
//! version of a household updates it with adjustment events.

mod import_support;

use bangfu_domain::fields::HouseholdField as HF;
use bangfu_exchange::export::Format;
use bangfu_store::P;
use bangfu_testkit::*;
use import_support::*;

const HOUSEHOLDS: usize = 120;

#[test]
fn an_exported_registry_imported_into_an_empty_database_is_identical_in_xlsx_and_csv() {
    for mut source in backends() {
        insert_docs(&mut source.store, &demo_docs(HOUSEHOLDS, 11));
        let expected = load_all(&mut source.store);
        assert_eq!(expected.len(), HOUSEHOLDS, "{}", source.name);
        assert!(expected.iter().any(|d| d.members.len() > 3), "{}: the sample should have large households", source.name);
        for (format, file) in [(Format::Xlsx, "registry.xlsx"), (Format::Csv, "registry.csv")] {
            let path = source.dir.path().join(file);
            let exported = export_all(&mut source.store, &path, format, true);
            assert_eq!(exported.households, HOUSEHOLDS as u64, "{}: {file}", source.name);
            let mut target = twin(&source);
            let who = format!("{} {file}", target.name);
            let report = import(&mut target, &path);
            assert!(report.issues.is_empty(), "{who}: problems: {:?}", report.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
            assert!(report.committed, "{who}: not committed");
            assert_eq!(report.written.households_created, HOUSEHOLDS as u64, "{who}");
            assert_eq!(report.households_in_file, HOUSEHOLDS as u64, "{who}");
            let actual = load_all(&mut target.store);
            assert_same_docs(&expected, &actual, &who);
            // phones and bank accounts arrived in full
            let with_phone = actual.iter().filter(|d| matches!(d.get(HF::Phone), bangfu_domain::Value::Secret(s) if !s.reveal().contains('*'))).count();
            let with_account = actual.iter().filter(|d| matches!(d.get(HF::BankAccount), bangfu_domain::Value::Secret(s) if !s.reveal().contains('*'))).count();
            assert!(with_phone > HOUSEHOLDS / 2 && with_account > HOUSEHOLDS / 2, "{who}: phones {with_phone}, accounts {with_account}");
        }
    }
}

#[test]
fn importing_the_same_file_again_changes_nothing() {
    for mut db in backends() {
        insert_docs(&mut db.store, &demo_docs(60, 12));
        let before = load_all(&mut db.store);
        let events_before = events(&mut db.store);
        for (format, file) in [(Format::Csv, "again.csv"), (Format::Xlsx, "again.xlsx")] {
            let path = db.dir.path().join(file);
            export_all(&mut db.store, &path, format, true);
            let report = import(&mut db, &path);
            let who = format!("{} {file}", db.name);
            assert!(report.issues.is_empty(), "{who}: {:?}", report.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
            let w = report.written;
            assert_eq!(w.households_unchanged, 60, "{who}: {w:?}");
            assert_eq!((w.households_created, w.households_updated), (0, 0), "{who}: {w:?}");
            assert_eq!((w.members_created, w.members_updated, w.members_removed, w.members_moved), (0, 0, 0, 0), "{who}: {w:?}");
            assert_eq!(w.events, 0, "{who}: {w:?}");
            assert_eq!(events(&mut db.store), events_before, "{who}: adjustment events were recorded");
            assert_same_docs(&before, &load_all(&mut db.store), &who);
        }
    }
}

#[test]
fn a_newer_version_of_a_household_updates_its_type_and_removes_the_missing_member_with_events() {
    for mut db in backends() {
        insert_docs(&mut db.store, &demo_docs(60, 13));
        let before = load_all(&mut db.store);
        let target = before
            .iter()
            .find(|d| d.household_type() == Some("exited") && d.members.len() >= 3)
            .unwrap_or_else(|| panic!("{}: no exited household with 3 members in the sample", db.name))
            .clone();
        let no = household_no(&target);
        let leaving = target.members.iter().rev().find(|m| !m.is_head()).expect("a non-head member").resident_id.as_str().to_string();
        let exported = db.dir.path().join("all.csv");
        export_all(&mut db.store, &exported, Format::Csv, true);
        let newer = db.dir.path().join("newer.csv");
        rewrite_csv(&exported, &newer, |header, rows| {
            let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
            let (c_no, c_type, c_id) = (col("户编号"), col("户类型"), col("证件号码"));
            for r in rows.iter_mut().filter(|r| r[c_no] == no) {
                assert_eq!(r[c_type], "脱贫户");
                r[c_type] = "监测户".into();
            }
            let n = rows.len();
            rows.retain(|r| r[c_id] != leaving);
            assert_eq!(rows.len(), n - 1, "the leaving member's row is removed");
        });
        let events_before = events(&mut db.store);
        let report = import(&mut db, &newer);
        let who = format!("{} household {no}", db.name);
        assert!(report.committed && report.issues.is_empty(), "{who}: {:?}", report.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
        let w = report.written;
        assert_eq!((w.households_updated, w.households_unchanged, w.households_created), (1, 59, 0), "{who}: {w:?}");
        assert_eq!(w.members_removed, 1, "{who}: {w:?}");
        assert_eq!(w.events, 2, "{who}: one event for the type change, one for the member who left: {w:?}");
        assert_eq!(events(&mut db.store), events_before + 2, "{who}");
        let after = household(&mut db.store, &no).expect("household still there");
        assert_eq!(after.household_type(), Some("monitored"), "{who}");
        assert_eq!(after.members.len(), target.members.len() - 1, "{who}");
        assert!(after.members.iter().all(|m| m.resident_id.as_str() != leaving), "{who}: the removed member is still active");
        let hid = db.store.conn.query_int("SELECT id FROM household WHERE household_no = ?", &[P::Text(&no)]).expect("id");
        let types: Vec<String> = db
            .store
            .conn
            .query("SELECT event_type FROM adjustment_event WHERE household_id = ? ORDER BY id DESC", &[P::Int(hid)])
            .expect("events")
            .iter()
            .take(2)
            .map(|r| r[0].string())
            .collect();
        assert!(types.contains(&"monitoring_included".to_string()), "{who}: events {types:?}");
        assert!(types.contains(&"natural_decrease".to_string()), "{who}: events {types:?}");
        let status = db.store.conn.query_opt("SELECT status FROM member WHERE resident_id = ?", &[P::Text(&leaving)]).expect("q").expect("member row kept").remove(0).string();
        assert_eq!(status, "removed", "{who}: the member who left is kept as removed");
        // every other household is untouched
        let rest_before: Vec<_> = before.into_iter().filter(|d| household_no(d) != no).collect();
        let rest_after: Vec<_> = load_all(&mut db.store).into_iter().filter(|d| household_no(d) != no).collect();
        assert_same_docs(&rest_before, &rest_after, db.name);
    }
}

#[test]
fn households_without_a_number_are_recognised_by_their_head_when_imported_again() {
    for mut db in backends() {
        let p = Plain::new(30);
        let c = p.col("户编号");
        let rows: Vec<Vec<&str>> = std::iter::once(p.header.iter().enumerate().filter(|(i, _)| *i != c).map(|(_, h)| *h).collect())
            .chain(p.rows.iter().map(|r| r.iter().enumerate().filter(|(i, _)| *i != c).map(|(_, v)| v.as_str()).collect()))
            .collect();
        let path = write_file(db.dir.path(), "no-numbers.csv", csv_text(&rows).as_bytes());
        let first = import(&mut db, &path);
        assert!(first.committed && first.issues.is_empty(), "{}", db.name);
        assert_eq!(first.written.households_created, 3, "{}", db.name);
        let again = import(&mut db, &path);
        let w = again.written;
        assert_eq!((w.households_unchanged, w.households_created, w.households_updated, w.events), (3, 0, 0, 0), "{}: {w:?}", db.name);
        assert_eq!(household_rows(&mut db.store), 3, "{}: no household was duplicated", db.name);
    }
}
