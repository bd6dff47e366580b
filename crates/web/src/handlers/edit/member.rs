//! The member form: a new member of a household or a correction of one (证件号码 checked against
//! GB 11643 with birth date and sex), with the move form (迁移) on the edit page.

use super::form::{self, Input, Opt, Problem, fields_of, inputs_from, inputs_typed, member_fields, parse_fields};
use super::household::{place, posted_version, problems};
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
use bangfu_domain::Capability;
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MEMBER_FIELD_COUNT, MemberField as MF};
use bangfu_domain::registry::{MemberRecord, resolve_member};
use bangfu_domain::value::Value;
use bangfu_domain::vocab::RELATION;
use bangfu_store::registry::edit::{self, SaveOutcome};
use bangfu_store::registry::{StoredHousehold, read};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The move form on the member page, as typed.
pub struct MoveView {
    pub to_no: String,
    pub date: String,
    pub reason: String,
    pub relations: Vec<Opt>,
    pub msg: String,
}

impl MoveView {
    pub fn new(to_no: String, date: String, reason: String, relation: &str, msg: String) -> MoveView {
        let relations = RELATION.terms.iter().map(|t| Opt { value: t.code.into(), label: t.label.into(), selected: t.code == relation }).collect();
        MoveView { to_no, date, reason, relations, msg }
    }
    fn empty() -> MoveView {
        MoveView::new(String::new(), form::today().to_string(), String::new(), "other", String::new())
    }
}

#[derive(Template)]
#[template(path = "member_form.html")]
pub struct MemberForm {
    pub nav: Nav,
    pub household_id: i64,
    pub household_no: String,
    pub head_name: String,
    /// 0 for a new member.
    pub member_id: i64,
    pub member_name: String,
    pub action: String,
    pub version: i64,
    pub fields: Vec<Input>,
    pub problems: Vec<Problem>,
    pub mv: MoveView,
}

/// The head's fields on the new-household form (the relation is 户主).
pub fn head_fields() -> Vec<FieldRef> {
    member_fields().into_iter().filter(|f| *f != FieldRef::Member(MF::Relation)).collect()
}

fn mget(m: Option<&MemberRecord>, f: FieldRef) -> Value {
    match (f, m) {
        (FieldRef::Member(x), Some(m)) => m.get(x).clone(),
        _ => Value::Null,
    }
}

/// Parses a member's posted fields over `stored` and checks the ID (checksum, birth date, sex);
/// `relation` forces the relation (户主 on a new household). Messages by field key.
pub fn parse_member(fields: &[FieldRef], posted: &HashMap<String, String>, stored: Option<&MemberRecord>, relation: Option<&'static str>, today: NaiveDate) -> (Option<MemberRecord>, HashMap<&'static str, String>) {
    let (parsed, mut errors) = parse_fields(fields, posted, |f| mget(stored, f), today);
    let mut values = stored.map(|m| m.values.clone()).unwrap_or_else(|| vec![Value::Null; MEMBER_FIELD_COUNT]);
    for (f, v) in fields.iter().zip(parsed) {
        if let FieldRef::Member(x) = f {
            values[*x as usize] = v;
        }
    }
    if let Some(r) = relation {
        values[MF::Relation as usize] = Value::Code(r);
    }
    match resolve_member(&mut values, today) {
        Ok(resident_id) if errors.is_empty() => (Some(MemberRecord { values, resident_id }), errors),
        Ok(_) => (None, errors),
        Err(found) => {
            for p in found {
                errors.entry(p.field.def().key).or_insert_with(|| format!("{}（{}）", p.reason, p.fix));
            }
            (None, errors)
        }
    }
}

fn member_index(h: &StoredHousehold, mid: i64) -> AppResult<usize> {
    h.member_ids.iter().position(|m| *m == mid).ok_or(AppError::NotFound)
}

/// The member page for household `h` (member `mid`, 0 = new).
#[allow(clippy::too_many_arguments)]
pub fn page(p: &Principal, state: &AppState, h: &StoredHousehold, mid: i64, version: i64, fields: Vec<Input>, problems: Vec<Problem>, mv: MoveView) -> MemberForm {
    let id = h.id;
    let member_name = h.member_ids.iter().position(|m| *m == mid).map(|i| h.doc.members[i].name().to_string()).unwrap_or_default();
    MemberForm {
        nav: Nav::new(p, &state.names(), "households"),
        household_id: id,
        household_no: h.doc.get(HF::HouseholdNo).as_text().unwrap_or_default().to_string(),
        head_name: h.doc.head().map(|m| m.name().to_string()).unwrap_or_default(),
        member_id: mid,
        member_name,
        action: if mid == 0 { format!("/households/{id}/members/new") } else { format!("/households/{id}/members/{mid}/edit") },
        version,
        fields,
        problems,
        mv,
    }
}

