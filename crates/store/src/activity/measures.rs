//! Assistance measures delivered to households (帮扶措施): add, change, end, delete (each audited,
//! scoped by the household's village), list per household, and [`measures_of`] for the quality rules.

use super::{id_list, in_tx, opt_date, opt_int, opt_text};
use crate::audit::{self, Actor};
use crate::db::{Conn, Row, P};
use crate::error::{Result, StoreError};
use bangfu_domain::quality::measures::{MeasureFact, MeasureKind};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;
use std::collections::HashMap;

/// A measure as a form sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMeasure {
    pub household_id: i64,
    /// The member it is for (a student's 教育帮扶, a disabled member's subsidy), if any.
    pub member_id: Option<i64>,
    pub kind: MeasureKind,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub description: Option<String>,
    /// Fen.
    pub amount: Option<i64>,
    pub pairing_id: Option<i64>,
}

/// A stored measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub id: i64,
    pub household_id: i64,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub region_code: String,
    pub kind: MeasureKind,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub description: Option<String>,
    pub amount: Option<i64>,
    pub pairing_id: Option<i64>,
    pub created_by: String,
    pub created_at: String,
    pub version: i64,
}

impl Measure {
    /// In effect on a date.
    pub fn current_on(&self, d: NaiveDate) -> bool {
        self.started_on <= d && self.ended_on.is_none_or(|e| e >= d)
    }
}

const COLUMNS: &str = "m.id, m.household_id, m.member_id, mb.name, m.region_code, m.kind, m.started_on, m.ended_on, m.description, m.amount, m.pairing_id, m.created_by, m.created_at, m.version";
const FROM: &str = "FROM assistance_measure m LEFT JOIN member mb ON mb.id = m.member_id";

fn from_row(r: &Row) -> Option<Measure> {
    Some(Measure {
        id: r[0].int()?,
        household_id: r[1].int()?,
        member_id: r[2].int(),
        member_name: r[3].text().map(str::to_string),
        region_code: r[4].string(),
        kind: MeasureKind::parse(r[5].text()?)?,
        started_on: r[6].date()?,
        ended_on: r[7].date(),
        description: r[8].text().map(str::to_string),
        amount: r[9].int(),
        pairing_id: r[10].int(),
        created_by: r[11].string(),
        created_at: r[12].string(),
        version: r[13].int().unwrap_or(1),
    })
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

fn not_found() -> StoreError {
    StoreError::NotFound("该帮扶措施（或它不在您的管辖范围内）".into())
}

fn describe(m: &NewMeasure) -> serde_json::Value {
    serde_json::json!({
        "household_id": m.household_id, "member_id": m.member_id, "kind": m.kind.code(), "started_on": m.started_on.to_string(),
        "ended_on": m.ended_on.map(|d| d.to_string()), "description": m.description, "amount": m.amount, "pairing_id": m.pairing_id,
    })
}

/// Checks a measure against its household (in scope) and returns the household's village.
fn check(conn: &mut Conn, scope: &RegionScope, m: &NewMeasure) -> Result<String> {
    if let Some(end) = m.ended_on && end < m.started_on {
        return Err(invalid(format!("结束日期 {end} 早于开始日期 {}（结束日期）", m.started_on)));
    }
    if m.amount.is_some_and(|a| a < 0) {
        return Err(invalid("金额不能为负数（金额）"));
    }
    if m.description.as_deref().is_some_and(|d| d.chars().count() > 500) {
        return Err(invalid("措施内容最多 500 字（措施内容）"));
    }
    let pattern = scope.like_pattern();
    let region = conn
        .query_opt("SELECT region_code FROM household WHERE id = ? AND region_code LIKE ?", &[P::Int(m.household_id), P::Text(&pattern)])?
        .map(|r| r[0].string())
        .ok_or_else(|| StoreError::NotFound("该户（或它不在您的管辖范围内）".into()))?;
    if let Some(member) = m.member_id {
        let n = conn.query_int("SELECT COUNT(*) FROM member WHERE id = ? AND household_id = ?", &[P::Int(member), P::Int(m.household_id)])?;
        if n == 0 {
            return Err(invalid("所选成员不是该户成员（成员）"));
        }
    }
    Ok(region)
}

fn audit_measure(conn: &mut Conn, actor: &Actor, region: &str, id: i64, action: &str, before: Option<String>, after: Option<String>) -> Result<()> {
    audit::record(conn, actor, audit::Entry { region_code: Some(region), entity: "assistance_measure", entity_id: Some(id.to_string()), action, before, after })
}

/// Adds a measure to a household in scope; returns its id.
pub fn add_measure(conn: &mut Conn, actor: &Actor, scope: &RegionScope, m: &NewMeasure) -> Result<i64> {
    in_tx(conn, |conn| {
        let region = check(conn, scope, m)?;
        let id = crate::ids::allocate(conn, "assistance_measure", 1)?;
        let description = m.description.as_deref().map(str::trim).filter(|s| !s.is_empty());
        conn.execute(
            "INSERT INTO assistance_measure (id, household_id, member_id, region_code, kind, started_on, ended_on, description, amount, pairing_id, created_by, created_at, version) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            &[
                P::Int(id),
                P::Int(m.household_id),
                opt_int(m.member_id),
                P::Text(&region),
                P::Text(m.kind.code()),
                P::Date(m.started_on),
                opt_date(m.ended_on),
                opt_text(description),
                opt_int(m.amount),
                opt_int(m.pairing_id),
                P::Text(&actor.name),
                P::Text(&crate::now_utc()),
            ],
        )?;
        audit_measure(conn, actor, &region, id, "create", None, Some(describe(m).to_string()))?;
        Ok(id)
    })
}

