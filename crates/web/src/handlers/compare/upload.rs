//! Receiving a department list (multipart: the file streamed to disk, size checked as it arrives;
//! department, list kind, 全量名单, region and the medical thresholds beside it) and comparing it
//! on a blocking thread as a background job, in the uploader's scope and under their name. The
//! page form and `POST /api/v1/compare/lists` share this.

use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::transfer::import::{Cleanup, drain, save_sheet_upload, small_text, too_large, upload_error};
use crate::handlers::transfer::{MULTIPART_SLACK, random_id};
use crate::jobs::CompareJob;
use crate::state::AppState;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::comparison::{Department, ListKind, MedicalThresholds};
use bangfu_domain::value::parse_decimal;
use bangfu_domain::{Capability, RegionCode};
use bangfu_exchange::compare::{CompareError, CompareReport, CompareRequest, import_list};
use bangfu_store::{Conn, Keyring, Store, StoreError};
use std::path::PathBuf;

/// What the form asked for, checked.
pub struct Upload {
    pub dir: PathBuf,
    pub path: PathBuf,
    pub file_name: String,
    pub department: Department,
    pub kind: ListKind,
    pub complete: bool,
    pub region: Option<RegionCode>,
    pub thresholds: MedicalThresholds,
}

/// The form's fields as sent.
#[derive(Default)]
struct Fields {
    department: String,
    kind: String,
    complete: bool,
    region: String,
    threshold_registered: String,
    threshold_other: String,
}

fn yuan(text: &str, label: &str, default: i64) -> AppResult<i64> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(default);
    }
    match parse_decimal(t, &["万元", "元"], false) {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(AppError::BadRequest(format!("{label}“{t}”不是有效金额：请填写以元为单位的正数，如 5000；留空则用默认值"))),
    }
}

/// Checks the fields against each other (kind and department, 全量, region in scope, thresholds).
fn check(p: &Principal, f: &Fields) -> AppResult<(Department, ListKind, bool, Option<RegionCode>, MedicalThresholds)> {
    let kinds = || ListKind::ALL.iter().map(|k| k.label()).collect::<Vec<_>>().join("、");
    let kind = match f.kind.trim() {
        "" => return Err(AppError::BadRequest(format!("请选择名单类型（{}）", kinds()))),
        t => ListKind::by_code(t).or_else(|| ListKind::parse(t)).ok_or_else(|| AppError::BadRequest(format!("“{t}”不是可识别的名单类型，可选：{}", kinds())))?,
    };
    let department = match f.department.trim() {
        "" => kind.department(),
        t => Department::by_code(t).or_else(|| Department::parse(t)).ok_or_else(|| {
            let all: Vec<&str> = Department::ALL.iter().map(|d| d.label()).collect();
            AppError::BadRequest(format!("“{t}”不是可识别的部门，可选：{}", all.join("、")))
        })?,
    };
    if !kind.departments().contains(&department) {
        let names: Vec<&str> = kind.departments().iter().map(|d| d.label()).collect();
        return Err(AppError::BadRequest(format!("“{}”应由{}提供，而不是{}：请核对部门或名单类型", kind.label(), names.join("或"), department.label())));
    }
    if f.complete && !kind.supports_complete() {
        return Err(AppError::BadRequest(format!("“{}”不能作为全量名单比对：全量比对只用于低保、特困和学籍名单，请去掉“全量名单”", kind.label())));
    }
    let region = match f.region.trim() {
        "" => None,
        t => {
            let code = RegionCode::parse(t).map_err(|_| AppError::BadRequest(format!("比对区域“{t}”不是有效的区划代码")))?;
            if !p.scope().contains(&code) {
                return Err(AppError::NotFound);
            }
            // the scope itself (or a wider code) is the whole scope
            (code.prefix().len() > p.scope().prefix().len()).then_some(code)
        }
    };
    let d = MedicalThresholds::default();
    let thresholds = MedicalThresholds {
        registered_fen: yuan(&f.threshold_registered, "脱贫（贫困）人口预警线", d.registered_fen)?,
        other_fen: yuan(&f.threshold_other, "其他农村人口预警线", d.other_fen)?,
    };
    Ok((department, kind, f.complete, region, thresholds))
}

