//! Field work in the browser: the phone visit form (`/visits/new?household=ID`, a plain form that
//! works without JavaScript, enhanced by `assets/visit.js`: kept in the browser while typed, queued
//! when offline, sent once thanks to its `client_uuid`, photos resized on the device), activity
//! lists per helper and month, village or household, a generic form for the other kinds (sign-in,
//! work log, stints, trainings, meetings, donations, purchases, dividends), the measures forms of the
//! household file and its section (helpers and plans, measures, visit history).
//!
//! Who may record: `EditRegistry` in scope (cadres, township and county staff), or a user with the
//! Helper role whose account is a helper (`helper.user_id`), for themselves, and for visits only to
//! households they are paired with. Measures need `EditRegistry`. Out of scope is 404.

pub mod household;
pub mod list;
pub mod measures;
pub mod other;
pub mod visit;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bangfu_domain::pairing::ActivityKind;
use bangfu_domain::{Capability, Role};
use bangfu_store::Conn;
use bangfu_store::activity::{self, Activity, NewActivity};

/// Largest body of a form or API call carrying photos (each photo ≤ 5 MB is checked by the store).
pub const PHOTO_BODY_LIMIT: usize = 32 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/visits/new", get(visit::form))
        .route("/visits", post(visit::submit).layer(DefaultBodyLimit::max(PHOTO_BODY_LIMIT)))
        .route("/activities", get(list::list).post(other::submit))
        .route("/activities/new", get(other::form))
        .route("/activities/{id}", get(list::show))
        .route("/activity-photos/{id}", get(photo))
        .route("/households/{id}/measures", post(measures::add))
        .route("/measures/{id}/end", post(measures::end))
}

/// Who is recording: may they edit the registry, and which helper is their account.
#[derive(Debug, Clone, Copy)]
pub struct Recorder {
    pub edit: bool,
    pub helper_id: Option<i64>,
}

impl Recorder {
    /// Refuses roles that may not record field work.
    pub fn of(c: &mut Conn, p: &Principal) -> AppResult<Recorder> {
        let edit = p.can(Capability::EditRegistry);
        let helper_id = if edit || p.role() == Role::Helper { activity::helper_of_user(c, p.user.id)? } else { None };
        if !edit && (p.role() != Role::Helper || helper_id.is_none()) {
            return Err(AppError::Forbidden(if p.role() == Role::Helper {
                "您的账户尚未登记为帮扶人，不能登记走访（请联系县帮扶办在帮扶人信息中关联您的账户）".into()
            } else {
                format!("您当前的角色“{}”不能登记走访和帮扶活动", p.role().label())
            }));
        }
        Ok(Recorder { edit, helper_id })
    }

    /// May this recorder write this activity? A helper records for themselves, and visits only to
    /// households they are (or were) paired with; the store checks the dates.
    pub fn authorize(&self, c: &mut Conn, a: &mut NewActivity) -> AppResult<()> {
        if self.edit {
            if a.helper_ids.is_empty()
                && let Some(h) = self.helper_id
            {
                a.helper_ids.push(h);
            }
            return Ok(());
        }
        let Some(me) = self.helper_id else { return Err(AppError::Forbidden("不能登记走访".into())) };
        if !a.helper_ids.contains(&me) {
            a.helper_ids.insert(0, me);
        }
        if let Some(hh) = a.household_id
            && !activity::is_paired_ever(c, me, hh)?
        {
            return Err(AppError::Forbidden("您未与该户结对，不能登记该户的走访；如确有入户，请请村干部代为登记".into()));
        }
        Ok(())
    }

    /// May record a visit to this household (for the household page's button).
    pub fn may_visit(&self, c: &mut Conn, household_id: i64) -> bool {
        self.edit || self.helper_id.is_some_and(|h| activity::is_paired_ever(c, h, household_id).unwrap_or(false))
    }
}

/// A new random client id (32 hex digits) for a form.
pub fn new_uuid() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// "12.5" 元 → 1250 fen; empty → None.
pub fn parse_yuan(field: &str, text: &str) -> AppResult<Option<i64>> {
    let t = text.trim().replace([',', '，', '元'], "");
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::BadRequest(format!("{field}“{}”不是有效的金额（元，最多两位小数）", text.trim()));
    let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
    if int.is_empty() && frac.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 || int.len() > 12 {
        return Err(bad());
    }
    let i: i64 = if int.is_empty() { 0 } else { int.parse().map_err(|_| bad())? };
    let f: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    Ok(Some(i * 100 + f))
}

