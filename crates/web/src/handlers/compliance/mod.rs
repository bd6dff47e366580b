//! Compliance of field work (考核/台账) in the browser: the month of a scope with rates per
//! township or village, who is behind and the overdue lists, with drill-down (`/compliance`); a
//! helper's own "what is due" (`/my/due`, the logged-in user's helper record) and any helper's in
//! scope (`/compliance/helpers/{id}`); the monthly ledgers as xlsx (audited exports); and the rule
//! parameters per jurisdiction (`/compliance/settings`, changed by ManageRules users, audited).

use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::quality::{jurisdiction, prefix_name, store_error};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bangfu_domain::compliance::{Month, Rule};
use bangfu_domain::{Capability, RegionCode, RegionScope};
use bangfu_store::StoreError;
use bangfu_store::compliance::{self, AreaRow, Due, HouseholdLine, MonthlyRequest, Tally};

/// Rows shown in each list of the month page.
pub const LIST_LIMIT: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/compliance", get(show))
        .route("/compliance/helpers/{id}", get(helper_due))
        .route("/compliance/ledger.xlsx", get(ledger))
        .route("/compliance/settings", get(settings).post(save_setting))
        .route("/compliance/settings/remove", post(remove_setting))
        .route("/my/due", get(my_due))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    pub month: String,
    pub region: String,
    pub kind: String,
}

pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// The month asked for (default: this month); a bad month is a 400 in Chinese.
pub fn month_of(text: &str) -> AppResult<Month> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Month::of(today()));
    }
    Month::parse(t).ok_or_else(|| AppError::BadRequest(format!("月份“{t}”无效：请写成 2025-06 这样的年月")))
}

/// The scope narrowed to `region` (must lie inside the caller's scope, else 404).
pub fn scope_of(p: &Principal, region: &str) -> AppResult<RegionScope> {
    let scope = p.scope();
    let t = region.trim();
    if t.is_empty() {
        return Ok(scope);
    }
    let code = RegionCode::parse(t).map_err(|_| AppError::NotFound)?;
    if scope.prefix().starts_with(code.prefix()) {
        return Ok(scope);
    }
    if !scope.contains(&code) {
        return Err(AppError::NotFound);
    }
    Ok(RegionScope::of(&code))
}

pub struct AreaView {
    pub code: String,
    pub name: String,
    pub href: String,
    pub visits: String,
    pub visit_rate: f64,
    pub low: bool,
    pub households: i64,
    pub overdue: i64,
    pub cadres: String,
    pub units: String,
    pub leaders: String,
    pub team: String,
}

fn tally(t: &Tally) -> String {
    if t.due == 0 { "—".into() } else { format!("{}/{}（{:.1}%）", t.met, t.due, t.rate()) }
}

fn area_view(a: &AreaRow, month: Month, drill: bool) -> AreaView {
    AreaView {
        code: a.code.clone(),
        name: a.name.clone(),
        href: if drill { format!("/compliance?month={}&region={}", month.code(), a.code) } else { String::new() },
        visits: tally(&a.visits),
        visit_rate: a.visits.rate(),
        low: a.visits.due > 0 && a.visits.rate() < 90.0,
        households: a.households,
        overdue: a.overdue,
        cadres: tally(&a.cadres),
        units: tally(&a.units),
        leaders: tally(&a.leaders),
        team: tally(&a.team),
    }
}

pub struct HelperView {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub village: String,
    pub households: i64,
    pub visited: i64,
    pub visits: i64,
    pub note: String,
    pub href: String,
}

pub struct LineView {
    pub village: String,
    pub household_id: i64,
    pub household_no: String,
    pub head: String,
    pub helper: String,
    pub last_visit: String,
    pub days: String,
}

fn line_view(l: &HouseholdLine) -> LineView {
    LineView {
        village: l.village_name.clone().unwrap_or_else(|| l.village_code.clone()),
        household_id: l.household_id,
        household_no: l.household_no.clone().unwrap_or_default(),
        head: l.head_name.clone().unwrap_or_default(),
        helper: l.helper_name.clone().unwrap_or_default(),
        last_visit: l.last_visit.map(|d| d.to_string()).unwrap_or_else(|| "从未走访".into()),
        days: l.days_since.map(|d| format!("{d} 天")).unwrap_or_default(),
    }
}

