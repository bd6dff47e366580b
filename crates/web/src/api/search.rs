//! `GET /api/v1/search?q=`: people in the caller's scope by ID number, name, pinyin initials,
//! phone or 户编号 (the list page's search box); ID numbers always masked.

use super::extract::{ApiQuery, ApiUser};
use super::openapi::ErrorBody;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::label;
use axum::Json;
use axum::extract::State;
use bangfu_domain::Capability;
use bangfu_domain::vocab::RELATION;
use bangfu_store::registry::query::{self, MatchKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The search text.
    pub q: String,
    /// At most this many people (1–200, default 50).
    pub limit: i64,
}

/// A person found.
#[derive(Serialize, ToSchema)]
pub struct PersonHitOut {
    pub member_id: i64,
    pub household_id: i64,
    pub household_no: Option<String>,
    pub name: String,
    /// First 6 and last 4 characters kept.
    pub resident_id_masked: String,
    /// 与户主关系 (label).
    pub relation: Option<String>,
    pub region_code: String,
    pub region_name: String,
    /// resident_id | id_suffix | phone | household_no | name | initials
    pub matched: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResult {
    pub count: usize,
    pub items: Vec<PersonHitOut>,
}

fn matched(m: MatchKind) -> &'static str {
    match m {
        MatchKind::ResidentId => "resident_id",
        MatchKind::IdSuffix => "id_suffix",
        MatchKind::Phone => "phone",
        MatchKind::HouseholdNo => "household_no",
        MatchKind::Name => "name",
        MatchKind::Initials => "initials",
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "registry",
    params(SearchParams),
    responses(
        (status = 200, description = "People in the caller's scope matching the text", body = SearchResult),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn search(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(params): ApiQuery<SearchParams>) -> ApiResult<Json<SearchResult>> {
    p.require(Capability::ViewRegistry)?;
    let limit = if params.limit <= 0 { 50 } else { params.limit.min(200) };
    let (scope, text) = (p.scope(), params.q.trim().to_string());
    let hits = state.db.run(move |c, keys| Ok(query::search(c, keys, &scope, &text, limit)?)).await?;
    let names = state.names();
    let items: Vec<PersonHitOut> = hits
        .into_iter()
        .map(|h| PersonHitOut {
            member_id: h.member_id,
            household_id: h.household_id,
            household_no: h.household_no,
            name: h.name,
            resident_id_masked: h.masked_id,
            relation: h.relation.as_deref().map(|r| label(&RELATION, Some(r))),
            region_name: names.path(&h.region_code),
            region_code: h.region_code,
            matched: matched(h.matched).into(),
        })
        .collect();
    Ok(Json(SearchResult { count: items.len(), items }))
}
