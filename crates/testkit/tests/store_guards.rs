//! Guards on the store's edges: names that must match, dates that must make sense, targets that
//! must be empty, sessions that must not leave a transaction open.

mod common;

use bangfu_domain::event::EventType;
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_store::audit::Actor;
use bangfu_store::registry::diff::Present;
use bangfu_store::registry::moves::{move_member, MoveRequest};
use bangfu_store::registry::write::WriteContext;
use bangfu_store::registry::{ImportOptions, ImportSession};
use bangfu_store::regions::Directory;
use bangfu_testkit::*;
use common::date;

#[test]
fn a_village_name_under_the_wrong_township_is_not_taken_from_another_township() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let dir = Directory::load(&mut db.store.conn, &all_scope()).unwrap();
        let county = bangfu_demo::demo_county();
        let v = &county.villages[0];
        let own = county.townships.iter().find(|t| t.code.contains(&v.region.code)).unwrap();
        let other = county.townships.iter().find(|t| !t.code.contains(&v.region.code)).unwrap();
        assert_eq!(dir.resolve(Some(&own.name), &v.region.name), Ok(v.region.code), "{}", db.name);
        let abbreviated: String = own.name.chars().take(own.name.chars().count() - 1).collect();
        if county.villages.iter().filter(|x| x.region.name == v.region.name).count() == 1 {
            assert_eq!(dir.resolve(Some(&abbreviated), &v.region.name), Ok(v.region.code), "{}: abbreviation", db.name);
            let err = dir.resolve(Some(&other.name), &v.region.name).unwrap_err();
            assert!(err.contains(&other.name) && err.contains(&own.name), "{}: {err}", db.name);
        }
    }
}

#[test]
fn a_move_dated_before_the_person_joined_is_refused() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = demo_docs(40, 3);
        insert_docs(&mut db.store, &docs);
        let from = docs.iter().find(|d| d.members.len() >= 2).unwrap();
        let to = docs.iter().find(|d| d.get(HF::HouseholdNo) != from.get(HF::HouseholdNo)).unwrap();
        let person = from.members.iter().find(|m| !m.is_head()).unwrap();
        let actor = Actor::new("t", "test");
        let ctx = WriteContext { batch_id: None, recorded_by: "t".into(), now: bangfu_store::now_utc(), keys: db.store.keys.clone() };
        let req = MoveRequest {
            resident_id: person.resident_id.as_str(),
            to_household_no: to.get(HF::HouseholdNo).as_text().unwrap(),
            relation: "other",
            effective_on: date(1900, 1, 1),
            event_type: EventType::MemberMoved,
            reason: "test",
        };
        let err = move_member(&mut db.store.conn, &ctx, &actor, &all_scope(), &req).unwrap_err();
        assert!(err.to_string().contains("早于"), "{}: {err}", db.name);
        let hist = db.store.conn.query_int("SELECT COUNT(*) FROM membership_history", &[]).unwrap();
        assert_eq!(hist, 0, "{}", db.name);
    }
}

#[test]
fn copying_into_a_database_that_holds_only_an_audit_trail_is_refused() {
    for mut src in TestDb::all() {
        load_demo_regions(&mut src.store);
        insert_docs(&mut src.store, &demo_docs(5, 1));
        let mut dst = TestDb::sqlite();
        bangfu_store::audit::record(
            &mut dst.store.conn,
            &test_actor(),
            bangfu_store::audit::Entry { region_code: None, entity: "x", entity_id: None, action: "y", before: None, after: None },
        )
        .unwrap();
        let err = bangfu_store::copy::copy_all(&mut src.store, &mut dst.store, |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("不是空的"), "{}: {err}", src.name);
        assert_eq!(dst.store.conn.query_int("SELECT COUNT(*) FROM household", &[]).unwrap(), 0);
    }
}

#[test]
fn an_import_session_dropped_without_commit_writes_nothing_and_frees_the_connection() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        {
            let opts = ImportOptions { file_name: "x".into(), today: today(), present: Present::all(), scope: all_scope() };
            let mut s = ImportSession::begin(&mut db.store, test_actor(), opts).unwrap();
            let docs = demo_docs(3, 2);
            let refs: Vec<_> = docs.iter().collect();
            s.insert_many(&refs).unwrap();
        }
        assert_eq!(db.store.conn.query_int("SELECT COUNT(*) FROM household", &[]).unwrap(), 0, "{}", db.name);
        // the connection is usable for a new transaction
        let s = insert_docs(&mut db.store, &demo_docs(3, 2));
        assert_eq!(s.households_created, 3, "{}", db.name);
    }
}

#[test]
fn a_first_load_into_an_empty_sqlite_file_leaves_it_in_wal_mode() {
    let mut db = TestDb::sqlite();
    load_demo_regions(&mut db.store);
    let mode = |db: &mut TestDb| db.store.conn.query_opt("PRAGMA journal_mode", &[]).unwrap().unwrap()[0].string();
    assert_eq!(mode(&mut db), "wal");
    insert_docs(&mut db.store, &demo_docs(20, 4));
    assert_eq!(mode(&mut db), "wal", "after a committed first load");
    let mut db = TestDb::sqlite();
    load_demo_regions(&mut db.store);
    {
        let opts = ImportOptions { file_name: "x".into(), today: today(), present: Present::all(), scope: all_scope() };
        let s = ImportSession::begin(&mut db.store, test_actor(), opts).unwrap();
        s.rollback().unwrap();
    }
    assert_eq!(mode(&mut db), "wal", "after a rolled-back first load");
    assert_eq!(db.store.conn.query_int("SELECT COUNT(*) FROM household", &[]).unwrap(), 0);
}
