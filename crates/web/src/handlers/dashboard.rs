//! The dashboard: the user's scope in numbers and SVG charts, each number linking to its households.

use crate::auth::Principal;
use crate::charts::{self, Bar, Bin, ChartOpts, Slice};
use crate::error::AppResult;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, label, thousands};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use bangfu_domain::Capability;
use bangfu_domain::event::EVENT_TYPE;
use bangfu_domain::vocab::{HOUSEHOLD_TYPE, MONITORING_CATEGORY, POVERTY_ATTRIBUTE, POVERTY_CAUSE, Vocabulary};
use bangfu_store::registry::dashboard::{self, Count, DashboardParams};

/// Income bin edges (元) of the distribution chart.
const INCOME_EDGES_YUAN: [i64; 9] = [0, 2000, 4000, 6000, 8000, 10000, 15000, 20000, 30000];

pub struct Stat {
    pub label: String,
    pub value: String,
    pub href: String,
}

pub struct RecentView {
    pub date: String,
    pub kind: String,
    pub household_id: i64,
    pub household_no: String,
    pub region: String,
    pub reason: String,
}

/// Open cases at one step of a procedure (流程办理), linking to the filtered case list.
pub struct WorkflowRow {
    pub procedure: String,
    pub step: String,
    pub open: i64,
    pub overdue: i64,
    pub href: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    workflow: Vec<WorkflowRow>,
    stats: Vec<Stat>,
    charts: Vec<String>,
    recent: Vec<RecentView>,
    income_year: String,
}

fn bars(v: &Vocabulary, rows: &[(Option<String>, Count)], param: &str) -> Vec<Bar> {
    rows.iter()
        .map(|(code, c)| Bar {
            label: if code.is_some() { label(v, code.as_deref()) } else { "未填".into() },
            value: c.households as f64,
            href: code.as_ref().map(|c| format!("/households?{param}={c}")),
        })
        .collect()
}

