//! What the checks need to know about each member, computed once per household.

use super::ids::{IdReading, read_id};
use crate::fields::MemberField as MF;
use crate::registry::MemberRecord;
use crate::resident_id::Sex;
use chrono::{Datelike, NaiveDate};

/// One member's derived facts.
pub struct MemberFacts {
    pub birth: Option<NaiveDate>,
    /// Completed years today.
    pub age: Option<i64>,
    /// Completed years on the last 1 September: the age the school year goes by.
    pub school_age: Option<i64>,
    pub id: IdReading,
}

pub fn years_between(birth: NaiveDate, on: NaiveDate) -> i64 {
    let mut y = i64::from(on.year() - birth.year());
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        y -= 1;
    }
    y
}

/// The last 1 September on or before `today`.
pub fn school_year_start(today: NaiveDate) -> NaiveDate {
    let y = if today.month() >= 9 { today.year() } else { today.year() - 1 };
    NaiveDate::from_ymd_opt(y, 9, 1).unwrap_or(today)
}

impl MemberFacts {
    pub fn of(m: &MemberRecord, today: NaiveDate) -> MemberFacts {
        let id = read_id(m.get(MF::IdNumber).as_text().unwrap_or_default(), m.get(MF::IdType).as_code(), today);
        let birth = m.get(MF::BirthDate).as_date().or(match &id {
            IdReading::Valid { birth, .. } => Some(*birth),
            IdReading::Broken(..) => None,
        });
        let age = birth.map(|b| years_between(b, today));
        let school_age = birth.map(|b| years_between(b, school_year_start(today)));
        MemberFacts { birth, age, school_age, id }
    }

    pub fn age_in(&self, from: i64, to: i64) -> bool {
        self.age.is_some_and(|a| a >= from && a <= to)
    }
}

pub fn sex_of(m: &MemberRecord) -> Option<Sex> {
    match m.get(MF::Sex).as_code() {
        Some("male") => Some(Sex::Male),
        Some("female") => Some(Sex::Female),
        _ => None,
    }
}

pub fn is_healthy(m: &MemberRecord) -> bool {
    m.get(MF::Health).as_code() == Some("healthy")
}

/// In school at any stage (学前教育 included).
pub fn is_student(m: &MemberRecord) -> bool {
    matches!(m.get(MF::SchoolStatus).as_code(), Some(c) if c != "not_student" && c != "preschool_age")
}

/// Can work: ordinary or skilled labour.
pub fn can_work(m: &MemberRecord) -> bool {
    matches!(m.get(MF::LabourSkill).as_code(), Some("ordinary" | "skilled"))
}

/// Has any labour capacity (weak labour counts).
pub fn has_labour(m: &MemberRecord) -> bool {
    matches!(m.get(MF::LabourSkill).as_code(), Some("ordinary" | "skilled" | "weak"))
}

/// A yes/no text field (享受低保, 公益性岗位 …) that says yes: 是, 享受, a post name, a year.
pub fn says_yes(m: &MemberRecord, f: MF) -> bool {
    match m.get(f).as_text().map(str::trim) {
        None | Some("") => false,
        Some(t) => !matches!(t, "否" | "无" | "未享受" | "不享受" | "没有" | "N" | "n" | "0" | "/" | "-"),
    }
}

/// Works as a migrant (务工状况 says so, or months are recorded).
pub fn is_migrant(m: &MemberRecord) -> bool {
    let status = m.get(MF::MigrantStatus).as_text().map(str::trim).unwrap_or_default();
    let by_status = !status.is_empty() && !matches!(status, "否" | "无" | "未务工" | "不务工" | "在家" | "/");
    by_status || m.get(MF::MigrantMonths).as_int().is_some_and(|n| n > 0)
}

/// Who a member is in a sentence: name, relation, age.
pub fn who(m: &MemberRecord, f: &MemberFacts) -> String {
    let rel = m.get(MF::Relation).as_code().and_then(|c| crate::vocab::RELATION.by_code(c).map(|t| t.label)).unwrap_or("成员");
    match f.age {
        Some(a) => format!("{}（{}，{} 岁）", m.name(), rel, a),
        None => format!("{}（{}）", m.name(), rel),
    }
}
