//! Compliance at county scale. `generate` fills an existing registry (e.g. a `bangfu demo` database
//! of 300,000 households) with one helper per five households (60,000 helpers in 300 units, each
//! unit with a 局长 and a 副局长 paired with villages), a work team of three in every fifth village,
//! and one year of field work: a visit by each household's helper in 90% of the months (a second one
//! in a fifth of them: ≈ 3.9 million visits) and team
//! sign-ins on about 70% of the days — all set-based INSERT … SELECT, secondary indexes dropped and
//! rebuilt around the load. `time` then times the county's monthly compliance, a township's, and
//! a helper's due list (median of many), printing one JSON line.
//! Usage: cargo run --release -p bangfu-store --example compliance_bench -- generate|time <database url> [key file] [iterations]

use bangfu_domain::compliance::Month;
use bangfu_domain::RegionScope;
use bangfu_store::compliance::{self, MonthlyRequest};
use bangfu_store::{Backend, Cell, Conn, DbUrl, Store};
use chrono::NaiveDate;
use std::time::Instant;

const NOW: &str = "2026-07-01T00:00:00.000Z";
const UNITS: i64 = 300;

fn series(conn: &Conn, name: &str, from: i64, to: i64) -> String {
    match conn.backend() {
        Backend::Sqlite => format!("(WITH RECURSIVE s(v) AS (SELECT {from} UNION ALL SELECT v + 1 FROM s WHERE v < {to}) SELECT v FROM s) AS {name}"),
        Backend::Postgres => format!("generate_series({from}, {to}) AS {name}(v)"),
    }
}

/// `base + months + days` as a date.
fn date_expr(conn: &Conn, base: &str, months: &str, days: &str) -> String {
    match conn.backend() {
        Backend::Sqlite => format!("date('{base}', '+' || ({months}) || ' months', '+' || ({days}) || ' days')"),
        Backend::Postgres => format!("(DATE '{base}' + make_interval(months => ({months})::int, days => ({days})::int))::date"),
    }
}

const INDEXES: &[(&str, &str)] = &[
    ("activity_client_uuid", "CREATE UNIQUE INDEX activity_client_uuid ON activity (client_uuid)"),
    ("activity_household", "CREATE INDEX activity_household ON activity (household_id, occurred_on)"),
    ("activity_scope", "CREATE INDEX activity_scope ON activity (region_code, kind, occurred_on)"),
    ("activity_helper_activity", "CREATE INDEX activity_helper_activity ON activity_helper (activity_id)"),
    ("activity_helper_household", "CREATE INDEX activity_helper_household ON activity_helper (household_id, kind, occurred_on, helper_id)"),
    ("activity_helper_kind", "CREATE INDEX activity_helper_kind ON activity_helper (helper_id, kind, occurred_on)"),
    ("activity_helper_place", "CREATE INDEX activity_helper_place ON activity_helper (region_code, occurred_on, helper_id)"),
];

fn step(name: &str, t: &mut Instant) {
    eprintln!("  {name}: {:.1} s", t.elapsed().as_secs_f64());
    *t = Instant::now();
}

