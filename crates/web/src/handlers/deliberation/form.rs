//! Recording a meeting: the cases waiting for deliberation in a village, each with its result
//! (通过 / 不通过 / 本次不评议), votes and note; the date, place, host, attendance and the minutes.
//! A refusal (below quorum, no minutes, a wrong count …) comes back as the form with the Chinese
//! message and what was typed (422), with nothing written.

use super::procedure_title;
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::quality::store_error;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::{Capability, RegionCode, RegionLevel};
use bangfu_store::StoreError;
use bangfu_store::workflow::Case;
use bangfu_store::workflow::deliberation::{self, Meeting, MeetingItem};
use chrono::NaiveDate;
use std::collections::HashMap;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    pub region: String,
}

/// What was typed for one case.
#[derive(Default, Clone)]
pub struct RowInput {
    /// pass | fail | skip
    pub result: String,
    pub votes_for: String,
    pub votes_against: String,
    pub note: String,
}

/// The form as sent.
#[derive(Default)]
pub struct Fields {
    pub csrf: String,
    pub region: String,
    pub meeting_on: String,
    pub place: String,
    pub host: String,
    pub total: String,
    pub present: String,
    pub rows: HashMap<i64, RowInput>,
}

impl Fields {
    fn set(&mut self, name: &str, v: String) {
        match name {
            "_csrf" => self.csrf = v,
            "region" => self.region = v,
            "meeting_on" => self.meeting_on = v,
            "place" => self.place = v,
            "host" => self.host = v,
            "total" => self.total = v,
            "present" => self.present = v,
            other => {
                let Some((kind, id)) = other.rsplit_once('_') else { return };
                let Ok(id) = id.parse::<i64>() else { return };
                let row = self.rows.entry(id).or_default();
                match kind {
                    "result" => row.result = v,
                    "for" => row.votes_for = v,
                    "against" => row.votes_against = v,
                    "note" => row.note = v,
                    _ => {}
                }
            }
        }
    }
}

pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub procedure: String,
    pub group: String,
    pub item: String,
    pub input: RowInput,
}

#[derive(Template)]
#[template(path = "delib_form.html")]
struct FormPage {
    nav: Nav,
    region: String,
    village: String,
    quorum: String,
    f: Fields,
    cases: Vec<CaseRow>,
    error: String,
    today: String,
}

fn village_of(p: &Principal, region: &str) -> AppResult<RegionCode> {
    let code = RegionCode::parse(region.trim()).map_err(|_| AppError::NotFound)?;
    if code.level() != RegionLevel::Village || !p.scope().contains(&code) {
        return Err(AppError::NotFound);
    }
    Ok(code)
}

async fn load(state: &AppState, p: &Principal, village: &RegionCode) -> AppResult<(Vec<Case>, (u32, u32))> {
    let (scope, v) = (p.scope(), village.as_str().to_string());
    state
        .db
        .run(move |c, _| {
            let cases = deliberation::waiting_cases(c, &scope, &v)?;
            let q = deliberation::quorum_for(c, &cases)?;
            Ok((cases, q))
        })
        .await
}

fn page(state: &AppState, p: &Principal, village: &RegionCode, cases: Vec<Case>, quorum: (u32, u32), f: Fields, error: String) -> FormPage {
    let names = state.names();
    FormPage {
        nav: Nav::new(p, &names, "cases"),
        region: village.as_str().to_string(),
        village: names.path(village.as_str()),
        quorum: format!("{}/{}", quorum.0, quorum.1),
        cases: cases
            .into_iter()
            .map(|c| CaseRow {
                input: f.rows.get(&c.id).cloned().unwrap_or(RowInput { result: "skip".into(), ..Default::default() }),
                id: c.id,
                title: c.title,
                procedure: procedure_title(&c.procedure),
                group: c.group_name.unwrap_or_default(),
                item: c.item.unwrap_or_default(),
            })
            .collect(),
        f,
        error,
        today: bangfu_store::activity::today_china().to_string(),
    }
}

