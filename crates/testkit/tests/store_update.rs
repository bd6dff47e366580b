//! Importing newer versions of stored households: fields updated with an info_changed event carrying
//! the diff, type changes as their own events, members leaving and joining, identical files changing
//! nothing, an audit entry per household and per batch, and a rolled-back import leaving no trace.

mod common;

use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::value::Secret;
use bangfu_domain::{RegionScope, Value};
use bangfu_store::registry::{query, ImportSession};
use bangfu_store::{audit, P};
use bangfu_testkit::*;
use common::*;

/// Demo households where the first is still poor (so it can exit) and the fixture has what the tests need.
fn fixture(n: usize, seed: u64) -> Vec<HouseholdDoc> {
    let mut docs = demo_docs(n, seed);
    docs[0].set(HF::HouseholdType, Value::Code("poor"));
    docs[0].set(HF::ExitYear, Value::Null);
    docs[0].set(HF::MonitoringCategory, Value::Null);
    docs[0].set(HF::MonitoringIdentifiedOn, Value::Null);
    docs[0].set(HF::RiskEliminated, Value::Null);
    docs[0].set(HF::RiskEliminationMethod, Value::Null);
    docs[0].set(HF::RiskEliminatedOn, Value::Null);
    docs[0].set(HF::RegistrationYear, Value::Int(2016));
    docs
}

fn other_cause(current: Option<&'static str>) -> &'static str {
    if current == Some("lack_capital") { "lack_water" } else { "lack_capital" }
}

#[test]
fn a_changed_household_is_updated_with_an_info_changed_event_listing_the_changes() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = fixture(20, 21);
        insert_docs(&mut db.store, &docs);
        let events_before = all_events(&mut db.store.conn).len();
        let mut v2 = docs[1].clone();
        let area = v2.get(HF::HousingArea).as_int().unwrap();
        v2.set(HF::HousingArea, Value::Int(area + 1234));
        let cause = other_cause(v2.get(HF::Cause2).as_code());
        v2.set(HF::Cause2, Value::Code(cause));
        v2.set(HF::Phone, Value::Secret(Secret::new("13700000001".into())));
        let edu = if v2.members[0].get(MF::Education).as_code() == Some("senior") { "junior" } else { "senior" };
        v2.members[0].set(MF::Education, Value::Code(edu));

        let (summary, conflicts) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(std::slice::from_ref(&v2))]);
        assert!(conflicts.is_empty(), "{}: {conflicts:?}", db.name);
        assert_eq!((summary.households_updated, summary.households_created, summary.households_unchanged), (1, 0, 0), "{}", db.name);
        assert_eq!(summary.members_updated, 1, "{}", db.name);
        let batch = count(&mut db.store.conn, "SELECT MAX(id) FROM import_batch", &[]);

        let s = stored(&mut db.store, &no(&v2)).unwrap();
        assert_eq!(s.doc, v2, "{}: the stored document is the new version", db.name);
        assert_eq!(s.version, 2, "{}", db.name);
        assert_eq!(count(&mut db.store.conn, "SELECT updated_batch FROM household WHERE id = ?", &[P::Int(s.id)]), batch, "{}", db.name);
        assert_eq!(
            db.store.conn.query("SELECT phone_hash FROM household WHERE id = ?", &[P::Int(s.id)]).unwrap()[0][0].string(),
            db.store.keys.search_hash("13700000001"),
            "{}: the phone hash follows the phone",
            db.name
        );

        let ev = events(&mut db.store.conn, s.id);
        let new: Vec<&EventRow> = ev.iter().filter(|e| e.batch_id == Some(batch)).collect();
        assert_eq!(all_events(&mut db.store.conn).len(), events_before + new.len(), "{}: events only for the changed household", db.name);
        let household = new.iter().find(|e| e.event_type == "info_changed" && e.member_id.is_none()).unwrap_or_else(|| panic!("{}: household info_changed in {new:?}", db.name));
        let details = household.details.as_deref().expect("details");
        assert!(details.starts_with("[{") && details.ends_with("}]"), "{}: a JSON array: {details}", db.name);
        for field in ["housing_area", "cause_2", "phone"] {
            assert!(details.contains(&format!("\"field\":\"{field}\"")), "{}: {field} in {details}", db.name);
        }
        let fmt = |v: i64| bangfu_domain::value::format_hundredths(v);
        assert!(details.contains(&format!("\"before\":\"{}\"", fmt(area))) && details.contains(&format!("\"after\":\"{}\"", fmt(area + 1234))), "{}: {details}", db.name);
        assert!(!details.contains("\"field\":\"household_type\""), "{}: unchanged fields are not listed", db.name);
        assert!(!details.contains("13700000001") && details.contains("137****0001"), "{}: the phone is masked in the diff: {details}", db.name);
        assert_eq!(household.effective_on, today(), "{}", db.name);
        assert_eq!(household.type_after, None, "{}: an info change leaves the type as it is", db.name);

        let member_event = new.iter().find(|e| e.event_type == "info_changed" && e.member_id.is_some()).unwrap_or_else(|| panic!("{}: member info_changed", db.name));
        assert_eq!(member_event.member_id, Some(s.member_ids[0]), "{}", db.name);
        assert!(member_event.details.as_deref().unwrap().contains("\"field\":\"education\""), "{}", db.name);

        let audits = audit_entries(&mut db.store.conn);
        let updates: Vec<_> = audits.iter().filter(|a| a.0 == "household").collect();
        assert_eq!(updates.len(), 1, "{}", db.name);
        assert_eq!((updates[0].1.as_deref(), updates[0].2.as_str()), (Some(s.id.to_string().as_str()), "import_update"), "{}", db.name);
        assert!(!updates[0].3.as_deref().unwrap_or("").contains("13700000001"), "{}: no plaintext phone in the audit trail", db.name);
    }
}

