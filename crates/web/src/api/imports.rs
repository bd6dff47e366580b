//! `GET /api/v1/imports/{job}`: an import job's progress and result (polled by the job page);
//! only the user who started it, or an administrator, sees it.

use super::extract::ApiUser;
use super::openapi::ErrorBody;
use crate::error::{ApiResult, AppError};
use crate::handlers::transfer::import::visible_job;
use crate::jobs::JobStatus;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

/// The state of an import started from the browser.
#[derive(Serialize, ToSchema)]
pub struct ImportJob {
    pub id: String,
    pub user_id: i64,
    pub file_name: String,
    /// queued | running | done | failed
    pub state: String,
    /// Member rows read so far.
    pub rows_read: u64,
    /// Progress or result, in Chinese.
    pub message: String,
    pub households_inserted: u64,
    pub households_updated: u64,
    /// Rows with a problem (listed in the error report).
    pub rows_rejected: u64,
    /// Whether `/imports/{job}/report` has an error report to download.
    pub has_report: bool,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl From<JobStatus> for ImportJob {
    fn from(j: JobStatus) -> Self {
        ImportJob {
            id: j.id,
            user_id: j.user_id,
            file_name: j.file_name,
            state: j.state,
            rows_read: j.rows_read,
            message: j.message,
            households_inserted: j.households_inserted,
            households_updated: j.households_updated,
            rows_rejected: j.rows_rejected,
            has_report: j.has_report,
            started_at: j.started_at,
            finished_at: j.finished_at,
        }
    }
}

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
    Ok(Json(j.into()))
}
