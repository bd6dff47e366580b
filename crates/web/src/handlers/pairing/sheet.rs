//! The 对口帮扶任务分配表 in the browser: the upload (xlsx/CSV) checked and written as a background
//! job with progress, a per-row error report to download and an accept-valid option; and the
//! export in the same layout (audited). `POST /api/v1/pairing/imports` shares the upload.

use super::{nav, store_error};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::handlers::transfer::import::{Cleanup, drain, save_sheet_upload, small_text, too_large, upload_error};
use crate::handlers::transfer::{MULTIPART_SLACK, XLSX, file_response, is_random_id, open, random_id};
use crate::jobs::{Job, Jobs};
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::{Capability, Role};
use bangfu_exchange::pairing_sheet::{PairingImportError, PairingImportRequest, SHEET_HEADER, import_pairings};
use bangfu_store::{Conn, Keyring, Store, StoreError};
use std::path::PathBuf;
use std::sync::OnceLock;

/// An import of the 对口帮扶任务分配表 started from the browser or the API.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PairingImportJob {
    pub id: String,
    pub user_id: i64,
    pub file_name: String,
    /// queued | running | done | failed
    pub state: String,
    /// Data rows read (once read).
    pub rows_read: u64,
    /// Progress or result, in Chinese.
    pub message: String,
    /// Whether anything was written (false: bad rows without accept_valid, or a failure).
    pub written: bool,
    pub pairings_created: u64,
    pub pairings_replaced: u64,
    pub helpers_created: u64,
    pub units_created: u64,
    /// Rows with a problem (each in `issues` up to 200, all in the error report).
    pub bad_rows: u64,
    /// "工作表 Sheet1 第 3 行，C（户编号） 列：…", the first 200.
    pub issues: Vec<String>,
    /// Helpers over their caseload after the import.
    pub over_caseload: u64,
    /// Whether `/pairing/import/{id}/report.xlsx` has an error report.
    pub has_report: bool,
    #[serde(skip)]
    #[schema(ignore)]
    pub report_path: Option<PathBuf>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl Job for PairingImportJob {
    fn id(&self) -> &str {
        &self.id
    }
    fn user_id(&self) -> i64 {
        self.user_id
    }
    fn started_at(&self) -> &str {
        &self.started_at
    }
}

/// The import jobs of this server process.
pub fn jobs() -> &'static Jobs<PairingImportJob> {
    static JOBS: OnceLock<Jobs<PairingImportJob>> = OnceLock::new();
    JOBS.get_or_init(Jobs::default)
}

/// A job the caller may see: their own, or any for an administrator.
pub fn visible_job(p: &Principal, id: &str) -> Option<PairingImportJob> {
    if !is_random_id(id) {
        return None;
    }
    jobs().get(id).filter(|j| j.user_id == p.user.id || p.role() == Role::Admin)
}

/// A received upload.
pub struct Upload {
    pub dir: PathBuf,
    pub path: PathBuf,
    pub file_name: String,
    pub accept_valid: bool,
}

/// Receives the multipart form (`_csrf` before the file when `csrf_in_form`, `accept_valid`, `file`).
pub async fn receive(state: &AppState, p: &Principal, req: Request, csrf_in_form: bool) -> AppResult<Upload> {
    let mib = state.config.max_upload_mib;
    let limit = mib * 1024 * 1024;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > limit + MULTIPART_SLACK) {
        drain(req.into_body(), n.min(limit + 64 * 1024 * 1024)).await;
        return Err(too_large(mib));
    }
    let mut form = Multipart::from_request(req, state).await.map_err(|e| AppError::BadRequest(format!("请通过“导入任务分配表”页面的表单上传文件（{}）", e.body_text())))?;
    let mut csrf_checked = !csrf_in_form;
    let mut accept_valid = false;
    let mut saved: Option<(PathBuf, String)> = None;
    let mut cleanup = Cleanup(None);
    while let Some(mut field) = form.next_field().await.map_err(|e| upload_error(e, mib))? {
        match field.name().unwrap_or_default() {
            "_csrf" if csrf_in_form => {
                let v = small_text(&mut field, mib).await?;
                csrf::check(p, &v)?;
                csrf_checked = true;
            }
            "file" if saved.is_none() => {
                if !csrf_checked {
                    csrf::check(p, "")?;
                }
                let wrong = |name: &str| format!("只能导入 Excel（.xlsx、.xls）或 CSV（.csv）格式的任务分配表，“{name}”不是这几种格式。请在 Excel 中“另存为”.xlsx 后再上传。");
                saved = Some(save_sheet_upload(state, &mut field, limit, mib, &mut cleanup, &wrong, "上传的文件是空的，请重新选择任务分配表").await?);
            }
            other => {
                let other = other.to_string();
                let v = small_text(&mut field, mib).await?;
                if other == "accept_valid" {
                    accept_valid = matches!(v.trim(), "1" | "on" | "true" | "yes");
                }
            }
        }
    }
    if !csrf_checked {
        csrf::check(p, "")?;
    }
    let (path, file_name) = saved.ok_or_else(|| AppError::BadRequest("请选择要导入的任务分配表文件".into()))?;
    let dir = cleanup.0.take().unwrap_or_else(|| path.parent().map(PathBuf::from).unwrap_or_default());
    Ok(Upload { dir, path, file_name, accept_valid })
}

fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// Starts importing a received sheet as a job, in the uploader's scope and under their name.
pub fn start(state: &AppState, p: &Principal, u: Upload) -> PairingImportJob {
    let job = PairingImportJob {
        id: random_id(),
        user_id: p.user.id,
        file_name: u.file_name.clone(),
        state: "queued".into(),
        rows_read: 0,
        message: "等待开始导入".into(),
        written: false,
        pairings_created: 0,
        pairings_replaced: 0,
        helpers_created: 0,
        units_created: 0,
        bad_rows: 0,
        issues: Vec::new(),
        over_caseload: 0,
        has_report: false,
        report_path: None,
        started_at: now(),
        finished_at: None,
    };
    jobs().insert(job.clone());
    let req = PairingImportRequest { path: u.path.clone(), scope: p.scope(), today: chrono::Local::now().date_naive(), accept_valid: u.accept_valid, write_report: true };
    let (db, actor, id) = (state.db.clone(), p.actor(), job.id.clone());
    let key_path = state.config.key_file.clone().unwrap_or_else(|| Keyring::default_path(db.url()));
    let reports = state.config.data_dir.join("pairing-reports");
    let upload_dir = u.dir;
    tokio::spawn(async move {
        let i = id.clone();
        let task = tokio::task::spawn_blocking(move || {
            jobs().update(&i, |s| {
                s.state = "running".into();
                s.message = "正在读取并检查任务分配表".into();
            });
            let result = Conn::open(db.url()).map_err(PairingImportError::Store).and_then(|conn| {
                let mut store = Store { conn, url: db.url().clone(), keys: db.keys().clone(), key_path };
                import_pairings(&mut store, &actor, &req)
            });
            let kept = match &result {
                Ok(r) => r.report_path.as_ref().and_then(|from| {
                    let to = reports.join(format!("{i}.xlsx"));
                    match std::fs::create_dir_all(&reports).and_then(|_| std::fs::rename(from, &to).or_else(|_| std::fs::copy(from, &to).map(|_| ()))) {
                        Ok(()) => Some(to),
                        Err(e) => {
                            tracing::warn!(error = %e, "pairing error report not kept");
                            None
                        }
                    }
                }),
                Err(_) => None,
            };
            let _ = std::fs::remove_dir_all(&upload_dir);
            jobs().update(&i, |s| {
                s.finished_at = Some(now());
                match result {
                    Ok(r) => {
                        s.state = "done".into();
                        s.rows_read = r.rows;
                        let mut rows: Vec<u64> = r.issues.iter().map(|x| x.row).collect();
                        rows.dedup();
                        s.bad_rows = rows.len() as u64;
                        s.issues = r.issues.iter().take(200).map(|x| x.to_string()).collect();
                        s.over_caseload = r.over_caseload.len() as u64;
                        s.has_report = kept.is_some();
                        s.report_path = kept;
                        match r.outcome {
                            Some(o) => {
                                s.written = true;
                                s.pairings_created = o.pairings_created;
                                s.pairings_replaced = o.pairings_replaced;
                                s.helpers_created = o.helpers_created;
                                s.units_created = o.units_created;
                                s.message = format!(
                                    "读到 {} 行；已写入：新建结对 {} 个，结束原结对 {} 个（保留历史），未变 {} 个；新建帮扶人 {} 名、单位 {} 个{}{}。",
                                    r.rows,
                                    o.pairings_created,
                                    o.pairings_replaced,
                                    o.unchanged,
                                    o.helpers_created,
                                    o.units_created,
                                    if r.issues.is_empty() { String::new() } else { format!("；有问题的 {} 行未导入（见错误报告）", s.bad_rows) },
                                    if r.over_caseload.is_empty() { String::new() } else { format!("；提醒：{} 名帮扶人超过包户数上限", r.over_caseload.len()) },
                                );
                            }
                            None => {
                                s.message = format!("读到 {} 行，其中 {} 行有问题，未写入任何数据：请按错误报告改正后重新导入，或勾选“只导入正确的行”。", r.rows, s.bad_rows);
                            }
                        }
                    }
                    Err(PairingImportError::File(m)) | Err(PairingImportError::Store(StoreError::Invalid(m))) => {
                        s.state = "failed".into();
                        s.message = format!("任务分配表无法导入，未写入任何数据：{m}");
                    }
                    Err(PairingImportError::Store(e)) => {
                        tracing::error!(error = %e, job = %i, "pairing import failed");
                        s.state = "failed".into();
                        s.message = "导入时数据库出错，未写入任何数据。请稍后重试；如果反复出现，请联系系统管理员（错误已记入日志）。".into();
                    }
                }
            });
        });
        if let Err(e) = task.await {
            tracing::error!(error = %e, job = %id, "pairing import job stopped");
            jobs().update(&id, |s| {
                s.state = "failed".into();
                s.message = "导入过程中发生内部错误，未写入任何数据。".into();
                s.finished_at = Some(now());
            });
        }
    });
    job
}

