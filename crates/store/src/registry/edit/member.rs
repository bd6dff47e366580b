//! Adding and correcting members (through the household's save path), and the rule that a person is
//! registered in one household only.

use super::{save_with, Edit, Refusal, SaveOutcome};
use crate::audit::Actor;
use crate::db::Conn;
use crate::error::Result;
use crate::keyring::Keyring;
use crate::registry::read;
use bangfu_domain::fields::{FieldRef, MemberField as MF};
use bangfu_domain::registry::MemberRecord;
use bangfu_domain::{RegionCode, RegionScope};
use chrono::NaiveDate;

const ID: FieldRef = FieldRef::Member(MF::IdNumber);

/// People about to join `household_id`: refused when registered (active) in another household —
/// naming that household's number only when it is in `scope`. Returns those who had left the
/// registry and are re-activated here: (resident ID, member id).
pub(crate) fn check_people(conn: &mut Conn, scope: &RegionScope, household_id: i64, ids: &[&str]) -> Result<std::result::Result<Vec<(String, i64)>, Refusal>> {
    let mut reactivate = Vec::new();
    if ids.is_empty() {
        return Ok(Ok(reactivate));
    }
    for (rid, mid, hid, no, region, status) in read::members_by_resident_id(conn, ids)? {
        if status == "removed" {
            reactivate.push((rid, mid));
            continue;
        }
        let in_scope = RegionCode::parse(&region).map(|c| scope.contains(&c)).unwrap_or(false);
        let message = if hid == household_id {
            "该证件号码已是本户成员".to_string()
        } else if in_scope {
            format!("该证件号码已在户编号 {} 中登记：一人只能在一户。如需迁入本户，请在该户的成员页使用“迁移”", no.unwrap_or_default())
        } else {
            "该证件号码已在其他户登记：一人只能在一户，请联系上级部门核实".to_string()
        };
        return Ok(Err(Refusal::at(ID, message)));
    }
    Ok(Ok(reactivate))
}

/// Adds a person to a household (a 自然增加 event) if `expected_version` is still current.
#[allow(clippy::too_many_arguments)]
pub fn add_member(
    conn: &mut Conn,
    keys: &Keyring,
    actor: &Actor,
    scope: &RegionScope,
    household_id: i64,
    expected_version: i64,
    member: &MemberRecord,
    today: NaiveDate,
) -> Result<SaveOutcome> {
    save_with(conn, keys, actor, scope, household_id, expected_version, today, |s| {
        if let Some(m) = s.doc.members.iter().find(|m| m.resident_id == member.resident_id) {
            return Err(Refusal::at(ID, format!("该证件号码已是本户成员（{}）", m.name())));
        }
        let mut merged = s.doc.clone();
        merged.members.push(member.clone());
        Ok(Edit { merged, renamed: Vec::new() })
    })
}

/// Replaces one member's fields (a corrected resident ID included) if `expected_version` is still current.
#[allow(clippy::too_many_arguments)]
pub fn update_member(
    conn: &mut Conn,
    keys: &Keyring,
    actor: &Actor,
    scope: &RegionScope,
    household_id: i64,
    expected_version: i64,
    member_id: i64,
    member: &MemberRecord,
    today: NaiveDate,
) -> Result<SaveOutcome> {
    save_with(conn, keys, actor, scope, household_id, expected_version, today, |s| {
        let si = s.member_ids.iter().position(|m| *m == member_id).ok_or_else(|| Refusal::whole("该成员已不在此户中（可能已迁出）"))?;
        let mut renamed = Vec::new();
        if s.doc.members[si].resident_id != member.resident_id {
            if let Some(m) = s.doc.members.iter().find(|m| m.resident_id == member.resident_id) {
                return Err(Refusal::at(ID, format!("该证件号码已是本户成员（{}）", m.name())));
            }
            renamed.push((si, member.resident_id.clone()));
        }
        let mut merged = s.doc.clone();
        merged.members[si] = member.clone();
        Ok(Edit { merged, renamed })
    })
}
