//! The household exit checklist (一超两不愁三保障 + 饮水安全): per-capita net income at or above the
//! year's poverty line, food and clothing, compulsory education, basic medical insurance, safe
//! housing and safe drinking water, read from the registry. Every item blocks.

use super::{type_label, yuan, CheckResult};
use crate::fields::{HouseholdField as HF, MemberField as MF};
use crate::quality::{LineKind, Lines};
use crate::registry::{HouseholdDoc, MemberRecord};
use crate::vocab::code;
use chrono::{Datelike, NaiveDate};

/// Compulsory-education ages (school-year age, on the last 1 September).
pub const SCHOOL_AGE_FROM: i64 = 6;
pub const SCHOOL_AGE_TO: i64 = 15;

/// The latest year's per-capita net income: (year, fen, whether it was computed as 家庭纯收入 ÷
/// members because 人均纯收入 was empty).
pub fn per_capita_income(doc: &HouseholdDoc) -> Option<(i64, i64, bool)> {
    let inc = doc.latest_income()?;
    if let Some(pc) = inc.amount(HF::PerCapitaNetIncome) {
        return Some((inc.year, pc, false));
    }
    let n = doc.members.len() as i64;
    let net = inc.amount(HF::NetIncome)?;
    (n > 0).then(|| (inc.year, net / n, true))
}

/// The income item shared by exit and identification: the sentence for the latest income against
/// the year's line, and whether it is at or above the line. `None` for the verdict when the income,
/// its year or the line is missing (the sentence says which).
pub(super) fn income_against_line(doc: &HouseholdDoc, today: NaiveDate, lines: &Lines) -> (Option<bool>, String) {
    let Some((year, pc, derived)) = per_capita_income(doc) else {
        return (None, "没有年度收入记录（人均纯收入和家庭纯收入均为空），请先入户核实并录入收入".into());
    };
    let oldest = i64::from(today.year()) - 1;
    if year < oldest {
        return (None, format!("最近一次收入为 {year} 年，已过时；请录入 {oldest} 年或 {} 年收入", oldest + 1));
    }
    let Some(line) = lines.for_year(LineKind::Poverty, year) else {
        return (None, format!("没有 {year} 年及以前的扶贫标准，请先在参考数据中设置"));
    };
    let how = if derived { "（按家庭纯收入 ÷ 家庭人口计算）" } else { "" };
    let above = pc >= line;
    let cmp = if pc > line { "高于" } else if pc == line { "等于" } else { "低于" };
    (Some(above), format!("{year} 年人均纯收入 {} 元{how}，{cmp} {year} 年扶贫标准 {} 元", yuan(pc), yuan(line)))
}

/// Completed years on `on`.
pub(super) fn years_on(birth: NaiveDate, on: NaiveDate) -> i64 {
    let mut y = i64::from(on.year() - birth.year());
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        y -= 1;
    }
    y
}

/// The age the school year goes by: completed years on the last 1 September.
pub(super) fn school_age(m: &MemberRecord, today: NaiveDate) -> i64 {
    let y = if today.month() >= 9 { today.year() } else { today.year() - 1 };
    let sept = NaiveDate::from_ymd_opt(y, 9, 1).unwrap_or(today);
    let birth = m.get(MF::BirthDate).as_date().unwrap_or_else(|| m.resident_id.birth_date());
    years_on(birth, sept)
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "是",
        Some(false) => "否",
        None => "未填",
    }
}

