//! Query latency of the registry reads a page needs: a filtered, sorted page of 50 households
//! (with its total), a search by ID, a search by name. Prints median and p95 in milliseconds.
//! Usage: cargo run --release -p bangfu-store --example query_latency -- <database url> [key file] [iterations]

use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::registry::query::{self, HouseholdFilter, SortKey};
use bangfu_store::{DbUrl, Store, P};
use std::time::Instant;

fn stats(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!("{name:<44} n={:<5} median {:>7.3} ms   p95 {:>7.3} ms   max {:>7.3} ms", ms.len(), q(0.5), q(0.95), q(1.0));
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = DbUrl::parse(args.get(1).map(String::as_str).unwrap_or("bangfu.db"))?;
    let key = args.get(2).filter(|k| !k.is_empty()).map(std::path::PathBuf::from);
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(300);
    let mut store = Store::open(&url, key.as_deref())?;
    let county = RegionScope::of(&RegionCode::parse("431099")?);
    // samples drawn from the data itself, spread over the table
    let ids: Vec<String> = store.conn.query("SELECT resident_id FROM member WHERE id % 997 = 1 LIMIT 2000", &[])?.iter().map(|r| r[0].string()).collect();
    let names: Vec<String> = store.conn.query("SELECT name FROM member WHERE id % 1009 = 3 LIMIT 2000", &[])?.iter().map(|r| r[0].string()).collect();
    let townships: Vec<String> = store.conn.query("SELECT code FROM region WHERE level = 'township' ORDER BY code", &[])?.iter().map(|r| r[0].string()).collect();
    let villages: Vec<String> = store.conn.query("SELECT code FROM region WHERE level = 'village' ORDER BY code", &[])?.iter().map(|r| r[0].string()).collect();
    let _ = P::Null;
    println!("database {}, {} sample IDs, {} sample names", url.display(), ids.len(), names.len());
    let mut run = |name: &str, f: &mut dyn FnMut(&mut Store, usize) -> Result<usize, Box<dyn std::error::Error>>| -> Result<(), Box<dyn std::error::Error>> {
        for i in 0..5 {
            f(&mut store, i)?;
        }
        let mut ms = Vec::with_capacity(n);
        let mut found = 0;
        for i in 0..n {
            let t = Instant::now();
            found += f(&mut store, i)?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        stats(&format!("{name} ({found} rows over all runs)"), ms);
        Ok(())
    };
    let causes = ["illness", "disability", "schooling", "lack_labour"];
    run("page: township + type + cause, by 户编号", &mut |s, i| {
        let f = HouseholdFilter {
            region: Some(RegionCode::parse(&townships[i % townships.len()])?),
            household_type: Some("exited".into()),
            cause: Some(causes[i % causes.len()].into()),
            ..Default::default()
        };
        let (rows, _total) = query::list(&mut s.conn, &county, &f, SortKey::HouseholdNo, ((i % 5) * 50) as i64, 50)?;
        Ok(rows.len())
    })?;
    run("page: village + type, by 户编号", &mut |s, i| {
        let f = HouseholdFilter { region: Some(RegionCode::parse(&villages[i % villages.len()])?), household_type: Some("exited".into()), ..Default::default() };
        let (rows, _total) = query::list(&mut s.conn, &county, &f, SortKey::HouseholdNo, 0, 50)?;
        Ok(rows.len())
    })?;
    run("page: whole county + cause, by 户编号", &mut |s, i| {
        let f = HouseholdFilter { cause: Some(causes[i % causes.len()].into()), ..Default::default() };
        let (rows, _total) = query::list(&mut s.conn, &county, &f, SortKey::HouseholdNo, ((i % 10) * 50) as i64, 50)?;
        Ok(rows.len())
    })?;
    run("search by ID (household of person)", &mut |s, i| Ok(query::household_of_person(&mut s.conn, &county, &ids[i % ids.len()])?.map_or(0, |_| 1)))?;
    run("search by name (prefix, 50)", &mut |s, i| Ok(query::search_name(&mut s.conn, &county, &names[i % names.len()], 50)?.len()))?;
    run("search by surname + 1 char (prefix, 50)", &mut |s, i| {
        let prefix: String = names[i % names.len()].chars().take(2).collect();
        Ok(query::search_name(&mut s.conn, &county, &prefix, 50)?.len())
    })?;
    Ok(())
}
