//! People moving between households (成员迁移, 分户): always the same member row re-homed with a
//! history row and events on both sides, never a delete and an insert; households left empty are
//! closed. In an import, a person leaving one household for another in the same file is a move;
//! a person claimed from a household the file does not touch is a conflict.

mod common;

use bangfu_domain::event::EventType;
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::{RegionScope, Value};
use bangfu_store::registry::moves::{self, MoveRequest};
use bangfu_store::registry::write::WriteContext;
use bangfu_store::registry::{query, read, ImportSession};
use bangfu_store::{Store, StoreError};
use bangfu_testkit::*;
use chrono::NaiveDate;
use common::*;

fn ctx(store: &Store) -> WriteContext {
    WriteContext { batch_id: None, recorded_by: "test".into(), now: bangfu_store::now_utc(), keys: store.keys.clone() }
}

fn move_person(store: &mut Store, scope: &RegionScope, rid: &str, to_no: &str, relation: &'static str, on: NaiveDate, kind: EventType) -> bangfu_store::Result<()> {
    let c = ctx(store);
    let req = MoveRequest { resident_id: rid, to_household_no: to_no, relation, effective_on: on, event_type: kind, reason: "测试迁移" };
    moves::move_member(&mut store.conn, &c, &test_actor(), scope, &req)
}

/// Two households of different villages: one with a non-head member to move, one to receive them.
fn pick(docs: &[HouseholdDoc]) -> (usize, usize, usize) {
    let from = docs.iter().position(|d| d.members.len() >= 3).expect("a household of three");
    let to = docs.iter().position(|d| region(d) != region(&docs[from]) && d.members.len() >= 2).expect("another village");
    let person = docs[from].members.iter().position(|m| !m.is_head()).unwrap();
    (from, to, person)
}

#[test]
fn moving_a_member_rehomes_the_same_row_with_history_events_and_an_audit_entry() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 60, 41);
        let (from, to, p) = pick(&docs);
        let person = docs[from].members[p].clone();
        let rid = person.resident_id.as_str().to_string();
        let (from_id, to_id) = (id_of(&mut db.store, &no(&docs[from])), id_of(&mut db.store, &no(&docs[to])));
        let before = member_rows(&mut db.store.conn, &rid);
        let totals_before = query::totals(&mut db.store.conn, &all_scope()).unwrap();
        let on = date(2025, 5, 1);

        move_person(&mut db.store, &all_scope(), &rid, &no(&docs[to]), "son_in_law", on, EventType::MemberMoved).unwrap();

        let after = member_rows(&mut db.store.conn, &rid);
        assert_eq!(after.len(), 1, "{}: one row for the person", db.name);
        assert_eq!(after[0].id, before[0].id, "{}: the same member row, not delete + insert", db.name);
        assert_eq!((after[0].household_id, after[0].region_code.as_str(), after[0].status.as_str()), (to_id, region(&docs[to]).as_str(), "active"), "{}", db.name);
        assert_eq!((after[0].relation.as_deref(), after[0].joined_on), (Some("son_in_law"), on), "{}", db.name);
        assert_eq!(after[0].seq, docs[to].members.len() as i64 + 1, "{}: appended to the new household", db.name);

        let h = history(&mut db.store.conn, before[0].id);
        assert_eq!(h, vec![(before[0].id, from_id, region(&docs[from]), before[0].joined_on, on)], "{}", db.name);

        let moved: Vec<EventRow> = all_events(&mut db.store.conn).into_iter().filter(|e| e.member_id == Some(before[0].id)).collect();
        assert_eq!(moved.len(), 2, "{}: {moved:?}", db.name);
        assert_eq!(moved.iter().map(|e| (e.household_id, e.event_type.as_str(), e.effective_on)).collect::<Vec<_>>(), vec![(from_id, "member_moved", on), (to_id, "member_moved", on)], "{}", db.name);
        assert_eq!((moved[0].region_code.as_str(), moved[1].region_code.as_str()), (region(&docs[from]).as_str(), region(&docs[to]).as_str()), "{}", db.name);
        for e in &moved {
            let d = e.details.as_deref().unwrap();
            assert!(d.contains(&format!("\"from_household\":{from_id}")) && d.contains(&format!("\"to_household\":{to_id}")), "{}: {d}", db.name);
        }
        let audits = audit_entries(&mut db.store.conn);
        let last = audits.last().unwrap();
        assert_eq!((last.0.as_str(), last.1.as_deref(), last.2.as_str()), ("member", Some(before[0].id.to_string().as_str()), "move"), "{}", db.name);

        // the documents follow
        let a = read::get(&mut db.store.conn, &db.store.keys, &all_scope(), from_id).unwrap().unwrap();
        let b = read::get(&mut db.store.conn, &db.store.keys, &all_scope(), to_id).unwrap().unwrap();
        assert!(a.doc.members.iter().all(|m| m.resident_id != person.resident_id), "{}", db.name);
        assert_eq!(a.doc.members.len(), docs[from].members.len() - 1, "{}", db.name);
        assert_eq!(b.doc.members.last().unwrap().resident_id, person.resident_id, "{}", db.name);
        assert_eq!(b.doc.members.last().unwrap().get(MF::Relation), &Value::Code("son_in_law"), "{}", db.name);
        assert_eq!(query::household_of_person(&mut db.store.conn, &all_scope(), &rid).unwrap(), Some(to_id), "{}", db.name);
        assert_eq!(query::totals(&mut db.store.conn, &all_scope()).unwrap(), totals_before, "{}: nobody gained or lost", db.name);
    }
}

