//! Moving a member to another household (成员迁移): both households must be in the user's scope;
//! the store keeps the same member row and writes history, events on both sides and an audit entry.

use super::form::{self, fields_of, inputs_from, member_fields};
use super::member::{MoveView, load, page};
use super::{saved, with_status};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use bangfu_domain::Capability;
use bangfu_domain::event::EventType;
use bangfu_domain::fields::FieldRef;
use bangfu_domain::value::parse_date;
use bangfu_domain::vocab::RELATION;
use bangfu_store::registry::moves::{self, MoveRequest};
use bangfu_store::registry::write::WriteContext;
use bangfu_store::{P, StoreError};

pub async fn submit(State(state): State<AppState>, p: Principal, Path((id, mid)): Path<(i64, i64)>, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let posted = fields_of(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let get = |k: &str| posted.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let (to_no, date_text, reason, relation_text) = (get("to_household_no"), get("effective_on"), get("reason"), get("relation"));
    let today = form::today();
    let h = load(&state, &p, id, None).await?;
    let i = h.member_ids.iter().position(|m| *m == mid).ok_or(AppError::NotFound)?;
    let resident_id = h.doc.members[i].resident_id.as_str().to_string();
    let relation = RELATION.parse(&relation_text).map(|t| t.code);
    let date = parse_date(&date_text, today);
    let msg = if to_no.is_empty() {
        "请填写迁入户的户编号".to_string()
    } else if let Err(e) = &date {
        format!("迁移日期：{e}")
    } else if date.as_ref().is_ok_and(|d| *d > today) {
        "迁移日期不能晚于今天".to_string()
    } else if reason.is_empty() {
        "请填写迁移原因".to_string()
    } else if relation.is_none() {
        "请选择在迁入户中与户主的关系".to_string()
    } else {
        let (scope, actor) = (p.scope(), p.actor());
        let (to, on, why, rel) = (to_no.clone(), date.clone().unwrap_or(today), reason.clone(), relation.unwrap_or("other"));
        let done = state
            .db
            .run(move |c, keys| {
                let ctx = WriteContext { batch_id: None, recorded_by: actor.name.clone(), now: bangfu_store::now_utc(), keys: keys.clone() };
                let req = MoveRequest { resident_id: &resident_id, to_household_no: &to, relation: rel, effective_on: on, event_type: EventType::MemberMoved, reason: &why };
                match moves::move_member(c, &ctx, &actor, &scope, &req) {
                    Ok(()) => Ok(Ok(c.query_int("SELECT household_id FROM member WHERE id = ?", &[P::Int(mid)])?)),
                    Err(StoreError::NotFound(what)) => Ok(Err(format!("找不到{what}"))),
                    Err(StoreError::Invalid(m)) => Ok(Err(m)),
                    Err(e) => Err(e.into()),
                }
            })
            .await?;
        match done {
            Ok(target) => {
                // both households changed: the one left and the one joined
                crate::handlers::quality::household::after_save(&state, &p, &[id, target]).await;
                return Ok(saved(target));
            }
            Err(m) => m,
        }
    };
    let reveal = p.can(Capability::RevealProtected);
    let m = &h.doc.members[i];
    let fields = inputs_from(&member_fields(), |f| if let FieldRef::Member(x) = f { m.get(x).clone() } else { Default::default() }, reveal);
    let mv = MoveView::new(to_no, date_text, reason, &relation_text, msg);
    Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&p, &state, &h, mid, h.version, fields, Vec::new(), mv)))
}
