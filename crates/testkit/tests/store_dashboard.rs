//! The dashboard's numbers equal counts made directly over the fixture documents, on every backend:
//! households and active people by type, attribute, main cause, category and child region; unmet
//! guarantees; the income distribution of the scope's latest year; the latest events; all in scope.

mod common;

use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::registry::{HouseholdDoc, IncomeRecord, INCOME_FIELDS};
use bangfu_domain::{RegionCode, RegionScope, Value};
use bangfu_store::registry::dashboard::{self, Count, Dashboard, DashboardParams, IncomeBin};
use bangfu_store::P;
use bangfu_testkit::*;
use common::*;
use std::collections::BTreeMap;

const GUARANTEES: [HF; 4] = [HF::FoodClothingSecure, HF::EducationSecure, HF::MedicalSecure, HF::HousingSecure];
const EDGES: [i64; 4] = [400_000, 600_000, 800_000, 1_200_000];
const LINE: i64 = 700_000;

fn params() -> DashboardParams {
    DashboardParams { income_edges: EDGES.to_vec(), income_line: LINE, recent: 15 }
}

fn per_capita(r: &IncomeRecord) -> Option<i64> {
    let i = INCOME_FIELDS.iter().position(|f| *f == HF::PerCapitaNetIncome).expect("per-capita income is an income field");
    r.amounts[i]
}

/// The registry as the documents say it should be after the fixture's changes, and the database holding it.
struct Fixture {
    db: TestDb,
    docs: Vec<HouseholdDoc>,
    /// The village given a newer income year for some of its households.
    newer_village: RegionCode,
}

/// 400 demo households, changed so that every part of the dashboard has something to count: unmet
/// guarantees (and one not recorded), a newer income year in one village, a missing per-capita income,
/// a member removed by importing a smaller version, a household removed.
fn fixture(mut db: TestDb) -> Fixture {
    load_demo_regions(&mut db.store);
    let mut docs = demo_docs(400, 91);
    for (i, d) in docs.iter_mut().enumerate() {
        for (k, f) in GUARANTEES.iter().enumerate() {
            if i % (7 + 4 * k) == 3 {
                d.set(*f, Value::Bool(false));
            }
        }
        if i == 10 {
            d.set(HF::MedicalSecure, Value::Null);
        }
    }
    let newer_village = busiest_village(&docs);
    let pc = INCOME_FIELDS.iter().position(|f| *f == HF::PerCapitaNetIncome).unwrap();
    for (j, d) in docs.iter_mut().filter(|d| d.region_code() == Some(newer_village)).enumerate() {
        if j % 2 == 0 {
            let mut r = d.incomes.last().expect("demo households have an income").clone();
            r.year += 1;
            r.amounts[pc] = Some(350_000 + 150_000 * (j as i64 % 7));
            d.incomes.push(r);
        }
    }
    let no_income = docs.iter().position(|d| d.region_code() != Some(newer_village)).unwrap();
    docs[no_income].incomes.last_mut().unwrap().amounts[pc] = None;
    insert_docs(&mut db.store, &docs);

    // a member leaves (a newer version of the household without them)
    let shrink = docs.iter().position(|d| d.members.len() >= 3).expect("a household of three");
    let leaving = docs[shrink].members.iter().rposition(|m| !m.is_head()).unwrap();
    docs[shrink].members.remove(leaving);
    import_ok(&mut db.store, &[docs[shrink].clone()], "a member leaves");
    // a household is no longer on the registry
    let gone = docs.iter().rposition(|d| d.get(HF::HouseholdType).as_code() == Some("poor") || d.members.len() == 2).unwrap();
    let id = id_of(&mut db.store, &no(&docs[gone]));
    db.store.conn.execute("UPDATE household SET status = 'removed' WHERE id = ?", &[P::Int(id)]).unwrap();
    docs.remove(gone);
    Fixture { db, docs, newer_village }
}

fn in_scope<'a>(docs: &'a [HouseholdDoc], scope: &RegionScope) -> Vec<&'a HouseholdDoc> {
    docs.iter().filter(|d| scope.contains(&d.region_code().unwrap())).collect()
}

fn by(docs: &[&HouseholdDoc], key: impl Fn(&HouseholdDoc) -> Option<String>) -> BTreeMap<Option<String>, Count> {
    let mut m: BTreeMap<Option<String>, Count> = BTreeMap::new();
    for d in docs {
        let c = m.entry(key(d)).or_default();
        c.households += 1;
        c.people += d.members.len() as i64;
    }
    m
}

fn got(v: &[(Option<String>, Count)]) -> BTreeMap<Option<String>, Count> {
    v.iter().cloned().collect()
}

