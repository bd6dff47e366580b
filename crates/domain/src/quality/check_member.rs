//! Rules over one member: the ID number, age against school, education, labour, posts and support,
//! required fields and ranges.

use super::evaluate::Out;
use super::facts::{MemberFacts, is_healthy, is_migrant, is_student, says_yes, sex_of, who};
use super::ids::IdReading;
use super::Rule;
use crate::fields::{FieldRef, MemberField as MF};
use crate::registry::MemberRecord;
use crate::value::{format_value, Value};

/// A member value as the registry shows it (labels, not codes).
pub fn shown(m: &MemberRecord, f: MF) -> String {
    format_value(f.def().kind, m.get(f))
}

fn yuan(fen: i64) -> String {
    crate::value::format_hundredths(fen)
}

pub fn check(out: &mut Out<'_, '_>, i: usize, m: &MemberRecord, f: &MemberFacts) {
    let w = || who(m, f);
    match &f.id {
        IdReading::Broken(rule, why) => out.member(*rule, i, format!("{}：{}", w(), why)),
        IdReading::Valid { birth, sex } => {
            if let Some(d) = m.get(MF::BirthDate).as_date()
                && d != *birth {
                    out.member(Rule::BirthDateVsId, i, format!("{}：出生日期 {} 与身份证号中的 {} 不符", w(), d, birth));
                }
            if let Some(s) = sex_of(m)
                && s != *sex {
                    out.member(Rule::SexVsId, i, format!("{}：性别为“{}”，身份证号第 17 位表示“{}”", w(), s.label(), sex.label()));
                }
        }
    }
    if m.get(MF::Relation).is_null() {
        out.member(Rule::RelationMissing, i, format!("{}：与户主关系为空", w()));
    }
    let rules = out.ctx.rules;
    let school = m.get(MF::SchoolStatus).as_code();
    let healthy = is_healthy(m);
    if let Some(age) = f.age {
        let sa = f.school_age.unwrap_or(age);
        let pre_school = matches!(school, Some("preschool_age" | "preschool")) || m.get(MF::Education).as_code() == Some("none_preschool");
        if pre_school && healthy && sa >= rules.int(Rule::PreschoolTooOld, "age") {
            out.member(Rule::PreschoolTooOld, i, format!("{}：健康，学年年龄 {} 岁，登记为“{}”/“{}”", w(), sa, shown(m, MF::SchoolStatus), shown(m, MF::Education)));
        }
        if matches!(m.get(MF::Education).as_code(), Some("technician" | "college" | "bachelor")) && age < rules.int(Rule::HigherEducationTooYoung, "age") {
            out.member(Rule::HigherEducationTooYoung, i, format!("{}：文化程度为“{}”", w(), shown(m, MF::Education)));
        }
        if matches!(m.get(MF::LabourSkill).as_code(), Some("ordinary" | "skilled" | "weak")) && age < rules.int(Rule::LabourTooYoung, "age") {
            out.member(Rule::LabourTooYoung, i, format!("{}：劳动技能为“{}”", w(), shown(m, MF::LabourSkill)));
        }
        let (from, to) = (rules.int(Rule::WorkingAgeWithoutLabour, "from"), rules.int(Rule::WorkingAgeWithoutLabour, "to"));
        if f.age_in(from, to) && healthy && !is_student(m) && matches!(m.get(MF::LabourSkill).as_code(), Some("weak" | "none" | "lost")) {
            out.member(Rule::WorkingAgeWithoutLabour, i, format!("{}：健康、非在校生，劳动技能为“{}”", w(), shown(m, MF::LabourSkill)));
        }
        let (from, to) = (rules.int(Rule::OutOfSchoolNoReason, "from"), rules.int(Rule::OutOfSchoolNoReason, "to"));
        if sa >= from && sa <= to && !is_student(m) && m.get(MF::NotInSchoolReason).is_null() {
            out.member(Rule::OutOfSchoolNoReason, i, format!("{}：学年年龄 {} 岁，在校生状况为“{}”，未填写未上学原因", w(), sa, shown(m, MF::SchoolStatus)));
        }
        if says_yes(m, MF::WelfarePost) && (age < rules.int(Rule::WelfarePostAge, "min") || age >= rules.int(Rule::WelfarePostAge, "max")) {
            out.member(Rule::WelfarePostAge, i, format!("{}：公益性岗位“{}”", w(), shown(m, MF::WelfarePost)));
        }
        let (from, to) = (rules.int(Rule::TekunWorkingAge, "from"), rules.int(Rule::TekunWorkingAge, "to"));
        if says_yes(m, MF::Tekun) && f.age_in(from, to) && healthy && !is_student(m) {
            out.member(Rule::TekunWorkingAge, i, format!("{}：健康、非在校生，享受特困供养", w()));
        }
        if is_migrant(m) && age < rules.int(Rule::ChildMigrant, "age") {
            out.member(Rule::ChildMigrant, i, format!("{}：务工状况“{}”，务工 {} 个月", w(), shown(m, MF::MigrantStatus), shown(m, MF::MigrantMonths)));
        }
        if let Some((lo, hi)) = school.and_then(expected_school_age) {
            let tol = rules.int(Rule::GradeVsAge, "tolerance");
            if sa < lo - tol || sa > hi + tol {
                out.member(Rule::GradeVsAge, i, format!("{}：学年年龄 {} 岁，就读“{}”", w(), sa, shown(m, MF::SchoolStatus)));
            }
        }
        if age >= rules.int(Rule::ImplausibleAge, "age") {
            out.member(Rule::ImplausibleAge, i, format!("{}：出生于 {}", w(), f.birth.map(|b| b.to_string()).unwrap_or_default()));
        }
        if out.on(Rule::MemberRequired) {
            let mut missing: Vec<&str> = missing_of(m, rules.fields(Rule::MemberRequired, "all"));
            if age >= rules.int(Rule::MemberRequired, "adult_age") {
                missing.extend(missing_of(m, rules.fields(Rule::MemberRequired, "adult")));
            }
            if !missing.is_empty() {
                out.member(Rule::MemberRequired, i, format!("{}：{} 为空", w(), missing.join("、")));
            }
        }
    }
    if is_student(m) && (is_migrant(m) || m.get(MF::PlansMigrantWork).as_bool() == Some(true)) {
        out.member(Rule::StudentMigrant, i, format!("{}：在校生状况为“{}”，同时登记为务工或计划务工", w(), shown(m, MF::SchoolStatus)));
    }
    if is_student(m) && !m.get(MF::NotInSchoolReason).is_null() {
        out.member(Rule::ReasonWithoutNeed, i, format!("{}：在校生状况为“{}”，未上学原因为“{}”", w(), shown(m, MF::SchoolStatus), shown(m, MF::NotInSchoolReason)));
    }
    if let Some(v) = m.get(MF::MigrantMonthlyIncome).as_int() {
        let (lo, hi) = (rules.int(Rule::MigrantIncomeRange, "min"), rules.int(Rule::MigrantIncomeRange, "max"));
        if is_migrant(m) && (v < lo || v > hi) || v < 0 {
            out.member(Rule::MigrantIncomeRange, i, format!("{}：务工月收入 {} 元，应在 {}–{} 元之间", w(), yuan(v), yuan(lo), yuan(hi)));
        }
    }
    let max_months = rules.int(Rule::MonthsRange, "max");
    for fld in [MF::MigrantMonths, MF::WelfarePostMonths] {
        if let Some(n) = m.get(fld).as_int()
            && (n > max_months || n < 0) {
                out.member(Rule::MonthsRange, i, format!("{}：{}为 {}", w(), fld.def().label, n));
            }
    }
}

/// The labels of the member fields in `fields` that are empty.
fn missing_of(m: &MemberRecord, fields: &[FieldRef]) -> Vec<&'static str> {
    fields
        .iter()
        .filter_map(|f| match f {
            FieldRef::Member(mf) if matches!(m.get(*mf), Value::Null) => Some(mf.def().label),
            _ => None,
        })
        .collect()
}

/// The school-year ages a grade is normally attended at.
fn expected_school_age(code: &str) -> Option<(i64, i64)> {
    let grade = |s: &str| s.rsplit('_').next().and_then(|g| g.parse::<i64>().ok());
    Some(match code {
        "preschool" => (3, 5),
        c if c.starts_with("primary_") => {
            let g = grade(c)?;
            (5 + g, 5 + g)
        }
        c if c.starts_with("junior_") => {
            let g = grade(c)?;
            (5 + g, 5 + g)
        }
        c if c.starts_with("senior_") || c.starts_with("vocational_") => {
            let g = grade(c)?;
            (14 + g, 14 + g)
        }
        c if c.starts_with("higher_vocational_") => {
            let g = grade(c)?;
            (17 + g, 17 + g)
        }
        "college" => (18, 200),
        _ => return None,
    })
}
