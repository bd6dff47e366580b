//! Rule runs over a real registry on every backend: stored findings equal the pure checks of each
//! household plus the cross-household rules; runs compare with the previous one (new, open, fixed);
//! scope, settings per jurisdiction, lines, one-household checks, unreadable records and the
//! village work list.

mod common;

use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::quality::lines::LineKind;
use bangfu_domain::quality::{evaluate, CheckContext, Lines, ResolvedRules, Rule, RuleOverride};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::{RegionCode, RegionScope, Value};
use bangfu_sheets::{ReadOptions, Workbook};
use bangfu_store::quality::{self, FindingFilter, FindingState, RunRequest, StoredLine};
use bangfu_store::{Store, P};
use bangfu_testkit::*;
use common::*;
use std::collections::BTreeSet;

type Key = (String, String, String); // rule, household number, member name ("" for the household)

fn run(store: &mut Store, scope: &RegionScope, region: Option<&RegionCode>) -> quality::RunSummary {
    quality::run(&mut store.conn, &store.keys, &test_actor(), &RunRequest { scope, region, today: today() }, &mut |_, _| {}).expect("run")
}

fn all_findings(store: &mut Store, scope: &RegionScope, run_id: i64, state: Option<FindingState>) -> BTreeSet<Key> {
    let filter = FindingFilter { state, ..FindingFilter::default() };
    let (rows, total) = quality::findings(&mut store.conn, scope, run_id, &filter, 0, 1_000_000).expect("findings");
    assert_eq!(rows.len() as i64, total);
    rows.into_iter().map(|r| (r.rule_code, r.household_no.unwrap_or_default(), r.member_name.unwrap_or_default())).collect()
}

/// What the pure checks say about the documents as stored (active members, in order).
fn expected(docs: &[HouseholdDoc], rules: &ResolvedRules) -> BTreeSet<Key> {
    let ctx = CheckContext { today: today(), rules, measures: None };
    let mut out = BTreeSet::new();
    for d in docs {
        for f in evaluate(d, &ctx) {
            let member = f.member.map(|i| d.members[i].name().to_string()).unwrap_or_default();
            out.insert((f.rule.code().to_string(), no(d), member));
        }
    }
    out
}

fn member_id_of(store: &mut Store, household_no: &str, name: &str) -> i64 {
    store
        .conn
        .query_int(
            "SELECT m.id FROM member m JOIN household h ON h.id = m.household_id WHERE h.household_no = ? AND m.name = ?",
            &[P::Text(household_no), P::Text(name)],
        )
        .expect("member")
}