/// Compares every count of a dashboard with the documents in scope.
fn check_counts(name: &str, label: &str, scope: &RegionScope, docs: &[&HouseholdDoc], d: &Dashboard) {
    let code = |f: HF| move |doc: &HouseholdDoc| doc.get(f).as_code().map(str::to_string);
    assert_eq!(d.totals, Count { households: docs.len() as i64, people: docs.iter().map(|d| d.members.len() as i64).sum() }, "{name}: {label}: totals");
    assert_eq!(got(&d.by_household_type), by(docs, code(HF::HouseholdType)), "{name}: {label}: by type");
    assert_eq!(got(&d.by_poverty_attribute), by(docs, code(HF::PovertyAttribute)), "{name}: {label}: by attribute");
    assert_eq!(got(&d.by_cause), by(docs, code(HF::Cause1)), "{name}: {label}: by main cause");
    assert_eq!(got(&d.by_monitoring_category), by(docs, code(HF::MonitoringCategory)), "{name}: {label}: by category");
    assert!(d.by_household_type.windows(2).all(|w| w[0].1.households >= w[1].1.households), "{name}: {label}: most households first");

    let digits = dashboard::child_digits(scope);
    let names: BTreeMap<String, String> = bangfu_demo::demo_county().all_regions().into_iter().map(|r| (r.code.as_str().to_string(), r.name)).collect();
    let want: BTreeMap<Option<String>, Count> = by(docs, |doc| Some(format!("{:0<12}", &doc.region_code().unwrap().as_str()[..digits])));
    let regions: BTreeMap<Option<String>, Count> = d.by_region.iter().map(|r| (Some(r.code.clone()), r.count)).collect();
    assert_eq!(regions, want, "{name}: {label}: by child region");
    for r in &d.by_region {
        assert_eq!(r.name.as_ref(), names.get(&r.code), "{name}: {label}: the name of {}", r.code);
    }

    let unmet = |f: HF| docs.iter().filter(|d| d.get(f).as_bool() == Some(false)).count() as i64;
    let any = docs.iter().filter(|d| GUARANTEES.iter().any(|f| d.get(*f).as_bool() == Some(false))).count() as i64;
    let g = d.guarantees;
    assert_eq!([g.food_clothing, g.education, g.medical, g.housing, g.any], [unmet(GUARANTEES[0]), unmet(GUARANTEES[1]), unmet(GUARANTEES[2]), unmet(GUARANTEES[3]), any], "{name}: {label}: guarantees");
}

/// Compares the income distribution with the documents in scope: the latest year any of them has
/// a per-capita income for, counted per bin.
fn check_income(name: &str, label: &str, docs: &[&HouseholdDoc], d: &Dashboard) {
    let values = |year: i64| -> Vec<i64> { docs.iter().filter_map(|d| d.incomes.iter().find(|r| r.year == year).and_then(per_capita)).collect() };
    let year = docs.iter().flat_map(|d| d.incomes.iter().filter(|r| per_capita(r).is_some()).map(|r| r.year)).max();
    let Some(year) = year else {
        assert_eq!(d.income, None, "{name}: {label}: no income records");
        return;
    };
    let inc = d.income.as_ref().unwrap_or_else(|| panic!("{name}: {label}: an income distribution"));
    let v = values(year);
    assert_eq!((inc.year, inc.households), (year, v.len() as i64), "{name}: {label}: year and households with income");
    let bounds: Vec<Option<i64>> = std::iter::once(None).chain(EDGES.iter().map(|e| Some(*e))).chain([None]).collect();
    let want: Vec<IncomeBin> = bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let (from, to) = (if i == 0 { None } else { w[0] }, w[1]);
            IncomeBin { from, to, households: v.iter().filter(|x| from.is_none_or(|f| **x >= f) && to.is_none_or(|t| **x < t)).count() as i64 }
        })
        .collect();
    assert_eq!(inc.bins, want, "{name}: {label}: bins");
    assert_eq!(inc.bins.iter().map(|b| b.households).sum::<i64>(), inc.households, "{name}: {label}: the bins add up");
    assert_eq!((inc.line, inc.below_line), (LINE, v.iter().filter(|x| **x < LINE).count() as i64), "{name}: {label}: below the line");
}

