//! Applying a newer version of a stored household: row updates, the events they imply, the audit entry.

use super::columns::{household_columns, member_columns, to_cell};
use super::diff::{change_json, json_str, DocDiff};
use super::read::StoredHousehold;
use super::write::{event_row, income_rows, member_row, WriteContext, EVENT_COLUMNS};
use crate::audit::{self, Actor};
use crate::bulk::write_rows;
use crate::db::{params, Cell, Conn, P};
use crate::error::Result;
use bangfu_domain::event::{DatePrecision, EventType, NewEvent};
use bangfu_domain::fields::{FieldRef, HouseholdField as HF};
use bangfu_domain::registry::{HouseholdDoc, MemberRecord};
use bangfu_domain::value::Value;
use bangfu_domain::vocab::code;
use chrono::NaiveDate;
use std::sync::OnceLock;

fn update_household_sql() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| {
        let sets: Vec<String> = household_columns().iter().map(|f| format!("{} = ?", f.def().key)).collect();
        format!(
            "UPDATE household SET region_code = ?, {}, phone_hash = ?, updated_batch = ?, version = version + 1, updated_at = ? WHERE id = ?",
            sets.join(", ")
        )
    })
}

fn update_member_sql() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| {
        let sets: Vec<String> = member_columns().iter().map(|f| format!("{} = ?", f.def().key)).collect();
        format!(
            "UPDATE member SET household_id = ?, region_code = ?, seq = ?, {}, name_initials = ?, status = 'active', removed_on = NULL, removal_reason = NULL, version = version + 1 WHERE id = ?",
            sets.join(", ")
        )
    })
}

/// Rewrites the household row from a document (all stored columns).
pub fn update_household_row(conn: &mut Conn, ctx: &WriteContext, id: i64, doc: &HouseholdDoc) -> Result<()> {
    let mut cells = vec![Cell::Text(doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string())];
    cells.extend(household_columns().iter().map(|f| to_cell(doc.get(*f), &ctx.keys)));
    cells.push(match doc.get(HF::Phone) {
        Value::Secret(s) => Cell::Text(ctx.keys.search_hash(s.reveal())),
        _ => Cell::Null,
    });
    cells.push(ctx.batch_id.map(Cell::Int).unwrap_or(Cell::Null));
    cells.push(Cell::Text(ctx.now.clone()));
    cells.push(Cell::Int(id));
    conn.execute(update_household_sql(), &params(&cells))?;
    let region = doc.get(HF::RegionCode).as_text().unwrap_or_default();
    conn.execute("UPDATE member SET region_code = ? WHERE household_id = ? AND status = 'active'", &[P::Text(region), P::Int(id)])?;
    // incomes follow the household (they are filtered and counted by region)
    conn.execute("UPDATE household_income SET region_code = ? WHERE household_id = ? AND region_code <> ?", &[P::Text(region), P::Int(id), P::Text(region)])?;
    Ok(())
}

/// Rewrites an existing member row (also re-activating and re-homing it).
pub fn update_member_row(conn: &mut Conn, ctx: &WriteContext, member_id: i64, household_id: i64, region: &str, seq: i64, m: &MemberRecord) -> Result<()> {
    let mut cells = vec![Cell::Int(household_id), Cell::Text(region.to_string()), Cell::Int(seq)];
    cells.extend(member_columns().iter().map(|f| to_cell(m.get(*f), &ctx.keys)));
    cells.push(Cell::Text(bangfu_domain::pinyin::initials(m.name())));
    cells.push(Cell::Int(member_id));
    conn.execute(update_member_sql(), &params(&cells))?;
    Ok(())
}

