//! Moving cases, set-based: the ledger rows, the step changes (grouped by target step and
//! deadline, in chunks), completion and rejection, and the effects of completed cases on the
//! registry (an adjustment event and the household type; a village's exit year). Every caller —
//! a decision, a bulk decision, a meeting, a closed notice, an upheld objection, an announcement —
//! goes through here inside its own transaction.

use super::calendar;
use super::definitions::StoredDefinition;
use crate::audit::{self, Actor};
use crate::bulk::write_rows;
use crate::db::{Cell, Conn, P};
use crate::error::Result;
use crate::registry::write::{event_row, WriteContext, EVENT_COLUMNS};
use bangfu_domain::event::{DatePrecision, EventType, NewEvent};
use bangfu_domain::vocab::HOUSEHOLD_TYPE;
use bangfu_domain::workflow::calendar::Calendar;
use bangfu_domain::workflow::engine::Outcome;
use bangfu_domain::workflow::{Effect, StepDef};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// One entry for the decision ledger.
#[derive(Debug, Clone)]
pub struct LedgerRow {
    pub case_id: i64,
    pub region_code: String,
    pub transition_no: i64,
    pub step_index: usize,
    pub step_key: String,
    pub decision: &'static str,
    pub actor: String,
    pub role: Option<String>,
    pub comment: Option<String>,
    pub return_to: Option<usize>,
    pub verdict: Option<String>,
    pub detail: Option<String>,
}

impl LedgerRow {
    /// An entry by `who` on the case's current step visit, without comment or detail yet.
    pub fn on(c: &super::cases::Case, who: &bangfu_domain::workflow::Decider, decision: &'static str) -> LedgerRow {
        LedgerRow {
            case_id: c.id,
            region_code: c.region_code.clone(),
            transition_no: c.transition_no,
            step_index: c.step_index,
            step_key: c.step_key.clone(),
            decision,
            actor: who.user.clone(),
            role: Some(who.role.code().to_string()),
            comment: None,
            return_to: None,
            verdict: None,
            detail: None,
        }
    }
}

pub const LEDGER_COLUMNS: &[&str] = &["id", "case_id", "region_code", "transition_no", "step_index", "step_key", "decision", "actor", "role", "at", "comment", "return_to", "verdict", "detail"];

fn text(v: Option<&str>) -> Cell {
    v.map(|t| Cell::Text(t.to_string())).unwrap_or(Cell::Null)
}

/// The row's cells after the id.
pub fn ledger_row(r: &LedgerRow, at: &str) -> Vec<Cell> {
    vec![
        Cell::Int(r.case_id),
        Cell::Text(r.region_code.clone()),
        Cell::Int(r.transition_no),
        Cell::Int(r.step_index as i64),
        Cell::Text(r.step_key.clone()),
        Cell::Text(r.decision.to_string()),
        Cell::Text(r.actor.clone()),
        text(r.role.as_deref()),
        Cell::Text(at.to_string()),
        text(r.comment.as_deref()),
        r.return_to.map(|v| Cell::Int(v as i64)).unwrap_or(Cell::Null),
        text(r.verdict.as_deref()),
        text(r.detail.as_deref()),
    ]
}

/// Appends ledger rows (cells from [`ledger_row`]), numbering them from one id block.
pub fn write_ledger(conn: &mut Conn, rows: &[Vec<Cell>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let first = crate::ids::allocate(conn, "wf_decision", rows.len() as i64)?;
    write_ledger_from(conn, first, rows)
}

/// Appends ledger rows numbered from `first` (ids the caller allocated, e.g. before its
/// transaction so that the allocator's row is not held while it works).
pub fn write_ledger_from(conn: &mut Conn, first: i64, rows: &[Vec<Cell>]) -> Result<()> {
    let full: Vec<Vec<Cell>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = Vec::with_capacity(r.len() + 1);
            v.push(Cell::Int(first + i as i64));
            v.extend(r.iter().cloned());
            v
        })
        .collect();
    if let [one] = full.as_slice() {
        // one decision: a plain INSERT (a COPY costs a round trip more on PostgreSQL)
        let sql = format!("INSERT INTO wf_decision ({}) VALUES ({})", LEDGER_COLUMNS.join(", "), marks(LEDGER_COLUMNS.len()));
        conn.execute(&sql, &crate::db::params(one))?;
        return Ok(());
    }
    write_rows(conn, "wf_decision", LEDGER_COLUMNS, &full)
}