#[test]
fn the_dashboard_counts_what_the_documents_say_in_every_scope() {
    for db in TestDb::all() {
        let Fixture { mut db, docs, newer_village } = fixture(db);
        let county = bangfu_demo::demo_county();
        let township = county.townships.iter().map(|t| t.code).find(|t| t.contains(&newer_village)).unwrap();
        let households_in = |v: &RegionCode| docs.iter().filter(|d| d.region_code() == Some(*v)).count();
        let other_village = county.villages.iter().map(|v| v.region.code).filter(|v| *v != newer_village).max_by_key(households_in).unwrap();
        let empty_village = county.villages.iter().map(|v| v.region.code).find(|v| !docs.iter().any(|d| d.region_code() == Some(*v)));
        let mut scopes = vec![
            ("the country", RegionScope::all()),
            ("the county", RegionScope::of(&county.county.code)),
            ("a township", RegionScope::of(&township)),
            ("the village with a newer income year", RegionScope::of(&newer_village)),
            ("another village", RegionScope::of(&other_village)),
            ("another county", RegionScope::of(&RegionCode::parse("110101000000").unwrap())),
        ];
        scopes.extend(empty_village.map(|v| ("a village without households", RegionScope::of(&v))));
        for (label, scope) in &scopes {
            let d = dashboard::dashboard(&mut db.store.conn, scope, &params()).unwrap();
            let docs = in_scope(&docs, scope);
            check_counts(db.name, label, scope, &docs, &d);
            check_income(db.name, label, &docs, &d);
        }
        // the fixture exercises what it should
        let all = dashboard::dashboard(&mut db.store.conn, &RegionScope::all(), &params()).unwrap();
        let g = all.guarantees;
        assert!(g.food_clothing > 0 && g.education > 0 && g.medical > 0 && g.housing > 0 && g.any < g.food_clothing + g.education + g.medical + g.housing, "fixture: {g:?}");
        assert!(all.by_cause.len() > 3 && all.by_region.len() == 1 && all.by_region[0].name.is_some(), "fixture: {:?}", all.by_region);
        let other = dashboard::income(&mut db.store.conn, &RegionScope::of(&other_village), &EDGES, LINE).unwrap().unwrap();
        assert_eq!(all.income.as_ref().unwrap().year, other.year + 1, "{}: each scope has its own latest year", db.name);
        let county_d = dashboard::counts(&mut db.store.conn, &RegionScope::of(&county.county.code)).unwrap();
        assert!(county_d.by_region.len() > 5 && county_d.by_region.iter().all(|r| r.code.ends_with("000") && r.code.len() == 12), "{}: townships", db.name);
    }
}

#[test]
fn a_village_sees_only_its_village() {
    for db in TestDb::all() {
        let Fixture { mut db, docs, newer_village } = fixture(db);
        let scope = RegionScope::of(&newer_village);
        let d = dashboard::dashboard(&mut db.store.conn, &scope, &params()).unwrap();
        let mine = in_scope(&docs, &scope);
        assert!(mine.len() < docs.len() / 10 && !mine.is_empty(), "fixture: one village among many");
        assert_eq!(d.totals.households, mine.len() as i64, "{}", db.name);
        assert_eq!(d.by_region.len(), 1, "{}: the village itself", db.name);
        assert_eq!(d.by_region[0].code, newer_village.as_str(), "{}", db.name);
        assert!(d.recent.iter().all(|e| e.region_code == newer_village.as_str()), "{}: only its events", db.name);
        let events = all_events(&mut db.store.conn).iter().filter(|e| e.region_code == newer_village.as_str()).count();
        assert_eq!(d.recent.len(), events.min(15), "{}: its events, up to the limit", db.name);
        assert!(events >= 5, "fixture: the village has a history");
    }
}

#[test]
fn recent_events_are_the_newest_in_scope_newest_first() {
    for db in TestDb::all() {
        let Fixture { mut db, docs, newer_village } = fixture(db);
        let numbers: BTreeMap<i64, String> = load_all(&mut db.store).into_iter().map(|s| (s.id, no(&s.doc))).collect();
        let events = all_events(&mut db.store.conn);
        let county = bangfu_demo::demo_county();
        for scope in [RegionScope::all(), RegionScope::of(&county.county.code), RegionScope::of(&county.townships[1].code), RegionScope::of(&newer_village)] {
            for limit in [1, 15, 100_000] {
                let mut want: Vec<_> = events.iter().filter(|e| e.region_code.starts_with(scope.prefix())).collect();
                want.sort_by(|a, b| b.effective_on.cmp(&a.effective_on).then(b.id.cmp(&a.id)));
                want.truncate(limit);
                let got = dashboard::recent_events(&mut db.store.conn, &scope, limit as i64).unwrap();
                assert_eq!(got.iter().map(|e| e.id).collect::<Vec<_>>(), want.iter().map(|e| e.id).collect::<Vec<_>>(), "{}: {scope:?}, {limit}", db.name);
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!((g.effective_on, &g.event_type, &g.reason, g.household_id, &g.household_type_after), (w.effective_on, &w.event_type, &w.reason, w.household_id, &w.type_after), "{}", db.name);
                    assert_eq!(g.household_no.as_ref(), numbers.get(&g.household_id).or(g.household_no.as_ref()), "{}: the household's number", db.name);
                }
            }
        }
        let newest = dashboard::recent_events(&mut db.store.conn, &RegionScope::all(), 5).unwrap();
        assert!(newest.iter().all(|e| e.household_no.is_some()), "{}: numbers joined", db.name);
        assert!(dashboard::recent_events(&mut db.store.conn, &RegionScope::all(), 0).unwrap().is_empty(), "{}", db.name);
        assert!(events.len() > docs.len(), "fixture: history from the import");
    }
}