#[test]
fn a_poor_household_marked_exited_gets_an_exit_event_with_its_new_type() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = fixture(10, 22);
        insert_docs(&mut db.store, &docs);
        let mut v2 = docs[0].clone();
        v2.set(HF::HouseholdType, Value::Code("exited"));
        v2.set(HF::ExitYear, Value::Int(2026));
        let (summary, conflicts) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[v2.clone()])]);
        assert!(conflicts.is_empty() && summary.households_updated == 1, "{}", db.name);
        let id = id_of(&mut db.store, &no(&v2));
        let batch = count(&mut db.store.conn, "SELECT MAX(id) FROM import_batch", &[]);
        let new: Vec<EventRow> = events(&mut db.store.conn, id).into_iter().filter(|e| e.batch_id == Some(batch)).collect();
        let exit: Vec<&EventRow> = new.iter().filter(|e| e.event_type == "exit").collect();
        assert_eq!(exit.len(), 1, "{}: {new:?}", db.name);
        assert_eq!(exit[0].type_after.as_deref(), Some("exited"), "{}", db.name);
        assert_eq!(exit[0].effective_on, today(), "{}", db.name);
        assert!(new.iter().filter(|e| e.type_after.is_some()).count() == 1, "{}: one type change, one typed event", db.name);
        // the type change is the exit event's business; the other changes are listed separately
        let info = new.iter().find(|e| e.event_type == "info_changed").expect("exit year change");
        assert!(info.details.as_deref().unwrap().contains("\"field\":\"exit_year\""), "{}", db.name);
        assert!(!info.details.as_deref().unwrap().contains("\"field\":\"household_type\""), "{}", db.name);
        let (list, _) = query::list(&mut db.store.conn, &all_scope(), &query::HouseholdFilter { household_type: Some("poor".into()), ..Default::default() }, query::SortKey::HouseholdNo, 0, 100).unwrap();
        assert!(list.iter().all(|h| h.id != id), "{}: no longer listed as poor", db.name);
    }
}

