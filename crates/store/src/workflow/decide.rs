//! Deciding cases: one decision under the case's row lock (two officials approving the same case
//! at once: exactly one is recorded, the other is told), and bulk decisions — a township approves
//! a village's cases in one action with per-record exceptions — set-based in one transaction.

use super::advance::{apply_moves, chunks, ledger_row, marks, write_ledger, write_ledger_from, LedgerRow, Move};
use super::cases::{case_from_row, Case, CASE_COLUMNS};
use super::checks;
use super::definitions::{self, StoredDefinition};
use crate::audit::{self, Actor};
use crate::db::{Backend, Conn, P};
use crate::error::{Result, StoreError};
use crate::Keyring;
use bangfu_domain::workflow::checks::CheckResult;
use bangfu_domain::workflow::engine::{self, Attempt, CaseStatus, Decider, DecisionKind, Outcome, Refusal};
use bangfu_domain::workflow::{Policy, StepDef, StepKind};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Done(Outcome),
    /// Nothing was written; the reason says why.
    Refused(String),
}

/// A decision as submitted from a form or the API.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub kind: DecisionKind,
    pub seen_transition: i64,
    pub comment: String,
    pub verdict: Option<String>,
}

/// How many people may approve a step of a case in `region` (active users holding one of the
/// step's roles at a scope that contains the region and is no narrower than the step's level).
pub fn eligible(conn: &mut Conn, step: &StepDef, region: &str) -> Result<usize> {
    let roles = step.roles.clone();
    if roles.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "SELECT DISTINCT g.user_id, g.region_code FROM role_grant g JOIN app_user u ON u.id = g.user_id WHERE u.active = ? AND g.role IN ({})",
        marks(roles.len())
    );
    let mut p = vec![P::Bool(true)];
    p.extend(roles.iter().map(|r| P::Text(r)));
    let rows = conn.query(&sql, &p)?;
    let users: HashSet<i64> = rows
        .iter()
        .filter(|r| {
            let code = r[1].text().unwrap_or_default();
            let prefix = if code.is_empty() { Some(String::new()) } else { bangfu_domain::RegionCode::parse(code).ok().map(|c| c.prefix().to_string()) };
            prefix.is_some_and(|p| region.starts_with(&p) && p.len() <= step.level.digits())
        })
        .filter_map(|r| r[0].int())
        .collect();
    Ok(users.len())
}

fn lock_sql(backend: Backend, n: usize) -> String {
    let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    format!("SELECT {CASE_COLUMNS} FROM wf_case WHERE id IN ({}) AND region_code LIKE ?{lock}", marks(n))
}

/// Cases in scope, locked until the transaction ends (PostgreSQL; SQLite's writer lock covers it).
pub fn lock_cases(conn: &mut Conn, scope: &RegionScope, ids: &[i64]) -> Result<Vec<Case>> {
    let mut out = Vec::with_capacity(ids.len());
    let like = scope.like_pattern();
    for chunk in chunks(ids) {
        let mut p: Vec<P> = chunk.iter().map(|id| P::Int(*id)).collect();
        p.push(P::Text(&like));
        let sql = lock_sql(conn.backend(), chunk.len());
        out.extend(conn.query(&sql, &p)?.iter().map(|r| case_from_row(r)));
    }
    Ok(out)
}

/// Approvals recorded on each case's current step visit: case → approvers.
fn approvals(conn: &mut Conn, cases: &[&Case]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    for chunk in chunks(&ids) {
        let sql = format!(
            "SELECT d.case_id, d.actor FROM wf_decision d JOIN wf_case c ON c.id = d.case_id AND c.transition_no = d.transition_no \
             WHERE d.decision = 'approve' AND d.case_id IN ({})",
            marks(chunk.len())
        );
        let p: Vec<P> = chunk.iter().map(|id| P::Int(*id)).collect();
        for r in conn.query(&sql, &p)? {
            out.entry(r[0].int().unwrap_or_default()).or_default().push(r[1].string());
        }
    }
    Ok(out)
}

