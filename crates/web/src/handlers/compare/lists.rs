//! The lists of the user's region with the upload form, a comparison job's progress, a list's
//! report (counts, findings by kind, name differences, people not in the registry, completion by
//! township) and its error report.

use super::{ListView, OrderView, TownshipRow, percent, township_table};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::quality::{Opt, region_options, store_error};
use crate::handlers::render;
use crate::handlers::transfer::{XLSX, file_response, is_random_id, open};
use crate::jobs::CompareJob;
use crate::state::AppState;
use crate::views::{Nav, thousands};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::comparison::{Department, FindingKind, ListKind, MedicalThresholds};
use bangfu_domain::value::format_hundredths;
use bangfu_domain::{Capability, Role};
use bangfu_store::comparison::{self, OrderFilter};
use bangfu_store::comparison_web::{self, Stranger};

const PAGE_SIZE: i64 = 20;
/// People not in the registry listed on the report page (the count is always whole).
pub const STRANGERS_SHOWN: i64 = 100;
/// Name differences listed on the report page.
const NAME_DIFFERENCES_SHOWN: i64 = 20;

/// A job the caller may see: their own, or any for an administrator; anything else is "not found".
pub fn visible_job(state: &AppState, p: &Principal, id: &str) -> Option<CompareJob> {
    if !is_random_id(id) {
        return None;
    }
    state.compare_jobs.get(id).filter(|j| j.user_id == p.user.id || p.role() == Role::Admin)
}

/// A list kind as the upload form offers it.
pub struct KindOpt {
    pub value: &'static str,
    pub label: String,
    pub complete: bool,
    pub threshold: bool,
}

#[derive(Template)]
#[template(path = "compare_lists.html")]
struct ListsPage {
    nav: Nav,
    lists: Vec<ListView>,
    jobs: Vec<CompareJob>,
    kinds: Vec<KindOpt>,
    departments: Vec<Opt>,
    regions: Vec<Opt>,
    max_mib: u64,
    page: i64,
    more: bool,
    default_registered: String,
    default_other: String,
    complete_kinds: String,
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
    let mut rows = state.db.run(move |c, _| comparison::lists(c, &scope, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1).map_err(store_error)).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let names = state.names();
    let jobs = state.compare_jobs.of_user(p.user.id).into_iter().filter(|j| j.state != "done").take(5).collect();
    let d = MedicalThresholds::default();
    let page_view = ListsPage {
        nav: Nav::new(&p, &names, "compare"),
        lists: rows.iter().map(|l| ListView::new(l, &names)).collect(),
        jobs,
        kinds: ListKind::ALL
            .iter()
            .map(|k| KindOpt { value: k.code(), label: format!("{} · {}", k.department().label(), k.label()), complete: k.supports_complete(), threshold: *k == ListKind::MedicalExpense })
            .collect(),
        departments: std::iter::once(Opt { value: String::new(), label: "按名单类型（默认）".into(), selected: true })
            .chain(Department::ALL.iter().map(|d| Opt { value: d.code().into(), label: d.label().into(), selected: false }))
            .collect(),
        regions: region_options(&names, p.scope().prefix(), ""),
        max_mib: state.config.max_upload_mib,
        page,
        more,
        default_registered: format_hundredths(d.registered_fen),
        default_other: format_hundredths(d.other_fen),
        complete_kinds: ListKind::ALL.iter().filter(|k| k.supports_complete()).map(|k| k.label()).collect::<Vec<_>>().join("、"),
    };
    Ok(render(&page_view))
}

#[derive(Template)]
#[template(path = "compare_job.html")]
struct JobPage {
    nav: Nav,
    job: CompareJob,
    finished: bool,
    state_label: &'static str,
    started: String,
    rows: String,
}

