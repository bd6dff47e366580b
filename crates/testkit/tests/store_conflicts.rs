//! Households an import cannot write as they are: the same person twice, a household number seen
//! again further down the file, a household or person outside the importer's scope. Each comes back
//! as a Conflict naming the row, and nothing of that household is written.

mod common;

use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::{RegionScope, Value};
use bangfu_store::registry::{query, ImportSession};
use bangfu_testkit::*;
use common::*;

#[test]
fn the_same_person_in_two_households_of_one_batch_is_a_conflict_naming_the_first_row() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 10, 31);
        let person = new_person(11, "重复人", "other");
        let x = new_household(&docs[0], "X-0001", vec![new_person(12, "甲", "head"), person.clone()]);
        let y = new_household(&docs[1], "Y-0001", vec![new_person(13, "乙", "head"), person.clone()]);
        let mut s = ImportSession::begin(&mut db.store, test_actor(), opts(&all_scope(), today())).unwrap();
        let conflicts = s.submit(vec![sourced(x.clone(), 100), sourced(y.clone(), 200)]).unwrap();
        assert_eq!(conflicts.len(), 1, "{}: {conflicts:?}", db.name);
        let c = &conflicts[0];
        assert_eq!(c.row, 201, "{}: the second occurrence's row", db.name);
        assert!(c.reason.contains("第 101 行"), "{}: names the first row: {}", db.name, c.reason);
        assert_eq!(c.field, Some(FieldRef::Member(MF::IdNumber)), "{}", db.name);
        assert!(!c.value.contains(person.resident_id.as_str()), "{}: the ID is masked in the conflict", db.name);
        assert!(s.resolve(false).unwrap().is_empty(), "{}", db.name);
        let summary = s.commit(1, 0.0).unwrap();
        assert_eq!(summary.households_created, 1, "{}", db.name);
        assert!(stored(&mut db.store, "X-0001").is_some(), "{}: the first household is written", db.name);
        assert!(stored(&mut db.store, "Y-0001").is_none(), "{}: the conflicting one is not", db.name);
        assert_eq!(member_rows(&mut db.store.conn, person.resident_id.as_str()).len(), 1, "{}", db.name);
    }
}

#[test]
fn the_same_person_twice_in_a_new_household_across_batches_is_a_conflict() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 10, 32);
        let person = new_person(14, "重复人", "other");
        let x = new_household(&docs[0], "X-0002", vec![new_person(15, "甲", "head"), person.clone()]);
        let y = new_household(&docs[1], "Y-0002", vec![new_person(16, "乙", "head"), person.clone()]);
        let (_, conflicts) = import(&mut db.store, &all_scope(), today(), vec![vec![sourced(x, 10)], vec![sourced(y, 40)]]);
        assert_eq!(conflicts.len(), 1, "{}: {conflicts:?}", db.name);
        assert_eq!(conflicts[0].row, 41, "{}", db.name);
        assert!(conflicts[0].reason.contains("X-0002"), "{}: names the household it is already in: {}", db.name, conflicts[0].reason);
    }
}

#[test]
fn a_new_household_number_seen_again_further_down_is_a_conflict() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 10, 33);
        let x1 = new_household(&docs[0], "X-0003", vec![new_person(17, "甲", "head")]);
        let mut x2 = x1.clone();
        x2.members.push(new_person(18, "乙", "spouse"));
        // within one batch
        let mut s = ImportSession::begin(&mut db.store, test_actor(), opts(&all_scope(), today())).unwrap();
        let c = s.submit(vec![sourced(x1.clone(), 5), sourced(docs[3].clone(), 6), sourced(x2.clone(), 9)]).unwrap();
        assert_eq!(c.len(), 1, "{}: {c:?}", db.name);
        assert_eq!((c[0].row, c[0].field), (9, Some(FieldRef::Household(HF::HouseholdNo))), "{}", db.name);
        // and in a later batch of the same file
        let c = s.submit(vec![sourced(x2.clone(), 30)]).unwrap();
        assert_eq!(c.len(), 1, "{}: {c:?}", db.name);
        assert_eq!((c[0].row, c[0].field), (30, Some(FieldRef::Household(HF::HouseholdNo))), "{}", db.name);
        assert!(c[0].reason.contains("不相邻"), "{}: {}", db.name, c[0].reason);
        s.resolve(false).unwrap();
        s.commit(2, 0.0).unwrap();
        assert_eq!(stored(&mut db.store, "X-0003").unwrap().doc, x1, "{}: the first version stands", db.name);
        assert!(member_rows(&mut db.store.conn, x2.members[1].resident_id.as_str()).is_empty(), "{}", db.name);
    }
}