/// The event a change of household type means (脱贫 → 退出, back to 贫困 → 返贫, …).
pub fn type_change_event(before: Option<&str>, after: Option<&'static str>, merged: &HouseholdDoc, today: NaiveDate) -> Option<NewEvent> {
    let after_code = after?;
    if before == Some(after_code) {
        return None;
    }
    let (event_type, date) = match (before, after_code) {
        (_, code::EXITED) if before == Some(code::MONITORED) => (EventType::RiskEliminated, merged.get(HF::RiskEliminatedOn).as_date()),
        (_, code::EXITED) => (EventType::Exit, None),
        (Some(code::EXITED), code::POOR) => (EventType::Relapse, None),
        (_, code::POOR) => (EventType::NewlyIdentified, None),
        (_, code::MONITORED) => (EventType::MonitoringIncluded, merged.get(HF::MonitoringIdentifiedOn).as_date()),
        _ => (EventType::InfoChanged, None),
    };
    let effective_on = date.filter(|d| *d <= today).unwrap_or(today);
    Some(NewEvent {
        event_type,
        effective_on,
        precision: DatePrecision::Day,
        household_type_after: Some(after_code),
        member_id: None,
        reason: "导入新版本时户类型变化".into(),
    })
}

/// Counts of what an update did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Applied {
    pub members_added: u64,
    pub members_updated: u64,
    pub events: u64,
}

/// A member added to household `id` at position `seq`: a person who left the registry earlier
/// (listed in `reactivate`: resident ID → member id) gets their old row back, re-homed; anyone
/// else gets a new id and a row queued in `new_rows` (written in bulk by the caller). Returns the id.
#[allow(clippy::too_many_arguments)]
pub fn place_added_member(
    conn: &mut Conn,
    ctx: &WriteContext,
    id: i64,
    region: &str,
    seq: i64,
    m: &bangfu_domain::registry::MemberRecord,
    reactivate: &[(String, i64)],
    today: NaiveDate,
    new_rows: &mut Vec<Vec<crate::db::Cell>>,
) -> Result<i64> {
    match reactivate.iter().find(|(rid, _)| rid == m.resident_id.as_str()) {
        Some((_, mid)) => {
            keep_earlier_stay(conn, *mid)?;
            update_member_row(conn, ctx, *mid, id, region, seq, m)?;
            conn.execute("UPDATE member SET joined_on = ? WHERE id = ?", &[P::Date(today), P::Int(*mid)])?;
            Ok(*mid)
        }
        None => {
            let mid = crate::ids::allocate(conn, "member", 1)?;
            new_rows.push(member_row(mid, id, region, seq, m, today, ctx, 1));
            Ok(mid)
        }
    }
}

