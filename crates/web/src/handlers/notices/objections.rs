//! Objections for staff: the list in scope (open first) and one objection with its resolve form;
//! resolving (township or county) from here or from the notice's page.

use super::{can_resolve, store_error, today};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::{render, safe_next};
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::Capability;
use bangfu_store::StoreError;
use bangfu_store::workflow::notices::{self, NoticeItem};
use bangfu_store::workflow::objections::{self, Objection, Resolution};

#[derive(Template)]
#[template(path = "objection_list.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<Objection>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let status = q.status;
    let rows = state.db.run(move |c, keys| objections::list(c, keys, &scope, Some(status.as_str())).map_err(store_error)).await?;
    Ok(render(&ListPage { nav: Nav::new(&p, &state.names(), "notices"), rows }))
}

#[derive(Template)]
#[template(path = "objection_show.html")]
struct ShowPage {
    nav: Nav,
    error: String,
    o: Objection,
    items: Vec<NoticeItem>,
    item: String,
    can_resolve: bool,
}

async fn show_page(state: &AppState, p: &Principal, id: i64, error: String) -> AppResult<ShowPage> {
    let scope = p.scope();
    let (o, items) = state
        .db
        .run(move |c, keys| {
            let o = objections::get(c, keys, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            let items = notices::items(c, o.notice_id).map_err(store_error)?;
            Ok((o, items))
        })
        .await?;
    let item = o.case_id.and_then(|c| items.iter().find(|i| i.case_id == c)).map(|i| i.display_name.clone()).or_else(|| o.item_text.clone()).unwrap_or_else(|| "未指明".into());
    Ok(ShowPage { nav: Nav::new(p, &state.names(), "notices"), error, item, can_resolve: can_resolve(p) && o.is_open(), o, items })
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    Ok(render(&show_page(&state, &p, id, String::new()).await?))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ResolveForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    verification: String,
    upheld: String,
    outcome_reason: String,
    case_id: String,
    version: String,
    back: String,
}

pub async fn resolve(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(f): Form<ResolveForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    let r = Resolution { verification: f.verification, upheld: f.upheld == "1", outcome_reason: f.outcome_reason, case_id: f.case_id.parse().ok(), version: f.version.parse().ok() };
    let (actor, who) = (p.actor(), p.decider());
    let out = state
        .db
        .run(move |c, keys| match objections::resolve_objection(c, &actor, keys, &who, id, &r, today()) {
            Ok(()) => Ok(Ok(())),
            Err(StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(store_error(e)),
        })
        .await?;
    match out {
        Ok(()) => {
            let back = if f.back.is_empty() { format!("/objections/{id}") } else { safe_next(&f.back).to_string() };
            let sep = if back.contains('?') { '&' } else { '?' };
            Ok(Redirect::to(&format!("{back}{sep}done=resolved")).into_response())
        }
        Err(m) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(&state, &p, id, m).await?)),
    }
}
