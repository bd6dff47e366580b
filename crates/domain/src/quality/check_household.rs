//! Rules over the household: required fields, ranges, the phone, risks against members, the
//! guarantees, measures, and monitoring timelines.

use super::evaluate::Out;
use super::facts::{MemberFacts, can_work, has_labour, is_healthy, is_student, says_yes};
use super::measures::MeasureKind;
use super::Rule;
use crate::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use crate::registry::HouseholdDoc;
use crate::value::{format_hundredths, Value};
use chrono::Months;

const CAUSES: [HF; 5] = [HF::Cause1, HF::Cause2, HF::Cause3, HF::Cause4, HF::Cause5];

fn has_cause(doc: &HouseholdDoc, code: &str) -> bool {
    CAUSES.iter().any(|f| doc.get(*f).as_code() == Some(code))
}

fn is_type(doc: &HouseholdDoc, code: &str) -> bool {
    doc.household_type() == Some(code)
}

/// A mobile (1[3-9] and 9 digits) or a landline with its area code.
pub fn is_valid_phone(p: &str) -> bool {
    let t: String = p.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let t = t.strip_prefix("+86").unwrap_or(&t);
    let b = t.as_bytes();
    b.iter().all(u8::is_ascii_digit)
        && ((b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])) || (b.first() == Some(&b'0') && (10..=12).contains(&b.len())))
}

pub fn check(out: &mut Out<'_, '_>, doc: &HouseholdDoc, facts: &[MemberFacts]) {
    required(out, doc);
    ranges(out, doc);
    if let Value::Secret(s) = doc.get(HF::Phone)
        && !is_valid_phone(s.reveal()) {
            out.household(Rule::PhoneFormat, format!("联系电话“{}”格式错误", s.masked()));
        }
    risks(out, doc, facts);
    guarantees(out, doc, facts);
    measures(out, doc);
    monitoring(out, doc);
}