/// The exit checklist of one household on `today`, with the poverty lines by year (the line used is
/// the one of the latest income year, so an exit in early 2027 on 2026 income uses the 2026 line).
/// Items: EXIT-TYPE, EXIT-INC, EXIT-FOOD (the registry's one 不愁吃不愁穿 field; there is no separate
/// 不愁穿 field, so no EXIT-CLOTH), EXIT-EDU, EXIT-MED, EXIT-HOUSE, EXIT-WATER — all blocking. An
/// empty field fails its item: exit needs a verified yes.
pub fn household_exit(doc: &HouseholdDoc, today: NaiveDate, lines: &Lines) -> Vec<CheckResult> {
    let t = doc.household_type();
    let type_ok = t == Some(code::POOR);
    let type_detail = if type_ok {
        "户类型为“贫困户”".to_string()
    } else {
        format!("户类型为“{}”，只有贫困户可以办理退出", type_label(t))
    };
    let (inc_ok, inc_detail) = income_against_line(doc, today, lines);
    vec![
        CheckResult::blocking("EXIT-TYPE", "户类型为贫困户", type_ok, type_detail),
        CheckResult::blocking("EXIT-INC", "人均纯收入稳定超过扶贫标准", inc_ok == Some(true), inc_detail),
        food(doc),
        education(doc, today),
        medical(doc),
        housing(doc),
        water(doc),
    ]
}

fn food(doc: &HouseholdDoc) -> CheckResult {
    let v = doc.get(HF::FoodClothingSecure).as_bool();
    let detail = match v {
        Some(true) => "不愁吃不愁穿：是".to_string(),
        Some(false) => "不愁吃不愁穿：否".to_string(),
        None => "“不愁吃不愁穿”未填写，请入户核实后填写".to_string(),
    };
    CheckResult::blocking("EXIT-FOOD", "不愁吃、不愁穿", v == Some(true), detail)
}

fn education(doc: &HouseholdDoc, today: NaiveDate) -> CheckResult {
    let title = "义务教育有保障";
    let (mut problems, mut excused, mut in_school) = (Vec::new(), Vec::new(), 0);
    for m in &doc.members {
        let age = school_age(m, today);
        if !(SCHOOL_AGE_FROM..=SCHOOL_AGE_TO).contains(&age) {
            continue;
        }
        let status = m.get(MF::SchoolStatus).as_code();
        let studying = matches!(status, Some(c) if c != "not_student" && c != "preschool_age");
        if studying {
            in_school += 1;
            continue;
        }
        match (status, m.get(MF::NotInSchoolReason).as_code()) {
            (None, _) => problems.push(format!("{}（{age} 岁）在校生状况未填写", m.name())),
            (_, Some(r @ ("disability" | "illness"))) => {
                let why = if r == "disability" { "因残" } else { "因病" };
                excused.push(format!("{}（{age} 岁）{why}不具备就学条件（送教上门视为在校）", m.name()));
            }
            (_, Some(r)) => {
                let label = crate::vocab::NOT_IN_SCHOOL_REASON.by_code(r).map(|t| t.label).unwrap_or(r);
                problems.push(format!("{}（{age} 岁）未在校，未上学原因为“{label}”", m.name()));
            }
            (_, None) => problems.push(format!("{}（{age} 岁）未在校，且未填写未上学原因", m.name())),
        }
    }
    let declared = doc.get(HF::EducationSecure).as_bool();
    if declared == Some(false) {
        problems.insert(0, "“义务教育有保障”填为“否”".into());
    }
    let passed = problems.is_empty();
    let detail = if !passed {
        problems.join("；")
    } else if in_school + excused.len() == 0 {
        format!("无义务教育阶段（{SCHOOL_AGE_FROM}–{SCHOOL_AGE_TO} 岁）成员")
    } else {
        let mut s = format!("义务教育阶段（{SCHOOL_AGE_FROM}–{SCHOOL_AGE_TO} 岁）成员 {} 人，在校 {in_school} 人", in_school + excused.len());
        if !excused.is_empty() {
            s.push('；');
            s.push_str(&excused.join("；"));
        }
        s
    };
    CheckResult::blocking("EXIT-EDU", title, passed, detail)
}