#[test]
fn a_split_is_recorded_as_split_events() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 60, 42);
        let (from, to, p) = pick(&docs);
        let rid = docs[from].members[p].resident_id.as_str().to_string();
        move_person(&mut db.store, &all_scope(), &rid, &no(&docs[to]), "other", date(2025, 6, 1), EventType::Split).unwrap();
        let mid = member_rows(&mut db.store.conn, &rid)[0].id;
        let kinds: Vec<String> = all_events(&mut db.store.conn).into_iter().filter(|e| e.member_id == Some(mid)).map(|e| e.event_type).collect();
        assert_eq!(kinds, vec!["split", "split"], "{}", db.name);
    }
}

#[test]
fn moves_that_would_leave_a_household_headless_or_double_headed_are_refused_and_change_nothing() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 60, 43);
        let (from, to, _) = pick(&docs);
        let head = docs[from].head().unwrap().resident_id.as_str().to_string();
        let snapshot = |s: &mut Store| (table_counts(&mut s.conn), member_rows(&mut s.conn, &head));
        let before = snapshot(&mut db.store);
        let e = move_person(&mut db.store, &all_scope(), &head, &no(&docs[to]), "other", date(2025, 1, 1), EventType::MemberMoved).unwrap_err();
        assert!(matches!(e, StoreError::Invalid(ref m) if m.contains("户主")), "{}: {e}", db.name);
        assert_eq!(snapshot(&mut db.store), before, "{}", db.name);

        let other = docs[from].members.iter().find(|m| !m.is_head()).unwrap().resident_id.as_str().to_string();
        let e = move_person(&mut db.store, &all_scope(), &other, &no(&docs[to]), "head", date(2025, 1, 1), EventType::MemberMoved).unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{}: the target already has a head: {e}", db.name);
        let e = move_person(&mut db.store, &all_scope(), &other, &no(&docs[from]), "son", date(2025, 1, 1), EventType::MemberMoved).unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{}: already there: {e}", db.name);
        let e = move_person(&mut db.store, &all_scope(), &other, "no-such-household", "son", date(2025, 1, 1), EventType::MemberMoved).unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{}: {e}", db.name);
        let e = move_person(&mut db.store, &all_scope(), "110101195001010011", &no(&docs[to]), "son", date(2025, 1, 1), EventType::MemberMoved).unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{}: {e}", db.name);
        assert_eq!(table_counts(&mut db.store.conn), before.0, "{}", db.name);
    }
}

