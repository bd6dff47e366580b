//! Public notices (公示), announcements (公告) and objections as JSON: the notices in scope, one
//! notice with its items and objections (phones masked), posting a notice or publishing an
//! announcement, closing a notice, and resolving an objection. Same guards as the pages.

use super::extract::{ApiId, ApiJson, ApiQuery, ApiUser};
use super::openapi::ErrorBody;
use crate::auth::csrf;
use crate::error::{ApiError, AppError};
use crate::handlers::notices::{store_error, today};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu_domain::Capability;
use bangfu_store::StoreError;
use bangfu_store::workflow::notices::{self, NewNotice, Notice, NoticeFilter};
use bangfu_store::workflow::objections::{self, Objection, Resolution};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

fn invalid(message: &str) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": {"code": "invalid", "message": message}}))).into_response()
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct NoticeParams {
    /// posted | closed
    pub status: String,
    /// "1": only notices whose period has ended but which are still posted
    pub due: String,
    /// A region code inside the caller's scope
    pub region: String,
    /// Procedure code (identification, household_exit, village_exit …)
    pub procedure: String,
}

/// A notice or announcement.
#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    pub id: i64,
    /// The public page is /g/{public_code}
    pub public_code: String,
    /// notice | announcement
    pub kind: String,
    pub procedure: String,
    pub step_key: String,
    pub region_code: String,
    pub title: String,
    pub posted_at_place: Option<String>,
    pub starts_on: String,
    pub ends_on: String,
    pub days: i64,
    pub working_days: bool,
    pub contact: Option<String>,
    /// posted | closed
    pub status: String,
    pub items: i64,
    pub open_objections: i64,
}

fn notice_out(n: &Notice, items: i64, open_objections: i64) -> NoticeOut {
    NoticeOut {
        id: n.id,
        public_code: n.public_code.clone(),
        kind: n.kind.clone(),
        procedure: n.procedure.clone(),
        step_key: n.step_key.clone(),
        region_code: n.region_code.clone(),
        title: n.title.clone(),
        posted_at_place: n.posted_at_place.clone(),
        starts_on: n.starts_on.to_string(),
        ends_on: n.ends_on.to_string(),
        days: n.days,
        working_days: n.working_days,
        contact: n.contact.clone(),
        status: n.status.clone(),
        items,
        open_objections,
    }
}

/// A line of a notice as printed (no ID numbers, phones or reasons).
#[derive(Serialize, ToSchema)]
pub struct NoticeItemOut {
    pub case_id: i64,
    pub seq: i64,
    pub display_name: String,
    pub group_name: Option<String>,
    pub item: Option<String>,
    /// fen
    pub amount: Option<i64>,
    pub withdrawn: bool,
}

/// An objection (phone masked).
#[derive(Serialize, ToSchema)]
pub struct ObjectionOut {
    pub id: i64,
    pub reference_no: String,
    pub notice_id: i64,
    pub case_id: Option<i64>,
    /// public | official
    pub source: String,
    pub name: String,
    /// masked, e.g. 138****5678
    pub phone: String,
    pub reason: String,
    pub lodged_at: String,
    /// open | upheld | dismissed
    pub status: String,
    pub verification: Option<String>,
    pub outcome_reason: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub version: i64,
}

fn objection_out(o: Objection) -> ObjectionOut {
    ObjectionOut {
        id: o.id,
        reference_no: o.reference_no,
        notice_id: o.notice_id,
        case_id: o.case_id,
        source: o.source,
        name: o.name,
        phone: o.phone,
        reason: o.reason,
        lodged_at: o.lodged_at,
        status: o.status,
        verification: o.verification,
        outcome_reason: o.outcome_reason,
        resolved_by: o.resolved_by,
        resolved_at: o.resolved_at,
        version: o.version,
    }
}

