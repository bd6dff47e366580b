//! Workflow cases in the API: the list with filters and paging, one case with its steps and
//! timeline, a decision on one case (409 when someone else decided first, 422 when refused), bulk
//! decisions with per-case exceptions, and the caller's tasks. Same scope as the pages: a case
//! outside it is 404. Each handler is one store call on the pool.

use super::extract::{ApiId, ApiJson, ApiQuery, ApiUser};
use super::openapi::ErrorBody;
use crate::auth::csrf;
use crate::error::{ApiError, ApiResult, AppError};
use crate::handlers::quality::region_param;
use crate::handlers::workflow::bulk::{RawException, resolve};
use crate::handlers::workflow::{decision_kind, is_stale, store_error, today};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu_domain::Capability;
use bangfu_domain::workflow::engine::{CaseStatus, Outcome};
use bangfu_store::workflow::decide::{self, BulkInput, Decided, DecisionInput};
use bangfu_store::workflow::{Case, CaseFilter, cases, stats};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// A case.
#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    pub id: i64,
    /// identification | household_exit | village_exit | adjustment | monitoring_identification
    pub procedure: String,
    pub definition_id: i64,
    pub title: String,
    /// The village (12 digits).
    pub region_code: String,
    pub household_id: Option<i64>,
    /// open | completed | rejected | withdrawn
    pub status: String,
    pub step_index: usize,
    pub step_key: String,
    /// Name the decision form's `transition_no` after it: a decision on an older one is refused (409).
    pub transition_no: i64,
    /// The current step's deadline (YYYY-MM-DD).
    pub step_due: Option<String>,
    pub overdue: bool,
    pub applicant: String,
    pub verdict: Option<String>,
    /// UTC, ISO 8601.
    pub created_at: String,
    pub closed_at: Option<String>,
}