/// Receives the multipart form. With `csrf_in_form` the `_csrf` field must come before the file
/// (nothing is written for an unchecked form); API callers send the token as a header instead.
pub async fn receive(state: &AppState, p: &Principal, req: Request, csrf_in_form: bool) -> AppResult<Upload> {
    let mib = state.config.max_upload_mib;
    let limit = mib * 1024 * 1024;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > limit + MULTIPART_SLACK) {
        drain(req.into_body(), n.min(limit + 64 * 1024 * 1024)).await;
        return Err(too_large(mib));
    }
    let mut form = Multipart::from_request(req, state).await.map_err(|e| AppError::BadRequest(format!("请通过“数据比对”页面的表单上传名单（{}）", e.body_text())))?;
    let mut csrf_checked = !csrf_in_form;
    let mut fields = Fields::default();
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
                let wrong = |name: &str| format!("只能比对 Excel（.xlsx、.xls）或 CSV（.csv）名单，“{name}”不是这几种格式。请在 Excel 中“另存为”.xlsx 后再上传。");
                saved = Some(save_sheet_upload(state, &mut field, limit, mib, &mut cleanup, &wrong, "上传的文件是空的，请重新选择名单文件").await?);
            }
            other => {
                let other = other.to_string();
                let v = small_text(&mut field, mib).await?;
                match other.as_str() {
                    "department" => fields.department = v,
                    "kind" => fields.kind = v,
                    "complete" => fields.complete = matches!(v.trim(), "1" | "on" | "true" | "yes"),
                    "region" => fields.region = v,
                    "threshold_registered" => fields.threshold_registered = v,
                    "threshold_other" => fields.threshold_other = v,
                    _ => {}
                }
            }
        }
    }
    if !csrf_checked {
        csrf::check(p, "")?;
    }
    let (department, kind, complete, region, thresholds) = check(p, &fields)?;
    let (path, file_name) = saved.ok_or_else(|| AppError::BadRequest("请选择要比对的名单文件".into()))?;
    let dir = cleanup.0.take().unwrap_or_else(|| path.parent().map(PathBuf::from).unwrap_or_default());
    Ok(Upload { dir, path, file_name, department, kind, complete, region, thresholds })
}

fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// The result in Chinese.
fn summary(r: &CompareReport) -> String {
    let f = &r.outcome.figures;
    let mut m = format!(
        "名单 {} 人（重复行 {}，有问题未比对的行 {}）；在册匹配 {}，已减少人员 {}，不在本系统 {}，姓名不一致 {}；生成核实工单 {} 张",
        f.rows, f.duplicate_rows, f.bad_rows, f.matched, f.removed, f.not_in_registry, f.name_differs, f.findings
    );
    if f.already_open > 0 {
        m.push_str(&format!("（另有 {} 条已有未办结工单，未重复生成）", f.already_open));
    }
    m.push('。');
    m
}

