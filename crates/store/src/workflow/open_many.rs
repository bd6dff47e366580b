//! Opening many household cases at once, set-based: the caller fills the temporary table
//! `wf_open (household_id, rn, due_on)` with the households (numbered 1…n) and each one's deadline,
//! then [`open_listed`] writes their cases at one step and their `apply` ledger rows in two
//! `INSERT … SELECT`s numbered from id blocks. Used by the annual campaign and by demo seeding.

use super::definitions::StoredDefinition;
use crate::db::{Conn, P};
use crate::error::Result;

/// Creates (or empties) this connection's `wf_open` table.
pub fn prepare(conn: &mut Conn) -> Result<()> {
    conn.batch("CREATE TEMPORARY TABLE IF NOT EXISTS wf_open (household_id BIGINT PRIMARY KEY, rn BIGINT NOT NULL, due_on DATE)")?;
    conn.batch("DELETE FROM wf_open")
}

/// What the listed households' cases have in common.
pub struct Opening<'a> {
    pub def: &'a StoredDefinition,
    pub step_index: usize,
    /// Shown on notices and lists (事项).
    pub item: &'a str,
    pub campaign_id: Option<i64>,
    /// The user opening them (the applicant) and their role for the ledger.
    pub applicant: &'a str,
    pub role: Option<&'a str>,
    /// The `apply` ledger row's comment and detail.
    pub comment: &'a str,
    pub detail: Option<&'a str>,
    pub now: &'a str,
}

/// Opens a case per row of `wf_open` (in its transaction); returns how many.
pub fn open_listed(conn: &mut Conn, o: &Opening<'_>) -> Result<i64> {
    let count = conn.query_int("SELECT COUNT(*) FROM wf_open", &[])?;
    if count == 0 {
        return Ok(0);
    }
    let step_key = o.def.def.step(o.step_index).map(|s| s.key.clone()).unwrap_or_default();
    let case_base = crate::ids::allocate(conn, "wf_case", count)? - 1;
    let ledger_base = crate::ids::allocate(conn, "wf_decision", count)? - 1;
    // the title: the head's name (the first if the registry has several by mistake), else the household number
    let inserted = conn.execute(
        "INSERT INTO wf_case (id, definition_id, procedure, region_code, subject_kind, household_id, title, group_name, item, amount, payload, campaign_id, verdict, status, \
           step_index, step_key, transition_no, step_since, step_due, applicant, created_at, updated_at, closed_at, version) \
         SELECT CAST(? AS BIGINT) + s.rn, CAST(? AS BIGINT), CAST(? AS TEXT), h.region_code, 'household', h.id, \
           COALESCE((SELECT MIN(m.name) FROM member m WHERE m.household_id = h.id AND m.relation = 'head' AND m.removed_on IS NULL), h.household_no) || '户', \
           h.villager_group, CAST(? AS TEXT), NULL, NULL, CAST(? AS BIGINT), NULL, 'open', CAST(? AS BIGINT), CAST(? AS TEXT), 0, CAST(? AS TEXT), s.due_on, CAST(? AS TEXT), \
           CAST(? AS TEXT), CAST(? AS TEXT), NULL, 1 \
         FROM wf_open s JOIN household h ON h.id = s.household_id",
        &[
            P::Int(case_base),
            P::Int(o.def.id),
            P::Text(&o.def.def.procedure),
            P::Text(o.item),
            o.campaign_id.map(P::Int).unwrap_or(P::Null),
            P::Int(o.step_index as i64),
            P::Text(&step_key),
            P::Text(o.now),
            P::Text(o.applicant),
            P::Text(o.now),
            P::Text(o.now),
        ],
    )?;
    conn.execute(
        "INSERT INTO wf_decision (id, case_id, region_code, transition_no, step_index, step_key, decision, actor, role, at, comment, return_to, verdict, detail) \
         SELECT CAST(? AS BIGINT) + s.rn, CAST(? AS BIGINT) + s.rn, h.region_code, 0, CAST(? AS BIGINT), CAST(? AS TEXT), 'apply', CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), NULL, NULL, CAST(? AS TEXT) \
         FROM wf_open s JOIN household h ON h.id = s.household_id",
        &[
            P::Int(ledger_base),
            P::Int(case_base),
            P::Int(o.step_index as i64),
            P::Text(&step_key),
            P::Text(o.applicant),
            o.role.map(P::Text).unwrap_or(P::Null),
            P::Text(o.now),
            P::Text(o.comment),
            o.detail.map(P::Text).unwrap_or(P::Null),
        ],
    )?;
    Ok(inserted as i64)
}
