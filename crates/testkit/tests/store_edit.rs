//! Editing one household through the form path (registry::edit) on every backend: a save bumps the
//! version and writes a masked audit entry; a stale version is a conflict that writes nothing; ids
//! outside the scope are not found; a person registered elsewhere is refused (naming the household
//! only inside the scope); new households, member corrections and hand-recorded events.

mod common;

use bangfu_domain::event::EventType;
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::value::Secret;
use bangfu_domain::{RegionCode, RegionLevel, RegionScope, Value};
use bangfu_store::registry::edit::{self, EventInput, SaveOutcome};
use bangfu_store::registry::read;
use bangfu_store::{Store, StoreError};
use bangfu_testkit::*;
use common::*;

fn scope_of(doc: &HouseholdDoc) -> RegionScope {
    RegionScope::of(&RegionCode::parse(&region(doc)).unwrap())
}

fn save(store: &mut Store, scope: &RegionScope, id: i64, version: i64, doc: &HouseholdDoc) -> bangfu_store::Result<SaveOutcome> {
    edit::save_household(&mut store.conn, &store.keys, &test_actor(), scope, id, version, doc, today())
}

fn load(store: &mut Store, id: i64) -> bangfu_store::registry::StoredHousehold {
    read::get(&mut store.conn, &store.keys, &RegionScope::all(), id).unwrap().expect("stored")
}

#[test]
fn a_save_bumps_the_version_writes_events_and_a_masked_audit_entry() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 20, 51);
        let id = id_of(&mut db.store, &no(&docs[2]));
        let s = load(&mut db.store, id);
        let mut merged = s.doc.clone();
        let area = merged.get(HF::HousingArea).as_int().unwrap_or(0);
        merged.set(HF::HousingArea, Value::Int(area + 550));
        merged.set(HF::Phone, Value::Secret(Secret::new("13912345678".into())));
        merged.members[0].set(MF::Ethnicity, Value::Text("苗族".into()));
        let out = save(&mut db.store, &scope_of(&docs[2]), id, s.version, &merged).unwrap();
        assert!(matches!(out, SaveOutcome::Saved { id: i, version } if i == id && version == s.version + 1), "{}: {out:?}", db.name);
        let after = load(&mut db.store, id);
        assert_eq!((after.version, &after.doc), (s.version + 1, &merged), "{}", db.name);
        let audits = audit_entries(&mut db.store.conn);
        let last = audits.last().unwrap();
        assert_eq!((last.0.as_str(), last.1.as_deref(), last.2.as_str()), ("household", Some(id.to_string().as_str()), "update"), "{}", db.name);
        let json = last.3.as_deref().unwrap();
        assert!(json.contains("住房面积(平方米)") && json.contains(&bangfu_domain::value::format_hundredths(area + 550)), "{}: {json}", db.name);
        assert!(json.contains("民族") && json.contains("苗族"), "{}: member change in {json}", db.name);
        assert!(!json.contains("13912345678") && json.contains("139****5678"), "{}: phone masked: {json}", db.name);
        assert!(!json.contains("家庭人口数"), "{}: only changed fields: {json}", db.name);
        let ev = events(&mut db.store.conn, id);
        assert!(ev.iter().any(|e| e.event_type == "info_changed" && e.reason == "在线修改户信息" && e.batch_id.is_none()), "{}: {ev:?}", db.name);
        // the same document again changes nothing and keeps the version
        let again = save(&mut db.store, &scope_of(&docs[2]), id, s.version + 1, &merged).unwrap();
        assert!(matches!(again, SaveOutcome::Unchanged { version, .. } if version == s.version + 1), "{}: {again:?}", db.name);
        assert_eq!(load(&mut db.store, id).version, s.version + 1, "{}", db.name);
    }
}

#[test]
fn a_stale_version_is_a_conflict_with_the_difference_and_nothing_is_written() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 20, 52);
        let id = id_of(&mut db.store, &no(&docs[3]));
        let s = load(&mut db.store, id);
        let mut first = s.doc.clone();
        first.set(HF::MainFuel, Value::Text("天然气".into()));
        assert!(save(&mut db.store, &all_scope(), id, s.version, &first).unwrap().is_saved(), "{}", db.name);
        let counts = table_counts(&mut db.store.conn);
        let mut second = s.doc.clone();
        second.set(HF::MainFuel, Value::Text("柴草".into()));
        match save(&mut db.store, &all_scope(), id, s.version, &second).unwrap() {
            SaveOutcome::Conflict { current, changes } => {
                assert_eq!(current.version, s.version + 1, "{}", db.name);
                let c = changes.household.iter().find(|c| c.field == FieldRef::Household(HF::MainFuel)).expect("main fuel in the diff");
                assert_eq!((&c.before, &c.after), (&Value::Text("天然气".into()), &Value::Text("柴草".into())), "{}", db.name);
            }
            other => panic!("{}: expected a conflict, got {other:?}", db.name),
        }
        assert_eq!(table_counts(&mut db.store.conn), counts, "{}: nothing written", db.name);
        let now = load(&mut db.store, id);
        assert_eq!((now.version, now.doc.get(HF::MainFuel)), (s.version + 1, &Value::Text("天然气".into())), "{}", db.name);
    }
}

