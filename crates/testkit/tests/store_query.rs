//! The household list: filters by type, attribute, cause and region give the totals a direct count of
//! the inserted documents gives; pages are sorted and never overlap; summaries and counts agree.

mod common;

use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::RegionScope;
use bangfu_store::registry::query::{self, FieldFilter, HouseholdFilter, SortKey};
use bangfu_testkit::*;
use common::*;
use std::collections::{BTreeMap, BTreeSet};

const CAUSES: [HF; 5] = [HF::Cause1, HF::Cause2, HF::Cause3, HF::Cause4, HF::Cause5];

fn has_cause(d: &HouseholdDoc, c: &str) -> bool {
    CAUSES.iter().any(|f| d.get(*f).as_code() == Some(c))
}

fn matches(d: &HouseholdDoc, f: &HouseholdFilter) -> bool {
    f.region.is_none_or(|r| r.contains(&d.region_code().unwrap()))
        && f.household_type.as_deref().is_none_or(|t| d.household_type() == Some(t))
        && f.poverty_attribute.as_deref().is_none_or(|a| d.get(HF::PovertyAttribute).as_code() == Some(a))
        && f.monitoring_category.as_deref().is_none_or(|m| d.get(HF::MonitoringCategory).as_code() == Some(m))
        && f.cause.as_deref().is_none_or(|c| has_cause(d, c))
}

/// Walks every page of a filtered list; returns the rows and the totals each page reported.
fn all_pages(db: &mut TestDb, f: &HouseholdFilter, sort: SortKey, page: i64) -> (Vec<query::HouseholdSummary>, BTreeSet<i64>) {
    let mut rows = Vec::new();
    let mut totals = BTreeSet::new();
    let mut offset = 0;
    loop {
        let (chunk, total) = query::list(&mut db.store.conn, &RegionScope::all(), f, sort, offset, page).unwrap();
        totals.insert(total);
        assert!(chunk.len() as i64 <= page, "{}: a page holds at most its size", db.name);
        if chunk.is_empty() {
            break;
        }
        offset += chunk.len() as i64;
        rows.extend(chunk);
    }
    (rows, totals)
}

fn filters(docs: &[HouseholdDoc]) -> Vec<(String, HouseholdFilter)> {
    let county = bangfu_demo::demo_county();
    let township = county.townships[2].code;
    let village = busiest_village(docs);
    let second_cause = docs.iter().find_map(|d| d.get(HF::Cause2).as_code()).expect("a second cause in the fixture");
    vec![
        ("everything".into(), HouseholdFilter::default()),
        ("exited".into(), HouseholdFilter { household_type: Some("exited".into()), ..Default::default() }),
        ("monitored".into(), HouseholdFilter { household_type: Some("monitored".into()), ..Default::default() }),
        ("dibao".into(), HouseholdFilter { poverty_attribute: Some("dibao".into()), ..Default::default() }),
        ("edge_at_risk".into(), HouseholdFilter { monitoring_category: Some("edge_at_risk".into()), ..Default::default() }),
        ("illness anywhere".into(), HouseholdFilter { cause: Some("illness".into()), ..Default::default() }),
        (format!("{second_cause} anywhere"), HouseholdFilter { cause: Some(second_cause.into()), ..Default::default() }),
        ("a township".into(), HouseholdFilter { region: Some(township), ..Default::default() }),
        ("a village".into(), HouseholdFilter { region: Some(village), ..Default::default() }),
        (
            "exited, tekun, illness, in a township".into(),
            HouseholdFilter { household_type: Some("exited".into()), poverty_attribute: Some("tekun".into()), cause: Some("illness".into()), region: Some(county.townships[0].code), ..Default::default() },
        ),
        ("no such type".into(), HouseholdFilter { household_type: Some("martian".into()), ..Default::default() }),
    ]
}

