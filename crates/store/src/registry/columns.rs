//! How catalog fields map to table columns and back (protected fields sealed with the keyring).

use crate::db::Cell;
use crate::keyring::Keyring;
use crate::error::Result;
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF, Storage};
use bangfu_domain::value::{Kind, Secret, Value};
use std::sync::OnceLock;

/// Household fields stored as columns of `household`, in table order (region_code comes first, separately).
pub fn household_columns() -> &'static [HF] {
    static C: OnceLock<Vec<HF>> = OnceLock::new();
    C.get_or_init(|| HF::ALL.into_iter().filter(|f| f.def().storage == Storage::Column && *f != HF::RegionCode).collect())
}

/// Member fields stored as columns of `member`, in table order.
pub fn member_columns() -> &'static [MF] {
    static C: OnceLock<Vec<MF>> = OnceLock::new();
    C.get_or_init(|| MF::ALL.into_iter().filter(|f| f.def().storage == Storage::Column).collect())
}

/// The comma-separated column names of household fields.
pub fn household_column_list() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| household_columns().iter().map(|f| f.def().key).collect::<Vec<_>>().join(", "))
}

pub fn member_column_list() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| member_columns().iter().map(|f| f.def().key).collect::<Vec<_>>().join(", "))
}

/// A value as stored.
pub fn to_cell(v: &Value, keys: &Keyring) -> Cell {
    match v {
        Value::Null => Cell::Null,
        Value::Text(t) => Cell::Text(t.clone()),
        Value::Int(i) => Cell::Int(*i),
        Value::Bool(b) => Cell::Bool(*b),
        Value::Date(d) => Cell::Date(*d),
        Value::Code(c) => Cell::Text((*c).to_string()),
        Value::Secret(s) => Cell::Bytes(keys.seal(s.reveal())),
    }
}

/// A stored cell read back as a value of the field's kind.
pub fn from_cell(kind: Kind, c: &Cell, keys: &Keyring) -> Result<Value> {
    if c.is_null() {
        return Ok(Value::Null);
    }
    Ok(match kind {
        Kind::Count | Kind::Year | Kind::Money | Kind::Hundredths => c.int().map(Value::Int).unwrap_or(Value::Null),
        Kind::Bool => c.bool().map(Value::Bool).unwrap_or(Value::Null),
        Kind::Date => c.date().map(Value::Date).unwrap_or(Value::Null),
        Kind::Vocab(v) => match c.text().and_then(|t| v.by_code(t)) {
            Some(t) => Value::Code(t.code),
            None => Value::Null,
        },
        Kind::Phone | Kind::BankAccount => match c.bytes() {
            Some(b) => Value::Secret(Secret::new(keys.open(b)?)),
            None => Value::Null,
        },
        Kind::Text | Kind::Region | Kind::IdNumber => c.text().map(|t| Value::Text(t.to_string())).unwrap_or(Value::Null),
    })
}