pub fn case_out(c: &Case) -> CaseOut {
    CaseOut {
        id: c.id,
        procedure: c.procedure.clone(),
        definition_id: c.definition_id,
        title: c.title.clone(),
        region_code: c.region_code.clone(),
        household_id: c.household_id,
        status: c.status.code().into(),
        step_index: c.step_index,
        step_key: c.step_key.clone(),
        transition_no: c.transition_no,
        step_due: c.step_due.map(|d| d.to_string()),
        overdue: c.overdue(today()),
        applicant: c.applicant.clone(),
        verdict: c.verdict.clone(),
        created_at: c.created_at.clone(),
        closed_at: c.closed_at.clone(),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// Procedure code.
    pub procedure: String,
    /// Step key.
    pub step: String,
    /// open | completed | rejected | withdrawn
    pub status: String,
    /// A region code inside the caller's scope (village, township …).
    pub region: String,
    /// 1: only open cases past their step's deadline.
    pub overdue: String,
    /// From 0.
    pub offset: i64,
    /// 1–500 (default 50).
    pub limit: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CasePage {
    pub offset: i64,
    pub limit: i64,
    pub total: i64,
    /// Oldest deadline first.
    pub items: Vec<CaseOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "workflow",
    params(CasesQuery),
    responses(
        (status = 200, description = "Cases in the caller's scope", body = CasePage),
        (status = 400, description = "An unknown status", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "The region is outside the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn list(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<CasesQuery>) -> ApiResult<Json<CasePage>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let status = match q.status.trim() {
        "" => None,
        s => Some(CaseStatus::parse(s).ok_or_else(|| AppError::BadRequest(format!("状态“{s}”无效：open、completed、rejected 或 withdrawn")))?),
    };
    let f = CaseFilter {
        procedure: Some(q.procedure.trim().to_string()).filter(|s| !s.is_empty()),
        status,
        step_key: Some(q.step.trim().to_string()).filter(|s| !s.is_empty()),
        region: region_param(&q.region, scope.prefix())?,
        overdue_on: matches!(q.overdue.trim(), "1" | "true").then(today),
        ..Default::default()
    };
    let (offset, limit) = (q.offset.max(0), if q.limit <= 0 { 50 } else { q.limit.min(500) });
    let (rows, total) = state.db.run(move |c, _| cases::list(c, &scope, &f, offset, limit).map_err(store_error)).await?;
    Ok(Json(CasePage { offset, limit, total, items: rows.iter().map(case_out).collect() }))
}

/// A step of the case's definition.
#[derive(Serialize, ToSchema)]
pub struct StepOut {
    pub key: String,
    pub title: String,
    /// review | check | deliberation | notice | announcement
    pub kind: String,
    pub roles: Vec<String>,
    /// village | township | county
    pub level: String,
    /// done | current | todo
    pub state: String,
}

/// One ledger entry.
#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    pub transition_no: i64,
    pub step_key: String,
    /// apply | approve | return | reject | deliberated | notice_posted | noticed | objection_upheld | announced | extended | withdrawn
    pub decision: String,
    pub decision_label: String,
    pub actor: String,
    pub role: Option<String>,
    /// UTC, ISO 8601.
    pub at: String,
    pub comment: Option<String>,
    /// The step key returned to.
    pub return_to: Option<String>,
    pub verdict: Option<String>,
    /// Check results or other details as recorded (JSON).
    pub detail: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseDetail {
    pub case: CaseOut,
    pub procedure_title: String,
    /// The version of the definition the case follows.
    pub definition_version: i64,
    pub steps: Vec<StepOut>,
    pub timeline: Vec<EntryOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    tag = "workflow",
    params(("id" = i64, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case, its steps and its timeline", body = CaseDetail),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such case in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId) -> ApiResult<Json<CaseDetail>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let (file, tl) = state
        .db
        .run(move |c, _| {
            let f = cases::file(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            let tl = cases::timeline(c, &scope, id).map_err(store_error)?;
            Ok((f, tl))
        })
        .await?;
    let def = &file.definition.def;
    let case = &file.case;
    let key_of = |i: usize| def.step(i).map(|s| s.key.clone()).unwrap_or_default();
    let steps = def
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepOut {
            key: s.key.clone(),
            title: s.title.clone(),
            kind: serde_json::to_value(s.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            roles: s.roles.clone(),
            level: serde_json::to_value(s.level).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            state: (if case.status == CaseStatus::Completed || i < case.step_index {
                "done"
            } else if i == case.step_index && case.status == CaseStatus::Open {
                "current"
            } else {
                "todo"
            })
            .into(),
        })
        .collect();
    let timeline = tl
        .iter()
        .map(|e| EntryOut {
            transition_no: e.transition_no,
            step_key: e.step_key.clone(),
            decision: e.decision.clone(),
            decision_label: e.decision_label().into(),
            actor: e.actor.clone(),
            role: e.role.clone(),
            at: e.at.clone(),
            comment: e.comment.clone(),
            return_to: e.return_to.map(key_of),
            verdict: e.verdict.clone(),
            detail: e.detail.as_deref().and_then(|d| serde_json::from_str(d).ok()),
        })
        .collect();
    Ok(Json(CaseDetail { case: case_out(case), procedure_title: def.title.clone(), definition_version: file.definition.version, steps, timeline }))
}

/// A decision on a case's current step.
#[derive(Deserialize, ToSchema)]
pub struct DecisionIn {
    /// approve | return | reject
    pub decision: String,
    /// The case's `transition_no` as read: a decision on an older one is refused with 409.
    pub transition_no: i64,
    /// Required to return or reject, and to approve past failed non-blocking checks.
    #[serde(default)]
    pub comment: String,
    /// A verdict code where the step asks for one (dynamic adjustment).
    #[serde(default)]
    pub verdict: Option<String>,
    /// The step key to return to (an earlier step), for `return`.
    #[serde(default)]
    pub return_to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionOut {
    /// waiting | moved | completed | returned | rejected
    pub outcome: String,
    /// The step the case is at now (for moved/returned).
    pub step_key: Option<String>,
    /// What happened, in Chinese.
    pub message: String,
}

fn refused(status: StatusCode, message: &str) -> Response {
    let code = if status == StatusCode::CONFLICT { "conflict" } else { "invalid" };
    (status, Json(json!({"error": {"code": code, "message": message}}))).into_response()
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/decisions",
    tag = "workflow",
    params(("id" = i64, Path, description = "Case id"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = DecisionIn,
    responses(
        (status = 200, description = "Recorded, with what it did", body = DecisionOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The CSRF token is missing", body = ErrorBody),
        (status = 404, description = "No such case in the caller's scope", body = ErrorBody),
        (status = 409, description = "Someone else decided first (the case moved since `transition_no`); nothing written", body = ErrorBody),
        (status = 422, description = "Refused (wrong role or level, own application, overdue, checks failed, a reason missing …); nothing written", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn decide(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId, ApiJson(body): ApiJson<DecisionIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::ViewRegistry)?;
    let (scope, who, actor) = (p.scope(), p.decider(), p.actor());
    let r = state
        .db
        .run(move |c, keys| {
            let file = cases::file(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            if let Some(m) = crate::handlers::workflow::not_manual(&file, body.transition_no) {
                return Ok((Decided::Refused(m), file.definition));
            }
            let kind = match decision_kind(&file.definition.def, &body.decision, body.return_to.as_deref().unwrap_or_default()) {
                Ok(k) => k,
                Err(m) => return Ok((Decided::Refused(m), file.definition)),
            };
            let input = DecisionInput { kind, seen_transition: body.transition_no, comment: body.comment, verdict: body.verdict.filter(|v| !v.trim().is_empty()) };
            Ok((decide::decide(c, keys, &actor, &who, id, &input, today()).map_err(store_error)?, file.definition))
        })
        .await?;
    match r {
        (Decided::Done(o), def) => {
            let step_key = match &o {
                Outcome::MoveTo(i) | Outcome::ReturnedTo(i) => def.def.step(*i).map(|s| s.key.clone()),
                _ => None,
            };
            let outcome = crate::handlers::workflow::cases::outcome_code(&o).to_string();
            Ok(Json(DecisionOut { outcome, step_key, message: decide::outcome_label(&def, &o) }).into_response())
        }
        (Decided::Refused(m), _) => Ok(refused(if is_stale(&m) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY }, &m)),
    }
}

/// A case decided otherwise than approved in a bulk decision.
#[derive(Deserialize, ToSchema)]
pub struct ExceptionIn {
    pub case_id: i64,
    /// return | reject
    pub decision: String,
    /// The step key to return to, for `return`.
    #[serde(default)]
    pub return_to: Option<String>,
    /// Why (required).
    pub reason: String,
}

/// Approve every listed case at `step_key`, except the exceptions.
#[derive(Deserialize, ToSchema)]
pub struct BulkIn {
    pub step_key: String,
    pub case_ids: Vec<i64>,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub exceptions: Vec<ExceptionIn>,
    /// The verdict for every approved case where the step asks for one (dynamic adjustment).
    #[serde(default)]
    pub verdict: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RefusedOut {
    pub case_id: i64,
    pub title: String,
    pub reason: String,
}

/// What a bulk decision did.
#[derive(Serialize, ToSchema)]
pub struct BulkOut {
    pub approved: usize,
    pub returned: usize,
    pub rejected: usize,
    /// Approvals recorded that wait for other approvers.
    pub waiting: usize,
    pub completed: usize,
    /// Cases left as they were.
    pub refused: Vec<RefusedOut>,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/bulk-decisions",
    tag = "workflow",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = BulkIn,
    responses(
        (status = 200, description = "Decided in one transaction; cases that could not be decided are listed in `refused` and left untouched", body = BulkOut),
        (status = 400, description = "No cases listed", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The CSRF token is missing", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn bulk(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiJson(body): ApiJson<BulkIn>) -> ApiResult<Json<BulkOut>> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::ViewRegistry)?;
    if body.case_ids.is_empty() && body.exceptions.is_empty() {
        return Err(AppError::BadRequest("case_ids 为空：请列出要审批的案件".into()).into());
    }
    let raw: Vec<RawException> = body.exceptions.iter().map(|e| RawException { case_id: e.case_id, decision: e.decision.clone(), return_to: e.return_to.clone().unwrap_or_default(), reason: e.reason.clone() }).collect();
    let (scope, who, actor) = (p.scope(), p.decider(), p.actor());
    let report = state
        .db
        .run(move |c, keys| {
            let (exceptions, bad) = resolve(c, &scope, &raw)?;
            let excepted: std::collections::HashSet<i64> = raw.iter().map(|e| e.case_id).collect();
            let input = BulkInput { step_key: body.step_key, case_ids: body.case_ids.into_iter().filter(|i| !excepted.contains(i)).collect(), comment: body.comment, exceptions, verdict: body.verdict };
            let mut r = decide::decide_bulk(c, keys, &actor, &who, &input, today()).map_err(store_error)?;
            r.refused.extend(bad);
            Ok(r)
        })
        .await?;
    Ok(Json(BulkOut {
        approved: report.approved,
        returned: report.returned,
        rejected: report.rejected,
        waiting: report.waiting,
        completed: report.completed,
        refused: report.refused.into_iter().map(|(case_id, title, reason)| RefusedOut { case_id, title, reason }).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TasksOut {
    /// How many cases wait for the caller.
    pub total: i64,
    /// The most urgent first (at most 500).
    pub items: Vec<CaseOut>,
    /// Notices in scope whose period has ended, not closed yet.
    pub notices_to_close: i64,
    pub open_objections: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/tasks",
    tag = "workflow",
    responses(
        (status = 200, description = "The cases waiting for the caller's decision, by deadline", body = TasksOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn tasks(State(state): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<TasksOut>> {
    p.require(Capability::ViewRegistry)?;
    let (who, scope) = (p.decider(), p.scope());
    let (rows, total, n, o) = state
        .db
        .run(move |c, _| {
            let (rows, total) = stats::tasks(c, &who, 500).map_err(store_error)?;
            let n = stats::notices_to_close(c, &scope, today()).map_err(store_error)?;
            let o = stats::open_objections(c, &scope).map_err(store_error)?;
            Ok((rows, total, n, o))
        })
        .await?;
    Ok(Json(TasksOut { total, items: rows.iter().map(case_out).collect(), notices_to_close: n, open_objections: o }))
}
