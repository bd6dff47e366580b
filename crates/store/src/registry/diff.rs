//! What a newer version of a household changes: fields, members joined, left or edited, incomes.

use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF, Storage};
use bangfu_domain::registry::{HouseholdDoc, IncomeRecord, INCOME_FIELDS};
use bangfu_domain::value::{format_value, Value};
use std::collections::HashSet;

/// Which fields a file carried: absent columns never overwrite stored values.
#[derive(Debug, Clone, Default)]
pub struct Present {
    pub fields: HashSet<FieldRef>,
}

impl Present {
    pub fn all() -> Present {
        let mut fields: HashSet<FieldRef> = HF::ALL.iter().map(|f| FieldRef::Household(*f)).collect();
        fields.extend(MF::ALL.iter().map(|f| FieldRef::Member(*f)));
        Present { fields }
    }
    pub fn has(&self, f: FieldRef) -> bool {
        self.fields.contains(&f)
    }
}

/// One field's change.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: FieldRef,
    pub before: Value,
    pub after: Value,
}

/// The difference between the stored household and the file's version of it.
#[derive(Debug, Default)]
pub struct DocDiff {
    pub household: Vec<FieldChange>,
    /// Indexes into the merged document's members.
    pub added: Vec<usize>,
    /// Indexes into the stored document's members.
    pub removed: Vec<usize>,
    /// (stored index, merged index, changes)
    pub changed: Vec<(usize, usize, Vec<FieldChange>)>,
    pub incomes: Vec<i64>,
}

impl DocDiff {
    pub fn is_empty(&self) -> bool {
        self.household.is_empty() && self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty() && self.incomes.is_empty()
    }
}

/// The stored document with the file's values laid over it where the file had the column.
pub fn overlay(stored: &HouseholdDoc, file: &HouseholdDoc, present: &Present) -> HouseholdDoc {
    let mut merged = stored.clone();
    for f in HF::ALL {
        if f.def().storage == Storage::Column && present.has(FieldRef::Household(f)) {
            merged.set(f, file.get(f).clone());
        }
    }
    merged.members = file
        .members
        .iter()
        .map(|m| match stored.members.iter().find(|s| s.resident_id == m.resident_id) {
            Some(s) => {
                let mut out = s.clone();
                for f in MF::ALL {
                    if present.has(FieldRef::Member(f)) || matches!(f, MF::Sex | MF::BirthDate | MF::IdNumber | MF::IdType) {
                        out.set(f, m.get(f).clone());
                    }
                }
                out
            }
            None => m.clone(),
        })
        .collect();
    for inc in &file.incomes {
        match merged.incomes.iter_mut().find(|i| i.year == inc.year) {
            Some(existing) => {
                for (i, f) in INCOME_FIELDS.iter().enumerate() {
                    if present.has(FieldRef::Household(*f)) {
                        existing.amounts[i] = inc.amounts[i];
                    }
                }
            }
            None => merged.incomes.push(inc.clone()),
        }
    }
    merged.incomes.sort_by_key(|i| i.year);
    merged.incomes.retain(|i| !i.is_empty());
    merged
}

/// Compares the stored document with the merged one.
pub fn diff(stored: &HouseholdDoc, merged: &HouseholdDoc) -> DocDiff {
    let mut d = DocDiff::default();
    for f in HF::ALL {
        if f.def().storage == Storage::Column && stored.get(f) != merged.get(f) {
            d.household.push(FieldChange { field: FieldRef::Household(f), before: stored.get(f).clone(), after: merged.get(f).clone() });
        }
    }
    for (si, s) in stored.members.iter().enumerate() {
        match merged.members.iter().position(|m| m.resident_id == s.resident_id) {
            None => d.removed.push(si),
            Some(mi) => {
                let m = &merged.members[mi];
                let changes: Vec<FieldChange> = MF::ALL
                    .iter()
                    .filter(|f| s.get(**f) != m.get(**f))
                    .map(|f| FieldChange { field: FieldRef::Member(*f), before: s.get(*f).clone(), after: m.get(*f).clone() })
                    .collect();
                let moved_position = stored.members.len() == merged.members.len() && si != mi;
                if !changes.is_empty() || moved_position {
                    d.changed.push((si, mi, changes));
                }
            }
        }
    }
    for (mi, m) in merged.members.iter().enumerate() {
        if !stored.members.iter().any(|s| s.resident_id == m.resident_id) {
            d.added.push(mi);
        }
    }
    let years: HashSet<i64> = stored.incomes.iter().chain(&merged.incomes).map(|i| i.year).collect();
    let mut years: Vec<i64> = years.into_iter().collect();
    years.sort();
    let find = |doc: &HouseholdDoc, y: i64| doc.incomes.iter().find(|i| i.year == y).cloned().unwrap_or(IncomeRecord { year: y, amounts: [None; 7] });
    for y in years {
        if find(stored, y) != find(merged, y) {
            d.incomes.push(y);
        }
    }
    d
}

/// A change as JSON for events and the audit trail; protected values masked.
pub fn change_json(c: &FieldChange) -> String {
    let show = |v: &Value| match v {
        Value::Secret(s) => s.masked(),
        v => format_value(c.field.def().kind, v),
    };
    format!(
        "{{\"field\":{},\"label\":{},\"before\":{},\"after\":{}}}",
        json_str(c.field.def().key),
        json_str(c.field.def().label),
        json_str(&show(&c.before)),
        json_str(&show(&c.after))
    )
}

pub fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
