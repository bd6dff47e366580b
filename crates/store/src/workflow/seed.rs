//! Demo and benchmark cases: many applications placed at one step of a procedure, set-based
//! (households in a region without an open case of that procedure; `open_many`), and one audit
//! entry for the batch. Used by `bangfu flow seed`.

use super::advance::due_for;
use super::definitions;
use super::open_many::{open_listed, Opening};
use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use chrono::NaiveDate;

/// Opens up to `n` cases of `procedure` at `step_key` for active households in `region_prefix`
/// (lowest ids first). Returns how many were opened.
pub fn seed_cases(conn: &mut Conn, actor: &Actor, procedure: &str, step_key: &str, region_prefix: &str, n: i64, today: NaiveDate) -> Result<i64> {
    conn.in_tx(|conn| {
        let def = definitions::current(conn, procedure, &format!("{region_prefix:0<12}"))?;
        let index = def.def.index_of(step_key).ok_or_else(|| StoreError::Invalid(format!("“{}”没有环节“{step_key}”", def.def.title)))?;
        let step = &def.def.steps[index];
        let cal = super::calendar::for_region(conn, &format!("{region_prefix:0<12}"))?;
        let due = due_for(&cal, step, today);
        super::open_many::prepare(conn)?;
        conn.execute(
            "INSERT INTO wf_open (household_id, rn, due_on) SELECT id, ROW_NUMBER() OVER (ORDER BY id), ? FROM ( \
               SELECT h.id FROM household h WHERE h.status = 'active' AND h.region_code LIKE ? \
               AND NOT EXISTS (SELECT 1 FROM wf_case c WHERE c.household_id = h.id AND c.procedure = ? AND c.status = 'open') \
               ORDER BY h.id LIMIT ?) x",
            &[due.map(P::Date).unwrap_or(P::Null), P::Text(&format!("{region_prefix}%")), P::Text(procedure), P::Int(n)],
        )?;
        let now = crate::now_utc();
        let user = super::cases::user_of(actor).to_string();
        let o = Opening { def: &def, step_index: index, item: &def.def.title, campaign_id: None, applicant: &user, role: None, comment: "演示数据：直接置于本环节", detail: None, now: &now };
        let count = open_listed(conn, &o)?;
        if count == 0 {
            return Ok(0);
        }
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&format!("{region_prefix:0<12}")),
                entity: "wf_case",
                entity_id: None,
                action: "seed",
                before: None,
                after: Some(serde_json::json!({ "事项": def.def.title, "环节": step.title, "件数": count }).to_string()),
            },
        )?;
        Ok(count)
    })
}
