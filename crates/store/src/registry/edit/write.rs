//! Writing one edited household: checks that need the database, row updates, events, the audit entry.

use super::{member, shown, Edit, Refusal, SaveOutcome};
use crate::audit::{self, Actor};
use crate::bulk::write_rows;
use crate::db::{Cell, Conn, P};
use crate::error::Result;
use crate::keyring::Keyring;
use crate::registry::apply::{place_added_member, type_change_event, update_household_row, update_member_row};
use crate::registry::diff::{diff, json_str, DocDiff, FieldChange};
use crate::registry::read::{self, StoredHousehold};
use crate::registry::write::{event_row, income_rows, income_table_columns, member_table_columns, WriteContext, EVENT_COLUMNS};
use bangfu_domain::event::{DatePrecision, EventType, NewEvent};
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::{check_household, HouseholdDoc};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;
use serde_json::{Map, Value as Json};

/// The context of writes made by a person through a form (no import batch).
pub(crate) fn context(actor: &Actor, keys: &Keyring) -> WriteContext {
    WriteContext { batch_id: None, recorded_by: actor.name.clone(), now: crate::now_utc(), keys: keys.clone() }
}

pub(crate) fn event(event_type: EventType, today: NaiveDate, reason: impl Into<String>) -> NewEvent {
    NewEvent { event_type, effective_on: today, precision: DatePrecision::Day, household_type_after: None, member_id: None, reason: reason.into() }
}

/// One change as event details: `{"field","label","before","after"}`, protected values and IDs masked.
fn change_json(c: &FieldChange) -> String {
    let k = c.field.def().kind;
    format!(
        "{{\"field\":{},\"label\":{},\"before\":{},\"after\":{}}}",
        json_str(c.field.def().key),
        json_str(c.field.def().label),
        json_str(&shown(k, &c.before)),
        json_str(&shown(k, &c.after))
    )
}

/// The first problem of the new version that the stored version did not already have.
fn new_problem(stored: &HouseholdDoc, merged: &HouseholdDoc) -> Option<Refusal> {
    let old: Vec<String> = check_household(stored).into_iter().map(|p| p.reason).collect();
    check_household(merged).into_iter().find(|p| !old.contains(&p.reason)).map(|p| Refusal::at(p.field, format!("{}（{}）", p.reason, p.fix)))
}

/// A household number must be present and belong to no other household.
pub(crate) fn check_number(conn: &mut Conn, id: i64, doc: &HouseholdDoc) -> Result<Option<Refusal>> {
    let field = FieldRef::Household(HF::HouseholdNo);
    let Some(no) = doc.get(HF::HouseholdNo).as_text() else { return Ok(Some(Refusal::at(field, "户编号不能为空"))) };
    let taken = read::ids_by_number(conn, &[no])?.into_iter().any(|(_, other, _)| other != id);
    Ok(taken.then(|| Refusal::at(field, format!("户编号 {no} 已被其他户使用，请换一个户编号"))))
}

/// Checks and writes `edit` over `stored` (whose version the caller has taken). `expected` is the
/// version the user edited; the household leaves with `expected + 1`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write(conn: &mut Conn, keys: &Keyring, actor: &Actor, scope: &RegionScope, stored: &StoredHousehold, expected: i64, edit: Edit, today: NaiveDate) -> Result<SaveOutcome> {
    let id = stored.id;
    let merged = &edit.merged;
    let mut before = stored.doc.clone();
    for (si, rid) in &edit.renamed {
        before.members[*si].resident_id = rid.clone();
    }
    let d = diff(&before, merged);
    if d.is_empty() && edit.renamed.is_empty() {
        return Ok(SaveOutcome::Unchanged { id, version: expected });
    }
    if !d.removed.is_empty() {
        return Ok(SaveOutcome::Refused(Refusal::whole("此处不能删除成员：成员迁往其他户请使用“迁移”")));
    }
    if merged.get(HF::RegionCode) != stored.doc.get(HF::RegionCode) {
        return Ok(SaveOutcome::Refused(Refusal::at(FieldRef::Household(HF::RegionCode), "户所在村不能在此修改")));
    }
    let number_changed = d.household.iter().any(|c| c.field == FieldRef::Household(HF::HouseholdNo));
    if let Some(r) = if number_changed { check_number(conn, id, merged)? } else { None } {
        return Ok(SaveOutcome::Refused(r));
    }
    let people: Vec<&str> = d.added.iter().map(|mi| merged.members[*mi].resident_id.as_str()).chain(edit.renamed.iter().map(|(_, r)| r.as_str())).collect();
    let reactivate = match member::check_people(conn, scope, id, &people)? {
        Ok(r) => r,
        Err(refusal) => return Ok(SaveOutcome::Refused(refusal)),
    };
    if let Some(r) = new_problem(&stored.doc, merged) {
        return Ok(SaveOutcome::Refused(r));
    }
    for (si, rid) in &edit.renamed {
        conn.execute("UPDATE member SET resident_id = ? WHERE id = ?", &[P::Text(rid.as_str()), P::Int(stored.member_ids[*si])])?;
    }
    let ctx = context(actor, keys);
    apply(conn, &ctx, stored, merged, &d, &reactivate, today)?;
    let version = expected + 1;
    conn.execute("UPDATE household SET version = ?, updated_at = ? WHERE id = ?", &[P::Int(version), P::Text(&ctx.now), P::Int(id)])?;
    let (b, a) = audit_values(&before, merged, &d, expected);
    let region = merged.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
    audit::record(conn, actor, audit::Entry { region_code: Some(&region), entity: "household", entity_id: Some(id.to_string()), action: "update", before: Some(b), after: Some(a) })?;
    Ok(SaveOutcome::Saved { id, version })
}