#[test]
fn a_household_left_without_members_is_closed_with_a_closing_event() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 80, 44);
        let single = docs.iter().position(|d| d.members.len() == 1).expect("a one-person household");
        let to = docs.iter().position(|d| d.members.len() >= 2 && no(d) != no(&docs[single])).unwrap();
        let sid = id_of(&mut db.store, &no(&docs[single]));
        let (h0, m0) = query::totals(&mut db.store.conn, &all_scope()).unwrap();
        let rid = docs[single].members[0].resident_id.as_str().to_string();
        let on = date(2025, 3, 1);
        move_person(&mut db.store, &all_scope(), &rid, &no(&docs[to]), "parent_in_law", on, EventType::MemberMoved).unwrap();

        assert_eq!(count(&mut db.store.conn, "SELECT COUNT(*) FROM household WHERE id = ? AND status = 'removed'", &[bangfu_store::P::Int(sid)]), 1, "{}: closed, not deleted", db.name);
        let closing: Vec<EventRow> = events(&mut db.store.conn, sid).into_iter().filter(|e| e.type_after.as_deref() == Some("closed")).collect();
        assert_eq!(closing.len(), 1, "{}", db.name);
        assert_eq!((closing[0].effective_on, closing[0].member_id), (on, None), "{}", db.name);
        assert_eq!(query::totals(&mut db.store.conn, &all_scope()).unwrap(), (h0 - 1, m0), "{}", db.name);
        assert!(read::get(&mut db.store.conn, &db.store.keys, &all_scope(), sid).unwrap().is_none(), "{}", db.name);
        let (list, total) = query::list(&mut db.store.conn, &all_scope(), &Default::default(), query::SortKey::HouseholdNo, 0, 1000).unwrap();
        assert_eq!(total, h0 - 1, "{}", db.name);
        assert!(list.iter().all(|h| h.id != sid), "{}", db.name);
        // the head of a one-person household may leave: nobody is left without a head
        assert_eq!(member_rows(&mut db.store.conn, &rid)[0].relation.as_deref(), Some("parent_in_law"), "{}", db.name);
    }
}

#[test]
fn a_village_user_cannot_move_people_into_or_out_of_another_village() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 60, 45);
        let (from, to, p) = pick(&docs);
        let rid = docs[from].members[p].resident_id.as_str().to_string();
        let from_scope = RegionScope::of(&docs[from].region_code().unwrap());
        let to_scope = RegionScope::of(&docs[to].region_code().unwrap());
        let before = table_counts(&mut db.store.conn);
        let e = move_person(&mut db.store, &from_scope, &rid, &no(&docs[to]), "other", date(2025, 1, 1), EventType::MemberMoved).unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{}: target outside scope: {e}", db.name);
        let e = move_person(&mut db.store, &to_scope, &rid, &no(&docs[to]), "other", date(2025, 1, 1), EventType::MemberMoved).unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{}: person outside scope: {e}", db.name);
        assert_eq!(table_counts(&mut db.store.conn), before, "{}", db.name);
    }
}

/// The split in a file: household A's new version without P, and a new household B headed by P.
fn split_in_file(docs: &[HouseholdDoc]) -> (HouseholdDoc, HouseholdDoc, usize) {
    let (from, _, p) = pick(docs);
    let mut a2 = docs[from].clone();
    let mut person = a2.members.remove(p);
    person.set(MF::Relation, Value::Code("head"));
    let b = new_household(&docs[from], &format!("{}-B", no(&docs[from])), vec![person, new_person(50, "新生儿", "son")]);
    (a2, b, from)
}

#[test]
fn a_person_leaving_a_household_for_a_new_one_in_the_same_import_is_moved_in_either_order() {
    for a_first in [true, false] {
        for mut db in TestDb::all() {
            let docs = seeded(&mut db, 60, 46);
            let (a2, b, from) = split_in_file(&docs);
            let rid = b.members[0].resident_id.as_str().to_string();
            let before = member_rows(&mut db.store.conn, &rid);
            let from_id = id_of(&mut db.store, &no(&docs[from]));
            let (first, second) = if a_first { (a2.clone(), b.clone()) } else { (b.clone(), a2.clone()) };
            let (summary, conflicts) = import(&mut db.store, &all_scope(), today(), vec![vec![sourced(first, 2)], vec![sourced(second, 20)]]);
            let label = format!("{} ({})", db.name, if a_first { "old household first" } else { "new household first" });
            assert!(conflicts.is_empty(), "{label}: {conflicts:?}");
            assert_eq!((summary.members_moved, summary.members_removed, summary.households_created, summary.households_updated), (1, 0, 1, 1), "{label}: {summary:?}");

            let b_id = id_of(&mut db.store, &no(&b));
            let after = member_rows(&mut db.store.conn, &rid);
            assert_eq!(after.len(), 1, "{label}");
            assert_eq!((after[0].id, after[0].household_id, after[0].status.as_str()), (before[0].id, b_id, "active"), "{label}: the same member row, re-homed");
            assert_eq!(after[0].relation.as_deref(), Some("head"), "{label}");
            assert_eq!(history(&mut db.store.conn, before[0].id), vec![(before[0].id, from_id, region(&a2), before[0].joined_on, today())], "{label}");
            let kinds: Vec<(i64, String)> = all_events(&mut db.store.conn).into_iter().filter(|e| e.member_id == Some(before[0].id)).map(|e| (e.household_id, e.event_type)).collect();
            assert_eq!(kinds, vec![(from_id, "member_moved".to_string()), (b_id, "member_moved".to_string())], "{label}");
            assert!(all_events(&mut db.store.conn).iter().all(|e| !(e.event_type == "natural_decrease" && e.member_id == Some(before[0].id))), "{label}: a move, not a removal");
            assert_eq!(stored(&mut db.store, &no(&b)).unwrap().doc, b, "{label}: the new household as in the file");
            assert_eq!(stored(&mut db.store, &no(&a2)).unwrap().doc, a2, "{label}");
        }
    }
}

