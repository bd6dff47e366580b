//! Checks for identifying a poor household (纳入): the household is an ordinary one today, its
//! income is below the line, and no department list (车辆、商品房、财政供养、工商注册 …) names a member.

use super::household_exit::income_against_line;
use super::{type_label, CheckResult};
use crate::quality::Lines;
use crate::registry::HouseholdDoc;
use crate::vocab::code;
use chrono::NaiveDate;

/// A member found on a department list during comparison (比对) that meets an exclusion red line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedLineHit {
    /// Which list: 车辆, 商品房, 财政供养, 工商注册 …
    pub list_kind: String,
    pub member_name: String,
    /// What the list says, e.g. "川A12345 小型轿车，2024-05 登记".
    pub detail: String,
}

/// The identification checks of one household on `today`, with the poverty lines by year and the
/// red-line hits of the data comparison. IDN-TYPE blocks (a household already 贫困户, 监测户 or 脱贫户
/// cannot be identified again); IDN-INC and IDN-RED only need the approver's explanation when they
/// fail. Income older than last year fails IDN-INC: it has to be verified first.
pub fn identification(doc: &HouseholdDoc, today: NaiveDate, lines: &Lines, red_lines: &[RedLineHit]) -> Vec<CheckResult> {
    let t = doc.household_type();
    let type_ok = t == Some(code::ORDINARY);
    let type_detail = match t {
        Some(code::ORDINARY) => "户类型为“一般农户”".to_string(),
        None => "户类型未填写：纳入前请先核实并登记为一般农户".to_string(),
        Some(_) => format!("户类型为“{}”，已在册，不能再次识别纳入", type_label(t)),
    };
    let (above, inc_detail) = income_against_line(doc, today, lines);
    let inc_ok = above == Some(false);
    let inc_detail = if above == Some(true) { format!("{inc_detail}；纳入须说明理由") } else { inc_detail };
    let red_detail = if red_lines.is_empty() {
        "部门数据比对未发现红线情形".to_string()
    } else {
        let hits: Vec<String> = red_lines.iter().map(|h| format!("{}：{}，{}", h.list_kind, h.member_name, h.detail)).collect();
        format!("比对发现 {} 条红线情形：{}；纳入须逐条说明", red_lines.len(), hits.join("；"))
    };
    vec![
        CheckResult::blocking("IDN-TYPE", "户类型为一般农户", type_ok, type_detail),
        CheckResult::advisory("IDN-INC", "人均纯收入低于扶贫标准", inc_ok, inc_detail),
        CheckResult::advisory("IDN-RED", "未触及排除红线", red_lines.is_empty(), red_detail),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testdoc::{income, poor_household, today};
    use super::*;
    use crate::fields::HouseholdField as HF;
    use crate::value::Value;

    fn ordinary(per_capita: i64) -> HouseholdDoc {
        let mut doc = poor_household();
        doc.set(HF::HouseholdType, Value::Code("ordinary"));
        doc.incomes = vec![income(2026, None, Some(per_capita))];
        doc
    }

    fn hit(kind: &str, name: &str, detail: &str) -> RedLineHit {
        RedLineHit { list_kind: kind.into(), member_name: name.into(), detail: detail.into() }
    }

    #[test]
    fn an_ordinary_household_below_the_line_without_hits_passes() {
        let r = identification(&ordinary(351_200), today(), &Lines::national_defaults(), &[]);
        assert_eq!(r.iter().map(|c| c.code).collect::<Vec<_>>(), ["IDN-TYPE", "IDN-INC", "IDN-RED"]);
        assert!(r.iter().all(|c| c.passed), "{r:#?}");
        assert_eq!(r[1].detail, "2026 年人均纯收入 3,512.00 元，低于 2026 年扶贫标准 4,000.00 元");
        assert_eq!(r[2].detail, "部门数据比对未发现红线情形");
        assert_eq!(r.iter().map(|c| c.blocking).collect::<Vec<_>>(), [true, false, false]);
    }

    #[test]
    fn a_registered_household_cannot_be_identified_again() {
        for (code, label) in [("poor", "贫困户"), ("monitored", "监测户"), ("exited", "脱贫户")] {
            let mut doc = ordinary(100_000);
            doc.set(HF::HouseholdType, Value::Code(code));
            let r = identification(&doc, today(), &Lines::national_defaults(), &[]);
            assert!(r[0].blocking && !r[0].passed);
            assert_eq!(r[0].detail, format!("户类型为“{label}”，已在册，不能再次识别纳入"));
        }
        let mut doc = ordinary(100_000);
        doc.set(HF::HouseholdType, Value::Null);
        assert!(!identification(&doc, today(), &Lines::national_defaults(), &[])[0].passed);
    }

    #[test]
    fn income_at_or_above_the_line_needs_an_explanation() {
        let r = identification(&ordinary(400_000), today(), &Lines::national_defaults(), &[]);
        assert!(!r[1].passed && !r[1].blocking);
        assert_eq!(r[1].detail, "2026 年人均纯收入 4,000.00 元，等于 2026 年扶贫标准 4,000.00 元；纳入须说明理由");
        let mut doc = ordinary(0);
        doc.incomes.clear();
        let r = identification(&doc, today(), &Lines::national_defaults(), &[]);
        assert!(!r[1].passed);
        assert!(r[1].detail.starts_with("没有年度收入记录"));
    }

    #[test]
    fn red_line_hits_are_listed_one_by_one() {
        let hits = [hit("车辆", "王大山", "川A12345 小型轿车"), hit("财政供养", "李秀英", "县教育局在编人员")];
        let r = identification(&ordinary(300_000), today(), &Lines::national_defaults(), &hits);
        assert!(!r[2].passed && !r[2].blocking);
        assert_eq!(r[2].detail, "比对发现 2 条红线情形：车辆：王大山，川A12345 小型轿车；财政供养：李秀英，县教育局在编人员；纳入须逐条说明");
        assert!(super::super::all_clear(&r));
    }
}
