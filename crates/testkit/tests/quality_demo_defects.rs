//! The demo generator's defect option through the store, on every backend: every planted rule —
//! the cross-household ones included — is found by a rule run on its household (and member), clean
//! households raise nothing, and a clean registry raises nothing at all.

mod common;

use bangfu_demo::{demo_county, generate_with_defects, DemoOptions};
use bangfu_domain::quality::Rule;
use bangfu_store::quality::{self, FindingFilter, RunRequest};
use bangfu_testkit::*;
use common::*;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn every_planted_rule_is_found_by_a_run_and_clean_households_stay_silent() {
    for mut db in TestDb::all() {
        let backend = db.name;
        load_demo_regions(&mut db.store);
        let opts = DemoOptions { households: 1000, seed: 4, year: 2025, today: today(), rule_defects: 0.1 };
        let planted: Vec<_> = generate_with_defects(&demo_county(), &opts).collect();
        let docs: Vec<_> = planted.iter().map(|(d, _)| d.clone()).collect();
        insert_docs(&mut db.store, &docs);
        let scope = all_scope();
        let r = quality::run(&mut db.store.conn, &db.store.keys, &test_actor(), &RunRequest { scope: &scope, region: None, today: today() }, &mut |_, _| {}).unwrap();
        let (rows, _) = quality::findings(&mut db.store.conn, &scope, r.id, &FindingFilter::default(), 0, 1_000_000).unwrap();
        let mut by_household: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
        for f in &rows {
            by_household.entry(f.household_no.clone().unwrap_or_default()).or_default().insert((f.rule_code.clone(), f.member_name.clone().unwrap_or_default()));
        }
        let mut fired: BTreeSet<Rule> = BTreeSet::new();
        for (doc, defect) in &planted {
            let found = by_household.remove(&no(doc)).unwrap_or_default();
            match defect {
                Some(p) => {
                    let member = p.member.map(|i| doc.members[i].name().to_string());
                    let hit = found.iter().any(|(c, m)| c == p.rule.code() && member.as_ref().is_none_or(|n| n == m || (n.is_empty() && m.is_empty())));
                    assert!(hit, "{backend}: {} planted on {} ({member:?}) but found {found:?}", p.rule.code(), no(doc));
                    let allowed: Vec<&str> = std::iter::once(p.rule).chain(bangfu_demo::co_firing(p.rule).iter().copied()).map(|r| r.code()).collect();
                    // a cross-household defect also shows on its partner household (checked below)
                    assert!(found.iter().all(|(c, _)| allowed.contains(&c.as_str()) || c == "ID-06" || c == "PH-02"), "{backend}: {} on {}: {found:?}", p.rule.code(), no(doc));
                    fired.insert(p.rule);
                }
                None => {
                    // only a partner of a planted cross-household defect may have findings
                    assert!(found.iter().all(|(c, _)| c == "ID-06" || c == "PH-02"), "{backend}: clean household {} has {found:?}", no(doc));
                }
            }
        }
        assert!(by_household.is_empty(), "{backend}: findings on households not generated: {by_household:?}");
        let missing: Vec<&str> = bangfu_demo::planted_rules().iter().filter(|r| !fired.contains(r)).map(|r| r.code()).collect();
        assert!(missing.is_empty(), "{backend}: planted rules never planted: {missing:?}");
    }
}

#[test]
fn a_clean_demo_registry_raises_nothing() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 1500, 21);
        let scope = all_scope();
        let r = quality::run(&mut db.store.conn, &db.store.keys, &test_actor(), &RunRequest { scope: &scope, region: None, today: today() }, &mut |_, _| {}).unwrap();
        let (rows, _) = quality::findings(&mut db.store.conn, &scope, r.id, &FindingFilter::default(), 0, 20).unwrap();
        assert_eq!((r.households, r.findings), (docs.len() as i64, 0), "{}: {rows:?}", db.name);
    }
}
