//! Dynamic adjustment (动态调整): effective-dated events from which the registry on any date is rebuilt.

use crate::fields::HouseholdField as HF;
use crate::registry::HouseholdDoc;
use crate::vocab::{Term, Vocabulary};
use chrono::NaiveDate;

macro_rules! event_types {
    ($($variant:ident => $code:literal, $label:literal;)*) => {
        /// The kinds of adjustment event (GLOSSARY: AdjustmentEvent).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType { $($variant),* }
        impl EventType {
            pub const ALL: &'static [EventType] = &[$(EventType::$variant),*];
            pub fn code(self) -> &'static str { match self { $(EventType::$variant => $code),* } }
            pub fn label(self) -> &'static str { match self { $(EventType::$variant => $label),* } }
            pub fn from_code(code: &str) -> Option<EventType> { match code { $($code => Some(EventType::$variant),)* _ => None } }
        }
        pub static EVENT_TYPE: Vocabulary = Vocabulary::new("event_type", "调整类型", &[$(Term { code: $code, label: $label, aliases: &[] }),*]);
    };
}

event_types! {
    NewlyIdentified => "newly_identified", "新识别";
    Supplemented => "supplemented", "补录";
    Removed => "removed", "清退";
    NaturalIncrease => "natural_increase", "自然增加";
    NaturalDecrease => "natural_decrease", "自然减少";
    Merge => "merge", "并户";
    Split => "split", "分户";
    MemberMoved => "member_moved", "成员迁移";
    Relapse => "relapse", "返贫";
    Rollback => "rollback", "回退";
    Exit => "exit", "退出";
    MonitoringIncluded => "monitoring_included", "监测纳入";
    RiskEliminated => "risk_eliminated", "风险消除";
    InfoChanged => "info_changed", "信息变更";
}

/// How exactly an event's date is known (a year column gives only the year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePrecision {
    Day,
    Year,
}

impl DatePrecision {
    pub fn code(self) -> &'static str {
        match self {
            DatePrecision::Day => "day",
            DatePrecision::Year => "year",
        }
    }
}

/// An event about to be recorded for a household (and optionally one member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub event_type: EventType,
    pub effective_on: NaiveDate,
    pub precision: DatePrecision,
    /// The household type from this date on; `None` leaves it unchanged.
    pub household_type_after: Option<&'static str>,
    /// The member concerned, by resident ID.
    pub member_id: Option<String>,
    pub reason: String,
}

/// The status history implied by an imported household's columns: identification year, exit year,
/// monitoring and risk-elimination dates. The last event leaves the household in its stated type.
pub fn history_from_columns(doc: &HouseholdDoc, imported_on: NaiveDate) -> Vec<NewEvent> {
    let mut out = Vec::new();
    let current = doc.household_type();
    let ev = |t: EventType, d: NaiveDate, p: DatePrecision, after: Option<&'static str>, reason: &str| NewEvent {
        event_type: t,
        effective_on: d,
        precision: p,
        household_type_after: after,
        member_id: None,
        reason: reason.to_string(),
    };
    let year_start = |y: i64| NaiveDate::from_ymd_opt(y as i32, 1, 1);
    let year_end = |y: i64| NaiveDate::from_ymd_opt(y as i32, 12, 31);
    if let Some(d) = doc.get(HF::RegistrationYear).as_int().and_then(year_start) {
        out.push(ev(EventType::NewlyIdentified, d, DatePrecision::Year, Some(crate::vocab::code::POOR), "按识别年度导入"));
    }
    if let Some(d) = doc.get(HF::ExitYear).as_int().and_then(year_end) {
        out.push(ev(EventType::Exit, d, DatePrecision::Year, Some(crate::vocab::code::EXITED), "按脱贫年度导入"));
    }
    if let Some(d) = doc.get(HF::MonitoringIdentifiedOn).as_date() {
        out.push(ev(EventType::MonitoringIncluded, d, DatePrecision::Day, Some(crate::vocab::code::MONITORED), "按识别监测时间导入"));
    }
    if let Some(d) = doc.get(HF::RiskEliminatedOn).as_date() {
        out.push(ev(EventType::RiskEliminated, d, DatePrecision::Day, None, "按风险消除时间导入"));
    }
    out.sort_by_key(|e| e.effective_on);
    // events dated after the import, or a history that does not end in the stated type, get a closing record
    out.retain(|e| e.effective_on <= imported_on);
    let last_type = out.iter().rev().find_map(|e| e.household_type_after);
    if let Some(t) = current
        && last_type != Some(t) {
            let d = out.last().map(|e| e.effective_on.max(imported_on)).unwrap_or(imported_on);
            out.push(ev(EventType::Supplemented, d, DatePrecision::Day, Some(t), "导入时补录当前户类型"));
        }
    out
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn an_exited_household_gets_identification_then_exit() {
        let mut doc = HouseholdDoc::empty();
        doc.set(HF::HouseholdType, Value::Code("exited"));
        doc.set(HF::RegistrationYear, Value::Int(2014));
        doc.set(HF::ExitYear, Value::Int(2019));
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let h = history_from_columns(&doc, today);
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].event_type, EventType::NewlyIdentified);
        assert_eq!(h[1].effective_on, NaiveDate::from_ymd_opt(2019, 12, 31).unwrap());
        assert_eq!(h[1].household_type_after, Some("exited"));
    }

    #[test]
    fn a_monitored_household_without_dates_is_supplemented_on_import() {
        let mut doc = HouseholdDoc::empty();
        doc.set(HF::HouseholdType, Value::Code("monitored"));
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let h = history_from_columns(&doc, today);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].event_type, EventType::Supplemented);
        assert_eq!(h[0].household_type_after, Some("monitored"));
    }
}
