//! Moving a person between households (成员迁移, 分户, 并户): an event with history, never delete + insert.

use super::write::{event_row, WriteContext, EVENT_COLUMNS};
use crate::audit::{self, Actor};
use crate::bulk::write_rows;
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::event::{DatePrecision, EventType, NewEvent};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;

/// Records the history and events of a member leaving `from` for `to` (fields updated by the caller).
#[allow(clippy::too_many_arguments)]
pub fn rehome(
    conn: &mut Conn,
    ctx: &WriteContext,
    member_id: i64,
    from: (i64, &str),
    to: (i64, &str),
    effective_on: NaiveDate,
    event_type: EventType,
    reason: &str,
) -> Result<()> {
    let joined = conn
        .query_opt("SELECT joined_on FROM member WHERE id = ?", &[P::Int(member_id)])?
        .and_then(|r| r[0].date())
        .unwrap_or(effective_on);
    conn.execute(
        "INSERT INTO membership_history (member_id, household_id, region_code, from_on, to_on, reason) VALUES (?, ?, ?, ?, ?, ?)",
        &[P::Int(member_id), P::Int(from.0), P::Text(from.1), P::Date(joined.min(effective_on)), P::Date(effective_on), P::Text(reason)],
    )?;
    conn.execute(
        "UPDATE member SET household_id = ?, region_code = ?, joined_on = ?, version = version + 1 WHERE id = ?",
        &[P::Int(to.0), P::Text(to.1), P::Date(effective_on), P::Int(member_id)],
    )?;
    let first = crate::ids::allocate(conn, "adjustment_event", 2)?;
    let ev = |r: &str| NewEvent {
        event_type,
        effective_on,
        precision: DatePrecision::Day,
        household_type_after: None,
        member_id: None,
        reason: r.to_string(),
    };
    let details = format!("{{\"from_household\":{},\"to_household\":{}}}", from.0, to.0);
    let rows = vec![
        event_row(first, from.0, from.1, Some(member_id), &ev(&format!("成员迁出：{reason}")), Some(details.clone()), ctx),
        event_row(first + 1, to.0, to.1, Some(member_id), &ev(&format!("成员迁入：{reason}")), Some(details), ctx),
    ];
    write_rows(conn, "adjustment_event", EVENT_COLUMNS, &rows)?;
    close_if_empty(conn, ctx, from.0, from.1, effective_on)?;
    Ok(())
}

/// A household left with no active members is closed (status removed) with an event.
fn close_if_empty(conn: &mut Conn, ctx: &WriteContext, household_id: i64, region: &str, on: NaiveDate) -> Result<()> {
    let left = conn.query_int("SELECT COUNT(*) FROM member WHERE household_id = ? AND status = 'active'", &[P::Int(household_id)])?;
    if left == 0 {
        conn.execute("UPDATE household SET status = 'removed', version = version + 1, updated_at = ? WHERE id = ?", &[P::Text(&ctx.now), P::Int(household_id)])?;
        let e = NewEvent {
            event_type: EventType::Merge,
            effective_on: on,
            precision: DatePrecision::Day,
            household_type_after: Some("closed"),
            member_id: None,
            reason: "全部成员已迁出，本户注销".into(),
        };
        let id = crate::ids::allocate(conn, "adjustment_event", 1)?;
        write_rows(conn, "adjustment_event", EVENT_COLUMNS, &[event_row(id, household_id, region, None, &e, None, ctx)])?;
    }
    Ok(())
}

/// What the caller asks: move the person with this ID into that household, with this relation.
pub struct MoveRequest<'a> {
    pub resident_id: &'a str,
    pub to_household_no: &'a str,
    pub relation: &'static str,
    pub effective_on: NaiveDate,
    pub event_type: EventType,
    pub reason: &'a str,
}

/// Moves a member between two households in scope, in one transaction, with events and audit.
pub fn move_member(conn: &mut Conn, ctx: &WriteContext, actor: &Actor, scope: &RegionScope, req: &MoveRequest<'_>) -> Result<()> {
    let pattern = scope.like_pattern();
    let member = conn
        .query_opt(
            "SELECT m.id, m.household_id, m.region_code, m.relation, m.name FROM member m WHERE m.resident_id = ? AND m.status = 'active' AND m.region_code LIKE ?",
            &[P::Text(req.resident_id), P::Text(&pattern)],
        )?
        .ok_or_else(|| StoreError::NotFound("该证件号码的在册成员（或不在您的管辖范围内）".into()))?;
    let target = conn
        .query_opt(
            "SELECT id, region_code FROM household WHERE household_no = ? AND status = 'active' AND region_code LIKE ?",
            &[P::Text(req.to_household_no), P::Text(&pattern)],
        )?
        .ok_or_else(|| StoreError::NotFound(format!("户编号为 {} 的在册户（或不在您的管辖范围内）", req.to_household_no)))?;
    let (member_id, from_id, from_region) = (member[0].int().unwrap_or_default(), member[1].int().unwrap_or_default(), member[2].string());
    let (to_id, to_region) = (target[0].int().unwrap_or_default(), target[1].string());
    let joined = conn.query_opt("SELECT joined_on FROM member WHERE id = ?", &[P::Int(member_id)])?.and_then(|r| r[0].date());
    if let Some(j) = joined.filter(|j| req.effective_on < *j) {
        return Err(StoreError::Invalid(format!("迁移日期 {} 早于该成员加入原户的日期 {j}，请核对日期", req.effective_on)));
    }
    if from_id == to_id {
        return Err(StoreError::Invalid("该成员已在目标户中，无需迁移".into()));
    }
    if member[3].text() == Some("head") {
        let others = conn.query_int("SELECT COUNT(*) FROM member WHERE household_id = ? AND status = 'active' AND id <> ?", &[P::Int(from_id), P::Int(member_id)])?;
        if others > 0 {
            return Err(StoreError::Invalid("该成员是原户户主：迁出前请先为原户指定新户主".into()));
        }
    }
    if req.relation == "head" {
        let heads = conn.query_int("SELECT COUNT(*) FROM member WHERE household_id = ? AND status = 'active' AND relation = 'head'", &[P::Int(to_id)])?;
        if heads > 0 {
            return Err(StoreError::Invalid("目标户已有户主：迁入成员不能再作为户主".into()));
        }
    }
    conn.begin()?;
    let result = (|| -> Result<()> {
        let seq = conn.query_int("SELECT MAX(seq) FROM member WHERE household_id = ?", &[P::Int(to_id)])? + 1;
        conn.execute("UPDATE member SET relation = ?, seq = ? WHERE id = ?", &[P::Text(req.relation), P::Int(seq), P::Int(member_id)])?;
        rehome(conn, ctx, member_id, (from_id, &from_region), (to_id, &to_region), req.effective_on, req.event_type, req.reason)?;
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&to_region),
                entity: "member",
                entity_id: Some(member_id.to_string()),
                action: "move",
                before: Some(format!("{{\"household_id\":{from_id},\"relation\":{}}}", super::diff::json_str(member[3].text().unwrap_or("")))),
                after: Some(format!("{{\"household_id\":{to_id},\"relation\":\"{}\",\"effective_on\":\"{}\"}}", req.relation, req.effective_on)),
            },
        )?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.commit(),
        Err(e) => {
            let _ = conn.rollback();
            Err(e)
        }
    }
}
