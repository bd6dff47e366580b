//! Pairing assistance (结对帮扶) in the API: helpers (list, create, one with their pairings,
//! hand-over), pairings of every kind (list, create, end), coverage counts and the
//! 对口帮扶任务分配表 import as a background job. Same scope and capabilities as the pages:
//! reading needs `view_registry`, changing `manage_pairing`; outside the scope is 404.

use super::extract::{ApiId, ApiJson, ApiQuery, ApiUser};
use super::openapi::ErrorBody;
use crate::auth::csrf;
use crate::error::{ApiError, ApiResult, AppError};
use crate::handlers::pairing::helpers::parse_helper;
use crate::handlers::pairing::pairings::create_from;
use crate::handlers::pairing::sheet::{self, PairingImportJob};
use crate::handlers::pairing::{date_of, store_error};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu_domain::pairing::{PairingKind, PairingStatus, Rank};
use bangfu_domain::{Capability, RegionCode};
use bangfu_store::pairing::{Helper, HelperFilter, Pairing, PairingFilter, caseload, coverage, handover, helpers, pairings};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};

fn limit_of(l: i64) -> i64 {
    if l <= 0 { 50 } else { l.min(500) }
}

fn invalid(fields: &HashMap<&'static str, String>, problems: &[String]) -> Response {
    let map: BTreeMap<&str, &str> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let message = problems.first().cloned().or_else(|| fields.values().next().cloned()).unwrap_or_else(|| "请求内容有误".into());
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": {"code": "invalid", "message": message, "fields": map}}))).into_response()
}

/// A helper (帮扶人).
#[derive(Serialize, ToSchema)]
pub struct PairingHelperOut {
    pub id: i64,
    pub name: String,
    /// cadre | teacher | first_secretary | team_member | volunteer | enterprise_staff | leader
    pub kind: String,
    pub kind_label: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    /// full_division | deputy_division | full_section | deputy_section | ordinary | other
    pub rank: Option<String>,
    pub position: Option<String>,
    /// Masked (138****5678).
    pub phone: Option<String>,
    pub region_code: String,
    /// active | left
    pub status: String,
    pub left_on: Option<String>,
    /// Active households (帮扶责任人—户, 领导干部包户) and the limit of their rank; 0/0 once left.
    pub households: i64,
    pub caseload_limit: i64,
    pub over_caseload: bool,
}

fn helper_out(h: &Helper, load: (i64, i64)) -> PairingHelperOut {
    PairingHelperOut {
        id: h.id,
        name: h.name.clone(),
        kind: h.kind.code().into(),
        kind_label: h.kind.label().into(),
        unit_id: h.unit_id,
        unit_name: h.unit_name.clone(),
        rank: h.rank.map(|r| r.code().into()),
        position: h.position.clone(),
        phone: h.phone.as_deref().map(bangfu_domain::value::mask),
        region_code: h.region_code.clone(),
        status: h.status.clone(),
        left_on: h.left_on.map(|d| d.to_string()),
        households: load.0,
        caseload_limit: load.1,
        over_caseload: load.0 > load.1,
    }
}

