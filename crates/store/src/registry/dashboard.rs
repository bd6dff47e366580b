//! The dashboard's numbers for a caller's scope: households and people by type, attribute, main
//! cause, monitoring category and child region; unmet guarantees; the per-capita income
//! distribution of the latest year; the latest adjustment events. A handful of set-based passes.
//!
//! Two indexes the schema lacks make the whole-county numbers fast on SQLite (timings in
//! `examples/dashboard_latency.rs`): `member (household_id, status)`, so each household's active
//! members are counted in the index, and `adjustment_event (effective_on, region_code)`, so the
//! latest events are read from the newest end. Every query is correct without them.

use crate::db::{Backend, Conn, P};
use crate::error::Result;
use bangfu_domain::RegionScope;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Households and the active people in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    pub households: i64,
    pub people: i64,
}

impl Count {
    fn add(&mut self, households: i64, people: i64) {
        self.households += households;
        self.people += people;
    }
}

/// A region one level below the scope (township under a county, village under a township).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCount {
    /// The region's 12-digit code.
    pub code: String,
    /// Its name from the region table, when known.
    pub name: Option<String>,
    pub count: Count,
}

/// Households where a "两不愁三保障" guarantee is recorded as not met (a missing value is not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Guarantees {
    pub food_clothing: i64,
    pub education: i64,
    pub medical: i64,
    pub housing: i64,
    /// Households with at least one of the four not met.
    pub any: i64,
}

/// Households whose per-capita net income (fen) lies in `[from, to)`; `None` is an open end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncomeBin {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub households: i64,
}

/// The per-capita net income distribution of one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomeDistribution {
    pub year: i64,
    /// Active households in scope with a per-capita net income that year (the bins sum to it).
    pub households: i64,
    /// One bin below the first edge, one between each pair of edges, one from the last edge up.
    pub bins: Vec<IncomeBin>,
    /// The line asked for (fen) and how many of those households are below it.
    pub line: i64,
    pub below_line: i64,
}

/// One adjustment event, for the list of recent changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentEvent {
    pub id: i64,
    pub effective_on: NaiveDate,
    pub event_type: String,
    pub household_type_after: Option<String>,
    pub reason: String,
    pub household_id: i64,
    pub household_no: Option<String>,
    pub region_code: String,
}

/// Everything on the dashboard of one scope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dashboard {
    pub totals: Count,
    /// Sorted by households, most first; `None` is "not recorded".
    pub by_household_type: Vec<(Option<String>, Count)>,
    pub by_poverty_attribute: Vec<(Option<String>, Count)>,
    /// By the main cause (cause_1).
    pub by_cause: Vec<(Option<String>, Count)>,
    pub by_monitoring_category: Vec<(Option<String>, Count)>,
    /// The child regions with households, by code.
    pub by_region: Vec<RegionCount>,
    pub guarantees: Guarantees,
    /// `None` when no household in scope has an income record.
    pub income: Option<IncomeDistribution>,
    /// Newest first (effective date, then recording order).
    pub recent: Vec<RecentEvent>,
}

/// What the caller chooses: income bin edges and the line (fen), how many recent events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardParams {
    /// Ascending bin edges in fen.
    pub income_edges: Vec<i64>,
    /// The poverty / monitoring line in fen.
    pub income_line: i64,
    pub recent: i64,
}

/// The whole dashboard of a scope: [`counts`], [`guarantees`], [`income`] and [`recent_events`].
pub fn dashboard(conn: &mut Conn, scope: &RegionScope, params: &DashboardParams) -> Result<Dashboard> {
    let mut d = counts(conn, scope)?;
    d.guarantees = guarantees(conn, scope)?;
    d.income = income(conn, scope, &params.income_edges, params.income_line)?;
    d.recent = recent_events(conn, scope, params.recent)?;
    Ok(d)
}

/// Digits of the level below a scope prefix (a village scope is its own child).
pub fn child_digits(scope: &RegionScope) -> usize {
    [2, 4, 6, 9, 12].into_iter().find(|d| *d > scope.prefix().len()).unwrap_or(12)
}

