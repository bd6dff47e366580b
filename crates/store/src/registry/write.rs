//! Inserting new households with their members, incomes and events, as rows in bulk.

use super::columns::{household_columns, member_columns, to_cell};
use crate::bulk::write_rows;
use crate::db::{Cell, Conn};
use crate::error::Result;
use crate::keyring::Keyring;
use bangfu_domain::event::NewEvent;
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::registry::{HouseholdDoc, INCOME_FIELDS};
use bangfu_domain::value::Value;
use chrono::NaiveDate;
use std::sync::OnceLock;

/// Who writes, when, in which batch.
pub struct WriteContext {
    pub batch_id: Option<i64>,
    pub recorded_by: String,
    pub now: String,
    pub keys: Keyring,
}

/// A household about to be inserted, with its ids already allocated.
pub struct NewHousehold<'a> {
    pub id: i64,
    pub first_member_id: i64,
    pub first_event_id: i64,
    pub doc: &'a HouseholdDoc,
    pub events: Vec<NewEvent>,
    pub joined_on: NaiveDate,
}

pub fn household_table_columns() -> &'static [&'static str] {
    static C: OnceLock<Vec<&'static str>> = OnceLock::new();
    C.get_or_init(|| {
        let mut c = vec!["id", "region_code"];
        c.extend(household_columns().iter().map(|f| f.def().key));
        c.extend(["phone_hash", "status", "created_batch", "updated_batch", "version", "created_at", "updated_at"]);
        c
    })
}

pub fn member_table_columns() -> &'static [&'static str] {
    static C: OnceLock<Vec<&'static str>> = OnceLock::new();
    C.get_or_init(|| {
        let mut c = vec!["id", "household_id", "region_code", "resident_id", "seq"];
        c.extend(member_columns().iter().map(|f| f.def().key));
        c.extend(["name_initials", "status", "joined_on", "removed_on", "removal_reason", "created_batch", "version"]);
        c
    })
}

pub fn income_table_columns() -> &'static [&'static str] {
    static C: OnceLock<Vec<&'static str>> = OnceLock::new();
    C.get_or_init(|| {
        let mut c = vec!["household_id", "year", "region_code"];
        c.extend(INCOME_FIELDS.iter().map(|f| f.def().key));
        c
    })
}

pub const EVENT_COLUMNS: &[&str] = &[
    "id", "household_id", "region_code", "member_id", "event_type", "effective_on", "date_precision",
    "household_type_after", "reason", "batch_id", "details", "recorded_at", "recorded_by",
];

fn opt_int(v: Option<i64>) -> Cell {
    v.map(Cell::Int).unwrap_or(Cell::Null)
}

/// The `household` row of a document.
pub fn household_row(id: i64, doc: &HouseholdDoc, ctx: &WriteContext, version: i64, created_batch: Option<i64>) -> Vec<Cell> {
    let region = doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
    let mut row = Vec::with_capacity(household_table_columns().len());
    row.push(Cell::Int(id));
    row.push(Cell::Text(region));
    for f in household_columns() {
        row.push(to_cell(doc.get(*f), &ctx.keys));
    }
    let phone_hash = match doc.get(HF::Phone) {
        Value::Secret(s) => Cell::Text(ctx.keys.search_hash(s.reveal())),
        _ => Cell::Null,
    };
    row.extend([
        phone_hash,
        Cell::Text("active".into()),
        opt_int(created_batch),
        opt_int(ctx.batch_id),
        Cell::Int(version),
        Cell::Text(ctx.now.clone()),
        Cell::Text(ctx.now.clone()),
    ]);
    row
}

/// A `member` row.
pub fn member_row(
    id: i64,
    household_id: i64,
    region: &str,
    seq: i64,
    m: &bangfu_domain::registry::MemberRecord,
    joined_on: NaiveDate,
    ctx: &WriteContext,
    version: i64,
) -> Vec<Cell> {
    let mut row = Vec::with_capacity(member_table_columns().len());
    row.extend([
        Cell::Int(id),
        Cell::Int(household_id),
        Cell::Text(region.to_string()),
        Cell::Text(m.resident_id.as_str().to_string()),
        Cell::Int(seq),
    ]);
    for f in member_columns() {
        row.push(to_cell(m.get(*f), &ctx.keys));
    }
    row.extend([
        Cell::Text(bangfu_domain::pinyin::initials(m.name())),
        Cell::Text("active".into()),
        Cell::Date(joined_on),
        Cell::Null,
        Cell::Null,
        opt_int(ctx.batch_id),
        Cell::Int(version),
    ]);
    row
}

/// `household_income` rows of a document.
pub fn income_rows(household_id: i64, doc: &HouseholdDoc) -> Vec<Vec<Cell>> {
    let region = doc.get(HF::RegionCode).as_text().unwrap_or_default();
    doc.incomes
        .iter()
        .filter(|i| !i.is_empty())
        .map(|inc| {
            let mut row = vec![Cell::Int(household_id), Cell::Int(inc.year), Cell::Text(region.to_string())];
            row.extend(inc.amounts.iter().map(|a| opt_int(*a)));
            row
        })
        .collect()
}