#[test]
fn a_stored_household_number_seen_again_in_a_later_batch_is_a_conflict() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 10, 34);
        let mut first = docs[4].clone();
        first.set(HF::HousingArea, Value::Int(111));
        let mut second = docs[4].clone();
        second.set(HF::HousingArea, Value::Int(222));
        let mut s = ImportSession::begin(&mut db.store, test_actor(), opts(&all_scope(), today())).unwrap();
        assert!(s.submit(vec![sourced(first.clone(), 2)]).unwrap().is_empty(), "{}", db.name);
        let c = s.submit(vec![sourced(second.clone(), 50)]).unwrap();
        assert_eq!(c.len(), 1, "{}: the number was already imported further up: {c:?}", db.name);
        assert_eq!((c[0].row, c[0].field), (50, Some(FieldRef::Household(HF::HouseholdNo))), "{}", db.name);
        s.resolve(false).unwrap();
        let summary = s.commit(1, 0.0).unwrap();
        assert_eq!(summary.households_updated, 1, "{}", db.name);
        assert_eq!(stored(&mut db.store, &no(&first)).unwrap().doc.get(HF::HousingArea), &Value::Int(111), "{}", db.name);

        // also when the first occurrence changed nothing
        let mut s = ImportSession::begin(&mut db.store, test_actor(), opts(&all_scope(), today())).unwrap();
        assert!(s.submit(vec![sourced(first.clone(), 2)]).unwrap().is_empty(), "{}", db.name);
        let c = s.submit(vec![sourced(second.clone(), 50)]).unwrap();
        assert_eq!(c.len(), 1, "{}: {c:?}", db.name);
        s.rollback().unwrap();
    }
}

#[test]
fn a_household_outside_the_importers_village_is_a_conflict_and_is_not_written() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 300, 35);
        let home = busiest_village(&docs);
        let scope = RegionScope::of(&home);
        let inside: Vec<_> = docs.iter().filter(|d| scope.contains(&d.region_code().unwrap())).cloned().collect();
        let outside: Vec<_> = docs.iter().filter(|d| !scope.contains(&d.region_code().unwrap())).cloned().collect();
        assert!(!inside.is_empty() && !outside.is_empty());
        let before = table_counts(&mut db.store.conn);

        // a new household in another village
        let stranger = new_household(&outside[0], "Z-0001", vec![new_person(20, "外村人", "head")]);
        let (_, c) = import(&mut db.store, &scope, today(), vec![vec![sourced(stranger, 7)]]);
        assert_eq!(c.len(), 1, "{}: {c:?}", db.name);
        assert_eq!((c[0].row, c[0].field), (7, Some(FieldRef::Household(HF::RegionCode))), "{}", db.name);

        // a stored household of another village, changed
        let mut changed = outside[1].clone();
        changed.set(HF::HousingArea, Value::Int(5));
        let (_, c) = import(&mut db.store, &scope, today(), vec![vec![sourced(changed.clone(), 7)]]);
        assert_eq!(c.len(), 1, "{}: {c:?}", db.name);

        // the same household claimed for this village by its number
        let mut moved_in = outside[1].clone();
        moved_in.set(HF::RegionCode, Value::Text(home.as_str().to_string()));
        let (_, c) = import(&mut db.store, &scope, today(), vec![vec![sourced(moved_in, 7)]]);
        assert_eq!(c.len(), 1, "{}: a number belonging to another village: {c:?}", db.name);

        // a new household of this village with a person registered in another village
        let poacher = new_household(&inside[0], "Z-0002", vec![new_person(21, "户主", "head"), outside[2].members[0].clone()]);
        let (_, c) = import(&mut db.store, &scope, today(), vec![vec![sourced(poacher, 7)]]);
        assert_eq!(c.len(), 1, "{}: {c:?}", db.name);
        assert_eq!((c[0].row, c[0].field), (8, Some(FieldRef::Member(MF::IdNumber))), "{}", db.name);

        // a household of this village is fine
        let mut ok = inside[0].clone();
        ok.set(HF::HousingArea, Value::Int(6));
        let (summary, c) = import(&mut db.store, &scope, today(), vec![vec![sourced(ok, 7)]]);
        assert!(c.is_empty() && summary.households_updated == 1, "{}: {c:?}", db.name);
        // only the last import was written: its batch, one update event, audit entries for the household and the batch
        let after = table_counts(&mut db.store.conn);
        for ((t, b), (_, a)) in before.iter().zip(&after) {
            if *t == "audit_head" {
                continue; // one row per county chain, created by the chain's first entry
            }
            let grew = match *t {
                "import_batch" | "adjustment_event" => 1,
                "audit_log" => 2,
                _ => 0,
            };
            assert_eq!(a - b, grew, "{}: rows added to {t}", db.name);
        }
        assert_eq!(stored(&mut db.store, &no(&outside[1])).unwrap().doc, outside[1], "{}", db.name);
    }
}

