//! The holiday calendar of a jurisdiction (ManageRules): its stored days edited as text, one date or
//! range per line (`parse_holiday_lines`), with the shipped national arrangements listed for
//! reference; parse errors name the line (422). Deadlines and notice periods count with it.

use super::store_error;
use crate::auth::{Principal, csrf};
use crate::error::AppResult;
use crate::handlers::edit::with_status;
use crate::handlers::quality::{jurisdiction, prefix_name};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::Capability;
use bangfu_domain::workflow::calendar::{CHINA_HOLIDAY_YEARS, DayKind, HolidayLine, china_holidays, parse_holiday_lines};
use bangfu_store::workflow::calendar;

/// A stored day as a line of the editable text.
pub fn line_of(l: &HolidayLine) -> String {
    match l.kind {
        DayKind::Holiday => format!("{} {}", l.date, l.name),
        DayKind::ExtraWorkday if l.name.contains("上班") || l.name.contains("补班") => format!("{} {}", l.date, l.name),
        DayKind::ExtraWorkday => format!("+{} {}", l.date, l.name),
    }
}

#[derive(Template)]
#[template(path = "wf_holidays.html")]
struct HolidaysPage {
    nav: Nav,
    prefix: String,
    place: String,
    pick_prefix: bool,
    text: String,
    national: Vec<String>,
    problems: Vec<String>,
    notice: String,
}

fn page(state: &AppState, p: &Principal, prefix: String, text: String, problems: Vec<String>, notice: String) -> HolidaysPage {
    let names = state.names();
    HolidaysPage {
        nav: Nav::new(p, &names, "definitions"),
        place: if prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &prefix) },
        pick_prefix: p.scope().prefix().is_empty(),
        prefix,
        text,
        national: CHINA_HOLIDAY_YEARS.iter().flat_map(|y| china_holidays(*y)).map(|l| line_of(&l)).collect(),
        problems,
        notice,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct HolidaysQuery {
    pub prefix: String,
    pub saved: String,
}

pub async fn show(State(state): State<AppState>, p: Principal, Query(q): Query<HolidaysQuery>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    let prefix = jurisdiction(&p, &q.prefix)?;
    let pre = prefix.clone();
    let lines = state.db.run(move |c, _| calendar::stored_lines(c, &pre).map_err(store_error)).await?;
    let text = lines.iter().map(line_of).collect::<Vec<_>>().join("\n");
    let notice = if q.saved.is_empty() { String::new() } else { "已保存（已记入审计日志）。新的办理时限和公示期按新日历计算。".into() };
    Ok(render(&page(&state, &p, prefix, text, Vec::new(), notice)))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct HolidaysForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub prefix: String,
    pub text: String,
}

pub async fn save(State(state): State<AppState>, p: Principal, Form(f): Form<HolidaysForm>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    csrf::check(&p, &f.csrf)?;
    let prefix = jurisdiction(&p, &f.prefix)?;
    let lines = match parse_holiday_lines(&f.text) {
        Ok(l) => l,
        Err(problems) => return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, prefix, f.text, problems, String::new()))),
    };
    let (actor, pre) = (p.actor(), prefix.clone());
    state.db.run(move |c, _| calendar::save_lines(c, &actor, &pre, &lines).map_err(store_error)).await?;
    Ok(Redirect::to(&format!("/workflow/holidays?saved=1&prefix={prefix}")).into_response())
}
