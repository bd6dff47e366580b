//! The health endpoint: the process answers and the database responds.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    match state.db.run(|c, _| Ok(bangfu_store::migrate::current_version(c)?)).await {
        Ok(v) => (StatusCode::OK, Json(serde_json::json!({"status": "ok", "schema_version": v, "version": env!("CARGO_PKG_VERSION")}))),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "error", "message": e.message()}))),
    }
}