fn attachment_since(conn: &mut Conn, c: &Case) -> Result<bool> {
    Ok(conn.query_int("SELECT COUNT(*) FROM wf_attachment WHERE owner_kind = 'case' AND owner_id = ? AND uploaded_at >= ?", &[P::Int(c.id), P::Text(&c.step_since)])? > 0)
}

/// The attempt the engine judges, with the step's checks run when it has them.
fn attempt_for(conn: &mut Conn, keys: &Keyring, c: &Case, step: &StepDef, input: &DecisionInput, today: NaiveDate) -> Result<(Attempt, Vec<CheckResult>)> {
    let mut a = Attempt { kind: input.kind.clone(), seen_transition: input.seen_transition, comment: input.comment.clone(), has_attachment: false, verdict: input.verdict.clone(), blocking_failures: Vec::new(), warnings: Vec::new() };
    let mut results = Vec::new();
    if input.kind == DecisionKind::Approve {
        if step.requires_attachment {
            a.has_attachment = attachment_since(conn, c)?;
        }
        if let Some(set) = &step.checks {
            results = checks::run(conn, keys, c, set, today)?;
            for r in results.iter().filter(|r| !r.passed) {
                let line = format!("{}（{}）", r.title, r.detail);
                if r.blocking { a.blocking_failures.push(line) } else { a.warnings.push(line) }
            }
        }
    }
    Ok((a, results))
}

fn why_not_locked(conn: &mut Conn, scope: &RegionScope, case_id: i64) -> Result<Decided> {
    let Some(c) = super::cases::get(conn, scope, case_id)? else {
        return Err(StoreError::NotFound("该案件（不存在或不在您的管辖范围内）".into()));
    };
    if c.status != CaseStatus::Open {
        return Ok(Decided::Refused(Refusal::NotOpen(c.status).message()));
    }
    let last = conn.query_opt("SELECT actor, at, decision FROM wf_decision WHERE case_id = ? ORDER BY id DESC LIMIT 1", &[P::Int(case_id)])?;
    let who = last.map(|r| format!("（最近一次：{} 于 {} {}）", r[0].string(), r[1].string().chars().take(16).collect::<String>().replace('T', " "), super::cases::decision_label(&r[2].string()))).unwrap_or_default();
    Ok(Decided::Refused(format!("{}{who}", Refusal::Stale.message())))
}

fn ledger_for(c: &Case, who: &Decider, input_kind: &DecisionKind, comment: &str, verdict: Option<&str>, detail: Option<String>) -> LedgerRow {
    LedgerRow {
        comment: Some(comment.trim().to_string()).filter(|s| !s.is_empty()),
        return_to: match input_kind {
            DecisionKind::Return { to } => Some(*to),
            _ => None,
        },
        verdict: verdict.map(str::to_string),
        detail,
        ..LedgerRow::on(c, who, input_kind.code())
    }
}

fn outcome_text(def: &StoredDefinition, o: &Outcome) -> String {
    match o {
        Outcome::Waiting { have, need } => format!("已同意 {have}/{need}，等待其他人员审批"),
        Outcome::MoveTo(i) => format!("进入“{}”", def.def.step(*i).map(|s| s.title.as_str()).unwrap_or("?")),
        Outcome::Completed => "办结".into(),
        Outcome::ReturnedTo(i) => format!("退回到“{}”", def.def.step(*i).map(|s| s.title.as_str()).unwrap_or("?")),
        Outcome::Rejected => "不通过，案件终止".into(),
    }
}

pub fn outcome_label(def: &StoredDefinition, o: &Outcome) -> String {
    outcome_text(def, o)
}