#[test]
fn a_household_outside_the_scope_is_not_found() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 30, 53);
        let other = docs.iter().find(|d| region(d) != region(&docs[0])).expect("another village");
        let id = id_of(&mut db.store, &no(other));
        let s = load(&mut db.store, id);
        let counts = table_counts(&mut db.store.conn);
        let r = save(&mut db.store, &scope_of(&docs[0]), id, s.version, &s.doc);
        assert!(matches!(r, Err(StoreError::NotFound(_))), "{}: {r:?}", db.name);
        let ev = EventInput { event_type: EventType::InfoChanged, effective_on: today(), reason: "测试".into(), type_after: None };
        let r = edit::record_event(&mut db.store.conn, &db.store.keys, &test_actor(), &scope_of(&docs[0]), id, s.version, &ev, today());
        assert!(matches!(r, Err(StoreError::NotFound(_))), "{}: {r:?}", db.name);
        assert_eq!(table_counts(&mut db.store.conn), counts, "{}", db.name);
    }
}

#[test]
fn a_person_registered_in_another_household_is_refused_naming_it_only_in_scope() {
    for mut db in TestDb::all() {
        let all = seeded(&mut db, 60, 54);
        let township = |d: &HouseholdDoc| d.region_code().and_then(|c| c.at_level(RegionLevel::Township)).unwrap();
        let t = all.iter().map(township).find(|t| all.iter().filter(|d| township(d) == *t).count() >= 2).expect("a township with two households");
        let scope = RegionScope::of(&t);
        let (mut docs, others): (Vec<HouseholdDoc>, Vec<HouseholdDoc>) = all.into_iter().partition(|d| township(d) == t);
        let same = docs.pop().expect("two households in the township");
        let (same, far) = (&same, &others[0]);
        let id = id_of(&mut db.store, &no(&docs[0]));
        let s = load(&mut db.store, id);
        let mut person = same.members.iter().find(|m| !m.is_head()).unwrap_or(&same.members[0]).clone();
        person.set(MF::Relation, Value::Code("other"));
        let add = |store: &mut Store, scope: &RegionScope, m| edit::add_member(&mut store.conn, &store.keys, &test_actor(), scope, id, s.version, m, today()).unwrap();
        match add(&mut db.store, &scope, &person) {
            SaveOutcome::Refused(r) => {
                assert_eq!(r.field, Some(FieldRef::Member(MF::IdNumber)), "{}", db.name);
                assert!(r.message.contains(&no(same)), "{}: names the household in scope: {}", db.name, r.message);
            }
            other => panic!("{}: {other:?}", db.name),
        }
        let mut stranger = far.members[0].clone();
        stranger.set(MF::Relation, Value::Code("other"));
        match add(&mut db.store, &scope, &stranger) {
            SaveOutcome::Refused(r) => {
                assert!(r.message.contains("已在其他户登记") && !r.message.contains(&no(far)), "{}: {}", db.name, r.message);
            }
            other => panic!("{}: {other:?}", db.name),
        }
        assert_eq!(load(&mut db.store, id).version, s.version, "{}: nothing written", db.name);
        // a new person joins, with a 自然增加 event
        let newcomer = new_person(7, "新成员", "other");
        let out = add(&mut db.store, &scope, &newcomer);
        assert!(out.is_saved(), "{}: {out:?}", db.name);
        let after = load(&mut db.store, id);
        assert_eq!(after.doc.members.last().map(|m| m.resident_id.clone()), Some(newcomer.resident_id.clone()), "{}", db.name);
        assert!(events(&mut db.store.conn, id).iter().any(|e| e.event_type == "natural_increase"), "{}", db.name);
    }
}

#[test]
fn a_member_correction_keeps_the_row_and_an_id_change_follows() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 20, 55);
        let id = id_of(&mut db.store, &no(&docs[1]));
        let s = load(&mut db.store, id);
        let mid = s.member_ids[0];
        let mut m = s.doc.members[0].clone();
        let fresh = new_person(11, "改", "head");
        m.resident_id = fresh.resident_id.clone();
        for f in [MF::IdNumber, MF::Sex, MF::BirthDate] {
            m.set(f, fresh.get(f).clone());
        }
        m.set(MF::Name, Value::Text("改名".into()));
        let out = edit::update_member(&mut db.store.conn, &db.store.keys, &test_actor(), &all_scope(), id, s.version, mid, &m, today()).unwrap();
        assert!(out.is_saved(), "{}: {out:?}", db.name);
        let rows = member_rows(&mut db.store.conn, fresh.resident_id.as_str());
        assert_eq!(rows.len(), 1, "{}", db.name);
        assert_eq!(rows[0].id, mid, "{}: the same member row", db.name);
        assert!(member_rows(&mut db.store.conn, s.doc.members[0].resident_id.as_str()).is_empty(), "{}", db.name);
        assert_eq!(load(&mut db.store, id).doc.members[0].name(), "改名", "{}", db.name);
        let json = audit_entries(&mut db.store.conn).last().unwrap().3.clone().unwrap();
        assert!(!json.contains(fresh.resident_id.as_str()) && !json.contains(s.doc.members[0].resident_id.as_str()), "{}: IDs masked: {json}", db.name);
    }
}