/// The deadline of a step entered today, if it has one.
pub fn due_for(cal: &Calendar, step: &StepDef, today: NaiveDate) -> Option<NaiveDate> {
    step.deadline_days.map(|d| cal.add_days(today, d, step.deadline_working_days))
}

/// A case to move and where.
#[derive(Debug, Clone)]
pub struct Move {
    pub case_id: i64,
    pub region_code: String,
    pub household_id: Option<i64>,
    pub title: String,
    pub outcome: Outcome,
}

/// Ids in chunks small enough for one statement's parameter list.
pub fn chunks(ids: &[i64]) -> impl Iterator<Item = &[i64]> {
    ids.chunks(500)
}

/// `?, ?, ?` for n parameters.
pub fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Applies outcomes to cases whose rows the caller has locked (or is the only writer of): step
/// changes, completions with their effects, rejections. `Waiting` outcomes change nothing.
pub fn apply_moves(conn: &mut Conn, actor: &Actor, keys: &crate::Keyring, def: &StoredDefinition, moves: &[Move], today: NaiveDate) -> Result<()> {
    let now = crate::now_utc();
    let mut calendars: BTreeMap<String, Calendar> = BTreeMap::new();
    let mut to_step: BTreeMap<(usize, Option<NaiveDate>), Vec<i64>> = BTreeMap::new();
    let mut completed: Vec<&Move> = Vec::new();
    let mut rejected: Vec<i64> = Vec::new();
    for m in moves {
        match m.outcome {
            Outcome::MoveTo(i) | Outcome::ReturnedTo(i) => {
                let county: String = m.region_code.chars().take(6).collect();
                if !calendars.contains_key(&county) {
                    let cal = calendar::for_region(conn, &m.region_code)?;
                    calendars.insert(county.clone(), cal);
                }
                let due = def.def.step(i).and_then(|s| calendars.get(&county).and_then(|cal| due_for(cal, s, today)));
                to_step.entry((i, due)).or_default().push(m.case_id);
            }
            Outcome::Completed => completed.push(m),
            Outcome::Rejected => rejected.push(m.case_id),
            Outcome::Waiting { .. } => {}
        }
    }
    for ((i, due), ids) in &to_step {
        let key = def.def.step(*i).map(|s| s.key.clone()).unwrap_or_default();
        for chunk in chunks(ids) {
            let sql = format!(
                "UPDATE wf_case SET step_index = ?, step_key = ?, transition_no = transition_no + 1, step_since = ?, step_due = ?, updated_at = ?, version = version + 1 WHERE id IN ({})",
                marks(chunk.len())
            );
            let mut p = vec![P::Int(*i as i64), P::Text(&key), P::Text(&now), due.map(P::Date).unwrap_or(P::Null), P::Text(&now)];
            p.extend(chunk.iter().map(|id| P::Int(*id)));
            conn.execute(&sql, &p)?;
        }
    }
    let close = |conn: &mut Conn, ids: &[i64], status: &str| -> Result<()> {
        for chunk in chunks(ids) {
            let sql = format!(
                "UPDATE wf_case SET status = ?, transition_no = transition_no + 1, step_due = NULL, closed_at = ?, updated_at = ?, version = version + 1 WHERE id IN ({})",
                marks(chunk.len())
            );
            let mut p = vec![P::Text(status), P::Text(&now), P::Text(&now)];
            p.extend(chunk.iter().map(|id| P::Int(*id)));
            conn.execute(&sql, &p)?;
        }
        Ok(())
    };
    close(conn, &rejected, "rejected")?;
    let done: Vec<i64> = completed.iter().map(|m| m.case_id).collect();
    close(conn, &done, "completed")?;
    apply_effect(conn, actor, keys, def, &completed, today, &now)
}

