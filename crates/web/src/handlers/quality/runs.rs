//! The runs of the user's region (newest first), the form that starts a run over the scope or a
//! region inside it, and the run as a background job: progress while it checks, then the run page.

use super::{Opt, RunView, prefix_name, region_options, region_param, store_error};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::handlers::transfer::{is_random_id, random_id};
use crate::jobs::QualityJob;
use crate::state::AppState;
use crate::views::{Nav, thousands};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::{Capability, RegionCode, Role};
use bangfu_store::Conn;
use bangfu_store::quality::{self, RunRequest};

const PAGE_SIZE: i64 = 20;

fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// A job the caller may see: their own, or any for an administrator; anything else is "not found".
pub fn visible_job(state: &AppState, p: &Principal, id: &str) -> Option<QualityJob> {
    if !is_random_id(id) {
        return None;
    }
    state.quality_jobs.get(id).filter(|j| j.user_id == p.user.id || p.role() == Role::Admin)
}

/// Starts a run over `region` (a prefix inside the caller's scope, already checked) or the whole
/// scope, on a connection of its own on a blocking thread; returns the job as started.
pub fn start(state: &AppState, p: &Principal, region: Option<String>) -> QualityJob {
    let scope = p.scope();
    let prefix = region.clone().unwrap_or_else(|| scope.prefix().to_string());
    let job = QualityJob {
        id: random_id(),
        user_id: p.user.id,
        region_name: prefix_name(&state.names(), &prefix),
        region: prefix,
        state: "queued".into(),
        households_checked: 0,
        households_total: 0,
        message: "等待开始检查".into(),
        run_id: None,
        started_at: now(),
        finished_at: None,
    };
    state.quality_jobs.insert(job.clone());
    let (db, jobs, actor, id) = (state.db.clone(), state.quality_jobs.clone(), p.actor(), job.id.clone());
    let today = chrono::Local::now().date_naive();
    tokio::spawn(async move {
        let (j, i) = (jobs.clone(), id.clone());
        let task = tokio::task::spawn_blocking(move || {
            j.update(&i, |s| {
                s.state = "running".into();
                s.message = "正在逐户检查".into();
            });
            let code = region.as_deref().and_then(|r| RegionCode::parse(r).ok());
            let req = RunRequest { scope: &scope, region: code.as_ref(), today };
            let result = Conn::open(db.url()).and_then(|mut conn| {
                // two reader connections check blocks in turn while this one writes (as `bangfu check` does)
                quality::run_parallel(&mut conn, db.url(), db.keys(), &actor, &req, &mut |done, total| {
                    j.update(&i, |s| {
                        s.households_checked = done;
                        s.households_total = total;
                        s.message = format!("已检查 {} / {} 户", thousands(done as i64), thousands(total as i64));
                    })
                })
            });
            j.update(&i, |s| {
                s.finished_at = Some(now());
                match result {
                    Ok(r) => {
                        s.state = "done".into();
                        s.run_id = Some(r.id);
                        s.households_checked = r.households as u64;
                        s.households_total = r.households as u64;
                        s.message = format!("检查完成：{} 户，发现问题 {} 个（错误 {}），新发现 {}，已改正 {}", r.households, r.findings, r.errors, r.new_findings, r.fixed_findings);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, job = %i, "quality run failed");
                        s.state = "failed".into();
                        s.message = "检查时数据库出错，本次检查未完成。请稍后重试；如果反复出现，请联系系统管理员（错误已记入日志）。".into();
                    }
                }
            });
        });
        if let Err(e) = task.await {
            tracing::error!(error = %e, job = %id, "quality job stopped");
            jobs.update(&id, |s| {
                s.state = "failed".into();
                s.message = "检查过程中发生内部错误，本次检查未完成。请稍后重试。".into();
                s.finished_at = Some(now());
            });
        }
    });
    job
}

#[derive(Template)]
#[template(path = "quality_runs.html")]
struct RunsPage {
    nav: Nav,
    runs: Vec<RunView>,
    jobs: Vec<QualityJob>,
    regions: Vec<Opt>,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    page: i64,
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(q): Query<PageQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let page = q.page.clamp(1, 100_000);
    let (rows, total) = state.db.run(move |c, _| quality::runs(c, &scope, (page - 1) * PAGE_SIZE, PAGE_SIZE).map_err(store_error)).await?;
    let names = state.names();
    let jobs = state.quality_jobs.of_user(p.user.id).into_iter().filter(|j| j.state == "queued" || j.state == "running" || j.state == "failed").take(5).collect();
    let page_view = RunsPage {
        nav: Nav::new(&p, &names, "quality"),
        runs: rows.iter().map(|r| RunView::new(r, &names)).collect(),
        jobs,
        regions: region_options(&names, p.scope().prefix(), ""),
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
    };
    Ok(render(&page_view))
}

#[derive(serde::Deserialize)]
pub struct StartForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    region: String,
}

/// Starts a run from the form and shows its progress.
pub async fn start_form(State(state): State<AppState>, p: Principal, Form(f): Form<StartForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::RunChecks)?;
    let region = region_param(&f.region, p.scope().prefix())?;
    let job = start(&state, &p, region);
    Ok(Redirect::to(&format!("/quality/jobs/{}", job.id)).into_response())
}

#[derive(Template)]
#[template(path = "quality_job.html")]
struct JobPage {
    nav: Nav,
    job: QualityJob,
    finished: bool,
    state_label: &'static str,
    started: String,
    checked: String,
    total: String,
}

/// A job's progress; once done, the run page itself.
pub async fn job(State(state): State<AppState>, p: Principal, Path(id): Path<String>) -> AppResult<Response> {
    let job = visible_job(&state, &p, &id).ok_or(AppError::NotFound)?;
    if let (Some(run), "done") = (job.run_id, job.state.as_str()) {
        return Ok(Redirect::to(&format!("/quality/runs/{run}")).into_response());
    }
    let state_label = match job.state.as_str() {
        "queued" => "排队中",
        "running" => "正在检查",
        "done" => "已完成",
        _ => "失败",
    };
    let page = JobPage {
        nav: Nav::new(&p, &state.names(), "quality"),
        finished: job.state == "done" || job.state == "failed",
        state_label,
        started: job.started_at.chars().take(19).collect(),
        checked: thousands(job.households_checked as i64),
        total: thousands(job.households_total as i64),
        job,
    };
    Ok(render(&page))
}
