//! The registry as it stood on a past date, rebuilt from the adjustment events and membership history:
//! households counted by the type they had then, people where they lived then.

mod common;

use bangfu_domain::event::EventType;
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::{RegionScope, Value};
use bangfu_store::registry::moves::{self, MoveRequest};
use bangfu_store::registry::query;
use bangfu_store::registry::write::WriteContext;
use bangfu_store::Store;
use bangfu_testkit::*;
use chrono::NaiveDate;
use common::*;
use std::collections::BTreeMap;

type Counts = BTreeMap<String, (i64, i64)>;

fn as_of(store: &mut Store, scope: &RegionScope, d: NaiveDate) -> Counts {
    query::as_of(&mut store.conn, scope, d).unwrap().into_iter().map(|(t, h, p)| (t, (h, p))).collect()
}

/// What the registry should show on `d` (before 2021, when monitoring began): households registered by
/// then, exited from the end of their exit year, poor before; people born by then.
fn expected(docs: &[&HouseholdDoc], d: NaiveDate) -> Counts {
    assert!(d < date(2021, 1, 1), "the oracle predates monitoring");
    let mut out = Counts::new();
    for doc in docs {
        let Some(reg) = doc.get(HF::RegistrationYear).as_int() else { continue };
        if date(reg as i32, 1, 1) > d {
            continue;
        }
        let t = match doc.get(HF::ExitYear).as_int() {
            Some(e) if date(e as i32, 12, 31) <= d => "exited",
            _ => "poor",
        };
        let people = doc.members.iter().filter(|m| m.resident_id.birth_date() <= d).count() as i64;
        let e = out.entry(t.to_string()).or_default();
        e.0 += 1;
        e.1 += people;
    }
    out
}

/// A household with a plain history: registered in `reg`, exited at the end of `exit` (if any), never monitored.
fn plain(doc: &mut HouseholdDoc, reg: i64, exit: Option<i64>) {
    doc.set(HF::HouseholdType, Value::Code(if exit.is_some() { "exited" } else { "poor" }));
    doc.set(HF::RegistrationYear, Value::Int(reg));
    doc.set(HF::ExitYear, exit.map(Value::Int).unwrap_or(Value::Null));
    for f in [HF::MonitoringCategory, HF::MonitoringIdentifiedOn, HF::RiskEliminated, HF::RiskEliminationMethod, HF::RiskEliminatedOn] {
        doc.set(f, Value::Null);
    }
}

fn shift(mut c: Counts, t: &str, households: i64, people: i64) -> Counts {
    let e = c.entry(t.to_string()).or_default();
    e.0 += households;
    e.1 += people;
    c.retain(|_, v| *v != (0, 0));
    c
}

#[test]
fn at_the_end_of_2015_only_households_registered_by_then_count_and_all_as_poor() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 200, 61);
        let d = date(2015, 12, 31);
        let got = as_of(&mut db.store, &all_scope(), d);
        let refs: Vec<&HouseholdDoc> = docs.iter().collect();
        let want = expected(&refs, d);
        assert_eq!(want.keys().collect::<Vec<_>>(), vec!["poor"], "fixture: only poor households in 2015");
        let registered = docs.iter().filter(|x| x.get(HF::RegistrationYear).as_int().is_some_and(|r| r <= 2015)).count() as i64;
        assert!(registered > 0 && registered < docs.len() as i64, "fixture: some registered later");
        assert_eq!(want["poor"].0, registered);
        assert_eq!(got, want, "{}", db.name);
        // before the first registration year, the registry is empty
        assert!(as_of(&mut db.store, &all_scope(), date(2013, 12, 31)).is_empty(), "{}", db.name);
    }
}

