//! The logic rules against the demo registry: silent on clean data, each firing on its planted
//! defect, and the rules that need measures or particular timelines on hand-built households.

mod common;

use bangfu_demo::{DemoOptions, PlantedDefect, co_firing, demo_county, generate, generate_with_defects, planted_rules};
use bangfu_domain::fields::{HOUSEHOLD_FIELD_COUNT, HouseholdField as HF, MEMBER_FIELD_COUNT, MemberField as MF};
use bangfu_domain::quality::{
    CheckContext, Finding, Level, Lines, MeasureFact, MeasureKind, Requires, ResolvedRules, Rule, RuleOverride, evaluate,
};
use bangfu_domain::registry::{HouseholdDoc, IncomeRecord, MemberRecord};
use bangfu_domain::value::{Secret, Value};
use bangfu_domain::ResidentId;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeSet, HashMap};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn defaults() -> ResolvedRules {
    ResolvedRules::defaults(Lines::national_defaults())
}

fn options(households: usize, seed: u64, today: NaiveDate, rule_defects: f64) -> DemoOptions {
    DemoOptions { households, seed, year: today.year() - 1, today, rule_defects }
}

fn describe(doc: &HouseholdDoc, f: &Finding) -> String {
    let who = f.member.and_then(|m| doc.members.get(m)).map(|m| format!(" 成员 {}", m.name())).unwrap_or_default();
    format!("{} {}{}：{}", doc.get(HF::HouseholdNo).as_text().unwrap_or("?"), f.rule.code(), who, f.message)
}

/// Rules `evaluate` can raise on one household without measures; the store raises the others.
fn household_rules() -> BTreeSet<Rule> {
    Rule::ALL
        .into_iter()
        .filter(|r| r.def().level != Level::Registry && r.def().requires != Requires::Measures && *r != Rule::Unreadable)
        .collect()
}

#[test]
fn clean_registries_raise_no_finding() {
    let county = demo_county();
    let rules = defaults();
    let runs = [
        (1, common::today()),
        (7, date(2026, 11, 22)),
        (3, date(2025, 9, 1)),
        (4, date(2027, 8, 31)),
        (5, date(2026, 1, 1)),
        (6, date(2029, 2, 28)),
    ];
    for (seed, today) in runs {
        let ctx = CheckContext { today, rules: &rules, measures: None };
        let (mut households, mut problems) = (0, Vec::new());
        for doc in generate(&county, &options(20_000, seed, today, 0.0)) {
            households += 1;
            for f in evaluate(&doc, &ctx) {
                problems.push(describe(&doc, &f));
            }
        }
        assert_eq!(households, 20_000);
        assert!(problems.is_empty(), "seed {seed}, {today}: {} findings on clean data, first:\n{}", problems.len(), problems[..problems.len().min(20)].join("\n"));
    }
}

#[test]
fn without_defects_the_stream_is_generate_with_nothing_planted() {
    let county = demo_county();
    let opts = common::opts(500, 9);
    let plain: Vec<HouseholdDoc> = generate(&county, &opts).collect();
    let with: Vec<(HouseholdDoc, Option<PlantedDefect>)> = generate_with_defects(&county, &opts).collect();
    assert!(with.iter().all(|(_, p)| p.is_none()));
    assert!(plain == with.into_iter().map(|(d, _)| d).collect::<Vec<_>>());
}

