//! `GET /api/v1/households` (the list's filters, paged) and `GET /api/v1/households/{id}`, in the
//! caller's scope; revealing full numbers needs the right and is audited.

use super::detail::{HouseholdOut, household_out};
use super::extract::{ApiId, ApiQuery, ApiUser};
use super::openapi::ErrorBody;
use crate::error::{ApiResult, AppError};
use crate::handlers::households::filters::ListQuery;
use crate::handlers::transfer::export::SEARCH_LIMIT;
use crate::state::AppState;
use crate::views::label;
use axum::Json;
use axum::extract::State;
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::vocab::{HOUSEHOLD_TYPE, POVERTY_ATTRIBUTE, POVERTY_CAUSE};
use bangfu_domain::Capability;
use bangfu_store::audit::{self, Entry};
use bangfu_store::registry::query::{self, HouseholdSummary};
use bangfu_store::registry::read;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The household list's filters (as on the list page), and paging. Documentation only: the
/// query string is read as the list page reads it (`ListQuery`), plus `per_page`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// Search text (ID number, name, pinyin initials, phone, 户编号): the households of the people found.
    q: String,
    /// A township or village code inside the caller's scope.
    region: String,
    /// 户类型, as code or label.
    household_type: String,
    /// 贫困户属性, as code or label.
    poverty_attribute: String,
    /// Any of the causes, as code or label.
    cause: String,
    /// 监测对象类别 code.
    monitoring_category: String,
    /// "1": monitored households only; "0": not monitored.
    monitored: String,
    /// "1": 两不愁三保障 not met.
    guarantee_unmet: String,
    /// "1": per-capita income below the line.
    income_below: String,
    /// "1": has a helper; "0": none.
    helper: String,
    /// household_no (default) | region | head
    sort: String,
    /// From 1.
    page: i64,
    /// 1–100 (default 20).
    per_page: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PerPage {
    pub per_page: i64,
}

/// One household of a list.
#[derive(Serialize, ToSchema)]
pub struct HouseholdItem {
    pub id: i64,
    pub household_no: Option<String>,
    pub region_code: String,
    pub region_name: String,
    /// Labels, as in the sheets (脱贫户, 一般户, 因病 …).
    pub household_type: Option<String>,
    pub poverty_attribute: Option<String>,
    pub cause_1: Option<String>,
    pub head_name: Option<String>,
    pub stated_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdPage {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<HouseholdItem>,
}

fn non_empty(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

fn summary_of(h: &read::StoredHousehold) -> HouseholdSummary {
    let d = &h.doc;
    let t = |f: HF| d.get(f).as_text().map(str::to_string);
    HouseholdSummary {
        id: h.id,
        household_no: t(HF::HouseholdNo),
        region_code: t(HF::RegionCode).unwrap_or_default(),
        villager_group: t(HF::VillagerGroup),
        household_type: t(HF::HouseholdType),
        poverty_attribute: t(HF::PovertyAttribute),
        cause_1: t(HF::Cause1),
        head_name: d.head().map(|m| m.name().to_string()),
        stated_size: match d.get(HF::StatedSize) {
            bangfu_domain::value::Value::Int(n) => Some(*n),
            _ => None,
        },
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/households",
    tag = "registry",
    params(ListParams),
    responses(
        (status = 200, description = "A page of the households in the caller's scope matching the filters", body = HouseholdPage),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The role may not read the registry", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn list(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<ListQuery>, ApiQuery(pp): ApiQuery<PerPage>) -> ApiResult<Json<HouseholdPage>> {
    p.require(Capability::ViewRegistry)?;
    let per_page = if pp.per_page <= 0 { 20 } else { pp.per_page.min(100) };
    let page = q.page();
    let (scope, filter, sort, text) = (p.scope(), q.filter(state.income_line_fen()), q.sort_key(), q.q.trim().to_string());
    let counts = state.counts.clone();
    let (rows, total) = state
        .db
        .run(move |c, keys| {
            if text.is_empty() {
                return Ok(crate::handlers::households::list::page_with_total(c, &counts, &scope, &filter, sort, (page - 1) * per_page, per_page)?);
            }
            // the households of the people found, in the order found
            let mut ids: Vec<i64> = Vec::new();
            for h in query::search(c, keys, &scope, &text, SEARCH_LIMIT)? {
                if !ids.contains(&h.household_id) {
                    ids.push(h.household_id);
                }
            }
            let total = ids.len() as i64;
            let start = (((page - 1) * per_page) as usize).min(ids.len());
            let end = (start + per_page as usize).min(ids.len());
            let rows = read::load(c, keys, &scope, &ids[start..end])?.iter().map(summary_of).collect();
            Ok((rows, total))
        })
        .await?;
    let names = state.names();
    let items = rows
        .into_iter()
        .map(|s| HouseholdItem {
            id: s.id,
            household_no: s.household_no,
            region_name: names.path(&s.region_code),
            region_code: s.region_code,
            household_type: non_empty(label(&HOUSEHOLD_TYPE, s.household_type.as_deref())),
            poverty_attribute: non_empty(label(&POVERTY_ATTRIBUTE, s.poverty_attribute.as_deref())),
            cause_1: non_empty(label(&POVERTY_CAUSE, s.cause_1.as_deref())),
            head_name: s.head_name,
            stated_size: s.stated_size,
        })
        .collect();
    Ok(Json(HouseholdPage { total, page, per_page, items }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct GetParams {
    /// "1": full ID numbers, phones and bank accounts (needs the right to reveal; audited).
    pub reveal: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/households/{id}",
    tag = "registry",
    params(("id" = i64, Path, description = "Household id"), GetParams),
    responses(
        (status = 200, description = "The household with its members and incomes", body = HouseholdOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such household in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn get(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId, ApiQuery(params): ApiQuery<GetParams>) -> ApiResult<Json<HouseholdOut>> {
    p.require(Capability::ViewRegistry)?;
    let reveal = params.reveal == "1" && p.can(Capability::RevealProtected);
    let (scope, actor) = (p.scope(), p.actor());
    let found = state
        .db
        .run(move |c, keys| {
            let Some(h) = read::get(c, keys, &scope, id)? else { return Ok(None) };
            if reveal {
                let region = h.doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
                c.begin()?;
                let after = Some("{\"fields\":[\"证件号码\",\"联系电话\",\"银行账号\"]}".to_string());
                audit::record(c, &actor, Entry { region_code: Some(&region), entity: "household", entity_id: Some(id.to_string()), action: "reveal", before: None, after })?;
                c.commit()?;
            }
            Ok(Some(h))
        })
        .await?;
    let h = found.ok_or(AppError::NotFound)?;
    let region_name = state.names().path(h.doc.get(HF::RegionCode).as_text().unwrap_or_default());
    Ok(Json(household_out(&h, region_name, reveal)))
}
