//! The JSON API under /api/v1: authenticated by session or API token, scoped like the pages.

use crate::state::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
