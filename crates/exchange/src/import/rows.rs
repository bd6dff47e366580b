//! One data row read into typed values: household fields, member fields, and cell-level problems.

use super::issue::RowIssue;
use crate::layout::ColumnMap;
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MEMBER_FIELD_COUNT};
use bangfu_domain::value::{parse_value, Kind, Value};
use bangfu_domain::vocab::POVERTY_CAUSE;
use chrono::NaiveDate;

/// A row's values. Only non-empty household cells are kept (they may stand on the head's row only).
#[derive(Debug, Clone)]
pub struct ParsedRow {
    pub sheet: String,
    pub row: u64,
    pub household: Vec<(HF, Value)>,
    /// `None` when the row holds no member data (a household-only row).
    pub member: Option<Vec<Value>>,
    pub issues: Vec<RowIssue>,
}

const CAUSES: [HF; 5] = [HF::Cause1, HF::Cause2, HF::Cause3, HF::Cause4, HF::Cause5];

/// Reads the mapped cells of one row.
pub fn parse_row(map: &ColumnMap, sheet: &str, number: u64, cells: &[String], today: NaiveDate) -> ParsedRow {
    let mut out = ParsedRow { sheet: sheet.to_string(), row: number, household: Vec::new(), member: None, issues: Vec::new() };
    let mut member = vec![Value::Null; MEMBER_FIELD_COUNT];
    let mut any_member = false;
    let mut extra_causes: Vec<Value> = Vec::new();
    for col in &map.columns {
        let raw = cells.get(col.index).map(String::as_str).unwrap_or("");
        if raw.is_empty() {
            continue;
        }
        let def = col.field.def();
        let parsed = match (col.field, def.kind) {
            (FieldRef::Household(f), Kind::Vocab(v)) if std::ptr::eq(v, &POVERTY_CAUSE) && CAUSES.contains(&f) && raw.contains(['、', ',', '，', ';', '；', '/']) => {
                let mut parts = raw.split(['、', ',', '，', ';', '；', '/']).map(str::trim).filter(|p| !p.is_empty());
                let first = parts.next().unwrap_or("");
                for p in parts {
                    match parse_value(def.kind, p, today) {
                        Ok(v) => extra_causes.push(v),
                        Err(e) => out.issues.push(issue(sheet, number, &col.label(), def.label, p, &e.reason, &e.fix)),
                    }
                }
                parse_value(def.kind, first, today)
            }
            _ => parse_value(def.kind, raw, today),
        };
        match parsed {
            Ok(Value::Null) => {}
            Ok(v) => match col.field {
                FieldRef::Household(f) => out.household.push((f, v)),
                FieldRef::InvertedHousehold(f) => out.household.push((f, match v {
                    Value::Bool(b) => Value::Bool(!b),
                    v => v,
                })),
                FieldRef::Member(f) => {
                    member[f as usize] = v;
                    any_member = true;
                }
            },
            Err(e) => {
                if matches!(col.field, FieldRef::Member(_)) {
                    any_member = true;
                }
                out.issues.push(issue(sheet, number, &col.label(), def.label, raw, &e.reason, &e.fix));
            }
        }
    }
    for v in extra_causes {
        if let Some(slot) = CAUSES.iter().find(|c| !out.household.iter().any(|(f, _)| f == *c)) {
            out.household.push((*slot, v));
        }
    }
    if any_member {
        out.member = Some(member);
    }
    out
}

pub fn issue(sheet: &str, row: u64, column: &str, field: &str, value: &str, reason: &str, fix: &str) -> RowIssue {
    let shown: String = value.chars().take(60).collect();
    RowIssue {
        sheet: sheet.to_string(),
        row,
        column: column.to_string(),
        field: field.to_string(),
        value: shown,
        reason: reason.to_string(),
        fix: fix.to_string(),
    }
}
