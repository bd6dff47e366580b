//! Import pages: the upload form and the user's recent jobs, receiving an upload onto disk (size
//! and type checked while it arrives), a job's progress and result, and its error report.

use super::{file_response, is_random_id, open, random_id, run, sanitize_file_name, XLSX};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::jobs::JobStatus;
use crate::state::AppState;
use crate::views::{Nav, thousands};
use askama::Template;
use axum::body::{Body, HttpBody};
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::{Capability, Role};
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// File types the importer reads.
pub const EXTENSIONS: [&str; 3] = ["xlsx", "xls", "csv"];

/// One job as listed and shown.
pub struct JobView {
    pub job: JobStatus,
    pub state_label: &'static str,
    pub finished: bool,
    pub started: String,
}

impl JobView {
    fn new(job: JobStatus) -> JobView {
        let state_label = match job.state.as_str() {
            "queued" => "排队中",
            "running" => "正在导入",
            "done" => "已完成",
            _ => "失败",
        };
        let finished = job.state == "done" || job.state == "failed";
        let started = job.started_at.chars().take(19).collect();
        JobView { job, state_label, finished, started }
    }
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    nav: Nav,
    jobs: Vec<JobView>,
    max_mib: u64,
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    nav: Nav,
    v: JobView,
    rows: String,
}

/// A job the caller may see: their own, or any for an administrator. Anything else — an unknown
/// id, a malformed one, someone else's job — is "not found".
pub fn visible_job(state: &AppState, p: &Principal, id: &str) -> Option<JobStatus> {
    if !is_random_id(id) {
        return None;
    }
    state.jobs.get(id).filter(|j| j.user_id == p.user.id || p.role() == Role::Admin)
}

pub async fn show(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::Import)?;
    let jobs = state.jobs.of_user(p.user.id).into_iter().take(20).map(JobView::new).collect();
    Ok(render(&ImportsPage { nav: Nav::new(&p, &state.names(), "imports"), jobs, max_mib: state.config.max_upload_mib }))
}

pub async fn job(State(state): State<AppState>, p: Principal, Path(id): Path<String>) -> AppResult<Response> {
    let job = visible_job(&state, &p, &id).ok_or(AppError::NotFound)?;
    let rows = thousands(job.rows_read as i64);
    Ok(render(&JobPage { nav: Nav::new(&p, &state.names(), "imports"), v: JobView::new(job), rows }))
}

/// The error report of a finished job; its path comes from the job record only.
pub async fn report(State(state): State<AppState>, p: Principal, Path(id): Path<String>) -> AppResult<Response> {
    let job = visible_job(&state, &p, &id).ok_or(AppError::NotFound)?;
    let path = job.report_path.filter(|_| job.has_report).ok_or(AppError::NotFound)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "错误报告.xlsx".into());
    let (file, len) = open(&path).await?;
    Ok(file_response(file, Some(len), &name, XLSX))
}

pub(crate) fn too_large(mib: u64) -> AppError {
    AppError::TooLarge(format!("文件太大：每次最多上传 {mib} MB。请把文件按乡镇或村拆分成几个较小的文件后分别导入。"))
}

pub(crate) fn upload_error(e: MultipartError, mib: u64) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(mib)
    } else {
        AppError::BadRequest(format!("文件上传不完整或格式有误，请重新选择文件上传（{}）", e.body_text()))
    }
}

/// Reads and discards a refused body, so that the client, still sending, reads the answer
/// instead of a reset connection. Bounded: past `cap` bytes the connection is simply closed.
pub(crate) async fn drain(mut body: Body, cap: u64) {
    let mut seen = 0u64;
    while seen <= cap {
        match std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |d| d.len() as u64),
            _ => break,
        }
    }
}