/// "2026-11-05" → date, with the field named when bad.
pub fn parse_date(field: &str, text: &str) -> AppResult<Option<chrono::NaiveDate>> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map(Some).map_err(|_| AppError::BadRequest(format!("{field}“{t}”不是有效的日期，请写成 2026-11-05")))
}

/// Helper ids from "3, 5 12" (and the checkbox values).
pub fn parse_ids(field: &str, texts: &[String]) -> AppResult<Vec<i64>> {
    let mut out = Vec::new();
    for t in texts {
        for part in t.split([',', '，', ' ', '、']).map(str::trim).filter(|s| !s.is_empty()) {
            out.push(part.parse().map_err(|_| AppError::BadRequest(format!("{field}“{part}”不是有效的编号")))?);
        }
    }
    out.dedup();
    Ok(out)
}

/// Degrees ("28.123456") → micro-degrees.
pub fn parse_degrees(text: &str) -> Option<i64> {
    let v: f64 = text.trim().parse().ok()?;
    v.is_finite().then(|| (v * 1_000_000.0).round() as i64)
}

/// An activity as lists show it.
pub struct ActivityView {
    pub id: i64,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub date: String,
    pub time: String,
    pub helpers: String,
    pub household_id: Option<i64>,
    pub household: String,
    pub village: String,
    pub title: String,
    pub checked: String,
    pub problems: String,
    pub help_given: String,
    pub money: String,
    pub goods: String,
    pub details: Vec<(String, String)>,
    pub not_paired: bool,
    pub photos: i64,
    pub created_by: String,
}

/// The Chinese label of a details key.
pub fn detail_label(key: &str) -> &str {
    match key {
        "level" => "级别",
        "trainer" => "授课人",
        "sessions" => "期数",
        "participants" => "人数",
        "person_times" => "人次",
        "credits" => "学时",
        "stint_kind" => "类别",
        "post" => "岗位/学校",
        "donor" => "捐赠方",
        "buyer" => "购买方",
        "quantity" => "数量",
        "households" => "受益户数",
        other => other,
    }
}

impl ActivityView {
    pub fn new(a: &Activity) -> ActivityView {
        let time = match (&a.start_time, &a.end_time) {
            (Some(s), Some(e)) => format!("{s}–{e}"),
            (Some(s), None) => s.clone(),
            _ => String::new(),
        };
        let date = match a.ended_on {
            Some(e) if e != a.occurred_on => format!("{} 至 {e}", a.occurred_on),
            _ => a.occurred_on.to_string(),
        };
        ActivityView {
            id: a.id,
            kind: a.kind.label(),
            kind_code: a.kind.code(),
            date,
            time,
            helpers: a.helpers.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join("、"),
            household_id: a.household_id,
            household: match (&a.head_name, &a.household_no) {
                (Some(n), _) => format!("{n}户"),
                (None, Some(no)) => no.clone(),
                _ => String::new(),
            },
            village: a.village_name.clone().unwrap_or_else(|| a.region_code.clone()),
            title: a.title.clone().unwrap_or_default(),
            checked: a.checked.iter().map(|c| activity::check_label(c)).collect::<Vec<_>>().join("、"),
            problems: a.problems.clone().unwrap_or_default(),
            help_given: a.help_given.clone().unwrap_or_default(),
            money: a.money.map(|m| format!("{} 元", crate::views::yuan(m))).unwrap_or_default(),
            goods: a.goods.clone().unwrap_or_default(),
            details: a
                .details
                .iter()
                .map(|(k, v)| (detail_label(k).to_string(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect(),
            not_paired: a.not_paired(),
            photos: a.photos,
            created_by: a.created_by.clone(),
        }
    }
}

/// Kinds for pickers: (code, label, selected).
pub fn kind_options(selected: Option<ActivityKind>) -> Vec<(&'static str, &'static str, bool)> {
    ActivityKind::ALL.iter().map(|k| (k.code(), k.label(), Some(*k) == selected)).collect()
}

/// A photo's bytes, if its activity is in the caller's scope.
pub async fn photo(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let found = state.db.run(move |c, _| Ok(activity::photo(c, &scope, id)?)).await?;
    let Some((mime, bytes)) = found else { return Err(AppError::NotFound) };
    Ok(([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "private, max-age=86400".to_string())], Body::from(bytes)).into_response())
}

/// A measure kind by code or label, also by the short name after "综合保障：" (低保, 特困供养 …).
pub fn measure_kind(text: &str) -> Option<bangfu_domain::quality::measures::MeasureKind> {
    use bangfu_domain::quality::measures::MeasureKind;
    let t = text.trim();
    MeasureKind::parse(t).or_else(|| MeasureKind::ALL.iter().copied().find(|k| !t.is_empty() && k.label().rsplit('：').next() == Some(t)))
}
