//! Demo and benchmark cases: many applications placed at one step of a procedure in one set-based
//! statement (households in a region without an open case of that procedure), each with its
//! `apply` ledger row, and one audit entry for the batch. Used by `bangfu flow seed`.

use super::advance::due_for;
use super::definitions;
use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use chrono::NaiveDate;

/// Opens up to `n` cases of `procedure` at `step_key` for active households in `region_prefix`
/// (lowest ids first). Returns how many were opened.
pub fn seed_cases(conn: &mut Conn, actor: &Actor, procedure: &str, step_key: &str, region_prefix: &str, n: i64, today: NaiveDate) -> Result<i64> {
    conn.in_tx(|conn| {
        let def = definitions::current(conn, procedure, &format!("{region_prefix:0<12}"))?;
        let index = def.def.index_of(step_key).ok_or_else(|| StoreError::Invalid(format!("“{}”没有环节“{step_key}”", def.def.title)))?;
        let step = &def.def.steps[index];
        let cal = super::calendar::for_region(conn, &format!("{region_prefix:0<12}"))?;
        let due = due_for(&cal, step, today);
        conn.batch("CREATE TEMPORARY TABLE IF NOT EXISTS wf_seed (household_id BIGINT PRIMARY KEY, rn BIGINT NOT NULL)")?;
        conn.batch("DELETE FROM wf_seed")?;
        conn.execute(
            "INSERT INTO wf_seed (household_id, rn) SELECT id, ROW_NUMBER() OVER (ORDER BY id) FROM ( \
               SELECT h.id FROM household h WHERE h.status = 'active' AND h.region_code LIKE ? \
               AND NOT EXISTS (SELECT 1 FROM wf_case c WHERE c.household_id = h.id AND c.procedure = ? AND c.status = 'open') \
               ORDER BY h.id LIMIT ?) x",
            &[P::Text(&format!("{region_prefix}%")), P::Text(procedure), P::Int(n)],
        )?;
        let count = conn.query_int("SELECT COUNT(*) FROM wf_seed", &[])?;
        if count == 0 {
            return Ok(0);
        }
        let case_base = crate::ids::allocate(conn, "wf_case", count)? - 1;
        let ledger_base = crate::ids::allocate(conn, "wf_decision", count)? - 1;
        let now = crate::now_utc();
        let user = super::cases::user_of(actor).to_string();
        conn.execute(
            "INSERT INTO wf_case (id, definition_id, procedure, region_code, subject_kind, household_id, title, group_name, item, amount, payload, campaign_id, verdict, status, step_index, step_key, transition_no, step_since, step_due, applicant, created_at, updated_at, closed_at, version) \
             SELECT ? + s.rn, ?, ?, h.region_code, 'household', h.id, COALESCE(m.name, h.household_no) || '户', h.villager_group, ?, NULL, NULL, NULL, NULL, 'open', ?, ?, 0, ?, ?, ?, ?, ?, NULL, 1 \
             FROM wf_seed s JOIN household h ON h.id = s.household_id \
             LEFT JOIN member m ON m.household_id = h.id AND m.relation = 'head' AND m.removed_on IS NULL",
            &[
                P::Int(case_base),
                P::Int(def.id),
                P::Text(procedure),
                P::Text(&def.def.title),
                P::Int(index as i64),
                P::Text(step_key),
                P::Text(&now),
                due.map(P::Date).unwrap_or(P::Null),
                P::Text(&user),
                P::Text(&now),
                P::Text(&now),
            ],
        )?;
        conn.execute(
            "INSERT INTO wf_decision (id, case_id, region_code, transition_no, step_index, step_key, decision, actor, role, at, comment, return_to, verdict, detail) \
             SELECT ? + s.rn, ? + s.rn, h.region_code, 0, ?, ?, 'apply', ?, NULL, ?, '演示数据：直接置于本环节', NULL, NULL, NULL \
             FROM wf_seed s JOIN household h ON h.id = s.household_id",
            &[P::Int(ledger_base), P::Int(case_base), P::Int(index as i64), P::Text(step_key), P::Text(&user), P::Text(&now)],
        )?;
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&format!("{region_prefix:0<12}")),
                entity: "wf_case",
                entity_id: None,
                action: "seed",
                before: None,
                after: Some(serde_json::json!({ "事项": def.def.title, "环节": step.title, "件数": count }).to_string()),
            },
        )?;
        Ok(count)
    })
}
