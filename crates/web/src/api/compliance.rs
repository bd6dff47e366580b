//! Compliance of field work (考核) as JSON: the month of a scope (rates per township and village,
//! helpers behind, the overdue lists) and a helper's due list. Same scope and capabilities as the
//! pages.

use super::extract::{ApiQuery, ApiUser};
use super::openapi::ErrorBody;
use crate::error::{ApiResult, AppError};
use crate::handlers::compliance::{LIST_LIMIT, month_of, scope_of, today};
use crate::handlers::quality::store_error;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use bangfu_domain::{Capability, RegionScope};
use bangfu_store::compliance::{self, AreaRow, HouseholdLine, MonthlyRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct MonthParams {
    /// The month, e.g. 2025-06 (default: this month)
    pub month: String,
    /// A region code inside the caller's scope (default: the whole scope)
    pub region: String,
}

/// Met out of due for one rule.
#[derive(Serialize, ToSchema)]
pub struct TallyOut {
    pub due: i64,
    pub met: i64,
    /// met / due in percent (100 when nothing is due)
    pub rate: f64,
}

fn t(x: &compliance::Tally) -> TallyOut {
    TallyOut { due: x.due, met: x.met, rate: x.rate() }
}

/// The counts of a township, a village or the whole scope.
#[derive(Serialize, ToSchema)]
pub struct AreaOut {
    pub code: String,
    pub name: String,
    /// VIS-01: helper–household pairs visited enough this month
    pub visits: TallyOut,
    pub households: i64,
    /// VIS-02: households not visited for longer than the limit
    pub overdue: i64,
    /// VIS-03: helper cadres with enough visits
    pub cadres: TallyOut,
    /// UNIT-01: paired units present within the window
    pub units: TallyOut,
    /// LDR-01/02: unit leaders with enough days in the village
    pub leaders: TallyOut,
    /// TEAM-01: work-team members with enough days in the village
    pub team: TallyOut,
}

fn area(a: &AreaRow) -> AreaOut {
    AreaOut { code: a.code.clone(), name: a.name.clone(), visits: t(&a.visits), households: a.households, overdue: a.overdue, cadres: t(&a.cadres), units: t(&a.units), leaders: t(&a.leaders), team: t(&a.team) }
}

/// A helper behind this month.
#[derive(Serialize, ToSchema)]
pub struct ComplianceHelperOut {
    pub helper_id: i64,
    pub name: String,
    pub unit: Option<String>,
    pub village_code: String,
    pub households: i64,
    pub visited: i64,
    pub visits_month: i64,
}

/// A household in an overdue list (no ID numbers or phones).
#[derive(Serialize, ToSchema)]
pub struct ComplianceHouseholdOut {
    pub household_id: i64,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    pub village_code: String,
    pub helper_id: Option<i64>,
    pub helper_name: Option<String>,
    pub visits_month: i64,
    pub last_visit: Option<String>,
    pub days_since: Option<i64>,
}

fn hh(l: &HouseholdLine) -> ComplianceHouseholdOut {
    ComplianceHouseholdOut {
        household_id: l.household_id,
        household_no: l.household_no.clone(),
        head_name: l.head_name.clone(),
        village_code: l.village_code.clone(),
        helper_id: l.helper_id,
        helper_name: l.helper_name.clone(),
        visits_month: l.visits_month,
        last_visit: l.last_visit.map(|d| d.to_string()),
        days_since: l.days_since,
    }
}

/// The month of a scope.
#[derive(Serialize, ToSchema)]
pub struct MonthOut {
    pub month: String,
    pub as_of: String,
    /// The parameters in force at the scope (key → value)
    pub params: std::collections::BTreeMap<String, i64>,
    pub problems: Vec<String>,
    pub total: AreaOut,
    pub townships: Vec<AreaOut>,
    pub villages: Vec<AreaOut>,
    pub helpers_behind_total: usize,
    /// The first 100 helpers behind, most missing first
    pub helpers_behind: Vec<ComplianceHelperOut>,
    pub not_visited_total: i64,
    /// The first 100 pairs not visited enough this month
    pub not_visited: Vec<ComplianceHouseholdOut>,
    pub overdue_total: i64,
    /// The first 100 households over the limit, longest first
    pub overdue: Vec<ComplianceHouseholdOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/compliance",
    tag = "compliance",
    params(MonthParams),
    responses(
        (status = 200, description = "The month's compliance for the scope", body = MonthOut),
        (status = 400, description = "A bad month", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "The region is not in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn month(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<MonthParams>) -> ApiResult<Json<MonthOut>> {
    p.require(Capability::ViewRegistry)?;
    let m = month_of(&q.month)?;
    let scope = scope_of(&p, &q.region)?;
    let r = state.db.run(move |c, _| compliance::monthly(c, &MonthlyRequest { scope: &scope, month: m, today: today(), list_limit: LIST_LIMIT }).map_err(store_error)).await?;
    let params = bangfu_domain::compliance::catalog::all_params().map(|(_, d)| (d.key.to_string(), r.params.get(d.key))).collect();
    Ok(Json(MonthOut {
        month: m.code(),
        as_of: r.as_of.to_string(),
        params,
        problems: r.problems.clone(),
        total: area(&r.total),
        townships: r.townships.iter().map(area).collect(),
        villages: r.villages.iter().map(area).collect(),
        helpers_behind_total: r.helpers_behind().count(),
        helpers_behind: r
            .helpers_behind()
            .take(LIST_LIMIT)
            .map(|h| ComplianceHelperOut { helper_id: h.helper_id, name: h.name.clone(), unit: h.unit_name.clone(), village_code: h.village_code.clone(), households: h.households, visited: h.visited, visits_month: h.visits_month })
            .collect(),
        not_visited_total: r.not_visited_total,
        not_visited: r.not_visited.iter().map(hh).collect(),
        overdue_total: r.overdue_total,
        overdue: r.overdue.iter().map(hh).collect(),
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct DueParams {
    /// The helper's id (default: the caller's own helper record)
    pub helper: Option<i64>,
    /// The month, e.g. 2025-06 (default: this month)
    pub month: String,
}

/// One paired household of the helper.
#[derive(Serialize, ToSchema)]
pub struct DueItemOut {
    pub household_id: i64,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    pub village_code: String,
    pub village_name: Option<String>,
    pub visits_month: i64,
    pub visits_required: i64,
    pub my_last_visit: Option<String>,
    pub last_visit: Option<String>,
    pub days_since: Option<i64>,
    pub done: bool,
    pub overdue: bool,
}

/// What is due for a helper this month.
#[derive(Serialize, ToSchema)]
pub struct DueOut {
    pub helper_id: i64,
    pub name: String,
    pub unit: Option<String>,
    pub month: String,
    pub as_of: String,
    pub done: usize,
    pub visits_month: i64,
    pub cadre_visits_required: Option<i64>,
    pub items: Vec<DueItemOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/compliance/due",
    tag = "compliance",
    params(DueParams),
    responses(
        (status = 200, description = "The helper's paired households with this month's visits", body = DueOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such helper in the caller's scope, or the caller has no helper record", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn due(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<DueParams>) -> ApiResult<Json<DueOut>> {
    let m = month_of(&q.month)?;
    let (user_id, asked) = (p.user.id, q.helper);
    if asked.is_some() {
        p.require(Capability::ViewRegistry)?;
    }
    let scope = p.scope();
    let d = state
        .db
        .run(move |c, _| {
            let own = compliance::helper_of_user(c, user_id).map_err(store_error)?;
            let (id, scope) = match (asked, own) {
                // one's own record is always visible; anyone else's within the scope
                (Some(h), Some(o)) if h == o => (h, RegionScope::all()),
                (Some(h), _) => (h, scope),
                (None, Some(o)) => (o, RegionScope::all()),
                (None, None) => return Ok(None),
            };
            compliance::due(c, &scope, id, m, today()).map_err(store_error)
        })
        .await?;
    let d = d.ok_or(AppError::NotFound)?;
    Ok(Json(DueOut {
        helper_id: d.helper_id,
        name: d.name.clone(),
        unit: d.unit_name.clone(),
        month: m.code(),
        as_of: d.as_of.to_string(),
        done: d.done_count(),
        visits_month: d.visits_month,
        cadre_visits_required: d.cadre_visits_required,
        items: d
            .items
            .iter()
            .map(|i| DueItemOut {
                household_id: i.household_id,
                household_no: i.household_no.clone(),
                head_name: i.head_name.clone(),
                village_code: i.village_code.clone(),
                village_name: i.village_name.clone(),
                visits_month: i.visits_month,
                visits_required: i.visits_required,
                my_last_visit: i.my_last_visit.map(|x| x.to_string()),
                last_visit: i.last_visit.map(|x| x.to_string()),
                days_since: i.days_since,
                done: i.done,
                overdue: i.overdue,
            })
            .collect(),
    }))
}
