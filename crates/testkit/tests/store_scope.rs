//! Every read takes a scope and applies it in SQL: a village user sees their village and nothing else,
//! whatever ids, resident IDs, names or filters they ask for.

mod common;

use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::regions;
use bangfu_store::registry::query::{self, FieldFilter, HouseholdFilter, SortKey};
use bangfu_store::registry::read;
use bangfu_testkit::*;
use common::*;
use std::collections::BTreeSet;

struct Split {
    scope: RegionScope,
    village: RegionCode,
    inside: Vec<HouseholdDoc>,
    outside: Vec<HouseholdDoc>,
}

fn split(docs: &[HouseholdDoc]) -> Split {
    let village = busiest_village(docs);
    let scope = RegionScope::of(&village);
    let (inside, outside): (Vec<HouseholdDoc>, Vec<HouseholdDoc>) = docs.iter().cloned().partition(|d| scope.contains(&d.region_code().unwrap()));
    assert!(inside.len() >= 2, "fixture: households in the first village");
    assert!(!outside.is_empty());
    Split { scope, village, inside, outside }
}

fn ids(db: &mut TestDb, docs: &[HouseholdDoc]) -> BTreeSet<i64> {
    docs.iter().map(|d| id_of(&mut db.store, &no(d))).collect()
}

#[test]
fn a_village_user_never_sees_another_villages_households_in_lists_or_totals() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 300, 71);
        let s = split(&docs);
        let mine = ids(&mut db, &s.inside);
        let (list, total) = query::list(&mut db.store.conn, &s.scope, &HouseholdFilter::default(), SortKey::HouseholdNo, 0, 1000).unwrap();
        assert_eq!(total as usize, s.inside.len(), "{}", db.name);
        assert_eq!(list.iter().map(|h| h.id).collect::<BTreeSet<_>>(), mine, "{}", db.name);
        assert!(list.iter().all(|h| h.region_code == s.village.as_str()), "{}", db.name);

        let people: usize = s.inside.iter().map(|d| d.members.len()).sum();
        assert_eq!(query::totals(&mut db.store.conn, &s.scope).unwrap(), (s.inside.len() as i64, people as i64), "{}", db.name);

        // a filter naming another village cannot widen the scope
        let elsewhere = s.outside[0].region_code().unwrap();
        let f = HouseholdFilter { region: Some(elsewhere), ..Default::default() };
        let (list, total) = query::list(&mut db.store.conn, &s.scope, &f, SortKey::HouseholdNo, 0, 1000).unwrap();
        assert_eq!((list.len(), total), (0, 0), "{}", db.name);
        // nor can the county as a filter
        let county = bangfu_demo::demo_county().county.code;
        let f = HouseholdFilter { region: Some(county), ..Default::default() };
        assert_eq!(query::list(&mut db.store.conn, &s.scope, &f, SortKey::HouseholdNo, 0, 1000).unwrap().1 as usize, s.inside.len(), "{}", db.name);

        let by_type = query::counts_by(&mut db.store.conn, &s.scope, "household_type").unwrap();
        assert_eq!(by_type.iter().map(|r| r.1).sum::<i64>() as usize, s.inside.len(), "{}", db.name);
        assert_eq!(by_type.iter().map(|r| r.2).sum::<i64>() as usize, people, "{}", db.name);
        let by_region = query::counts_by_region(&mut db.store.conn, &s.scope, 9).unwrap();
        assert_eq!(by_region, vec![(s.village.as_str()[..9].to_string(), s.inside.len() as i64, people as i64)], "{}", db.name);
    }
}

#[test]
fn a_village_user_cannot_load_another_villages_household_by_id() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 300, 72);
        let s = split(&docs);
        let mine = ids(&mut db, &s.inside);
        let theirs = ids(&mut db, &s.outside[..20]);
        let asked: Vec<i64> = theirs.iter().chain(mine.iter()).copied().collect();
        let loaded = read::load(&mut db.store.conn, &db.store.keys, &s.scope, &asked).unwrap();
        assert_eq!(loaded.iter().map(|h| h.id).collect::<BTreeSet<_>>(), mine, "{}", db.name);
        for id in theirs.iter().take(5) {
            assert!(read::get(&mut db.store.conn, &db.store.keys, &s.scope, *id).unwrap().is_none(), "{}", db.name);
            assert!(query::events_of(&mut db.store.conn, &s.scope, *id).unwrap().is_empty(), "{}: nor its events", db.name);
            assert!(!query::events_of(&mut db.store.conn, &all_scope(), *id).unwrap().is_empty(), "{}: which exist", db.name);
        }
        let one = *mine.iter().next().unwrap();
        assert!(read::get(&mut db.store.conn, &db.store.keys, &s.scope, one).unwrap().is_some(), "{}", db.name);
    }
}

