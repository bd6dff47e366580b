//! Running an uploaded file's import on a blocking thread, in the uploader's scope and under their
//! name, with progress and the result written into the job record.

use crate::auth::Principal;
use crate::jobs::Jobs;
use crate::state::AppState;
use bangfu_exchange::import::ImportError;
use bangfu_exchange::{ImportReport, ImportRequest, import_households};
use bangfu_store::{Conn, Keyring, Store};
use chrono::Datelike;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// Starts the import of a saved upload as job `id`.
pub fn start(state: &AppState, p: &Principal, id: &str, path: PathBuf, accept_valid: bool) {
    let today = chrono::Local::now().date_naive();
    let req = ImportRequest {
        path,
        accept_valid,
        scope: p.scope(),
        today,
        default_household_type: None,
        income_year: today.year() as i64 - 1,
        write_report: true,
    };
    let (db, jobs, actor, id) = (state.db.clone(), state.jobs.clone(), p.actor(), id.to_string());
    let key_path = state.config.key_file.clone().unwrap_or_else(|| Keyring::default_path(db.url()));
    tokio::spawn(async move {
        let (j, i) = (jobs.clone(), id.clone());
        let task = tokio::task::spawn_blocking(move || {
            j.update(&i, |s| {
                s.state = "running".into();
                s.message = "正在读取并校验文件".into();
            });
            let upload = req.path.clone();
            let result = Conn::open(db.url())
                .map_err(ImportError::Store)
                .and_then(|conn| {
                    let mut store = Store { conn, url: db.url().clone(), keys: db.keys().clone(), key_path };
                    import_households(&mut store, actor, &req, &mut |rows| j.update(&i, |s| s.rows_read = rows))
                });
            // the upload itself is not kept (the error report, if any, is)
            let _ = std::fs::remove_file(&upload);
            finish(&j, &i, result);
        });
        if let Err(e) = task.await {
            tracing::error!(error = %e, job = %id, "import job stopped");
            jobs.update(&id, |s| {
                s.state = "failed".into();
                s.message = "导入过程中发生内部错误，未写入任何数据。请稍后重试；如果反复出现，请联系系统管理员。".into();
                s.finished_at = Some(now());
            });
        }
    });
}

/// Distinct rows with a problem.
fn rejected_rows(r: &ImportReport) -> u64 {
    r.issues.iter().filter(|i| i.row > 0).map(|i| (i.sheet.as_str(), i.row)).collect::<HashSet<_>>().len() as u64
}

/// The result in Chinese, as the command line prints it.
fn summary(r: &ImportReport) -> String {
    let w = &r.written;
    let mut m = format!("文件中 {} 户、{} 行成员。", r.households_in_file, r.member_rows);
    if r.committed {
        m.push_str(&format!(
            "已写入：新增 {} 户，更新 {} 户，未变 {} 户；成员新增 {}、更新 {}、减少 {}、迁移 {}。",
            w.households_created, w.households_updated, w.households_unchanged, w.members_created, w.members_updated, w.members_removed, w.members_moved
        ));
        if r.rejected_households > 0 {
            m.push_str(&format!("有问题的 {} 户未导入，详见错误报告。", r.rejected_households));
        }
    } else {
        m.push_str(&format!(
            "发现 {} 户有问题（共 {} 处），未写入任何数据：请按错误报告改正后重新导入，或勾选“只导入无误的户”。",
            r.rejected_households,
            r.issues.len()
        ));
    }
    for warn in &r.warnings {
        m.push_str(&format!("提示：{warn}"));
    }
    m
}

fn finish(jobs: &Arc<Jobs>, id: &str, result: Result<ImportReport, ImportError>) {
    jobs.update(id, |s| {
        s.finished_at = Some(now());
        match result {
            Ok(r) => {
                s.state = "done".into();
                s.message = summary(&r);
                s.rows_read = s.rows_read.max(r.member_rows);
                s.households_inserted = r.written.households_created;
                s.households_updated = r.written.households_updated;
                s.rows_rejected = rejected_rows(&r);
                s.has_report = r.report_path.is_some();
                s.report_path = r.report_path;
            }
            Err(ImportError::File(m)) => {
                s.state = "failed".into();
                s.message = format!("文件无法导入，未写入任何数据：{m}");
            }
            Err(ImportError::Store(e)) => {
                tracing::error!(error = %e, job = %id, "import failed");
                s.state = "failed".into();
                s.message = "导入时数据库出错，未写入任何数据。请稍后重试；如果反复出现，请联系系统管理员（错误已记入日志）。".into();
            }
        }
    });
}