/// Decides one case. Refusals (stale form, wrong role, overdue, own application, checks …) write
/// nothing and come back as [`Decided::Refused`]; a case outside the scope is not found.
pub fn decide(conn: &mut Conn, keys: &Keyring, actor: &Actor, who: &Decider, case_id: i64, input: &DecisionInput, today: NaiveDate) -> Result<Decided> {
    // the ledger row's id is taken before the transaction (its own short one): concurrent deciders
    // then serialize only on the audit chain at the end, not for their whole transaction
    let ledger_id = crate::ids::allocate(conn, "wf_decision", 1)?;
    conn.begin()?;
    let r = decide_in_tx(conn, keys, actor, who, case_id, input, ledger_id, today);
    match r {
        Ok(Decided::Done(o)) => {
            conn.commit()?;
            Ok(Decided::Done(o))
        }
        Ok(refused) => {
            conn.rollback()?;
            Ok(refused)
        }
        Err(e) => {
            let _ = conn.rollback();
            if e.is_unique_violation() {
                // the same person's second submission raced the first
                return Ok(Decided::Refused(Refusal::AlreadyDecided.message()));
            }
            Err(e)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn decide_in_tx(conn: &mut Conn, keys: &Keyring, actor: &Actor, who: &Decider, case_id: i64, input: &DecisionInput, ledger_id: i64, today: NaiveDate) -> Result<Decided> {
    // the row lock: the first of two simultaneous deciders takes it; the second waits, then finds
    // the transition changed (or, on SQLite, starts after the first committed)
    let locked = conn.execute(
        "UPDATE wf_case SET version = version + 1 WHERE id = ? AND status = 'open' AND transition_no = ? AND region_code LIKE ?",
        &[P::Int(case_id), P::Int(input.seen_transition), P::Text(&who.scope.like_pattern())],
    )?;
    if locked == 0 {
        return why_not_locked(conn, &who.scope, case_id);
    }
    let c = super::cases::get(conn, &who.scope, case_id)?.ok_or_else(|| StoreError::NotFound("该案件".into()))?;
    let def = definitions::get(conn, c.definition_id)?;
    let Some(step) = def.def.step(c.step_index).cloned() else { return Ok(Decided::Refused(Refusal::Stale.message())) };
    if let Err(r) = engine::may_act(&def.def, &c.view(), who, today) {
        return Ok(Decided::Refused(r.message()));
    }
    let (attempt, results) = attempt_for(conn, keys, &c, &step, input, today)?;
    let ap = approvals(conn, &[&c])?;
    let mine = ap.get(&c.id).is_some_and(|v| v.contains(&who.user));
    let have = ap.get(&c.id).map(Vec::len).unwrap_or(0);
    let eligible_n = if step.policy == Policy::Any { 1 } else { eligible(conn, &step, &c.region_code)? };
    let outcome = match engine::decide(&def.def, &c.view(), who, &attempt, have, mine, eligible_n, today) {
        Ok(o) => o,
        Err(r) => return Ok(Decided::Refused(r.message())),
    };
    let detail = (!results.is_empty()).then(|| checks::results_json(&results));
    let now = crate::now_utc();
    let row = ledger_for(&c, who, &input.kind, &input.comment, input.verdict.as_deref(), detail);
    write_ledger_from(conn, ledger_id, &[ledger_row(&row, &now)])?;
    if step.verdict && input.kind == DecisionKind::Approve {
        conn.execute("UPDATE wf_case SET verdict = ? WHERE id = ?", &[input.verdict.as_deref().map(P::Text).unwrap_or(P::Null), P::Int(c.id)])?;
    }
    let m = Move { case_id: c.id, region_code: c.region_code.clone(), household_id: c.household_id, title: c.title.clone(), outcome: outcome.clone() };
    apply_moves(conn, actor, keys, &def, &[m], today)?;
    audit::record(
        conn,
        actor,
        audit::Entry {
            region_code: Some(&c.region_code),
            entity: "wf_case",
            entity_id: Some(c.id.to_string()),
            action: input.kind.code(),
            before: Some(serde_json::json!({ "环节": step.title, "流转序号": c.transition_no }).to_string()),
            after: Some(serde_json::json!({ "决定": super::cases::decision_label(input.kind.code()), "意见": input.comment, "结果": outcome_text(&def, &outcome) }).to_string()),
        },
    )?;
    Ok(Decided::Done(outcome))
}

/// A bulk decision: approve every listed case at `step_key`, except the exceptions (returned or
/// rejected, each with its reason).
#[derive(Debug, Clone, Default)]
pub struct BulkInput {
    pub step_key: String,
    pub case_ids: Vec<i64>,
    pub comment: String,
    /// (case, Return{to}|Reject, reason)
    pub exceptions: Vec<(i64, DecisionKind, String)>,
    /// The verdict given to every approved case where the step asks for one (dynamic adjustment:
    /// "all unchanged but these").
    pub verdict: Option<String>,
}

/// What a bulk decision did.
#[derive(Debug, Clone, Default)]
pub struct BulkReport {
    pub approved: usize,
    pub returned: usize,
    pub rejected: usize,
    /// Approvals recorded that wait for other approvers.
    pub waiting: usize,
    pub completed: usize,
    /// Cases left as they were, with the reason (case id, title, reason).
    pub refused: Vec<(i64, String, String)>,
}

impl BulkReport {
    pub fn decided(&self) -> usize {
        self.approved + self.returned + self.rejected
    }
}

/// Decides many cases in one transaction: rows locked, every guard checked per case in memory,
/// ledger rows, step changes and audit entries written in bulk. Cases that cannot be decided are
/// reported and left untouched; the rest are decided.
pub fn decide_bulk(conn: &mut Conn, keys: &Keyring, actor: &Actor, who: &Decider, input: &BulkInput, today: NaiveDate) -> Result<BulkReport> {
    let mut ids: Vec<i64> = input.case_ids.iter().copied().chain(input.exceptions.iter().map(|e| e.0)).collect();
    ids.sort_unstable();
    ids.dedup();
    conn.in_tx(|conn| {
        let cases = lock_cases(conn, &who.scope, &ids)?;
        let found: HashSet<i64> = cases.iter().map(|c| c.id).collect();
        let mut report = BulkReport::default();
        for id in ids.iter().filter(|id| !found.contains(id)) {
            report.refused.push((*id, String::new(), "不存在或不在您的管辖范围内".into()));
        }
        let exceptions: HashMap<i64, (DecisionKind, String)> = input.exceptions.iter().map(|(id, k, r)| (*id, (k.clone(), r.clone()))).collect();
        let defs = definitions::by_ids(conn, cases.iter().map(|c| c.definition_id))?;
        let at_step: Vec<&Case> = cases.iter().filter(|c| c.status == CaseStatus::Open && c.step_key == input.step_key).collect();
        let ap = approvals(conn, &at_step)?;
        let mut eligible_cache: HashMap<(i64, usize, String), usize> = HashMap::new();
        let now = crate::now_utc();
        let mut ledger = Vec::new();
        let mut moves: BTreeMap<i64, Vec<Move>> = BTreeMap::new();
        let mut audits: Vec<(String, String, &'static str, String)> = Vec::new();
        let mut verdicts: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for c in &cases {
            if c.status != CaseStatus::Open || c.step_key != input.step_key {
                let why = if c.status != CaseStatus::Open { Refusal::NotOpen(c.status).message() } else { "已不在本环节（可能已被他人处理）".to_string() };
                report.refused.push((c.id, c.title.clone(), why));
                continue;
            }
            let def = &defs[&c.definition_id];
            let Some(step) = def.def.step(c.step_index).cloned() else { continue };
            let (kind, comment) = exceptions.get(&c.id).cloned().unwrap_or((DecisionKind::Approve, input.comment.clone()));
            let verdict = if kind == DecisionKind::Approve && step.verdict { input.verdict.clone() } else { None };
            let di = DecisionInput { kind: kind.clone(), seen_transition: c.transition_no, comment: comment.clone(), verdict: verdict.clone() };
            if let Err(r) = engine::may_act(&def.def, &c.view(), who, today) {
                report.refused.push((c.id, c.title.clone(), r.message()));
                continue;
            }
            let (attempt, results) = attempt_for(conn, keys, c, &step, &di, today)?;
            let mine = ap.get(&c.id).is_some_and(|v| v.contains(&who.user));
            let have = ap.get(&c.id).map(Vec::len).unwrap_or(0);
            let eligible_n = if step.policy == Policy::Any {
                1
            } else {
                let key = (c.definition_id, c.step_index, c.region_code.clone());
                match eligible_cache.get(&key) {
                    Some(n) => *n,
                    None => {
                        let n = eligible(conn, &step, &c.region_code)?;
                        eligible_cache.insert(key, n);
                        n
                    }
                }
            };
            match engine::decide(&def.def, &c.view(), who, &attempt, have, mine, eligible_n, today) {
                Err(r) => report.refused.push((c.id, c.title.clone(), r.message())),
                Ok(o) => {
                    match &kind {
                        DecisionKind::Approve => report.approved += 1,
                        DecisionKind::Return { .. } => report.returned += 1,
                        DecisionKind::Reject => report.rejected += 1,
                    }
                    match o {
                        Outcome::Waiting { .. } => report.waiting += 1,
                        Outcome::Completed => report.completed += 1,
                        _ => {}
                    }
                    let detail = (!results.is_empty()).then(|| checks::results_json(&results));
                    ledger.push(ledger_row(&ledger_for(c, who, &kind, &comment, verdict.as_deref(), detail), &now));
                    if let Some(v) = &verdict {
                        verdicts.entry(v.clone()).or_default().push(c.id);
                    }
                    audits.push((c.region_code.clone(), c.id.to_string(), kind.code(), serde_json::json!({ "环节": step.title, "决定": super::cases::decision_label(kind.code()), "意见": comment, "结果": outcome_text(def, &o), "批量": true }).to_string()));
                    moves.entry(c.definition_id).or_default().push(Move { case_id: c.id, region_code: c.region_code.clone(), household_id: c.household_id, title: c.title.clone(), outcome: o });
                }
            }
        }
        write_ledger(conn, &ledger)?;
        for (v, ids) in &verdicts {
            for chunk in chunks(ids) {
                let mut p = vec![P::Text(v)];
                p.extend(chunk.iter().map(|id| P::Int(*id)));
                conn.execute(&format!("UPDATE wf_case SET verdict = ? WHERE id IN ({})", marks(chunk.len())), &p)?;
            }
        }
        for (def_id, ms) in &moves {
            apply_moves(conn, actor, keys, &defs[def_id], ms, today)?;
        }
        let entries: Vec<audit::Entry> = audits
            .iter()
            .map(|(r, id, action, after)| audit::Entry { region_code: Some(r), entity: "wf_case", entity_id: Some(id.clone()), action, before: None, after: Some(after.clone()) })
            .collect();
        audit::record_many(conn, actor, &entries)?;
        Ok(report)
    })
}

/// Extends the deadline of an open case's current step (county office), recorded in the ledger.
pub fn extend_deadline(conn: &mut Conn, actor: &Actor, who: &Decider, case_id: i64, until: NaiveDate, reason: &str, today: NaiveDate) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid("请填写延长时限的理由".into()));
    }
    if until < today {
        return Err(StoreError::Invalid("新的办理时限不能早于今天".into()));
    }
    conn.in_tx(|conn| {
        let c = lock_cases(conn, &who.scope, &[case_id])?.into_iter().next().ok_or_else(|| StoreError::NotFound("该案件（不存在或不在您的管辖范围内）".into()))?;
        if c.status != CaseStatus::Open {
            return Err(StoreError::Invalid(Refusal::NotOpen(c.status).message()));
        }
        conn.execute("UPDATE wf_case SET step_due = ?, updated_at = ?, version = version + 1 WHERE id = ?", &[P::Date(until), P::Text(&crate::now_utc()), P::Int(c.id)])?;
        let now = crate::now_utc();
        let row = LedgerRow { decision: "extended", comment: Some(format!("延长至 {until}：{}", reason.trim())), ..ledger_for(&c, who, &DecisionKind::Approve, "", None, None) };
        write_ledger(conn, &[ledger_row(&row, &now)])?;
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&c.region_code),
                entity: "wf_case",
                entity_id: Some(c.id.to_string()),
                action: "extend",
                before: Some(serde_json::json!({ "办理时限": c.step_due.map(|d| d.to_string()) }).to_string()),
                after: Some(serde_json::json!({ "办理时限": until.to_string(), "理由": reason.trim() }).to_string()),
            },
        )
    })
}

/// Whether `kind` steps are decided through [`decide`] (others by meetings, notices, announcements).
pub fn is_manual(kind: StepKind) -> bool {
    kind.is_manual()
}