fn medical(doc: &HouseholdDoc) -> CheckResult {
    let mut problems = Vec::new();
    if doc.get(HF::MedicalSecure).as_bool() == Some(false) {
        problems.push("“基本医疗有保障”填为“否”".to_string());
    }
    let (mut uninsured, mut unknown) = (Vec::new(), Vec::new());
    for m in &doc.members {
        let resident = m.get(MF::ResidentMedicalInsurance).as_bool();
        let employee = m.get(MF::EmployeeMedicalInsurance).as_bool();
        if resident == Some(true) || employee == Some(true) {
            continue;
        }
        if resident.is_none() && employee.is_none() { unknown.push(m.name()) } else { uninsured.push(m.name()) }
    }
    if !uninsured.is_empty() {
        problems.push(format!("{} 未参加基本医疗保险", uninsured.join("、")));
    }
    if !unknown.is_empty() {
        problems.push(format!("{} 的基本医疗保险参保情况未填写", unknown.join("、")));
    }
    if doc.members.is_empty() {
        problems.push("该户没有成员".into());
    }
    let passed = problems.is_empty();
    let detail = if passed { format!("{} 名成员均参加城乡居民或城镇职工基本医疗保险", doc.members.len()) } else { problems.join("；") };
    CheckResult::blocking("EXIT-MED", "基本医疗有保障", passed, detail)
}

fn housing(doc: &HouseholdDoc) -> CheckResult {
    let grade = doc.get(HF::HousingGrade).as_code();
    let dangerous = doc.get(HF::DangerousHouse).as_bool();
    let secure = doc.get(HF::HousingSecure).as_bool();
    let safe_grade = matches!(grade, Some("A" | "B"));
    let bad_grade = matches!(grade, Some("C" | "D"));
    let passed = dangerous != Some(true) && !bad_grade && secure != Some(false) && (safe_grade || secure == Some(true));
    let grade_text = grade.map(|g| format!("{g}级")).unwrap_or_else(|| "未填".into());
    let mut detail = format!("危房等级：{grade_text}；是否危房户：{}；住房安全有保障：{}", yes_no(dangerous), yes_no(secure));
    if !passed {
        detail.push_str(if bad_grade || dangerous == Some(true) {
            "。C、D 级为危房，须改造或重建并经鉴定为 A、B 级"
        } else {
            "。须经住建部门鉴定为 A、B 级或确认住房安全有保障"
        });
    }
    CheckResult::blocking("EXIT-HOUSE", "住房安全有保障", passed, detail)
}

fn water(doc: &HouseholdDoc) -> CheckResult {
    let v = doc.get(HF::SafeDrinkingWater).as_bool();
    let detail = match v {
        Some(true) => "已解决安全饮用水".to_string(),
        Some(false) => "未解决安全饮用水（水量、水质、取水方便程度或供水保证率不达标）".to_string(),
        None => "“是否解决安全饮用水”未填写，请入户核实后填写".to_string(),
    };
    CheckResult::blocking("EXIT-WATER", "饮水安全有保障", v == Some(true), detail)
}

#[cfg(test)]
mod tests {
    use super::super::testdoc::{date, income, person, poor_household, today};
    use super::*;
    use crate::value::Value;

    fn run(doc: &HouseholdDoc) -> Vec<CheckResult> {
        household_exit(doc, today(), &Lines::national_defaults())
    }