/// Applies `merged` over `stored`. Members in `diff.added` must be new to the registry or re-activated
/// ones listed in `reactivate` (resident ID → member id); removals are left to the caller.
pub fn apply_update(
    conn: &mut Conn,
    ctx: &WriteContext,
    actor: &Actor,
    stored: &StoredHousehold,
    merged: &HouseholdDoc,
    diff: &DocDiff,
    reactivate: &[(String, i64)],
    today: NaiveDate,
) -> Result<Applied> {
    let mut applied = Applied::default();
    let id = stored.id;
    let region = merged.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
    let old_region = stored.doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
    let mut events: Vec<(Option<i64>, NewEvent, Option<String>)> = Vec::new();
    if old_region != region {
        relocate(conn, ctx, id, &old_region, &region, today)?;
        // from today the household is in its new village, with the type it has there
        if let Some(t) = merged.household_type() {
            let mut e = info_event(today, "户迁入本村");
            e.household_type_after = Some(t);
            events.push((None, e, Some(format!("{{\"from_region\":{}}}", json_str(&old_region)))));
        }
    }
    if !diff.household.is_empty() {
        update_household_row(conn, ctx, id, merged)?;
    }
    if let Some(e) = type_change_event(stored.doc.household_type(), merged.household_type(), merged, today) {
        events.push((None, e, None));
    }
    let other: Vec<String> = diff
        .household
        .iter()
        .filter(|c| c.field != FieldRef::Household(HF::HouseholdType))
        .map(change_json)
        .collect();
    // members: changed ones rewritten, new ones inserted or re-activated
    for (si, mi, changes) in &diff.changed {
        update_member_row(conn, ctx, stored.member_ids[*si], id, &region, *mi as i64 + 1, &merged.members[*mi])?;
        applied.members_updated += 1;
        if !changes.is_empty() {
            let mut e = info_event(today, "成员信息变更");
            e.member_id = Some(merged.members[*mi].resident_id.as_str().to_string());
            let details = format!("[{}]", changes.iter().map(change_json).collect::<Vec<_>>().join(","));
            events.push((Some(stored.member_ids[*si]), e, Some(details)));
        }
    }
    let mut new_rows = Vec::new();
    for mi in &diff.added {
        let m = &merged.members[*mi];
        let member_id = place_added_member(conn, ctx, id, &region, *mi as i64 + 1, m, reactivate, today, &mut new_rows)?;
        applied.members_added += 1;
        let e = NewEvent {
            event_type: EventType::NaturalIncrease,
            effective_on: today,
            precision: DatePrecision::Day,
            household_type_after: None,
            member_id: Some(m.resident_id.as_str().to_string()),
            reason: format!("导入新版本时新增成员 {}", m.name()),
        };
        events.push((Some(member_id), e, None));
    }
    write_rows(conn, "member", super::write::member_table_columns(), &new_rows)?;
    // every member who stays takes their place in the new version (members joining or leaving shift the others)
    for (mi, m) in merged.members.iter().enumerate() {
        if let Some(si) = stored.doc.members.iter().position(|s| s.resident_id == m.resident_id) {
            let seq = mi as i64 + 1;
            conn.execute("UPDATE member SET seq = ? WHERE id = ? AND seq <> ?", &[P::Int(seq), P::Int(stored.member_ids[si]), P::Int(seq)])?;
        }
    }
    if !diff.incomes.is_empty() {
        for y in &diff.incomes {
            conn.execute("DELETE FROM household_income WHERE household_id = ? AND year = ?", &[P::Int(id), P::Int(*y)])?;
        }
        let rows: Vec<Vec<Cell>> = income_rows(id, merged).into_iter().filter(|r| diff.incomes.contains(&r[1].int().unwrap_or_default())).collect();
        write_rows(conn, "household_income", super::write::income_table_columns(), &rows)?;
    }
    if !other.is_empty() {
        events.push((None, info_event(today, "导入新版本时户信息变更"), Some(format!("[{}]", other.join(",")))));
    }
    if !diff.incomes.is_empty() {
        let years: Vec<String> = diff.incomes.iter().map(|y| y.to_string()).collect();
        events.push((None, info_event(today, &format!("收入信息变更（{} 年度）", years.join("、"))), None));
    }
    let first = crate::ids::allocate(conn, "adjustment_event", events.len().max(1) as i64)?;
    let rows: Vec<Vec<Cell>> = events
        .iter()
        .enumerate()
        .map(|(i, (mid, e, details))| event_row(first + i as i64, id, &region, *mid, e, details.clone(), ctx))
        .collect();
    applied.events = rows.len() as u64;
    write_rows(conn, "adjustment_event", EVENT_COLUMNS, &rows)?;
    let before: Vec<String> = diff.household.iter().map(change_json).collect();
    audit::record(
        conn,
        actor,
        audit::Entry {
            region_code: Some(&region),
            entity: "household",
            entity_id: Some(id.to_string()),
            action: "import_update",
            before: Some(format!("{{\"version\":{}}}", stored.version)),
            after: Some(format!(
                "{{\"changes\":[{}],\"members_added\":{},\"members_changed\":{},\"incomes\":{:?},\"batch\":{}}}",
                before.join(","),
                diff.added.len(),
                diff.changed.len(),
                diff.incomes,
                ctx.batch_id.map(|b| b.to_string()).unwrap_or_else(|| "null".into())
            )),
        },
    )?;
    Ok(applied)
}

