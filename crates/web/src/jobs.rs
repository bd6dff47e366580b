//! Import jobs started from the browser: progress while they run, the result and error report after.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// The state of an import started from the browser.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ImportJob)]
pub struct JobStatus {
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
    /// Where the report is kept; never sent (downloads find it through the job, not the URL).
    #[serde(skip)]
    pub report_path: Option<PathBuf>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// All jobs of this server process (kept for the life of the process; results are also in the audit trail).
#[derive(Default)]
pub struct Jobs {
    inner: Mutex<HashMap<String, JobStatus>>,
}

impl Jobs {
    pub fn insert(&self, s: JobStatus) {
        if let Ok(mut m) = self.inner.lock() {
            m.insert(s.id.clone(), s);
        }
    }
    pub fn update(&self, id: &str, f: impl FnOnce(&mut JobStatus)) {
        if let Ok(mut m) = self.inner.lock() {
            if let Some(s) = m.get_mut(id) {
                f(s);
            }
        }
    }
    pub fn get(&self, id: &str) -> Option<JobStatus> {
        self.inner.lock().ok().and_then(|m| m.get(id).cloned())
    }
    pub fn of_user(&self, user_id: i64) -> Vec<JobStatus> {
        let mut v: Vec<JobStatus> = self.inner.lock().map(|m| m.values().filter(|s| s.user_id == user_id).cloned().collect()).unwrap_or_default();
        v.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        v
    }
}
