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
    /// 户编号, else 户主证件号码 (normalised): which household the row belongs to, if it says.
    pub key: Option<String>,
    /// The household cells are the same as the previous row's (already read and merged).
    pub household_same: bool,
    pub household: Vec<(HF, Value)>,
    /// `None` when the row holds no member data (a household-only row).
    pub member: Option<Vec<Value>>,
    pub issues: Vec<RowIssue>,
}

const CAUSES: [HF; 5] = [HF::Cause1, HF::Cause2, HF::Cause3, HF::Cause4, HF::Cause5];

/// The previous row's household cells: rows of one household usually repeat them verbatim.
#[derive(Default)]
pub struct RowCache {
    raw: Vec<String>,
    key: Option<String>,
}

fn is_household(f: FieldRef) -> bool {
    matches!(f, FieldRef::Household(_) | FieldRef::InvertedHousehold(_))
}

/// Reads the mapped cells of one row.
pub fn parse_row(map: &ColumnMap, sheet: &str, number: u64, cells: &[String], today: NaiveDate) -> ParsedRow {
    parse_row_cached(map, sheet, number, cells, today, &mut RowCache::default())
}

/// Reads the mapped cells of one row, skipping household cells identical to the previous row's.
pub fn parse_row_cached(map: &ColumnMap, sheet: &str, number: u64, cells: &[String], today: NaiveDate, cache: &mut RowCache) -> ParsedRow {
    let mut out = ParsedRow { sheet: sheet.to_string(), row: number, key: None, household_same: false, household: Vec::new(), member: None, issues: Vec::new() };
    let raw_of = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
    let household_cols = map.columns.iter().filter(|c| is_household(c.field));
    let mut any_household = false;
    let same = !cache.raw.is_empty()
        && household_cols.clone().zip(cache.raw.iter()).all(|(c, prev)| {
            let r = raw_of(c.index);
            any_household |= !r.is_empty();
            r == prev
        });
    if same && any_household && cache.key.is_some() {
        out.household_same = true;
        out.key = cache.key.clone();
    }
    let mut member = vec![Value::Null; MEMBER_FIELD_COUNT];
    let mut any_member = false;
    let mut extra_causes: Vec<Value> = Vec::new();
    for col in &map.columns {
        let raw = raw_of(col.index);
        if raw.is_empty() || (out.household_same && is_household(col.field)) {
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
    if !out.household_same {
        let find = |f: HF| out.household.iter().find(|(x, _)| *x == f).and_then(|(_, v)| v.as_text().map(str::to_string));
        out.key = find(HF::HouseholdNo).or_else(|| find(HF::HeadId).map(|id| normalize_id(&id)));
        cache.raw.clear();
        cache.raw.extend(map.columns.iter().filter(|c| is_household(c.field)).map(|c| raw_of(c.index).to_string()));
        cache.key = out.key.clone();
    }
    out
}

/// A resident ID in its canonical form when valid, else the trimmed text (for keys).
pub fn normalize_id(id: &str) -> String {
    bangfu_domain::ResidentId::parse(id).map(|i| i.as_str().to_string()).unwrap_or_else(|_| id.trim().to_uppercase())
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
