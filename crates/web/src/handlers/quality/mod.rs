//! Data quality (逻辑校验) pages: the runs of the user's region and starting a new one as a background
//! job, a run's counts by rule and region with drill-down, the findings list, the village work list
//! as xlsx, the rule catalogue with the settings and income lines of the user's jurisdiction, and the
//! household file's 数据质量 section (plus the check after every edit).

pub mod household;
pub mod report;
pub mod rules;
pub mod runs;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::regions::RegionNames;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use bangfu_domain::quality::Severity;
use bangfu_domain::{RegionCode, RegionLevel};
use bangfu_store::StoreError;
use bangfu_store::quality::RunSummary;

/// Every page route of data quality.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quality", get(runs::list))
        .route("/quality/runs", post(runs::start_form))
        .route("/quality/jobs/{job}", get(runs::job))
        .route("/quality/runs/{id}", get(report::run))
        .route("/quality/runs/{id}/findings", get(report::findings))
        .route("/quality/runs/{id}/worklist.xlsx", get(report::worklist))
        .route("/quality/rules", get(rules::list))
        .route("/quality/rules/{code}", get(rules::show).post(rules::save))
        .route("/quality/rules/{code}/remove", post(rules::remove))
        .route("/quality/lines", post(rules::save_line))
        .route("/households/{id}/check", post(household::check))
}

/// Store errors as users see them: a run, region or household out of scope is "not found".
pub fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound(_) => AppError::NotFound,
        other => other.into(),
    }
}

/// The name of a region-code prefix ("431099101" → 青山镇; "" → 全部区划).
pub fn prefix_name(names: &RegionNames, prefix: &str) -> String {
    if prefix.is_empty() {
        return "全部区划".into();
    }
    let code = format!("{prefix:0<12}");
    names.name(&code).map(str::to_string).unwrap_or_else(|| prefix.to_string())
}

/// The path of names from below `from` down to `prefix` ("青山镇 / 大坪村"), as links' labels.
pub fn crumbs(names: &RegionNames, from: &str, prefix: &str) -> Vec<(String, String)> {
    [2usize, 4, 6, 9, 12].iter().filter(|l| **l > from.len() && **l <= prefix.len()).map(|l| (prefix[..*l].to_string(), prefix_name(names, &prefix[..*l]))).collect()
}

/// A region asked for in a query string, as a prefix inside `within` (a prefix itself). Empty is
/// "none"; a malformed code or one outside `within` is "not found", like any record out of scope.
pub fn region_param(text: &str, within: &str) -> AppResult<Option<String>> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let code = RegionCode::parse(t).map_err(|_| AppError::NotFound)?;
    let p = code.prefix();
    // a wider region than the run or scope is simply the whole of it
    if within.starts_with(p) {
        return Ok(None);
    }
    if !p.starts_with(within) {
        return Err(AppError::NotFound);
    }
    Ok(Some(p.to_string()))
}

/// A select's option.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The region picker inside `prefix`: townships of a county (with the selected township's villages
/// below it), villages of a township — as the household list's.
pub fn region_options(names: &RegionNames, prefix: &str, selected: &str) -> Vec<Opt> {
    let scope = match RegionCode::parse(prefix) {
        Ok(c) => bangfu_domain::RegionScope::of(&c),
        Err(_) if prefix.is_empty() => bangfu_domain::RegionScope::all(),
        Err(_) => return Vec::new(),
    };
    let selected12 = if selected.is_empty() { String::new() } else { format!("{selected:0<12}") };
    let level = if prefix.len() <= 6 { RegionLevel::Township } else { RegionLevel::Village };
    let mut out = Vec::new();
    for (code, name) in names.children(&scope, level) {
        let township_selected = level == RegionLevel::Township && selected12.len() == 12 && selected12[..9] == code[..9];
        out.push(Opt { selected: code == selected12, value: code.clone(), label: name });
        if let (true, Ok(t)) = (township_selected, RegionCode::parse(&code)) {
            for (v, vname) in names.children(&bangfu_domain::RegionScope::of(&t), RegionLevel::Village) {
                out.push(Opt { selected: v == selected12, value: v, label: format!("　{vname}") });
            }
        }
    }
    out
}

/// A UTC timestamp of the store as local time ("2026-11-22 09:30").
pub fn local_time(utc: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(utc) {
        Ok(t) => t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => utc.replace('T', " ").chars().take(16).collect(),
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "running" => "正在检查",
        "done" => "已完成",
        _ => "失败",
    }
}

pub fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "badge warn",
        Severity::Warning => "badge",
    }
}

/// "0.8 秒", "2 分 05 秒".
pub fn duration(ms: i64) -> String {
    if ms < 60_000 { format!("{:.1} 秒", ms as f64 / 1000.0) } else { format!("{} 分 {:02} 秒", ms / 60_000, (ms % 60_000) / 1000) }
}

/// A run as listed and summarised.
pub struct RunView {
    pub id: i64,
    pub status: String,
    pub status_label: &'static str,
    pub scope_prefix: String,
    pub scope_name: String,
    pub started: String,
    pub finished: String,
    pub actor: String,
    pub rule_count: i64,
    pub households: i64,
    pub members: i64,
    pub findings: i64,
    pub errors: i64,
    pub warnings: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
    pub open_findings: i64,
    pub duration: String,
    pub previous_run_id: Option<i64>,
    pub message: String,
}

impl RunView {
    pub fn new(r: &RunSummary, names: &RegionNames) -> RunView {
        RunView {
            id: r.id,
            status: r.status.clone(),
            status_label: status_label(&r.status),
            scope_prefix: r.scope_prefix.clone(),
            scope_name: prefix_name(names, &r.scope_prefix),
            started: local_time(&r.started_at),
            finished: r.finished_at.as_deref().map(local_time).unwrap_or_default(),
            actor: r.actor.clone(),
            rule_count: r.rule_count,
            households: r.households,
            members: r.members,
            findings: r.findings,
            errors: r.errors,
            warnings: r.warnings,
            new_findings: r.new_findings,
            fixed_findings: r.fixed_findings,
            open_findings: r.findings - r.new_findings,
            duration: if r.status == "done" { duration(r.elapsed_ms) } else { String::new() },
            previous_run_id: r.previous_run_id,
            message: r.message.clone().unwrap_or_default(),
        }
    }
}

/// The jurisdiction whose settings a page shows and changes: the caller's scope prefix; a user of
/// the whole installation (the administrator) picks one ("" = the whole installation).
pub fn jurisdiction(p: &Principal, asked: &str) -> AppResult<String> {
    let scope = p.scope();
    if !scope.prefix().is_empty() {
        return Ok(scope.prefix().to_string());
    }
    let t = asked.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    RegionCode::parse(t)
        .map(|c| c.prefix().to_string())
        .map_err(|_| AppError::BadRequest(format!("“{t}”不是有效的区划代码：请填写 2、4、6、9 或 12 位的区划代码（如 43 表示省，431099 表示县），留空表示全系统")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_asked_for_stay_inside() {
        assert_eq!(region_param("", "431099").unwrap(), None);
        assert_eq!(region_param("431099101", "431099").unwrap().as_deref(), Some("431099101"));
        assert_eq!(region_param("431099101000", "431099").unwrap().as_deref(), Some("431099101"));
        assert_eq!(region_param("431099", "431099101").unwrap(), None, "a wider region is the whole");
        assert!(region_param("431088101", "431099").is_err());
        assert!(region_param("x' OR 1=1", "431099").is_err());
        assert_eq!(duration(1234), "1.2 秒");
        assert_eq!(duration(125_000), "2 分 05 秒");
    }
}