    fn item<'a>(r: &'a [CheckResult], code: &str) -> &'a CheckResult {
        r.iter().find(|c| c.code == code).expect("item present")
    }

    #[test]
    fn a_household_meeting_everything_passes_every_blocking_item() {
        let r = run(&poor_household());
        let codes: Vec<&str> = r.iter().map(|c| c.code).collect();
        assert_eq!(codes, ["EXIT-TYPE", "EXIT-INC", "EXIT-FOOD", "EXIT-EDU", "EXIT-MED", "EXIT-HOUSE", "EXIT-WATER"]);
        assert!(r.iter().all(|c| c.passed && c.blocking), "{r:#?}");
        assert_eq!(item(&r, "EXIT-INC").detail, "2026 年人均纯收入 5,000.00 元，高于 2026 年扶贫标准 4,000.00 元");
        assert_eq!(item(&r, "EXIT-EDU").detail, "义务教育阶段（6–15 岁）成员 1 人，在校 1 人");
        assert_eq!(item(&r, "EXIT-MED").detail, "4 名成员均参加城乡居民或城镇职工基本医疗保险");
    }

    #[test]
    fn only_a_poor_household_can_exit() {
        let mut doc = poor_household();
        doc.set(HF::HouseholdType, Value::Code("exited"));
        let r = run(&doc);
        assert!(!item(&r, "EXIT-TYPE").passed);
        assert_eq!(item(&r, "EXIT-TYPE").detail, "户类型为“脱贫户”，只有贫困户可以办理退出");
        doc.set(HF::HouseholdType, Value::Null);
        assert!(item(&run(&doc), "EXIT-TYPE").detail.contains("未填"));
    }

    #[test]
    fn income_below_the_line_fails_with_both_numbers() {
        let mut doc = poor_household();
        doc.incomes.push(income(2026, None, Some(351_200)));
        doc.incomes.remove(1);
        let r = item(&run(&doc), "EXIT-INC").clone();
        assert!(!r.passed && r.blocking);
        assert_eq!(r.detail, "2026 年人均纯收入 3,512.00 元，低于 2026 年扶贫标准 4,000.00 元");
        let mut lines = Lines::national_defaults();
        lines.set(LineKind::Poverty, 2026, 351_200);
        let r = household_exit(&doc, today(), &lines);
        assert!(item(&r, "EXIT-INC").passed);
        assert!(item(&r, "EXIT-INC").detail.contains("等于"));
    }

    #[test]
    fn income_is_computed_from_net_income_when_per_capita_is_empty() {
        let mut doc = poor_household();
        doc.incomes = vec![income(2026, Some(1_400_000), None)];
        let r = item(&run(&doc), "EXIT-INC").clone();
        assert!(!r.passed);
        assert_eq!(r.detail, "2026 年人均纯收入 3,500.00 元（按家庭纯收入 ÷ 家庭人口计算），低于 2026 年扶贫标准 4,000.00 元");
    }

    #[test]
    fn missing_or_stale_income_fails() {
        let mut doc = poor_household();
        doc.incomes.clear();
        assert!(item(&run(&doc), "EXIT-INC").detail.starts_with("没有年度收入记录"));
        doc.incomes = vec![income(2024, None, Some(900_000))];
        let r = item(&run(&doc), "EXIT-INC").clone();
        assert!(!r.passed);
        assert_eq!(r.detail, "最近一次收入为 2024 年，已过时；请录入 2025 年或 2026 年收入");
        // In spring 2027 the 2026 income is current.
        let mut doc = poor_household();
        doc.incomes.remove(0);
        assert!(item(&household_exit(&doc, date(2027, 3, 1), &Lines::national_defaults()), "EXIT-INC").passed);
        assert!(!item(&household_exit(&doc, date(2026, 1, 1), &Lines::default()), "EXIT-INC").passed);
    }

    #[test]
    fn food_and_clothing_must_be_a_verified_yes() {
        let mut doc = poor_household();
        doc.set(HF::FoodClothingSecure, Value::Null);
        let r = item(&run(&doc), "EXIT-FOOD").clone();
        assert!(!r.passed);
        assert!(r.detail.contains("未填写"));
        doc.set(HF::FoodClothingSecure, Value::Bool(false));
        assert!(!item(&run(&doc), "EXIT-FOOD").passed);
    }

    #[test]
    fn a_school_age_child_out_of_school_fails_unless_disabled_or_ill() {
        let mut doc = poor_household();
        doc.members[2].set(MF::SchoolStatus, Value::Code("not_student"));
        let r = item(&run(&doc), "EXIT-EDU").clone();
        assert!(!r.passed);
        assert_eq!(r.detail, "王小明（12 岁）未在校，且未填写未上学原因");
        doc.members[2].set(MF::NotInSchoolReason, Value::Code("learning_difficulty"));
        assert_eq!(item(&run(&doc), "EXIT-EDU").detail, "王小明（12 岁）未在校，未上学原因为“因学习困难”");
        doc.members[2].set(MF::NotInSchoolReason, Value::Code("disability"));
        let r = item(&run(&doc), "EXIT-EDU").clone();
        assert!(r.passed, "{r:?}");
        assert!(r.detail.contains("因残不具备就学条件（送教上门视为在校）"));
        doc.members[2].set(MF::SchoolStatus, Value::Null);
        assert!(item(&run(&doc), "EXIT-EDU").detail.contains("在校生状况未填写"));
    }

    #[test]
    fn children_outside_compulsory_age_are_not_checked() {
        let mut doc = poor_household();
        doc.members.truncate(2);
        doc.members.push(person("20080101", "005", "王大宝", "son", "not_student")); // 18
        doc.members.push(person("20210101", "006", "王二宝", "son", "preschool_age")); // 5
        let r = item(&run(&doc), "EXIT-EDU").clone();
        assert!(r.passed);
        assert_eq!(r.detail, "无义务教育阶段（6–15 岁）成员");
        doc.set(HF::EducationSecure, Value::Bool(false));
        assert!(!item(&run(&doc), "EXIT-EDU").passed);
    }

    #[test]
    fn every_member_needs_basic_medical_insurance() {
        let mut doc = poor_household();
        doc.members[1].set(MF::ResidentMedicalInsurance, Value::Bool(false));
        doc.members[3].set(MF::ResidentMedicalInsurance, Value::Null);
        let r = item(&run(&doc), "EXIT-MED").clone();
        assert!(!r.passed);
        assert_eq!(r.detail, "李秀英 未参加基本医疗保险；王小红 的基本医疗保险参保情况未填写");
        // Employee insurance counts.
        doc.members[1].set(MF::EmployeeMedicalInsurance, Value::Bool(true));
        doc.members[3].set(MF::ResidentMedicalInsurance, Value::Bool(true));
        assert!(item(&run(&doc), "EXIT-MED").passed);
    }

    #[test]
    fn housing_must_be_grade_a_or_b_and_not_dangerous() {
        let mut doc = poor_household();
        doc.set(HF::HousingGrade, Value::Code("C"));
        let r = item(&run(&doc), "EXIT-HOUSE").clone();
        assert!(!r.passed);
        assert!(r.detail.starts_with("危房等级：C级；是否危房户：否；住房安全有保障：是。C、D 级为危房"), "{}", r.detail);
        doc.set(HF::HousingGrade, Value::Code("A"));
        doc.set(HF::DangerousHouse, Value::Bool(true));
        assert!(!item(&run(&doc), "EXIT-HOUSE").passed);
        doc.set(HF::DangerousHouse, Value::Null);
        assert!(item(&run(&doc), "EXIT-HOUSE").passed);
        // No grade and no declaration: not shown to be safe.
        doc.set(HF::HousingGrade, Value::Null);
        doc.set(HF::HousingSecure, Value::Null);
        let r = item(&run(&doc), "EXIT-HOUSE").clone();
        assert!(!r.passed);
        assert!(r.detail.contains("须经住建部门鉴定"));
        doc.set(HF::HousingSecure, Value::Bool(true));
        assert!(item(&run(&doc), "EXIT-HOUSE").passed);
    }

    #[test]
    fn drinking_water_must_be_safe() {
        let mut doc = poor_household();
        doc.set(HF::SafeDrinkingWater, Value::Bool(false));
        assert!(!item(&run(&doc), "EXIT-WATER").passed);
        doc.set(HF::SafeDrinkingWater, Value::Null);
        assert!(item(&run(&doc), "EXIT-WATER").detail.contains("未填写"));
    }
}