#[derive(Template)]
#[template(path = "pairing_import.html")]
struct ImportPage {
    nav: Nav,
    max_mib: u64,
    jobs: Vec<PairingImportJob>,
    job: Option<PairingImportJob>,
    finished: bool,
    header: String,
}

fn page(state: &AppState, p: &Principal, job: Option<PairingImportJob>) -> ImportPage {
    let finished = job.as_ref().map(|j| j.state == "done" || j.state == "failed").unwrap_or(false);
    ImportPage { nav: nav(p, state), max_mib: state.config.max_upload_mib, jobs: jobs().of_user(p.user.id).into_iter().take(5).collect(), job, finished, header: SHEET_HEADER.join("、") }
}

pub async fn show(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    Ok(render(&page(&state, &p, None)))
}

pub async fn upload(State(state): State<AppState>, p: Principal, req: Request) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let u = receive(&state, &p, req, true).await?;
    let job = start(&state, &p, u);
    Ok(Redirect::to(&format!("/pairing/import/{}", job.id)).into_response())
}

pub async fn job(State(state): State<AppState>, p: Principal, Path(id): Path<String>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let job = visible_job(&p, &id).ok_or(AppError::NotFound)?;
    Ok(render(&page(&state, &p, Some(job))))
}

pub async fn status(p: Principal, Path(id): Path<String>) -> AppResult<Json<PairingImportJob>> {
    p.require(Capability::ManagePairing)?;
    visible_job(&p, &id).map(Json).ok_or(AppError::NotFound)
}

pub async fn report(p: Principal, Path(id): Path<String>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let job = visible_job(&p, &id).ok_or(AppError::NotFound)?;
    let path = job.report_path.ok_or(AppError::NotFound)?;
    let (file, len) = open(&path).await?;
    let stem = job.file_name.rsplit_once('.').map(|(s, _)| s.to_string()).unwrap_or(job.file_name.clone());
    Ok(file_response(file, Some(len), &format!("{stem}.错误报告.xlsx"), XLSX))
}

/// The active helper pairings of the scope in the import layout (ID numbers masked), audited.
pub async fn export(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let names = state.names();
    let download = format!("对口帮扶任务分配表_{}_{}.xlsx", crate::handlers::quality::prefix_name(&names, scope.prefix()), chrono::Local::now().format("%Y%m%d"));
    super::xlsx_download(&state, &p, download, "对口帮扶任务分配表", SHEET_HEADER.to_vec(), "export_pairing_sheet", move |c| {
        let rows = bangfu_store::pairing::assign::sheet_rows(c, &scope).map_err(store_error)?;
        let t = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(rows
            .iter()
            .map(|r| vec![t(&r.township), t(&r.village), t(&r.household_no), t(&r.head_name), t(&r.head_id_masked), r.helper_name.clone(), t(&r.unit_name), t(&r.position), r.rank.map(|k| k.label().to_string()).unwrap_or_default(), t(&r.phone), r.started_on.to_string()])
            .collect())
    })
    .await
}
