//! Page handlers, one module per feature.

pub mod account;
pub mod activity;
pub mod apply;
pub mod assets;
pub mod audit;
pub mod campaigns;
pub mod compare;
pub mod compliance;
pub mod dashboard;
pub mod deliberation;
pub mod edit;
pub mod health;
pub mod households;
pub mod login;
pub mod notices;
pub mod pairing;
pub mod quality;
pub mod transfer;
pub mod workflow;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

/// Renders a template into a response (a rendering failure is an internal error).
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::error::AppError::Internal(format!("template: {e}")).into_response(),
    }
}

/// Only local paths may be redirect targets (no open redirects).
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next } else { "/" }
}