#[test]
fn a_village_user_finds_people_only_in_their_village() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 300, 73);
        let s = split(&docs);
        let inside_person = &s.inside[0].members[0];
        let outside_person = &s.outside[3].members[0];
        let own = id_of(&mut db.store, &no(&s.inside[0]));
        assert_eq!(query::household_of_person(&mut db.store.conn, &s.scope, inside_person.resident_id.as_str()).unwrap(), Some(own), "{}", db.name);
        assert_eq!(query::household_of_person(&mut db.store.conn, &s.scope, outside_person.resident_id.as_str()).unwrap(), None, "{}", db.name);
        assert!(query::household_of_person(&mut db.store.conn, &all_scope(), outside_person.resident_id.as_str()).unwrap().is_some(), "{}", db.name);

        // a surname shared with people elsewhere: only this village's hits come back
        let surname: String = outside_person.name().chars().next().unwrap().to_string();
        let everywhere = query::search_name(&mut db.store.conn, &all_scope(), &surname, 10_000).unwrap();
        let expected_all = docs.iter().flat_map(|d| &d.members).filter(|m| m.name().starts_with(&surname)).count();
        assert_eq!(everywhere.len(), expected_all, "{}: every {surname} in the county", db.name);
        let here = query::search_name(&mut db.store.conn, &s.scope, &surname, 10_000).unwrap();
        let expected_here = s.inside.iter().flat_map(|d| &d.members).filter(|m| m.name().starts_with(&surname)).count();
        assert_eq!(here.len(), expected_here, "{}", db.name);
        assert!(here.len() < everywhere.len(), "{}", db.name);
        assert!(here.iter().all(|h| h.region_code == s.village.as_str()), "{}", db.name);
        // the full name of someone elsewhere finds nobody
        let full = outside_person.name().to_string();
        let hits = query::search_name(&mut db.store.conn, &s.scope, &full, 100).unwrap();
        assert!(hits.iter().all(|h| h.region_code == s.village.as_str()), "{}", db.name);
        let found = query::search_name(&mut db.store.conn, &all_scope(), &full, 100).unwrap();
        assert!(found.iter().any(|h| h.masked_id == outside_person.resident_id.masked()), "{}: found country-wide, masked", db.name);
        assert!(found.iter().all(|h| !h.masked_id.contains(&outside_person.resident_id.as_str()[6..14])), "{}: birth date hidden", db.name);
    }
}

#[test]
fn a_village_user_exports_only_their_villages_ids() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 300, 74);
        let s = split(&docs);
        let mine = ids(&mut db, &s.inside);
        let got: BTreeSet<i64> = query::matching_ids(&mut db.store.conn, &s.scope, None, &[], 0, 10_000).unwrap().into_iter().collect();
        assert_eq!(got, mine, "{}", db.name);
        let elsewhere = s.outside[0].region_code().unwrap();
        assert!(query::matching_ids(&mut db.store.conn, &s.scope, Some(&elsewhere), &[], 0, 10_000).unwrap().is_empty(), "{}", db.name);
        let exited = FieldFilter { field: FieldRef::Household(HF::HouseholdType), code: "exited".into() };
        let got: BTreeSet<i64> = query::matching_ids(&mut db.store.conn, &s.scope, None, std::slice::from_ref(&exited), 0, 10_000).unwrap().into_iter().collect();
        let want: BTreeSet<i64> = ids(&mut db, &s.inside.iter().filter(|d| d.household_type() == Some("exited")).cloned().collect::<Vec<_>>());
        assert_eq!(got, want, "{}", db.name);
        let male = FieldFilter { field: FieldRef::Member(MF::Sex), code: "male".into() };
        let got = query::matching_ids(&mut db.store.conn, &s.scope, None, &[male], 0, 10_000).unwrap();
        assert!(got.iter().all(|i| mine.contains(i)), "{}", db.name);
    }
}

#[test]
fn a_village_user_sees_only_their_village_in_the_past_and_in_the_region_list() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 300, 75);
        let s = split(&docs);
        let d = chrono::NaiveDate::from_ymd_opt(2020, 12, 31).unwrap();
        let here = query::as_of(&mut db.store.conn, &s.scope, d).unwrap();
        let registered = s.inside.iter().filter(|x| x.get(HF::RegistrationYear).as_int().is_some()).count() as i64;
        assert_eq!(here.iter().map(|r| r.1).sum::<i64>(), registered, "{}", db.name);
        let people: i64 = s.inside.iter().filter(|x| x.get(HF::RegistrationYear).as_int().is_some()).flat_map(|x| &x.members).filter(|m| m.resident_id.birth_date() <= d).count() as i64;
        assert_eq!(here.iter().map(|r| r.2).sum::<i64>(), people, "{}", db.name);
        let county = query::as_of(&mut db.store.conn, &all_scope(), d).unwrap();
        assert!(county.iter().map(|r| r.1).sum::<i64>() > registered, "{}", db.name);

        let regions = regions::list(&mut db.store.conn, &s.scope, None).unwrap();
        assert_eq!(regions.iter().map(|r| r.code).collect::<Vec<_>>(), vec![s.village], "{}", db.name);
        let d = regions::Directory::load(&mut db.store.conn, &s.scope).unwrap();
        assert!(!d.is_known(&s.outside[0].region_code().unwrap()), "{}", db.name);
    }
}
