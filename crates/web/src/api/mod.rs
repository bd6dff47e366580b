//! The JSON API under /api/v1: authenticated by session or API token, scoped like the pages.

pub mod activities;
pub mod campaigns;
pub mod cases;
pub mod compare;
pub mod compliance;
pub mod detail;
pub mod edit;
pub mod extract;
pub mod households;
pub mod imports;
pub mod me;
pub mod notices;
pub mod openapi;
pub mod pairing;
pub mod quality;
pub mod search;

use crate::error::{ApiError, AppError};
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me::me))
        .route("/api/v1/households", get(households::list).post(edit::create))
        .route("/api/v1/households/{id}", get(households::get).patch(edit::update))
        .route("/api/v1/search", get(search::search))
        .route("/api/v1/imports/{job}", get(imports::status))
        .route("/api/v1/households/{id}/check", post(quality::check))
        .route("/api/v1/quality/rules", get(quality::rules))
        .route("/api/v1/quality/runs", get(quality::runs).post(quality::start))
        .route("/api/v1/quality/runs/{id}", get(quality::run))
        .route("/api/v1/quality/runs/{id}/findings", get(quality::findings))
        .route("/api/v1/quality/jobs/{job}", get(quality::job))
        // the upload lifts the site-wide body limit and enforces max_upload_mib itself
        .route("/api/v1/compare/lists", get(compare::lists).merge(post(compare::upload).layer(DefaultBodyLimit::disable())))
        .route("/api/v1/compare/lists/{id}", get(compare::list))
        .route("/api/v1/compare/jobs/{job}", get(compare::job))
        .route("/api/v1/compare/orders", get(compare::orders))
        .route("/api/v1/compare/orders/{id}", get(compare::order).patch(compare::update))
        .route("/api/v1/compare/progress", get(compare::progress))
        .route("/api/v1/activities", get(activities::list).post(activities::create))
        .route("/api/v1/activities/{id}/photos", post(activities::photos).layer(DefaultBodyLimit::max(crate::handlers::activity::PHOTO_BODY_LIMIT)))
        .route("/api/v1/households/{id}/measures", get(activities::household_measures).post(activities::add_measure))
        .route("/api/v1/pairing/helpers", get(pairing::list_helpers).post(pairing::create_helper))
        .route("/api/v1/pairing/helpers/{id}", get(pairing::get_helper))
        .route("/api/v1/pairing/helpers/{id}/handover", post(pairing::hand_over))
        .route("/api/v1/pairing/pairings", get(pairing::list_pairings).post(pairing::create_pairing))
        .route("/api/v1/pairing/pairings/{id}/end", post(pairing::end_pairing))
        .route("/api/v1/pairing/coverage", get(pairing::coverage))
        .route("/api/v1/pairing/imports", post(pairing::import).layer(DefaultBodyLimit::disable()))
        .route("/api/v1/pairing/imports/{job}", get(pairing::import_job))
        .route("/api/v1/compliance", get(compliance::month))
        .route("/api/v1/compliance/due", get(compliance::due))
        .route("/api/v1/cases", get(cases::list))
        .route("/api/v1/cases/bulk-decisions", post(cases::bulk))
        .route("/api/v1/cases/{id}", get(cases::get))
        .route("/api/v1/cases/{id}/decisions", post(cases::decide))
        .route("/api/v1/tasks", get(cases::tasks))
        .route("/api/v1/campaigns", post(campaigns::create))
        .route("/api/v1/campaigns/{id}/progress", get(campaigns::progress))
        .route("/api/v1/notices", get(notices::list).post(notices::create))
        .route("/api/v1/notices/{id}", get(notices::get))
        .route("/api/v1/notices/{id}/close", post(notices::close))
        .route("/api/v1/objections/{id}/resolve", post(notices::resolve))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/{*rest}", any(|| async { ApiError::from(AppError::NotFound) }))
}
