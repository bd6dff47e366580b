//! Hand-over (交接) when a helper leaves: their active households go to a successor, history kept.

#[allow(unused_imports)]
use super::*;
use super::caseload::CASELOAD_KINDS_SQL;

/// What [`hand_over`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct HandOver {
    /// Pairings ended (each with `replaced_by` set).
    pub ended: i64,
    /// Pairings created for the successor (fewer than `ended` where the successor already had the household).
    pub created: i64,
    /// The successor's active households and limit afterwards.
    pub successor_caseload: (i64, i64),
}

/// Ends every active caseload pairing (帮扶责任人—户, 领导干部包户) of `from_helper` whose household
/// lies in the caller's scope on `on_date`, and gives each household to `to_helper` from the same
/// date with the same plan: one `INSERT … SELECT` for the successors, one `UPDATE` ending the old
/// ones with `replaced_by` pointing at the successor's pairing. One audit entry with the counts.
/// The leaving helper is not marked as left here (see [`super::helpers::mark_left`]).
pub fn hand_over(conn: &mut Conn, actor: &Actor, scope: &RegionScope, from_helper: i64, to_helper: i64, on_date: NaiveDate, reason: &str) -> Result<HandOver> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::Invalid("请填写交接原因（如 调离、退休）".into()));
    }
    if from_helper == to_helper {
        return Err(StoreError::Invalid("交接双方不能是同一人".into()));
    }
    in_tx(conn, |conn| {
        let all = RegionScope::all();
        let from = super::helpers::get(conn, &all, from_helper)?.ok_or_else(|| StoreError::Invalid(format!("原帮扶人（编号 {from_helper}）不存在")))?;
        let to = super::helpers::get(conn, &all, to_helper)?.ok_or_else(|| StoreError::Invalid(format!("接手的帮扶人（编号 {to_helper}）不存在")))?;
        if !to.is_active() {
            return Err(StoreError::Invalid(format!("接手的帮扶人 {} 已调离", to.name)));
        }
        let pattern = scope.like_pattern();
        let cond = format!("p.helper_kind = 'helper' AND p.helper_id = ? AND p.status = 'active' AND p.kind IN {CASELOAD_KINDS_SQL} AND p.region_code LIKE ?");
        let early = conn.query_opt(&format!("SELECT MAX(p.started_on) FROM pairing p WHERE {cond}"), &[P::Int(from_helper), P::Text(&pattern)])?;
        if let Some(latest) = early.and_then(|r| r[0].date())
            && on_date < latest {
                return Err(StoreError::Invalid(format!("交接日期 {on_date} 早于某一结对的开始日期 {latest}")));
            }
        // the successor's pairings: only for households the successor does not already have
        let fresh = format!(
            "{cond} AND NOT EXISTS (SELECT 1 FROM pairing q WHERE q.beneficiary_kind = p.beneficiary_kind AND q.beneficiary_id = p.beneficiary_id \
             AND q.helper_kind = 'helper' AND q.helper_id = ? AND q.status = 'active' AND q.kind = p.kind)"
        );
        let n = conn.query_int(&format!("SELECT COUNT(*) FROM pairing p WHERE {fresh}"), &[P::Int(from_helper), P::Text(&pattern), P::Int(to_helper)])?;
        let now = crate::now_utc();
        let mut created = 0;
        let mut first = 0;
        if n > 0 {
            first = crate::ids::allocate(conn, "pairing", n)?;
            created = conn.execute(
                &format!(
                    "INSERT INTO pairing (id, kind, helper_kind, helper_id, helper_region, beneficiary_kind, beneficiary_id, beneficiary_region, region_code, started_on, status, plan_goal, plan_measures, created_at, updated_at, version) \
                     SELECT ? - 1 + ROW_NUMBER() OVER (ORDER BY p.id), p.kind, 'helper', ?, NULL, p.beneficiary_kind, p.beneficiary_id, p.beneficiary_region, p.region_code, ?, 'active', p.plan_goal, p.plan_measures, ?, ?, 1 \
                     FROM pairing p WHERE {fresh}"
                ),
                &[P::Int(first), P::Int(to_helper), P::Date(on_date), P::Text(&now), P::Text(&now), P::Int(from_helper), P::Text(&pattern), P::Int(to_helper)],
            )? as i64;
        }
        let ended = conn.execute(
            &format!(
                "UPDATE pairing SET status = 'ended', ended_on = ?, end_reason = ?, updated_at = ?, version = version + 1, \
                 replaced_by = (SELECT MAX(q.id) FROM pairing q WHERE q.beneficiary_kind = pairing.beneficiary_kind AND q.beneficiary_id = pairing.beneficiary_id \
                                AND q.helper_kind = 'helper' AND q.helper_id = ? AND q.status = 'active' AND q.kind = pairing.kind) \
                 WHERE id IN (SELECT p.id FROM pairing p WHERE {cond})"
            ),
            &[P::Date(on_date), P::Text(reason), P::Text(&now), P::Int(to_helper), P::Int(from_helper), P::Text(&pattern)],
        )? as i64;
        let region = if scope.prefix().len() >= 6 { padded(scope.prefix()) } else { from.region_code.clone() };
        record(
            conn,
            actor,
            &region,
            "helper",
            from_helper,
            "hand_over",
            Some(serde_json::json!({"helper_id": from_helper, "name": from.name})),
            Some(serde_json::json!({"to_helper": to_helper, "to_name": to.name, "on": on_date.to_string(), "reason": reason, "ended": ended, "created": created, "first_new_id": first})),
        )?;
        let successor_caseload = super::caseload::of_helper(conn, to_helper)?;
        Ok(HandOver { ended, created, successor_caseload })
    })
}