pub struct UnitView {
    pub unit: String,
    pub village: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct MonthPage {
    nav: Nav,
    month: String,
    month_label: String,
    region: String,
    place: String,
    as_of: String,
    rules: Vec<String>,
    problems: Vec<String>,
    total: AreaView,
    level: &'static str,
    areas: Vec<AreaView>,
    behind: Vec<HelperView>,
    behind_total: usize,
    not_visited: Vec<LineView>,
    not_visited_total: i64,
    overdue: Vec<LineView>,
    overdue_total: i64,
    no_visit_days: i64,
    absent_units: Vec<UnitView>,
    has_helper: bool,
    /// Stints and exchanges of the month's school year.
    stint_year: i32,
    stint_count: i64,
    stint_problems: Vec<compliance::StintLine>,
    exchanges: Vec<compliance::ExchangeLine>,
}

pub async fn show(State(state): State<AppState>, p: Principal, Query(q): Query<MonthQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let month = month_of(&q.month)?;
    let scope = scope_of(&p, &q.region)?;
    let user_id = p.user.id;
    let s2 = scope.clone();
    let (r, has_helper, stints) = state
        .db
        .run(move |c, _| {
            let r = compliance::monthly(c, &MonthlyRequest { scope: &s2, month, today: today(), list_limit: LIST_LIMIT }).map_err(store_error)?;
            let h = compliance::helper_of_user(c, user_id).map_err(store_error)?;
            let year = bangfu_domain::compliance::rules::school_year(month.first_day());
            let stints = compliance::stints(c, &s2, year).map_err(store_error)?;
            Ok((r, h.is_some(), stints))
        })
        .await?;
    let names = state.names();
    let village_level = scope.prefix().len() >= 9;
    let (level, areas): (&'static str, Vec<AreaView>) = if village_level {
        ("村", r.villages.iter().map(|v| area_view(v, month, v.code != scope.prefix())).collect())
    } else {
        ("乡镇", r.townships.iter().map(|t| area_view(t, month, true)).collect())
    };
    let behind: Vec<HelperView> = r
        .helpers_behind()
        .take(LIST_LIMIT)
        .map(|h| HelperView {
            id: h.helper_id,
            name: h.name.clone(),
            unit: h.unit_name.clone().unwrap_or_default(),
            village: names.path(&h.village_code),
            households: h.households,
            visited: h.visited,
            visits: h.visits_month,
            note: if h.cadre && h.visits_month < h.visits_required { format!("走访不足 {} 次", h.visits_required) } else { String::new() },
            href: format!("/compliance/helpers/{}?month={}", h.helper_id, month.code()),
        })
        .collect();
    let ps = &r.params;
    let rules = vec![
        format!("{} 每户每月走访 ≥ {} 次", Rule::HouseholdMonthlyVisit.code(), ps.get("visit_per_household_month")),
        format!("{} 超过 {} 天未走访列入", Rule::NoVisitDays.code(), ps.get("no_visit_days")),
        format!("{} 帮扶干部每月走访 ≥ {} 次", Rule::CadreMonthlyVisits.code(), ps.get("cadre_visits_month")),
        format!("{} 主要领导每月到村 ≥ {} 天，{} 班子成员 ≥ {} 天", Rule::MainLeaderDays.code(), ps.get("main_leader_days_month"), Rule::LeadershipDays.code(), ps.get("leadership_days_month")),
        format!("{} 单位连续 {} 个月未到村报乡镇", Rule::UnitAbsentQuarter.code(), ps.get("unit_absent_months")),
    ];
    let mut problems = r.problems.clone();
    for (prefix, _) in &r.parts {
        problems.push(format!("{} 有本辖区的考核参数，按其设置计算", prefix_name(&names, prefix)));
    }
    let page = MonthPage {
        nav: Nav::new(&p, &names, "compliance"),
        month: month.code(),
        month_label: month.label(),
        region: q.region.trim().to_string(),
        place: if scope.prefix().is_empty() { "全部区划".into() } else { prefix_name(&names, scope.prefix()) },
        as_of: r.as_of.to_string(),
        rules,
        problems,
        total: area_view(&r.total, month, false),
        level,
        areas,
        behind_total: r.helpers_behind().count(),
        behind,
        not_visited: r.not_visited.iter().map(line_view).collect(),
        not_visited_total: r.not_visited_total,
        overdue: r.overdue.iter().map(line_view).collect(),
        overdue_total: r.overdue_total,
        no_visit_days: ps.get("no_visit_days"),
        absent_units: r.units.iter().filter(|u| u.absent).take(LIST_LIMIT).map(|u| UnitView { unit: u.unit_name.clone(), village: names.path(&u.village_code), since: u.window_from.to_string() }).collect(),
        has_helper,
        stint_year: stints.school_year,
        stint_count: stints.stints,
        stint_problems: stints.problems.into_iter().take(LIST_LIMIT).collect(),
        exchanges: stints.exchanges,
    };
    Ok(render(&page))
}

pub struct DueView {
    pub household_id: i64,
    pub household_no: String,
    pub head: String,
    pub village: String,
    pub visits: String,
    pub my_last: String,
    pub last: String,
    pub state: &'static str,
    pub class: &'static str,
}

#[derive(Template)]
#[template(path = "compliance_due.html")]
struct DuePage {
    nav: Nav,
    own: bool,
    found: bool,
    helper_id: i64,
    name: String,
    unit: String,
    month: String,
    month_label: String,
    as_of: String,
    total: usize,
    done: usize,
    visits: i64,
    cadre_required: String,
    items: Vec<DueView>,
}

fn due_page(nav: Nav, own: bool, d: Option<Due>, month: Month) -> DuePage {
    let Some(d) = d else {
        return DuePage { nav, own, found: false, helper_id: 0, name: String::new(), unit: String::new(), month: month.code(), month_label: month.label(), as_of: String::new(), total: 0, done: 0, visits: 0, cadre_required: String::new(), items: Vec::new() };
    };
    let items = d
        .items
        .iter()
        .map(|i| DueView {
            household_id: i.household_id,
            household_no: i.household_no.clone().unwrap_or_default(),
            head: i.head_name.clone().unwrap_or_default(),
            village: i.village_name.clone().unwrap_or_else(|| i.village_code.clone()),
            visits: format!("{}/{}", i.visits_month, i.visits_required),
            my_last: i.my_last_visit.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
            last: match (i.last_visit, i.days_since) {
                (Some(x), Some(n)) => format!("{x}（{n} 天前）"),
                _ => "从未走访".into(),
            },
            state: if i.done { "本月已走访" } else if i.overdue { "超期未走访" } else { "本月待走访" },
            class: if i.done { "badge ok" } else if i.overdue { "badge danger" } else { "badge warn" },
        })
        .collect();
    DuePage {
        nav,
        own,
        found: true,
        helper_id: d.helper_id,
        name: d.name.clone(),
        unit: d.unit_name.clone().unwrap_or_default(),
        month: month.code(),
        month_label: month.label(),
        as_of: d.as_of.to_string(),
        total: d.items.len(),
        done: d.done_count(),
        visits: d.visits_month,
        cadre_required: d.cadre_visits_required.map(|n| n.to_string()).unwrap_or_default(),
        items,
    }
}

/// The logged-in user's own due list (their helper record's pairings, wherever they are).
pub async fn my_due(State(state): State<AppState>, p: Principal, Query(q): Query<MonthQuery>) -> AppResult<Response> {
    let month = month_of(&q.month)?;
    let user_id = p.user.id;
    let d = state
        .db
        .run(move |c, _| {
            Ok(match compliance::helper_of_user(c, user_id).map_err(store_error)? {
                Some(h) => compliance::due(c, &RegionScope::all(), h, month, today()).map_err(store_error)?,
                None => None,
            })
        })
        .await?;
    Ok(render(&due_page(Nav::new(&p, &state.names(), "compliance"), true, d, month)))
}

/// A helper's due list as seen from a scope (404 when the helper has nothing in it).
pub async fn helper_due(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<MonthQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let month = month_of(&q.month)?;
    let scope = p.scope();
    let d = state.db.run(move |c, _| compliance::due(c, &scope, id, month, today()).map_err(store_error)).await?;
    if d.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(render(&due_page(Nav::new(&p, &state.names(), "compliance"), false, d, month)))
}

/// The month's 走访台账 (`kind=visit`) or 帮扶工作台账 (`kind=work`) of a scope as xlsx; audited.
pub async fn ledger(State(state): State<AppState>, p: Principal, Query(q): Query<MonthQuery>) -> AppResult<Response> {
    use crate::handlers::pairing::Temp;
    use crate::handlers::transfer::{XLSX, file_response, open, random_id};
    p.require(Capability::Export)?;
    let month = month_of(&q.month)?;
    let scope = scope_of(&p, &q.region)?;
    let visit = match q.kind.as_str() {
        "" | "visit" => true,
        "work" => false,
        other => return Err(AppError::BadRequest(format!("台账类型“{other}”无效：visit（走访台账）或 work（帮扶工作台账）"))),
    };
    let names = state.names();
    let place = if scope.prefix().is_empty() { String::new() } else { prefix_name(&names, scope.prefix()) };
    let download = format!("{place}{}{}.xlsx", month.label(), if visit { "走访台账" } else { "帮扶工作台账" });
    let dir = state.config.data_dir.join("exports");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
    let path = dir.join(format!("{}.xlsx", random_id()));
    let temp = Temp(Some(path.clone()));
    let (target, actor, name) = (path.clone(), p.actor(), download.clone());
    state
        .db
        .run(move |c, _| {
            let sheet_err = |e: bangfu_sheets::SheetError| AppError::Internal(format!("ledger: {e}"));
            let rows = if visit {
                let rows = compliance::visit_ledger(c, &scope, month).map_err(store_error)?;
                bangfu_exchange::ledgers::write_visit_ledger(&target, &place, month, &rows).map_err(sheet_err)?;
                rows.len()
            } else {
                let rows = compliance::work_ledger(c, &scope, month, today()).map_err(store_error)?;
                bangfu_exchange::ledgers::write_work_ledger(&target, &place, month, &rows).map_err(sheet_err)?;
                rows.len()
            };
            c.begin()?;
            let r = bangfu_store::audit::record(c, &actor, bangfu_store::audit::Entry {
                region_code: Some(scope.prefix()).filter(|s| !s.is_empty()),
                entity: "export",
                entity_id: Some(format!("{}@{}", month.code(), scope.prefix())),
                action: if visit { "export_visit_ledger" } else { "export_work_ledger" },
                before: None,
                after: Some(serde_json::json!({"file": name, "rows": rows}).to_string()),
            });
            match r {
                Ok(()) => c.commit()?,
                Err(e) => {
                    let _ = c.rollback();
                    return Err(e.into());
                }
            }
            Ok(())
        })
        .await?;
    let (file, len) = open(&path).await?;
    drop(temp);
    Ok(file_response(file, Some(len), &download, XLSX))
}

pub struct ParamView {
    pub code: &'static str,
    pub title: &'static str,
    pub key: &'static str,
    pub label: &'static str,
    pub value: i64,
    pub default: i64,
    pub from: String,
    pub basis: &'static str,
    pub own: bool,
}

pub struct StoredView {
    pub key: String,
    pub prefix: String,
    pub place: String,
    pub value: String,
    pub basis: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "compliance_settings.html")]