fn required(out: &mut Out<'_, '_>, doc: &HouseholdDoc) {
    if !out.on(Rule::HouseholdRequired) {
        return;
    }
    let rules = out.ctx.rules;
    let mut lists = vec![rules.fields(Rule::HouseholdRequired, "all")];
    if is_type(doc, "exited") {
        lists.push(rules.fields(Rule::HouseholdRequired, "exited"));
    }
    if is_type(doc, "monitored") {
        lists.push(rules.fields(Rule::HouseholdRequired, "monitored"));
    }
    if doc.get(HF::RiskEliminated).as_bool() == Some(true) {
        lists.push(rules.fields(Rule::HouseholdRequired, "eliminated"));
    }
    let missing: Vec<&str> = lists
        .into_iter()
        .flatten()
        .filter_map(|f| match f {
            FieldRef::Household(hf) if hf.def().storage == crate::fields::Storage::Column && doc.get(*hf).is_null() => Some(hf.def().label),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        out.household(Rule::HouseholdRequired, format!("{} 为空", missing.join("、")));
    }
}

fn ranges(out: &mut Out<'_, '_>, doc: &HouseholdDoc) {
    let rules = out.ctx.rules;
    let over = |fields: &[HF], max: i64| -> Vec<String> {
        fields
            .iter()
            .filter_map(|f| doc.get(*f).as_int().filter(|v| *v < 0 || *v > max).map(|v| format!("{} {}", f.def().label, format_hundredths(v))))
            .collect()
    };
    let max = rules.int(Rule::LandRange, "max");
    let bad = over(&[HF::CultivatedLand, HF::Grassland, HF::WaterSurface], max);
    if !bad.is_empty() {
        out.household(Rule::LandRange, format!("{}，应在 0–{} 亩之间", bad.join("，"), format_hundredths(max)));
    }
    let max = rules.int(Rule::ForestRange, "max");
    let bad = over(&[HF::ForestLand, HF::ReturnedFarmland, HF::OrchardLand], max);
    if !bad.is_empty() {
        out.household(Rule::ForestRange, format!("{}，应在 0–{} 亩之间", bad.join("，"), format_hundredths(max)));
    }
    let max = rules.int(Rule::RoadDistanceRange, "max");
    let bad = over(&[HF::DistanceToRoad], max);
    if !bad.is_empty() {
        out.household(Rule::RoadDistanceRange, format!("{} 公里，应不超过 {} 公里", bad.join("，"), format_hundredths(max)));
    }
    if let Some(a) = doc.get(HF::HousingArea).as_int() {
        let (lo, hi) = (rules.int(Rule::HousingAreaRange, "min"), rules.int(Rule::HousingAreaRange, "max"));
        if a < lo || a > hi {
            out.household(Rule::HousingAreaRange, format!("住房面积 {} 平方米，应在 {}–{} 平方米之间", format_hundredths(a), format_hundredths(lo), format_hundredths(hi)));
        }
    }
    if let (Some(irr), Some(cul)) = (doc.get(HF::IrrigatedLand).as_int(), doc.get(HF::CultivatedLand).as_int())
        && irr > cul {
            out.household(Rule::IrrigatedOverCultivated, format!("有效灌溉面积 {} 亩大于耕地面积 {} 亩", format_hundredths(irr), format_hundredths(cul)));
        }
}

fn risks(out: &mut Out<'_, '_>, doc: &HouseholdDoc, facts: &[MemberFacts]) {
    let ms = &doc.members;
    if ms.is_empty() {
        return;
    }
    if has_cause(doc, "illness") && !ms.iter().any(|m| matches!(m.get(MF::Health).as_code(), Some("chronic" | "serious_illness"))) {
        out.household(Rule::IllnessWithoutPatient, "风险类型含“因病”，但没有成员的健康状况为长期慢性病或患有大病".into());
    }
    if has_cause(doc, "disability") && !ms.iter().any(|m| m.get(MF::Health).as_code() == Some("disabled") || !m.get(MF::DisabilityGrade).is_null()) {
        out.household(Rule::DisabilityWithoutDisabled, "风险类型含“因残”，但没有残疾成员".into());
    }
    if has_cause(doc, "schooling") && !ms.iter().any(is_student) {
        out.household(Rule::SchoolingWithoutStudent, "风险类型含“因学”，但没有在校生".into());
    }
    if has_cause(doc, "lack_labour") {
        let able = ms.iter().filter(|m| can_work(m)).count();
        let share = out.ctx.rules.int(Rule::LackLabourButAble, "share");
        if able * 100 > share as usize * ms.len() {
            out.household(Rule::LackLabourButAble, format!("风险类型含“缺劳力”，但 {} 名成员中有 {} 名为普通或技能劳动力", ms.len(), able));
        }
    }
    let causes: Vec<&str> = CAUSES.iter().filter_map(|f| doc.get(*f).as_code()).collect();
    if let Some(dup) = causes.iter().enumerate().find(|(i, c)| causes[..*i].contains(c)).map(|(_, c)| *c) {
        let label = crate::vocab::POVERTY_CAUSE.by_code(dup).map(|t| t.label).unwrap_or(dup);
        out.household(Rule::RepeatedCause, format!("“{label}”重复填写"));
    }
    if doc.get(HF::RiskEliminated).as_bool() == Some(true) && !ms.iter().any(has_labour) {
        out.household(Rule::ClearedWithoutLabour, "全户成员均为无劳动力或丧失劳动力，却标注风险已消除".into());
    }
    // A risk that is over (the household exited, or its risk was eliminated) was dealt with: the house
    // or the water being safe now is how it ended, and GUA-03 requires exactly that.
    let open_risk = !is_type(doc, "exited") && doc.get(HF::RiskEliminated).as_bool() != Some(true);
    let housing_safe = doc.get(HF::HousingSecure).as_bool() == Some(true) && doc.get(HF::DangerousHouse).as_bool() == Some(false);
    if open_risk && has_cause(doc, "unsafe_housing") && housing_safe {
        out.household(Rule::HousingRiskButSafe, "风险类型含“因安全住房”，但住房安全有保障且不是危房".into());
    }
    if open_risk && has_cause(doc, "unsafe_water") && doc.get(HF::SafeDrinkingWater).as_bool() == Some(true) {
        out.household(Rule::WaterRiskButSafe, "风险类型含“因安全饮水”，但已解决安全饮用水".into());
    }
    let dibao = ms.iter().any(|m| says_yes(m, MF::Dibao));
    let tekun = ms.iter().any(|m| says_yes(m, MF::Tekun));
    let attr = doc.get(HF::PovertyAttribute).as_code();
    let problem = match attr {
        Some("dibao") if !dibao => Some("贫困户属性为“低保”，但没有成员享受低保"),
        Some("tekun") if !tekun => Some("贫困户属性为“特困供养”，但没有成员享受特困供养"),
        Some("general") if tekun => Some("有成员享受特困供养，但贫困户属性为“一般”"),
        Some("general") if dibao => Some("有成员享受低保，但贫困户属性为“一般”"),
        _ => None,
    };
    if let Some(p) = problem {
        out.household(Rule::AttributeVsDibao, p.into());
    }
    let _ = facts;
}

fn guarantees(out: &mut Out<'_, '_>, doc: &HouseholdDoc, facts: &[MemberFacts]) {
    let secure = doc.get(HF::HousingSecure).as_bool() == Some(true);
    let dangerous = doc.get(HF::DangerousHouse).as_bool();
    let grade = doc.get(HF::HousingGrade).as_code();
    let bad_grade = matches!(grade, Some("C" | "D"));
    if secure && (dangerous == Some(true) || bad_grade) {
        out.household(Rule::DangerousButSecure, format!("危房等级“{}”、是否危房户“{}”，却标注住房安全有保障", grade.unwrap_or("未填"), if dangerous == Some(true) { "是" } else { "否" }));
    }
    if let (Some(g), Some(d)) = (grade, dangerous)
        && bad_grade != d {
            out.household(Rule::GradeVsDangerous, format!("危房等级为“{}级”，是否危房户为“{}”", g, if d { "是" } else { "否" }));
        }
    let exited_like = is_type(doc, "exited") || doc.get(HF::RiskEliminated).as_bool() == Some(true);
    if exited_like {
        let unmet: Vec<&str> = [HF::FoodClothingSecure, HF::EducationSecure, HF::MedicalSecure, HF::HousingSecure, HF::SafeDrinkingWater]
            .iter()
            .filter(|f| doc.get(**f).as_bool() == Some(false))
            .map(|f| f.def().label)
            .collect();
        if !unmet.is_empty() {
            out.household(Rule::ExitedWithUnmetGuarantee, format!("{}为“否”", unmet.join("、")));
        }
    }
    if doc.get(HF::EducationSecure).as_bool() == Some(true) {
        let (from, to) = (out.ctx.rules.int(Rule::DropoutButEducationSecure, "from"), out.ctx.rules.int(Rule::DropoutButEducationSecure, "to"));
        let kids: Vec<&str> = doc
            .members
            .iter()
            .zip(facts)
            .filter(|(m, f)| f.school_age.is_some_and(|a| a >= from && a <= to) && !is_student(m) && m.get(MF::NotInSchoolReason).as_code() != Some("disability"))
            .map(|(m, _)| m.name())
            .collect();
        if !kids.is_empty() {
            out.household(Rule::DropoutButEducationSecure, format!("{} 处于义务教育阶段但未在校", kids.join("、")));
        }
    }
    if doc.get(HF::MedicalSecure).as_bool() == Some(true) {
        let uninsured: Vec<&str> = doc
            .members
            .iter()
            .filter(|m| m.get(MF::ResidentMedicalInsurance).as_bool() == Some(false) && m.get(MF::EmployeeMedicalInsurance).as_bool() != Some(true))
            .map(|m| m.name())
            .collect();
        if !uninsured.is_empty() {
            out.household(Rule::UninsuredButMedicalSecure, format!("{} 未参加基本医疗保险", uninsured.join("、")));
        }
    }
}

fn measures(out: &mut Out<'_, '_>, doc: &HouseholdDoc) {
    let Some(ms) = out.ctx.measures else { return };
    let has = |k: MeasureKind| ms.iter().any(|m| m.kind == k);
    let members = &doc.members;
    let dibao = members.iter().any(|m| says_yes(m, MF::Dibao));
    let tekun = members.iter().any(|m| says_yes(m, MF::Tekun));
    let mut wrong = Vec::new();
    if dibao != has(MeasureKind::Dibao) {
        wrong.push(if dibao { "有成员享受低保但无低保兜底措施" } else { "有低保兜底措施但没有成员享受低保" });
    }
    if tekun != has(MeasureKind::Tekun) {
        wrong.push(if tekun { "有成员享受特困供养但无特困供养措施" } else { "有特困供养措施但没有成员享受特困供养" });
    }
    if !wrong.is_empty() {
        out.household(Rule::DibaoWithoutMeasure, wrong.join("；"));
    }
    let severe: Vec<&str> = members.iter().filter(|m| matches!(m.get(MF::DisabilityGrade).as_code(), Some("1" | "2"))).map(|m| m.name()).collect();
    if !severe.is_empty() && !has(MeasureKind::DisabilitySubsidy) {
        out.household(Rule::DisabledWithoutSubsidy, format!("{} 为一、二级残疾，无残疾人补贴措施", severe.join("、")));
    }
    let pairs = [
        ("schooling", "因学", &[MeasureKind::Education, MeasureKind::CompulsoryEducation][..]),
        ("disability", "因残", &[MeasureKind::DisabilitySubsidy, MeasureKind::Health][..]),
        ("unsafe_housing", "因安全住房", &[MeasureKind::Housing, MeasureKind::Relocation][..]),
        ("unsafe_water", "因安全饮水", &[MeasureKind::DrinkingWater][..]),
    ];
    let missing: Vec<&str> = pairs.iter().filter(|(c, _, kinds)| has_cause(doc, c) && !kinds.iter().any(|k| has(*k))).map(|p| p.1).collect();
    if !missing.is_empty() {
        out.household(Rule::RiskWithoutMeasure, format!("风险“{}”无对应帮扶措施", missing.join("、")));
    }
    if is_type(doc, "monitored") && doc.get(HF::RiskEliminated).as_bool() != Some(true) && members.iter().any(can_work)
        && let Some(since) = doc.get(HF::MonitoringIdentifiedOn).as_date() {
            let months = out.ctx.rules.int(Rule::NoDevelopmentMeasure, "months");
            let due = since.checked_add_months(Months::new(months.max(0) as u32)).unwrap_or(since);
            if due <= out.ctx.today && !ms.iter().any(|m| m.kind.is_developmental()) {
                out.household(Rule::NoDevelopmentMeasure, format!("{} 纳入监测，已超过 {} 个月，有劳动能力成员，无开发式帮扶措施", since, months));
            }
        }
}

fn monitoring(out: &mut Out<'_, '_>, doc: &HouseholdDoc) {
    let identified = doc.get(HF::MonitoringIdentifiedOn).as_date();
    let eliminated_on = doc.get(HF::RiskEliminatedOn).as_date();
    let eliminated = doc.get(HF::RiskEliminated).as_bool() == Some(true);
    if let (Some(i), Some(e)) = (identified, eliminated_on) {
        if e < i {
            out.household(Rule::EliminatedBeforeIdentified, format!("风险消除时间 {e} 早于识别监测时间 {i}"));
        } else {
            let months = out.ctx.rules.int(Rule::ClearedTooSoon, "months");
            let earliest = i.checked_add_months(Months::new(months.max(0) as u32)).unwrap_or(i);
            if e < earliest {
                out.household(Rule::ClearedTooSoon, format!("{i} 识别监测，{e} 风险消除，不足 {months} 个月"));
            }
        }
    }
    if is_type(doc, "monitored") && !eliminated && doc.members.iter().any(|m| can_work(m) && is_healthy(m))
        && let Some(i) = identified {
            let months = out.ctx.rules.int(Rule::LongMonitoredAble, "months");
            let due = i.checked_add_months(Months::new(months.max(0) as u32)).unwrap_or(i);
            if due < out.ctx.today {
                out.household(Rule::LongMonitoredAble, format!("{i} 识别监测，超过 {months} 个月未消除风险，且有健康劳动力"));
            }
        }
    if !is_type(doc, "monitored") && (identified.is_some() || eliminated_on.is_some() || !doc.get(HF::MonitoringCategory).is_null()) {
        let t = doc.household_type().and_then(|c| crate::vocab::HOUSEHOLD_TYPE.by_code(c)).map(|t| t.label).unwrap_or("未填");
        out.household(Rule::NotMonitoredButDated, format!("户类型为“{t}”，却填写了监测对象类别或监测日期"));
    }
}