/// Checks one defect run; returns the rules planted.
fn check_defects(households: usize, seed: u64, today: NaiveDate, rate: f64) -> Vec<Rule> {
    let county = demo_county();
    let rules = defaults();
    let ctx = CheckContext { today, rules: &rules, measures: None };
    let opts = options(households, seed, today, rate);
    let (mut planted, mut problems) = (Vec::new(), Vec::new());
    let (mut ids, mut phones): (HashMap<String, usize>, HashMap<String, usize>) = (HashMap::new(), HashMap::new());
    let mut resident_ids = BTreeSet::new();
    for (i, (doc, defect)) in generate_with_defects(&county, &opts).enumerate() {
        let findings = evaluate(&doc, &ctx);
        match defect {
            None => problems.extend(findings.iter().map(|f| format!("unplanted: {}", describe(&doc, f)))),
            Some(PlantedDefect { rule, member }) => {
                planted.push(rule);
                let registry = rule.def().level == Level::Registry;
                if !registry && !findings.iter().any(|f| f.rule == rule && (member.is_none() || f.member == member)) {
                    problems.push(format!("{} planted {} (member {member:?}) but raised {:?}", i, rule.code(), findings.iter().map(|f| (f.rule.code(), f.member)).collect::<Vec<_>>()));
                }
                for f in findings.iter().filter(|f| f.rule != rule && !co_firing(rule).contains(&f.rule)) {
                    problems.push(format!("planted {} also raised {}", rule.code(), describe(&doc, f)));
                }
                match rule {
                    Rule::DuplicateId => {
                        let twin = doc.members.iter().find(|m| ids.contains_key(m.get(MF::IdNumber).as_text().unwrap_or_default()));
                        assert!(twin.is_some(), "ID-06 planted in household {i} without an ID number of an earlier household");
                    }
                    Rule::SharedPhone => {
                        let Value::Secret(p) = doc.get(HF::Phone) else { panic!("PH-02 planted in household {i} without a phone") };
                        assert!(phones.contains_key(p.reveal()), "PH-02 planted in household {i} with a phone no earlier household has");
                    }
                    _ => {}
                }
            }
        }
        if defect.is_none() {
            for m in &doc.members {
                if let Some(t) = m.get(MF::IdNumber).as_text() {
                    assert!(ids.insert(t.to_string(), i).is_none(), "ID number {t} repeated without a planted ID-06");
                }
            }
            if let Value::Secret(p) = doc.get(HF::Phone) {
                assert!(phones.insert(p.reveal().to_string(), i).is_none(), "phone repeated without a planted PH-02 (household {i})");
            }
        }
        for m in &doc.members {
            assert!(resident_ids.insert(m.resident_id.as_str().to_string()), "resident_id {} is not unique", m.resident_id.as_str());
        }
    }
    assert!(problems.is_empty(), "{} problems, first:\n{}", problems.len(), problems[..problems.len().min(30)].join("\n"));
    let slots = (0..households).filter(|i| bangfu_demo::defect_plan(rate, *i).is_some()).count();
    assert_eq!(planted.len(), slots, "every planned defect is planted");
    planted
}

#[test]
fn every_rule_fires_on_its_planted_defect_and_nowhere_else() {
    // 1,000 households at 0.1: 100 defects, every planted rule at least once
    let planted: BTreeSet<Rule> = check_defects(1000, 1, common::today(), 0.1).into_iter().collect();
    let mut expected = household_rules();
    expected.extend([Rule::DuplicateId, Rule::SharedPhone]);
    let missing: Vec<&str> = expected.difference(&planted).map(|r| r.code()).collect();
    assert!(missing.is_empty(), "never planted: {missing:?}");
    let planted_list: BTreeSet<Rule> = planted_rules().iter().copied().collect();
    assert_eq!(planted_list, expected, "the planted rules are the catalogue's but REC-01, REC-02 and the measure rules");
}

#[test]
fn defects_at_a_low_rate_on_other_seeds_and_dates() {
    for (seed, today) in [(2, date(2026, 11, 22)), (8, date(2025, 9, 1))] {
        let planted = check_defects(6000, seed, today, 0.02);
        assert_eq!(planted.len(), 120);
    }
}

#[test]
fn defects_are_deterministic() {
    let county = demo_county();
    let opts = options(400, 5, common::today(), 0.25);
    let a: Vec<_> = generate_with_defects(&county, &opts).collect();
    let b: Vec<_> = generate_with_defects(&county, &opts).collect();
    assert!(a == b);
    assert_eq!(a.iter().filter(|(_, p)| p.is_some()).count(), 100);
}

// ── hand-built households ──

fn id(body17: &str) -> ResidentId {
    ResidentId::from_body(body17).unwrap()
}

fn person(body17: &str, name: &str, relation: &'static str, school: &'static str, labour: &'static str, education: &'static str) -> MemberRecord {
    let rid = id(body17);
    let mut values = vec![Value::Null; MEMBER_FIELD_COUNT];
    let mut set = |f: MF, v: Value| values[f as usize] = v;
    set(MF::Name, Value::Text(name.into()));
    set(MF::IdType, Value::Code("resident_id"));
    set(MF::IdNumber, Value::Text(rid.as_str().into()));
    set(MF::Sex, Value::Code(if rid.sex() == bangfu_domain::Sex::Male { "male" } else { "female" }));
    set(MF::BirthDate, Value::Date(rid.birth_date()));
    set(MF::Relation, Value::Code(relation));
    set(MF::Health, Value::Code("healthy"));
    set(MF::SchoolStatus, Value::Code(school));
    set(MF::Education, Value::Code(education));
    set(MF::LabourSkill, Value::Code(labour));
    set(MF::ResidentMedicalInsurance, Value::Bool(true));
    set(MF::EmployeeMedicalInsurance, Value::Bool(false));
    set(MF::SeriousIllnessInsurance, Value::Bool(true));
    set(MF::Dibao, Value::Text("否".into()));
    set(MF::Tekun, Value::Text("否".into()));
    MemberRecord { values, resident_id: rid }
}

const TODAY: (i32, u32, u32) = (2026, 3, 15);

fn today() -> NaiveDate {
    date(TODAY.0, TODAY.1, TODAY.2)
}

