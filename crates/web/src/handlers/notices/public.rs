//! The public page of a notice, without login (`/g/{code}`): the notice as printed (mobile layout,
//! status and days left) and, while it is posted, the objection form — protected by a
//! double-submit CSRF cookie and limited per client (a keyed hash of the address, never the address
//! itself) and per notice. The reference number leads to the lookup page (`/g/r?ref=…`).

use super::{ItemView, cn_date, days_left_label, item_views, period, store_error, today};
use crate::auth;
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_store::audit::Actor;
use bangfu_store::users;
use bangfu_store::workflow::calendar;
use bangfu_store::workflow::notices::{self, Notice};
use bangfu_store::workflow::objections::{self, NotLodged, ObjectionInput};
use std::net::SocketAddr;

const PUBLIC_CSRF: &str = "bangfu_public_csrf";

#[derive(Template)]
#[template(path = "public_notice.html")]
struct NoticePage {
    code: String,
    title: String,
    announcement: bool,
    posted: bool,
    status: &'static str,
    place: String,
    period: String,
    left: String,
    contact: String,
    items: Vec<ItemView>,
    has_amount: bool,
    csrf: String,
    error: String,
    name: String,
    phone: String,
    case_id: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "public_missing.html")]
struct MissingPage {
    message: String,
}

#[derive(Template)]
#[template(path = "public_lookup.html")]
struct LookupPage {
    reference: String,
    fresh: bool,
    found: Option<objections::PublicStatus>,
    status: &'static str,
    lodged: String,
    resolved: String,
    searched: bool,
}

fn missing() -> Response {
    (StatusCode::NOT_FOUND, render(&MissingPage { message: "找不到这份公示：请核对公示上的网址或二维码，或直接联系村委会。".into() })).into_response()
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct PublicForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    phone: String,
    case_id: String,
    item_text: String,
    reason: String,
}

fn page(status: StatusCode, n: &Notice, items: &[bangfu_store::workflow::notices::NoticeItem], left: i64, error: String, f: &PublicForm) -> Response {
    let csrf = users::new_token();
    let items: Vec<ItemView> = item_views(items).into_iter().filter(|i| !i.withdrawn).collect();
    let p = NoticePage {
        code: n.public_code.clone(),
        title: n.title.clone(),
        announcement: n.is_announcement(),
        posted: n.is_posted() && !n.is_announcement(),
        status: if n.is_announcement() { "公告" } else if n.is_posted() { "公示中" } else { "公示已结束" },
        place: n.posted_at_place.clone().unwrap_or_default(),
        period: if n.is_announcement() { cn_date(n.starts_on) } else { period(n) },
        left: if n.is_posted() && !n.is_announcement() { days_left_label(left, n.working_days) } else { String::new() },
        contact: n.contact.clone().unwrap_or_default(),
        has_amount: items.iter().any(|i| !i.amount.is_empty()),
        items,
        csrf: csrf.clone(),
        error,
        name: f.name.clone(),
        phone: f.phone.clone(),
        case_id: f.case_id.clone(),
        reason: f.reason.clone(),
    };
    let mut r = (status, render(&p)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{PUBLIC_CSRF}={csrf}; Path=/g; HttpOnly; SameSite=Strict")) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn load(state: &AppState, code: String) -> AppResult<Option<(Notice, Vec<notices::NoticeItem>, i64)>> {
    state
        .db
        .run(move |c, _| {
            let Some(n) = notices::by_code(c, &code).map_err(store_error)? else { return Ok(None) };
            let items = notices::items(c, n.id).map_err(store_error)?;
            let left = calendar::for_region(c, &n.region_code).map_err(store_error)?.days_left(today(), n.ends_on, n.working_days);
            Ok(Some((n, items, left)))
        })
        .await
}

pub async fn show(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Response> {
    let Some((n, items, left)) = load(&state, code).await? else { return Ok(missing()) };
    Ok(page(StatusCode::OK, &n, &items, left, String::new(), &PublicForm::default()))
}

pub async fn submit(State(state): State<AppState>, ConnectInfo(addr): ConnectInfo<SocketAddr>, headers: HeaderMap, Path(code): Path<String>, Form(f): Form<PublicForm>) -> AppResult<Response> {
    let Some((n, items, left)) = load(&state, code.clone()).await? else { return Ok(missing()) };
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if f.csrf.is_empty() || auth::cookie_value(cookie, PUBLIC_CSRF) != Some(f.csrf.as_str()) {
        return Ok(page(StatusCode::FORBIDDEN, &n, &items, left, "页面已过期，请重新填写后提交。".into(), &f));
    }
    let input = ObjectionInput { name: f.name.clone(), phone: f.phone.clone(), item_text: f.item_text.clone(), case_id: f.case_id.parse().ok(), reason: f.reason.clone() };
    let ip = addr.ip().to_string();
    let r = state
        .db
        .run(move |c, keys| {
            let client = keys.search_hash(&format!("objection-client:{ip}"));
            objections::lodge_objection(c, &Actor::new("public", "public"), keys, &code, &input, &client, "public", chrono::Utc::now()).map_err(|e| match e {
                bangfu_store::StoreError::NotFound(_) => AppError::NotFound,
                other => store_error(other),
            })
        })
        .await?;
    match r {
        Ok(reference) => Ok(Redirect::to(&format!("/g/r?ref={reference}&new=1")).into_response()),
        Err(NotLodged::Limited(m)) => Ok(page(StatusCode::TOO_MANY_REQUESTS, &n, &items, left, m, &f)),
        Err(NotLodged::Invalid(m)) => Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &n, &items, left, m, &f)),
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct LookupQuery {
    r#ref: String,
    new: String,
}

pub async fn lookup(State(state): State<AppState>, Query(q): Query<LookupQuery>) -> AppResult<Response> {
    let reference: String = q.r#ref.trim().chars().take(20).collect();
    let searched = !reference.is_empty();
    let r2 = reference.clone();
    let found = if searched { state.db.run(move |c, _| objections::lookup_objection(c, &r2).map_err(store_error)).await? } else { None };
    let stamp = super::local_time;
    let page = LookupPage {
        fresh: q.new == "1" && found.is_some(),
        status: found.as_ref().map(|f| objections::status_label(&f.status)).unwrap_or(""),
        lodged: found.as_ref().map(|f| stamp(&f.lodged_at)).unwrap_or_default(),
        resolved: found.as_ref().and_then(|f| f.resolved_at.as_deref().map(stamp)).unwrap_or_default(),
        reference: found.as_ref().map(|f| f.reference_no.clone()).unwrap_or(reference),
        found,
        searched,
    };
    let status = if searched && page.found.is_none() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    Ok((status, render(&page)).into_response())
}
