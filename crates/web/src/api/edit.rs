//! `POST /api/v1/households` and `PATCH /api/v1/households/{id}`: household fields by catalog key,
//! as the text a sheet would hold. Bad fields → 422 naming each; a stale version → 409 with the
//! current one; cookie callers send `X-CSRF-Token`.

use super::detail::{HouseholdOut, household_out};
use super::extract::{ApiId, ApiJson, ApiUser};
use super::openapi::ErrorBody;
use crate::auth::csrf;
use crate::error::{ApiError, AppError};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu_domain::fields::{HouseholdField as HF, MEMBER_FIELD_COUNT, MemberField as MF, Storage};
use bangfu_domain::registry::{HouseholdDoc, MemberRecord, resolve_member};
use bangfu_domain::value::{Value, parse_value};
use bangfu_domain::Capability;
use bangfu_store::StoreError;
use bangfu_store::registry::edit::{Refusal, SaveOutcome, create_household, save_household};
use bangfu_store::registry::read;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A change to a household.
#[derive(Deserialize, ToSchema)]
pub struct HouseholdPatch {
    /// The version the change was made to (from the household as read).
    pub version: i64,
    /// Household fields by catalog key, as text ("" clears a field); e.g. `{"cause_1": "因病", "cultivated_land": "2.5"}`.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A new household with its members.
#[derive(Deserialize, ToSchema)]
pub struct HouseholdNew {
    /// Household fields by catalog key; `region_code` (a village in scope) is required, `household_no` is allocated when left out.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Each member's fields by catalog key (`name`, `id_number`, `relation`, …); one is the head (户主).
    #[serde(default)]
    #[schema(value_type = Vec<BTreeMap<String, String>>)]
    pub members: Vec<BTreeMap<String, serde_json::Value>>,
}

/// The 422 answer: each field's problem, in Chinese.
fn invalid(fields: BTreeMap<String, String>, message: &str) -> Response {
    let body = json!({"error": {"code": "invalid", "message": message, "fields": fields}});
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

fn refused(r: Refusal) -> Response {
    let mut fields = BTreeMap::new();
    if let Some(f) = r.field {
        fields.insert(f.def().key.to_string(), r.message.clone());
    }
    invalid(fields, &r.message)
}

/// A JSON value as the text of a cell.
fn cell_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => Some(String::new()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(if *b { "是" } else { "否" }.into()),
        _ => None,
    }
}

/// Parses household fields; every problem is collected under its key (`prefix` + key).
fn household_values(fields: &BTreeMap<String, serde_json::Value>, today: NaiveDate, problems: &mut BTreeMap<String, String>) -> Vec<(HF, Value)> {
    let mut out = Vec::new();
    for (key, raw) in fields {
        let Some(f) = HF::ALL.iter().copied().find(|f| f.def().key == key) else {
            problems.insert(key.clone(), format!("没有名为“{key}”的户字段"));
            continue;
        };
        if f.def().storage != Storage::Column {
            problems.insert(key.clone(), format!("“{}”不能在此修改（由其他字段推出，或属于收入记录）", f.def().label));
            continue;
        }
        let Some(text) = cell_text(raw) else {
            problems.insert(key.clone(), format!("“{}”应为文字", f.def().label));
            continue;
        };
        match parse_value(f.def().kind, &text, today) {
            Ok(v) => out.push((f, v)),
            Err(e) => {
                problems.insert(key.clone(), format!("{}：{e}", f.def().label));
            }
        }
    }
    out
}

fn member_record(i: usize, fields: &BTreeMap<String, serde_json::Value>, today: NaiveDate, problems: &mut BTreeMap<String, String>) -> Option<MemberRecord> {
    let mut values = vec![Value::Null; MEMBER_FIELD_COUNT];
    let before = problems.len();
    for (key, raw) in fields {
        let at = format!("members.{i}.{key}");
        let Some(f) = MF::ALL.iter().copied().find(|f| f.def().key == key) else {
            problems.insert(at, format!("没有名为“{key}”的成员字段"));
            continue;
        };
        match cell_text(raw).map(|t| parse_value(f.def().kind, &t, today)) {
            Some(Ok(v)) => values[f as usize] = v,
            Some(Err(e)) => {
                problems.insert(at, format!("{}：{e}", f.def().label));
            }
            None => {
                problems.insert(at, format!("“{}”应为文字", f.def().label));
            }
        }
    }
    if problems.len() > before {
        return None;
    }
    match resolve_member(&mut values, today) {
        Ok(resident_id) => Some(MemberRecord { values, resident_id }),
        Err(ps) => {
            for p in ps {
                problems.insert(format!("members.{i}.{}", p.field.def().key), format!("{}（{}）", p.reason, p.fix));
            }
            None
        }
    }
}

fn not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(_) => AppError::NotFound.into(),
        other => other.into(),
    }
}

enum Done {
    /// Saved, with the check run after saving (None when nothing changed or the check could not run).
    Saved(read::StoredHousehold, Option<super::quality::HouseholdCheck>),
    Conflict(i64),
    Refused(Refusal),
}