struct SettingsPage {
    nav: Nav,
    prefix: String,
    place: String,
    can_manage: bool,
    params: Vec<ParamView>,
    stored: Vec<StoredView>,
    problems: Vec<String>,
    notice: String,
}

async fn settings_page(state: &AppState, p: &Principal, prefix: String, problems: Vec<String>, notice: String) -> AppResult<SettingsPage> {
    let pre = prefix.clone();
    let (params, stored, mut probs) = state
        .db
        .run(move |c, _| {
            let (params, probs) = compliance::settings::params_for(c, &pre).map_err(store_error)?;
            let stored = compliance::settings::stored(c).map_err(store_error)?;
            Ok((params, stored, probs))
        })
        .await?;
    probs.extend(problems);
    let names = state.names();
    let scope = p.scope();
    let views = bangfu_domain::compliance::catalog::all_params()
        .map(|(r, d)| {
            let from = params.from.get(d.key).cloned().flatten();
            ParamView {
                code: r.code(),
                title: r.title(),
                key: d.key,
                label: d.label,
                value: params.get(d.key),
                default: d.default,
                own: from.as_deref() == Some(prefix.as_str()),
                from: match from {
                    Some(f) => format!("{}设置", if f.is_empty() { "全系统".into() } else { prefix_name(&names, &f) }),
                    None => "默认".into(),
                },
                basis: d.basis,
            }
        })
        .collect();
    let stored = stored
        .into_iter()
        .filter(|s| s.region_prefix.starts_with(scope.prefix()) || scope.prefix().starts_with(&s.region_prefix))
        .map(|s| StoredView {
            place: if s.region_prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &s.region_prefix) },
            key: s.key,
            prefix: s.region_prefix,
            value: s.value,
            basis: s.basis.unwrap_or_default(),
            updated: format!("{} {}", s.updated_at.get(..10).unwrap_or_default(), s.updated_by),
        })
        .collect();
    Ok(SettingsPage {
        nav: Nav::new(p, &names, "compliance"),
        place: if prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &prefix) },
        prefix,
        can_manage: p.can(Capability::ManageRules),
        params: views,
        stored,
        problems: probs,
        notice,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SettingsQuery {
    pub prefix: String,
    pub saved: String,
}

