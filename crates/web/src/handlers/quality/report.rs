//! One run: its summary against the previous run, counts by rule and by region one level down (with
//! drill-down), the findings list with filters, and the village work list as xlsx.

use super::{Opt, RunView, crumbs, prefix_name, region_options, region_param, severity_class, store_error};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::handlers::transfer::{XLSX, file_response, open, random_id};
use crate::state::AppState;
use crate::views::{Nav, thousands, urlencode};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use bangfu_domain::Capability;
use bangfu_domain::quality::{Requires, Rule};
use bangfu_store::audit::{self, Entry};
use bangfu_store::quality::{self, FindingFilter, FindingRow, FindingState, RunSummary};
use std::path::PathBuf;

/// The part of a run the caller sees: the longer of the run's prefix and the caller's scope.
fn root_of(run: &RunSummary, scope_prefix: &str) -> String {
    if scope_prefix.len() > run.scope_prefix.len() { scope_prefix.to_string() } else { run.scope_prefix.clone() }
}

/// `&region=…` for links, or nothing.
fn region_q(region: &str) -> String {
    if region.is_empty() { String::new() } else { format!("&region={}", urlencode(region)) }
}

pub struct RuleRow {
    pub code: String,
    pub severity_label: &'static str,
    pub severity_class: &'static str,
    pub group: &'static str,
    pub title: &'static str,
    pub findings: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
    pub open_findings: i64,
}

pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub findings: i64,
    pub errors: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
    /// A township drills down to its villages; a village opens its findings.
    pub href: String,
}

pub struct Totals {
    pub findings: i64,
    pub errors: i64,
    pub warnings: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
    pub open_findings: i64,
}

pub struct Previous {
    pub id: i64,
    pub started: String,
    pub findings: i64,
}

pub struct Waiting {
    pub code: &'static str,
    pub title: &'static str,
}

