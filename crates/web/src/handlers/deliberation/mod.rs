//! Village deliberation meetings (民主评议) in the browser: the meetings in scope with a village
//! picker to record a new one (`list`), the form that records a meeting's attendance, results per
//! case and minutes (`form`), and one meeting with its quorum, results and minutes download.
//!
//! Reading needs `ViewRegistry`; recording a meeting `EditRegistry` and the engine's permission on
//! every case's deliberation step (village cadres and first secretaries). Out of scope is 404.

pub mod form;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::quality::Opt;
use crate::handlers::render;
use crate::handlers::transfer::attachment;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bangfu_domain::workflow::procedures;
use bangfu_domain::{Capability, RegionLevel};
use bangfu_store::workflow::attachments::Owner;
use bangfu_store::workflow::deliberation::{self, MeetingRecord};

/// Uploads of minutes: a photo or a PDF up to 10 MB, with the form around it.
const MINUTES_BODY_LIMIT: usize = 11 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deliberations", get(list).post(form::submit).layer(DefaultBodyLimit::max(MINUTES_BODY_LIMIT)))
        .route("/deliberations/new", get(form::new))
        .route("/deliberations/{id}", get(show))
        .route("/deliberations/{id}/minutes/{att}", get(minutes))
}

/// The title of a procedure ("贫困户识别纳入（两公示一公告）"), or its code when unknown.
pub fn procedure_title(code: &str) -> String {
    procedures::shipped_for(code).map(|d| d.title).unwrap_or_else(|| code.to_string())
}

/// A meeting as tables show it.
pub struct MeetingView {
    pub id: i64,
    pub village: String,
    pub meeting_on: String,
    pub place: String,
    pub host: String,
    pub attendance: String,
    pub quorum: String,
    pub items: i64,
    pub passed: i64,
    pub recorded_by: String,
}

impl MeetingView {
    pub fn new(m: &MeetingRecord, names: &crate::regions::RegionNames) -> MeetingView {
        MeetingView {
            id: m.id,
            village: names.path(&m.region_code),
            meeting_on: m.meeting_on.map(|d| d.to_string()).unwrap_or_default(),
            place: m.place.clone(),
            host: m.host.clone(),
            attendance: format!("应到 {} 人，实到 {} 人", m.representatives_total, m.representatives_present),
            quorum: format!("{}/{}（至少 {} 人）", m.quorum.0, m.quorum.1, deliberation::quorum_needed(m.representatives_total, m.quorum)),
            items: m.item_count,
            passed: m.passed_count,
            recorded_by: m.recorded_by.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "delib_list.html")]
struct ListPage {
    nav: Nav,
    meetings: Vec<MeetingView>,
    villages: Vec<Opt>,
    can_record: bool,
}

/// GET /deliberations
pub async fn list(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let rows = state.db.run(move |c, _| Ok(deliberation::list_meetings(c, &scope, 200)?)).await?;
    let names = state.names();
    let villages = names.children(&p.scope(), RegionLevel::Village).into_iter().map(|(code, _)| Opt { label: names.path(&code), value: code, selected: false }).collect();
    let page = ListPage { nav: Nav::new(&p, &names, "cases"), meetings: rows.iter().map(|m| MeetingView::new(m, &names)).collect(), villages, can_record: p.can(Capability::EditRegistry) };
    Ok(render(&page))
}

pub struct ResultView {
    pub case_id: i64,
    pub title: String,
    pub procedure: String,
    pub passed: bool,
    pub votes_for: String,
    pub votes_against: String,
    pub note: String,
}

pub struct AttachmentView {
    pub id: i64,
    pub file_name: String,
    pub size: String,
    pub uploaded_by: String,
}

#[derive(Template)]
#[template(path = "delib_show.html")]
struct ShowPage {
    nav: Nav,
    m: MeetingView,
    quorum_met: bool,
    results: Vec<ResultView>,
    minutes: Vec<AttachmentView>,
    saved: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    pub saved: String,
}

/// GET /deliberations/{id}
pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, axum::extract::Query(q): axum::extract::Query<ShowQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let f = state.db.run(move |c, _| Ok(deliberation::get_meeting(c, &scope, id)?)).await?.ok_or(AppError::NotFound)?;
    let names = state.names();
    let m = &f.meeting;
    let page = ShowPage {
        nav: Nav::new(&p, &names, "cases"),
        quorum_met: bangfu_domain::workflow::engine::quorum_met(m.representatives_present as u32, m.representatives_total as u32, m.quorum),
        m: MeetingView::new(m, &names),
        results: f
            .items
            .iter()
            .map(|r| ResultView {
                case_id: r.case_id,
                title: r.title.clone(),
                procedure: procedure_title(&r.procedure),
                passed: r.passed,
                votes_for: r.votes_for.map(|v| v.to_string()).unwrap_or_default(),
                votes_against: r.votes_against.map(|v| v.to_string()).unwrap_or_default(),
                note: r.note.clone().unwrap_or_default(),
            })
            .collect(),
        minutes: f
            .attachments
            .iter()
            .map(|a| AttachmentView { id: a.id, file_name: a.file_name.clone(), size: format!("{:.1} KB", a.size as f64 / 1024.0), uploaded_by: a.uploaded_by.clone() })
            .collect(),
        saved: !q.saved.is_empty(),
    };
    Ok(render(&page))
}

/// GET /deliberations/{id}/minutes/{att}: the minutes as uploaded.
pub async fn minutes(State(state): State<AppState>, p: Principal, Path((id, att)): Path<(i64, i64)>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let found = state.db.run(move |c, _| Ok(bangfu_store::workflow::attachments::get(c, &scope, Owner::Deliberation(id), att)?)).await?;
    let Some((name, mime, bytes)) = found else { return Err(AppError::NotFound) };
    Ok(([(header::CONTENT_TYPE, mime)], [(header::CONTENT_DISPOSITION, attachment(&name))], Body::from(bytes)).into_response())
}
