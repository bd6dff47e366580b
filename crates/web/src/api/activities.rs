//! Field work and assistance measures in the API: recording an activity (idempotent by
//! `client_uuid`: the phone form's offline queue posts here and may send an entry twice), listing
//! activities by household, helper and month, uploading photos, and a household's measures. Same
//! scope and capabilities as the pages: outside the scope is 404.

use super::extract::{ApiId, ApiJson, ApiQuery, ApiUser};
use super::openapi::ErrorBody;
use crate::auth::csrf;
use crate::error::{ApiError, ApiResult, AppError};
use crate::handlers::activity::Recorder;
use crate::handlers::activity::list::{ListQuery, filter_of};
use crate::handlers::quality::store_error;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu_domain::Capability;
use bangfu_domain::pairing::ActivityKind;
use bangfu_domain::quality::measures::MeasureKind;
use bangfu_store::StoreError;
use bangfu_store::activity::measures::{self, Measure, NewMeasure};
use bangfu_store::activity::{self, Activity, NewActivity};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

fn invalid(message: &str) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": {"code": "invalid", "message": message}}))).into_response()
}

fn date(field: &str, text: Option<&str>) -> Result<Option<chrono::NaiveDate>, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map(Some).map_err(|_| format!("{field}“{t}”不是有效的日期，请写成 2026-11-05")),
    }
}

/// An activity to record.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ActivityIn {
    /// visit | sign_in | work_log | stint | training | meeting | donation | purchase | dividend (or the Chinese label); default visit.
    pub kind: Option<String>,
    /// The household visited (its village becomes the activity's).
    pub household_id: Option<i64>,
    /// The village's 12-digit code when there is no household.
    pub village: Option<String>,
    pub unit_id: Option<i64>,
    pub team_id: Option<i64>,
    /// Helper ids; a caller with the Helper role is always added.
    pub helper_ids: Vec<i64>,
    /// YYYY-MM-DD, not in the future.
    pub occurred_on: String,
    pub ended_on: Option<String>,
    /// HH:MM
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// Topic (training, meeting), product (purchase), project (dividend).
    pub title: Option<String>,
    /// What a visit checked: guarantees, income, needs, policy, risk, housing, water.
    pub checked: Vec<String>,
    pub problems: Option<String>,
    pub help_given: Option<String>,
    /// Fen.
    pub money: Option<i64>,
    pub goods: Option<String>,
    /// Degrees (WGS-84), both or neither.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Kind-specific fields: training level (国培/省培/州培/县培), trainer, sessions, participants, person_times, credits; stint_kind (支教/挂职), post; donor; buyer, quantity; households.
    #[schema(value_type = Object)]
    pub details: serde_json::Map<String, serde_json::Value>,
    /// Made once per entry by the client: the same uuid twice is stored once.
    pub client_uuid: Option<String>,
}

impl ActivityIn {
    fn to_activity(&self) -> Result<NewActivity, String> {
        let kind = match self.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => ActivityKind::Visit,
            Some(k) => ActivityKind::parse(k).ok_or_else(|| format!("活动类别“{k}”无法识别"))?,
        };
        let on = date("occurred_on（日期）", Some(&self.occurred_on))?.ok_or("请填写日期（occurred_on）")?;
        let mut a = NewActivity::new(kind, on);
        a.household_id = self.household_id;
        a.village = self.village.clone();
        a.unit_id = self.unit_id;
        a.team_id = self.team_id;
        a.helper_ids = self.helper_ids.clone();
        a.ended_on = date("ended_on（结束日期）", self.ended_on.as_deref())?;
        a.start_time = self.start_time.clone();
        a.end_time = self.end_time.clone();
        a.title = self.title.clone();
        a.checked = self.checked.clone();
        a.problems = self.problems.clone();
        a.help_given = self.help_given.clone();
        a.money = self.money;
        a.goods = self.goods.clone();
        a.latitude_e6 = self.latitude.filter(|v| v.is_finite()).map(|v| (v * 1e6).round() as i64);
        a.longitude_e6 = self.longitude.filter(|v| v.is_finite()).map(|v| (v * 1e6).round() as i64);
        a.details = self.details.clone();
        a.client_uuid = self.client_uuid.clone();
        Ok(a)
    }
}