/// A small form field's text (more than 4 KiB is not from the upload form).
pub(crate) async fn small_text(field: &mut Field<'_>, mib: u64) -> AppResult<String> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| upload_error(e, mib))? {
        out.extend_from_slice(&chunk);
        if out.len() > 4096 {
            return Err(AppError::BadRequest("请通过导入页面的表单上传文件（表单字段过长）".into()));
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Removes an upload's directory unless the upload was accepted.
pub(crate) struct Cleanup(pub(crate) Option<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Streams an uploaded spreadsheet (xlsx, xls or csv, by extension) to a fresh directory under
/// `data_dir/uploads`, within `limit` bytes, refusing an empty file; `cleanup` removes the directory
/// unless the caller accepts the upload. `wrong_type(name)` and `empty` are the Chinese refusals.
pub(crate) async fn save_sheet_upload(
    state: &AppState,
    field: &mut Field<'_>,
    limit: u64,
    mib: u64,
    cleanup: &mut Cleanup,
    wrong_type: &(dyn Fn(&str) -> String + Sync),
    empty: &str,
) -> AppResult<(PathBuf, String)> {
    let name = sanitize_file_name(field.file_name().unwrap_or_default());
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !EXTENSIONS.contains(&ext.as_str()) {
        return Err(AppError::BadRequest(wrong_type(&name)));
    }
    let dir = state.config.data_dir.join("uploads").join(random_id());
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
    cleanup.0 = Some(dir.clone());
    let path = dir.join(&name);
    let mut out = tokio::fs::File::create(&path).await.map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))?;
    let mut written = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(|e| upload_error(e, mib))? {
        written += chunk.len() as u64;
        if written > limit {
            return Err(too_large(mib));
        }
        out.write_all(&chunk).await.map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))?;
    }
    out.flush().await.map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))?;
    if written == 0 {
        return Err(AppError::BadRequest(empty.into()));
    }
    Ok((path, name))
}

/// Receives the upload: `_csrf` first, then the file (streamed to disk), `accept_valid` anywhere.
pub async fn upload(State(state): State<AppState>, p: Principal, req: Request) -> AppResult<Response> {
    p.require(Capability::Import)?;
    let mib = state.config.max_upload_mib;
    let limit = mib * 1024 * 1024;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > limit + super::MULTIPART_SLACK) {
        drain(req.into_body(), n.min(limit + 64 * 1024 * 1024)).await;
        return Err(too_large(mib));
    }
    let mut form = Multipart::from_request(req, &state).await.map_err(|e| AppError::BadRequest(format!("请通过导入页面的表单上传文件（{}）", e.body_text())))?;
    let mut csrf_checked = false;
    let mut accept_valid = false;
    let mut saved: Option<(PathBuf, String)> = None;
    let mut cleanup = Cleanup(None);
    while let Some(mut field) = form.next_field().await.map_err(|e| upload_error(e, mib))? {
        match field.name().unwrap_or_default() {
            "_csrf" => {
                let v = small_text(&mut field, mib).await?;
                csrf::check(&p, &v)?;
                csrf_checked = true;
            }
            "accept_valid" => {
                let v = small_text(&mut field, mib).await?;
                accept_valid = matches!(v.trim(), "1" | "on" | "true" | "yes");
            }
            "file" if saved.is_none() => {
                if !csrf_checked {
                    // the token must come before the file: nothing is written for an unchecked form
                    csrf::check(&p, "")?;
                }
                let wrong = |name: &str| format!("只能导入 Excel（.xlsx、.xls）或 CSV（.csv）文件，“{name}”不是这几种格式。请在 Excel 中“另存为”.xlsx 后再上传。");
                saved = Some(save_sheet_upload(&state, &mut field, limit, mib, &mut cleanup, &wrong, "上传的文件是空的，请重新选择文件").await?);
            }
            _ => {
                small_text(&mut field, mib).await?;
            }
        }
    }
    if !csrf_checked {
        csrf::check(&p, "")?;
    }
    let (path, name) = saved.ok_or_else(|| AppError::BadRequest("请选择要导入的文件".into()))?;
    cleanup.0 = None;
    let id = random_id();
    state.jobs.insert(JobStatus {
        id: id.clone(),
        user_id: p.user.id,
        file_name: name,
        state: "queued".into(),
        rows_read: 0,
        message: "等待开始导入".into(),
        households_inserted: 0,
        households_updated: 0,
        rows_rejected: 0,
        has_report: false,
        report_path: None,
        started_at: chrono::Local::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        finished_at: None,
    });
    run::start(&state, &p, &id, path, accept_valid);
    Ok(Redirect::to(&format!("/imports/{id}")).into_response())
}
