//! Recording an adjustment event (动态调整) by hand: the event row, the household type it leads to,
//! an audit entry — under the household's version like every other edit.

use super::write::context;
use super::{finish, not_found, take_version, Refusal, SaveOutcome};
use crate::audit::{self, Actor};
use crate::bulk::write_rows;
use crate::db::{Conn, P};
use crate::error::Result;
use crate::keyring::Keyring;
use crate::registry::diff::diff;
use crate::registry::read;
use crate::registry::write::{event_row, EVENT_COLUMNS};
use bangfu_domain::event::{DatePrecision, EventType, NewEvent};
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::value::Value;
use bangfu_domain::vocab::HOUSEHOLD_TYPE;
use bangfu_domain::RegionScope;
use chrono::NaiveDate;

/// An event as entered.
#[derive(Debug, Clone)]
pub struct EventInput {
    pub event_type: EventType,
    pub effective_on: NaiveDate,
    pub reason: String,
    /// The household type from this date on (`None` leaves it as it is).
    pub type_after: Option<&'static str>,
}

fn type_label(code: Option<&str>) -> String {
    code.map(|c| HOUSEHOLD_TYPE.by_code(c).map(|t| t.label).unwrap_or(c).to_string()).unwrap_or_default()
}

/// Records an event for a household in scope if `expected_version` is still current; a type after
/// the event that differs from the current one becomes the household's type.
#[allow(clippy::too_many_arguments)]
pub fn record_event(
    conn: &mut Conn,
    keys: &Keyring,
    actor: &Actor,
    scope: &RegionScope,
    household_id: i64,
    expected_version: i64,
    input: &EventInput,
    today: NaiveDate,
) -> Result<SaveOutcome> {
    if input.effective_on > today {
        return Ok(SaveOutcome::Refused(Refusal::whole("调整日期不能晚于今天")));
    }
    if input.reason.trim().is_empty() {
        return Ok(SaveOutcome::Refused(Refusal::whole("请填写调整原因")));
    }
    conn.begin()?;
    let result = (|| {
        let taken = take_version(conn, scope, household_id, expected_version)?;
        let stored = read::get(conn, keys, scope, household_id)?.ok_or_else(not_found)?;
        let mut merged = stored.doc.clone();
        if let Some(t) = input.type_after {
            merged.set(HF::HouseholdType, Value::Code(t));
        }
        if !taken {
            let changes = diff(&stored.doc, &merged);
            return Ok(SaveOutcome::Conflict { current: stored, changes });
        }
        let region = stored.doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
        let ctx = context(actor, keys);
        let e = NewEvent {
            event_type: input.event_type,
            effective_on: input.effective_on,
            precision: DatePrecision::Day,
            household_type_after: input.type_after,
            member_id: None,
            reason: input.reason.trim().to_string(),
        };
        let eid = crate::ids::allocate(conn, "adjustment_event", 1)?;
        write_rows(conn, "adjustment_event", EVENT_COLUMNS, &[event_row(eid, household_id, &region, None, &e, None, &ctx)])?;
        let before_type = stored.doc.household_type();
        if let Some(t) = input.type_after.filter(|t| Some(*t) != before_type) {
            conn.execute("UPDATE household SET household_type = ? WHERE id = ?", &[P::Text(t), P::Int(household_id)])?;
        }
        conn.execute("UPDATE household SET updated_at = ? WHERE id = ?", &[P::Text(&ctx.now), P::Int(household_id)])?;
        let before = serde_json::json!({ "version": expected_version, "户类型": type_label(before_type) });
        let after = serde_json::json!({
            "version": expected_version + 1,
            "调整类型": input.event_type.label(),
            "调整日期": input.effective_on.to_string(),
            "调整后户类型": type_label(input.type_after),
            "原因": e.reason,
        });
        audit::record(
            conn,
            actor,
            audit::Entry { region_code: Some(&region), entity: "household", entity_id: Some(household_id.to_string()), action: "event", before: Some(before.to_string()), after: Some(after.to_string()) },
        )?;
        Ok(SaveOutcome::Saved { id: household_id, version: expected_version + 1 })
    })();
    finish(conn, result)
}
