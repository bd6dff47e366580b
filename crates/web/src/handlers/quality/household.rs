//! Data quality on the household file: the household's findings in the newest run that covers it (a
//! region run, or the check made after its last edit), checking it now, and the check that follows
//! every save. A check that fails never fails the save: it is logged and the user carries on.

use super::local_time;
use super::report::FindingView;
use crate::auth::{Principal, csrf};
use crate::error::AppResult;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::quality::Severity;
use bangfu_domain::{Capability, RegionScope};
use bangfu_store::Conn;
use bangfu_store::quality::{self, FindingRow, RunSummary};

/// The 数据质量 section of the household file.
pub struct QualitySection {
    /// None: never checked.
    pub run_id: Option<i64>,
    /// A check of this household alone (after an edit or on request), not a region run.
    pub own_check: bool,
    pub at: String,
    pub actor: String,
    pub errors: usize,
    pub findings: Vec<FindingView>,
}

impl QualitySection {
    pub fn new(latest: Option<(RunSummary, Vec<FindingRow>)>) -> QualitySection {
        match latest {
            None => QualitySection { run_id: None, own_check: false, at: String::new(), actor: String::new(), errors: 0, findings: Vec::new() },
            Some((run, rows)) => QualitySection {
                run_id: Some(run.id),
                own_check: run.household_id.is_some(),
                at: local_time(run.finished_at.as_deref().unwrap_or(&run.started_at)),
                actor: run.actor,
                errors: rows.iter().filter(|r| r.severity == Severity::Error).count(),
                findings: rows.iter().map(FindingView::new).collect(),
            },
        }
    }
}

/// The household's latest findings; a failure to read them leaves the section empty (logged)
/// rather than failing the household file.
pub fn latest(c: &mut Conn, scope: &RegionScope, id: i64) -> Option<(RunSummary, Vec<FindingRow>)> {
    match quality::latest_for_household(c, scope, id) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(household = id, error = %e, "latest quality findings unavailable");
            None
        }
    }
}

/// Checks households after a successful save, in the saver's scope and name. Never fails: a check
/// that cannot run is logged, and the save stands.
pub async fn after_save(state: &AppState, p: &Principal, ids: &[i64]) {
    let today = chrono::Local::now().date_naive();
    for &id in ids {
        let (scope, actor) = (p.scope(), p.actor());
        let r = state.db.run(move |c, keys| Ok(quality::check_household(c, keys, &actor, &scope, id, today)?)).await;
        match r {
            Ok(found) => tracing::info!(household = id, findings = found.len(), "checked after save"),
            Err(e) => tracing::warn!(household = id, error = ?e, "check after save failed; the save stands"),
        }
    }
}

#[derive(serde::Deserialize)]
pub struct CheckForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// "立即检查" on the household file: checks it now and shows the result there.
pub async fn check(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(f): Form<CheckForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::RunChecks)?;
    let (scope, actor, today) = (p.scope(), p.actor(), chrono::Local::now().date_naive());
    state.db.run(move |c, keys| quality::check_household(c, keys, &actor, &scope, id, today).map_err(super::store_error)).await?;
    Ok(Redirect::to(&format!("/households/{id}?checked=1#quality")).into_response())
}
