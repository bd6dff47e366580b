//! Demo field work: a few months of visits by every demo helper to their paired households (about
//! nine in ten each month, on a deterministic day), so the compliance pages and ledgers have data.

use anyhow::Result;
use bangfu_store::audit::{self, Actor, Entry};
use bangfu_store::bulk::write_rows;
use bangfu_store::db::Cell;
use bangfu_store::Store;
use chrono::{Datelike, Months, NaiveDate};

const CHECKED: &str = "guarantees,income,needs";
const HELP: [&str; 4] = ["了解生产生活情况，宣讲帮扶政策", "核实收入，指导发展产业", "了解务工意愿，推荐就业岗位", "检查住房和饮水安全"];

fn mix(a: i64, b: i64) -> u64 {
    let mut x = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    x.wrapping_mul(0x94D0_49BB_1331_11EB) >> 7
}

/// Writes the visits of the last `months` months (and this month up to `today`) unless activities
/// exist already. Returns the number of visits written.
pub fn load(store: &mut Store, today: NaiveDate, months: u32) -> Result<u64> {
    let conn = &mut store.conn;
    if conn.query_int("SELECT COUNT(*) FROM activity", &[])? > 0 {
        return Ok(0);
    }
    let pairs: Vec<(i64, i64, i64, String, Option<NaiveDate>)> = conn
        .query(
            "SELECT id, helper_id, beneficiary_id, region_code, started_on FROM pairing WHERE kind = 'helper_household' AND status = 'active' ORDER BY id",
            &[],
        )?
        .iter()
        .filter_map(|r| Some((r[0].int()?, r[1].int()?, r[2].int()?, r[3].string(), r[4].date())))
        .collect();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let mut planned: Vec<(i64, i64, String, NaiveDate, usize)> = Vec::new();
    for back in (0..=months).rev() {
        let Some(start) = this_month.checked_sub_months(Months::new(back)) else { continue };
        for (pid, helper, household, region, started) in &pairs {
            let h = mix(*pid, start.num_days_from_ce() as i64);
            if h.is_multiple_of(10) {
                continue;
            }
            let day = start + chrono::Days::new(h / 10 % 28);
            if day > today || started.is_some_and(|s| day < s) {
                continue;
            }
            planned.push((*helper, *household, region.clone(), day, (h / 280 % HELP.len() as u64) as usize));
        }
    }
    if planned.is_empty() {
        return Ok(0);
    }
    let now = bangfu_store::now_utc();
    conn.begin()?;
    let result = (|| -> Result<()> {
        let first = bangfu_store::ids::allocate(conn, "activity", planned.len() as i64)?;
        let mut acts = Vec::with_capacity(planned.len());
        let mut helpers = Vec::with_capacity(planned.len());
        for (i, (helper, household, region, day, help)) in planned.iter().enumerate() {
            let id = first + i as i64;
            acts.push(vec![
                Cell::Int(id),
                Cell::Text("visit".into()),
                Cell::Text(region.clone()),
                Cell::Int(*household),
                Cell::Date(*day),
                Cell::Text(CHECKED.into()),
                Cell::Text(HELP[*help].into()),
                Cell::Text("demo".into()),
                Cell::Text(now.clone()),
                Cell::Int(1),
            ]);
            helpers.push(vec![Cell::Int(*helper), Cell::Date(*day), Cell::Int(id), Cell::Text("visit".into()), Cell::Int(*household), Cell::Text(region.clone())]);
        }
        write_rows(conn, "activity", &["id", "kind", "region_code", "household_id", "occurred_on", "checked", "help_given", "created_by", "created_at", "version"], &acts)?;
        write_rows(conn, "activity_helper", &["helper_id", "occurred_on", "activity_id", "kind", "household_id", "region_code"], &helpers)?;
        audit::record(conn, &Actor::new(Actor::cli().name, "demo"), Entry {
            region_code: None,
            entity: "activity",
            entity_id: None,
            action: "demo_visits",
            before: None,
            after: Some(format!("{{\"visits\":{},\"months\":{}}}", planned.len(), months + 1)),
        })?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.commit()?,
        Err(e) => {
            let _ = conn.rollback();
            return Err(e);
        }
    }
    Ok(planned.len() as u64)
}