fn apply_effect(conn: &mut Conn, actor: &Actor, keys: &crate::Keyring, def: &StoredDefinition, done: &[&Move], today: NaiveDate, now: &str) -> Result<()> {
    if done.is_empty() {
        return Ok(());
    }
    match &def.def.effect {
        Effect::None | Effect::CampaignVerdict => Ok(()),
        Effect::VillageExit => {
            let mut entries = Vec::new();
            for m in done {
                conn.execute("UPDATE region SET exit_year = ? WHERE code = ?", &[P::Int(today.year() as i64), P::Text(&m.region_code)])?;
                entries.push((m.region_code.clone(), serde_json::json!({ "出列年度": today.year(), "案件": m.case_id }).to_string()));
            }
            let e: Vec<audit::Entry> = entries
                .iter()
                .map(|(r, after)| audit::Entry { region_code: Some(r), entity: "region", entity_id: Some(r.clone()), action: "village_exit", before: None, after: Some(after.clone()) })
                .collect();
            audit::record_many(conn, actor, &e)
        }
        Effect::HouseholdType { event, type_after } => {
            let Some(event_type) = EventType::from_code(event) else { return Ok(()) };
            let after: Option<&'static str> = HOUSEHOLD_TYPE.by_code(type_after).map(|t| t.code);
            let households: Vec<&&Move> = done.iter().filter(|m| m.household_id.is_some()).collect();
            if households.is_empty() {
                return Ok(());
            }
            let ctx = WriteContext { batch_id: None, recorded_by: actor.name.clone(), now: now.to_string(), keys: keys.clone() };
            let first = crate::ids::allocate(conn, "adjustment_event", households.len() as i64)?;
            let mut rows = Vec::with_capacity(households.len());
            for (i, m) in households.iter().enumerate() {
                let e = NewEvent {
                    event_type,
                    effective_on: today,
                    precision: DatePrecision::Day,
                    household_type_after: after,
                    member_id: None,
                    reason: format!("{}（案件 {}）", def.def.title, m.case_id),
                };
                let details = serde_json::json!({ "case_id": m.case_id }).to_string();
                rows.push(event_row(first + i as i64, m.household_id.unwrap_or_default(), &m.region_code, None, &e, Some(details), &ctx));
            }
            write_rows(conn, "adjustment_event", EVENT_COLUMNS, &rows)?;
            let ids: Vec<i64> = households.iter().filter_map(|m| m.household_id).collect();
            if let Some(t) = after {
                for chunk in chunks(&ids) {
                    let sql = format!("UPDATE household SET household_type = ?, updated_at = ?, version = version + 1 WHERE id IN ({})", marks(chunk.len()));
                    let mut p = vec![P::Text(t), P::Text(now)];
                    p.extend(chunk.iter().map(|id| P::Int(*id)));
                    conn.execute(&sql, &p)?;
                }
            }
            let label = after.and_then(|c| HOUSEHOLD_TYPE.by_code(c)).map(|t| t.label).unwrap_or_default();
            let afters: Vec<(String, String, String)> = households
                .iter()
                .map(|m| {
                    (
                        m.region_code.clone(),
                        m.household_id.unwrap_or_default().to_string(),
                        serde_json::json!({ "调整类型": event_type.label(), "调整后户类型": label, "调整日期": today.to_string(), "依据": format!("{}，案件 {}", def.def.title, m.case_id) }).to_string(),
                    )
                })
                .collect();
            let e: Vec<audit::Entry> = afters
                .iter()
                .map(|(r, id, after)| audit::Entry { region_code: Some(r), entity: "household", entity_id: Some(id.clone()), action: "event", before: None, after: Some(after.clone()) })
                .collect();
            audit::record_many(conn, actor, &e)
        }
    }
}
