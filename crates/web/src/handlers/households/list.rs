//! The household list: region tree, filters, search, sorting and paging, all in the user's scope.

use super::filters::ListQuery;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, label, thousands};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use bangfu_domain::vocab::{HOUSEHOLD_TYPE, POVERTY_ATTRIBUTE, POVERTY_CAUSE, Vocabulary};
use bangfu_domain::{Capability, RegionLevel};
use bangfu_store::registry::query;

pub const PAGE_SIZE: i64 = 20;

/// A page of households and the total; the total comes from the cache while the data is unchanged
/// (counting a county's 300,000 households is the expensive part of a page).
pub fn page_with_total(
    c: &mut bangfu_store::Conn,
    counts: &crate::cache::Cache<i64>,
    scope: &bangfu_domain::RegionScope,
    filter: &query::HouseholdFilter,
    sort: query::SortKey,
    offset: i64,
    limit: i64,
) -> bangfu_store::Result<(Vec<query::HouseholdSummary>, i64)> {
    let version = bangfu_store::audit::latest_id(c)?;
    let key = format!("{}|{filter:?}", scope.prefix());
    let total = match counts.get(&key, version) {
        Some(t) => *t,
        None => *counts.put(key, version, query::count(c, scope, filter)?),
    };
    let rows = if total > offset { query::page(c, scope, filter, sort, offset, limit)? } else { Vec::new() };
    Ok((rows, total))
}

/// One row as shown.
pub struct Row {
    pub id: i64,
    pub household_no: String,
    pub head_name: String,
    pub region: String,
    pub household_type: String,
    pub poverty_attribute: String,
    pub cause: String,
    pub size: String,
}

/// One person found by the search box.
pub struct Hit {
    pub household_id: i64,
    pub name: String,
    pub resident_id_masked: String,
    pub household_no: String,
    pub region: String,
    pub relation: String,
}

/// A select's option.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn options(v: &Vocabulary, current: &str) -> Vec<Opt> {
    v.terms.iter().map(|t| Opt { value: t.code.to_string(), label: t.label.to_string(), selected: current == t.code || current == t.label }).collect()
}

#[derive(Template)]
#[template(path = "households.html")]
struct ListPage {
    nav: Nav,
    q: ListQuery,
    qs: String,
    rows: Vec<Row>,
    hits: Vec<Hit>,
    searched: bool,
    total: String,
    page: i64,
    pages: i64,
    regions: Vec<Opt>,
    types: Vec<Opt>,
    attributes: Vec<Opt>,
    causes: Vec<Opt>,
    line_yuan: i64,
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let names = state.names();
    let filter = q.filter(state.income_line_fen());
    let page = q.page();
    let sort = q.sort_key();
    let text = q.q.trim().to_string();
    let sc = scope.clone();
    let counts = state.counts.clone();
    let (summaries, total, people) = state
        .db
        .run(move |c, keys| {
            if !text.is_empty() {
                let hits = query::search(c, keys, &sc, &text, 200)?;
                return Ok((Vec::new(), hits.len() as i64, hits));
            }
            let (rows, total) = page_with_total(c, &counts, &sc, &filter, sort, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
            Ok((rows, total, Vec::new()))
        })
        .await?;
    let rows = summaries
        .into_iter()
        .map(|s| Row {
            id: s.id,
            household_no: s.household_no.unwrap_or_default(),
            head_name: s.head_name.unwrap_or_default(),
            region: names.path(&s.region_code),
            household_type: label(&HOUSEHOLD_TYPE, s.household_type.as_deref()),
            poverty_attribute: label(&POVERTY_ATTRIBUTE, s.poverty_attribute.as_deref()),
            cause: label(&POVERTY_CAUSE, s.cause_1.as_deref()),
            size: s.stated_size.map(|n| n.to_string()).unwrap_or_default(),
        })
        .collect();
    let hits = people
        .into_iter()
        .map(|h| Hit {
            household_id: h.household_id,
            name: h.name.clone(),
            resident_id_masked: h.masked_id.clone(),
            household_no: h.household_no.clone().unwrap_or_default(),
            region: names.path(&h.region_code),
            relation: label(&bangfu_domain::vocab::RELATION, h.relation.as_deref()),
        })
        .collect();
    // the region tree: townships of a county scope, villages of a township scope or selected township
    let level = if scope.prefix().len() <= 6 { RegionLevel::Township } else { RegionLevel::Village };
    let mut regions: Vec<Opt> = names
        .children(&scope, level)
        .into_iter()
        .map(|(code, name)| Opt { selected: q.region == code, value: code, label: name })
        .collect();
    if level == RegionLevel::Township && q.region.len() == 12 && q.region.ends_with("000")
        && let Ok(t) = bangfu_domain::RegionCode::parse(&q.region) {
            for (code, name) in names.children(&bangfu_domain::RegionScope::of(&t), RegionLevel::Village) {
                regions.push(Opt { selected: false, value: code, label: format!("　{name}") });
            }
        }
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page_view = ListPage {
        nav: Nav::new(&p, &names, "households"),
        qs: q.query_string(),
        types: options(&HOUSEHOLD_TYPE, &q.household_type),
        attributes: options(&POVERTY_ATTRIBUTE, &q.poverty_attribute),
        causes: options(&POVERTY_CAUSE, &q.cause),
        searched: !q.q.trim().is_empty(),
        q,
        rows,
        hits,
        total: thousands(total),
        page,
        pages,
        regions,
        line_yuan: state.config.income_line_yuan,
    };
    Ok(render(&page_view))
}