/// An `adjustment_event` row.
pub fn event_row(id: i64, household_id: i64, region: &str, member_id: Option<i64>, e: &NewEvent, details: Option<String>, ctx: &WriteContext) -> Vec<Cell> {
    vec![
        Cell::Int(id),
        Cell::Int(household_id),
        Cell::Text(region.to_string()),
        opt_int(member_id),
        Cell::Text(e.event_type.code().into()),
        Cell::Date(e.effective_on),
        Cell::Text(e.precision.code().into()),
        e.household_type_after.map(|t| Cell::Text(t.into())).unwrap_or(Cell::Null),
        Cell::Text(e.reason.clone()),
        opt_int(ctx.batch_id),
        details.map(Cell::Text).unwrap_or(Cell::Null),
        Cell::Text(ctx.now.clone()),
        Cell::Text(ctx.recorded_by.clone()),
    ]
}

/// The member id an event refers to (events name members by resident ID).
pub fn event_member_id(item: &NewHousehold<'_>, e: &NewEvent) -> Option<i64> {
    e.member_id.as_ref().and_then(|rid| item.doc.members.iter().position(|m| m.resident_id.as_str() == rid).map(|p| item.first_member_id + p as i64))
}

/// Inserts new households in bulk (all tables), inside the caller's transaction.
pub fn insert_households(conn: &mut Conn, ctx: &WriteContext, items: &[NewHousehold<'_>]) -> Result<()> {
    if let Some(c) = conn.sqlite() {
        return super::write_sqlite::insert(c, ctx, items);
    }
    let mut households = Vec::with_capacity(items.len());
    let mut members = Vec::with_capacity(items.len() * 4);
    let mut incomes = Vec::with_capacity(items.len());
    let mut events = Vec::with_capacity(items.len() * 2);
    for item in items {
        let region = item.doc.get(HF::RegionCode).as_text().unwrap_or_default();
        households.push(household_row(item.id, item.doc, ctx, 1, ctx.batch_id));
        for (i, m) in item.doc.members.iter().enumerate() {
            let joined = m.get(bangfu_domain::fields::MemberField::BirthDate).as_date().map_or(item.joined_on, |b| b.max(item.joined_on));
            members.push(member_row(item.first_member_id + i as i64, item.id, region, i as i64 + 1, m, joined, ctx, 1));
        }
        incomes.extend(income_rows(item.id, item.doc));
        for (i, e) in item.events.iter().enumerate() {
            let member_id = event_member_id(item, e);
            events.push(event_row(item.first_event_id + i as i64, item.id, region, member_id, e, None, ctx));
        }
    }
    write_rows(conn, "household", household_table_columns(), &households)?;
    write_rows(conn, "member", member_table_columns(), &members)?;
    write_rows(conn, "household_income", income_table_columns(), &incomes)?;
    write_rows(conn, "adjustment_event", EVENT_COLUMNS, &events)?;
    Ok(())
}

/// Fills `member.name_initials` where it is missing (rows written before the column was filled),
/// in set-based batches: members in id order (a range on the primary key, so every batch costs the
/// same on both backends), the initials of those without, one `UPDATE … FROM (VALUES …)` per batch.
/// Runs inside the caller's transaction; returns the rows filled. A member without a name gets ""
/// (computed: nothing to search by).
pub fn fill_missing_initials(conn: &mut Conn) -> Result<u64> {
    const BATCH: i64 = 5000;
    let mut after = i64::MIN;
    let mut filled = 0u64;
    loop {
        let rows = conn.query(
            "SELECT id, name, name_initials FROM member WHERE id > ? ORDER BY id LIMIT ?",
            &[crate::db::P::Int(after), crate::db::P::Int(BATCH)],
        )?;
        let Some(last) = rows.last().and_then(|r| r[0].int()) else {
            return Ok(filled);
        };
        after = last;
        let pairs: Vec<(i64, String)> = rows
            .iter()
            .filter(|r| r[2].is_null())
            .filter_map(|r| Some((r[0].int()?, bangfu_domain::pinyin::initials(r[1].text().unwrap_or_default()))))
            .collect();
        if !pairs.is_empty() {
            let values = vec!["(CAST(? AS BIGINT), CAST(? AS TEXT))"; pairs.len()].join(", ");
            let sql = format!("UPDATE member SET name_initials = v.column2 FROM (VALUES {values}) AS v WHERE member.id = v.column1");
            let mut params = Vec::with_capacity(pairs.len() * 2);
            for (id, initials) in &pairs {
                params.push(crate::db::P::Int(*id));
                params.push(crate::db::P::Text(initials));
            }
            conn.execute(&sql, &params)?;
            filled += pairs.len() as u64;
        }
        if (rows.len() as i64) < BATCH {
            return Ok(filled);
        }
    }
}