#[test]
fn a_household_that_exited_in_2019_is_poor_at_mid_year_and_exited_at_year_end() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 200, 62);
        let refs: Vec<&HouseholdDoc> = docs.iter().collect();
        let exited_2019: Vec<&HouseholdDoc> = docs.iter().filter(|d| d.get(HF::ExitYear).as_int() == Some(2019)).collect();
        assert!(!exited_2019.is_empty(), "fixture: exits in 2019");
        let (mid, end) = (date(2019, 6, 30), date(2019, 12, 31));
        let (at_mid, at_end) = (as_of(&mut db.store, &all_scope(), mid), as_of(&mut db.store, &all_scope(), end));
        assert_eq!(at_mid, expected(&refs, mid), "{}", db.name);
        assert_eq!(at_end, expected(&refs, end), "{}", db.name);
        assert_eq!(at_end["exited"].0 - at_mid["exited"].0, exited_2019.len() as i64, "{}", db.name);
        assert_eq!(at_mid["poor"].0 - at_end["poor"].0, exited_2019.len() as i64, "{}", db.name);

        // the same, looking at the village of one of them only
        let v = exited_2019[0].region_code().unwrap();
        let scope = RegionScope::of(&v);
        let village: Vec<&HouseholdDoc> = docs.iter().filter(|d| d.region_code() == Some(v)).collect();
        for d in [mid, end, date(2020, 12, 31)] {
            assert_eq!(as_of(&mut db.store, &scope, d), expected(&village, d), "{}: village {v} on {d}", db.name);
        }
    }
}

#[test]
fn a_moved_member_counts_in_the_old_household_before_the_move_and_the_new_one_from_its_date() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(60, 63);
        let a = docs.iter().position(|d| d.members.len() >= 3 && d.members.iter().any(|m| !m.is_head() && m.resident_id.birth_date() < date(2010, 1, 1))).unwrap();
        let b = (a + 1) % docs.len();
        plain(&mut docs[a], 2014, Some(2016));
        plain(&mut docs[b], 2014, None);
        insert_docs(&mut db.store, &docs);
        let p = docs[a].members.iter().find(|m| !m.is_head() && m.resident_id.birth_date() < date(2010, 1, 1)).unwrap().resident_id.as_str().to_string();
        let on = date(2024, 6, 1);
        let (eve, later) = (on.pred_opt().unwrap(), date(2026, 1, 1));
        let snap: Vec<Counts> = [eve, on, later].iter().map(|d| as_of(&mut db.store, &all_scope(), *d)).collect();

        let ctx = WriteContext { batch_id: None, recorded_by: "test".into(), now: bangfu_store::now_utc(), keys: db.store.keys.clone() };
        let req = MoveRequest { resident_id: &p, to_household_no: &no(&docs[b]), relation: "other", effective_on: on, event_type: EventType::MemberMoved, reason: "迁入" };
        moves::move_member(&mut db.store.conn, &ctx, &test_actor(), &all_scope(), &req).unwrap();

        assert_eq!(as_of(&mut db.store, &all_scope(), eve), snap[0], "{}: the day before, still in the exited household", db.name);
        assert_eq!(as_of(&mut db.store, &all_scope(), on), shift(shift(snap[1].clone(), "exited", 0, -1), "poor", 0, 1), "{}: from the date on, in the poor one", db.name);
        assert_eq!(as_of(&mut db.store, &all_scope(), later), shift(shift(snap[2].clone(), "exited", 0, -1), "poor", 0, 1), "{}", db.name);
        // long before the move nothing changes either
        assert_eq!(as_of(&mut db.store, &all_scope(), date(2018, 1, 1)), expected(&docs.iter().collect::<Vec<_>>(), date(2018, 1, 1)), "{}", db.name);
    }
}

