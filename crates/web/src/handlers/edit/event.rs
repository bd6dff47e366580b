//! Recording an adjustment event (动态调整) by hand: type, date, reason and optionally the household
//! type after it, under the household's version.

use super::form::{self, Input, Opt, Problem, fields_of};
use super::household::posted_version;
use super::member::load;
use super::{conflict, saved, store_error, with_status};
use crate::auth::{Principal, csrf};
use crate::error::AppResult;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, label};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use bangfu_domain::Capability;
use bangfu_domain::event::{EVENT_TYPE, EventType};
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::value::parse_date;
use bangfu_domain::vocab::{HOUSEHOLD_TYPE, Vocabulary};
use bangfu_store::registry::StoredHousehold;
use bangfu_store::registry::edit::{self, EventInput, SaveOutcome};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "event_form.html")]
pub struct EventForm {
    pub nav: Nav,
    pub household_id: i64,
    pub household_no: String,
    pub head_name: String,
    pub current_type: String,
    pub version: i64,
    pub fields: Vec<Input>,
    pub problems: Vec<Problem>,
}

fn select(key: &'static str, label: &'static str, v: &Vocabulary, empty: &str, value: &str, msg: String) -> Input {
    let mut options = vec![Opt { value: String::new(), label: empty.into(), selected: value.is_empty() }];
    options.extend(v.terms.iter().map(|t| Opt { value: t.code.into(), label: t.label.into(), selected: value == t.code }));
    Input { key, label, widget: "select", value: value.into(), options, hint: String::new(), msg }
}

fn text(key: &'static str, label: &'static str, widget: &'static str, value: &str, hint: &str, msg: String) -> Input {
    Input { key, label, widget, value: value.into(), options: Vec::new(), hint: hint.into(), msg }
}

fn inputs(posted: &HashMap<String, String>, errors: &HashMap<&'static str, String>) -> Vec<Input> {
    let v = |k: &str| posted.get(k).map(String::as_str).unwrap_or_default();
    let e = |k: &str| errors.get(k).cloned().unwrap_or_default();
    let date_widget = if errors.contains_key("effective_on") { "text" } else { "date" };
    vec![
        select("event_type", "调整类型", &EVENT_TYPE, "（请选择）", v("event_type"), e("event_type")),
        text("effective_on", "调整日期", date_widget, v("effective_on"), "不能晚于今天", e("effective_on")),
        text("reason", "调整原因", "text", v("reason"), "如：家庭成员患重病，收入骤减", e("reason")),
        select("type_after", "调整后户类型", &HOUSEHOLD_TYPE, "（不变）", v("type_after"), e("type_after")),
    ]
}

fn page(p: &Principal, state: &AppState, h: &StoredHousehold, version: i64, fields: Vec<Input>, problems: Vec<Problem>) -> EventForm {
    EventForm {
        nav: Nav::new(p, &state.names(), "households"),
        household_id: h.id,
        household_no: h.doc.get(HF::HouseholdNo).as_text().unwrap_or_default().to_string(),
        head_name: h.doc.head().map(|m| m.name().to_string()).unwrap_or_default(),
        current_type: label(&HOUSEHOLD_TYPE, h.doc.household_type()),
        version,
        fields,
        problems,
    }
}

pub async fn new_form(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let h = load(&state, &p, id, None).await?;
    let posted = HashMap::from([("effective_on".to_string(), form::today().to_string())]);
    Ok(render(&page(&p, &state, &h, h.version, inputs(&posted, &HashMap::new()), Vec::new())))
}

pub async fn create(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let posted = fields_of(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let version = posted_version(&posted)?;
    let today = form::today();
    let h = load(&state, &p, id, None).await?;
    let get = |k: &str| posted.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let event_type = EventType::from_code(&get("event_type"));
    if event_type.is_none() {
        errors.insert("event_type", "请选择调整类型".into());
    }
    let date = match parse_date(&get("effective_on"), today) {
        Ok(d) if d > today => {
            errors.insert("effective_on", "调整日期不能晚于今天".into());
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.insert("effective_on", e.to_string());
            None
        }
    };
    if get("reason").is_empty() {
        errors.insert("reason", "请填写调整原因".into());
    }
    let type_after = match get("type_after").as_str() {
        "" => None,
        t => match HOUSEHOLD_TYPE.by_code(t) {
            Some(term) => Some(term.code),
            None => {
                errors.insert("type_after", format!("“{t}”不是有效的户类型"));
                None
            }
        },
    };
    let mut extra = Vec::new();
    if let (true, Some(event_type), Some(effective_on)) = (errors.is_empty(), event_type, date) {
        let input = EventInput { event_type, effective_on, reason: get("reason"), type_after };
        let (scope, actor) = (p.scope(), p.actor());
        let outcome = state.db.run(move |c, keys| edit::record_event(c, keys, &actor, &scope, id, version, &input, today).map_err(store_error)).await?;
        match outcome {
            SaveOutcome::Saved { .. } => {
                crate::handlers::quality::household::after_save(&state, &p, &[id]).await;
                return Ok(saved(id));
            }
            SaveOutcome::Unchanged { .. } => return Ok(saved(id)),
            SaveOutcome::Conflict { current, changes } => return Ok(conflict(&p, &state, &current, &changes, format!("/households/{id}/events/new"), form::carried(&pairs))),
            SaveOutcome::Refused(r) => extra.push(Problem { label: "整体".into(), message: r.message }),
        }
    }
    let fields = inputs(&posted, &errors);
    let mut problems = form::summary(&fields);
    problems.extend(extra);
    Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&p, &state, &h, version, fields, problems)))
}