fn info_event(today: NaiveDate, reason: &str) -> NewEvent {
    NewEvent {
        event_type: EventType::InfoChanged,
        effective_on: today,
        precision: DatePrecision::Day,
        household_type_after: None,
        member_id: None,
        reason: reason.to_string(),
    }
}

/// A household moving to another village: its people's stay in the old village becomes membership
/// history and the household is closed there (events keep the region they happened in), so the
/// registry rebuilt for either village on any date counts it where it was.
fn relocate(conn: &mut Conn, ctx: &WriteContext, id: i64, old_region: &str, new_region: &str, today: NaiveDate) -> Result<()> {
    let members = conn.query("SELECT id, joined_on FROM member WHERE household_id = ? AND status = 'active'", &[P::Int(id)])?;
    for m in &members {
        let (Some(mid), Some(joined)) = (m[0].int(), m[1].date()) else { continue };
        if joined < today {
            conn.execute(
                "INSERT INTO membership_history (member_id, household_id, region_code, from_on, to_on, reason) VALUES (?, ?, ?, ?, ?, ?)",
                &[P::Int(mid), P::Int(id), P::Text(old_region), P::Date(joined), P::Date(today), P::Text("户迁至其他村")],
            )?;
            conn.execute("UPDATE member SET joined_on = ? WHERE id = ?", &[P::Date(today), P::Int(mid)])?;
        }
    }
    let e = NewEvent {
        event_type: EventType::InfoChanged,
        effective_on: today,
        precision: DatePrecision::Day,
        household_type_after: Some("closed"),
        member_id: None,
        reason: "户迁至其他村".into(),
    };
    let eid = crate::ids::allocate(conn, "adjustment_event", 1)?;
    let details = format!("{{\"to_region\":{}}}", json_str(new_region));
    write_rows(conn, "adjustment_event", EVENT_COLUMNS, &[event_row(eid, id, old_region, None, &e, Some(details), ctx)])?;
    Ok(())
}

/// Before a member who had left the registry is re-activated (which resets `joined_on` and clears
/// `removed_on`), their earlier stay becomes membership history, so the registry on past dates keeps them.
pub fn keep_earlier_stay(conn: &mut Conn, member_id: i64) -> Result<()> {
    let Some(r) = conn.query_opt(
        "SELECT household_id, region_code, joined_on, removed_on, removal_reason FROM member WHERE id = ? AND status = 'removed'",
        &[P::Int(member_id)],
    )?
    else {
        return Ok(());
    };
    let (Some(from), Some(to)) = (r[2].date(), r[3].date()) else { return Ok(()) };
    let reason = r[4].text().unwrap_or("自然减少").to_string();
    conn.execute(
        "INSERT INTO membership_history (member_id, household_id, region_code, from_on, to_on, reason) VALUES (?, ?, ?, ?, ?, ?)",
        &[P::Int(member_id), P::Int(r[0].int().unwrap_or_default()), P::Text(r[1].text().unwrap_or_default()), P::Date(from.min(to)), P::Date(to), P::Text(&reason)],
    )?;
    Ok(())
}

/// Marks a member as having left the registry (自然减少) with an event on the household.
pub fn remove_member(conn: &mut Conn, ctx: &WriteContext, member_id: i64, household_id: i64, region: &str, today: NaiveDate, reason: &str) -> Result<()> {
    conn.execute(
        "UPDATE member SET status = 'removed', removed_on = ?, removal_reason = ?, version = version + 1 WHERE id = ?",
        &[P::Date(today), P::Text(reason), P::Int(member_id)],
    )?;
    let e = NewEvent {
        event_type: EventType::NaturalDecrease,
        effective_on: today,
        precision: DatePrecision::Day,
        household_type_after: None,
        member_id: None,
        reason: reason.to_string(),
    };
    let eid = crate::ids::allocate(conn, "adjustment_event", 1)?;
    write_rows(conn, "adjustment_event", EVENT_COLUMNS, &[event_row(eid, household_id, region, Some(member_id), &e, None, ctx)])?;
    Ok(())
}
