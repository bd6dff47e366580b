//! What every handler shares: the database pool, the settings and the running background jobs.

use crate::config::ServeConfig;
use crate::jobs::{CompareJob, Jobs, QualityJob};
use crate::pool::Db;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Db>,
    pub config: Arc<ServeConfig>,
    pub jobs: Arc<Jobs>,
    /// Data-quality runs started from the browser or the API.
    pub quality_jobs: Arc<Jobs<QualityJob>>,
    /// Department lists being compared (数据比对), uploaded from the browser or the API.
    pub compare_jobs: Arc<Jobs<CompareJob>>,
    pub regions: Arc<crate::regions::SharedNames>,
    /// List totals by (scope, filter), until the data changes.
    pub counts: Arc<crate::cache::Cache<i64>>,
    /// Dashboards by scope, until the data changes.
    pub dashboards: Arc<crate::cache::Cache<bangfu_store::registry::dashboard::Dashboard>>,
    /// The newest region run covering a scope and its errors there (run id, errors), until the data changes.
    pub quality_latest: Arc<crate::cache::Cache<Option<(i64, i64)>>>,
}

impl AppState {
    /// Per-capita income line in fen.
    pub fn income_line_fen(&self) -> i64 {
        self.config.income_line_yuan * 100
    }

    /// Region names for display.
    pub fn names(&self) -> Arc<crate::regions::RegionNames> {
        self.regions.get()
    }
}