#[test]
fn a_run_stores_what_the_checks_find_and_the_next_run_tells_new_open_and_fixed() {
    for mut db in TestDb::all() {
        let backend = db.name;
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(300, 7);
        // planted across households: one phone in two households
        let phone = docs[4].get(HF::Phone).clone();
        docs[5].set(HF::Phone, phone);
        // planted in one household: a sex contradicting the ID, a bad range
        let sex = if docs[8].members[0].get(MF::Sex).as_code() == Some("male") { "female" } else { "male" };
        docs[8].members[0].set(MF::Sex, Value::Code(sex));
        docs[9].set(HF::DistanceToRoad, Value::Int(900));
        insert_docs(&mut db.store, &docs);
        // a legacy record: a member whose stated number is someone else's in another household
        let (victim_no, victim) = (no(&docs[20]), docs[20].members.last().unwrap().name().to_string());
        let owner_id = docs[21].members[0].resident_id.as_str().to_string();
        let mid = member_id_of(&mut db.store, &victim_no, &victim);
        db.store.conn.execute("UPDATE member SET id_number = ? WHERE id = ?", &[P::Text(&owner_id), P::Int(mid)]).unwrap();

        let scope = all_scope();
        let first = run(&mut db.store, &scope, None);
        assert_eq!(first.status, "done", "{backend}");
        assert_eq!(first.households, 300, "{backend}");
        assert_eq!(first.previous_run_id, None);
        let found = all_findings(&mut db.store, &scope, first.id, None);
        let mut want = expected(&docs, &ResolvedRules::defaults(Lines::national_defaults()));
        want.insert(("PH-02".into(), no(&docs[4]), String::new()));
        want.insert(("PH-02".into(), no(&docs[5]), String::new()));
        want.insert(("ID-06".into(), victim_no.clone(), victim.clone()));
        want.insert(("ID-06".into(), no(&docs[21]), docs[21].members[0].name().to_string()));
        // the victim's stated number now also contradicts their sex or birth date: let the checks say so
        let extra: Vec<Key> = found.difference(&want).cloned().collect();
        assert!(extra.iter().all(|k| k.1 == victim_no && (k.0 == "ID-04" || k.0 == "ID-05")), "{backend}: unexpected {extra:?}");
        let missing: Vec<&Key> = want.difference(&found).collect();
        assert!(missing.is_empty(), "{backend}: not found {missing:?}");
        assert!(found.contains(&("ID-05".into(), no(&docs[8]), docs[8].members[0].name().to_string())), "{backend}");
        assert!(found.contains(&("RNG-03".into(), no(&docs[9]), String::new())), "{backend}");
        assert_eq!(first.findings as usize, found.len());
        assert_eq!(first.new_findings, first.findings, "{backend}: everything is new in a first run");

        // counts by rule and by township add up to the total
        let detail = quality::run_detail(&mut db.store.conn, &scope, first.id, None).unwrap();
        assert_eq!(detail.by_rule.iter().map(|c| c.findings).sum::<i64>(), first.findings);
        assert_eq!(detail.by_region.iter().map(|c| c.findings).sum::<i64>(), first.findings);
        assert_eq!(detail.by_region.iter().map(|c| c.errors).sum::<i64>(), first.errors);

        // fix the road distance, break a range elsewhere
        db.store.conn.execute("UPDATE household SET distance_to_road = 100 WHERE household_no = ?", &[P::Text(&no(&docs[9]))]).unwrap();
        db.store.conn.execute("UPDATE household SET cultivated_land = 50000 WHERE household_no = ?", &[P::Text(&no(&docs[30]))]).unwrap();
        let second = run(&mut db.store, &scope, None);
        assert_eq!(second.previous_run_id, Some(first.id), "{backend}");
        let fixed = all_findings(&mut db.store, &scope, second.id, Some(FindingState::Fixed));
        let new = all_findings(&mut db.store, &scope, second.id, Some(FindingState::New));
        let open = all_findings(&mut db.store, &scope, second.id, Some(FindingState::Open));
        assert_eq!(fixed, BTreeSet::from([("RNG-03".into(), no(&docs[9]), String::new())]), "{backend}");
        assert!(new.contains(&("RNG-01".into(), no(&docs[30]), String::new())), "{backend}: {new:?}");
        assert!(new.iter().all(|k| k.1 == no(&docs[30])), "{backend}: only the new defect is new: {new:?}");
        assert_eq!(open.len() + new.len(), second.findings as usize);
        assert_eq!((second.new_findings, second.fixed_findings), (new.len() as i64, 1), "{backend}");

        // the run is audited
        let audited = db.store.conn.query_int("SELECT COUNT(*) FROM audit_log WHERE entity = 'quality_run'", &[]).unwrap();
        assert_eq!(audited, 2, "{backend}");
    }
}

#[test]
fn runs_and_findings_stay_in_the_users_region() {
    for mut db in TestDb::all() {
        let backend = db.name;
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(240, 11);
        for d in docs.iter_mut() {
            d.set(HF::DistanceToRoad, Value::Int(700)); // every household has one finding
        }
        insert_docs(&mut db.store, &docs);
        let village = busiest_village(&docs);
        let township = village.parent().unwrap();
        let in_township = docs.iter().filter(|d| d.region_code().is_some_and(|r| township.contains(&r))).count() as i64;
        let in_village = docs.iter().filter(|d| d.region_code() == Some(village)).count() as i64;
        let county_run = run(&mut db.store, &all_scope(), None);
        let tscope = RegionScope::of(&township);
        // the township sees the county run with its own counts only
        let (runs, _) = quality::runs(&mut db.store.conn, &tscope, 0, 10).unwrap();
        let seen = runs.iter().find(|r| r.id == county_run.id).expect("a covering run is listed");
        assert_eq!(seen.findings, in_township, "{backend}");
        let (rows, total) = quality::findings(&mut db.store.conn, &tscope, county_run.id, &FindingFilter::default(), 0, 10_000).unwrap();
        assert_eq!(total, in_township);
        assert!(rows.iter().all(|r| r.region_code.starts_with(tscope.prefix())), "{backend}");
        // a village run by the township user; a run outside the scope is refused
        let vrun = run(&mut db.store, &tscope, Some(&village));
        assert_eq!((vrun.households, vrun.findings), (in_village, in_village), "{backend}");
        let other = docs.iter().filter_map(|d| d.region_code()).find(|r| !township.contains(r)).unwrap();
        let refused = quality::run(&mut db.store.conn, &db.store.keys, &test_actor(), &RunRequest { scope: &tscope, region: Some(&other), today: today() }, &mut |_, _| {});
        assert!(refused.is_err(), "{backend}");
        // a village's view of the township run: by-region counts are its groups' village only
        let vscope = RegionScope::of(&village);
        let d = quality::run_detail(&mut db.store.conn, &vscope, county_run.id, None).unwrap();
        assert_eq!(d.by_region.iter().map(|c| c.findings).sum::<i64>(), in_village);
        // the work list of the village: one sheet, every finding, with the fix
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("清单.xlsx");
        let rows = quality::work_list(&mut db.store.conn, &vscope, county_run.id, None).unwrap();
        let sheets = bangfu_exchange::worklist::write_work_list(&path, &rows).unwrap();
        assert_eq!(sheets, 1);
        let mut wb = Workbook::open(&path, &ReadOptions::default()).unwrap();
        let cells: Vec<Vec<String>> = wb.rows(0).unwrap().map(|r| r.unwrap().cells).collect();
        assert_eq!(cells.len() as i64, in_village + 1, "{backend}");
        assert_eq!(cells[0][6], "规则编号");
        assert!(cells[1..].iter().all(|r| r[6] == "RNG-03" && r[10].contains("公里")), "{backend}: {:?}", cells[1]);
        // a run the village cannot see
        let other_scope = RegionScope::of(&other);
        assert!(quality::findings(&mut db.store.conn, &other_scope, vrun.id, &FindingFilter::default(), 0, 10).is_err(), "{backend}");
    }
}

