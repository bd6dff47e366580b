//! The household form: a new household with its head (新增户), or the fields of an existing one (编辑).

use super::form::{self, Input, Opt, Problem, fields_of, household_fields, inputs_from, inputs_typed, parse_fields};
use super::member::{head_fields, parse_member};
use super::{audit_reveal, conflict, saved, store_error, with_status};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use bangfu_domain::fields::{FieldRef, HouseholdField as HF};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::value::{Kind, Value, parse_value};
use bangfu_domain::{Capability, RegionLevel};
use bangfu_store::registry::edit::{self, SaveOutcome};
use bangfu_store::registry::read;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "household_form.html")]
pub struct HouseholdForm {
    pub nav: Nav,
    pub is_new: bool,
    pub action: String,
    pub back: String,
    pub version: i64,
    /// The village (edit: its name; new: chosen from `villages`).
    pub region: String,
    pub villages: Vec<Opt>,
    pub region_msg: String,
    pub fields: Vec<Input>,
    /// The head's fields (new households only).
    pub head: Vec<Input>,
    pub problems: Vec<Problem>,
}

fn hget(doc: &HouseholdDoc, f: FieldRef) -> Value {
    match f {
        FieldRef::Household(x) => doc.get(x).clone(),
        _ => Value::Null,
    }
}

fn posted_csrf(p: &Principal, posted: &HashMap<String, String>) -> AppResult<()> {
    csrf::check(p, posted.get("_csrf").map(String::as_str).unwrap_or_default())
}

/// The version the form was loaded with.
pub fn posted_version(posted: &HashMap<String, String>) -> AppResult<i64> {
    posted.get("version").and_then(|v| v.trim().parse().ok()).ok_or_else(|| AppError::BadRequest("表单缺少版本号：请重新打开编辑页面后再提交".into()))
}

/// Places a store refusal next to its field when the form shows it (`present`), else in the summary.
pub fn place(field: Option<FieldRef>, message: String, present: &[FieldRef], errors: &mut HashMap<&'static str, String>, extra: &mut Vec<Problem>) {
    match field {
        Some(f) if present.contains(&f) => {
            errors.insert(f.def().key, message);
        }
        Some(f) => extra.push(Problem { label: f.def().label.into(), message }),
        None => extra.push(Problem { label: "整体".into(), message }),
    }
}

/// Problems of the form: every field message, then those without a field.
pub fn problems(lists: &[&[Input]], extra: Vec<Problem>) -> Vec<Problem> {
    let mut out: Vec<Problem> = lists.iter().flat_map(|l| form::summary(l)).collect();
    out.extend(extra);
    out
}

