//! Starting a campaign: year, title, start, the default deadline, and per-village deadlines as
//! lines "村代码或村名 日期" (errors name the line). Opens one case per active household of the
//! county and goes to the progress page.

use super::may_start;
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::quality::store_error;
use crate::handlers::render;
use crate::regions::RegionNames;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::{Capability, RegionCode, RegionLevel, RegionScope};
use bangfu_store::StoreError;
use bangfu_store::workflow::campaigns::{self, NewCampaign};
use chrono::{Datelike, NaiveDate};

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct CampaignForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub year: String,
    pub title: String,
    pub starts_on: String,
    pub due_on: String,
    pub deadlines: String,
}

#[derive(Template)]
#[template(path = "campaign_form.html")]
struct FormPage {
    nav: Nav,
    county: String,
    f: CampaignForm,
    error: String,
}

fn require(p: &Principal) -> AppResult<()> {
    p.require(Capability::EditRegistry)?;
    if !may_start(p) {
        return Err(AppError::Forbidden("动态调整由县帮扶办在本县范围内发起：请切换到县帮扶办角色".into()));
    }
    Ok(())
}

fn page(state: &AppState, p: &Principal, f: CampaignForm, error: String) -> FormPage {
    let names = state.names();
    FormPage { nav: Nav::new(p, &names, "cases"), county: names.scope_label(&p.grant.region_code), f, error }
}

/// GET /campaigns/new
pub async fn new(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    require(&p)?;
    let today = bangfu_store::activity::today_china();
    let f = CampaignForm {
        year: today.year().to_string(),
        title: format!("{} 年度动态调整", today.year()),
        starts_on: today.to_string(),
        due_on: (today + chrono::Duration::days(30)).to_string(),
        ..Default::default()
    };
    Ok(render(&page(&state, &p, f, String::new())))
}

/// A date as typed: 2026-12-20, 2026/12/20 or 2026.12.20.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim().replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()
}

/// The per-village deadlines, one per line ("村代码或村名 日期"); villages are looked up in the county.
pub fn parse_deadlines(text: &str, county: &RegionScope, names: &RegionNames) -> Result<Vec<(String, NaiveDate)>, String> {
    let villages = names.children(county, RegionLevel::Village);
    let mut out: Vec<(String, NaiveDate)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((who, date)) = line.rsplit_once(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '\t') else {
            return Err(format!("第 {n} 行“{line}”：请写成“村代码或村名 日期”，如“大坪村 2026-12-20”"));
        };
        let (who, date) = (who.trim().trim_end_matches([',', '，']), date.trim());
        let due = parse_date(date).ok_or_else(|| format!("第 {n} 行：日期“{date}”无效，请按 2026-12-20 的格式填写"))?;
        let code = if who.chars().all(|c| c.is_ascii_digit()) && !who.is_empty() {
            let code = RegionCode::parse(who).map_err(|_| format!("第 {n} 行：村代码“{who}”无效（应为 12 位）"))?;
            if code.level() != RegionLevel::Village || !county.contains(&code) {
                return Err(format!("第 {n} 行：“{who}”不是本县的村"));
            }
            code.as_str().to_string()
        } else {
            let found: Vec<&(String, String)> = villages.iter().filter(|(_, name)| name == who).collect();
            match found.as_slice() {
                [one] => one.0.clone(),
                [] => return Err(format!("第 {n} 行：本县没有名为“{who}”的村，请核对村名或填写村代码")),
                many => return Err(format!("第 {n} 行：本县有 {} 个村名为“{who}”，请填写村代码（如 {}）", many.len(), many.iter().map(|v| v.0.as_str()).collect::<Vec<_>>().join("、"))),
            }
        };
        if out.iter().any(|(c, _)| *c == code) {
            return Err(format!("第 {n} 行：“{who}”的截止日期已在前面填过"));
        }
        out.push((code, due));
    }
    Ok(out)
}

fn to_new(f: &CampaignForm, county: &RegionCode, names: &RegionNames) -> Result<NewCampaign, String> {
    let year: i64 = f.year.trim().parse().map_err(|_| format!("年度“{}”无效", f.year.trim()))?;
    let starts_on = parse_date(&f.starts_on).ok_or_else(|| format!("开始日期“{}”无效，请按 2026-11-20 的格式填写", f.starts_on.trim()))?;
    let due_on = parse_date(&f.due_on).ok_or_else(|| format!("截止日期“{}”无效，请按 2026-12-20 的格式填写", f.due_on.trim()))?;
    let village_deadlines = parse_deadlines(&f.deadlines, &RegionScope::of(county), names).map_err(|e| format!("各村截止日期：{e}"))?;
    Ok(NewCampaign { region_code: county.as_str().to_string(), year, title: f.title.trim().to_string(), starts_on, due_on, village_deadlines })
}

/// POST /campaigns: starts the campaign (one case per active household) and shows its progress.
pub async fn submit(State(state): State<AppState>, p: Principal, Form(f): Form<CampaignForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    require(&p)?;
    let county = RegionCode::parse(&p.grant.region_code).map_err(|_| AppError::Forbidden("动态调整由县帮扶办在本县范围内发起".into()))?;
    let n = match to_new(&f, &county, &state.names()) {
        Ok(n) => n,
        Err(msg) => return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, f, msg))),
    };
    let (actor, who) = (p.actor(), p.decider());
    let today = bangfu_store::activity::today_china();
    let started = std::time::Instant::now();
    let r = state.db.run(move |c, _| Ok(campaigns::start_campaign(c, &actor, &who, &n, today))).await?;
    match r {
        Ok(id) => {
            tracing::info!(campaign = id, ms = started.elapsed().as_millis() as u64, "campaign started");
            Ok(Redirect::to(&format!("/campaigns/{id}?saved=1")).into_response())
        }
        Err(StoreError::Invalid(msg)) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, f, msg))),
        Err(e) => Err(store_error(e)),
    }
}