#[test]
fn a_removed_member_counts_until_the_day_before_removal() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(40, 64);
        let a = docs.iter().position(|d| d.members.len() >= 3).unwrap();
        plain(&mut docs[a], 2014, Some(2016));
        insert_docs(&mut db.store, &docs);
        let removed_on = date(2024, 3, 1);
        let eve = removed_on.pred_opt().unwrap();
        let (s_eve, s_on) = (as_of(&mut db.store, &all_scope(), eve), as_of(&mut db.store, &all_scope(), removed_on));
        let mut a2 = docs[a].clone();
        let gone = a2.members.iter().rposition(|m| !m.is_head() && m.resident_id.birth_date() < eve).unwrap();
        a2.members.remove(gone);
        let (summary, c) = import(&mut db.store, &all_scope(), removed_on, vec![sourced_all(&[a2])]);
        assert!(c.is_empty() && summary.members_removed == 1, "{}: {summary:?}", db.name);
        assert_eq!(as_of(&mut db.store, &all_scope(), eve), s_eve, "{}", db.name);
        assert_eq!(as_of(&mut db.store, &all_scope(), removed_on), shift(s_on, "exited", 0, -1), "{}", db.name);
    }
}

#[test]
fn a_closed_household_counts_until_the_day_it_closed() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(80, 65);
        let s = docs.iter().position(|d| d.members.len() == 1 && d.members[0].resident_id.birth_date() < date(2010, 1, 1)).unwrap();
        let b = (s + 1) % docs.len();
        plain(&mut docs[s], 2014, Some(2016));
        plain(&mut docs[b], 2015, None);
        insert_docs(&mut db.store, &docs);
        let on = date(2023, 9, 1);
        let eve = on.pred_opt().unwrap();
        let (s_eve, s_on) = (as_of(&mut db.store, &all_scope(), eve), as_of(&mut db.store, &all_scope(), on));
        let ctx = WriteContext { batch_id: None, recorded_by: "test".into(), now: bangfu_store::now_utc(), keys: db.store.keys.clone() };
        let rid = docs[s].members[0].resident_id.as_str().to_string();
        let req = MoveRequest { resident_id: &rid, to_household_no: &no(&docs[b]), relation: "other", effective_on: on, event_type: EventType::Merge, reason: "并户" };
        moves::move_member(&mut db.store.conn, &ctx, &test_actor(), &all_scope(), &req).unwrap();
        assert_eq!(as_of(&mut db.store, &all_scope(), eve), s_eve, "{}", db.name);
        assert_eq!(as_of(&mut db.store, &all_scope(), on), shift(shift(s_on, "exited", -1, -1), "poor", 0, 1), "{}: the closed household is gone, its person in the other", db.name);
    }
}

#[test]
fn a_person_who_left_and_came_back_still_counts_where_they_lived_before() {
    for into_new_household in [false, true] {
        for mut db in TestDb::all() {
            load_demo_regions(&mut db.store);
            let mut docs = demo_docs(40, 66);
            let a = docs.iter().position(|d| d.members.len() >= 3).unwrap();
            let c = (a + 1) % docs.len();
            plain(&mut docs[a], 2014, Some(2016));
            plain(&mut docs[c], 2014, None);
            insert_docs(&mut db.store, &docs);
            let label = format!("{} (back in a {} household)", db.name, if into_new_household { "new" } else { "stored" });
            let dates = [date(2020, 1, 1), date(2024, 6, 1), date(2025, 6, 1)];
            let before: Vec<Counts> = dates.iter().map(|d| as_of(&mut db.store, &all_scope(), *d)).collect();

            let mut a2 = docs[a].clone();
            let q = a2.members.iter().rposition(|m| !m.is_head() && m.resident_id.birth_date() < date(2014, 1, 1)).unwrap();
            let person = a2.members.remove(q);
            let (_, conflicts) = import(&mut db.store, &all_scope(), date(2024, 3, 1), vec![sourced_all(&[a2])]);
            assert!(conflicts.is_empty(), "{label}");
            let back = if into_new_household {
                let mut head = person.clone();
                head.set(bangfu_domain::fields::MemberField::Relation, Value::Code("head"));
                let mut h = new_household(&docs[c], "BACK-0001", vec![head]);
                plain(&mut h, 2025, None);
                h
            } else {
                let mut c2 = docs[c].clone();
                c2.members.push(person.clone());
                c2
            };
            let (summary, conflicts) = import(&mut db.store, &all_scope(), date(2025, 1, 1), vec![sourced_all(&[back])]);
            assert!(conflicts.is_empty(), "{label}: {conflicts:?}");
            assert_eq!(summary.members_created, 0, "{label}: the same person, not a new member: {summary:?}");
            let rows = member_rows(&mut db.store.conn, person.resident_id.as_str());
            assert_eq!((rows.len(), rows[0].status.as_str(), rows[0].joined_on), (1, "active", date(2025, 1, 1)), "{label}");

            assert_eq!(as_of(&mut db.store, &all_scope(), dates[0]), before[0], "{label}: in 2020 they lived in the exited household");
            assert_eq!(as_of(&mut db.store, &all_scope(), dates[1]), shift(before[1].clone(), "exited", 0, -1), "{label}: away in 2024");
            let poor_then = if into_new_household { (1, 1) } else { (0, 1) };
            assert_eq!(as_of(&mut db.store, &all_scope(), dates[2]), shift(shift(before[2].clone(), "exited", 0, -1), "poor", poor_then.0, poor_then.1), "{label}: back in 2025");
        }
    }
}