pub async fn edit_form(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let (scope, actor, reveal) = (p.scope(), p.actor(), p.can(Capability::RevealProtected));
    let h = state
        .db
        .run(move |c, keys| {
            let h = read::get(c, keys, &scope, id)?;
            if let Some(h) = h.as_ref().filter(|h| reveal && !(h.doc.get(HF::Phone).is_null() && h.doc.get(HF::BankAccount).is_null())) {
                audit_reveal(c, &actor, &h.doc, id, &["联系电话", "银行账号"])?;
            }
            Ok(h)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let names = state.names();
    let page = HouseholdForm {
        nav: Nav::new(&p, &names, "households"),
        is_new: false,
        action: format!("/households/{id}/edit"),
        back: format!("/households/{id}"),
        version: h.version,
        region: names.path(h.doc.get(HF::RegionCode).as_text().unwrap_or_default()),
        villages: Vec::new(),
        region_msg: String::new(),
        fields: inputs_from(&household_fields(), |f| hget(&h.doc, f), reveal),
        head: Vec::new(),
        problems: Vec::new(),
    };
    Ok(render(&page))
}

pub async fn save(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let posted = fields_of(&pairs);
    posted_csrf(&p, &posted)?;
    let version = posted_version(&posted)?;
    let (scope, actor, reveal, today) = (p.scope(), p.actor(), p.can(Capability::RevealProtected), form::today());
    let sc = scope.clone();
    let stored = state.db.run(move |c, keys| Ok(read::get(c, keys, &sc, id)?)).await?.ok_or(AppError::NotFound)?;
    let fields = household_fields();
    let (values, mut errors) = parse_fields(&fields, &posted, |f| hget(&stored.doc, f), today);
    let mut merged = stored.doc.clone();
    for (f, v) in fields.iter().zip(values) {
        if let FieldRef::Household(x) = f {
            merged.set(*x, v);
        }
    }
    let mut extra = Vec::new();
    if errors.is_empty() {
        let outcome = state.db.run(move |c, keys| edit::save_household(c, keys, &actor, &scope, id, version, &merged, today).map_err(store_error)).await?;
        match outcome {
            SaveOutcome::Saved { .. } => {
                crate::handlers::quality::household::after_save(&state, &p, &[id]).await;
                return Ok(saved(id));
            }
            SaveOutcome::Unchanged { .. } => return Ok(saved(id)),
            SaveOutcome::Conflict { current, changes } => return Ok(conflict(&p, &state, &current, &changes, format!("/households/{id}/edit"), form::carried(&pairs))),
            SaveOutcome::Refused(r) => place(r.field, r.message, &fields, &mut errors, &mut extra),
        }
    }
    let names = state.names();
    let inputs = inputs_typed(&fields, &posted, &errors, |f| hget(&stored.doc, f), reveal);
    let page = HouseholdForm {
        nav: Nav::new(&p, &names, "households"),
        is_new: false,
        action: format!("/households/{id}/edit"),
        back: format!("/households/{id}"),
        version,
        region: names.path(stored.doc.get(HF::RegionCode).as_text().unwrap_or_default()),
        villages: Vec::new(),
        region_msg: errors.get("region_code").cloned().unwrap_or_default(),
        problems: problems(&[&inputs], extra),
        fields: inputs,
        head: Vec::new(),
    };
    Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

fn villages(p: &Principal, state: &AppState, selected: &str) -> Vec<Opt> {
    let mut v = vec![Opt { value: String::new(), label: "（请选择村）".into(), selected: selected.is_empty() }];
    v.extend(state.names().children(&p.scope(), RegionLevel::Village).into_iter().map(|(code, _)| Opt { selected: code == selected, label: state.names().path(&code), value: code }));
    v
}

pub async fn new_form(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let page = HouseholdForm {
        nav: Nav::new(&p, &state.names(), "households"),
        is_new: true,
        action: "/households/new".into(),
        back: "/households".into(),
        version: 0,
        region: String::new(),
        villages: villages(&p, &state, ""),
        region_msg: String::new(),
        fields: inputs_from(&household_fields(), |_| Value::Null, true),
        head: inputs_from(&head_fields(), |_| Value::Null, true),
        problems: Vec::new(),
    };
    Ok(render(&page))
}

pub async fn create(State(state): State<AppState>, p: Principal, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let posted = fields_of(&pairs);
    posted_csrf(&p, &posted)?;
    let (scope, actor, today) = (p.scope(), p.actor(), form::today());
    let fields = household_fields();
    let (values, mut errors) = parse_fields(&fields, &posted, |_| Value::Null, today);
    let mut doc = HouseholdDoc::empty();
    for (f, v) in fields.iter().zip(values) {
        if let FieldRef::Household(x) = f {
            doc.set(*x, v);
        }
    }
    let region_text = posted.get("region_code").cloned().unwrap_or_default();
    match parse_value(Kind::Region, &region_text, today) {
        Ok(Value::Null) => drop(errors.insert("region_code", "请选择该户所在的村".into())),
        Ok(v) => doc.set(HF::RegionCode, v),
        Err(e) => drop(errors.insert("region_code", e.to_string())),
    }
    let head_fields = head_fields();
    let (head, head_errors) = parse_member(&head_fields, &posted, None, Some("head"), today);
    errors.extend(head_errors);
    let mut extra = Vec::new();
    if let (true, Some(head)) = (errors.is_empty(), head) {
        doc.members.push(head);
        let outcome = state.db.run(move |c, keys| edit::create_household(c, keys, &actor, &scope, &doc, today).map_err(store_error)).await?;
        match outcome {
            SaveOutcome::Saved { id, .. } => {
                crate::handlers::quality::household::after_save(&state, &p, &[id]).await;
                return Ok(saved(id));
            }
            SaveOutcome::Refused(r) => {
                let present: Vec<FieldRef> = fields.iter().chain(&head_fields).copied().chain([FieldRef::Household(HF::RegionCode)]).collect();
                place(r.field, r.message, &present, &mut errors, &mut extra)
            }
            other => return Err(AppError::Internal(format!("unexpected outcome of create: {other:?}"))),
        }
    }
    let inputs = inputs_typed(&fields, &posted, &errors, |_| Value::Null, true);
    let head = inputs_typed(&head_fields, &posted, &errors, |_| Value::Null, true);
    let region_msg = errors.get("region_code").cloned().unwrap_or_default();
    let mut problems = problems(&[&inputs, &head], extra);
    if !region_msg.is_empty() {
        problems.insert(0, Problem { label: "所在村".into(), message: region_msg.clone() });
    }
    let page = HouseholdForm {
        nav: Nav::new(&p, &state.names(), "households"),
        is_new: true,
        action: "/households/new".into(),
        back: "/households".into(),
        version: 0,
        region: String::new(),
        villages: villages(&p, &state, &region_text),
        region_msg,
        fields: inputs,
        head,
        problems,
    };
    Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
