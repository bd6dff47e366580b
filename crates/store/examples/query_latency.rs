//! Query latency of the registry reads a page needs: a filtered, sorted page of 50 households
//! (with its total), a search by ID, a search by name; then the household list's pages of 20 and
//! their totals for each filter alone (county-wide and township-wide), and the search box for each
//! kind of query. Prints median and p95 in milliseconds. Migrates the database first if it is behind
//! (as `bangfu migrate` would) and says how long that took.
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
    let t = Instant::now();
    let mut store = Store::open_and_migrate(&url, key.as_deref())?;
    println!("opened (and migrated if needed) in {:.1} s", t.elapsed().as_secs_f64());
    let county = RegionScope::of(&RegionCode::parse("431099")?);
    // samples drawn from the data itself, spread over the table
    let ids: Vec<String> = store.conn.query("SELECT resident_id FROM member WHERE id % 997 = 1 LIMIT 2000", &[])?.iter().map(|r| r[0].string()).collect();
    let names: Vec<String> = store.conn.query("SELECT name FROM member WHERE id % 1009 = 3 LIMIT 2000", &[])?.iter().map(|r| r[0].string()).collect();
    let townships: Vec<String> = store.conn.query("SELECT code FROM region WHERE level = 'township' ORDER BY code", &[])?.iter().map(|r| r[0].string()).collect();
    let villages: Vec<String> = store.conn.query("SELECT code FROM region WHERE level = 'village' ORDER BY code", &[])?.iter().map(|r| r[0].string()).collect();
    let _ = P::Null;
    let keys = store.keys.clone();
    let phones: Vec<String> = store
        .conn
        .query("SELECT phone FROM household WHERE id % 997 = 1 AND phone IS NOT NULL LIMIT 300", &[])?
        .iter()
        .filter_map(|r| r[0].bytes().and_then(|b| keys.open(b).ok()))
        .collect();
    let numbers: Vec<String> = store.conn.query("SELECT household_no FROM household WHERE id % 991 = 5 LIMIT 300", &[])?.iter().map(|r| r[0].string()).collect();
    let initials: Vec<String> = names.iter().map(|n| bangfu_domain::pinyin::initials(n)).collect();
    let village = RegionScope::of(&RegionCode::parse(&villages[villages.len() / 2])?);
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

    // the household list: each filter alone, page of 20 at offset 0 and the total, county and township
    let filters: Vec<(&str, HouseholdFilter)> = vec![
        ("no filter", HouseholdFilter::default()),
        ("两不愁三保障 unmet", HouseholdFilter { guarantee_unmet: true, ..Default::default() }),
        ("income below 6000 元 (latest year)", HouseholdFilter { income_below: Some(600_000), ..Default::default() }),
        ("income below 6000 元 in 2025", HouseholdFilter { income_below: Some(600_000), income_year: Some(2025), ..Default::default() }),
        ("monitored", HouseholdFilter { monitored: Some(true), ..Default::default() }),
        ("not monitored", HouseholdFilter { monitored: Some(false), ..Default::default() }),
        ("has helper", HouseholdFilter { has_helper: Some(true), ..Default::default() }),
        ("no helper", HouseholdFilter { has_helper: Some(false), ..Default::default() }),
        ("type exited", HouseholdFilter { household_type: Some("exited".into()), ..Default::default() }),
        ("cause illness (any of 5)", HouseholdFilter { cause: Some("illness".into()), ..Default::default() }),
    ];
    for (label, f) in &filters {
        run(&format!("list page 20, county: {label}"), &mut |s, _| Ok(query::page(&mut s.conn, &county, f, SortKey::HouseholdNo, 0, 20)?.len()))?;
        run(&format!("list page 20, township: {label}"), &mut |s, i| {
            let f = HouseholdFilter { region: Some(RegionCode::parse(&townships[i % townships.len()])?), ..f.clone() };
            Ok(query::page(&mut s.conn, &county, &f, SortKey::HouseholdNo, 0, 20)?.len())
        })?;
        run(&format!("list total, county: {label}"), &mut |s, _| Ok(query::count(&mut s.conn, &county, f)? as usize))?;
        run(&format!("list total, township: {label}"), &mut |s, i| {
            let f = HouseholdFilter { region: Some(RegionCode::parse(&townships[i % townships.len()])?), ..f.clone() };
            Ok(query::count(&mut s.conn, &county, &f)? as usize)
        })?;
    }
    run("list page 20, county, by 区划", &mut |s, _| Ok(query::page(&mut s.conn, &county, &HouseholdFilter::default(), SortKey::Region, 0, 20)?.len()))?;

    // the search box, each kind of query (limit 20)
    let search = |s: &mut Store, scope: &RegionScope, q: &str| -> Result<usize, Box<dyn std::error::Error>> { Ok(query::search(&mut s.conn, &keys, scope, q, 20)?.len()) };
    run("search: whole resident ID", &mut |s, i| search(s, &county, &ids[i % ids.len()]))?;
    run("search: last 6 of a resident ID", &mut |s, i| search(s, &county, &ids[i % ids.len()][12..]))?;
    run("search: last 10 of a resident ID", &mut |s, i| search(s, &county, &ids[i % ids.len()][8..]))?;
    run("search: mobile phone", &mut |s, i| search(s, &county, &phones[i % phones.len()]))?;
    run("search: 户编号", &mut |s, i| search(s, &county, &numbers[i % numbers.len()]))?;
    run("search: full name", &mut |s, i| search(s, &county, &names[i % names.len()]))?;
    run("search: surname", &mut |s, i| search(s, &county, &names[i % names.len()].chars().take(1).collect::<String>()))?;
    run("search: surname, one village", &mut |s, i| search(s, &village, &names[i % names.len()].chars().take(1).collect::<String>()))?;
    run("search: initials (whole)", &mut |s, i| search(s, &county, &initials[i % initials.len()]))?;
    run("search: initials (2 letters)", &mut |s, i| search(s, &county, &initials[i % initials.len()].chars().take(2).collect::<String>()))?;
    run("search: initials (1 letter), one village", &mut |s, i| search(s, &village, &initials[i % initials.len()].chars().take(1).collect::<String>()))?;
    run("search: text that matches nothing (' OR 1=1 --)", &mut |s, _| search(s, &county, "' OR 1=1 --"))?;
    Ok(())
}