async fn answer(state: &AppState, done: Option<Done>, sent: i64, status: StatusCode) -> Result<Response, ApiError> {
    match done.ok_or(AppError::NotFound)? {
        Done::Saved(h, check) => {
            let name = state.names().path(h.doc.get(HF::RegionCode).as_text().unwrap_or_default());
            let mut out: HouseholdOut = household_out(&h, name, false);
            out.check = check;
            Ok((status, Json(out)).into_response())
        }
        Done::Conflict(current) => Err(ApiError(
            AppError::Conflict(format!("该户已被他人修改：现为第 {current} 版，您修改的是第 {sent} 版。请重新读取该户，在最新内容上再修改。")),
            Some(json!({ "version": current })),
        )),
        Done::Refused(r) => Ok(refused(r)),
    }
}

#[utoipa::path(
    patch,
    path = "/api/v1/households/{id}",
    tag = "registry",
    params(("id" = i64, Path, description = "Household id"), ("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = HouseholdPatch,
    responses(
        (status = 200, description = "Saved (or nothing to change): the household as stored now", body = HouseholdOut),
        (status = 403, description = "The role may not edit, or the CSRF token is missing", body = ErrorBody),
        (status = 404, description = "No such household in the caller's scope", body = ErrorBody),
        (status = 409, description = "Changed by someone else since `version`; `error.fields.version` is the current version", body = ErrorBody),
        (status = 422, description = "Invalid fields: `error.fields` maps each key to its problem", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn update(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiId(id): ApiId, ApiJson(body): ApiJson<HouseholdPatch>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::EditRegistry)?;
    let today = chrono::Local::now().date_naive();
    let mut problems = BTreeMap::new();
    let values = household_values(&body.fields, today, &mut problems);
    if !problems.is_empty() {
        return Ok(invalid(problems, "有字段填写有误，未保存"));
    }
    let (scope, actor, sent) = (p.scope(), p.actor(), body.version);
    let done = state
        .db
        .run(move |c, keys| {
            let Some(stored) = read::get(c, keys, &scope, id)? else { return Ok(None) };
            let mut merged = stored.doc.clone();
            for (f, v) in values {
                merged.set(f, v);
            }
            let outcome = save_household(c, keys, &actor, &scope, id, sent, &merged, today).map_err(not_found);
            Ok(Some(outcome))
        })
        .await?;
    let done = match done {
        None => None,
        Some(Err(e)) => return Err(e),
        Some(Ok(outcome @ (SaveOutcome::Saved { .. } | SaveOutcome::Unchanged { .. }))) => {
            let check = match outcome {
                SaveOutcome::Saved { .. } => super::quality::after_change(&state, &p, id).await,
                _ => None,
            };
            let scope = p.scope();
            state.db.run(move |c, keys| Ok(read::get(c, keys, &scope, id)?)).await?.map(|h| Done::Saved(h, check))
        }
        Some(Ok(SaveOutcome::Conflict { current, .. })) => Some(Done::Conflict(current.version)),
        Some(Ok(SaveOutcome::Refused(r))) => Some(Done::Refused(r)),
    };
    answer(&state, done, sent, StatusCode::OK).await
}

#[utoipa::path(
    post,
    path = "/api/v1/households",
    tag = "registry",
    params(("X-CSRF-Token" = Option<String>, Header, description = "Required with a session cookie")),
    request_body = HouseholdNew,
    responses(
        (status = 201, description = "Created: the household as stored", body = HouseholdOut),
        (status = 403, description = "The role may not edit, or the CSRF token is missing", body = ErrorBody),
        (status = 422, description = "Invalid fields: `error.fields` maps each key (`members.N.key` for members) to its problem", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn create(State(state): State<AppState>, ApiUser(p): ApiUser, headers: HeaderMap, ApiJson(body): ApiJson<HouseholdNew>) -> Result<Response, ApiError> {
    csrf::check_header(&p, &headers)?;
    p.require(Capability::EditRegistry)?;
    let today = chrono::Local::now().date_naive();
    let mut problems = BTreeMap::new();
    let mut doc = HouseholdDoc::empty();
    for (f, v) in household_values(&body.fields, today, &mut problems) {
        doc.set(f, v);
    }
    if body.members.is_empty() {
        problems.insert("members".into(), "请至少填写一名成员（户主）".into());
    }
    for (i, m) in body.members.iter().enumerate() {
        if let Some(r) = member_record(i, m, today, &mut problems) {
            doc.members.push(r);
        }
    }
    if !problems.is_empty() {
        return Ok(invalid(problems, "有字段填写有误，未保存"));
    }
    let (scope, actor) = (p.scope(), p.actor());
    let done = state
        .db
        .run(move |c, keys| {
            Ok(match create_household(c, keys, &actor, &scope, &doc, today)? {
                SaveOutcome::Saved { id, .. } => read::get(c, keys, &scope, id)?.map(|h| Done::Saved(h, None)),
                SaveOutcome::Refused(r) => Some(Done::Refused(r)),
                SaveOutcome::Conflict { current, .. } => Some(Done::Conflict(current.version)),
                SaveOutcome::Unchanged { id, .. } => read::get(c, keys, &scope, id)?.map(|h| Done::Saved(h, None)),
            })
        })
        .await?;
    let done = match done {
        Some(Done::Saved(h, _)) => {
            let check = super::quality::after_change(&state, &p, h.id).await;
            Some(Done::Saved(h, check))
        }
        other => other,
    };
    answer(&state, done, 0, StatusCode::CREATED).await
}
