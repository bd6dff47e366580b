//! Public notices (公示), announcements (公告) and objections (异议) in the browser: the list of
//! notices (`/notices`), posting one for the cases waiting at a notice step or publishing an
//! announcement (`/notices/new`), a notice's page with its evidence photo, objections, resolve
//! forms and the close button (`/notices/{id}`), the A4 print page with QR code
//! (`/notices/{id}/print`), the objections list (`/objections`), and the no-login public page
//! where villagers read a notice and lodge an objection (`/g/{code}`, lookup `/g/r`).

pub mod objections;
pub mod pages;
pub mod print;
pub mod public;

use crate::auth::Principal;
use crate::handlers::workflow::ATTACHMENT_BODY_LIMIT;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use bangfu_domain::Role;
use bangfu_store::workflow::notices::{Notice, NoticeItem};
use chrono::{Datelike, NaiveDate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notices", get(pages::list).post(pages::create))
        .route("/notices/new", get(pages::new_form))
        .route("/notices/{id}", get(pages::show))
        .route("/notices/{id}/print", get(print::print))
        .route("/notices/{id}/close", post(pages::close))
        .route("/notices/{id}/reveal", post(pages::reveal))
        .route("/notices/{id}/objections", post(pages::lodge))
        .route("/notices/{id}/photos", post(pages::upload).layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)))
        .route("/notices/{id}/photos/{aid}", get(pages::photo))
        .route("/objections", get(objections::list))
        .route("/objections/{id}", get(objections::show))
        .route("/objections/{id}/resolve", post(objections::resolve))
        .route("/g/r", get(public::lookup))
        .route("/g/{code}", get(public::show).post(public::submit))
}

pub use crate::handlers::workflow::{store_error, today};

/// 2026-11-23 → 2026年11月23日.
pub fn cn_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// "2026年11月23日至2026年11月29日".
pub fn period(n: &Notice) -> String {
    format!("{}至{}", cn_date(n.starts_on), cn_date(n.ends_on))
}

/// "剩余 3 天" / "今天届满" / "已届满 2 天" (working days say so).
pub fn days_left_label(days: i64, working: bool) -> String {
    let unit = if working { "个工作日" } else { " 天" };
    match days {
        d if d > 0 => format!("剩余 {d}{unit}"),
        0 => "今天届满".into(),
        d => format!("已届满 {} 天", -d),
    }
}

/// The short label of a procedure on a notice's title.
pub fn procedure_short(code: &str) -> String {
    match code {
        "identification" => "贫困户识别".into(),
        "household_exit" => "贫困户退出".into(),
        "village_exit" => "贫困村出列".into(),
        "monitoring_identification" => "防返贫监测对象识别".into(),
        other => crate::handlers::workflow::procedure_title(other),
    }
}

/// A line of a notice as shown and printed: never ID numbers, phones, health or reasons.
pub struct ItemView {
    pub seq: i64,
    pub case_id: i64,
    pub name: String,
    pub group: String,
    pub item: String,
    pub amount: String,
    pub withdrawn: bool,
}

pub fn item_views(items: &[NoticeItem]) -> Vec<ItemView> {
    items
        .iter()
        .map(|i| ItemView {
            seq: i.seq,
            case_id: i.case_id,
            name: i.display_name.clone(),
            group: i.group_name.clone().unwrap_or_default(),
            item: i.item.clone().unwrap_or_default(),
            amount: i.amount.map(crate::views::yuan).unwrap_or_default(),
            withdrawn: i.withdrawn,
        })
        .collect()
}

/// The absolute public address of a notice, from the request's Host header.
pub fn public_url(headers: &HeaderMap, code: &str) -> String {
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    format!("{}://{host}/g/{code}", if https { "https" } else { "http" })
}

/// Township and county staff resolve objections.
pub fn can_resolve(p: &Principal) -> bool {
    matches!(p.role(), Role::TownshipStaff | Role::CountyOffice) && p.scope().prefix().len() <= 9
}

/// The region's name, or its code.
pub fn region_name(state: &AppState, code: &str) -> String {
    state.names().name(code).map(str::to_string).unwrap_or_else(|| code.to_string())
}

/// A stored UTC timestamp as local time ("2026-11-23 10:16"); the text as is when it does not parse.
pub fn local_time(stamp: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stamp)
        .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| stamp.chars().take(16).collect::<String>().replace('T', " "))
}