#[test]
fn two_people_splitting_off_together_keep_the_files_order_in_their_new_household() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 80, 47);
        let from = docs.iter().position(|d| d.members.len() >= 4).expect("a household of four");
        let mut a2 = docs[from].clone();
        let head_pos = a2.members.iter().position(|m| m.is_head()).unwrap();
        let leaving: Vec<usize> = (0..a2.members.len()).filter(|i| *i != head_pos).take(2).collect();
        let mut p1 = a2.members[leaving[0]].clone();
        p1.set(MF::Relation, Value::Code("head"));
        let mut p2 = a2.members[leaving[1]].clone();
        p2.set(MF::Relation, Value::Code("spouse"));
        a2.members.retain(|m| m.resident_id != p1.resident_id && m.resident_id != p2.resident_id);
        let b = new_household(&docs[from], &format!("{}-B", no(&docs[from])), vec![p1, p2, new_person(51, "新生儿", "son")]);
        let (summary, conflicts) = import(&mut db.store, &all_scope(), today(), vec![vec![sourced(a2.clone(), 2), sourced(b.clone(), 10)]]);
        assert!(conflicts.is_empty(), "{}: {conflicts:?}", db.name);
        assert_eq!(summary.members_moved, 2, "{}", db.name);
        let names = |d: &HouseholdDoc| d.members.iter().map(|m| m.name().to_string()).collect::<Vec<_>>();
        let got = stored(&mut db.store, &no(&b)).unwrap().doc;
        assert_eq!(names(&got), names(&b), "{}", db.name);
        assert_eq!(got, b, "{}", db.name);
    }
}

#[test]
fn claiming_a_person_from_a_household_the_import_does_not_touch_is_a_conflict() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 60, 48);
        let (from, _, p) = pick(&docs);
        let person = docs[from].members[p].clone();
        let b = new_household(&docs[from], "B-CLAIM", vec![new_person(52, "户主", "head"), person.clone()]);
        let before = table_counts(&mut db.store.conn);

        let mut s = ImportSession::begin(&mut db.store, test_actor(), opts(&all_scope(), today())).unwrap();
        assert!(s.submit(vec![sourced(b.clone(), 30)]).unwrap().is_empty(), "{}: known only at the end", db.name);
        let c = s.resolve(false).unwrap();
        assert_eq!(c.len(), 1, "{}: {c:?}", db.name);
        assert_eq!((c[0].row, c[0].field), (31, Some(FieldRef::Member(MF::IdNumber))), "{}", db.name);
        assert!(c[0].reason.contains("另一户"), "{}: {}", db.name, c[0].reason);
        s.rollback().unwrap();
        assert_eq!(table_counts(&mut db.store.conn), before, "{}", db.name);
        assert_eq!(member_rows(&mut db.store.conn, person.resident_id.as_str())[0].household_id, id_of(&mut db.store, &no(&docs[from])), "{}", db.name);

        // when the importer accepts the valid rest, the claiming household is left out and the rest commits
        let mut other = docs[(from + 1) % docs.len()].clone();
        other.set(HF::HousingArea, Value::Int(77));
        let mut s = ImportSession::begin(&mut db.store, test_actor(), opts(&all_scope(), today())).unwrap();
        assert!(s.submit(vec![sourced(b.clone(), 30), sourced(other.clone(), 40)]).unwrap().is_empty(), "{}", db.name);
        assert_eq!(s.resolve(true).unwrap().len(), 1, "{}", db.name);
        let summary = s.commit(1, 0.0).unwrap();
        assert_eq!((summary.households_created, summary.households_updated, summary.members_moved), (0, 1, 0), "{}: {summary:?}", db.name);
        assert!(stored(&mut db.store, "B-CLAIM").is_none(), "{}", db.name);
        assert!(member_rows(&mut db.store.conn, b.members[0].resident_id.as_str()).is_empty(), "{}: nothing of it remains", db.name);
        assert_eq!(stored(&mut db.store, &no(&other)).unwrap().doc, other, "{}", db.name);
        assert_eq!(stored(&mut db.store, &no(&docs[from])).unwrap().doc, docs[from], "{}", db.name);

        // an existing household claiming them is refused the same way
        let mut grabby = docs[(from + 2) % docs.len()].clone();
        grabby.members.push(person.clone());
        let (_, c) = import(&mut db.store, &all_scope(), today(), vec![vec![sourced(grabby, 60)]]);
        assert_eq!(c.len(), 1, "{}: {c:?}", db.name);
    }
}