#[test]
fn settings_and_lines_per_jurisdiction_change_what_is_found() {
    for mut db in TestDb::all() {
        let backend = db.name;
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(120, 5);
        docs[0].set(HF::DistanceToRoad, Value::Int(700));
        insert_docs(&mut db.store, &docs);
        let county = docs[0].region_code().unwrap().as_str()[..6].to_string();
        let actor = test_actor();
        let count = |store: &mut Store, rule: &str| -> i64 {
            let r = run(store, &all_scope(), None);
            let d = quality::run_detail(&mut store.conn, &all_scope(), r.id, None).unwrap();
            d.by_rule.iter().find(|c| c.rule_code == rule).map(|c| c.findings).unwrap_or(0)
        };
        assert_eq!(count(&mut db.store, "RNG-03"), 1, "{backend}");
        // the county allows 8 km
        let o = RuleOverride { rule: Rule::RoadDistanceRange, region_prefix: county.clone(), enabled: None, params: vec![("max".into(), "8".into())] };
        quality::save_setting(&mut db.store.conn, &actor, &o, Some("某县〔2024〕12号")).unwrap();
        assert_eq!(count(&mut db.store, "RNG-03"), 0, "{backend}");
        // a province switching a rule off does not override the county's own parameter, but disables it
        quality::delete_setting(&mut db.store.conn, &actor, Rule::RoadDistanceRange, &county).unwrap();
        let off = RuleOverride { rule: Rule::RoadDistanceRange, region_prefix: county[..2].into(), enabled: Some(false), params: vec![] };
        quality::save_setting(&mut db.store.conn, &actor, &off, None).unwrap();
        assert_eq!(count(&mut db.store, "RNG-03"), 0, "{backend}");
        // a bad parameter is refused with a Chinese reason, nothing stored
        let bad = RuleOverride { rule: Rule::RoadDistanceRange, region_prefix: county.clone(), enabled: None, params: vec![("max".into(), "很远".into())] };
        let err = quality::save_setting(&mut db.store.conn, &actor, &bad, None).unwrap_err().to_string();
        assert!(err.contains("很远") && err.contains("RNG-03"), "{err}");
        assert_eq!(quality::stored_settings(&mut db.store.conn).unwrap().len(), 1);
        // raising the monitoring line for the income year flags exited households under it
        let before = count(&mut db.store, "INC-04");
        let line = StoredLine { kind: LineKind::Monitoring, region_prefix: county.clone(), year: 2025, amount_fen: 2_000_000, basis: Some("测试".into()) };
        quality::save_line(&mut db.store.conn, &actor, &line).unwrap();
        let after = count(&mut db.store, "INC-04");
        let exited = docs.iter().filter(|d| d.household_type() == Some("exited")).count() as i64;
        assert!(after > before && after <= exited, "{backend}: {before} → {after} of {exited}");
        let audited = db.store.conn.query_int("SELECT COUNT(*) FROM audit_log WHERE entity IN ('quality_rule', 'reference_line')", &[]).unwrap();
        assert_eq!(audited, 4, "{backend}");
    }
}

