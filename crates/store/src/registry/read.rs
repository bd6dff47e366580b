//! Reading households back as documents (for the archive page, export, diffing on re-import).

use super::columns::{from_cell, household_column_list, household_columns, member_column_list, member_columns};
use crate::db::{Conn, P};
use crate::error::Result;
use crate::keyring::Keyring;
use bangfu_domain::fields::{HouseholdField as HF, HOUSEHOLD_FIELD_COUNT, MEMBER_FIELD_COUNT};
use bangfu_domain::registry::{HouseholdDoc, IncomeRecord, MemberRecord};
use bangfu_domain::value::Value;
use bangfu_domain::{RegionScope, ResidentId};
use chrono::NaiveDate;
use std::collections::HashMap;

/// A household as stored: its id, version, the batch that created it, the document, member ids.
#[derive(Debug, Clone)]
pub struct StoredHousehold {
    pub id: i64,
    pub version: i64,
    pub created_batch: Option<i64>,
    pub doc: HouseholdDoc,
    /// Aligned with `doc.members`.
    pub member_ids: Vec<i64>,
}

fn in_list(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Loads households by id within a scope (ids outside the scope are silently absent), with their
/// active members and incomes. Order follows `ids`.
pub fn load(conn: &mut Conn, keys: &Keyring, scope: &RegionScope, ids: &[i64]) -> Result<Vec<StoredHousehold>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(load_chunk(conn, keys, scope, chunk)?);
    }
    Ok(out)
}

fn load_chunk(conn: &mut Conn, keys: &Keyring, scope: &RegionScope, ids: &[i64]) -> Result<Vec<StoredHousehold>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let pattern = scope.like_pattern();
    let mut params: Vec<P> = ids.iter().map(|i| P::Int(*i)).collect();
    params.push(P::Text(&pattern));
    let sql = format!(
        "SELECT id, version, created_batch, region_code, {} FROM household WHERE id IN ({}) AND region_code LIKE ? AND status = 'active'",
        household_column_list(),
        in_list(ids.len())
    );
    let mut by_id: HashMap<i64, StoredHousehold> = HashMap::new();
    for row in conn.query(&sql, &params)? {
        let id = row[0].int().unwrap_or_default();
        let mut doc = HouseholdDoc { values: vec![Value::Null; HOUSEHOLD_FIELD_COUNT], members: Vec::new(), incomes: Vec::new() };
        doc.set(HF::RegionCode, Value::Text(row[3].string()));
        for (i, f) in household_columns().iter().enumerate() {
            doc.set(*f, from_cell(f.def().kind, &row[4 + i], keys)?);
        }
        by_id.insert(id, StoredHousehold { id, version: row[1].int().unwrap_or(1), created_batch: row[2].int(), doc, member_ids: Vec::new() });
    }
    let found: Vec<i64> = ids.iter().copied().filter(|i| by_id.contains_key(i)).collect();
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<P> = found.iter().map(|i| P::Int(*i)).collect();
    let sql = format!(
        "SELECT household_id, id, resident_id, {} FROM member WHERE household_id IN ({}) AND status = 'active' ORDER BY household_id, seq, id",
        member_column_list(),
        in_list(found.len())
    );
    for row in conn.query(&sql, &params)? {
        let Some(h) = row[0].int().and_then(|hid| by_id.get_mut(&hid)) else { continue };
        let mut values = vec![Value::Null; MEMBER_FIELD_COUNT];
        for (i, f) in member_columns().iter().enumerate() {
            values[*f as usize] = from_cell(f.def().kind, &row[3 + i], keys)?;
        }
        let Ok(resident_id) = ResidentId::parse_at(&row[2].string(), NaiveDate::MAX) else { continue };
        h.doc.members.push(MemberRecord { values, resident_id });
        h.member_ids.push(row[1].int().unwrap_or_default());
    }
    let sql = format!(
        "SELECT household_id, year, {} FROM household_income WHERE household_id IN ({}) ORDER BY household_id, year",
        bangfu_domain::registry::INCOME_FIELDS.iter().map(|f| f.def().key).collect::<Vec<_>>().join(", "),
        in_list(found.len())
    );
    for row in conn.query(&sql, &params)? {
        let Some(h) = row[0].int().and_then(|hid| by_id.get_mut(&hid)) else { continue };
        let mut inc = IncomeRecord { year: row[1].int().unwrap_or_default(), amounts: [None; 7] };
        for i in 0..7 {
            inc.amounts[i] = row[2 + i].int();
        }
        h.doc.incomes.push(inc);
    }
    Ok(found.into_iter().filter_map(|id| by_id.remove(&id)).collect())
}

/// One household by id, if it is in scope.
pub fn get(conn: &mut Conn, keys: &Keyring, scope: &RegionScope, id: i64) -> Result<Option<StoredHousehold>> {
    Ok(load(conn, keys, scope, &[id])?.into_iter().next())
}

/// Household ids by household number (those that exist), as (number, id, created_batch).
pub fn ids_by_number(conn: &mut Conn, numbers: &[&str]) -> Result<Vec<(String, i64, Option<i64>)>> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(500) {
        let params: Vec<P> = chunk.iter().map(|n| P::Text(n)).collect();
        let sql = format!("SELECT household_no, id, created_batch FROM household WHERE household_no IN ({})", in_list(chunk.len()));
        for r in conn.query(&sql, &params)? {
            out.push((r[0].string(), r[1].int().unwrap_or_default(), r[2].int()));
        }
    }
    Ok(out)
}

/// Where people are registered now: resident ID → (member id, household id, household number, region, status).
/// Two set-based queries (members by ID, then their households), so the planner never joins a
/// growing table during a bulk load; on PostgreSQL the IDs go as one array parameter.
pub fn members_by_resident_id(conn: &mut Conn, ids: &[&str]) -> Result<Vec<(String, i64, i64, Option<String>, String, String)>> {
    let mut found: Vec<(String, i64, i64, String)> = Vec::new();
    for chunk in ids.chunks(500) {
        let rows = match conn.backend() {
            crate::Backend::Postgres => conn.query("SELECT resident_id, id, household_id, status FROM member WHERE resident_id = ANY(?)", &[P::Texts(chunk)])?,
            crate::Backend::Sqlite => {
                let params: Vec<P> = chunk.iter().map(|n| P::Text(n)).collect();
                conn.query(&format!("SELECT resident_id, id, household_id, status FROM member WHERE resident_id IN ({})", in_list(chunk.len())), &params)?
            }
        };
        found.extend(rows.iter().map(|r| (r[0].string(), r[1].int().unwrap_or_default(), r[2].int().unwrap_or_default(), r[3].string())));
    }
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let mut hids: Vec<i64> = found.iter().map(|f| f.2).collect();
    hids.sort_unstable();
    hids.dedup();
    let mut households: HashMap<i64, (Option<String>, String)> = HashMap::new();
    for chunk in hids.chunks(500) {
        let params: Vec<P> = chunk.iter().map(|i| P::Int(*i)).collect();
        for r in conn.query(&format!("SELECT id, household_no, region_code FROM household WHERE id IN ({})", in_list(chunk.len())), &params)? {
            households.insert(r[0].int().unwrap_or_default(), (r[1].text().map(str::to_string), r[2].string()));
        }
    }
    Ok(found
        .into_iter()
        .map(|(rid, mid, hid, status)| {
            let (no, region) = households.get(&hid).cloned().unwrap_or_default();
            (rid, mid, hid, no, region, status)
        })
        .collect())
}