/// Starts comparing a received list as a job; returns the job as started.
pub fn start(state: &AppState, p: &Principal, u: Upload) -> CompareJob {
    let job = CompareJob {
        id: random_id(),
        user_id: p.user.id,
        file_name: u.file_name.clone(),
        department: u.department.code().into(),
        department_label: u.department.label().into(),
        kind: u.kind.code().into(),
        kind_label: u.kind.label().into(),
        state: "queued".into(),
        rows_read: 0,
        message: "等待开始比对".into(),
        list_id: None,
        bad_rows: 0,
        duplicate_rows: 0,
        has_report: false,
        columns: Vec::new(),
        warnings: Vec::new(),
        started_at: now(),
        finished_at: None,
    };
    state.compare_jobs.insert(job.clone());
    let req = CompareRequest {
        path: u.path.clone(),
        department: u.department,
        kind: u.kind,
        scope: p.scope(),
        region: u.region,
        complete: u.complete,
        thresholds: u.thresholds,
        today: chrono::Local::now().date_naive(),
        write_report: true,
    };
    let (db, jobs, actor, id) = (state.db.clone(), state.compare_jobs.clone(), p.actor(), job.id.clone());
    let key_path = state.config.key_file.clone().unwrap_or_else(|| Keyring::default_path(db.url()));
    let reports = state.config.data_dir.join("compare-reports");
    let upload_dir = u.dir;
    tokio::spawn(async move {
        let (j, i) = (jobs.clone(), id.clone());
        let task = tokio::task::spawn_blocking(move || {
            j.update(&i, |s| {
                s.state = "running".into();
                s.message = "正在读取名单并与户籍比对".into();
            });
            let result = Conn::open(db.url()).map_err(CompareError::Store).and_then(|conn| {
                let mut store = Store { conn, url: db.url().clone(), keys: db.keys().clone(), key_path };
                import_list(&mut store, &actor, &req, &mut |rows| j.update(&i, |s| s.rows_read = rows))
            });
            // the error report outlives the upload, by list id; the upload itself is not kept
            let kept = match &result {
                Ok(r) => r.report_path.as_ref().and_then(|from| {
                    let to = reports.join(format!("list-{}.xlsx", r.outcome.list_id));
                    let moved = std::fs::create_dir_all(&reports).and_then(|_| std::fs::rename(from, &to).or_else(|_| std::fs::copy(from, &to).map(|_| ())));
                    match moved {
                        Ok(()) => Some(to),
                        Err(e) => {
                            tracing::warn!(error = %e, "compare error report not kept");
                            None
                        }
                    }
                }),
                Err(_) => None,
            };
            let _ = std::fs::remove_dir_all(&upload_dir);
            j.update(&i, |s| {
                s.finished_at = Some(now());
                match result {
                    Ok(r) => {
                        s.state = "done".into();
                        s.message = summary(&r);
                        s.list_id = Some(r.outcome.list_id);
                        s.bad_rows = r.outcome.figures.bad_rows;
                        s.duplicate_rows = r.outcome.figures.duplicate_rows;
                        s.has_report = kept.is_some();
                        s.columns = r.columns.iter().map(|(c, l)| format!("{}={l}", c.label())).collect();
                        s.warnings = r.warnings.clone();
                    }
                    Err(CompareError::File(m)) | Err(CompareError::Store(StoreError::Invalid(m))) => {
                        s.state = "failed".into();
                        s.message = format!("名单无法比对，未写入任何数据：{m}");
                    }
                    Err(CompareError::Store(e)) => {
                        tracing::error!(error = %e, job = %i, "comparison failed");
                        s.state = "failed".into();
                        s.message = "比对时数据库出错，未写入任何数据。请稍后重试；如果反复出现，请联系系统管理员（错误已记入日志）。".into();
                    }
                }
            });
        });
        if let Err(e) = task.await {
            tracing::error!(error = %e, job = %id, "comparison job stopped");
            jobs.update(&id, |s| {
                s.state = "failed".into();
                s.message = "比对过程中发生内部错误，未写入任何数据。请稍后重试；如果反复出现，请联系系统管理员。".into();
                s.finished_at = Some(now());
            });
        }
    });
    job
}

/// The upload form of `/compare`: compares the list in the background and shows its progress.
pub async fn upload_form(State(state): State<AppState>, p: Principal, req: Request) -> AppResult<Response> {
    p.require(Capability::Compare)?;
    let upload = receive(&state, &p, req, true).await?;
    let job = start(&state, &p, upload);
    Ok(Redirect::to(&format!("/compare/jobs/{}", job.id)).into_response())
}
