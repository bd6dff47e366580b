//! Hand-built households for the checks' tests: a clean poor household that passes every exit item.

use crate::fields::{HouseholdField as HF, MemberField as MF, HOUSEHOLD_FIELD_COUNT, MEMBER_FIELD_COUNT};
use crate::registry::{HouseholdDoc, IncomeRecord, MemberRecord, INCOME_FIELDS};
use crate::resident_id::{ResidentId, Sex};
use crate::value::Value;
use chrono::NaiveDate;

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

/// 2026-11-23, the day these tests are written for.
pub fn today() -> NaiveDate {
    date(2026, 11, 23)
}

/// A member born on `birth` (yyyymmdd), healthy, insured.
pub fn person(birth: &str, seq: &str, name: &str, relation: &'static str, school: &'static str) -> MemberRecord {
    let rid = ResidentId::from_body(&format!("510123{birth}{seq}")).expect("test id");
    let mut values = vec![Value::Null; MEMBER_FIELD_COUNT];
    let mut set = |f: MF, v: Value| values[f as usize] = v;
    set(MF::Name, Value::Text(name.into()));
    set(MF::IdType, Value::Code("resident_id"));
    set(MF::IdNumber, Value::Text(rid.as_str().into()));
    set(MF::Sex, Value::Code(if rid.sex() == Sex::Male { "male" } else { "female" }));
    set(MF::BirthDate, Value::Date(rid.birth_date()));
    set(MF::Relation, Value::Code(relation));
    set(MF::Health, Value::Code("healthy"));
    set(MF::SchoolStatus, Value::Code(school));
    set(MF::ResidentMedicalInsurance, Value::Bool(true));
    MemberRecord { values, resident_id: rid }
}

/// Income of one year with the per-capita net income given (fen).
pub fn income(year: i64, net: Option<i64>, per_capita: Option<i64>) -> IncomeRecord {
    let mut r = IncomeRecord { year, ..IncomeRecord::default() };
    for (i, f) in INCOME_FIELDS.iter().enumerate() {
        match f {
            HF::NetIncome => r.amounts[i] = net,
            HF::PerCapitaNetIncome => r.amounts[i] = per_capita,
            _ => {}
        }
    }
    r
}

/// A poor household of four — a couple, a son of 12 in seventh grade, a daughter of 3 — whose
/// 2026 per-capita net income is 5,000 元 and whose guarantees are all met.
pub fn poor_household() -> HouseholdDoc {
    let mut doc = HouseholdDoc { values: vec![Value::Null; HOUSEHOLD_FIELD_COUNT], members: Vec::new(), incomes: Vec::new() };
    doc.set(HF::HouseholdNo, Value::Text("5101230010010001".into()));
    doc.set(HF::HouseholdType, Value::Code("poor"));
    for (f, b) in [
        (HF::FoodClothingSecure, true),
        (HF::EducationSecure, true),
        (HF::MedicalSecure, true),
        (HF::HousingSecure, true),
        (HF::SafeDrinkingWater, true),
        (HF::DangerousHouse, false),
    ] {
        doc.set(f, Value::Bool(b));
    }
    doc.set(HF::HousingGrade, Value::Code("B"));
    doc.members = vec![
        person("19800305", "001", "王大山", "head", "not_student"),
        person("19820716", "002", "李秀英", "spouse", "not_student"),
        person("20140520", "003", "王小明", "son", "junior_7"),
        person("20230101", "004", "王小红", "daughter", "preschool_age"),
    ];
    doc.incomes = vec![income(2025, Some(1_500_000), Some(375_000)), income(2026, Some(2_000_000), Some(500_000))];
    doc
}
