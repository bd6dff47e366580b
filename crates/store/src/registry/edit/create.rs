//! Creating one household with its members from a form: the same checks as an import, the history
//! its columns imply (新识别 …, closed by a 补录 of the current type), an audit entry.

use super::write::{check_number, context};
use super::{member, Refusal, SaveOutcome};
use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::Result;
use crate::keyring::Keyring;
use crate::registry::write::{insert_households, NewHousehold};
use bangfu_domain::event::history_from_columns;
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::{check_household, HouseholdDoc};
use bangfu_domain::value::Value;
use bangfu_domain::{RegionLevel, RegionScope};
use chrono::NaiveDate;

/// The next free number in a village: the village code and a 4-digit sequence.
fn next_number(conn: &mut Conn, village: &str) -> Result<String> {
    let mut n = conn.query_int("SELECT COUNT(*) FROM household WHERE region_code = ?", &[P::Text(village)])? + 1;
    loop {
        let candidate = format!("{village}{n:04}");
        if conn.query_int("SELECT COUNT(*) FROM household WHERE household_no = ?", &[P::Text(&candidate)])? == 0 {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// Checks that need no database: the village is in scope, one head, the type, no ID twice.
fn check(scope: &RegionScope, doc: &HouseholdDoc) -> Option<Refusal> {
    let region = FieldRef::Household(HF::RegionCode);
    match doc.region_code() {
        None => return Some(Refusal::at(region, "请选择该户所在的村")),
        Some(c) if !scope.contains(&c) => return Some(Refusal::at(region, "该村不在您的管辖范围内")),
        Some(c) if c.level() != RegionLevel::Village => return Some(Refusal::at(region, "请选择到村一级")),
        Some(_) => {}
    }
    if let Some(p) = check_household(doc).into_iter().next() {
        return Some(Refusal::at(p.field, format!("{}（{}）", p.reason, p.fix)));
    }
    for (i, m) in doc.members.iter().enumerate() {
        if doc.members[..i].iter().any(|o| o.resident_id == m.resident_id) {
            return Some(Refusal::at(FieldRef::Member(MF::IdNumber), format!("证件号码在本户中重复（{}）", m.name())));
        }
    }
    None
}

/// Creates a household with its members in `scope`. A missing household number is allocated
/// (village code + sequence). `Saved { id, version: 1 }` on success.
pub fn create_household(conn: &mut Conn, keys: &Keyring, actor: &Actor, scope: &RegionScope, doc: &HouseholdDoc, today: NaiveDate) -> Result<SaveOutcome> {
    if let Some(r) = check(scope, doc) {
        return Ok(SaveOutcome::Refused(r));
    }
    conn.begin()?;
    let result = (|| {
        let mut doc = doc.clone();
        let region = doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
        if doc.get(HF::HouseholdNo).is_null() {
            doc.set(HF::HouseholdNo, Value::Text(next_number(conn, &region)?));
        }
        if let Some(r) = check_number(conn, 0, &doc)? {
            return Ok(SaveOutcome::Refused(r));
        }
        let ids: Vec<&str> = doc.members.iter().map(|m| m.resident_id.as_str()).collect();
        match member::check_people(conn, scope, 0, &ids)? {
            Err(r) => return Ok(SaveOutcome::Refused(r)),
            Ok(left) if !left.is_empty() => {
                let message = "该证件号码的人员曾在册、现已减少：请先不含此人建户，再用“新增成员”把此人加回";
                return Ok(SaveOutcome::Refused(Refusal::at(FieldRef::Member(MF::IdNumber), message)));
            }
            Ok(_) => {}
        }
        let mut events = history_from_columns(&doc, today);
        for e in &mut events {
            e.reason = e.reason.replace("导入", "录入");
        }
        let id = crate::ids::allocate(conn, "household", 1)?;
        let first_member_id = crate::ids::allocate(conn, "member", doc.members.len().max(1) as i64)?;
        let first_event_id = crate::ids::allocate(conn, "adjustment_event", events.len().max(1) as i64)?;
        let joined_on = events.first().map(|e| e.effective_on).unwrap_or(today);
        let ctx = context(actor, keys);
        let n_members = doc.members.len();
        let item = NewHousehold { id, first_member_id, first_event_id, doc: &doc, events, joined_on };
        insert_households(conn, &ctx, &[item])?;
        let after = serde_json::json!({
            "version": 1,
            "户编号": doc.get(HF::HouseholdNo).as_text().unwrap_or_default(),
            "户主": doc.head().map(|h| h.name()).unwrap_or_default(),
            "户类型": bangfu_domain::value::format_value(HF::HouseholdType.def().kind, doc.get(HF::HouseholdType)),
            "成员数": n_members,
        });
        audit::record(conn, actor, audit::Entry { region_code: Some(&region), entity: "household", entity_id: Some(id.to_string()), action: "create", before: None, after: Some(after.to_string()) })?;
        Ok(SaveOutcome::Saved { id, version: 1 })
    })();
    super::finish(conn, result)
}
