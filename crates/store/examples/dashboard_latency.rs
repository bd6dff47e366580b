//! Latency of the dashboard's numbers for the demo county, a township and a village: each part
//! and the whole, median of 5 runs after one warm-up (milliseconds).
//! Usage: cargo run --release -p bangfu-store --example dashboard_latency -- <database url> [runs]

use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::registry::dashboard::{self, DashboardParams};
use bangfu_store::{Conn, DbUrl};
use std::time::Instant;

type Part = fn(&mut Conn, &RegionScope, &DashboardParams) -> bangfu_store::Result<usize>;

fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(|a, b| a.total_cmp(b));
    ms[ms.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = DbUrl::parse(args.get(1).map(String::as_str).unwrap_or("bangfu.db"))?;
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut conn = Conn::open(&url)?;
    let first = |conn: &mut Conn, level: &str| -> bangfu_store::Result<String> {
        Ok(conn.query(&format!("SELECT code FROM region WHERE level = '{level}' ORDER BY code LIMIT 1"), &[])?.first().map(|r| r[0].string()).unwrap_or_default())
    };
    let county = first(&mut conn, "county")?;
    let township = first(&mut conn, "township")?;
    let village = first(&mut conn, "village")?;
    // 元 → fen: 0, 4,000 … 20,000 元 in steps; the 2025 monitoring line used by the demo is 7,000 元
    let params = DashboardParams { income_edges: [4_000, 6_000, 8_000, 10_000, 12_000, 15_000, 20_000, 30_000].map(|y| y * 100).to_vec(), income_line: 700_000, recent: 20 };
    let parts: [(&str, Part); 5] = [
        ("counts (5 dimensions)", |c, s, _| Ok(dashboard::counts(c, s)?.by_region.len())),
        ("guarantees", |c, s, _| Ok(dashboard::guarantees(c, s)?.any as usize)),
        ("income distribution", |c, s, p| Ok(dashboard::income(c, s, &p.income_edges, p.income_line)?.map_or(0, |d| d.households as usize))),
        ("recent events", |c, s, p| Ok(dashboard::recent_events(c, s, p.recent)?.len())),
        ("whole dashboard", |c, s, p| Ok(dashboard::dashboard(c, s, p)?.totals.households as usize)),
    ];
    println!("database {}, median of {runs} runs", url.display());
    for (label, code) in [("county", county), ("township", township), ("village", village)] {
        let scope = RegionScope::of(&RegionCode::parse(&code)?);
        let d = dashboard::dashboard(&mut conn, &scope, &params)?;
        println!("{label} {code}: {} households, {} people", d.totals.households, d.totals.people);
        for (name, f) in parts {
            let mut ms = Vec::with_capacity(runs);
            let mut out = 0;
            for _ in 0..runs {
                let t = Instant::now();
                out = f(&mut conn, &scope, &params)?;
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            println!("  {name:<24} {:>8.1} ms   ({out})", median(ms));
        }
    }
    Ok(())
}
