//! Forms that change the registry: households (new, edit), members (new, edit, move) and adjustment
//! events. Server-side validation with field-level Chinese messages, optimistic versions with a
//! conflict page that never overwrites silently, CSRF on every post, audit in the store.

pub mod event;
pub mod form;
pub mod household;
pub mod member;
pub mod moves;

use crate::auth::Principal;
use crate::error::AppError;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bangfu_domain::fields::FieldRef;
use bangfu_domain::registry::HouseholdDoc;
use bangfu_store::StoreError;
use bangfu_store::audit::{self, Actor, Entry};
use bangfu_store::registry::diff::{DocDiff, FieldChange};
use bangfu_store::registry::StoredHousehold;
use form::form_text;

/// Every route of the editing forms.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/households/new", get(household::new_form).post(household::create))
        .route("/households/{id}/edit", get(household::edit_form).post(household::save))
        .route("/households/{id}/members/new", get(member::new_form).post(member::create))
        .route("/households/{id}/members/{mid}/edit", get(member::edit_form).post(member::save))
        .route("/households/{id}/members/{mid}/move", post(moves::submit))
        .route("/households/{id}/events/new", get(event::new_form).post(event::create))
}

/// Store errors as the user sees them: not found (or out of scope) is a 404, refusals are 400.
pub fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound(_) => AppError::NotFound,
        other => other.into(),
    }
}

/// After a successful save: back to the household file.
pub fn saved(id: i64) -> Response {
    Redirect::to(&format!("/households/{id}?saved=1")).into_response()
}

/// A page with a status (422 for invalid input, 409 for conflicts).
pub fn with_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

/// Records that a form showed full protected numbers of a household (as "显示完整号码" does).
pub fn audit_reveal(conn: &mut bangfu_store::Conn, actor: &Actor, doc: &HouseholdDoc, id: i64, fields: &[&str]) -> bangfu_store::Result<()> {
    let region = doc.get(bangfu_domain::fields::HouseholdField::RegionCode).as_text().unwrap_or_default().to_string();
    let after = serde_json::json!({ "fields": fields, "via": "编辑表单" }).to_string();
    conn.begin()?;
    audit::record(conn, actor, Entry { region_code: Some(&region), entity: "household", entity_id: Some(id.to_string()), action: "reveal", before: None, after: Some(after) })?;
    conn.commit()
}

/// One row of the conflict table.
pub struct DiffRow {
    pub label: String,
    pub yours: String,
    pub stored: String,
}

#[derive(Template)]
#[template(path = "conflict.html")]
pub struct ConflictPage {
    pub nav: Nav,
    pub household_id: i64,
    pub household_no: String,
    /// The form to reload (GET) or to re-submit (POST).
    pub action: String,
    pub rows: Vec<DiffRow>,
    pub version: i64,
    pub carried: Vec<(String, String)>,
}

/// A value as the conflict table shows it: labels, 是/否, protected numbers masked unless `reveal`.
fn shown(f: FieldRef, v: &bangfu_domain::Value, reveal: bool) -> String {
    let k = f.def().kind;
    let s = match (k, v) {
        (bangfu_domain::Kind::Vocab(_), _) => bangfu_domain::value::format_value(k, v),
        _ => form_text(k, v, reveal),
    };
    if s.is_empty() { "（空）".into() } else { s }
}

fn row(label: String, c: &FieldChange, reveal: bool) -> DiffRow {
    DiffRow { label, yours: shown(c.field, &c.after, reveal), stored: shown(c.field, &c.before, reveal) }
}

/// The conflict page: what the user sent against what is stored now, with the current version.
pub fn conflict(p: &Principal, state: &AppState, current: &StoredHousehold, changes: &DocDiff, action: String, carried: Vec<(String, String)>) -> Response {
    let reveal = p.can(bangfu_domain::Capability::RevealProtected);
    let mut rows: Vec<DiffRow> = changes.household.iter().map(|c| row(c.field.def().label.to_string(), c, reveal)).collect();
    for (si, _, cs) in &changes.changed {
        let name = current.doc.members[*si].name();
        rows.extend(cs.iter().map(|c| row(format!("成员 {name} · {}", c.field.def().label), c, reveal)));
    }
    for mi in &changes.removed {
        rows.push(DiffRow { label: format!("成员 {}", current.doc.members[*mi].name()), yours: "（您的表单中没有）".into(), stored: "在册".into() });
    }
    if rows.is_empty() && changes.added.is_empty() {
        rows.push(DiffRow { label: "（所有字段）".into(), yours: "与当前保存的值相同".into(), stored: "—".into() });
    }
    for _ in &changes.added {
        rows.push(DiffRow { label: "新增成员".into(), yours: "新增".into(), stored: "（尚无）".into() });
    }
    let page = ConflictPage {
        nav: Nav::new(p, &state.names(), "households"),
        household_id: current.id,
        household_no: current.doc.get(bangfu_domain::fields::HouseholdField::HouseholdNo).as_text().unwrap_or_default().to_string(),
        action,
        rows,
        version: current.version,
        carried,
    };
    with_status(StatusCode::CONFLICT, &page)
}