#[test]
fn creating_a_household_writes_its_history_and_an_audit_entry_and_refuses_a_taken_number() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 10, 56);
        let mut doc = new_household(&docs[0], "", vec![new_person(21, "户主甲", "head"), new_person(22, "之子乙", "son")]);
        doc.set(HF::HouseholdNo, Value::Null);
        doc.set(HF::HouseholdType, Value::Code("monitored"));
        doc.set(HF::MonitoringIdentifiedOn, Value::Null);
        doc.set(HF::RegistrationYear, Value::Null);
        doc.set(HF::ExitYear, Value::Null);
        let create = |store: &mut Store, d: &HouseholdDoc| edit::create_household(&mut store.conn, &store.keys, &test_actor(), &scope_of(&docs[0]), d, today()).unwrap();
        let id = match create(&mut db.store, &doc) {
            SaveOutcome::Saved { id, version: 1 } => id,
            other => panic!("{}: {other:?}", db.name),
        };
        let s = load(&mut db.store, id);
        assert!(s.doc.get(HF::HouseholdNo).as_text().unwrap().starts_with(&region(&docs[0])), "{}: a number in the village", db.name);
        assert_eq!(s.doc.members.len(), 2, "{}", db.name);
        let ev = events(&mut db.store.conn, id);
        assert!(ev.iter().any(|e| e.event_type == "supplemented" && e.type_after.as_deref() == Some("monitored")), "{}: {ev:?}", db.name);
        let last = audit_entries(&mut db.store.conn).pop().unwrap();
        assert_eq!((last.0.as_str(), last.2.as_str()), ("household", "create"), "{}", db.name);
        // the same number again, and the same people again, are refused
        let mut again = new_household(&docs[0], &no(&docs[1]), vec![new_person(23, "户主丙", "head")]);
        again.set(HF::HouseholdType, Value::Code("ordinary"));
        match create(&mut db.store, &again) {
            SaveOutcome::Refused(r) => assert_eq!(r.field, Some(FieldRef::Household(HF::HouseholdNo)), "{}: {r:?}", db.name),
            other => panic!("{}: {other:?}", db.name),
        }
        let dup = new_household(&docs[0], "X-NEW-1", vec![new_person(21, "户主甲", "head")]);
        assert!(matches!(create(&mut db.store, &dup), SaveOutcome::Refused(_)), "{}", db.name);
        let outside = new_household(docs.iter().find(|d| region(d) != region(&docs[0])).unwrap(), "X-NEW-2", vec![new_person(24, "户主丁", "head")]);
        assert!(matches!(create(&mut db.store, &outside), SaveOutcome::Refused(r) if r.field == Some(FieldRef::Household(HF::RegionCode))), "{}", db.name);
    }
}

#[test]
fn a_recorded_event_changes_the_type_and_is_audited() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 10, 57);
        let i = docs.iter().position(|d| d.household_type() != Some("monitored")).unwrap();
        let id = id_of(&mut db.store, &no(&docs[i]));
        let s = load(&mut db.store, id);
        let ev = EventInput { event_type: EventType::MonitoringIncluded, effective_on: date(2026, 3, 1), reason: "突发严重困难".into(), type_after: Some("monitored") };
        let out = edit::record_event(&mut db.store.conn, &db.store.keys, &test_actor(), &all_scope(), id, s.version, &ev, today()).unwrap();
        assert!(out.is_saved(), "{}: {out:?}", db.name);
        let after = load(&mut db.store, id);
        assert_eq!((after.version, after.doc.household_type()), (s.version + 1, Some("monitored")), "{}", db.name);
        let e = events(&mut db.store.conn, id).pop().unwrap();
        assert_eq!((e.event_type.as_str(), e.effective_on, e.reason.as_str()), ("monitoring_included", date(2026, 3, 1), "突发严重困难"), "{}", db.name);
        assert_eq!(audit_entries(&mut db.store.conn).pop().unwrap().2, "event", "{}", db.name);
        // the old version again is a conflict
        let stale = edit::record_event(&mut db.store.conn, &db.store.keys, &test_actor(), &all_scope(), id, s.version, &ev, today()).unwrap();
        assert!(matches!(stale, SaveOutcome::Conflict { .. }), "{}: {stale:?}", db.name);
    }
}