/// Households and people by every dimension, in one pass over the households in scope.
///
/// The rows are grouped by the leading columns of the `household_scope_type` index, in its order
/// (village, type, status, attribute, category, main cause), so SQLite aggregates while walking the
/// covering index without sorting; the dimensions are then added up here from those few thousand rows.
/// (`status` is grouped on instead of filtered: a constant in the middle of the key makes SQLite sort.)
/// People come from a correlated count on SQLite (an index probe per household) and from a join with
/// members grouped by household on PostgreSQL (a hash join).
pub fn counts(conn: &mut Conn, scope: &RegionScope) -> Result<Dashboard> {
    let pattern = scope.like_pattern();
    let sql = match conn.backend() {
        Backend::Sqlite => {
            "SELECT h.region_code, h.household_type, h.status, h.poverty_attribute, h.monitoring_category, h.cause_1, COUNT(*), \
               SUM(CASE WHEN h.status = 'active' THEN (SELECT COUNT(*) FROM member m WHERE m.household_id = h.id AND m.status = 'active') ELSE 0 END) \
             FROM household h WHERE h.region_code LIKE ? \
             GROUP BY h.region_code, h.household_type, h.status, h.poverty_attribute, h.monitoring_category, h.cause_1"
        }
        Backend::Postgres => {
            "SELECT region_code, household_type, 'active', poverty_attribute, monitoring_category, cause_1, COUNT(*), CAST(SUM(n) AS BIGINT) FROM ( \
               SELECT h.id, h.region_code, h.household_type, h.poverty_attribute, h.monitoring_category, h.cause_1, COUNT(m.id) AS n \
               FROM household h LEFT JOIN member m ON m.household_id = h.id AND m.status = 'active' \
               WHERE h.status = 'active' AND h.region_code LIKE ? \
               GROUP BY h.id, h.region_code, h.household_type, h.poverty_attribute, h.monitoring_category, h.cause_1) x \
             GROUP BY region_code, household_type, poverty_attribute, monitoring_category, cause_1"
        }
    };
    let rows = conn.query(sql, &[P::Text(&pattern)])?;
    let digits = child_digits(scope);
    let mut d = Dashboard::default();
    let mut dims: [BTreeMap<Option<String>, Count>; 4] = Default::default();
    let mut regions: BTreeMap<String, Count> = BTreeMap::new();
    for r in &rows {
        if r[2].text() != Some("active") {
            continue;
        }
        let (h, p) = (r[6].int().unwrap_or(0), r[7].int().unwrap_or(0));
        d.totals.add(h, p);
        for (dim, col) in dims.iter_mut().zip([1, 3, 5, 4]) {
            dim.entry(r[col].text().map(str::to_string)).or_default().add(h, p);
        }
        let code = r[0].string();
        let child = format!("{:0<12}", &code[..digits.min(code.len())]);
        regions.entry(child).or_default().add(h, p);
    }
    let [t, a, c, m] = dims.map(by_households);
    (d.by_household_type, d.by_poverty_attribute, d.by_cause, d.by_monitoring_category) = (t, a, c, m);
    let names = region_names(conn, scope)?;
    d.by_region = regions.into_iter().map(|(code, count)| RegionCount { name: names.get(&code).cloned(), code, count }).collect();
    Ok(d)
}

fn by_households(m: BTreeMap<Option<String>, Count>) -> Vec<(Option<String>, Count)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.households.cmp(&a.1.households).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Names of the regions one level below the scope (the region table is small).
fn region_names(conn: &mut Conn, scope: &RegionScope) -> Result<BTreeMap<String, String>> {
    let (condition, key) = match scope.prefix().len() {
        0 => ("parent_code IS NULL AND ? = ''", String::new()),
        12.. => ("code = ?", scope.prefix().to_string()),
        _ => ("parent_code = ?", format!("{:0<12}", scope.prefix())),
    };
    let rows = conn.query(&format!("SELECT code, name FROM region WHERE {condition}"), &[P::Text(&key)])?;
    Ok(rows.iter().map(|r| (r[0].string(), r[1].string())).collect())
}

/// Households in scope with each guarantee recorded as not met, in one pass.
/// The condition repeats the `household_unmet` partial index's verbatim, so SQLite reads only those rows.
pub fn guarantees(conn: &mut Conn, scope: &RegionScope) -> Result<Guarantees> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(
        "SELECT COUNT(*) FILTER (WHERE food_clothing_secure = FALSE), COUNT(*) FILTER (WHERE education_secure = FALSE), \
           COUNT(*) FILTER (WHERE medical_secure = FALSE), COUNT(*) FILTER (WHERE housing_secure = FALSE), COUNT(*) \
         FROM household WHERE region_code LIKE ? \
           AND status = 'active' AND (food_clothing_secure = FALSE OR education_secure = FALSE OR medical_secure = FALSE OR housing_secure = FALSE)",
        &[P::Text(&pattern)],
    )?;
    let n = |i: usize| row.as_ref().and_then(|r| r[i].int()).unwrap_or(0);
    Ok(Guarantees { food_clothing: n(0), education: n(1), medical: n(2), housing: n(3), any: n(4) })
}

// Income rows are reached from the households in scope (`CROSS JOIN` keeps that order on SQLite,
// whose planner would otherwise walk an income index and probe households at random): the
// household's current region and status decide, not the region stored on the income row.
const INCOME_FROM: &str = "FROM household h CROSS JOIN household_income i \
     WHERE i.household_id = h.id AND i.year = ? AND h.status = 'active' AND h.region_code LIKE ? AND i.per_capita_net_income IS NOT NULL";