#[test]
fn after_someone_moves_out_a_newcomer_imported_at_the_end_is_listed_last() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 60, 49);
        let a = docs.iter().position(|d| d.members.len() >= 4).expect("a household of four");
        let to = (a + 1) % docs.len();
        // someone from the middle leaves by a move (a gap in the order that remains)
        let leaving = docs[a].members.iter().position(|m| !m.is_head()).unwrap();
        let rid = docs[a].members[leaving].resident_id.as_str().to_string();
        move_person(&mut db.store, &all_scope(), &rid, &no(&docs[to]), "other", date(2025, 1, 1), EventType::MemberMoved).unwrap();
        let mut a2 = docs[a].clone();
        a2.members.remove(leaving);
        assert_eq!(stored(&mut db.store, &no(&a2)).unwrap().doc, a2, "{}", db.name);
        // then the file brings a newborn at the end
        a2.members.push(new_person(53, "新生儿", "grandson"));
        let (_, c) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[a2.clone()])]);
        assert!(c.is_empty(), "{}: {c:?}", db.name);
        let names = |d: &HouseholdDoc| d.members.iter().map(|m| m.name().to_string()).collect::<Vec<_>>();
        assert_eq!(names(&stored(&mut db.store, &no(&a2)).unwrap().doc), names(&a2), "{}", db.name);
        let (s, _) = import(&mut db.store, &all_scope(), today(), vec![sourced_all(&[a2.clone()])]);
        assert_eq!(s.households_unchanged, 1, "{}: {s:?}", db.name);
    }
}

#[test]
fn a_person_moving_between_two_stored_households_in_one_import_is_moved() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 60, 50);
        let (from, to, p) = pick(&docs);
        let mut a2 = docs[from].clone();
        let mut person = a2.members.remove(p);
        person.set(MF::Relation, Value::Code("son_in_law"));
        let mut c2 = docs[to].clone();
        c2.members.insert(1, person.clone());
        let rid = person.resident_id.as_str().to_string();
        let before = member_rows(&mut db.store.conn, &rid);
        let (from_id, to_id) = (id_of(&mut db.store, &no(&a2)), id_of(&mut db.store, &no(&c2)));
        // the receiving household comes first in the file
        let (summary, conflicts) = import(&mut db.store, &all_scope(), today(), vec![vec![sourced(c2.clone(), 2), sourced(a2.clone(), 20)]]);
        assert!(conflicts.is_empty(), "{}: {conflicts:?}", db.name);
        assert_eq!((summary.members_moved, summary.members_removed, summary.members_created, summary.households_updated), (1, 0, 0, 2), "{}: {summary:?}", db.name);
        let after = member_rows(&mut db.store.conn, &rid);
        assert_eq!((after.len(), after[0].id, after[0].household_id), (1, before[0].id, to_id), "{}", db.name);
        assert_eq!(history(&mut db.store.conn, before[0].id).iter().map(|h| (h.1, h.4)).collect::<Vec<_>>(), vec![(from_id, today())], "{}", db.name);
        assert_eq!(stored(&mut db.store, &no(&c2)).unwrap().doc, c2, "{}: in the file's place", db.name);
        assert_eq!(stored(&mut db.store, &no(&a2)).unwrap().doc, a2, "{}", db.name);
    }
}