#[test]
fn a_member_missing_from_the_new_version_is_removed_and_a_new_one_is_added() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = fixture(30, 23);
        insert_docs(&mut db.store, &docs);
        let (_, people_before) = query::totals(&mut db.store.conn, &all_scope()).unwrap();
        let shrink = docs.iter().position(|d| d.members.len() >= 3).expect("a household of three");
        let grow = docs.iter().position(|d| d.members.len() == 2).expect("a household of two");
        let mut smaller = docs[shrink].clone();
        let leaving = smaller.members.iter().rposition(|m| !m.is_head()).unwrap();
        let gone = smaller.members.remove(leaving);
        let mut larger = docs[grow].clone();
        let baby = new_person(1, "新生儿", "grandson");
        larger.members.push(baby.clone());

        let (summary, conflicts) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[smaller.clone(), larger.clone()])]);
        assert!(conflicts.is_empty(), "{}: {conflicts:?}", db.name);
        assert_eq!((summary.households_updated, summary.members_removed, summary.members_created), (2, 1, 1), "{}", db.name);
        let batch = count(&mut db.store.conn, "SELECT MAX(id) FROM import_batch", &[]);

        // the one who left: still on file, marked removed from today, with a natural decrease
        let rows = member_rows(&mut db.store.conn, gone.resident_id.as_str());
        assert_eq!(rows.len(), 1, "{}: never deleted", db.name);
        assert_eq!((rows[0].status.as_str(), rows[0].removed_on), ("removed", Some(today())), "{}", db.name);
        let sid = id_of(&mut db.store, &no(&smaller));
        assert_eq!(rows[0].household_id, sid, "{}", db.name);
        let dec: Vec<EventRow> = events(&mut db.store.conn, sid).into_iter().filter(|e| e.batch_id == Some(batch)).collect();
        assert_eq!(dec.len(), 1, "{}: {dec:?}", db.name);
        assert_eq!((dec[0].event_type.as_str(), dec[0].member_id, dec[0].effective_on), ("natural_decrease", Some(rows[0].id), today()), "{}", db.name);
        assert_eq!(stored(&mut db.store, &no(&smaller)).unwrap().doc, smaller, "{}", db.name);

        // the newcomer: a new member row at the end with a natural increase
        let rows = member_rows(&mut db.store.conn, baby.resident_id.as_str());
        let gid = id_of(&mut db.store, &no(&larger));
        assert_eq!(rows.len(), 1, "{}", db.name);
        assert_eq!((rows[0].household_id, rows[0].status.as_str(), rows[0].joined_on), (gid, "active", today()), "{}", db.name);
        let inc: Vec<EventRow> = events(&mut db.store.conn, gid).into_iter().filter(|e| e.batch_id == Some(batch)).collect();
        assert_eq!(inc.len(), 1, "{}: {inc:?}", db.name);
        assert_eq!((inc[0].event_type.as_str(), inc[0].member_id), ("natural_increase", Some(rows[0].id)), "{}", db.name);
        let s = stored(&mut db.store, &no(&larger)).unwrap();
        assert_eq!(s.doc, larger, "{}", db.name);
        assert_eq!(s.member_ids.last(), Some(&rows[0].id), "{}", db.name);

        let (_, people_after) = query::totals(&mut db.store.conn, &all_scope()).unwrap();
        assert_eq!(people_after, people_before, "{}: one out, one in", db.name);
        // audit: one per updated household, one for the batch
        let audits = audit_entries(&mut db.store.conn);
        let mut updated: Vec<String> = audits.iter().filter(|a| a.0 == "household" && a.2 == "import_update").filter_map(|a| a.1.clone()).collect();
        updated.sort();
        let mut expected = vec![sid.to_string(), gid.to_string()];
        expected.sort();
        assert_eq!(updated, expected, "{}", db.name);
        let batches: Vec<_> = audits.iter().filter(|a| a.0 == "import_batch").collect();
        assert_eq!(batches.len(), 2, "{}: the bulk insert and this import", db.name);
        assert_eq!(batches[1].1.as_deref(), Some(batch.to_string().as_str()), "{}", db.name);
        assert!(batches[1].3.as_deref().unwrap().contains("\"members_removed\":1"), "{}: {:?}", db.name, batches[1].3);
    }
}

#[test]
fn resubmitting_identical_households_changes_nothing() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = fixture(40, 24);
        insert_docs(&mut db.store, &docs);
        let events_before = all_events(&mut db.store.conn);
        let versions = |c: &mut bangfu_store::Conn| c.query("SELECT id, version, updated_at FROM household ORDER BY id", &[]).unwrap();
        let members = |c: &mut bangfu_store::Conn| c.query("SELECT id, household_id, seq, version, status FROM member ORDER BY id", &[]).unwrap();
        let (v0, m0) = (versions(&mut db.store.conn), members(&mut db.store.conn));
        let audit_before = audit::count(&mut db.store.conn, Some("household")).unwrap();

        let (summary, conflicts) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&docs[..20]), sourced_all(&docs[20..])]);
        assert!(conflicts.is_empty(), "{}: {conflicts:?}", db.name);
        assert_eq!(summary.households_unchanged, 40, "{}: {summary:?}", db.name);
        assert_eq!((summary.households_updated, summary.households_created, summary.members_updated, summary.members_removed, summary.events), (0, 0, 0, 0, 0), "{}", db.name);
        assert_eq!(all_events(&mut db.store.conn), events_before, "{}: no new events", db.name);
        assert_eq!(versions(&mut db.store.conn), v0, "{}: same versions", db.name);
        assert_eq!(members(&mut db.store.conn), m0, "{}: members untouched", db.name);
        assert_eq!(audit::count(&mut db.store.conn, Some("household")).unwrap(), audit_before, "{}", db.name);
        assert_eq!(audit::count(&mut db.store.conn, Some("import_batch")).unwrap(), 2, "{}: the import itself is still recorded", db.name);
        assert_eq!(count(&mut db.store.conn, "SELECT COUNT(*) FROM import_batch WHERE status = 'committed'", &[]), 2, "{}", db.name);
    }
}