/// The latest year with a per-capita net income for an active household in scope. A township or
/// village asks its own households; wider scopes take the latest year anywhere (a scan of the small
/// income key), then earlier ones, each checked for a household in scope (years are few).
pub fn latest_income_year(conn: &mut Conn, scope: &RegionScope) -> Result<Option<i64>> {
    let pattern = scope.like_pattern();
    let mut before = i64::MAX;
    if scope.prefix().len() >= 9 {
        let sql = format!("SELECT MAX(i.year) {}", INCOME_FROM.replace("i.year = ?", "i.year < ?"));
        return Ok(conn.query_opt(&sql, &[P::Int(before), P::Text(&pattern)])?.and_then(|r| r[0].int()));
    }
    loop {
        let Some(year) = conn.query_opt("SELECT MAX(year) FROM household_income WHERE year < ?", &[P::Int(before)])?.and_then(|r| r[0].int()) else {
            return Ok(None);
        };
        if conn.query_opt(&format!("SELECT 1 {INCOME_FROM} LIMIT 1"), &[P::Int(year), P::Text(&pattern)])?.is_some() {
            return Ok(Some(year));
        }
        before = year;
    }
}

/// The per-capita net income distribution of the latest year with income records in scope:
/// households per bin (`edges` ascending, fen) and below `line` (fen). `None` without records.
pub fn income(conn: &mut Conn, scope: &RegionScope, edges: &[i64], line: i64) -> Result<Option<IncomeDistribution>> {
    let Some(year) = latest_income_year(conn, scope)? else { return Ok(None) };
    let pattern = scope.like_pattern();
    let edges: Vec<i64> = edges.iter().copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    // households below each edge (cumulative), below the line, and all, in one pass: the bins are differences
    let below = ", COUNT(*) FILTER (WHERE i.per_capita_net_income < ?)".repeat(edges.len() + 1);
    let sql = format!("SELECT COUNT(*){below} {INCOME_FROM}");
    let mut params: Vec<P> = edges.iter().chain([&line]).map(|e| P::Int(*e)).collect();
    params.extend([P::Int(year), P::Text(&pattern)]);
    let row = conn.query_opt(&sql, &params)?.unwrap_or_default();
    let n = |i: usize| row.get(i).and_then(|c| c.int()).unwrap_or(0);
    let total = n(0);
    let mut bins = Vec::with_capacity(edges.len() + 1);
    let mut prev = 0;
    for i in 0..=edges.len() {
        let upto = if i < edges.len() { n(1 + i) } else { total };
        bins.push(IncomeBin { from: i.checked_sub(1).map(|j| edges[j]), to: edges.get(i).copied(), households: upto - prev });
        prev = upto;
    }
    Ok(Some(IncomeDistribution { year, households: total, bins, line, below_line: n(1 + edges.len()) }))
}

/// The latest `limit` adjustment events in scope, newest first (effective date, then recording order).
/// Scoped by the event's own region (where the household was then), like a household's history;
/// events of households since removed are included: their removal is a change too.
///
/// For a county or wider, SQLite is steered off the scope index (`|| ''`): walking a date index
/// from the newest end (see the module note) stops after `limit` rows, where the scope index
/// would sort every event of the county. PostgreSQL's planner weighs both with statistics.
pub fn recent_events(conn: &mut Conn, scope: &RegionScope, limit: i64) -> Result<Vec<RecentEvent>> {
    if limit <= 0 { return Ok(Vec::new()) }
    let pattern = scope.like_pattern();
    let wide = conn.backend() == Backend::Sqlite && scope.prefix().len() <= 6;
    let filter = if wide { "e.region_code || '' LIKE ?" } else { "e.region_code LIKE ?" };
    let rows = conn.query(
        &format!(
            "SELECT e.id, e.effective_on, e.event_type, e.household_type_after, e.reason, e.household_id, h.household_no, e.region_code \
             FROM adjustment_event e LEFT JOIN household h ON h.id = e.household_id \
             WHERE {filter} ORDER BY e.effective_on DESC, e.id DESC LIMIT ?"
        ),
        &[P::Text(&pattern), P::Int(limit)],
    )?;
    Ok(rows
        .iter()
        .map(|r| RecentEvent {
            id: r[0].int().unwrap_or_default(),
            effective_on: r[1].date().unwrap_or_default(),
            event_type: r[2].string(),
            household_type_after: r[3].text().map(str::to_string),
            reason: r[4].string(),
            household_id: r[5].int().unwrap_or_default(),
            household_no: r[6].text().map(str::to_string),
            region_code: r[7].string(),
        })
        .collect())
}