#[test]
fn a_household_relocated_to_another_village_counts_there_from_that_day_and_in_its_old_village_before() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(60, 67);
        let h = docs.iter().position(|d| d.members.len() >= 2).unwrap();
        plain(&mut docs[h], 2014, Some(2016));
        insert_docs(&mut db.store, &docs);
        let (old, new) = (docs[h].region_code().unwrap(), docs.iter().find(|d| d.region_code() != docs[h].region_code()).unwrap().region_code().unwrap());
        let (old_s, new_s) = (RegionScope::of(&old), RegionScope::of(&new));
        let on = date(2024, 7, 1);
        let eve = on.pred_opt().unwrap();
        let n = |d: NaiveDate| docs[h].members.iter().filter(|m| m.resident_id.birth_date() <= d).count() as i64;
        let mut before = BTreeMap::new();
        for (label, scope) in [("old", &old_s), ("new", &new_s), ("all", &all_scope())] {
            for d in [eve, on, today()] {
                before.insert((label, d), as_of(&mut db.store, scope, d));
            }
        }
        let mut moved = docs[h].clone();
        moved.set(HF::RegionCode, Value::Text(new.as_str().to_string()));
        let (_, c) = import(&mut db.store, &all_scope(), on, vec![sourced_all(&[moved.clone()])]);
        assert!(c.is_empty(), "{}: {c:?}", db.name);
        assert_eq!(stored(&mut db.store, &no(&moved)).unwrap().doc, moved, "{}", db.name);
        // its income rows moved with it (they are filtered and counted by region)
        let stale = db.store.conn.query_int("SELECT COUNT(*) FROM household_income WHERE region_code = ?", &[bangfu_store::P::Text(old.as_str())]).unwrap();
        let left = docs.iter().filter(|d| d.region_code() == Some(old) && no(d) != no(&moved)).map(|d| d.incomes.len() as i64).sum::<i64>();
        assert_eq!(stale, left, "{}: income rows left behind in the old village", db.name);

        for (label, scope) in [("old", &old_s), ("new", &new_s), ("all", &all_scope())] {
            assert_eq!(as_of(&mut db.store, scope, eve), before[&(label, eve)], "{}: {label} village the day before", db.name);
            for d in [on, today()] {
                let want = match label {
                    "old" => shift(before[&(label, d)].clone(), "exited", -1, -n(d)),
                    "new" => shift(before[&(label, d)].clone(), "exited", 1, n(d)),
                    _ => before[&(label, d)].clone(),
                };
                assert_eq!(as_of(&mut db.store, scope, d), want, "{}: {label} village on {d}", db.name);
            }
        }
        // today's lists agree with the rebuilt registry
        let (households, people) = query::totals(&mut db.store.conn, &new_s).unwrap();
        let rebuilt = as_of(&mut db.store, &new_s, today());
        assert_eq!((rebuilt.values().map(|v| v.0).sum::<i64>(), rebuilt.values().map(|v| v.1).sum::<i64>()), (households, people), "{}", db.name);
    }
}
