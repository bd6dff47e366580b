//! The SQLite fast path for new households: prepared statements bound straight from the documents,
//! without building intermediate rows (the bulk import spends most of its time here).

use super::columns::{household_columns, member_columns};
use super::write::{event_member_id, household_table_columns, income_table_columns, member_table_columns, NewHousehold, WriteContext, EVENT_COLUMNS};
use crate::error::Result;
use crate::keyring::Keyring;
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::value::Value;
use chrono::{Datelike, NaiveDate};
use rusqlite::CachedStatement;

fn insert_sql(table: &str, cols: &[&str]) -> String {
    format!("INSERT INTO {table} ({}) VALUES ({})", cols.join(", "), vec!["?"; cols.len()].join(", "))
}

/// `YYYY-MM-DD` without allocating.
fn date_text(d: NaiveDate, buf: &mut [u8; 10]) -> &str {
    let y = d.year().clamp(0, 9999) as u32;
    let (m, day) = (d.month(), d.day());
    let digits = [y / 1000, y / 100 % 10, y / 10 % 10, y % 10, 10, m / 10, m % 10, 10, day / 10, day % 10];
    for (i, v) in digits.iter().enumerate() {
        buf[i] = if *v == 10 { b'-' } else { b'0' + *v as u8 };
    }
    std::str::from_utf8(buf).unwrap_or("1970-01-01")
}

fn bind(st: &mut CachedStatement<'_>, idx: usize, v: &Value, keys: &Keyring) -> rusqlite::Result<()> {
    match v {
        Value::Null => st.raw_bind_parameter(idx, rusqlite::types::Null),
        Value::Text(t) => st.raw_bind_parameter(idx, t.as_str()),
        Value::Int(i) => st.raw_bind_parameter(idx, *i),
        Value::Bool(b) => st.raw_bind_parameter(idx, *b as i64),
        Value::Date(d) => {
            let mut buf = [0u8; 10];
            st.raw_bind_parameter(idx, date_text(*d, &mut buf))
        }
        Value::Code(c) => st.raw_bind_parameter(idx, *c),
        Value::Secret(s) => st.raw_bind_parameter(idx, keys.seal(s.reveal())),
    }
}

fn opt(st: &mut CachedStatement<'_>, idx: usize, v: Option<i64>) -> rusqlite::Result<()> {
    match v {
        Some(i) => st.raw_bind_parameter(idx, i),
        None => st.raw_bind_parameter(idx, rusqlite::types::Null),
    }
}

/// Inserts new households, members, incomes and events with reused prepared statements.
pub fn insert(conn: &mut rusqlite::Connection, ctx: &WriteContext, items: &[NewHousehold<'_>]) -> Result<()> {
    let keys = &ctx.keys;
    {
        let mut st = conn.prepare_cached(&insert_sql("household", household_table_columns()))?;
        for item in items {
            let doc = item.doc;
            st.raw_bind_parameter(1, item.id)?;
            st.raw_bind_parameter(2, doc.get(HF::RegionCode).as_text().unwrap_or_default())?;
            let mut i = 3;
            for f in household_columns() {
                bind(&mut st, i, doc.get(*f), keys)?;
                i += 1;
            }
            match doc.get(HF::Phone) {
                Value::Secret(s) => st.raw_bind_parameter(i, keys.search_hash(s.reveal()))?,
                _ => st.raw_bind_parameter(i, rusqlite::types::Null)?,
            }
            st.raw_bind_parameter(i + 1, "active")?;
            opt(&mut st, i + 2, ctx.batch_id)?;
            opt(&mut st, i + 3, ctx.batch_id)?;
            st.raw_bind_parameter(i + 4, 1i64)?;
            st.raw_bind_parameter(i + 5, ctx.now.as_str())?;
            st.raw_bind_parameter(i + 6, ctx.now.as_str())?;
            st.raw_execute()?;
        }
    }
    {
        let mut st = conn.prepare_cached(&insert_sql("member", member_table_columns()))?;
        let mut buf = [0u8; 10];
        for item in items {
            let region = item.doc.get(HF::RegionCode).as_text().unwrap_or_default();
            for (k, m) in item.doc.members.iter().enumerate() {
                st.raw_bind_parameter(1, item.first_member_id + k as i64)?;
                st.raw_bind_parameter(2, item.id)?;
                st.raw_bind_parameter(3, region)?;
                st.raw_bind_parameter(4, m.resident_id.as_str())?;
                st.raw_bind_parameter(5, k as i64 + 1)?;
                let mut i = 6;
                for f in member_columns() {
                    bind(&mut st, i, m.get(*f), keys)?;
                    i += 1;
                }
                let joined = m.get(MF::BirthDate).as_date().map_or(item.joined_on, |b| b.max(item.joined_on));
                st.raw_bind_parameter(i, bangfu_domain::pinyin::initials(m.name()))?;
                st.raw_bind_parameter(i + 1, "active")?;
                st.raw_bind_parameter(i + 2, date_text(joined, &mut buf))?;
                st.raw_bind_parameter(i + 3, rusqlite::types::Null)?;
                st.raw_bind_parameter(i + 4, rusqlite::types::Null)?;
                opt(&mut st, i + 5, ctx.batch_id)?;
                st.raw_bind_parameter(i + 6, 1i64)?;
                st.raw_execute()?;
            }
        }
    }
    {
        let mut st = conn.prepare_cached(&insert_sql("household_income", income_table_columns()))?;
        for item in items {
            let region = item.doc.get(HF::RegionCode).as_text().unwrap_or_default();
            for inc in item.doc.incomes.iter().filter(|i| !i.is_empty()) {
                st.raw_bind_parameter(1, item.id)?;
                st.raw_bind_parameter(2, inc.year)?;
                st.raw_bind_parameter(3, region)?;
                for (j, a) in inc.amounts.iter().enumerate() {
                    opt(&mut st, 4 + j, *a)?;
                }
                st.raw_execute()?;
            }
        }
    }
    {
        let mut st = conn.prepare_cached(&insert_sql("adjustment_event", EVENT_COLUMNS))?;
        let mut buf = [0u8; 10];
        for item in items {
            let region = item.doc.get(HF::RegionCode).as_text().unwrap_or_default();
            for (k, e) in item.events.iter().enumerate() {
                st.raw_bind_parameter(1, item.first_event_id + k as i64)?;
                st.raw_bind_parameter(2, item.id)?;
                st.raw_bind_parameter(3, region)?;
                opt(&mut st, 4, event_member_id(item, e))?;
                st.raw_bind_parameter(5, e.event_type.code())?;
                st.raw_bind_parameter(6, date_text(e.effective_on, &mut buf))?;
                st.raw_bind_parameter(7, e.precision.code())?;
                match e.household_type_after {
                    Some(t) => st.raw_bind_parameter(8, t)?,
                    None => st.raw_bind_parameter(8, rusqlite::types::Null)?,
                }
                st.raw_bind_parameter(9, e.reason.as_str())?;
                opt(&mut st, 10, ctx.batch_id)?;
                st.raw_bind_parameter(11, rusqlite::types::Null)?;
                st.raw_bind_parameter(12, ctx.now.as_str())?;
                st.raw_bind_parameter(13, ctx.recorded_by.as_str())?;
                st.raw_execute()?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_written_as_iso_text() {
        let mut b = [0u8; 10];
        assert_eq!(super::date_text(chrono::NaiveDate::from_ymd_opt(2019, 3, 7).unwrap(), &mut b), "2019-03-07");
    }
}