#[test]
fn one_household_is_checked_on_its_own_and_an_unreadable_record_is_reported_not_fatal() {
    for mut db in TestDb::all() {
        let backend = db.name;
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(60, 3);
        let n = docs[2].members.len() as i64;
        docs[2].set(HF::StatedSize, Value::Int(n + 2));
        insert_docs(&mut db.store, &docs);
        let id = db.store.conn.query_int("SELECT id FROM household WHERE household_no = ?", &[P::Text(&no(&docs[2]))]).unwrap();
        let rows = quality::check_household(&mut db.store.conn, &db.store.keys, &test_actor(), &all_scope(), id, today()).unwrap();
        assert!(rows.iter().any(|r| r.rule_code == "HH-07" && r.message.contains("在册成员")), "{backend}: {rows:?}");
        // a phone that no longer decrypts: that household is reported, the others are still checked
        db.store.conn.execute("UPDATE household SET phone = ? WHERE household_no = ?", &[P::Bytes(b"garbage"), P::Text(&no(&docs[3]))]).unwrap();
        let r = run(&mut db.store, &all_scope(), None);
        assert_eq!(r.status, "done");
        let found = all_findings(&mut db.store, &all_scope(), r.id, None);
        assert!(found.contains(&("REC-02".into(), no(&docs[3]), String::new())), "{backend}");
        assert!(found.contains(&("HH-07".into(), no(&docs[2]), String::new())), "{backend}");
        // out of scope: not found
        let other = docs.iter().filter_map(|d| d.region_code()).find(|r| r.as_str()[..9] != docs[2].region_code().unwrap().as_str()[..9]).unwrap();
        assert!(quality::check_household(&mut db.store.conn, &db.store.keys, &test_actor(), &RegionScope::of(&other), id, today()).is_err());
    }
}

#[test]
fn measure_rules_switch_on_once_the_county_records_measures() {
    for mut db in TestDb::all() {
        let backend = db.name;
        load_demo_regions(&mut db.store);
        let docs = demo_docs(200, 17);
        insert_docs(&mut db.store, &docs);
        let dibao = docs.iter().find(|d| d.members.iter().any(|m| m.get(MF::Dibao).as_text() == Some("是"))).expect("a 低保 household");
        let other = docs.iter().find(|d| no(d) != no(dibao)).unwrap();
        let id_of = |store: &mut Store, d: &HouseholdDoc| store.conn.query_int("SELECT id FROM household WHERE household_no = ?", &[P::Text(&no(d))]).unwrap();
        let (dibao_id, other_id) = (id_of(&mut db.store, dibao), id_of(&mut db.store, other));
        let count = |store: &mut Store, rule: &str| -> (i64, String) {
            let r = run(store, &all_scope(), None);
            let d = quality::run_detail(&mut store.conn, &all_scope(), r.id, None).unwrap();
            (d.by_rule.iter().find(|c| c.rule_code == rule).map(|c| c.findings).unwrap_or(0), r.message.unwrap_or_default())
        };
        let (n, message) = count(&mut db.store, "MEA-01");
        assert_eq!(n, 0, "{backend}: no measures recorded yet, the rule waits");
        assert!(message.contains("MEA-01"), "{backend}: {message}");
        let add = |store: &mut Store, id: i64, kind: &str, region: &str| {
            let mid = store.conn.query_int("SELECT COALESCE(MAX(id), 0) + 1 FROM assistance_measure", &[]).unwrap();
            store
                .conn
                .execute(
                    "INSERT INTO assistance_measure (id, household_id, region_code, kind, started_on, created_by, created_at, version) VALUES (?, ?, ?, ?, ?, 'test', 't', 1)",
                    &[P::Int(mid), P::Int(id), P::Text(region), P::Text(kind), P::Date(today())],
                )
                .unwrap();
        };
        add(&mut db.store, other_id, "industry", &region(other));
        let (n, message) = count(&mut db.store, "MEA-01");
        assert!(n >= 1, "{backend}: the county records measures now: 低保 households without a 低保 measure are found");
        assert!(!message.contains("MEA-01"), "{backend}: {message}");
        let one = quality::check_household(&mut db.store.conn, &db.store.keys, &test_actor(), &all_scope(), dibao_id, today()).unwrap();
        assert!(one.iter().any(|f| f.rule_code == "MEA-01"), "{backend}: {one:?}");
        add(&mut db.store, dibao_id, "dibao", &region(dibao));
        let one = quality::check_household(&mut db.store.conn, &db.store.keys, &test_actor(), &all_scope(), dibao_id, today()).unwrap();
        assert!(!one.iter().any(|f| f.rule_code == "MEA-01"), "{backend}: {one:?}");
    }
}