pub async fn settings(State(state): State<AppState>, p: Principal, Query(q): Query<SettingsQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let prefix = jurisdiction(&p, &q.prefix)?;
    let notice = if q.saved.is_empty() { String::new() } else { "已保存（已记入审计日志）".into() };
    Ok(render(&settings_page(&state, &p, prefix, Vec::new(), notice).await?))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SettingForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub prefix: String,
    pub key: String,
    pub value: String,
    pub basis: String,
}

pub async fn save_setting(State(state): State<AppState>, p: Principal, Form(f): Form<SettingForm>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    csrf::check(&p, &f.csrf)?;
    let prefix = jurisdiction(&p, &f.prefix)?;
    let (actor, pre, key, value, basis) = (p.actor(), prefix.clone(), f.key.clone(), f.value.clone(), f.basis.trim().to_string());
    let r = state
        .db
        .run(move |c, _| match compliance::settings::save(c, &actor, &key, &pre, &value, Some(basis.as_str()).filter(|b| !b.is_empty())) {
            Ok(_) => Ok(Ok(())),
            Err(StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(e.into()),
        })
        .await?;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/compliance/settings?saved=1&prefix={prefix}")).into_response()),
        Err(m) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &settings_page(&state, &p, prefix, vec![m], String::new()).await?)),
    }
}

