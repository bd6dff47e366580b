//! The dynamic-adjustment campaign (动态调整) as JSON: starting one (county office, one case per
//! active household of the county) and its progress per village. Same scope and roles as the pages.

use super::extract::{ApiId, ApiJson, ApiUser};
use super::openapi::ErrorBody;
use crate::auth::csrf;
use crate::error::{ApiError, ApiResult, AppError};
use crate::handlers::campaigns::form::{parse_date, parse_deadlines};
use crate::handlers::campaigns::may_start;
use crate::handlers::quality::store_error;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu_domain::workflow::procedures::VERDICTS;
use bangfu_domain::{Capability, RegionCode, RegionScope};
use bangfu_store::workflow::campaigns::{self, Counts, NewCampaign};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A campaign to start in the caller's county.
#[derive(Deserialize, ToSchema)]
pub struct CampaignIn {
    pub year: i64,
    /// e.g. "2026 年度动态调整"
    pub title: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    /// The default deadline of every village, YYYY-MM-DD
    pub due_on: String,
    /// Villages with their own deadline (village code or name → YYYY-MM-DD)
    #[serde(default)]
    pub village_deadlines: Vec<VillageDeadline>,
}

#[derive(Deserialize, ToSchema)]
pub struct VillageDeadline {
    /// A village code (12 digits) or a village name of the county
    pub village: String,
    pub due_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignCreated {
    pub id: i64,
    /// Cases opened (one per active household)
    pub cases: i64,
}

/// Counts of a village or of the whole campaign.
#[derive(Serialize, ToSchema)]
pub struct CountsOut {
    pub total: i64,
    /// Past the village's verification
    pub verified: i64,
    /// Confirmed by the township (completed)
    pub confirmed: i64,
    /// Open and past the deadline
    pub overdue: i64,
    /// Cases per verdict code (unchanged, info_changed, propose_identification, propose_exit, propose_removal, member_change)
    pub verdicts: std::collections::BTreeMap<String, i64>,
}

fn counts(c: &Counts) -> CountsOut {
    CountsOut {
        total: c.total,
        verified: c.verified,
        confirmed: c.confirmed,
        overdue: c.overdue,
        verdicts: VERDICTS.iter().map(|(v, _)| (v.to_string(), c.verdict(v))).collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct VillageProgressOut {
    pub village_code: String,
    pub name: String,
    pub deadline: Option<String>,
    pub counts: CountsOut,
}

#[derive(Serialize, ToSchema)]
pub struct ProgressOut {
    pub id: i64,
    pub title: String,
    pub year: i64,
    pub region_code: String,
    pub due_on: Option<String>,
    pub as_of: String,
    pub villages: Vec<VillageProgressOut>,
    pub total: CountsOut,
}

fn invalid(message: &str) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": {"code": "invalid", "message": message}}))).into_response()
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns",
    tag = "workflow",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = CampaignIn,
    responses(
        (status = 201, description = "Started: one case per active household of the county", body = CampaignCreated),
        (status = 403, description = "Not the county office in a county scope, or the CSRF token is missing", body = ErrorBody),
        (status = 422, description = "A bad date, an unknown village, or a campaign of that year already started", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn create(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiJson(body): ApiJson<CampaignIn>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::EditRegistry)?;
    if !may_start(&p) {
        return Err(AppError::Forbidden("动态调整由县帮扶办在本县范围内发起".into()).into());
    }
    let county = RegionCode::parse(&p.grant.region_code).map_err(|_| AppError::Forbidden("动态调整由县帮扶办在本县范围内发起".into()))?;
    let Some(starts_on) = parse_date(&body.starts_on) else { return Ok(invalid(&format!("开始日期“{}”无效", body.starts_on))) };
    let Some(due_on) = parse_date(&body.due_on) else { return Ok(invalid(&format!("截止日期“{}”无效", body.due_on))) };
    let lines: Vec<String> = body.village_deadlines.iter().map(|d| format!("{} {}", d.village.trim(), d.due_on.trim())).collect();
    let village_deadlines = match parse_deadlines(&lines.join("\n"), &RegionScope::of(&county), &state.names()) {
        Ok(v) => v,
        Err(m) => return Ok(invalid(&m.replace("第 ", "village_deadlines 第 "))),
    };
    let n = NewCampaign { region_code: county.as_str().to_string(), year: body.year, title: body.title.trim().to_string(), starts_on, due_on, village_deadlines };
    let (actor, who, scope) = (p.actor(), p.decider(), p.scope());
    let today = bangfu_store::activity::today_china();
    let r = state
        .db
        .run(move |c, _| {
            Ok(match campaigns::start_campaign(c, &actor, &who, &n, today) {
                Ok(id) => Ok((id, campaigns::get(c, &scope, id)?.map(|k| k.cases).unwrap_or(0))),
                Err(e) => Err(e),
            })
        })
        .await?;
    match r {
        Ok((id, cases)) => Ok((StatusCode::CREATED, Json(CampaignCreated { id, cases })).into_response()),
        Err(bangfu_store::StoreError::Invalid(m)) => Ok(invalid(&m)),
        Err(e) => Err(store_error(e).into()),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/progress",
    tag = "workflow",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "Progress per village in the caller's scope", body = ProgressOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such campaign overlapping the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn progress(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId) -> ApiResult<Json<ProgressOut>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let today = bangfu_store::activity::today_china();
    let r = state.db.run(move |c, _| campaigns::progress(c, &scope, id, today).map_err(store_error)).await?.ok_or(AppError::NotFound)?;
    let names = state.names();
    Ok(Json(ProgressOut {
        id: r.campaign.id,
        title: r.campaign.title.clone(),
        year: r.campaign.year,
        region_code: r.campaign.region_code.clone(),
        due_on: r.campaign.due_on.map(|d| d.to_string()),
        as_of: today.to_string(),
        villages: r
            .villages
            .iter()
            .map(|v| VillageProgressOut { village_code: v.village_code.clone(), name: names.path(&v.village_code), deadline: v.deadline.map(|d| d.to_string()), counts: counts(&v.counts) })
            .collect(),
        total: counts(&r.total),
    }))
}