/// A monitored household (identified 2025-07-01, risk open): a couple who can work and their son in
/// primary school. Raises nothing with the shipped rules.
fn monitored() -> HouseholdDoc {
    let mut doc = HouseholdDoc { values: vec![Value::Null; HOUSEHOLD_FIELD_COUNT], members: Vec::new(), incomes: Vec::new() };
    let bools = [
        (HF::DangerousHouse, false),
        (HF::HasElectricity, true),
        (HF::SafeDrinkingWater, true),
        (HF::RoadHardened, true),
        (HF::FoodClothingSecure, true),
        (HF::EducationSecure, true),
        (HF::MedicalSecure, true),
        (HF::HousingSecure, true),
        (HF::RiskEliminated, false),
    ];
    for (f, b) in bools {
        doc.set(f, Value::Bool(b));
    }
    doc.set(HF::RegionCode, Value::Text("431099101201".into()));
    doc.set(HF::HouseholdNo, Value::Text("4310991012010001".into()));
    doc.set(HF::HouseholdType, Value::Code("monitored"));
    doc.set(HF::PovertyAttribute, Value::Code("general"));
    doc.set(HF::MonitoringCategory, Value::Code("unstable_exited"));
    doc.set(HF::MonitoringIdentifiedOn, Value::Date(date(2025, 7, 1)));
    doc.set(HF::Cause1, Value::Code("lack_capital"));
    doc.set(HF::StatedSize, Value::Int(3));
    doc.set(HF::HousingArea, Value::Int(9_000));
    doc.set(HF::HousingGrade, Value::Code("A"));
    doc.set(HF::CultivatedLand, Value::Int(200));
    doc.set(HF::IrrigatedLand, Value::Int(100));
    doc.set(HF::DistanceToRoad, Value::Int(400));
    doc.set(HF::Phone, Value::Secret(Secret::new("13807350000".into())));
    doc.members = vec![
        person("43109919800115001", "李建国", "head", "not_student", "ordinary", "junior"),
        person("43109919820302002", "王秀英", "spouse", "not_student", "ordinary", "junior"),
        person("43109920141001003", "李明", "son", "primary_5", "none", "primary"),
    ];
    let (w, b, p, t, e) = (3_000_000, 500_000, 0, 200_000, 100_000);
    let net = w + b + p + t - e;
    doc.incomes.push(IncomeRecord { year: 2025, amounts: [Some(w), Some(b), Some(p), Some(t), Some(e), Some(net), Some(net / 3)] });
    doc
}

fn rules_raised(doc: &HouseholdDoc, rules: &ResolvedRules, measures: Option<&[MeasureFact]>) -> Vec<Rule> {
    let ctx = CheckContext { today: today(), rules, measures };
    evaluate(doc, &ctx).into_iter().map(|f| f.rule).collect()
}

fn measure(kind: MeasureKind) -> MeasureFact {
    MeasureFact { kind, started_on: date(2025, 8, 1) }
}

#[test]
fn the_hand_built_household_is_clean() {
    let rules = defaults();
    assert_eq!(rules_raised(&monitored(), &rules, None), vec![]);
    assert_eq!(rules_raised(&monitored(), &rules, Some(&[measure(MeasureKind::Employment)])), vec![]);
}

/// `rule` fires on `doc` when measures are known and lack `needed`, and is silent when they have it
/// or when measures are not known at all.
fn fires_without_measure(doc: &HouseholdDoc, rule: Rule, needed: MeasureKind) {
    let rules = defaults();
    let developmental = measure(MeasureKind::Employment);
    assert!(rules_raised(doc, &rules, Some(std::slice::from_ref(&developmental))).contains(&rule), "{} without {needed:?}", rule.code());
    assert!(!rules_raised(doc, &rules, Some(&[developmental, measure(needed)])).contains(&rule), "{} with {needed:?}", rule.code());
    assert_eq!(rules_raised(doc, &rules, None), vec![], "{} without measures known", rule.code());
}