#[derive(Template)]
#[template(path = "quality_run.html")]
struct RunPage {
    nav: Nav,
    run: RunView,
    /// The region shown (a prefix) and its name; `root_name` names where the caller's view starts.
    region: String,
    region_name: String,
    root_name: String,
    crumbs: Vec<(String, String)>,
    rq: String,
    totals: Totals,
    previous: Option<Previous>,
    by_rule: Vec<RuleRow>,
    by_region: Vec<RegionRow>,
    waiting: Vec<Waiting>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RegionQuery {
    region: String,
}

pub async fn run(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<RegionQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let asked = q.region.clone();
    let (detail, previous) = state
        .db
        .run(move |c, _| {
            let whole = quality::run_detail(c, &scope, id, None).map_err(store_error)?;
            let root = root_of(&whole.run, scope.prefix());
            let detail = match region_param(&asked, &root)? {
                Some(r) => quality::run_detail(c, &scope, id, Some(&r)).map_err(store_error)?,
                None => whole,
            };
            let previous = match detail.run.previous_run_id {
                Some(prev) => match quality::run_detail(c, &scope, prev, Some(&detail.prefix)) {
                    Ok(d) => Some(Previous { id: prev, started: super::local_time(&d.run.started_at), findings: d.by_rule.iter().map(|r| r.findings).sum() }),
                    Err(_) => None,
                },
                None => None,
            };
            Ok((detail, previous))
        })
        .await?;
    let names = state.names();
    let root = root_of(&detail.run, p.scope().prefix());
    let by_rule: Vec<RuleRow> = detail
        .by_rule
        .iter()
        .map(|c| {
            let def = Rule::from_code(&c.rule_code).map(|r| r.def());
            RuleRow {
                code: c.rule_code.clone(),
                severity_label: def.map(|d| d.severity.label()).unwrap_or_default(),
                severity_class: def.map(|d| severity_class(d.severity)).unwrap_or("badge"),
                group: def.map(|d| d.group).unwrap_or_default(),
                title: def.map(|d| d.title).unwrap_or("（已停用的规则编号）"),
                findings: c.findings,
                new_findings: c.new_findings,
                fixed_findings: c.fixed_findings,
                open_findings: c.findings - c.new_findings,
            }
        })
        .collect();
    let by_region = detail
        .by_region
        .iter()
        .map(|r| RegionRow {
            href: if r.code.len() >= 12 { format!("/quality/runs/{id}/findings?region={}", r.code) } else { format!("/quality/runs/{id}?region={}", r.code) },
            code: r.code.clone(),
            name: r.name.clone(),
            findings: r.findings,
            errors: r.errors,
            new_findings: r.new_findings,
            fixed_findings: r.fixed_findings,
        })
        .collect();
    let findings: i64 = by_rule.iter().map(|r| r.findings).sum();
    let errors: i64 = detail.by_region.iter().map(|r| r.errors).sum();
    let new_findings: i64 = by_rule.iter().map(|r| r.new_findings).sum();
    let totals = Totals { findings, errors, warnings: findings - errors, new_findings, fixed_findings: by_rule.iter().map(|r| r.fixed_findings).sum(), open_findings: findings - new_findings };
    let region = if detail.prefix == root { String::new() } else { detail.prefix.clone() };
    let page = RunPage {
        nav: Nav::new(&p, &names, "quality"),
        run: RunView::new(&detail.run, &names),
        region_name: prefix_name(&names, &detail.prefix),
        crumbs: crumbs(&names, &root, &detail.prefix),
        root_name: prefix_name(&names, &root),
        rq: region_q(&region),
        region,
        totals,
        previous,
        by_rule,
        by_region,
        waiting: Rule::ALL
            .iter()
            .filter(|r| r.def().requires == Requires::Measures && detail.run.message.as_deref().unwrap_or_default().contains("需要帮扶措施数据"))
            .map(|r| Waiting { code: r.def().code, title: r.def().title })
            .collect(),
    };
    Ok(render(&page))
}

pub struct FindingView {
    pub village: String,
    pub household_id: i64,
    pub household_no: String,
    pub head: String,
    pub member: String,
    pub rule_code: String,
    pub title: &'static str,
    pub severity_label: &'static str,
    pub severity_class: &'static str,
    pub message: String,
    pub fix: &'static str,
    pub state: &'static str,
    pub state_label: &'static str,
}

impl FindingView {
    pub fn new(r: &FindingRow) -> FindingView {
        let def = r.rule().map(|x| x.def());
        FindingView {
            village: [r.township_name.as_str(), r.village_name.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" / "),
            household_id: r.household_id,
            household_no: r.household_no.clone().unwrap_or_default(),
            head: r.head_name.clone().unwrap_or_default(),
            member: r.member_name.clone().unwrap_or_default(),
            rule_code: r.rule_code.clone(),
            title: def.map(|d| d.title).unwrap_or_default(),
            severity_label: r.severity.label(),
            severity_class: severity_class(r.severity),
            message: r.message.clone(),
            fix: def.map(|d| d.fix).unwrap_or_default(),
            state: r.state.code(),
            state_label: r.state.label(),
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct FindingsQuery {
    pub rule: String,
    pub region: String,
    /// new | open | fixed; empty = new and open.
    pub state: String,
    pub page: i64,
}

const FINDINGS_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "quality_findings.html")]
struct FindingsPage {
    nav: Nav,
    run: RunView,
    root_name: String,
    region: String,
    region_name: String,
    rows: Vec<FindingView>,
    total: String,
    page: i64,
    pages: i64,
    qs: String,
    rules: Vec<Opt>,
    regions: Vec<Opt>,
    states: Vec<Opt>,
}

pub async fn findings(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<FindingsQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let rule = Rule::from_code(&q.rule.trim().to_uppercase());
    let finding_state = FindingState::parse(q.state.trim());
    let page = q.page.clamp(1, 1_000_000);
    let asked = q.region.clone();
    let (run, root, region, rows, total) = state
        .db
        .run(move |c, _| {
            let whole = quality::run_detail(c, &scope, id, None).map_err(store_error)?;
            let root = root_of(&whole.run, scope.prefix());
            let region = region_param(&asked, &root)?;
            let filter = FindingFilter { region: region.clone(), rule: rule.map(|r| r.code().to_string()), state: finding_state, household_id: None };
            let (rows, total) = quality::findings(c, &scope, id, &filter, (page - 1) * FINDINGS_PAGE, FINDINGS_PAGE).map_err(store_error)?;
            Ok((whole.run, root, region.unwrap_or_default(), rows, total))
        })
        .await?;
    let names = state.names();
    let mut qs = Vec::new();
    if let Some(r) = rule {
        qs.push(format!("rule={}", r.code()));
    }
    if !region.is_empty() {
        qs.push(format!("region={region}"));
    }
    if let Some(s) = finding_state {
        qs.push(format!("state={}", s.code()));
    }
    let mut rules = vec![Opt { value: String::new(), label: "全部规则".into(), selected: rule.is_none() }];
    rules.extend(Rule::ALL.iter().map(|r| Opt { value: r.code().into(), label: format!("{} {}", r.code(), r.def().title), selected: Some(*r) == rule }));
    let mut regions = vec![Opt { value: String::new(), label: format!("全部（{}）", prefix_name(&names, &root)), selected: region.is_empty() }];
    regions.extend(region_options(&names, &root, &region));
    let mut states = vec![Opt { value: String::new(), label: "新发现和仍未改正".into(), selected: finding_state.is_none() }];
    states.extend([FindingState::New, FindingState::Open, FindingState::Fixed].iter().map(|s| Opt { value: s.code().into(), label: s.label().into(), selected: Some(*s) == finding_state }));
    let page_view = FindingsPage {
        nav: Nav::new(&p, &names, "quality"),
        run: RunView::new(&run, &names),
        root_name: prefix_name(&names, &root),
        region_name: if region.is_empty() { String::new() } else { prefix_name(&names, &region) },
        region,
        rows: rows.iter().map(FindingView::new).collect(),
        total: thousands(total),
        page,
        pages: ((total + FINDINGS_PAGE - 1) / FINDINGS_PAGE).max(1),
        qs: qs.join("&"),
        rules,
        regions,
        states,
    };
    Ok(render(&page_view))
}

/// Deletes the temporary file when the request ends.
struct Temp(Option<PathBuf>);

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The work list (问题整改清单) of a region: what is still wrong, one sheet per village; audited
/// as an export. It names people and households but never shows ID numbers (messages mask them).
pub async fn worklist(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<RegionQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    p.require(Capability::Export)?;
    let scope = p.scope();
    let names = state.names();
    let dir = state.config.data_dir.join("exports");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
    let path = dir.join(format!("{}.xlsx", random_id()));
    let temp = Temp(Some(path.clone()));
    let (target, actor, asked) = (path.clone(), p.actor(), q.region.clone());
    let day = chrono::Local::now().format("%Y%m%d").to_string();
    let download = state
        .db
        .run(move |c, _| {
            let whole = quality::run_detail(c, &scope, id, None).map_err(store_error)?;
            let root = root_of(&whole.run, scope.prefix());
            let region = region_param(&asked, &root)?.unwrap_or(root);
            let rows = quality::work_list(c, &scope, id, Some(&region)).map_err(store_error)?;
            let sheets = bangfu_exchange::worklist::write_work_list(&target, &rows).map_err(|e| AppError::Internal(format!("work list: {e}")))?;
            let download = format!("整改清单_{}_批次{id}_{day}.xlsx", prefix_name(&names, &region));
            c.begin()?;
            audit::record(
                c,
                &actor,
                Entry {
                    region_code: Some(if region.is_empty() { scope.prefix() } else { &region }),
                    entity: "export",
                    entity_id: Some(id.to_string()),
                    action: "export_worklist",
                    before: None,
                    after: Some(serde_json::json!({"file": download, "run": id, "region": region, "findings": rows.len(), "sheets": sheets}).to_string()),
                },
            )?;
            c.commit()?;
            Ok(download)
        })
        .await?;
    let (file, len) = open(&path).await?;
    drop(temp);
    Ok(file_response(file, Some(len), &download, XLSX))
}