/// What was recorded.
#[derive(Serialize, ToSchema)]
pub struct RecordedOut {
    pub id: i64,
    /// The same client_uuid was recorded before: this is the first one's id, nothing new written.
    pub duplicate: bool,
    /// not_paired: the helper is not paired with the household (allowed, flagged).
    pub flags: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/activities",
    tag = "activities",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = ActivityIn,
    responses(
        (status = 201, description = "Recorded", body = RecordedOut),
        (status = 200, description = "Already recorded with this client_uuid: the first one's id (nothing written)", body = RecordedOut),
        (status = 403, description = "The role may not record field work (a helper: not paired with the household), or the CSRF token is missing", body = ErrorBody),
        (status = 404, description = "The household or village is not in the caller's scope", body = ErrorBody),
        (status = 422, description = "Refused, the message names the field: a future date, before the pairing started, the same visit already logged by one of its helpers (the message names the record), unknown helpers, missing kind-specific fields", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn create(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiJson(body): ApiJson<ActivityIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::ViewRegistry)?;
    let mut a = match body.to_activity() {
        Ok(a) => a,
        Err(m) => return Ok(invalid(&m)),
    };
    let (scope, actor, pp) = (p.scope(), p.actor(), p.clone());
    let outcome = state
        .db
        .run(move |c, _| {
            let r = Recorder::of(c, &pp)?;
            r.authorize(c, &mut a)?;
            Ok(activity::record(c, &actor, &scope, &a))
        })
        .await?;
    match outcome {
        Ok(r) => {
            let status = if r.duplicate { StatusCode::OK } else { StatusCode::CREATED };
            Ok((status, Json(RecordedOut { id: r.id, duplicate: r.duplicate, flags: r.flags })).into_response())
        }
        Err(StoreError::Invalid(m)) => Ok(invalid(&m)),
        Err(e) => Err(store_error(e).into()),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// A household id.
    pub household: String,
    /// A helper id.
    pub helper: String,
    /// YYYY-MM.
    pub month: String,
    /// A region code inside the caller's scope (a village).
    pub village: String,
    /// An activity kind's code.
    pub kind: String,
    pub offset: Option<i64>,
    /// At most 500; default 100.
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct HelperOut {
    pub id: i64,
    pub name: String,
}

/// One activity.
#[derive(Serialize, ToSchema)]
pub struct ActivityOut {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub region_code: String,
    pub household_id: Option<i64>,
    pub occurred_on: String,
    pub ended_on: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub title: Option<String>,
    pub checked: Vec<String>,
    pub problems: Option<String>,
    pub help_given: Option<String>,
    /// Fen.
    pub money: Option<i64>,
    pub goods: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[schema(value_type = Object)]
    pub details: serde_json::Map<String, serde_json::Value>,
    pub flags: Vec<String>,
    pub helpers: Vec<HelperOut>,
    /// How many photos.
    pub photos: i64,
    pub created_by: String,
    pub created_at: String,
}

fn activity_out(a: &Activity) -> ActivityOut {
    ActivityOut {
        id: a.id,
        kind: a.kind.code().into(),
        kind_label: a.kind.label().into(),
        region_code: a.region_code.clone(),
        household_id: a.household_id,
        occurred_on: a.occurred_on.to_string(),
        ended_on: a.ended_on.map(|d| d.to_string()),
        start_time: a.start_time.clone(),
        end_time: a.end_time.clone(),
        title: a.title.clone(),
        checked: a.checked.clone(),
        problems: a.problems.clone(),
        help_given: a.help_given.clone(),
        money: a.money,
        goods: a.goods.clone(),
        latitude: a.latitude_e6.map(|v| v as f64 / 1e6),
        longitude: a.longitude_e6.map(|v| v as f64 / 1e6),
        details: a.details.clone(),
        flags: a.flags.clone(),
        helpers: a.helpers.iter().map(|h| HelperOut { id: h.id, name: h.name.clone() }).collect(),
        photos: a.photos,
        created_by: a.created_by.clone(),
        created_at: a.created_at.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityPage {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    pub items: Vec<ActivityOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/activities",
    tag = "activities",
    params(ActivityParams),
    responses(
        (status = 200, description = "Activities in the caller's scope, newest first", body = ActivityPage),
        (status = 400, description = "A bad month, kind or id", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "The village is not in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn list(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<ActivityParams>) -> ApiResult<Json<ActivityPage>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let lq = ListQuery { helper: q.helper, month: q.month, village: q.village, household: q.household, kind: q.kind, page: String::new() };
    let f = filter_of(&lq, scope.prefix())?;
    let offset = q.offset.unwrap_or(0).max(0);
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let (items, total) = state.db.run(move |c, _| Ok(activity::activities(c, &scope, &f, offset, limit)?)).await?;
    Ok(Json(ActivityPage { total, offset, limit, items: items.iter().map(activity_out).collect() }))
}

/// The multipart form of a photo upload.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the request body only
pub struct PhotoUpload {
    /// One or more images (JPEG, PNG or WebP, each ≤ 5 MB), each in a field named `photo`.
    #[schema(value_type = String, format = Binary)]
    photo: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct PhotosOut {
    /// The new photos' ids (GET /activity-photos/{id} shows one).
    pub ids: Vec<i64>,
}

#[utoipa::path(
    post,
    path = "/api/v1/activities/{id}/photos",
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = PhotosOut),
        (status = 403, description = "The role may not record field work, or the CSRF token is missing", body = ErrorBody),
        (status = 404, description = "No such activity in the caller's scope", body = ErrorBody),
        (status = 413, description = "The upload is too large", body = ErrorBody),
        (status = 422, description = "Not an image (JPEG, PNG, WebP), over 5 MB, or no photo; nothing stored", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn photos(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId, mut mp: Multipart) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::ViewRegistry)?;
    let too_large = || AppError::TooLarge("上传内容太大：每张照片不能超过 5 MB".into());
    let mut files = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(|_| too_large())? {
        if field.name() == Some("photo") {
            files.push(field.bytes().await.map_err(|_| too_large())?.to_vec());
        }
    }
    if files.is_empty() {
        return Ok(invalid("没有收到照片（表单字段名应为 photo）"));
    }
    for f in &files {
        if let Err(StoreError::Invalid(m)) = activity::check_photo(f) {
            return Ok(invalid(&m));
        }
    }
    let (scope, actor, pp) = (p.scope(), p.actor(), p.clone());
    let ids = state
        .db
        .run(move |c, _| {
            Recorder::of(c, &pp)?;
            let mut ids = Vec::new();
            for f in &files {
                ids.push(activity::add_photo(c, &actor, &scope, id, f).map_err(store_error)?);
            }
            Ok(ids)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(PhotosOut { ids })).into_response())
}

/// One measure.
#[derive(Serialize, ToSchema)]
pub struct MeasureOut {
    pub id: i64,
    pub household_id: i64,
    pub member_id: Option<i64>,
    /// A MeasureKind code (industry, employment, dibao …).
    pub kind: String,
    pub kind_label: String,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub description: Option<String>,
    /// Fen.
    pub amount: Option<i64>,
    pub version: i64,
}

fn measure_out(m: &Measure) -> MeasureOut {
    MeasureOut {
        id: m.id,
        household_id: m.household_id,
        member_id: m.member_id,
        kind: m.kind.code().into(),
        kind_label: m.kind.label().into(),
        started_on: m.started_on.to_string(),
        ended_on: m.ended_on.map(|d| d.to_string()),
        description: m.description.clone(),
        amount: m.amount,
        version: m.version,
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/households/{id}/measures",
    tag = "activities",
    params(("id" = i64, Path, description = "Household id")),
    responses(
        (status = 200, description = "The household's measures, current ones first", body = [MeasureOut]),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such household in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn household_measures(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId) -> ApiResult<Json<Vec<MeasureOut>>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let list = state
        .db
        .run(move |c, _| {
            let pattern = scope.like_pattern();
            if c.query_int("SELECT COUNT(*) FROM household WHERE id = ? AND region_code LIKE ?", &[bangfu_store::P::Int(id), bangfu_store::P::Text(&pattern)])? == 0 {
                return Err(AppError::NotFound);
            }
            Ok(measures::household_measures(c, &scope, id)?)
        })
        .await?;
    Ok(Json(list.iter().map(measure_out).collect()))
}

/// A measure to add.
#[derive(Deserialize, ToSchema)]
pub struct MeasureIn {
    /// A MeasureKind code or label (industry / 产业帮扶 …).
    pub kind: String,
    /// YYYY-MM-DD
    pub started_on: String,
    pub ended_on: Option<String>,
    pub description: Option<String>,
    /// Fen.
    pub amount: Option<i64>,
    /// A member of the household, if the measure is for one person.
    pub member_id: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/api/v1/households/{id}/measures",
    tag = "activities",
    params(("id" = i64, Path, description = "Household id"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = MeasureIn,
    responses(
        (status = 201, description = "Added (audited)", body = MeasureOut),
        (status = 403, description = "The role may not edit the registry, or the CSRF token is missing", body = ErrorBody),
        (status = 404, description = "No such household in the caller's scope", body = ErrorBody),
        (status = 422, description = "An unknown kind, a bad date, an end before the start, a member of another household", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn add_measure(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId, ApiJson(body): ApiJson<MeasureIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::EditRegistry)?;
    let Some(kind) = crate::handlers::activity::measure_kind(&body.kind) else {
        return Ok(invalid(&format!("措施类别“{}”无法识别，可选：{}", body.kind, MeasureKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>().join("、"))));
    };
    let (started_on, ended_on) = match (date("started_on（开始日期）", Some(&body.started_on)), date("ended_on（结束日期）", body.ended_on.as_deref())) {
        (Ok(Some(s)), Ok(e)) => (s, e),
        (Ok(None), _) => return Ok(invalid("请填写开始日期（started_on）")),
        (Err(m), _) | (_, Err(m)) => return Ok(invalid(&m)),
    };
    let m = NewMeasure { household_id: id, member_id: body.member_id, kind, started_on, ended_on, description: body.description, amount: body.amount, pairing_id: None };
    let (scope, actor) = (p.scope(), p.actor());
    let outcome = state
        .db
        .run(move |c, _| {
            Ok(match measures::add_measure(c, &actor, &scope, &m) {
                Ok(mid) => Ok(measures::measure(c, &scope, mid)?.ok_or(AppError::NotFound)?),
                Err(e) => Err(e),
            })
        })
        .await?;
    match outcome {
        Ok(m) => Ok((StatusCode::CREATED, Json(measure_out(&m))).into_response()),
        Err(StoreError::Invalid(msg)) => Ok(invalid(&msg)),
        Err(e) => Err(store_error(e).into()),
    }
}
