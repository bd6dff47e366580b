//! Comparison with department lists (数据比对) in the API: the lists, uploading one (multipart,
//! always a background job polled at `/api/v1/compare/jobs/{job}`), a list's counts, the work
//! orders, one order, recording its verification (optimistic `version`: 409 when stale) and
//! completion per township. Same scope and capabilities as the pages: outside the scope is 404.

use super::extract::{ApiId, ApiJson, ApiQuery, ApiUser, PageParams};
use super::openapi::ErrorBody;
use crate::auth::csrf;
use crate::error::{ApiError, ApiResult, AppError};
use crate::handlers::compare::lists::visible_job;
use crate::handlers::compare::orders::{OrdersQuery, filters};
use crate::handlers::compare::progress::list_param;
use crate::handlers::compare::{report_file, total_of, upload};
use crate::handlers::quality::{prefix_name, store_error};
use crate::jobs::CompareJob;
use crate::regions::RegionNames;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu_domain::Capability;
use bangfu_domain::comparison::{ListKind, OrderStatus};
use bangfu_domain::value::format_hundredths;
use bangfu_store::comparison::{self, DeptList, ListFigures, OrderUpdate, Progress, TownshipProgress, WorkOrder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// What an import read and found (for the whole list).
#[derive(Serialize, ToSchema)]
pub struct FiguresOut {
    /// Distinct people read.
    pub rows: u64,
    /// Rows skipped as unreadable (in the error report).
    pub bad_rows: u64,
    /// Rows repeating an ID (compared once).
    pub duplicate_rows: u64,
    /// Matched an active member in the list's region.
    pub matched: u64,
    /// Matched a member already removed (no finding).
    pub removed: u64,
    pub not_in_registry: u64,
    /// Same ID, different name (each also has a `name_differs` order).
    pub name_differs: u64,
    /// Work orders created.
    pub findings: u64,
    /// Findings already under an unresolved order from an earlier list (not issued again).
    pub already_open: u64,
}

fn figures_out(f: &ListFigures) -> FiguresOut {
    FiguresOut {
        rows: f.rows,
        bad_rows: f.bad_rows,
        duplicate_rows: f.duplicate_rows,
        matched: f.matched,
        removed: f.removed,
        not_in_registry: f.not_in_registry,
        name_differs: f.name_differs,
        findings: f.findings,
        already_open: f.already_open,
    }
}

/// An imported department list.
#[derive(Serialize, ToSchema)]
pub struct ListOut {
    pub id: i64,
    /// civil_affairs | medical_insurance | disabled_persons | education | public_security | housing | human_resources | market_regulation | traffic_police | finance
    pub department: String,
    pub department_label: String,
    /// dibao | tekun | medical_expense | disability | student_roll | death | moved_out | dangerous_house | employment | company | vehicle | public_payroll
    pub kind: String,
    pub kind_label: String,
    /// The region compared (region-code prefix; "" = everything).
    pub region_prefix: String,
    pub region_name: String,
    pub file_name: String,
    /// UTC, ISO 8601.
    pub imported_at: String,
    pub actor: String,
    /// 全量名单: absence from the list is a finding too.
    pub complete: bool,
    /// Medical lists only: the out-of-pocket thresholds in 元 (registered population, others).
    pub threshold_registered_yuan: Option<String>,
    pub threshold_other_yuan: Option<String>,
    /// null when the list's region is wider than the caller's scope (only their own orders are counted).
    pub figures: Option<FiguresOut>,
}

fn list_out(l: &DeptList, names: &RegionNames) -> ListOut {
    let medical = l.kind == ListKind::MedicalExpense;
    ListOut {
        id: l.id,
        department: l.department.code().into(),
        department_label: l.department.label().into(),
        kind: l.kind.code().into(),
        kind_label: l.kind.label().into(),
        region_name: prefix_name(names, &l.region_prefix),
        region_prefix: l.region_prefix.clone(),
        file_name: l.file_name.clone(),
        imported_at: l.imported_at.clone(),
        actor: l.actor.clone(),
        complete: l.complete,
        threshold_registered_yuan: medical.then(|| format_hundredths(l.thresholds.registered_fen)),
        threshold_other_yuan: medical.then(|| format_hundredths(l.thresholds.other_fen)),
        figures: l.figures.as_ref().map(figures_out),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ListPage {
    pub offset: i64,
    pub limit: i64,
    /// Newest first.
    pub items: Vec<ListOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/compare/lists",
    tag = "compare",
    params(PageParams),
    responses(
        (status = 200, description = "Lists whose region overlaps the caller's scope, newest first", body = ListPage),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn lists(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<PageParams>) -> ApiResult<Json<ListPage>> {
    p.require(Capability::ViewRegistry)?;
    let (scope, (offset, limit)) = (p.scope(), q.window());
    let rows = state.db.run(move |c, _| comparison::lists(c, &scope, offset, limit).map_err(store_error)).await?;
    let names = state.names();
    Ok(Json(ListPage { offset, limit, items: rows.iter().map(|l| list_out(l, &names)).collect() }))
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the request body only
pub struct CompareUpload {
    /// The list: xlsx, xls or csv (UTF-8, GBK or UTF-16), with an ID-number column.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The list kind's code (dibao, death …) or label (低保, 死亡 …).
    kind: String,
    /// The department's code or label; left out: the kind's usual department.
    department: Option<String>,
    /// 1 for a complete list (only dibao, tekun, student_roll).
    complete: Option<String>,
    /// Compare for this region only (a code inside the caller's scope); left out: the whole scope.
    region: Option<String>,
    /// Medical lists: the out-of-pocket threshold in 元 for the registered population (default 5000).
    threshold_registered: Option<String>,
    /// Medical lists: the threshold in 元 for other rural residents (default 20000).
    threshold_other: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/compare/lists",
    tag = "compare",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body(content = CompareUpload, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Compared as a background job: poll `/api/v1/compare/jobs/{id}` until `state` is done (then `list_id` is the list) or failed (then `message` says why, e.g. the headers of a file without an ID column)", body = CompareJob),
        (status = 400, description = "No file, an unknown kind or department, a kind and department that do not agree, 全量 for a kind that cannot be complete, a bad threshold", body = ErrorBody),
        (status = 403, description = "The role may not compare lists, or the CSRF token is missing", body = ErrorBody),
        (status = 404, description = "The region is not in the caller's scope", body = ErrorBody),
        (status = 413, description = "The file is larger than the server accepts", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn upload(State(state): State<AppState>, ApiUser(p): ApiUser, req: Request) -> Result<Response, ApiError> {
    csrf::check_header(&p, req.headers())?;
    p.require(Capability::Compare)?;
    let u = upload::receive(&state, &p, req, false).await?;
    let job = upload::start(&state, &p, u);
    Ok((StatusCode::ACCEPTED, Json(job)).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/compare/jobs/{job}",
    tag = "compare",
    params(("job" = String, Path, description = "Job id (32 hexadecimal characters)")),
    responses(
        (status = 200, description = "The job", body = CompareJob),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such job of the caller", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn job(State(state): State<AppState>, ApiUser(p): ApiUser, Path(job): Path<String>) -> ApiResult<Json<CompareJob>> {
    Ok(Json(visible_job(&state, &p, &job).ok_or(AppError::NotFound)?))
}

/// Orders counted by state.
#[derive(Serialize, ToSchema)]
pub struct ProgressOut {
    pub total: u64,
    pub open: u64,
    pub verified_true: u64,
    pub verified_false: u64,
    pub fixed: u64,
    /// verified_false + fixed.
    pub closed: u64,
    /// closed / total, 0–1 (1 when there are none).
    pub completion: f64,
}

fn progress_out(p: &Progress) -> ProgressOut {
    ProgressOut { total: p.total, open: p.open, verified_true: p.verified_true, verified_false: p.verified_false, fixed: p.fixed, closed: p.closed(), completion: p.completion() }
}

#[derive(Serialize, ToSchema)]
pub struct KindCountOut {
    /// A finding kind's code (deceased_still_registered …).
    pub kind: String,
    pub label: String,
    /// How a cadre verifies it.
    pub hint: String,
    pub progress: ProgressOut,
}

#[derive(Serialize, ToSchema)]
pub struct TownshipOut {
    /// The township's 12-digit code.
    pub code: String,
    pub name: Option<String>,
    pub progress: ProgressOut,
}

fn townships_out(rows: &[TownshipProgress]) -> Vec<TownshipOut> {
    rows.iter().map(|t| TownshipOut { code: t.code.clone(), name: t.name.clone(), progress: progress_out(&t.progress) }).collect()
}

#[derive(Serialize, ToSchema)]
pub struct ListDetailOut {
    pub list: ListOut,
    /// The list's orders in the caller's scope, by finding kind.
    pub by_kind: Vec<KindCountOut>,
    pub total: ProgressOut,
    pub by_township: Vec<TownshipOut>,
    /// Whether `/compare/lists/{id}/report.xlsx` has the error report (bad and repeated rows).
    pub has_report: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/compare/lists/{id}",
    tag = "compare",
    params(("id" = i64, Path, description = "List id")),
    responses(
        (status = 200, description = "The list, its orders in the caller's scope by kind, and completion per township", body = ListDetailOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such list overlapping the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn list(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId) -> ApiResult<Json<ListDetailOut>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let (summary, townships) = state
        .db
        .run(move |c, _| {
            let s = comparison::list_summary(c, &scope, id).map_err(store_error)?;
            Ok((s, comparison::completion_by_township(c, &scope, Some(id))?))
        })
        .await?;
    let names = state.names();
    let has_report = summary.list.figures.is_some() && tokio::fs::try_exists(report_file(&state, id)).await.unwrap_or(false);
    Ok(Json(ListDetailOut {
        list: list_out(&summary.list, &names),
        by_kind: summary.by_kind.iter().map(|(k, pr)| KindCountOut { kind: k.code().into(), label: k.label().into(), hint: k.hint().into(), progress: progress_out(pr) }).collect(),
        total: progress_out(&summary.total),
        by_township: townships_out(&townships),
        has_report,
    }))
}

/// A work order. ID numbers are masked.
#[derive(Serialize, ToSchema)]
pub struct OrderOut {
    pub id: i64,
    pub list_id: i64,
    pub department: Option<String>,
    pub list_kind: Option<String>,
    /// The row of the list behind it (null: absent from a complete list).
    pub row_no: Option<i64>,
    /// A finding kind's code (deceased_still_registered …).
    pub kind: String,
    pub kind_label: String,
    /// How a cadre verifies it.
    pub hint: String,
    /// open | verified_true | verified_false | fixed
    pub status: String,
    pub status_label: String,
    pub household_id: i64,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    /// null for an order about the household as a whole.
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    /// Masked (4301**********123X).
    pub resident_id: Option<String>,
    /// The household's village.
    pub region_code: String,
    pub village_name: Option<String>,
    pub detail: String,
    /// What the verification found or what was fixed.
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
    /// Send it back with a change (PATCH): a stale one is refused with 409.
    pub version: i64,
}

fn order_out(o: &WorkOrder) -> OrderOut {
    OrderOut {
        id: o.id,
        list_id: o.list_id,
        department: o.department.map(|d| d.code().into()),
        list_kind: o.list_kind.map(|k| k.code().into()),
        row_no: o.row_no,
        kind: o.kind.code().into(),
        kind_label: o.kind.label().into(),
        hint: o.kind.hint().into(),
        status: o.status.code().into(),
        status_label: o.status.label().into(),
        household_id: o.household_id,
        household_no: o.household_no.clone(),
        head_name: o.head_name.clone(),
        member_id: o.member_id,
        member_name: o.member_name.clone(),
        resident_id: o.resident_id_masked.clone(),
        region_code: o.region_code.clone(),
        village_name: o.village_name.clone(),
        detail: o.detail.clone(),
        note: o.note.clone(),
        created_at: o.created_at.clone(),
        updated_at: o.updated_at.clone(),
        updated_by: o.updated_by.clone(),
        version: o.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    /// By village, then id.
    pub items: Vec<OrderOut>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct OrderParams {
    /// A list id.
    pub list: String,
    /// A finding kind's code or label.
    pub kind: String,
    /// open | verified_true | verified_false | fixed
    pub status: String,
    /// A region inside the caller's scope (township or village code).
    pub region: String,
    /// From 0.
    pub offset: i64,
    /// 1–200 (default 50).
    pub limit: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/compare/orders",
    tag = "compare",
    params(OrderParams),
    responses(
        (status = 200, description = "A page of the work orders in the caller's scope matching the filters", body = OrderPage),
        (status = 400, description = "An unknown kind or status", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "The region is outside the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn orders(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<OrderParams>) -> ApiResult<Json<OrderPage>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let f = filters(&OrdersQuery { list: q.list, kind: q.kind, status: q.status, region: q.region, page: 0 }, &scope)?;
    let (offset, limit) = PageParams { offset: q.offset, limit: q.limit }.window();
    let page = state.db.run(move |c, _| Ok(comparison::orders(c, &scope, &f.filter, offset, limit)?)).await?;
    Ok(Json(OrderPage { total: page.total, offset, limit, items: page.orders.iter().map(order_out).collect() }))
}

/// One change of an order, from the audit trail.
#[derive(Serialize, ToSchema)]
pub struct OrderChangeOut {
    /// UTC, ISO 8601.
    pub at: String,
    pub actor: String,
    pub status_before: Option<String>,
    pub status_after: Option<String>,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderDetailOut {
    pub order: OrderOut,
    /// Newest first.
    pub history: Vec<OrderChangeOut>,
}

async fn detail(state: &AppState, p: &crate::auth::Principal, id: i64) -> ApiResult<OrderDetailOut> {
    let scope = p.scope();
    let (order, audits) = state
        .db
        .run(move |c, _| {
            let o = comparison::order(c, &scope, id)?.ok_or(AppError::NotFound)?;
            Ok((o, bangfu_store::audit::history(c, "work_order", &id.to_string(), 200)?))
        })
        .await?;
    let history = audits
        .into_iter()
        .map(|a| {
            let parse = |v: &Option<String>| v.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()).unwrap_or_default();
            let (before, after) = (parse(&a.before_value), parse(&a.after_value));
            OrderChangeOut {
                at: a.at,
                actor: a.actor,
                status_before: before["status"].as_str().map(str::to_string),
                status_after: after["status"].as_str().map(str::to_string),
                note: after["note"].as_str().map(str::to_string),
            }
        })
        .collect();
    Ok(OrderDetailOut { order: order_out(&order), history })
}

#[utoipa::path(
    get,
    path = "/api/v1/compare/orders/{id}",
    tag = "compare",
    params(("id" = i64, Path, description = "Work order id")),
    responses(
        (status = 200, description = "The order with its history", body = OrderDetailOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such order in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn order(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId) -> ApiResult<Json<OrderDetailOut>> {
    p.require(Capability::ViewRegistry)?;
    Ok(Json(detail(&state, &p, id).await?))
}

/// A verification or fix.
#[derive(Deserialize, ToSchema)]
pub struct OrderPatch {
    /// open | verified_true | verified_false | fixed (or 待核实, 核实属实, 核实不属实, 已整改).
    pub status: String,
    /// Required for verified_false (why it is not true) and fixed (what was done).
    #[serde(default)]
    pub note: Option<String>,
    /// The version the change was made to (from the order as read).
    pub version: i64,
}

fn invalid(field: &str, message: &str) -> Response {
    let fields: BTreeMap<&str, &str> = [(field, message)].into_iter().collect();
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": {"code": "invalid", "message": message, "fields": fields}}))).into_response()
}

#[utoipa::path(
    patch,
    path = "/api/v1/compare/orders/{id}",
    tag = "compare",
    params(("id" = i64, Path, description = "Work order id"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = OrderPatch,
    responses(
        (status = 200, description = "Saved: the order as stored now, with its history", body = OrderDetailOut),
        (status = 403, description = "The role may not edit, or the CSRF token is missing", body = ErrorBody),
        (status = 404, description = "No such order in the caller's scope", body = ErrorBody),
        (status = 409, description = "Changed by someone else since `version`; nothing written; `error.fields.version` is the current version", body = ErrorBody),
        (status = 422, description = "An unknown status, a move that is not allowed (`fields.status`) or a missing note (`fields.note`)", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn update(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId, ApiJson(body): ApiJson<OrderPatch>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::EditRegistry)?;
    let Some(status) = OrderStatus::by_code(body.status.trim()).or_else(|| OrderStatus::parse(&body.status)) else {
        return Ok(invalid("status", &format!("状态“{}”无效，可选：open（待核实）、verified_true（核实属实）、verified_false（核实不属实）、fixed（已整改）", body.status)));
    };
    let note = body.note.unwrap_or_default();
    if status.needs_note() && note.trim().is_empty() {
        let what = if status == OrderStatus::VerifiedFalse { "核实情况（为什么不属实）" } else { "整改情况（做了什么）" };
        return Ok(invalid("note", &format!("改为“{}”需要填写{what}", status.label())));
    }
    let (scope, actor, sent) = (p.scope(), p.actor(), body.version);
    let outcome = state.db.run(move |c, _| Ok(comparison::update_order(c, &actor, &scope, id, sent, status, Some(&note)))).await?;
    match outcome {
        Ok(OrderUpdate::Saved { .. }) => Ok(Json(detail(&state, &p, id).await?).into_response()),
        Ok(OrderUpdate::Conflict { current }) => Err(ApiError(
            AppError::Conflict(format!(
                "该工单已被 {} 修改为“{}”：现为第 {} 版，您修改的是第 {sent} 版，未保存。请重新读取该工单后再填写。",
                current.updated_by,
                current.status.label(),
                current.version
            )),
            Some(json!({ "version": current.version })),
        )),
        Err(bangfu_store::StoreError::Invalid(m)) => Ok(invalid("status", &m)),
        Err(e) => Err(store_error(e).into()),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// A list id; left out: every list.
    pub list: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProgressPage {
    pub list_id: Option<i64>,
    /// In code order.
    pub townships: Vec<TownshipOut>,
    pub total: ProgressOut,
}

#[utoipa::path(
    get,
    path = "/api/v1/compare/progress",
    tag = "compare",
    params(ProgressParams),
    responses(
        (status = 200, description = "Work orders per township in the caller's scope, by state", body = ProgressPage),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such list overlapping the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn progress(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<ProgressParams>) -> ApiResult<Json<ProgressPage>> {
    p.require(Capability::ViewRegistry)?;
    let list_id = list_param(&q.list)?;
    let scope = p.scope();
    let rows = state
        .db
        .run(move |c, _| {
            if let Some(id) = list_id {
                comparison::list(c, &scope, id)?.ok_or(AppError::NotFound)?;
            }
            Ok(comparison::completion_by_township(c, &scope, list_id)?)
        })
        .await?;
    Ok(Json(ProgressPage { list_id, total: progress_out(&total_of(&rows)), townships: townships_out(&rows) }))
}