pub async fn show(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let line = state.income_line_fen();
    let params = DashboardParams { income_edges: INCOME_EDGES_YUAN.iter().map(|y| y * 100).collect(), income_line: line, recent: 12 };
    let cache = state.dashboards.clone();
    let quality_cache = state.quality_latest.clone();
    let (d, quality, compliance, workflow) = state
        .db
        .run(move |c, _| {
            // the whole county's dashboard takes a second on a million members: computed once per data version
            let version = bangfu_store::audit::latest_id(c)?;
            let key = format!("{}|{params:?}", scope.prefix());
            let d = match cache.get(&key, version) {
                Some(d) => d,
                None => cache.put(key, version, dashboard::dashboard(c, &scope, &params)?),
            };
            // errors of the newest run covering the scope (a run writes the audit trail, so the version moves)
            let quality = match quality_cache.get(scope.prefix(), version) {
                Some(q) => *q,
                None => match bangfu_store::quality::latest_errors(c, &scope) {
                    Ok(q) => *quality_cache.put(scope.prefix().to_string(), version, q.map(|(run, errors)| (run.id, errors))),
                    Err(e) => {
                        tracing::warn!(error = %e, "quality stat unavailable");
                        None
                    }
                },
            };
            // coverage and this month's visits (考核): two counting statements, cached per data version
            let month = bangfu_domain::compliance::Month::of(chrono::Local::now().date_naive());
            let ckey = format!("{}|{}", scope.prefix(), month.code());
            let compliance = match crate::handlers::compliance::dashboard_cached(&ckey, version) {
                Some(x) => Some(x),
                None => match bangfu_store::compliance::dashboard_counts(c, &scope, month, chrono::Local::now().date_naive()) {
                    Ok(x) => Some(crate::handlers::compliance::dashboard_store(ckey, version, x)),
                    Err(e) => {
                        tracing::warn!(error = %e, "compliance stats unavailable");
                        None
                    }
                },
            };
            // open cases per procedure and step (流程办理): one grouped count over the open cases
            let workflow = bangfu_store::workflow::stats::counts(c, &scope, chrono::Local::now().date_naive()).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "workflow counts unavailable");
                Vec::new()
            });
            Ok((d, quality, compliance, workflow))
        })
        .await?;
    let names = state.names();
    let monitored: i64 = d.by_monitoring_category.iter().filter(|(c, _)| c.is_some()).map(|(_, c)| c.households).sum();
    let mut stats = vec![
        Stat { label: "在册户数".into(), value: thousands(d.totals.households), href: "/households".into() },
        Stat { label: "在册人数".into(), value: thousands(d.totals.people), href: "/households".into() },
        Stat { label: "监测对象户数".into(), value: thousands(monitored), href: "/households?monitored=1".into() },
        Stat { label: "两不愁三保障未达标户数".into(), value: thousands(d.guarantees.any), href: "/households?guarantee_unmet=1".into() },
    ];
    if let Some(i) = &d.income {
        stats.push(Stat { label: format!("人均纯收入低于 {} 元户数", state.config.income_line_yuan), value: thousands(i.below_line), href: "/households?income_below=1".into() });
    }
    stats.push(match quality {
        Some((run, errors)) => Stat { label: "数据质量错误（最近一次检查）".into(), value: thousands(errors), href: format!("/quality/runs/{run}") },
        None => Stat { label: "数据质量：尚无覆盖全范围的检查".into(), value: "—".into(), href: "/quality".into() },
    });
    if let Some(x) = compliance {
        stats.push(Stat { label: "未落实帮扶责任人户数".into(), value: thousands(x.households_without_helper), href: "/pairing/coverage/households".into() });
        stats.push(Stat { label: "本月结对户走访率".into(), value: if x.pairs > 0 { format!("{:.1}%", x.visit_rate()) } else { "—".into() }, href: "/compliance".into() });
    }
    let mut charts = Vec::new();
    let type_slices: Vec<Slice> = d
        .by_household_type
        .iter()
        .map(|(code, c)| Slice { label: label(&HOUSEHOLD_TYPE, code.as_deref()), value: c.households as f64, href: code.as_ref().map(|c| format!("/households?household_type={c}")), color: None })
        .collect();
    charts.push(charts::donut("按户类型（户）", &type_slices, &ChartOpts::unit("户")));
    let region_bars: Vec<Bar> = d
        .by_region
        .iter()
        .map(|r| Bar { label: r.name.clone().unwrap_or_else(|| names.path(&r.code)), value: r.count.households as f64, href: Some(format!("/households?region={}", r.code)) })
        .collect();
    charts.push(charts::bar_chart("按区划（户）", &region_bars, &ChartOpts::unit("户")));
    charts.push(charts::bar_chart("按主要致贫原因（户）", &bars(&POVERTY_CAUSE, &d.by_cause, "cause"), &ChartOpts::unit("户")));
    charts.push(charts::bar_chart("按贫困户属性（户）", &bars(&POVERTY_ATTRIBUTE, &d.by_poverty_attribute, "poverty_attribute"), &ChartOpts::unit("户")));
    let g = &d.guarantees;
    let gbars = vec![
        Bar { label: "不愁吃不愁穿".into(), value: g.food_clothing as f64, href: Some("/households?guarantee_unmet=1".into()) },
        Bar { label: "义务教育有保障".into(), value: g.education as f64, href: Some("/households?guarantee_unmet=1".into()) },
        Bar { label: "基本医疗有保障".into(), value: g.medical as f64, href: Some("/households?guarantee_unmet=1".into()) },
        Bar { label: "住房安全有保障".into(), value: g.housing as f64, href: Some("/households?guarantee_unmet=1".into()) },
    ];
    charts.push(charts::bar_chart("两不愁三保障未达标（户）", &gbars, &ChartOpts::unit("户")));
    if d.by_monitoring_category.iter().any(|(c, _)| c.is_some()) {
        let m: Vec<(Option<String>, Count)> = d.by_monitoring_category.iter().filter(|(c, _)| c.is_some()).cloned().collect();
        charts.push(charts::bar_chart("监测对象类别（户）", &bars(&MONITORING_CATEGORY, &m, "monitoring_category"), &ChartOpts::unit("户")));
    }
    let mut income_year = String::new();
    if let Some(i) = &d.income {
        income_year = i.year.to_string();
        let bins: Vec<Bin> = i
            .bins
            .iter()
            .map(|b| Bin {
                from: b.from.unwrap_or(0) as f64 / 100.0,
                to: b.to.map(|t| t as f64 / 100.0).unwrap_or_else(|| b.from.unwrap_or(0) as f64 / 100.0 + 10000.0),
                count: b.households,
                href: b.to.filter(|t| *t <= line).map(|_| "/households?income_below=1".to_string()),
            })
            .collect();
        let line_label = format!("监测线 {} 元", state.config.income_line_yuan);
        charts.push(charts::histogram(&format!("{} 年人均纯收入分布（户）", i.year), &bins, Some((line as f64 / 100.0, &line_label)), &ChartOpts::unit("户")));
    }
    let recent = d
        .recent
        .iter()
        .map(|e| RecentView {
            date: e.effective_on.to_string(),
            kind: label(&EVENT_TYPE, Some(&e.event_type)),
            household_id: e.household_id,
            household_no: e.household_no.clone().unwrap_or_default(),
            region: names.path(&e.region_code),
            reason: e.reason.clone(),
        })
        .collect();
    let workflow = workflow
        .iter()
        .map(|w| WorkflowRow {
            procedure: w.procedure_title.clone(),
            step: w.step_title.clone(),
            open: w.open,
            overdue: w.overdue,
            href: format!("/cases?procedure={}&step={}&status=open", crate::views::urlencode(&w.procedure), crate::views::urlencode(&w.step_key)),
        })
        .collect();
    Ok(render(&DashboardPage { nav: Nav::new(&p, &names, "dashboard"), workflow, stats, charts, recent, income_year }))
}