#[test]
fn a_household_without_a_known_village_is_a_conflict_for_a_village_importer() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 300, 36);
        let scope = RegionScope::of(&busiest_village(&docs));
        let inside = docs.iter().find(|d| scope.contains(&d.region_code().unwrap())).unwrap();
        for region in [Value::Null, Value::Text("not-a-code".into())] {
            let mut nowhere = new_household(inside, "Z-0003", vec![new_person(22, "无村人", "head")]);
            nowhere.set(HF::RegionCode, region.clone());
            let (_, c) = import(&mut db.store, &scope, today(), vec![vec![sourced(nowhere, 3)]]);
            assert_eq!(c.len(), 1, "{}: region {region:?}: {c:?}", db.name);
            assert!(stored(&mut db.store, "Z-0003").is_none(), "{}", db.name);
        }
        let (h, _) = query::totals(&mut db.store.conn, &RegionScope::all()).unwrap();
        assert_eq!(h, 300, "{}", db.name);
    }
}

#[test]
fn a_closed_households_number_in_a_file_is_a_conflict_not_silently_skipped() {
    use bangfu_domain::event::EventType;
    use bangfu_store::registry::moves::{self, MoveRequest};
    use bangfu_store::registry::write::WriteContext;
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 80, 37);
        let single = docs.iter().position(|d| d.members.len() == 1).expect("a one-person household");
        let to = (single + 1) % docs.len();
        let ctx = WriteContext { batch_id: None, recorded_by: "test".into(), now: bangfu_store::now_utc(), keys: db.store.keys.clone() };
        let rid = docs[single].members[0].resident_id.as_str().to_string();
        let req = MoveRequest { resident_id: &rid, to_household_no: &no(&docs[to]), relation: "other", effective_on: date(2025, 1, 1), event_type: EventType::Merge, reason: "并户" };
        moves::move_member(&mut db.store.conn, &ctx, &test_actor(), &all_scope(), &req).unwrap();

        // the closed household turns up again in a file, with a new person
        let again = new_household(&docs[single], &no(&docs[single]), vec![new_person(23, "新户主", "head")]);
        let mut s = ImportSession::begin(&mut db.store, test_actor(), opts(&all_scope(), today())).unwrap();
        let mut c = s.submit(vec![sourced(again.clone(), 12)]).unwrap();
        c.extend(s.resolve(false).unwrap());
        let summary = s.summary();
        s.rollback().unwrap();
        let accounted = summary.households_created + summary.households_updated + summary.households_unchanged + c.len() as u64;
        assert_eq!(accounted, 1, "{}: the household is written or reported, never silently dropped: {summary:?} {c:?}", db.name);
        assert_eq!(c.len(), 1, "{}: {c:?}", db.name);
        assert_eq!((c[0].row, c[0].field), (12, Some(FieldRef::Household(HF::HouseholdNo))), "{}", db.name);
    }
}
