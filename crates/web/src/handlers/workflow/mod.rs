//! Workflows in the browser: my tasks (`/tasks`), the case list and a case's page with its
//! timeline, attachments and decision form (`/cases`), bulk decisions of a village's cases at one
//! step (`/cases/bulk`), flow definitions and their versions (`/workflow/definitions`) and the
//! holiday calendar (`/workflow/holidays`).

pub mod bulk;
pub mod cases;
pub mod definitions;
pub mod holidays;
pub mod tasks;

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use bangfu_domain::workflow::engine::Refusal;
use bangfu_domain::workflow::FlowDefinition;
use bangfu_store::StoreError;
use chrono::NaiveDate;

/// Largest body of an attachment upload (the store refuses files over 10 MB itself).
pub const ATTACHMENT_BODY_LIMIT: usize = 11 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(tasks::show))
        .route("/cases", get(cases::list))
        .route("/cases/bulk", get(bulk::form).post(bulk::submit))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/decide", post(cases::decide))
        .route("/cases/{id}/extend", post(cases::extend))
        .route("/cases/{id}/attachments", post(cases::upload).layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)))
        .route("/cases/{id}/attachments/{aid}", get(cases::download))
        .route("/workflow/definitions", get(definitions::list))
        .route("/workflow/definitions/{id}", get(definitions::show))
        .route("/workflow/definitions/{id}/edit", get(definitions::edit).post(definitions::save))
        .route("/workflow/holidays", get(holidays::show).post(holidays::save))
}

pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Store errors: out of scope or missing is 404, refusals 400, the rest internal.
pub fn store_error(e: StoreError) -> AppError {
    crate::handlers::quality::store_error(e)
}

/// Whether a refusal message is the "someone else decided first" one (409 rather than 422).
pub fn is_stale(message: &str) -> bool {
    message.starts_with(&Refusal::Stale.message())
}

/// A deliberation, notice or announcement step is moved by its meeting or notice: a decision on
/// it is refused with that message (before who-may-act, which would talk about the person instead).
pub fn not_manual(file: &bangfu_store::workflow::CaseFile, seen_transition: i64) -> Option<String> {
    let c = &file.case;
    let step = file.definition.def.step(c.step_index)?;
    (c.status == bangfu_domain::workflow::engine::CaseStatus::Open && c.transition_no == seen_transition && !step.kind.is_manual()).then(|| Refusal::NotManual(step.kind).message())
}

/// "还剩 3 天" / "今天到期" / "超期 2 天" for a deadline; empty without one.
pub fn days_left(due: Option<NaiveDate>, today: NaiveDate) -> (String, bool) {
    match due {
        None => (String::new(), false),
        Some(d) => {
            let n = (d - today).num_days();
            if n < 0 {
                (format!("超期 {} 天", -n), true)
            } else if n == 0 {
                ("今天到期".into(), false)
            } else {
                (format!("还剩 {n} 天"), false)
            }
        }
    }
}

/// The title of a step by index ("?" when the definition has no such step).
pub fn step_title(def: &FlowDefinition, index: usize) -> String {
    def.step(index).map(|s| s.title.clone()).unwrap_or_else(|| "?".into())
}

/// The Chinese label of a procedure code (the shipped title; the code when unknown).
pub fn procedure_title(code: &str) -> String {
    bangfu_domain::workflow::procedures::shipped_for(code).map(|d| d.title).unwrap_or_else(|| code.to_string())
}

/// The decision selector's value as the engine's kind: `approve`, `reject`, `return:<step key>`
/// (or `return` with `return_to`), resolved against the case's definition.
pub fn decision_kind(def: &FlowDefinition, decision: &str, return_to: &str) -> Result<bangfu_domain::workflow::DecisionKind, String> {
    use bangfu_domain::workflow::DecisionKind;
    let (d, target) = match decision.split_once(':') {
        Some((d, t)) => (d, t),
        None => (decision, return_to),
    };
    match d.trim() {
        "" | "approve" => Ok(DecisionKind::Approve),
        "reject" => Ok(DecisionKind::Reject),
        "return" => {
            let key = target.trim();
            if key.is_empty() {
                return Err("退回修改时请选择退回到哪个环节".into());
            }
            def.index_of(key).map(|to| DecisionKind::Return { to }).ok_or_else(|| format!("流程中没有环节“{key}”，请重新选择退回的环节"))
        }
        other => Err(format!("审批决定“{other}”无效：应为同意（approve）、退回修改（return）或不通过（reject）")),
    }
}