#[test]
fn filtered_lists_count_what_a_direct_count_of_the_documents_counts() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 300, 81);
        let mut nonempty = 0;
        for (label, f) in filters(&docs) {
            let expected: Vec<&HouseholdDoc> = docs.iter().filter(|d| matches(d, &f)).collect();
            let (rows, totals) = all_pages(&mut db, &f, SortKey::HouseholdNo, 23);
            assert_eq!(totals, BTreeSet::from([expected.len() as i64]), "{}: {label}: every page reports the same total", db.name);
            let got: BTreeSet<String> = rows.iter().map(|r| r.household_no.clone().unwrap()).collect();
            let want: BTreeSet<String> = expected.iter().map(|d| no(d)).collect();
            assert_eq!(got, want, "{}: {label}", db.name);
            assert_eq!(rows.len(), got.len(), "{}: {label}: pages do not overlap", db.name);
            if !expected.is_empty() {
                nonempty += 1;
            }
            // cause filters look at every cause column, not only the first: the fixture must show it
            if label.ends_with("anywhere") && !label.starts_with("illness") {
                let c = f.cause.as_deref().unwrap();
                assert!(docs.iter().any(|d| has_cause(d, c) && d.get(HF::Cause1).as_code() != Some(c)), "fixture: {c} as a later cause");
            }
        }
        assert!(nonempty >= 9, "fixture: most filters match something");
    }
}

#[test]
fn pages_are_sorted_by_household_number_and_never_overlap() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 150, 82);
        for page in [1, 7, 50, 1000] {
            let (rows, _) = all_pages(&mut db, &HouseholdFilter::default(), SortKey::HouseholdNo, page);
            let numbers: Vec<String> = rows.iter().map(|r| r.household_no.clone().unwrap()).collect();
            let mut sorted: Vec<String> = docs.iter().map(no).collect();
            sorted.sort();
            assert_eq!(numbers, sorted, "{}: pages of {page}", db.name);
        }
        let (rows, _) = all_pages(&mut db, &HouseholdFilter::default(), SortKey::Region, 11);
        let keys: Vec<(String, String)> = rows.iter().map(|r| (r.region_code.clone(), r.household_no.clone().unwrap())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{}: by region, then number", db.name);
        assert_eq!(keys.len(), 150, "{}", db.name);
        let (rows, _) = all_pages(&mut db, &HouseholdFilter::default(), SortKey::HeadName, 13);
        assert_eq!(rows.iter().map(|r| r.id).collect::<BTreeSet<_>>().len(), 150, "{}: by head name, still every household once", db.name);
        // past the end: an empty page with the right total
        let (none, total) = query::list(&mut db.store.conn, &all_scope(), &HouseholdFilter::default(), SortKey::HouseholdNo, 150, 10).unwrap();
        assert_eq!((none.len(), total), (0, 150), "{}", db.name);
    }
}

#[test]
fn list_rows_summarise_their_household() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 60, 83);
        let (rows, _) = query::list(&mut db.store.conn, &all_scope(), &HouseholdFilter::default(), SortKey::HouseholdNo, 0, 100).unwrap();
        let by_no: BTreeMap<String, &HouseholdDoc> = docs.iter().map(|d| (no(d), d)).collect();
        for r in &rows {
            let d = by_no[r.household_no.as_deref().unwrap()];
            assert_eq!(r.region_code, region(d), "{}", db.name);
            assert_eq!(r.villager_group.as_deref(), d.get(HF::VillagerGroup).as_text(), "{}", db.name);
            assert_eq!(r.household_type.as_deref(), d.household_type(), "{}", db.name);
            assert_eq!(r.poverty_attribute.as_deref(), d.get(HF::PovertyAttribute).as_code(), "{}", db.name);
            assert_eq!(r.cause_1.as_deref(), d.get(HF::Cause1).as_code(), "{}", db.name);
            assert_eq!(r.head_name.as_deref(), d.head().map(|h| h.name()), "{}", db.name);
            assert_eq!(r.stated_size, d.get(HF::StatedSize).as_int(), "{}", db.name);
        }
    }
}

