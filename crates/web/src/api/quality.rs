//! Data quality in the API: the rules in force, starting a run (always a background job, polled at
//! `/api/v1/quality/jobs/{job}` — a county takes seconds to minutes, a village well under one),
//! the runs, a run's counts, its findings, and checking one household now. Same scope and
//! capabilities as the pages: anything outside the caller's scope is 404.

use super::extract::{ApiId, ApiJson, ApiQuery, ApiUser, PageParams};
use super::openapi::ErrorBody;
use crate::auth::csrf;
use crate::error::{ApiError, ApiResult, AppError};
use crate::handlers::quality::rules::{line_views, show_param, standing};
use crate::handlers::quality::{jurisdiction, prefix_name, region_param, runs::visible_job, store_error};
use crate::jobs::QualityJob;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu_domain::Capability;
use bangfu_domain::quality::{Level, Requires, Rule, Severity};
use bangfu_store::quality::{self, FindingFilter, FindingRow, FindingState, RunSummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// One parameter of a rule, as in force.
#[derive(Serialize, ToSchema)]
pub struct RuleParamOut {
    pub key: String,
    /// With its unit, e.g. 上限（公里）.
    pub label: String,
    /// int | money (元) | hundredths (two decimals) | fields (field labels separated by 、)
    pub kind: String,
    /// The value in force, as typed on the settings page.
    pub value: String,
    /// The shipped default.
    pub default: String,
}

/// A jurisdiction's stored setting of a rule.
#[derive(Serialize, ToSchema)]
pub struct RuleSettingOut {
    /// The jurisdiction (region-code prefix; "" = the whole installation).
    pub region_prefix: String,
    /// null = inherited.
    pub enabled: Option<bool>,
    /// Parameters set there, by key, as typed.
    pub params: BTreeMap<String, String>,
    /// The document that decided it.
    pub basis: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

/// A rule of the catalogue with what is in force for the jurisdiction.
#[derive(Serialize, ToSchema)]
pub struct RuleOut {
    /// Stable code, e.g. RNG-03.
    pub code: String,
    pub group: String,
    pub title: String,
    /// error | warning
    pub severity: String,
    /// member | household | registry
    pub level: String,
    /// registry | measures (waits for assistance-measure data)
    pub requires: String,
    /// Switched on for the jurisdiction.
    pub enabled: bool,
    /// Actually run: switched on and its data available.
    pub in_force: bool,
    pub params: Vec<RuleParamOut>,
    /// Labels of the fields it looks at.
    pub fields: Vec<String>,
    /// How to fix a finding, in Chinese.
    pub fix: String,
    /// The document or rule it comes from.
    pub basis: String,
    /// The settings in force, the widest jurisdiction first.
    pub settings: Vec<RuleSettingOut>,
}

/// An income line in force for a year.
#[derive(Serialize, ToSchema)]
pub struct LineOut {
    /// poverty | monitoring
    pub kind: String,
    pub kind_label: String,
    pub year: i64,
    /// 元 per person per year.
    pub amount_yuan: String,
    /// 全国默认, 全系统 or the name of the jurisdiction that set it.
    pub source: String,
    pub basis: String,
}

#[derive(Serialize, ToSchema)]
pub struct RulesOut {
    /// The jurisdiction shown (the caller's scope prefix; a caller of the whole installation may pass `prefix`).
    pub jurisdiction: String,
    pub jurisdiction_name: String,
    pub rules: Vec<RuleOut>,
    /// Lines by year (a year without its own line uses the latest earlier one).
    pub lines: Vec<LineOut>,
    /// Stored settings that could not be applied.
    pub problems: Vec<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct RulesParams {
    /// A jurisdiction (region-code prefix); only for callers of the whole installation, else their scope is used.
    pub prefix: String,
}

fn level_code(l: Level) -> &'static str {
    match l {
        Level::Member => "member",
        Level::Household => "household",
        Level::Registry => "registry",
    }
}

fn kind_code(k: bangfu_domain::quality::ParamKind) -> &'static str {
    use bangfu_domain::quality::ParamKind;
    match k {
        ParamKind::Int => "int",
        ParamKind::Money => "money",
        ParamKind::Hundredths => "hundredths",
        ParamKind::Fields => "fields",
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/quality/rules",
    tag = "quality",
    params(RulesParams),
    responses(
        (status = 200, description = "Every rule with what is in force for the caller's jurisdiction, and the income lines", body = RulesOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn rules(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<RulesParams>) -> ApiResult<Json<RulesOut>> {
    p.require(Capability::ViewRegistry)?;
    let prefix = jurisdiction(&p, &q.prefix)?;
    let pre = prefix.clone();
    let s = state.db.run(move |c, _| Ok(standing(c, &pre)?)).await?;
    let defaults = bangfu_domain::quality::ResolvedRules::defaults(bangfu_domain::quality::Lines::national_defaults());
    let names = state.names();
    let rules = Rule::ALL
        .iter()
        .map(|r| {
            let d = r.def();
            let enabled = s.resolved.on(*r);
            RuleOut {
                code: d.code.into(),
                group: d.group.into(),
                title: d.title.into(),
                severity: d.severity.code().into(),
                level: level_code(d.level).into(),
                requires: if d.requires == Requires::Measures { "measures".into() } else { "registry".into() },
                enabled,
                in_force: enabled && d.requires == Requires::Registry,
                params: d
                    .params
                    .iter()
                    .map(|pd| RuleParamOut { key: pd.key.into(), label: pd.label.into(), kind: kind_code(pd.kind).into(), value: show_param(&s.resolved, *r, pd), default: show_param(&defaults, *r, pd) })
                    .collect(),
                fields: d.fields.iter().map(|f| f.def().label.to_string()).collect(),
                fix: d.fix.into(),
                basis: d.basis.into(),
                settings: s
                    .applying(*r)
                    .into_iter()
                    .map(|x| RuleSettingOut {
                        region_prefix: x.region_prefix.clone(),
                        enabled: x.enabled,
                        params: x.params.iter().cloned().collect(),
                        basis: x.basis.clone(),
                        updated_at: x.updated_at.clone(),
                        updated_by: x.updated_by.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let lines = line_views(&s, &names)
        .into_iter()
        .map(|l| LineOut { kind: l.kind.into(), kind_label: l.kind_label.into(), year: l.year, amount_yuan: l.amount, source: l.source, basis: l.basis })
        .collect();
    Ok(Json(RulesOut { jurisdiction_name: if prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &prefix) }, jurisdiction: prefix, rules, lines, problems: s.problems.clone() }))
}

/// What to check.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct RunStart {
    /// A region code (township or village, 2–12 digits) inside the caller's scope; left out: the whole scope.
    pub region: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/quality/runs",
    tag = "quality",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = RunStart,
    responses(
        (status = 202, description = "Started as a background job (always, even for a village): poll `/api/v1/quality/jobs/{id}` until `state` is done; `run_id` is then the run", body = QualityJob),
        (status = 403, description = "The role may not run checks, or the CSRF token is missing", body = ErrorBody),
        (status = 404, description = "The region is not in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn start(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiJson(body): ApiJson<RunStart>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::RunChecks)?;
    let region = region_param(body.region.as_deref().unwrap_or_default(), p.scope().prefix())?;
    let job = crate::handlers::quality::runs::start(&state, &p, region);
    Ok((StatusCode::ACCEPTED, Json(job)).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/quality/jobs/{job}",
    tag = "quality",
    params(("job" = String, Path, description = "Job id (32 hexadecimal characters)")),
    responses(
        (status = 200, description = "The job", body = QualityJob),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such job of the caller", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn job(State(state): State<AppState>, ApiUser(p): ApiUser, Path(job): Path<String>) -> ApiResult<Json<QualityJob>> {
    Ok(Json(visible_job(&state, &p, &job).ok_or(AppError::NotFound)?))
}

/// A run, with counts within the caller's scope.
#[derive(Serialize, ToSchema)]
pub struct RunOut {
    pub id: i64,
    /// The region checked (region-code prefix; "" = the whole installation).
    pub scope_prefix: String,
    pub scope_name: String,
    /// running | done | failed
    pub status: String,
    pub actor: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// The run it is compared with.
    pub previous_run_id: Option<i64>,
    pub rule_count: i64,
    pub households: i64,
    pub members: i64,
    pub findings: i64,
    pub errors: i64,
    pub warnings: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
    pub elapsed_ms: i64,
    /// Notes of the run (rules waiting for measure data, settings that could not be applied).
    pub message: Option<String>,
}

fn run_out(r: &RunSummary, names: &crate::regions::RegionNames) -> RunOut {
    RunOut {
        id: r.id,
        scope_prefix: r.scope_prefix.clone(),
        scope_name: prefix_name(names, &r.scope_prefix),
        status: r.status.clone(),
        actor: r.actor.clone(),
        started_at: r.started_at.clone(),
        finished_at: r.finished_at.clone(),
        previous_run_id: r.previous_run_id,
        rule_count: r.rule_count,
        households: r.households,
        members: r.members,
        findings: r.findings,
        errors: r.errors,
        warnings: r.warnings,
        new_findings: r.new_findings,
        fixed_findings: r.fixed_findings,
        elapsed_ms: r.elapsed_ms,
        message: r.message.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct RunList {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    /// Newest first.
    pub items: Vec<RunOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/quality/runs",
    tag = "quality",
    params(PageParams),
    responses(
        (status = 200, description = "Region runs the caller sees (over their region, inside it, or covering it), newest first; counts within the caller's scope", body = RunList),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn runs(State(state): State<AppState>, ApiUser(p): ApiUser, ApiQuery(q): ApiQuery<PageParams>) -> ApiResult<Json<RunList>> {
    p.require(Capability::ViewRegistry)?;
    let (scope, (offset, limit)) = (p.scope(), q.window());
    let (rows, total) = state.db.run(move |c, _| quality::runs(c, &scope, offset, limit).map_err(store_error)).await?;
    let names = state.names();
    Ok(Json(RunList { total, offset, limit, items: rows.iter().map(|r| run_out(r, &names)).collect() }))
}

/// Counts of one rule in a run (within the region asked for).
#[derive(Serialize, ToSchema)]
pub struct RuleCountOut {
    pub rule: String,
    pub title: String,
    pub group: String,
    /// error | warning
    pub severity: String,
    pub findings: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
}

/// Counts of one region one level below the region asked for.
#[derive(Serialize, ToSchema)]
pub struct RegionCountOut {
    /// Region-code prefix (township 9 digits, village 12): pass it as `region` to drill down.
    pub region: String,
    pub name: String,
    pub findings: i64,
    pub errors: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RunDetailOut {
    pub run: RunOut,
    /// The region the counts are for (prefix).
    pub region: String,
    pub region_name: String,
    pub by_rule: Vec<RuleCountOut>,
    pub by_region: Vec<RegionCountOut>,
    /// Rules that wait for assistance-measure data (not run).
    pub waiting_for_measures: Vec<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct RegionParams {
    /// A region inside the run and the caller's scope (township or village code); counts below it.
    pub region: String,
}

fn root_of(run: &RunSummary, scope: &str) -> String {
    if scope.len() > run.scope_prefix.len() { scope.to_string() } else { run.scope_prefix.clone() }
}

#[utoipa::path(
    get,
    path = "/api/v1/quality/runs/{id}",
    tag = "quality",
    params(("id" = i64, Path, description = "Run id"), RegionParams),
    responses(
        (status = 200, description = "The run with counts by rule and by region one level down", body = RunDetailOut),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such run the caller may see, or the region is outside it", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn run(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId, ApiQuery(q): ApiQuery<RegionParams>) -> ApiResult<Json<RunDetailOut>> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let detail = state
        .db
        .run(move |c, _| {
            let whole = quality::run_detail(c, &scope, id, None).map_err(store_error)?;
            match region_param(&q.region, &root_of(&whole.run, scope.prefix()))? {
                Some(r) => quality::run_detail(c, &scope, id, Some(&r)).map_err(store_error),
                None => Ok(whole),
            }
        })
        .await?;
    let names = state.names();
    let by_rule = detail
        .by_rule
        .iter()
        .map(|c| {
            let def = Rule::from_code(&c.rule_code).map(|r| r.def());
            RuleCountOut {
                rule: c.rule_code.clone(),
                title: def.map(|d| d.title).unwrap_or_default().into(),
                group: def.map(|d| d.group).unwrap_or_default().into(),
                severity: def.map(|d| d.severity.code()).unwrap_or("warning").into(),
                findings: c.findings,
                new_findings: c.new_findings,
                fixed_findings: c.fixed_findings,
            }
        })
        .collect();
    let by_region = detail
        .by_region
        .iter()
        .map(|r| RegionCountOut { region: r.code.clone(), name: r.name.clone(), findings: r.findings, errors: r.errors, new_findings: r.new_findings, fixed_findings: r.fixed_findings })
        .collect();
    Ok(Json(RunDetailOut {
        run: run_out(&detail.run, &names),
        region_name: prefix_name(&names, &detail.prefix),
        region: detail.prefix.clone(),
        by_rule,
        by_region,
        waiting_for_measures: Rule::ALL.iter().filter(|r| r.def().requires == Requires::Measures).map(|r| r.code().to_string()).collect(),
    }))
}

/// One finding. ID numbers in messages are masked.
#[derive(Serialize, ToSchema)]
pub struct FindingOut {
    pub rule: String,
    pub title: String,
    /// error | warning
    pub severity: String,
    pub region_code: String,
    pub township_name: String,
    pub village_name: String,
    pub household_id: i64,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    /// The member concerned; null when the finding is about the household.
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// new (not in the previous run) | open (still there) | fixed (in the previous run, gone now)
    pub state: String,
}

pub fn finding_out(r: &FindingRow) -> FindingOut {
    let def = r.rule().map(|x| x.def());
    FindingOut {
        rule: r.rule_code.clone(),
        title: def.map(|d| d.title).unwrap_or_default().into(),
        severity: r.severity.code().into(),
        region_code: r.region_code.clone(),
        township_name: r.township_name.clone(),
        village_name: r.village_name.clone(),
        household_id: r.household_id,
        household_no: r.household_no.clone(),
        head_name: r.head_name.clone(),
        member_id: r.member_id,
        member_name: r.member_name.clone(),
        message: r.message.clone(),
        fix: def.map(|d| d.fix).unwrap_or_default().into(),
        state: r.state.code().into(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct FindingPage {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    /// By village, household and rule.
    pub items: Vec<FindingOut>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct FindingParams {
    /// A rule code, e.g. AGE-05.
    pub rule: String,
    /// A region inside the run and the caller's scope.
    pub region: String,
    /// new | open | fixed; left out: new and open (what is still wrong).
    pub state: String,
    /// From 0.
    pub offset: i64,
    /// 1–200 (default 50).
    pub limit: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/quality/runs/{id}/findings",
    tag = "quality",
    params(("id" = i64, Path, description = "Run id"), FindingParams),
    responses(
        (status = 200, description = "A page of the run's findings in the caller's scope", body = FindingPage),
        (status = 400, description = "An unknown rule or state", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such run the caller may see, or the region is outside it", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn findings(State(state): State<AppState>, ApiUser(p): ApiUser, ApiId(id): ApiId, ApiQuery(q): ApiQuery<FindingParams>) -> ApiResult<Json<FindingPage>> {
    p.require(Capability::ViewRegistry)?;
    let rule = match q.rule.trim() {
        "" => None,
        t => Some(Rule::from_code(&t.to_uppercase()).ok_or_else(|| AppError::BadRequest(format!("没有编号为“{t}”的规则")))?.code().to_string()),
    };
    let finding_state = match q.state.trim() {
        "" => None,
        t => Some(FindingState::parse(t).ok_or_else(|| AppError::BadRequest(format!("state 应为 new、open 或 fixed，实际为“{t}”")))?),
    };
    let (scope, (offset, limit)) = (p.scope(), PageParams { offset: q.offset, limit: q.limit }.window());
    let (rows, total) = state
        .db
        .run(move |c, _| {
            let whole = quality::run_detail(c, &scope, id, None).map_err(store_error)?;
            let region = region_param(&q.region, &root_of(&whole.run, scope.prefix()))?;
            let filter = FindingFilter { region, rule, state: finding_state, household_id: None };
            quality::findings(c, &scope, id, &filter, offset, limit).map_err(store_error)
        })
        .await?;
    Ok(Json(FindingPage { total, offset, limit, items: rows.iter().map(finding_out).collect() }))
}

/// The result of checking one household now.
#[derive(Serialize, ToSchema)]
pub struct HouseholdCheck {
    pub household_id: i64,
    pub errors: usize,
    pub warnings: usize,
    /// Everything found (all `new`: a check of one household is not compared with earlier ones).
    pub findings: Vec<FindingOut>,
}

pub fn household_check(id: i64, rows: &[FindingRow]) -> HouseholdCheck {
    let errors = rows.iter().filter(|r| r.severity == Severity::Error).count();
    HouseholdCheck { household_id: id, errors, warnings: rows.len() - errors, findings: rows.iter().map(finding_out).collect() }
}

#[utoipa::path(
    post,
    path = "/api/v1/households/{id}/check",
    tag = "quality",
    params(("id" = i64, Path, description = "Household id"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    responses(
        (status = 200, description = "Checked now with the rules in force for its village (stored as that household's latest check)", body = HouseholdCheck),
        (status = 403, description = "The role may not run checks, or the CSRF token is missing", body = ErrorBody),
        (status = 404, description = "No such household in the caller's scope", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn check(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId) -> ApiResult<Json<HouseholdCheck>> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::RunChecks)?;
    let (scope, actor, today) = (p.scope(), p.actor(), chrono::Local::now().date_naive());
    let rows = state.db.run(move |c, keys| quality::check_household(c, keys, &actor, &scope, id, today).map_err(store_error)).await?;
    Ok(Json(household_check(id, &rows)))
}

/// The check that follows a change made through the API; `None` (logged) when it could not run —
/// the change stands either way.
pub async fn after_change(state: &AppState, p: &crate::auth::Principal, id: i64) -> Option<HouseholdCheck> {
    let (scope, actor, today) = (p.scope(), p.actor(), chrono::Local::now().date_naive());
    match state.db.run(move |c, keys| Ok(quality::check_household(c, keys, &actor, &scope, id, today)?)).await {
        Ok(rows) => Some(household_check(id, &rows)),
        Err(e) => {
            tracing::warn!(household = id, error = ?e, "check after an API change failed; the change stands");
            None
        }
    }
}