#[derive(Serialize, ToSchema)]
pub struct PairingHelperPage {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    pub items: Vec<PairingHelperOut>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PairingHelperParams {
    /// Unit id.
    pub unit: Option<i64>,
    /// Rank code.
    pub rank: Option<String>,
    /// active | left
    pub status: Option<String>,
    /// Part of the name.
    pub name: Option<String>,
    pub offset: i64,
    /// At most 500 (default 50).
    pub limit: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/pairing/helpers",
    tag = "pairing",
    params(PairingHelperParams),
    responses(
        (status = 200, description = "Helpers in the caller's scope with their caseload", body = PairingHelperPage),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn list_helpers(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<PairingHelperParams>) -> ApiResult<Json<PairingHelperPage>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let rank = q.rank.as_deref().and_then(Rank::parse);
    let (offset, limit) = (q.offset.max(0), limit_of(q.limit));
    let f = HelperFilter { unit_id: q.unit, kind: None, status: q.status.clone(), name: q.name.clone() };
    let (rows, total, loads) = state
        .db
        .run(move |c, _| {
            // the store filters by unit, status and name and pages; the rank is filtered here
            let (rows, total) = match rank {
                None => helpers::list(c, &scope, &f, offset, limit).map_err(store_error)?,
                Some(r) => {
                    let (rows, _) = helpers::list(c, &scope, &f, 0, 1_000_000).map_err(store_error)?;
                    let rows: Vec<Helper> = rows.into_iter().filter(|h| h.rank == Some(r)).collect();
                    let n = rows.len() as i64;
                    (rows.into_iter().skip(offset as usize).take(limit as usize).collect(), n)
                }
            };
            let mut loads: HashMap<i64, (i64, i64)> = HashMap::new();
            for h in rows.iter().filter(|h| h.is_active()) {
                loads.insert(h.id, caseload::of_helper(c, h.id).map_err(store_error)?);
            }
            Ok((rows, total, loads))
        })
        .await?;
    let items = rows.iter().map(|h| helper_out(h, loads.get(&h.id).copied().unwrap_or((0, 0)))).collect();
    Ok(Json(PairingHelperPage { total, offset, limit, items }))
}

/// A new helper.
#[derive(Deserialize, ToSchema)]
pub struct PairingHelperIn {
    pub name: String,
    /// Helper kind code (default cadre).
    pub kind: Option<String>,
    pub unit_id: Option<i64>,
    /// Rank code.
    pub rank: Option<String>,
    pub position: Option<String>,
    pub phone: Option<String>,
    /// Where the helper sits (12 digits, in scope); default: the unit's region.
    pub region_code: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/pairing/helpers",
    tag = "pairing",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = PairingHelperIn,
    responses(
        (status = 201, description = "The helper, created (audited)", body = PairingHelperOut),
        (status = 403, description = "The role may not manage pairings", body = ErrorBody),
        (status = 422, description = "A field is wrong (field → Chinese message)", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn create_helper(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiJson(body): ApiJson<PairingHelperIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::ManagePairing)?;
    let mut posted: HashMap<String, String> = HashMap::new();
    posted.insert("name".into(), body.name.trim().into());
    for (k, v) in [("kind", body.kind), ("rank", body.rank), ("position", body.position), ("phone", body.phone), ("region_code", body.region_code)] {
        posted.insert(k.into(), v.unwrap_or_default().trim().to_string());
    }
    posted.insert("unit_id".into(), body.unit_id.map(|u| u.to_string()).unwrap_or_default());
    let h = match parse_helper(&posted) {
        Ok(h) => h,
        Err(e) => return Ok(invalid(&e, &[])),
    };
    let (scope, actor) = (p.scope(), p.actor());
    let r = state
        .db
        .run(move |c, _| match helpers::create(c, &actor, &scope, &h) {
            Ok(id) => Ok(Ok(helpers::get(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?)),
            Err(bangfu_store::StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(store_error(e)),
        })
        .await?;
    match r {
        Ok(h) => Ok((StatusCode::CREATED, Json(helper_out(&h, (0, 0)))).into_response()),
        Err(m) => Ok(invalid(&HashMap::new(), &[m])),
    }
}

/// A pairing of any kind.
#[derive(Serialize, ToSchema)]
pub struct PairingOut {
    pub id: i64,
    /// Pairing kind code (helper_household, unit_village, …).
    pub kind: String,
    pub kind_label: String,
    /// active | ended
    pub status: String,
    /// helper | unit | team | school | county | city
    pub helper_kind: String,
    pub helper_id: Option<i64>,
    pub helper_region: Option<String>,
    pub helper_name: Option<String>,
    /// household | student | village | school | county | city | helper
    pub beneficiary_kind: String,
    pub beneficiary_id: Option<i64>,
    pub beneficiary_region: Option<String>,
    pub beneficiary_name: Option<String>,
    pub household_no: Option<String>,
    pub region_code: String,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub end_reason: Option<String>,
    /// The pairing that took over (after a hand-over or an import).
    pub replaced_by: Option<i64>,
    pub plan_goal: Option<String>,
    pub plan_measures: Option<String>,
}

fn pairing_out(x: &Pairing) -> PairingOut {
    PairingOut {
        id: x.id,
        kind: x.kind.code().into(),
        kind_label: x.kind.label().into(),
        status: x.status.code().into(),
        helper_kind: x.helper.kind().code().into(),
        helper_id: x.helper.id(),
        helper_region: x.helper.region().map(str::to_string),
        helper_name: x.helper_name.clone(),
        beneficiary_kind: x.beneficiary.kind().code().into(),
        beneficiary_id: x.beneficiary.id(),
        beneficiary_region: x.beneficiary.region().map(str::to_string),
        beneficiary_name: x.beneficiary_name.clone(),
        household_no: x.household_no.clone(),
        region_code: x.region_code.clone(),
        started_on: x.started_on.to_string(),
        ended_on: x.ended_on.map(|d| d.to_string()),
        end_reason: x.end_reason.clone(),
        replaced_by: x.replaced_by,
        plan_goal: x.plan_goal.clone(),
        plan_measures: x.plan_measures.clone(),
    }
}

/// A helper with their pairings (active and past).
#[derive(Serialize, ToSchema)]
pub struct PairingHelperDetailOut {
    pub helper: PairingHelperOut,
    pub pairings: Vec<PairingOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/pairing/helpers/{id}",
    tag = "pairing",
    params(("id" = i64, Path, description = "Helper id")),
    responses(
        (status = 200, description = "The helper with their caseload and pairings in the caller's scope", body = PairingHelperDetailOut),
        (status = 404, description = "No such helper in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn get_helper(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId) -> ApiResult<Json<PairingHelperDetailOut>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let (h, load, rows) = state
        .db
        .run(move |c, _| {
            let h = helpers::get(c, &crate::handlers::pairing::helper_scope(&scope), id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            Ok((h, caseload::of_helper(c, id).map_err(store_error)?, pairings::of_helper(c, &scope, id, false).map_err(store_error)?))
        })
        .await?;
    Ok(Json(PairingHelperDetailOut { helper: helper_out(&h, load), pairings: rows.iter().map(pairing_out).collect() }))
}

/// A hand-over: every active household of the helper goes to `to_helper` from `on_date`.
#[derive(Deserialize, ToSchema)]
pub struct PairingHandOverIn {
    pub to_helper: i64,
    /// YYYY-MM-DD, not in the future.
    pub on_date: String,
    pub reason: String,
    /// Also record the helper as left on that date.
    #[serde(default)]
    pub mark_left: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PairingHandOverOut {
    /// Pairings ended (each with `replaced_by`).
    pub ended: i64,
    /// Pairings created for the successor.
    pub created: i64,
    pub successor_households: i64,
    pub successor_limit: i64,
}

#[utoipa::path(
    post,
    path = "/api/v1/pairing/helpers/{id}/handover",
    tag = "pairing",
    params(("id" = i64, Path, description = "The leaving helper"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = PairingHandOverIn,
    responses(
        (status = 200, description = "Handed over in one transaction, history kept (audited)", body = PairingHandOverOut),
        (status = 403, description = "The role may not manage pairings", body = ErrorBody),
        (status = 404, description = "No such helper in the caller's scope", body = ErrorBody),
        (status = 422, description = "A missing reason, a bad date, an unknown or departed successor", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn hand_over(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId, ApiJson(body): ApiJson<PairingHandOverIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::ManagePairing)?;
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let on = date_of(&body.on_date, "交接日期").map_err(|e| errors.insert("on_date", e)).ok();
    if body.reason.trim().is_empty() {
        errors.insert("reason", "请填写交接原因（如 调离、退休）".into());
    }
    let Some(on) = on.filter(|_| errors.is_empty()) else { return Ok(invalid(&errors, &[])) };
    let (scope, actor, to, reason, left) = (p.scope(), p.actor(), body.to_helper, body.reason, body.mark_left);
    let r = state
        .db
        .run(move |c, _| {
            if helpers::get(c, &crate::handlers::pairing::helper_scope(&scope), id).map_err(store_error)?.is_none() {
                return Err(AppError::NotFound);
            }
            if helpers::get(c, &crate::handlers::pairing::helper_scope(&scope), to).map_err(store_error)?.is_none() {
                return Ok(Err("接手的帮扶人不存在或不在您的管辖范围内".to_string()));
            }
            match handover::hand_over(c, &actor, &scope, id, to, on, &reason) {
                Ok(r) => {
                    // only the helper's own jurisdiction may record them as left
                    if left && helpers::get(c, &scope, id).map_err(store_error)?.is_some() {
                        helpers::mark_left(c, &actor, &scope, id, on).map_err(store_error)?;
                    }
                    Ok(Ok(r))
                }
                Err(bangfu_store::StoreError::Invalid(m)) => Ok(Err(m)),
                Err(e) => Err(store_error(e)),
            }
        })
        .await?;
    match r {
        Ok(r) => Ok(Json(PairingHandOverOut { ended: r.ended, created: r.created, successor_households: r.successor_caseload.0, successor_limit: r.successor_caseload.1 }).into_response()),
        Err(m) => Ok(invalid(&[("to_helper", m.clone())].into_iter().collect(), &[m])),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PairingPage {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    pub items: Vec<PairingOut>,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PairingParams {
    /// Pairing kind code.
    pub kind: Option<String>,
    /// A region code inside the caller's scope.
    pub region: Option<String>,
    /// active | ended (default: both)
    pub status: Option<String>,
    pub helper_id: Option<i64>,
    pub offset: i64,
    /// At most 500 (default 50).
    pub limit: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/pairing/pairings",
    tag = "pairing",
    params(PairingParams),
    responses(
        (status = 200, description = "Pairings whose beneficiary lies in the caller's scope", body = PairingPage),
        (status = 400, description = "An unknown kind or status", body = ErrorBody),
        (status = 404, description = "The region is outside the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn list_pairings(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<PairingParams>) -> ApiResult<Json<PairingPage>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let kind = match q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(k) => Some(PairingKind::parse(k).ok_or_else(|| AppError::BadRequest(format!("结对类型“{k}”无法识别")))?),
    };
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(PairingStatus::parse(s).ok_or_else(|| AppError::BadRequest("状态应为 active 或 ended".into()))?),
    };
    let region = crate::handlers::quality::region_param(q.region.as_deref().unwrap_or(""), scope.prefix())?;
    let f = PairingFilter { kind, status, region: region.as_deref().and_then(|r| RegionCode::parse(r).ok()), helper_id: q.helper_id, ..PairingFilter::default() };
    let (offset, limit) = (q.offset.max(0), limit_of(q.limit));
    let (rows, total) = state.db.run(move |c, _| pairings::list(c, &scope, &f, offset, limit).map_err(store_error)).await?;
    Ok(Json(PairingPage { total, offset, limit, items: rows.iter().map(pairing_out).collect() }))
}

/// A new pairing. The sides follow the kind: a helper, unit, team or school id; a village, county
/// or city code; a household's 户编号 (or id); a student's member id.
#[derive(Deserialize, ToSchema)]
pub struct PairingIn {
    pub kind: String,
    pub helper: String,
    pub beneficiary: String,
    /// YYYY-MM-DD (default today).
    pub started_on: Option<String>,
    pub plan_goal: Option<String>,
    pub plan_measures: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PairingCreatedOut {
    pub pairing: PairingOut,
    /// Set when the helper is now over their caseload: [households, limit].
    pub over_caseload: Option<Vec<i64>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/pairing/pairings",
    tag = "pairing",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = PairingIn,
    responses(
        (status = 201, description = "The pairing, created (audited); over-caseload is a warning", body = PairingCreatedOut),
        (status = 403, description = "The role may not manage pairings", body = ErrorBody),
        (status = 422, description = "A side of the wrong kind, unknown, out of scope or already paired (一户一帮扶责任人)", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn create_pairing(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiJson(body): ApiJson<PairingIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::ManagePairing)?;
    let mut posted: HashMap<String, String> = HashMap::new();
    for (k, v) in [("kind", Some(body.kind)), ("helper", Some(body.helper)), ("beneficiary", Some(body.beneficiary)), ("started_on", body.started_on), ("plan_goal", body.plan_goal), ("plan_measures", body.plan_measures)] {
        posted.insert(k.into(), v.unwrap_or_default().trim().to_string());
    }
    let pp = p.clone();
    let scope = p.scope();
    let r = state
        .db
        .run(move |c, _| match create_from(c, &pp, &posted)? {
            Ok(created) => Ok(Ok((pairings::get(c, &scope, created.id).map_err(store_error)?.ok_or(AppError::NotFound)?, created.over_caseload))),
            Err(e) => Ok(Err(e)),
        })
        .await?;
    match r {
        Ok((x, over)) => Ok((StatusCode::CREATED, Json(PairingCreatedOut { pairing: pairing_out(&x), over_caseload: over.map(|(n, l)| vec![n, l]) })).into_response()),
        Err((errors, problems)) => Ok(invalid(&errors, &problems)),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct PairingEndIn {
    /// YYYY-MM-DD (default today).
    pub ended_on: Option<String>,
    pub reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/pairing/pairings/{id}/end",
    tag = "pairing",
    params(("id" = i64, Path, description = "Pairing id"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = PairingEndIn,
    responses(
        (status = 200, description = "The pairing, ended (audited)", body = PairingOut),
        (status = 403, description = "The role may not manage pairings", body = ErrorBody),
        (status = 404, description = "No such pairing in the caller's scope", body = ErrorBody),
        (status = 422, description = "Already ended, no reason, a date before the start", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn end_pairing(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId, ApiJson(body): ApiJson<PairingEndIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::ManagePairing)?;
    let on = match body.ended_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => chrono::Local::now().date_naive(),
        Some(d) => match date_of(d, "结束日期") {
            Ok(d) => d,
            Err(e) => return Ok(invalid(&[("ended_on", e)].into_iter().collect(), &[])),
        },
    };
    let (scope, actor, reason) = (p.scope(), p.actor(), body.reason);
    let r = state
        .db
        .run(move |c, _| match pairings::end(c, &actor, &scope, id, on, &reason) {
            Ok(()) => Ok(Ok(pairings::get(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?)),
            Err(bangfu_store::StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(store_error(e)),
        })
        .await?;
    match r {
        Ok(x) => Ok(Json(pairing_out(&x)).into_response()),
        Err(m) => Ok(invalid(&[("reason", m.clone())].into_iter().collect(), &[m])),
    }
}

/// Coverage gaps in the caller's scope (or a region inside it).
#[derive(Serialize, ToSchema)]
pub struct PairingCoverageOut {
    pub registered_households: i64,
    pub households_without_helper: i64,
    pub villages: i64,
    pub villages_without_unit: i64,
    pub poor_villages_without_unit: i64,
    pub helpers: i64,
    pub helpers_over_caseload: i64,
    pub students: i64,
    pub students_without_teacher: i64,
    pub schools: i64,
    pub schools_without_pairing: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PairingCoverageParams {
    /// A region code inside the caller's scope.
    pub region: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/pairing/coverage",
    tag = "pairing",
    params(PairingCoverageParams),
    responses(
        (status = 200, description = "Coverage counts", body = PairingCoverageOut),
        (status = 404, description = "The region is outside the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn coverage(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<PairingCoverageParams>) -> ApiResult<Json<PairingCoverageOut>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let region = crate::handlers::quality::region_param(q.region.as_deref().unwrap_or(""), scope.prefix())?.and_then(|r| RegionCode::parse(&r).ok());
    let s = state.db.run(move |c, _| coverage::summary(c, &scope, region.as_ref()).map_err(store_error)).await?;
    Ok(Json(PairingCoverageOut {
        registered_households: s.registered_households,
        households_without_helper: s.households_without_helper,
        villages: s.villages,
        villages_without_unit: s.villages_without_unit,
        poor_villages_without_unit: s.poor_villages_without_unit,
        helpers: s.helpers,
        helpers_over_caseload: s.helpers_over_caseload,
        students: s.students,
        students_without_teacher: s.students_without_teacher,
        schools: s.schools,
        schools_without_pairing: s.schools_without_pairing,
    }))
}

/// The multipart form of an import.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the request body only
pub struct PairingUpload {
    /// The 对口帮扶任务分配表 (.xlsx, .xls or .csv).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// "1": write the good rows even when others are bad.
    pub accept_valid: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/pairing/imports",
    tag = "pairing",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body(content = PairingUpload, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Imported as a background job: poll `/api/v1/pairing/imports/{job}` until `state` is done (`written` says whether anything was written; `issues` lists bad rows with row and column) or failed", body = PairingImportJob),
        (status = 400, description = "No file, or not a spreadsheet", body = ErrorBody),
        (status = 403, description = "The role may not manage pairings, or the CSRF token is missing", body = ErrorBody),
        (status = 413, description = "The file is larger than the server accepts", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn import(State(state): State<AppState>, ApiUser(p): ApiUser, req: Request) -> Result<Response, ApiError> {
    csrf::check_header(&p, req.headers())?;
    p.require(Capability::ManagePairing)?;
    let u = sheet::receive(&state, &p, req, false).await?;
    let job = sheet::start(&state, &p, u);
    Ok((StatusCode::ACCEPTED, Json(job)).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/pairing/imports/{job}",
    tag = "pairing",
    params(("job" = String, Path, description = "Job id (32 hexadecimal characters)")),
    responses(
        (status = 200, description = "The job", body = PairingImportJob),
        (status = 404, description = "No such job of the caller", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn import_job(ApiUser(p): ApiUser, Path(job): Path<String>) -> ApiResult<Json<PairingImportJob>> {
    p.require(Capability::ManagePairing)?;
    Ok(Json(sheet::visible_job(&p, &job).ok_or(AppError::NotFound)?))
}