#[test]
fn counts_by_a_column_and_by_region_add_up_to_the_documents() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 200, 84);
        for (col, f) in [("household_type", HF::HouseholdType), ("poverty_attribute", HF::PovertyAttribute), ("cause_1", HF::Cause1), ("monitoring_category", HF::MonitoringCategory)] {
            let mut want: BTreeMap<Option<String>, (i64, i64)> = BTreeMap::new();
            for d in &docs {
                let e = want.entry(d.get(f).as_code().map(str::to_string)).or_default();
                e.0 += 1;
                e.1 += d.members.len() as i64;
            }
            let got: BTreeMap<Option<String>, (i64, i64)> = query::counts_by(&mut db.store.conn, &all_scope(), col).unwrap().into_iter().map(|(k, h, p)| (k, (h, p))).collect();
            assert_eq!(got, want, "{}: by {col}", db.name);
        }
        // an unknown column falls back to household type instead of reaching the SQL
        let fallback = query::counts_by(&mut db.store.conn, &all_scope(), "1; DROP TABLE household").unwrap();
        assert_eq!(fallback, query::counts_by(&mut db.store.conn, &all_scope(), "household_type").unwrap(), "{}", db.name);

        let mut want: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for d in &docs {
            let e = want.entry(region(d)[..9].to_string()).or_default();
            e.0 += 1;
            e.1 += d.members.len() as i64;
        }
        let got: BTreeMap<String, (i64, i64)> = query::counts_by_region(&mut db.store.conn, &all_scope(), 9).unwrap().into_iter().map(|(k, h, p)| (k, (h, p))).collect();
        assert_eq!(got, want, "{}: by township", db.name);
    }
}

#[test]
fn export_ids_match_household_and_member_filters_and_page_by_id() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 200, 85);
        let id_by_no: BTreeMap<String, i64> = load_all(&mut db.store).into_iter().map(|s| (no(&s.doc), s.id)).collect();
        let cases: Vec<(Vec<FieldFilter>, Box<dyn Fn(&HouseholdDoc) -> bool>)> = vec![
            (vec![], Box::new(|_| true)),
            (vec![FieldFilter { field: FieldRef::Household(HF::PovertyAttribute), code: "dibao".into() }], Box::new(|d| d.get(HF::PovertyAttribute).as_code() == Some("dibao"))),
            (vec![FieldFilter { field: FieldRef::Household(HF::Cause1), code: "disability".into() }], Box::new(|d| has_cause(d, "disability"))),
            (vec![FieldFilter { field: FieldRef::Member(MF::Education), code: "primary".into() }], Box::new(|d| d.members.iter().any(|m| m.get(MF::Education).as_code() == Some("primary")))),
            (
                vec![FieldFilter { field: FieldRef::Household(HF::HouseholdType), code: "exited".into() }, FieldFilter { field: FieldRef::Member(MF::Health), code: "chronic".into() }],
                Box::new(|d| d.household_type() == Some("exited") && d.members.iter().any(|m| m.get(MF::Health).as_code() == Some("chronic"))),
            ),
        ];
        for (i, (filters, pred)) in cases.iter().enumerate() {
            let want: Vec<i64> = {
                let mut v: Vec<i64> = docs.iter().filter(|d| pred(d)).map(|d| id_by_no[&no(d)]).collect();
                v.sort();
                v
            };
            assert!(!want.is_empty(), "fixture: case {i} matches something");
            let mut got = Vec::new();
            let mut after = 0;
            loop {
                let page = query::matching_ids(&mut db.store.conn, &all_scope(), None, filters, after, 17).unwrap();
                if page.is_empty() {
                    break;
                }
                assert!(page.windows(2).all(|w| w[0] < w[1]) && page[0] > after, "{}: ascending after the cursor", db.name);
                after = *page.last().unwrap();
                got.extend(page);
            }
            assert_eq!(got, want, "{}: case {i}", db.name);
        }
    }
}
