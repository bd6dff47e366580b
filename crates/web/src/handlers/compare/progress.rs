//! Completion per township (total, 待核实, 核实属实, 核实不属实, 已整改, % closed) for all lists or
//! one, with a bar chart of the share closed; each township opens its orders.

use super::{TownshipRow, list_options, township_table};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::quality::{Opt, store_error};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use bangfu_domain::Capability;
use bangfu_store::comparison;

#[derive(Template)]
#[template(path = "compare_progress.html")]
struct ProgressPage {
    nav: Nav,
    list_id: Option<i64>,
    lists: Vec<Opt>,
    townships: Vec<TownshipRow>,
    townships_total: TownshipRow,
    chart: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ProgressQuery {
    list: String,
}

/// The list asked for: empty is all lists, anything but a number "not found".
pub fn list_param(text: &str) -> AppResult<Option<i64>> {
    match text.trim() {
        "" => Ok(None),
        t => t.parse::<i64>().map(Some).map_err(|_| AppError::NotFound),
    }
}

pub async fn show(State(state): State<AppState>, p: Principal, Query(q): Query<ProgressQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let list_id = list_param(&q.list)?;
    let scope = p.scope();
    let (lists, rows) = state
        .db
        .run(move |c, _| {
            if let Some(id) = list_id {
                // a list the caller cannot see is "not found", not an empty table
                comparison::list(c, &scope, id)?.ok_or(AppError::NotFound)?;
            }
            let lists = comparison::lists(c, &scope, 0, 200)?;
            Ok((lists, comparison::completion_by_township(c, &scope, list_id).map_err(store_error)?))
        })
        .await?;
    let (townships, townships_total, chart) = township_table(&rows, list_id);
    let page = ProgressPage { nav: Nav::new(&p, &state.names(), "compare"), list_id, lists: list_options(&lists, list_id, "全部名单"), townships, townships_total, chart };
    Ok(render(&page))
}