/// One measure in scope.
pub fn measure(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<Measure>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {COLUMNS} {FROM} WHERE m.id = ? AND m.region_code LIKE ?"), &[P::Int(id), P::Text(&pattern)])?;
    Ok(row.as_ref().and_then(from_row))
}

/// A household's measures in scope: current ones first, then by start date.
pub fn household_measures(conn: &mut Conn, scope: &RegionScope, household_id: i64) -> Result<Vec<Measure>> {
    let pattern = scope.like_pattern();
    let rows = conn.query(
        &format!("SELECT {COLUMNS} {FROM} WHERE m.household_id = ? AND m.region_code LIKE ? ORDER BY CASE WHEN m.ended_on IS NULL THEN 0 ELSE 1 END, m.started_on DESC, m.id DESC"),
        &[P::Int(household_id), P::Text(&pattern)],
    )?;
    Ok(rows.iter().filter_map(from_row).collect())
}

/// Changes a measure if `version` is still current (else `Invalid` saying someone changed it first).
pub fn update_measure(conn: &mut Conn, actor: &Actor, scope: &RegionScope, id: i64, version: i64, m: &NewMeasure) -> Result<i64> {
    in_tx(conn, |conn| {
        let current = measure(conn, scope, id)?.ok_or_else(not_found)?;
        if current.household_id != m.household_id {
            return Err(invalid("帮扶措施不能改到另一户"));
        }
        check(conn, scope, m)?;
        let description = m.description.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let n = conn.execute(
            "UPDATE assistance_measure SET member_id = ?, kind = ?, started_on = ?, ended_on = ?, description = ?, amount = ?, pairing_id = ?, version = version + 1 WHERE id = ? AND version = ?",
            &[opt_int(m.member_id), P::Text(m.kind.code()), P::Date(m.started_on), opt_date(m.ended_on), opt_text(description), opt_int(m.amount), opt_int(m.pairing_id), P::Int(id), P::Int(version)],
        )?;
        if n != 1 {
            return Err(invalid("该帮扶措施已被他人修改，请刷新后再改"));
        }
        let before = NewMeasure {
            household_id: current.household_id,
            member_id: current.member_id,
            kind: current.kind,
            started_on: current.started_on,
            ended_on: current.ended_on,
            description: current.description.clone(),
            amount: current.amount,
            pairing_id: current.pairing_id,
        };
        audit_measure(conn, actor, &current.region_code, id, "update", Some(describe(&before).to_string()), Some(describe(m).to_string()))?;
        Ok(version + 1)
    })
}

/// Ends a measure on a date (not before it started).
pub fn end_measure(conn: &mut Conn, actor: &Actor, scope: &RegionScope, id: i64, ended_on: NaiveDate) -> Result<()> {
    in_tx(conn, |conn| {
        let current = measure(conn, scope, id)?.ok_or_else(not_found)?;
        if ended_on < current.started_on {
            return Err(invalid(format!("结束日期 {ended_on} 早于开始日期 {}（结束日期）", current.started_on)));
        }
        conn.execute("UPDATE assistance_measure SET ended_on = ?, version = version + 1 WHERE id = ?", &[P::Date(ended_on), P::Int(id)])?;
        let before = serde_json::json!({ "ended_on": current.ended_on.map(|d| d.to_string()) });
        let after = serde_json::json!({ "ended_on": ended_on.to_string() });
        audit_measure(conn, actor, &current.region_code, id, "end", Some(before.to_string()), Some(after.to_string()))
    })
}

/// Deletes a measure entered by mistake (the audit entry keeps what it was).
pub fn delete_measure(conn: &mut Conn, actor: &Actor, scope: &RegionScope, id: i64) -> Result<()> {
    in_tx(conn, |conn| {
        let current = measure(conn, scope, id)?.ok_or_else(not_found)?;
        conn.execute("DELETE FROM assistance_measure WHERE id = ?", &[P::Int(id)])?;
        let before = serde_json::json!({ "household_id": current.household_id, "kind": current.kind.code(), "started_on": current.started_on.to_string(), "description": current.description });
        audit_measure(conn, actor, &current.region_code, id, "delete", Some(before.to_string()), None)
    })
}

/// Every measure of these households (ended ones too: the rules ask whether a household has had a
/// measure of a kind), for the quality engine. Households without measures are absent from the map.
/// Not scoped: the engine reads households already clipped to the run's region.
pub fn measures_of(conn: &mut Conn, household_ids: &[i64]) -> Result<HashMap<i64, Vec<MeasureFact>>> {
    let mut out: HashMap<i64, Vec<MeasureFact>> = HashMap::new();
    for chunk in household_ids.chunks(1000) {
        let rows = conn.query(
            &format!("SELECT household_id, kind, started_on FROM assistance_measure WHERE household_id IN ({}) ORDER BY household_id, started_on, id", id_list(chunk)),
            &[],
        )?;
        for r in &rows {
            if let (Some(h), Some(kind), Some(started_on)) = (r[0].int(), r[1].text().and_then(MeasureKind::parse), r[2].date()) {
                out.entry(h).or_default().push(MeasureFact { kind, started_on });
            }
        }
    }
    Ok(out)
}