#[test]
fn resubmitting_an_updated_household_after_the_update_is_unchanged() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = fixture(30, 25);
        insert_docs(&mut db.store, &docs);
        let i = docs.iter().position(|d| d.members.len() >= 3).unwrap();
        let mut v2 = docs[i].clone();
        v2.members.remove(1);
        v2.members.push(new_person(2, "新成员", "other"));
        v2.set(HF::StatedSize, Value::Int(v2.members.len() as i64));
        let (s1, c1) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[v2.clone()])]);
        assert!(c1.is_empty() && s1.households_updated == 1, "{}: {s1:?} {c1:?}", db.name);
        let events_after_first = all_events(&mut db.store.conn).len();
        let (s2, c2) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[v2.clone()])]);
        assert!(c2.is_empty(), "{}: {c2:?}", db.name);
        assert_eq!((s2.households_unchanged, s2.households_updated, s2.members_removed, s2.members_created), (1, 0, 0, 0), "{}: {s2:?}", db.name);
        assert_eq!(all_events(&mut db.store.conn).len(), events_after_first, "{}", db.name);
        assert_eq!(stored(&mut db.store, &no(&v2)).unwrap().doc, v2, "{}", db.name);
    }
}

#[test]
fn a_member_added_in_the_middle_keeps_the_files_order() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = fixture(30, 26);
        insert_docs(&mut db.store, &docs);
        let i = docs.iter().position(|d| d.members.len() >= 3).unwrap();
        let mut v2 = docs[i].clone();
        v2.members.insert(1, new_person(3, "中间", "other"));
        v2.set(HF::StatedSize, Value::Int(v2.members.len() as i64));
        let (_, c) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[v2.clone()])]);
        assert!(c.is_empty(), "{}: {c:?}", db.name);
        let order = |d: &HouseholdDoc| d.members.iter().map(|m| m.name().to_string()).collect::<Vec<_>>();
        assert_eq!(order(&stored(&mut db.store, &no(&v2)).unwrap().doc), order(&v2), "{}", db.name);
        let (s, _) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[v2.clone()])]);
        assert_eq!(s.households_unchanged, 1, "{}: the same file again is no change: {s:?}", db.name);

        // a member leaves, then a newcomer is appended: still in file order
        let mut v3 = v2.clone();
        v3.members.remove(2);
        let (_, c) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[v3.clone()])]);
        assert!(c.is_empty(), "{}", db.name);
        let mut v4 = v3.clone();
        v4.members.push(new_person(4, "末尾", "other"));
        let (_, c) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[v4.clone()])]);
        assert!(c.is_empty(), "{}", db.name);
        assert_eq!(order(&stored(&mut db.store, &no(&v4)).unwrap().doc), order(&v4), "{}", db.name);
        let (s, _) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[v4.clone()])]);
        assert_eq!(s.households_unchanged, 1, "{}: {s:?}", db.name);
    }
}

#[test]
fn a_rolled_back_import_leaves_no_rows_in_any_table() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = fixture(30, 27);
        insert_docs(&mut db.store, &docs[..10]);
        let before = table_counts(&mut db.store.conn);
        let alloc_before = db.store.conn.query("SELECT name, next_id FROM id_allocator ORDER BY name", &[]).unwrap();

        let mut s = ImportSession::begin(&mut db.store, test_actor(), opts(&all_scope(), today())).unwrap();
        let refs: Vec<&HouseholdDoc> = docs[10..20].iter().collect();
        s.insert_many(&refs).unwrap();
        let mut changed = docs[0].clone();
        changed.members.truncate(1);
        changed.set(HF::HousingArea, Value::Int(1));
        let mut new_one = docs[20].clone();
        new_one.members.push(new_person(9, "新人", "other"));
        let conflicts = s.submit(sourced_all(&[changed, new_one])).unwrap();
        assert!(conflicts.is_empty(), "{}", db.name);
        assert!(s.resolve(false).unwrap().is_empty(), "{}", db.name);
        assert!(s.summary().households_created == 11 && s.summary().households_updated == 1, "{}: the session did write: {:?}", db.name, s.summary());
        s.rollback().unwrap();

        assert_eq!(table_counts(&mut db.store.conn), before, "{}: every table as before", db.name);
        assert_eq!(db.store.conn.query("SELECT name, next_id FROM id_allocator ORDER BY name", &[]).unwrap(), alloc_before, "{}", db.name);
        assert_eq!(count(&mut db.store.conn, "SELECT COUNT(*) FROM import_batch", &[]), 1, "{}: no batch row for the abandoned import", db.name);
        assert_eq!(stored(&mut db.store, &no(&docs[0])).unwrap().doc, docs[0], "{}", db.name);
        assert!(stored(&mut db.store, &no(&docs[15])).is_none(), "{}", db.name);
        // and the store is usable afterwards (no transaction left open)
        insert_docs(&mut db.store, &docs[10..12]);
        assert_eq!(query::totals(&mut db.store.conn, &RegionScope::all()).unwrap().0, 12, "{}", db.name);
    }
}
