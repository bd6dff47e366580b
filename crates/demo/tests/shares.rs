//! The generated registry has the shares of a real one (types, attributes, causes, health, work).

mod common;

use bangfu_demo::{demo_county, generate};
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::{HouseholdDoc, MemberRecord};
use chrono::{Datelike, NaiveDate};
use common::{opts, today};
use std::collections::HashMap;

fn age(m: &MemberRecord) -> i32 {
    let b: NaiveDate = m.get(MF::BirthDate).as_date().unwrap();
    let t = today();
    t.year() - b.year() - i32::from((t.month(), t.day()) < (b.month(), b.day()))
}

fn code(doc: &HouseholdDoc, f: HF) -> &'static str {
    doc.get(f).as_code().unwrap_or("")
}

fn expected_school(age: i32, status: &str) -> bool {
    let grade = |prefix: &str, n: i32| status == format!("{prefix}{n}");
    match age {
        ..=2 => status == "preschool_age",
        3..=5 => status == "preschool",
        6..=11 => grade("primary_", age - 5),
        12..=14 => grade("junior_", age - 5),
        15..=17 => grade("senior_", age - 14) || grade("vocational_", age - 14) || status == "not_student",
        18..=22 => status == "not_student" || status == "college" || status.starts_with("higher_vocational_"),
        _ => status == "not_student",
    }
}

#[test]
fn shares_look_like_a_registry() {
    let n = 60_000;
    let county = demo_county();
    let mut count: HashMap<String, usize> = HashMap::new();
    let mut bump = |k: String| *count.entry(k).or_default() += 1;
    let (mut members, mut working_age, mut migrants, mut exited, mut exited_in_band) = (0, 0, 0, 0, 0);
    for doc in generate(&county, &opts(n, 11)) {
        let size = doc.members.len();
        bump(format!("type:{}", code(&doc, HF::HouseholdType)));
        bump(format!("attr:{}", code(&doc, HF::PovertyAttribute)));
        bump(format!("cause:{}", code(&doc, HF::Cause1)));
        bump(format!("size:{}", size.min(6)));
        if code(&doc, HF::PovertyAttribute) == "tekun" && size == 1 {
            bump("tekun_single".into());
        }
        let cause = code(&doc, HF::Cause1);
        let has = |p: &dyn Fn(&MemberRecord) -> bool| doc.members.iter().any(p);
        match cause {
            "illness" => assert!(has(&|m| matches!(m.get(MF::Health).as_code(), Some("chronic" | "serious_illness")))),
            "disability" => assert!(has(&|m| m.get(MF::Health).as_code() == Some("disabled"))),
            "schooling" => assert!(has(&|m| !matches!(
                m.get(MF::SchoolStatus).as_code(),
                Some("not_student" | "preschool" | "preschool_age")
            ))),
            _ => {}
        }
        if code(&doc, HF::HouseholdType) == "monitored" {
            let on = doc.get(HF::MonitoringIdentifiedOn).as_date().unwrap();
            assert!(on.year() >= 2021 && on.year() <= 2025);
            if code(&doc, HF::MonitoringCategory) == "edge_at_risk" {
                assert!(doc.get(HF::RegistrationYear).is_null());
            }
            if let Some(done) = doc.get(HF::RiskEliminatedOn).as_date() {
                assert!(done >= on + chrono::Days::new(182));
                assert_eq!(doc.get(HF::RiskEliminated).as_bool(), Some(true));
            }
        }
        if code(&doc, HF::HouseholdType) == "exited" {
            exited += 1;
            let y = doc.get(HF::ExitYear).as_int().unwrap();
            assert!((2016..=2020).contains(&y) && y > doc.get(HF::RegistrationYear).as_int().unwrap());
            let pc = doc.incomes[0].amounts[6].unwrap() / 100;
            if (8000..=25000).contains(&pc) {
                exited_in_band += 1;
            }
        }
        let income = &doc.incomes[0].amounts;
        let sum =
            income[0].unwrap() + income[1].unwrap() + income[2].unwrap() + income[3].unwrap() - income[4].unwrap();
        assert_eq!(income[5], Some(sum));
        for m in &doc.members {
            members += 1;
            let a = age(m);
            let school = m.get(MF::SchoolStatus).as_code().unwrap();
            assert!(expected_school(a, school), "age {a} with {school}");
            bump(format!("health:{}", m.get(MF::Health).as_code().unwrap()));
            if m.get(MF::Health).as_code() == Some("disabled") {
                assert!(
                    m.get(MF::DisabilityGrade).as_code().is_some() && m.get(MF::DisabilityCategory).as_code().is_some()
                );
            }
            if (16..=59).contains(&a) && school == "not_student" {
                working_age += 1;
                migrants += usize::from(!m.get(MF::MigrantPlace).is_null());
            }
            if a < 16 {
                assert_eq!(m.get(MF::LabourSkill).as_code(), Some("none"));
            }
        }
    }
    let share = |k: &str, of: usize| *count.get(k).unwrap_or(&0) as f64 / of as f64;
    let mut keys: Vec<_> = count.keys().cloned().collect();
    keys.sort();
    for k in &keys {
        let of = if k.starts_with("health") { members } else { n };
        eprintln!("{k:24} {:6.2} %", 100.0 * share(k, of));
    }
    let migrant_share = migrants as f64 / working_age as f64;
    let in_band = exited_in_band as f64 / exited as f64;
    eprintln!(
        "migrants {:.1} % of working age; exited per-capita 8–25k: {:.1} %",
        100.0 * migrant_share,
        100.0 * in_band
    );
    assert!((0.70..=0.90).contains(&share("type:exited", n)));
    assert!((0.05..=0.12).contains(&share("type:monitored", n)));
    let top = keys.iter().filter(|k| k.starts_with("cause:")).max_by_key(|k| count[*k]).unwrap();
    assert_eq!(top, "cause:illness");
    assert!((0.35..=0.45).contains(&share("cause:illness", n)));
    assert!((0.14..=0.22).contains(&share("cause:disability", n)));
    assert!((0.65..=0.75).contains(&share("attr:general", n)));
    assert!((0.18..=0.26).contains(&share("attr:dibao", n)));
    assert!((0.06..=0.10).contains(&share("attr:tekun", n)));
    assert!(share("tekun_single", n) > 0.6 * share("attr:tekun", n));
    assert!((0.12..=0.18).contains(&share("size:1", n)));
    assert!((0.09..=0.15).contains(&share("health:chronic", members)));
    assert!((0.025..=0.06).contains(&share("health:serious_illness", members)));
    assert!((0.05..=0.09).contains(&share("health:disabled", members)));
    assert!((0.28..=0.42).contains(&migrant_share));
    assert!(in_band > 0.8);
}
