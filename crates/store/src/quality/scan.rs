//! Reading households in scope as documents, a block of ids at a time (range scans, not per-row
//! queries), keeping records that do not decode so a rule run can report them and carry on.

use crate::db::{Conn, P};
use crate::error::Result;
use crate::keyring::Keyring;
use crate::registry::columns::{from_cell, household_column_list, household_columns, member_column_list, member_columns};
use bangfu_domain::fields::{HouseholdField as HF, HOUSEHOLD_FIELD_COUNT, MEMBER_FIELD_COUNT};
use bangfu_domain::registry::{HouseholdDoc, INCOME_FIELDS, IncomeRecord, MemberRecord};
use bangfu_domain::quality::{MeasureFact, MeasureKind};
use bangfu_domain::value::Value;
use bangfu_domain::ResidentId;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One household as a rule run sees it.
pub struct Scanned {
    pub id: i64,
    pub region_code: String,
    pub doc: HouseholdDoc,
    /// Aligned with `doc.members`.
    pub member_ids: Vec<i64>,
    /// Why (part of) the record could not be read; the household is reported instead of checked.
    pub unreadable: Option<String>,
    /// The household's assistance measures, when the region records measures at all (`None`:
    /// measure rules stay off rather than flag every household).
    pub measures: Option<Vec<MeasureFact>>,
}

/// Whether the region records assistance measures (then the rules that need them run).
pub fn measures_in_use(conn: &mut Conn, prefix: &str) -> Result<bool> {
    let pattern = format!("{prefix}%");
    Ok(conn.query_opt("SELECT 1 FROM assistance_measure WHERE region_code LIKE ? LIMIT 1", &[P::Text(&pattern)])?.is_some())
}

/// A stand-in key for a member whose stored key does not parse; the checks read the stored
/// document number, never this.
fn placeholder_id() -> ResidentId {
    ResidentId::from_body("11000019000101000").expect("a valid body")
}

/// A stored cell as a value, moving text instead of copying it.
fn take_value(kind: bangfu_domain::Kind, cell: &mut crate::db::Cell, keys: &Keyring) -> Result<Value> {
    use bangfu_domain::Kind;
    match (kind, cell) {
        (Kind::Text | Kind::Region | Kind::IdNumber, crate::db::Cell::Text(t)) => Ok(Value::Text(std::mem::take(t))),
        (kind, cell) => from_cell(kind, cell, keys),
    }
}

/// The ids of active households in scope (`prefix` of region codes), ascending.
pub fn ids_in_scope(conn: &mut Conn, prefix: &str) -> Result<Vec<i64>> {
    let pattern = format!("{prefix}%");
    let rows = conn.query("SELECT id FROM household WHERE region_code LIKE ? AND status = 'active' ORDER BY id", &[P::Text(&pattern)])?;
    Ok(rows.iter().filter_map(|r| r[0].int()).collect())
}

/// Reads the households whose ids are in `ids` (ascending, from `ids_in_scope`) with active members and incomes.
pub fn read_block(conn: &mut Conn, keys: &Keyring, prefix: &str, ids: &[i64], with_measures: bool) -> Result<Vec<Scanned>> {
    let (Some(&lo), Some(&hi)) = (ids.first(), ids.last()) else { return Ok(Vec::new()) };
    let pattern = format!("{prefix}%");
    let mut out: Vec<Scanned> = Vec::with_capacity(ids.len());
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(ids.len());
    let sql = format!(
        "SELECT id, region_code, {} FROM household WHERE id BETWEEN ? AND ? AND region_code LIKE ? AND status = 'active' ORDER BY id",
        household_column_list()
    );
    for mut row in conn.query(&sql, &[P::Int(lo), P::Int(hi), P::Text(&pattern)])? {
        let id = row[0].int().unwrap_or_default();
        let region_code = row[1].string();
        let mut doc = HouseholdDoc { values: vec![Value::Null; HOUSEHOLD_FIELD_COUNT], members: Vec::new(), incomes: Vec::new() };
        doc.set(HF::RegionCode, Value::Text(region_code.clone()));
        let mut unreadable = None;
        for (i, f) in household_columns().iter().enumerate() {
            match take_value(f.def().kind, &mut row[2 + i], keys) {
                Ok(v) => doc.set(*f, v),
                Err(e) => unreadable = Some(format!("{}：{}", f.def().label, e)),
            }
        }
        index.insert(id, out.len());
        out.push(Scanned { id, region_code, doc, member_ids: Vec::new(), unreadable, measures: with_measures.then(Vec::new) });
    }
    let sql = format!(
        "SELECT household_id, id, resident_id, {} FROM member WHERE household_id BETWEEN ? AND ? AND status = 'active' ORDER BY household_id, seq, id",
        member_column_list()
    );
    for mut row in conn.query(&sql, &[P::Int(lo), P::Int(hi)])? {
        let Some(&at) = row[0].int().and_then(|h| index.get(&h)) else { continue };
        let h = &mut out[at];
        let mut values = vec![Value::Null; MEMBER_FIELD_COUNT];
        for (i, f) in member_columns().iter().enumerate() {
            match take_value(f.def().kind, &mut row[3 + i], keys) {
                Ok(v) => values[*f as usize] = v,
                Err(e) => h.unreadable = Some(format!("成员{}：{}", f.def().label, e)),
            }
        }
        let resident_id = ResidentId::parse_at(&row[2].string(), NaiveDate::MAX).unwrap_or_else(|_| placeholder_id());
        h.doc.members.push(MemberRecord { values, resident_id });
        h.member_ids.push(row[1].int().unwrap_or_default());
    }
    let sql = format!(
        "SELECT household_id, year, {} FROM household_income WHERE household_id BETWEEN ? AND ? ORDER BY household_id, year",
        INCOME_FIELDS.iter().map(|f| f.def().key).collect::<Vec<_>>().join(", ")
    );
    for row in conn.query(&sql, &[P::Int(lo), P::Int(hi)])? {
        let Some(&at) = row[0].int().and_then(|h| index.get(&h)) else { continue };
        let mut inc = IncomeRecord { year: row[1].int().unwrap_or_default(), amounts: [None; 7] };
        for (i, a) in inc.amounts.iter_mut().enumerate() {
            *a = row[2 + i].int();
        }
        out[at].doc.incomes.push(inc);
    }
    if with_measures {
        let rows = conn.query(
            "SELECT household_id, kind, started_on FROM assistance_measure WHERE household_id BETWEEN ? AND ? ORDER BY household_id, started_on",
            &[P::Int(lo), P::Int(hi)],
        )?;
        for r in rows {
            let Some(&at) = r[0].int().and_then(|h| index.get(&h)) else { continue };
            let (Some(kind), Some(started_on)) = (r[1].text().and_then(MeasureKind::parse), r[2].date()) else { continue };
            if let Some(m) = out[at].measures.as_mut() {
                m.push(MeasureFact { kind, started_on });
            }
        }
    }
    Ok(out)
}