#[test]
fn measure_rules_fire_only_when_measures_are_known_and_lacking() {
    // MEA-01: the household lives on 低保 but has no 低保 measure
    let mut doc = monitored();
    doc.set(HF::PovertyAttribute, Value::Code("dibao"));
    for m in &mut doc.members {
        m.set(MF::Dibao, Value::Text("是".into()));
    }
    fires_without_measure(&doc, Rule::DibaoWithoutMeasure, MeasureKind::Dibao);

    // MEA-02: a child with a grade-1 disability and no disability subsidy
    let mut doc = monitored();
    doc.members[2].set(MF::Health, Value::Code("disabled"));
    doc.members[2].set(MF::DisabilityGrade, Value::Code("1"));
    doc.members[2].set(MF::DisabilityCategory, Value::Code("physical"));
    fires_without_measure(&doc, Rule::DisabledWithoutSubsidy, MeasureKind::DisabilitySubsidy);

    // MEA-03: the risk is schooling and there is no education measure
    let mut doc = monitored();
    doc.set(HF::Cause1, Value::Code("schooling"));
    fires_without_measure(&doc, Rule::RiskWithoutMeasure, MeasureKind::Education);

    // MON-02: monitored for over six months with labour and no developmental measure
    let rules = defaults();
    let doc = monitored();
    assert_eq!(rules_raised(&doc, &rules, Some(&[])), vec![Rule::NoDevelopmentMeasure]);
    assert_eq!(rules_raised(&doc, &rules, Some(&[measure(MeasureKind::Industry)])), vec![]);
    assert_eq!(rules_raised(&doc, &rules, None), vec![]);
    let mut recent = monitored();
    recent.set(HF::MonitoringIdentifiedOn, Value::Date(date(2025, 10, 1)));
    assert_eq!(rules_raised(&recent, &rules, Some(&[])), vec![], "identified under six months ago");
}

fn eliminated_on(on: NaiveDate) -> HouseholdDoc {
    let mut doc = monitored();
    doc.set(HF::RiskEliminated, Value::Bool(true));
    doc.set(HF::RiskEliminatedOn, Value::Date(on));
    doc.set(HF::RiskEliminationMethod, Value::Code("assisted"));
    doc
}

#[test]
fn monitoring_timelines() {
    let rules = defaults();
    // identified 2025-07-01: cleared 2026-01-01 is six months later, 2025-12-31 is not
    assert_eq!(rules_raised(&eliminated_on(date(2026, 1, 1)), &rules, None), vec![]);
    assert_eq!(rules_raised(&eliminated_on(date(2025, 12, 31)), &rules, None), vec![Rule::ClearedTooSoon]);
    assert_eq!(rules_raised(&eliminated_on(date(2025, 9, 1)), &rules, None), vec![Rule::ClearedTooSoon]);
    assert_eq!(rules_raised(&eliminated_on(date(2025, 6, 30)), &rules, None), vec![Rule::EliminatedBeforeIdentified]);
    // MON-04: able and monitored for over a year (today 2026-03-15)
    let mut long = monitored();
    long.set(HF::MonitoringIdentifiedOn, Value::Date(date(2025, 3, 14)));
    assert_eq!(rules_raised(&long, &rules, None), vec![Rule::LongMonitoredAble]);
    long.set(HF::MonitoringIdentifiedOn, Value::Date(date(2025, 3, 15)));
    assert_eq!(rules_raised(&long, &rules, None), vec![], "exactly twelve months");
    // … but not when nobody healthy can work
    let mut unable = monitored();
    unable.set(HF::MonitoringIdentifiedOn, Value::Date(date(2024, 6, 1)));
    for m in &mut unable.members[..2] {
        m.set(MF::Health, Value::Code("chronic"));
    }
    assert_eq!(rules_raised(&unable, &rules, None), vec![]);
}

#[test]
fn a_jurisdictions_override_changes_the_outcome() {
    let lines = Lines::national_defaults;
    let region = "431099101201";
    let mut long = monitored();
    long.set(HF::MonitoringIdentifiedOn, Value::Date(date(2024, 12, 1)));
    let off = RuleOverride { rule: Rule::LongMonitoredAble, region_prefix: "431099".into(), enabled: Some(false), params: vec![] };
    let rules = ResolvedRules::resolve(region, std::slice::from_ref(&off), lines()).unwrap();
    assert_eq!(rules_raised(&long, &defaults(), None), vec![Rule::LongMonitoredAble]);
    assert_eq!(rules_raised(&long, &rules, None), vec![]);
    // the override is the county's: another county keeps the rule
    let elsewhere = ResolvedRules::resolve("431002101201", &[off], lines()).unwrap();
    assert_eq!(rules_raised(&long, &elsewhere, None), vec![Rule::LongMonitoredAble]);
    // a longer period (18 months) in the province
    let longer = RuleOverride { rule: Rule::LongMonitoredAble, region_prefix: "43".into(), enabled: None, params: vec![("months".into(), "18".into())] };
    assert_eq!(rules_raised(&long, &ResolvedRules::resolve(region, &[longer], lines()).unwrap(), None), vec![]);

    // RNG-03: 4 km to the road is within the shipped 5 km, not within a county's 3 km
    let doc = monitored();
    let tighter = RuleOverride { rule: Rule::RoadDistanceRange, region_prefix: "431099".into(), enabled: None, params: vec![("max".into(), "3".into())] };
    assert_eq!(rules_raised(&doc, &defaults(), None), vec![]);
    assert_eq!(rules_raised(&doc, &ResolvedRules::resolve(region, &[tighter], lines()).unwrap(), None), vec![Rule::RoadDistanceRange]);
}
