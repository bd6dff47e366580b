//! `GET /api/v1/imports/{job}`: an import job's progress and result (polled by the job page);
//! only the user who started it, or an administrator, sees it.

use super::extract::ApiUser;
use super::openapi::ErrorBody;
use crate::error::{ApiResult, AppError};
use crate::handlers::transfer::import::visible_job;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};

/// The API's name for a job's status.
pub use crate::jobs::JobStatus as ImportJob;

#[utoipa::path(
    get,
    path = "/api/v1/imports/{job}",
    tag = "imports",
    params(("job" = String, Path, description = "Job id (32 hexadecimal characters)")),
    responses(
        (status = 200, description = "The job", body = ImportJob),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such job of the caller", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn status(State(state): State<AppState>, ApiUser(p): ApiUser, Path(job): Path<String>) -> ApiResult<Json<ImportJob>> {
    let j = visible_job(&state, &p, &job).ok_or(AppError::NotFound)?;
    Ok(Json(j))
}