fn generate(store: &mut Store) -> Result<(), Box<dyn std::error::Error>> {
    let c = &mut store.conn;
    let mut t = Instant::now();
    c.begin()?;
    for table in ["activity_helper", "activity", "team_member", "work_team", "pairing", "helper", "assist_unit"] {
        c.batch(&format!("DELETE FROM {table}"))?;
    }
    for (name, _) in INDEXES {
        c.batch(&format!("DROP INDEX IF EXISTS {name}"))?;
    }
    let county: String = c.query_opt("SELECT code FROM region WHERE level = 'county' ORDER BY code LIMIT 1", &[])?.map(|r| r[0].string()).unwrap_or_default();
    let units: Vec<Vec<Cell>> = (1..=UNITS)
        .map(|i| vec![Cell::Int(i), Cell::Text(format!("帮扶单位{i}")), Cell::Text("government".into()), Cell::Text(county.clone()), Cell::Text("active".into()), Cell::Text(NOW.into()), Cell::Text(NOW.into()), Cell::Int(1)])
        .collect();
    bangfu_store::bulk::write_rows(c, "assist_unit", &["id", "name", "kind", "region_code", "status", "created_at", "updated_at", "version"], &units)?;
    // one helper per five households, in registry order (so a helper's households share a village)
    c.execute(
        "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, beneficiary_region, region_code, started_on, status, created_at, updated_at, version) \
         SELECT r.rn, 'helper_household', 'helper', (r.rn - 1) / 5 + 1, 'household', r.id, r.region_code, r.region_code, '2025-02-01', 'active', 'x', 'x', 1 \
         FROM (SELECT id, region_code, ROW_NUMBER() OVER (ORDER BY region_code, id) AS rn FROM household) r",
        &[],
    )?;
    c.execute(
        &format!(
            "INSERT INTO helper (id, name, kind, unit_id, rank, position, region_code, status, created_at, updated_at, version) \
             SELECT p.helper_id, '帮扶人' || CAST(p.helper_id AS TEXT), 'cadre', p.helper_id % {UNITS} + 1, 'ordinary', '科员', MIN(p.region_code), 'active', 'x', 'x', 1 \
             FROM pairing p GROUP BY p.helper_id"
        ),
        &[],
    )?;
    let mut leaders = Vec::new();
    for u in 1..=UNITS {
        for (k, pos) in [(0, "局长"), (1, "副局长")] {
            let id = 1_000_000 + u * 2 + k;
            leaders.push(vec![Cell::Int(id), Cell::Text(format!("领导{id}")), Cell::Text("leader".into()), Cell::Int(u), Cell::Text(pos.into()), Cell::Text(county.clone()), Cell::Text("active".into()), Cell::Text(NOW.into()), Cell::Text(NOW.into()), Cell::Int(1)]);
        }
    }
    bangfu_store::bulk::write_rows(c, "helper", &["id", "name", "kind", "unit_id", "position", "region_code", "status", "created_at", "updated_at", "version"], &leaders)?;
    // units with villages; teams of three in every fifth village
    c.execute(
        &format!(
            "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_region, region_code, started_on, status, created_at, updated_at, version) \
             SELECT 2000000 + r.rn, 'unit_village', 'unit', r.rn % {UNITS} + 1, 'village', r.code, r.code, '2025-02-01', 'active', 'x', 'x', 1 \
             FROM (SELECT code, ROW_NUMBER() OVER (ORDER BY code) AS rn FROM region WHERE level = 'village') r"
        ),
        &[],
    )?;
    c.execute(
        "INSERT INTO work_team (id, name, unit_id, village_code, started_on, status, created_at, version) \
         SELECT r.rn, '驻村工作队' || CAST(r.rn AS TEXT), r.rn % 300 + 1, r.code, '2025-02-01', 'active', 'x', 1 \
         FROM (SELECT code, ROW_NUMBER() OVER (ORDER BY code) AS rn FROM region WHERE level = 'village') r WHERE r.rn % 5 = 0",
        &[],
    )?;
    let k = series(c, "k", 0, 2);
    c.execute(
        &format!(
            "INSERT INTO helper (id, name, kind, unit_id, region_code, status, created_at, updated_at, version) \
             SELECT 3000000 + t.id * 3 + k.v, '队员' || CAST(t.id * 3 + k.v AS TEXT), 'team_member', t.unit_id, t.village_code, 'active', 'x', 'x', 1 FROM work_team t, {k}"
        ),
        &[],
    )?;
    c.execute(
        &format!("INSERT INTO team_member (team_id, helper_id, role, started_on) SELECT t.id, 3000000 + t.id * 3 + k.v, 'member', '2025-02-01' FROM work_team t, {k}"),
        &[],
    )?;
    step("helpers, units, pairings, teams", &mut t);
    // one year of visits: July 2025 – June 2026, 90% of the months per household
    let months = series(c, "months", 0, 11);
    let day = date_expr(c, "2025-07-01", "months.v", "(p.beneficiary_id * 31 + months.v * 17) % 28");
    let visits = format!("FROM pairing p, {months} WHERE p.kind = 'helper_household' AND (p.beneficiary_id * 7 + months.v * 13) % 10 <> 0");
    c.execute(
        &format!(
            "INSERT INTO activity (id, kind, region_code, household_id, occurred_on, checked, problems, help_given, created_by, created_at, version) \
             SELECT p.id * 12 + months.v + 1, 'visit', p.region_code, p.beneficiary_id, {day}, 'guarantees,income', NULL, '政策宣讲', 'bench', 'x', 1 {visits}"
        ),
        &[],
    )?;
    step("visits (activity)", &mut t);
    c.execute(
        &format!(
            "INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, household_id, region_code) \
             SELECT p.helper_id, {day}, p.id * 12 + months.v + 1, 'visit', p.beneficiary_id, p.region_code {visits}"
        ),
        &[],
    )?;
    // a second visit in about a fifth of the months, two weeks later
    let day2 = date_expr(c, "2025-07-01", "months.v", "(p.beneficiary_id * 31 + months.v * 17) % 14 + 14");
    let visits2 = format!("FROM pairing p, {months} WHERE p.kind = 'helper_household' AND (p.beneficiary_id * 11 + months.v * 3) % 5 = 0");
    c.execute(
        &format!(
            "INSERT INTO activity (id, kind, region_code, household_id, occurred_on, checked, problems, help_given, created_by, created_at, version) \
             SELECT 5000000 + p.id * 12 + months.v + 1, 'visit', p.region_code, p.beneficiary_id, {day2}, 'needs', '缺少劳动力', '联系公益岗', 'bench', 'x', 1 {visits2}"
        ),
        &[],
    )?;
    c.execute(
        &format!(
            "INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, household_id, region_code) \
             SELECT p.helper_id, {day2}, 5000000 + p.id * 12 + months.v + 1, 'visit', p.beneficiary_id, p.region_code {visits2}"
        ),
        &[],
    )?;
    step("visits (activity_helper)", &mut t);
    // team sign-ins on about 70% of the first 28 days of each month
    let days = series(c, "days", 0, 27);
    let on = date_expr(c, "2025-07-01", "months.v", "days.v");
    let signins = format!("FROM team_member tm JOIN work_team t ON t.id = tm.team_id, {months}, {days} WHERE (tm.helper_id * 3 + days.v * 7 + months.v) % 10 < 7");
    let id = "10000000 + ((tm.helper_id - 3000000) * 12 + months.v) * 28 + days.v";
    c.execute(&format!("INSERT INTO activity (id, kind, region_code, team_id, occurred_on, created_by, created_at, version) SELECT {id}, 'sign_in', t.village_code, t.id, {on}, 'bench', 'x', 1 {signins}"), &[])?;
    c.execute(&format!("INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, region_code) SELECT tm.helper_id, {on}, {id}, 'sign_in', t.village_code {signins}"), &[])?;
    // the leaders: the 局长 in each paired village one day a month, the 副局长 in half the months
    let lid = "20000000 + (hp.id - 1000000) * 1000 + months.v";
    let lsel = format!(
        "FROM helper hp JOIN pairing p ON p.helper_kind = 'unit' AND p.helper_id = hp.unit_id AND p.status = 'active' AND p.kind = 'unit_village' \
           AND p.id = (SELECT MIN(p2.id) FROM pairing p2 WHERE p2.helper_kind = 'unit' AND p2.helper_id = hp.unit_id AND p2.status = 'active' AND p2.kind = 'unit_village'), {months} \
         WHERE hp.kind = 'leader' AND (hp.position = '局长' OR months.v % 2 = 0)"
    );
    let lon = date_expr(c, "2025-07-01", "months.v", "10");
    c.execute(&format!("INSERT INTO activity (id, kind, region_code, occurred_on, created_by, created_at, version) SELECT {lid}, 'meeting', p.region_code, {lon}, 'bench', 'x', 1 {lsel}"), &[])?;
    c.execute(&format!("INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, region_code) SELECT hp.id, {lon}, {lid}, 'meeting', p.region_code {lsel}"), &[])?;
    step("sign-ins and leaders' days", &mut t);
    for (_, sql) in INDEXES {
        c.batch(sql)?;
    }
    step("indexes", &mut t);
    c.commit()?;
    c.analyze()?;
    if c.backend() == Backend::Sqlite {
        c.batch("ANALYZE")?;
    }
    step("commit and analyze", &mut t);
    let n = |c: &mut Conn, sql: &str| c.query_int(sql, &[]).unwrap_or(-1);
    eprintln!(
        "  households {}, helpers {}, pairings {}, activities {}, activity_helper {}",
        n(c, "SELECT COUNT(*) FROM household"),
        n(c, "SELECT COUNT(*) FROM helper"),
        n(c, "SELECT COUNT(*) FROM pairing"),
        n(c, "SELECT COUNT(*) FROM activity"),
        n(c, "SELECT COUNT(*) FROM activity_helper")
    );
    Ok(())
}

