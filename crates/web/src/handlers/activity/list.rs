//! Activity lists: `/activities?helper=&month=&village=&household=&kind=` (a helper's month, a
//! village's work, a household's visits) and one activity with its photos.

use super::{ActivityView, Recorder, kind_options};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::quality::region_param;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use bangfu_domain::pairing::ActivityKind;
use bangfu_domain::{Capability, RegionCode};
use bangfu_store::activity::{self, ActivityFilter, PhotoInfo};

const PAGE_SIZE: i64 = 50;

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    pub helper: String,
    pub month: String,
    pub village: String,
    pub household: String,
    pub kind: String,
    pub page: String,
}

/// The filter a query asks for, inside the caller's scope (a region outside it is 404).
pub fn filter_of(q: &ListQuery, scope_prefix: &str) -> AppResult<ActivityFilter> {
    let id = |t: &str, what: &str| -> AppResult<Option<i64>> {
        let t = t.trim();
        if t.is_empty() { Ok(None) } else { t.parse().map(Some).map_err(|_| AppError::BadRequest(format!("{what}编号“{t}”无效"))) }
    };
    let month = if q.month.trim().is_empty() {
        None
    } else {
        Some(activity::parse_month(&q.month).ok_or_else(|| AppError::BadRequest(format!("月份“{}”无效，请写成 2026-11", q.month.trim())))?)
    };
    let kind = if q.kind.trim().is_empty() {
        None
    } else {
        Some(ActivityKind::parse(&q.kind).ok_or_else(|| AppError::BadRequest(format!("活动类别“{}”无法识别", q.kind.trim())))?)
    };
    let region = region_param(&q.village, scope_prefix)?.and_then(|r| RegionCode::parse(&r).ok());
    Ok(ActivityFilter { household_id: id(&q.household, "户")?, helper_id: id(&q.helper, "帮扶人")?, region, kind, month })
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ListPage {
    nav: Nav,
    q: ListQuery,
    kinds: Vec<(&'static str, &'static str, bool)>,
    items: Vec<ActivityView>,
    total: i64,
    page: i64,
    pages: i64,
    /// The query without the page, for paging links.
    query: String,
    helper_name: String,
    can_record: bool,
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(mut q): Query<ListQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let pp = p.clone();
    // a helper's own list by default
    let (mine, can_record) = state
        .db
        .run(move |c, _| {
            let r = Recorder::of(c, &pp).ok();
            Ok((r.and_then(|r| r.helper_id), r.is_some()))
        })
        .await?;
    if q.helper.trim().is_empty() && q.household.trim().is_empty() && q.village.trim().is_empty() && !p.can(Capability::EditRegistry)
        && let Some(h) = mine
    {
        q.helper = h.to_string();
    }
    let f = filter_of(&q, scope.prefix())?;
    let page: i64 = q.page.trim().parse().unwrap_or(1).max(1);
    let helper = f.helper_id;
    let (items, total, helper_name) = state
        .db
        .run(move |c, _| {
            let (items, total) = activity::activities(c, &scope, &f, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
            let name = match helper {
                Some(h) => c.query_opt("SELECT name FROM helper WHERE id = ?", &[bangfu_store::P::Int(h)])?.map(|r| r[0].string()).unwrap_or_default(),
                None => String::new(),
            };
            Ok((items, total, name))
        })
        .await?;
    let query = format!(
        "helper={}&month={}&village={}&household={}&kind={}",
        crate::views::urlencode(q.helper.trim()),
        crate::views::urlencode(q.month.trim()),
        crate::views::urlencode(q.village.trim()),
        crate::views::urlencode(q.household.trim()),
        crate::views::urlencode(q.kind.trim())
    );
    let names = state.names();
    let kind = ActivityKind::parse(&q.kind);
    Ok(render(&ListPage {
        nav: Nav::new(&p, &names, "activities"),
        kinds: kind_options(kind),
        items: items.iter().map(ActivityView::new).collect(),
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        query,
        helper_name,
        can_record,
        q,
    }))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    pub saved: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ShowPage {
    nav: Nav,
    a: ActivityView,
    photos: Vec<PhotoInfo>,
    saved: bool,
    location: String,
    client_uuid: String,
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let found = state
        .db
        .run(move |c, _| {
            let Some(a) = activity::activity(c, &scope, id)? else { return Ok(None) };
            let photos = activity::photos(c, &scope, id)?;
            Ok(Some((a, photos)))
        })
        .await?;
    let Some((a, photos)) = found else { return Err(AppError::NotFound) };
    let location = match (a.latitude_e6, a.longitude_e6) {
        (Some(lat), Some(lon)) => format!("{:.5}, {:.5}", lat as f64 / 1e6, lon as f64 / 1e6),
        _ => String::new(),
    };
    let names = state.names();
    Ok(render(&ShowPage {
        nav: Nav::new(&p, &names, "activities"),
        a: ActivityView::new(&a),
        photos,
        saved: !q.saved.is_empty(),
        location,
        client_uuid: a.client_uuid.clone().unwrap_or_default(),
    }))
}
