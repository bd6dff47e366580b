//! The printable A4 notice: title, the list (序号/姓名/村民小组/事项/金额), the period, how to object
//! and whom to contact, the QR code and short address of the public page, the issuing body and
//! date. Never ID numbers, phones, health, disability or reasons.

use super::{ItemView, cn_date, item_views, period, public_url, region_name, store_error};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bangfu_domain::Capability;
use bangfu_domain::workflow::Level;
use bangfu_store::workflow::{definitions, notices};

#[derive(Template)]
#[template(path = "notice_print.html")]
struct PrintPage {
    title: String,
    announcement: bool,
    place: String,
    period: String,
    items: Vec<ItemView>,
    has_amount: bool,
    contact: String,
    issuer: String,
    issued_on: String,
    url: String,
    qr: String,
}

/// Who signs the notice: the village committee, the township or the county office.
pub fn issuer(state: &AppState, region: &str, level: Level) -> String {
    let name = |digits: usize| region_name(state, &format!("{:0<12}", &region[..digits.min(region.len())]));
    match level {
        Level::Village => {
            let v = name(12);
            if v.ends_with('村') { format!("{v}民委员会") } else { format!("{v}村民委员会") }
        }
        Level::Township => format!("{}人民政府", name(9)),
        Level::County => format!("{}扶贫开发领导小组办公室", name(6)),
    }
}

pub async fn print(State(state): State<AppState>, p: Principal, headers: HeaderMap, Path(id): Path<i64>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let (n, items, level) = state
        .db
        .run(move |c, _| {
            let n = notices::get(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            let items = notices::items(c, id).map_err(store_error)?;
            let def = definitions::current(c, &n.procedure, &n.region_code).map_err(store_error)?;
            let level = def.def.steps.iter().find(|s| s.key == n.step_key).map(|s| s.level).unwrap_or(Level::Village);
            Ok((n, items, level))
        })
        .await?;
    let url = public_url(&headers, &n.public_code);
    let items: Vec<ItemView> = item_views(&items).into_iter().filter(|i| !i.withdrawn).collect();
    Ok(render(&PrintPage {
        title: n.title.clone(),
        announcement: n.is_announcement(),
        place: n.posted_at_place.clone().unwrap_or_default(),
        period: period(&n),
        has_amount: items.iter().any(|i| !i.amount.is_empty()),
        items,
        contact: n.contact.clone().unwrap_or_default(),
        issuer: issuer(&state, &n.region_code, level),
        issued_on: cn_date(n.starts_on),
        qr: crate::qr::svg(&url, 150),
        url,
    }))
}