/// A notice with its items and objections.
#[derive(Serialize, ToSchema)]
pub struct NoticeDetailOut {
    pub notice: NoticeOut,
    pub items: Vec<NoticeItemOut>,
    pub objections: Vec<ObjectionOut>,
    /// Why it cannot be closed today (empty when it can, or when it is closed)
    pub close_refusals: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/notices",
    tag = "workflow",
    params(NoticeParams),
    responses(
        (status = 200, description = "Notices and announcements in the caller's scope, newest first (at most 500)", body = [NoticeOut]),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn list(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<NoticeParams>) -> Result<Json<Vec<NoticeOut>>, ApiError> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let f = NoticeFilter { status: Some(q.status).filter(|s| !s.is_empty()), due_on: (q.due == "1").then(today), region: Some(q.region), procedure: Some(q.procedure) };
    let rows = state.db.run(move |c, _| notices::list(c, &scope, &f).map_err(store_error)).await?;
    Ok(Json(rows.iter().map(|r| notice_out(&r.notice, r.items, r.open_objections)).collect()))
}

async fn detail(state: &AppState, p: &crate::auth::Principal, id: i64) -> Result<NoticeDetailOut, ApiError> {
    let (scope, actor) = (p.scope(), p.actor());
    Ok(state
        .db
        .run(move |c, keys| {
            let n = notices::get(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            let items = notices::items(c, id).map_err(store_error)?;
            let objs = objections::of_notice(c, &actor, keys, &scope, id, false).map_err(store_error)?;
            let refusals = if n.is_posted() { notices::close_refusals(c, &n, today()).map_err(store_error)? } else { Vec::new() };
            let open = objs.iter().filter(|o| o.is_open()).count() as i64;
            Ok(NoticeDetailOut {
                notice: notice_out(&n, items.iter().filter(|i| !i.withdrawn).count() as i64, open),
                items: items.into_iter().map(|i| NoticeItemOut { case_id: i.case_id, seq: i.seq, display_name: i.display_name, group_name: i.group_name, item: i.item, amount: i.amount, withdrawn: i.withdrawn }).collect(),
                objections: objs.into_iter().map(objection_out).collect(),
                close_refusals: refusals,
            })
        })
        .await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/notices/{id}",
    tag = "workflow",
    params(("id" = i64, Path, description = "Notice id")),
    responses(
        (status = 200, description = "The notice with its items and objections (phones masked)", body = NoticeDetailOut),
        (status = 404, description = "No such notice in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId) -> Result<Json<NoticeDetailOut>, ApiError> {
    p.require(Capability::ViewRegistry)?;
    Ok(Json(detail(&state, &p, id).await?))
}

/// A notice to post, or an announcement to publish.
#[derive(Deserialize, ToSchema)]
pub struct NoticeIn {
    pub procedure: String,
    /// The notice (or announcement) step's key, e.g. first_notice
    pub step_key: String,
    /// The village, or the township for township-wide notices
    pub region_code: String,
    /// Empty: every case waiting at the step in the region
    #[serde(default)]
    pub case_ids: Vec<i64>,
    pub title: String,
    #[serde(default)]
    pub posted_at_place: String,
    /// YYYY-MM-DD (default today)
    #[serde(default)]
    pub starts_on: Option<String>,
    #[serde(default)]
    pub contact: String,
    /// true: publish an announcement (公告) for cases at an announcement step
    #[serde(default)]
    pub announcement: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/notices",
    tag = "workflow",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = NoticeIn,
    responses(
        (status = 201, description = "The notice, posted (or the announcement, published: its cases moved on)", body = NoticeDetailOut),
        (status = 404, description = "A case or the region is not in the caller's scope", body = ErrorBody),
        (status = 422, description = "Refused: wrong step or role, already on a notice, start date too early …", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn create(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiJson(b): ApiJson<NoticeIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    let starts_on = match b.starts_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today(),
        Some(t) => match chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => return Ok(invalid(&format!("开始日期“{t}”无效，请写成 2026-11-23"))),
        },
    };
    let n = NewNotice { procedure: b.procedure, step_key: b.step_key, region_code: b.region_code, case_ids: b.case_ids, title: b.title, posted_at_place: b.posted_at_place, starts_on, contact: b.contact };
    let (actor, who, announce) = (p.actor(), p.decider(), b.announcement);
    let r = state
        .db
        .run(move |c, keys| {
            match notices::post_or_announce(c, &actor, keys, &who, &n, announce, today()) {
                Ok(id) => Ok(Ok(id)),
                Err(StoreError::Invalid(m)) => Ok(Err(m)),
                Err(e) => Err(store_error(e)),
            }
        })
        .await?;
    match r {
        Ok(id) => Ok((StatusCode::CREATED, Json(detail(&state, &p, id).await?)).into_response()),
        Err(m) => Ok(invalid(&m)),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/notices/{id}/close",
    tag = "workflow",
    params(("id" = i64, Path, description = "Notice id"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "Closed: the cases still at the notice step moved on", body = NoticeDetailOut),
        (status = 404, description = "No such notice in the caller's scope", body = ErrorBody),
        (status = 422, description = "Refused: period not over, open objections, no evidence photo, wrong role", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn close(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    let (actor, who) = (p.actor(), p.decider());
    let r = state
        .db
        .run(move |c, keys| match notices::close_notice(c, &actor, keys, &who, id, today()) {
            Ok(()) => Ok(Ok(())),
            Err(StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(store_error(e)),
        })
        .await?;
    match r {
        Ok(()) => Ok(Json(detail(&state, &p, id).await?).into_response()),
        Err(m) => Ok(invalid(&m)),
    }
}

/// The outcome of an objection.
#[derive(Deserialize, ToSchema)]
pub struct ResolveIn {
    /// What was checked and how (核实情况)
    pub verification: String,
    /// true: upheld (the case goes back, its item is withdrawn); false: dismissed
    pub upheld: bool,
    /// The reason (told to the objector)
    pub outcome_reason: String,
    /// The item concerned, when the objection named none (required when upheld)
    #[serde(default)]
    pub case_id: Option<i64>,
    /// The objection's version as read (refused if it changed)
    #[serde(default)]
    pub version: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/api/v1/objections/{id}/resolve",
    tag = "workflow",
    params(("id" = i64, Path, description = "Objection id"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = ResolveIn,
    responses(
        (status = 200, description = "The objection, resolved (audited)", body = ObjectionOut),
        (status = 404, description = "No such objection in the caller's scope", body = ErrorBody),
        (status = 422, description = "Refused: not township or county, already resolved, missing texts, no case when upheld", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn resolve(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId, ApiJson(b): ApiJson<ResolveIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    let (actor, who, scope) = (p.actor(), p.decider(), p.scope());
    let r = Resolution { verification: b.verification, upheld: b.upheld, outcome_reason: b.outcome_reason, case_id: b.case_id, version: b.version };
    let out = state
        .db
        .run(move |c, keys| match objections::resolve_objection(c, &actor, keys, &who, id, &r, today()) {
            Ok(()) => Ok(Ok(objections::get(c, keys, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?)),
            Err(StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(store_error(e)),
        })
        .await?;
    match out {
        Ok(o) => Ok(Json(objection_out(o)).into_response()),
        Err(m) => Ok(invalid(&m)),
    }
}