/// A job's progress; once done, the list's report.
pub async fn job(State(state): State<AppState>, p: Principal, Path(id): Path<String>) -> AppResult<Response> {
    let job = visible_job(&state, &p, &id).ok_or(AppError::NotFound)?;
    if let (Some(list), "done") = (job.list_id, job.state.as_str()) {
        return Ok(Redirect::to(&format!("/compare/lists/{list}?job={}", job.id)).into_response());
    }
    let state_label = match job.state.as_str() {
        "queued" => "排队中",
        "running" => "正在比对",
        "done" => "已完成",
        _ => "失败",
    };
    let page = JobPage {
        nav: Nav::new(&p, &state.names(), "compare"),
        finished: job.state == "done" || job.state == "failed",
        state_label,
        started: job.started_at.chars().take(19).collect(),
        rows: thousands(job.rows_read as i64),
        job,
    };
    Ok(render(&page))
}

pub struct KindRow {
    pub code: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub total: u64,
    pub open: u64,
    pub verified_true: u64,
    pub closed: u64,
    pub percent: String,
}

#[derive(Template)]
#[template(path = "compare_list.html")]
struct ListPage {
    nav: Nav,
    list: ListView,
    /// The job that imported it, when the caller just did (columns read, notes on the file).
    job: Option<CompareJob>,
    has_report: bool,
    by_kind: Vec<KindRow>,
    name_differences: Vec<OrderView>,
    /// None: not shown to this caller (no right to see full numbers, or the list is wider than their scope).
    strangers: Option<Vec<Stranger>>,
    strangers_shown: i64,
    /// More people are not in the registry than are listed.
    strangers_truncated: bool,
    townships: Vec<TownshipRow>,
    townships_total: TownshipRow,
    chart: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    job: String,
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<ListQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let reveal = p.can(Capability::RevealProtected);
    let (summary, names_differ, strangers, townships) = state
        .db
        .run(move |c, _| {
            let summary = comparison::list_summary(c, &scope, id).map_err(store_error)?;
            let f = OrderFilter { list_id: Some(id), kind: Some(FindingKind::NameDiffers), ..Default::default() };
            let names_differ = comparison::orders(c, &scope, &f, 0, NAME_DIFFERENCES_SHOWN)?.orders;
            let strangers = if reveal { comparison_web::not_in_registry(c, &scope, id, STRANGERS_SHOWN)? } else { None };
            let townships = comparison::completion_by_township(c, &scope, Some(id))?;
            Ok((summary, names_differ, strangers, townships))
        })
        .await?;
    let names = state.names();
    let list = ListView::new(&summary.list, &names);
    let job = visible_job(&state, &p, &q.job).filter(|j| j.list_id == Some(id));
    let has_report = list.figures.is_some() && tokio::fs::try_exists(super::report_file(&state, id)).await.unwrap_or(false);
    let by_kind = summary
        .by_kind
        .iter()
        .map(|(k, pr)| KindRow {
            code: k.code(),
            label: k.label(),
            hint: k.hint(),
            total: pr.total,
            open: pr.open,
            verified_true: pr.verified_true,
            closed: pr.closed(),
            percent: percent(pr.completion()),
        })
        .collect();
    let (townships, townships_total, chart) = township_table(&townships, Some(id));
    let page = ListPage {
        nav: Nav::new(&p, &names, "compare"),
        list,
        job,
        has_report,
        by_kind,
        name_differences: names_differ.iter().map(|o| OrderView::new(o, &names)).collect(),
        strangers_truncated: strangers.as_ref().is_some_and(|s| s.len() as i64 >= STRANGERS_SHOWN),
        strangers,
        strangers_shown: STRANGERS_SHOWN,
        townships,
        townships_total,
        chart,
    };
    Ok(render(&page))
}

/// The error report of a list (its bad and repeated rows), to those who see the whole list.
pub async fn report(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let list = state.db.run(move |c, _| Ok(comparison::list(c, &scope, id)?)).await?.filter(|l| l.figures.is_some()).ok_or(AppError::NotFound)?;
    let (file, len) = open(&super::report_file(&state, id)).await?;
    let stem = list.file_name.rsplit_once('.').map(|(s, _)| s).unwrap_or(&list.file_name);
    Ok(file_response(file, Some(len), &format!("{stem}.错误报告.xlsx"), XLSX))
}