/// GET /deliberations/new?region=<village>
pub async fn new(State(state): State<AppState>, p: Principal, Query(q): Query<NewQuery>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let village = village_of(&p, &q.region)?;
    let (cases, quorum) = load(&state, &p, &village).await?;
    let f = Fields { region: village.as_str().to_string(), meeting_on: bangfu_store::activity::today_china().to_string(), ..Default::default() };
    Ok(render(&page(&state, &p, &village, cases, quorum, f, String::new())))
}

fn number(text: &str, what: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>().map(Some).map_err(|_| format!("{what}“{t}”不是整数"))
}

/// The meeting as the store takes it, or the first mistake in Chinese.
fn to_meeting(f: &Fields, village: &RegionCode) -> Result<Meeting, String> {
    let meeting_on = NaiveDate::parse_from_str(f.meeting_on.trim(), "%Y-%m-%d").map_err(|_| format!("会议日期“{}”无效，请按 2026-11-20 的格式填写", f.meeting_on.trim()))?;
    let total = number(&f.total, "应到代表人数")?.ok_or("请填写应到代表人数")?;
    let present = number(&f.present, "实到代表人数")?.ok_or("请填写实到代表人数")?;
    let mut ids: Vec<&i64> = f.rows.keys().collect();
    ids.sort();
    let mut items = Vec::new();
    for id in ids {
        let r = &f.rows[id];
        let passed = match r.result.as_str() {
            "pass" => true,
            "fail" => false,
            _ => continue,
        };
        items.push(MeetingItem {
            case_id: *id,
            passed,
            votes_for: number(&r.votes_for, &format!("案件 {id} 的赞成票数"))?,
            votes_against: number(&r.votes_against, &format!("案件 {id} 的反对票数"))?,
            note: r.note.clone(),
        });
    }
    Ok(Meeting { village_code: village.as_str().to_string(), meeting_on, place: f.place.trim().to_string(), host: f.host.trim().to_string(), representatives_total: total, representatives_present: present, items })
}

/// POST /deliberations (multipart): records the meeting and moves its cases; back to the form with
/// the message on a refusal.
pub async fn submit(State(state): State<AppState>, p: Principal, mut mp: Multipart) -> AppResult<Response> {
    let mut f = Fields::default();
    let mut minutes: Option<(String, Vec<u8>)> = None;
    let too_large = || AppError::TooLarge("上传内容太大：会议记录不能超过 10 MB，请压缩照片或扫描件后再上传".into());
    while let Some(field) = mp.next_field().await.map_err(|_| too_large())? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "minutes" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|_| too_large())?;
            if !file_name.is_empty() && !bytes.is_empty() {
                minutes = Some((file_name, bytes.to_vec()));
            }
        } else {
            let text = field.text().await.map_err(|_| AppError::BadRequest("表单内容无法读取".into()))?;
            f.set(&name, text);
        }
    }
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::EditRegistry)?;
    let village = village_of(&p, &f.region)?;
    let meeting = match to_meeting(&f, &village) {
        Ok(m) => m,
        Err(msg) => {
            let (cases, q) = load(&state, &p, &village).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, &village, cases, q, f, msg)));
        }
    };
    let (actor, who) = (p.actor(), p.decider());
    let today = bangfu_store::activity::today_china();
    let outcome = state
        .db
        .run(move |c, keys| {
            let m = minutes.as_ref().map(|(n, b)| (n.as_str(), b.as_slice()));
            Ok(deliberation::record_meeting(c, keys, &actor, &who, &meeting, m, today))
        })
        .await?;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/deliberations/{id}?saved=1")).into_response()),
        Err(StoreError::Invalid(msg)) => {
            let (cases, q) = load(&state, &p, &village).await?;
            Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, &village, cases, q, f, msg)))
        }
        Err(e) => Err(store_error(e)),
    }
}
