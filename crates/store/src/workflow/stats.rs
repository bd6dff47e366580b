//! Counts and task lists of the workflow pages: open cases per procedure and step with how many
//! are overdue (the dashboard, /cases), the cases waiting for one decider (我的待办), and the
//! notices to close and objections to resolve in a scope.

use super::cases::{case_from_row, Case, CASE_COLUMNS};
use super::definitions;
use crate::db::{Cell, Conn, P};
use crate::error::Result;
use bangfu_domain::workflow::engine::Decider;
use bangfu_domain::RegionScope;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Open cases at one step of one procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCount {
    pub procedure: String,
    pub procedure_title: String,
    pub step_index: usize,
    pub step_key: String,
    pub step_title: String,
    pub open: i64,
    pub overdue: i64,
}

/// Open cases in scope per procedure and step (in the order of the steps), with the overdue ones.
pub fn counts(conn: &mut Conn, scope: &RegionScope, today: NaiveDate) -> Result<Vec<StepCount>> {
    let rows = conn.query(
        "SELECT definition_id, step_index, step_key, COUNT(*), SUM(CASE WHEN step_due < ? THEN 1 ELSE 0 END) FROM wf_case \
         WHERE status = 'open' AND region_code LIKE ? GROUP BY definition_id, step_index, step_key",
        &[P::Date(today), P::Text(&scope.like_pattern())],
    )?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let defs: BTreeMap<i64, definitions::StoredDefinition> = definitions::list(conn)?.into_iter().map(|d| (d.id, d)).collect();
    // versions of a procedure are merged by step key
    let mut out: BTreeMap<(String, String), StepCount> = BTreeMap::new();
    for r in rows {
        let Some(d) = defs.get(&r[0].int().unwrap_or_default()) else { continue };
        let step_index = r[1].int().unwrap_or_default() as usize;
        let step_key = r[2].string();
        let step_title = d.def.step(step_index).map(|s| s.title.clone()).unwrap_or_else(|| step_key.clone());
        let e = out.entry((d.def.procedure.clone(), step_key.clone())).or_insert_with(|| StepCount {
            procedure: d.def.procedure.clone(),
            procedure_title: d.def.title.clone(),
            step_index,
            step_key,
            step_title,
            open: 0,
            overdue: 0,
        });
        e.open += r[3].int().unwrap_or_default();
        e.overdue += r[4].int().unwrap_or_default();
    }
    let mut v: Vec<StepCount> = out.into_values().collect();
    v.sort_by(|a, b| (&a.procedure, a.step_index).cmp(&(&b.procedure, b.step_index)));
    Ok(v)
}

/// The (definition, step) pairs the decider's role owns at a level their scope may act on, with
/// whether the step forbids deciding one's own application.
pub fn owned_steps(conn: &mut Conn, who: &Decider) -> Result<Vec<(i64, usize, bool)>> {
    let code = who.role.code();
    let mut out = Vec::new();
    for d in definitions::list(conn)? {
        for (i, s) in d.def.steps.iter().enumerate() {
            if s.roles.iter().any(|r| r == code) && who.scope.prefix().len() <= s.level.digits() {
                out.push((d.id, i, s.forbid_self));
            }
        }
    }
    Ok(out)
}

/// The cases waiting for `who`: open, in scope, at a step their role owns at their level, not their
/// own application where the step forbids it, not already approved by them on this visit. Oldest
/// deadline first (no deadline last); at most `limit`, with the total.
pub fn tasks(conn: &mut Conn, who: &Decider, limit: i64) -> Result<(Vec<Case>, i64)> {
    let owned = owned_steps(conn, who)?;
    if owned.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let mut args: Vec<Cell> = vec![Cell::Text(who.scope.like_pattern())];
    let mut parts = Vec::new();
    for (def, step, forbid_self) in &owned {
        args.push(Cell::Int(*def));
        args.push(Cell::Int(*step as i64));
        if *forbid_self {
            parts.push("(definition_id = ? AND step_index = ? AND applicant <> ?)");
            args.push(Cell::Text(who.user.clone()));
        } else {
            parts.push("(definition_id = ? AND step_index = ?)");
        }
    }
    args.push(Cell::Text(who.user.clone()));
    let from = format!(
        " FROM wf_case WHERE status = 'open' AND region_code LIKE ? AND ({}) AND NOT EXISTS (SELECT 1 FROM wf_decision d WHERE d.case_id = wf_case.id \
         AND d.transition_no = wf_case.transition_no AND d.decision = 'approve' AND d.actor = ?)",
        parts.join(" OR ")
    );
    let params = crate::db::params(&args);
    let total = conn.query_int(&format!("SELECT COUNT(*){from}"), &params)?;
    let mut p = params.clone();
    p.push(P::Int(limit));
    let rows = conn.query(&format!("SELECT {CASE_COLUMNS}{from} ORDER BY CASE WHEN step_due IS NULL THEN 1 ELSE 0 END, step_due, id LIMIT ?"), &p)?;
    Ok((rows.iter().map(|r| case_from_row(r)).collect(), total))
}

/// Notices in scope whose period has ended and that are not closed yet.
pub fn notices_to_close(conn: &mut Conn, scope: &RegionScope, today: NaiveDate) -> Result<i64> {
    conn.query_int("SELECT COUNT(*) FROM wf_notice WHERE region_code LIKE ? AND status = 'posted' AND ends_on < ?", &[P::Text(&scope.like_pattern()), P::Date(today)])
}

/// Objections in scope waiting for a verification and an outcome.
pub fn open_objections(conn: &mut Conn, scope: &RegionScope) -> Result<i64> {
    conn.query_int("SELECT COUNT(*) FROM wf_objection WHERE region_code LIKE ? AND status = 'open'", &[P::Text(&scope.like_pattern())])
}
