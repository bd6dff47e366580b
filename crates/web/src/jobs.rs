//! Background jobs started from the browser: imports (progress while they run, the result and error
//! report after), data-quality runs (households checked so far, then the run to look at) and
//! department-list comparisons (rows read, then the list's report).

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

/// A data-quality run started from the browser or the API.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct QualityJob {
    pub id: String,
    pub user_id: i64,
    /// The region-code prefix checked ("" = the whole installation).
    pub region: String,
    pub region_name: String,
    /// queued | running | done | failed
    pub state: String,
    pub households_checked: u64,
    pub households_total: u64,
    /// Progress or result, in Chinese.
    pub message: String,
    /// The run to look at (`/quality/runs/{run_id}`, `/api/v1/quality/runs/{run_id}`) once done.
    pub run_id: Option<i64>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// A department list uploaded for comparison (数据比对), from the browser or the API.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CompareJob {
    pub id: String,
    pub user_id: i64,
    pub file_name: String,
    /// Department code (civil_affairs …) and its label (民政 …).
    pub department: String,
    pub department_label: String,
    /// List kind code (dibao, death …) and its label.
    pub kind: String,
    pub kind_label: String,
    /// queued | running | done | failed
    pub state: String,
    /// Rows of the file read so far.
    pub rows_read: u64,
    /// Progress or result, in Chinese (for a file that cannot be compared: why, and the headers found).
    pub message: String,
    /// The list to look at (`/compare/lists/{list_id}`, `/api/v1/compare/lists/{list_id}`) once done.
    pub list_id: Option<i64>,
    /// Rows skipped as unreadable (listed in the error report).
    pub bad_rows: u64,
    /// Repeated IDs, compared once.
    pub duplicate_rows: u64,
    /// Whether the list has an error report to download (`/compare/lists/{list_id}/report.xlsx`).
    pub has_report: bool,
    /// The columns read ("身份证号=C（公民身份号码）"), and notes on the file (a missing name column …).
    pub columns: Vec<String>,
    pub warnings: Vec<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// What the job registry needs to know of a job.
pub trait Job: Clone {
    fn id(&self) -> &str;
    fn user_id(&self) -> i64;
    fn started_at(&self) -> &str;
}

impl Job for JobStatus {
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

impl Job for QualityJob {
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

impl Job for CompareJob {
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

/// All jobs of one kind in this server process (kept for the life of the process; results are
/// also in the audit trail).
pub struct Jobs<T = JobStatus> {
    inner: Mutex<HashMap<String, T>>,
}

impl<T> Default for Jobs<T> {
    fn default() -> Self {
        Jobs { inner: Mutex::new(HashMap::new()) }
    }
}

impl<T: Job> Jobs<T> {
    pub fn insert(&self, s: T) {
        if let Ok(mut m) = self.inner.lock() {
            m.insert(s.id().to_string(), s);
        }
    }
    pub fn update(&self, id: &str, f: impl FnOnce(&mut T)) {
        if let Ok(mut m) = self.inner.lock()
            && let Some(s) = m.get_mut(id) {
                f(s);
            }
    }
    pub fn get(&self, id: &str) -> Option<T> {
        self.inner.lock().ok().and_then(|m| m.get(id).cloned())
    }
    pub fn of_user(&self, user_id: i64) -> Vec<T> {
        let mut v: Vec<T> = self.inner.lock().map(|m| m.values().filter(|s| s.user_id() == user_id).cloned().collect()).unwrap_or_default();
        v.sort_by(|a, b| b.started_at().cmp(a.started_at()));
        v
    }
}