/// Rows and events of an edit (the household's region is unchanged).
fn apply(conn: &mut Conn, ctx: &WriteContext, stored: &StoredHousehold, merged: &HouseholdDoc, d: &DocDiff, reactivate: &[(String, i64)], today: NaiveDate) -> Result<()> {
    let id = stored.id;
    let region = merged.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
    let mut events: Vec<(Option<i64>, NewEvent, Option<String>)> = Vec::new();
    if !d.household.is_empty() {
        update_household_row(conn, ctx, id, merged)?;
    }
    if let Some(mut e) = type_change_event(stored.doc.household_type(), merged.household_type(), merged, today) {
        e.reason = "在线修改户类型".into();
        events.push((None, e, None));
    }
    let other: Vec<String> = d.household.iter().filter(|c| c.field != FieldRef::Household(HF::HouseholdType)).map(change_json).collect();
    if !other.is_empty() {
        events.push((None, event(EventType::InfoChanged, today, "在线修改户信息"), Some(format!("[{}]", other.join(",")))));
    }
    for (si, mi, changes) in &d.changed {
        let mid = stored.member_ids[*si];
        update_member_row(conn, ctx, mid, id, &region, *mi as i64 + 1, &merged.members[*mi])?;
        if !changes.is_empty() {
            let details = format!("[{}]", changes.iter().map(change_json).collect::<Vec<_>>().join(","));
            events.push((Some(mid), event(EventType::InfoChanged, today, format!("在线修改成员信息：{}", merged.members[*mi].name())), Some(details)));
        }
    }
    let mut new_rows = Vec::new();
    for mi in &d.added {
        let m = &merged.members[*mi];
        let mid = place_added_member(conn, ctx, id, &region, *mi as i64 + 1, m, reactivate, today, &mut new_rows)?;
        events.push((Some(mid), event(EventType::NaturalIncrease, today, format!("新增成员 {}", m.name())), None));
    }
    write_rows(conn, "member", member_table_columns(), &new_rows)?;
    if !d.incomes.is_empty() {
        for y in &d.incomes {
            conn.execute("DELETE FROM household_income WHERE household_id = ? AND year = ?", &[P::Int(id), P::Int(*y)])?;
        }
        let rows: Vec<Vec<Cell>> = income_rows(id, merged).into_iter().filter(|r| d.incomes.contains(&r[1].int().unwrap_or_default())).collect();
        write_rows(conn, "household_income", income_table_columns(), &rows)?;
        events.push((None, event(EventType::InfoChanged, today, "在线修改收入信息"), None));
    }
    if events.is_empty() {
        return Ok(());
    }
    let first = crate::ids::allocate(conn, "adjustment_event", events.len() as i64)?;
    let rows: Vec<Vec<Cell>> = events.iter().enumerate().map(|(i, (mid, e, details))| event_row(first + i as i64, id, &region, *mid, e, details.clone(), ctx)).collect();
    write_rows(conn, "adjustment_event", EVENT_COLUMNS, &rows)?;
    Ok(())
}

/// The audit entry's before and after: the version and the changed fields only, by Chinese label,
/// protected values and ID numbers masked. Members are named "成员 姓名 · 字段".
fn audit_values(before: &HouseholdDoc, merged: &HouseholdDoc, d: &DocDiff, version: i64) -> (String, String) {
    let (mut b, mut a) = (Map::new(), Map::new());
    let mut put = |key: String, c: &FieldChange| {
        let k = c.field.def().kind;
        b.insert(key.clone(), Json::String(shown(k, &c.before)));
        a.insert(key, Json::String(shown(k, &c.after)));
    };
    for c in &d.household {
        put(c.field.def().label.to_string(), c);
    }
    for (si, _, changes) in &d.changed {
        for c in changes {
            put(format!("成员 {} · {}", before.members[*si].name(), c.field.def().label), c);
        }
    }
    for mi in &d.added {
        let m = &merged.members[*mi];
        a.insert(format!("新增成员 {}", m.name()), Json::String(format!("{}，{}", m.resident_id.masked(), shown(MF::Relation.def().kind, m.get(MF::Relation)))));
    }
    if !d.incomes.is_empty() {
        a.insert("收入年度".into(), Json::String(d.incomes.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、")));
    }
    let wrap = |v: i64, m: Map<String, Json>| serde_json::json!({ "version": v, "changes": m }).to_string();
    (wrap(version, b), wrap(version + 1, a))
}