fn median(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[((v.len() as f64 - 1.0) * 0.95).round() as usize])
}

fn time(store: &mut Store, iterations: usize) -> Result<(), Box<dyn std::error::Error>> {
    let c = &mut store.conn;
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let month = Month::parse("2026-06").unwrap();
    let county = c.query_opt("SELECT code FROM region WHERE level = 'county' ORDER BY code LIMIT 1", &[])?.map(|r| r[0].string()).unwrap_or_default();
    let township = c.query_opt("SELECT code FROM region WHERE level = 'township' ORDER BY code LIMIT 1", &[])?.map(|r| r[0].string()).unwrap_or_default();
    let cs = RegionScope::of(&bangfu_domain::RegionCode::parse(&county)?);
    let ts = RegionScope::of(&bangfu_domain::RegionCode::parse(&township)?);
    let mut county_ms = Vec::new();
    let mut last = None;
    for _ in 0..iterations.clamp(1, 5) {
        let t = Instant::now();
        let m = compliance::monthly(c, &MonthlyRequest { scope: &cs, month, today, list_limit: 500 })?;
        county_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(m);
    }
    let m = last.unwrap();
    let mut township_ms = Vec::new();
    for _ in 0..iterations.clamp(1, 5) {
        let t = Instant::now();
        compliance::monthly(c, &MonthlyRequest { scope: &ts, month, today, list_limit: 500 })?;
        township_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let helpers: Vec<i64> = c.query("SELECT id FROM helper WHERE kind = 'cadre' AND id % 97 = 3 ORDER BY id", &[])?.iter().filter_map(|r| r[0].int()).collect();
    let mut due_ms = Vec::new();
    let mut items = 0;
    for h in helpers.iter().cycle().take(iterations.max(1) * 20) {
        let t = Instant::now();
        let d = compliance::due(c, &RegionScope::all(), *h, month, today)?.expect("helper");
        due_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        items += d.items.len();
    }
    let (cm, _) = median(county_ms.clone());
    let (tm, _) = median(township_ms.clone());
    let (dm, dp) = median(due_ms.clone());
    let rows = c.query_int("SELECT COUNT(*) FROM activity_helper", &[])?;
    println!(
        "{{\"activity_helper\":{rows},\"county_ms\":{cm:.1},\"county_runs\":{},\"township_ms\":{tm:.1},\"due_median_ms\":{dm:.3},\"due_p95_ms\":{dp:.3},\"due_runs\":{},\"due_items\":{items},\"pairs_due\":{},\"pairs_met\":{},\"rate\":{},\"overdue\":{},\"not_visited\":{},\"helpers\":{},\"helpers_behind\":{},\"units\":{},\"leaders\":{},\"team\":{},\"villages\":{},\"townships\":{}}}",
        county_ms.len(),
        due_ms.len(),
        m.total.visits.due,
        m.total.visits.met,
        m.total.visits.rate(),
        m.overdue_total,
        m.not_visited_total,
        m.helpers.len(),
        m.helpers_behind().count(),
        m.total.units.due,
        m.total.leaders.due,
        m.total.team.due,
        m.villages.len(),
        m.townships.len()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).cloned().unwrap_or_default();
    let url = DbUrl::parse(args.get(2).map(String::as_str).unwrap_or("bangfu.db"))?;
    let key = args.get(3).filter(|k| !k.is_empty()).map(std::path::PathBuf::from);
    let iterations: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut store = Store::open_and_migrate(&url, key.as_deref())?;
    match mode.as_str() {
        "generate" => generate(&mut store),
        "time" => time(&mut store, iterations),
        _ => Err("usage: compliance_bench generate|time <database url> [key file] [iterations]".into()),
    }
}