pub async fn remove_setting(State(state): State<AppState>, p: Principal, Form(f): Form<SettingForm>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    csrf::check(&p, &f.csrf)?;
    let prefix = jurisdiction(&p, &f.prefix)?;
    let (actor, pre, key) = (p.actor(), prefix.clone(), f.key.clone());
    state.db.run(move |c, _| compliance::settings::remove(c, &actor, &key, &pre).map_err(store_error)).await?;
    Ok(Redirect::to(&format!("/compliance/settings?saved=1&prefix={prefix}")).into_response())
}

type DashboardCache = std::sync::Mutex<std::collections::HashMap<String, (i64, bangfu_store::compliance::DashboardCounts)>>;

fn dashboard_cache() -> &'static DashboardCache {
    static CACHE: std::sync::OnceLock<DashboardCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The dashboard's compliance numbers for a scope and month, if computed at this data version.
pub fn dashboard_cached(key: &str, version: i64) -> Option<bangfu_store::compliance::DashboardCounts> {
    let c = dashboard_cache().lock().ok()?;
    c.get(key).filter(|(v, _)| *v == version).map(|(_, x)| *x)
}

/// Keeps the dashboard's compliance numbers for a scope and month at this data version.
pub fn dashboard_store(key: String, version: i64, x: bangfu_store::compliance::DashboardCounts) -> bangfu_store::compliance::DashboardCounts {
    if let Ok(mut c) = dashboard_cache().lock() {
        if c.len() > 1000 {
            c.clear();
        }
        c.insert(key, (version, x));
    }
    x
}
