//! The dashboard: the user's scope in numbers and SVG charts, each number linking to its households.

use crate::auth::Principal;
use crate::error::AppResult;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, thousands};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use bangfu_domain::Capability;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    households: String,
    people: String,
}

pub async fn show(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let (h, m) = state.db.run(move |c, _| Ok(bangfu_store::registry::query::totals(c, &scope)?)).await?;
    Ok(render(&DashboardPage { nav: Nav::new(&p, &state.names(), "dashboard"), households: thousands(h), people: thousands(m) }))
}