/// Loads a household in the caller's scope (404 otherwise); with `reveal_member`, audits that the
/// form shows that member's full ID number.
pub async fn load(state: &AppState, p: &Principal, id: i64, reveal_member: Option<i64>) -> AppResult<StoredHousehold> {
    let (scope, actor) = (p.scope(), p.actor());
    let h = state
        .db
        .run(move |c, keys| {
            let h = read::get(c, keys, &scope, id)?;
            if let Some(h) = h.as_ref().filter(|h| reveal_member.is_some_and(|m| h.member_ids.contains(&m))) {
                audit_reveal(c, &actor, &h.doc, id, &["证件号码", "联系电话", "银行账号"])?;
            }
            Ok(h)
        })
        .await?;
    h.ok_or(AppError::NotFound)
}

pub async fn new_form(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let h = load(&state, &p, id, None).await?;
    let fields = inputs_from(&member_fields(), |_| Value::Null, true);
    Ok(render(&page(&p, &state, &h, 0, h.version, fields, Vec::new(), MoveView::empty())))
}

pub async fn edit_form(State(state): State<AppState>, p: Principal, Path((id, mid)): Path<(i64, i64)>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let reveal = p.can(Capability::RevealProtected);
    let h = load(&state, &p, id, reveal.then_some(mid)).await?;
    let m = &h.doc.members[member_index(&h, mid)?];
    let fields = inputs_from(&member_fields(), |f| mget(Some(m), f), reveal);
    Ok(render(&page(&p, &state, &h, mid, h.version, fields, Vec::new(), MoveView::empty())))
}

pub async fn create(state: State<AppState>, p: Principal, Path(id): Path<i64>, form: Form<Vec<(String, String)>>) -> AppResult<Response> {
    submit(state, p, id, 0, form).await
}

pub async fn save(state: State<AppState>, p: Principal, Path((id, mid)): Path<(i64, i64)>, form: Form<Vec<(String, String)>>) -> AppResult<Response> {
    submit(state, p, id, mid, form).await
}

/// Adds (`mid` = 0) or saves a member.
async fn submit(State(state): State<AppState>, p: Principal, id: i64, mid: i64, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let posted = fields_of(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let version = posted_version(&posted)?;
    let (scope, actor, today) = (p.scope(), p.actor(), form::today());
    let reveal = p.can(Capability::RevealProtected);
    let h = load(&state, &p, id, None).await?;
    let stored = if mid == 0 { None } else { Some(h.doc.members[member_index(&h, mid)?].clone()) };
    let fields = member_fields();
    let (record, mut errors) = parse_member(&fields, &posted, stored.as_ref(), None, today);
    let mut extra = Vec::new();
    if let Some(record) = record {
        let outcome = state
            .db
            .run(move |c, keys| {
                let r = if mid == 0 { edit::add_member(c, keys, &actor, &scope, id, version, &record, today) } else { edit::update_member(c, keys, &actor, &scope, id, version, mid, &record, today) };
                r.map_err(store_error)
            })
            .await?;
        match outcome {
            SaveOutcome::Saved { .. } => {
                crate::handlers::quality::household::after_save(&state, &p, &[id]).await;
                return Ok(saved(id));
            }
            SaveOutcome::Unchanged { .. } => return Ok(saved(id)),
            SaveOutcome::Conflict { current, changes } => {
                let action = if mid == 0 { format!("/households/{id}/members/new") } else { format!("/households/{id}/members/{mid}/edit") };
                return Ok(conflict(&p, &state, &current, &changes, action, form::carried(&pairs)));
            }
            SaveOutcome::Refused(r) => place(r.field, r.message, &fields, &mut errors, &mut extra),
        }
    }
    let inputs = inputs_typed(&fields, &posted, &errors, |f| mget(stored.as_ref(), f), reveal || mid == 0);
    let problems = problems(&[&inputs], extra);
    Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&p, &state, &h, mid, version, inputs, problems, MoveView::empty())))
}
