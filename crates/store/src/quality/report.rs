//! Reading runs back: the list, counts by rule and region, findings with their state against the
//! previous run (new, still open, fixed), and the work list a village prints. All within a scope.

use super::run::{RUN_COLUMNS, RunSummary, run_from_row};
use crate::db::{Cell, Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::quality::{Rule, Severity};
use bangfu_domain::RegionScope;
use std::collections::BTreeMap;

/// Where a finding stands against the previous run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingState {
    /// Found now, not in the previous run.
    New,
    /// Found now and in the previous run.
    Open,
    /// In the previous run, gone now.
    Fixed,
}

impl FindingState {
    pub fn code(self) -> &'static str {
        match self {
            FindingState::New => "new",
            FindingState::Open => "open",
            FindingState::Fixed => "fixed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FindingState::New => "新发现",
            FindingState::Open => "仍未改正",
            FindingState::Fixed => "已改正",
        }
    }
    pub fn parse(code: &str) -> Option<FindingState> {
        match code {
            "new" => Some(FindingState::New),
            "open" => Some(FindingState::Open),
            "fixed" => Some(FindingState::Fixed),
            _ => None,
        }
    }
}

/// Counts of one rule in a run, within the reader's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    pub rule_code: String,
    pub findings: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
}

/// Counts of one region (the next level down) in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCount {
    pub code: String,
    pub name: String,
    pub findings: i64,
    pub errors: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
}

/// A run with its counts by rule and by region below `prefix`.
#[derive(Debug, Clone)]
pub struct RunDetail {
    pub run: RunSummary,
    pub prefix: String,
    pub by_rule: Vec<RuleCount>,
    pub by_region: Vec<RegionCount>,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// A region-code prefix inside the scope.
    pub region: Option<String>,
    pub rule: Option<String>,
    /// `None` = new and open (what is still wrong).
    pub state: Option<FindingState>,
    pub household_id: Option<i64>,
}

/// One finding as listed, printed and exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    pub rule_code: String,
    pub severity: Severity,
    pub region_code: String,
    pub township_name: String,
    pub village_name: String,
    pub household_id: i64,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub message: String,
    pub state: FindingState,
}

impl FindingRow {
    pub fn rule(&self) -> Option<Rule> {
        Rule::from_code(&self.rule_code)
    }
}

fn visible(run: &RunSummary, scope: &RegionScope) -> bool {
    let p = scope.prefix();
    run.scope_prefix.starts_with(p) || p.starts_with(&run.scope_prefix)
}

/// The reader's part of a run: the longer of the two prefixes.
fn effective_prefix(run: &RunSummary, scope: &RegionScope) -> String {
    let p = scope.prefix();
    if p.len() > run.scope_prefix.len() { p.to_string() } else { run.scope_prefix.clone() }
}

fn get_run(conn: &mut Conn, scope: &RegionScope, run_id: i64) -> Result<RunSummary> {
    let row = conn.query_opt(&format!("SELECT {RUN_COLUMNS} FROM quality_run WHERE id = ?"), &[P::Int(run_id)])?;
    match row.map(|r| run_from_row(&r)) {
        Some(r) if visible(&r, scope) => Ok(r),
        _ => Err(StoreError::NotFound(format!("校验批次 {run_id}"))),
    }
}

/// Region runs the reader can see (over their region, inside it, or covering it), newest first,
/// with counts restricted to the reader's scope.
pub fn runs(conn: &mut Conn, scope: &RegionScope, offset: i64, limit: i64) -> Result<(Vec<RunSummary>, i64)> {
    let p = scope.prefix().to_string();
    let pattern = format!("{p}%");
    let filter = "household_id IS NULL AND (scope_prefix LIKE ? OR CAST(? AS TEXT) LIKE scope_prefix || '%')";
    let total = conn.query_int(&format!("SELECT COUNT(*) FROM quality_run WHERE {filter}"), &[P::Text(&pattern), P::Text(&p)])?;
    let rows = conn.query(
        &format!("SELECT {RUN_COLUMNS} FROM quality_run WHERE {filter} ORDER BY id DESC LIMIT ? OFFSET ?"),
        &[P::Text(&pattern), P::Text(&p), P::Int(limit), P::Int(offset)],
    )?;
    let mut out: Vec<RunSummary> = rows.iter().map(|r| run_from_row(r)).collect();
    for r in out.iter_mut().filter(|r| r.scope_prefix.len() < p.len() && r.status == "done") {
        let c = conn.query_opt(
            "SELECT CAST(COALESCE(SUM(findings), 0) AS BIGINT), CAST(COALESCE(SUM(new_findings), 0) AS BIGINT), CAST(COALESCE(SUM(fixed_findings), 0) AS BIGINT) FROM quality_count WHERE run_id = ? AND region_code LIKE ?",
            &[P::Int(r.id), P::Text(&pattern)],
        )?;
        if let Some(c) = c {
            r.findings = c[0].int().unwrap_or(0);
            r.new_findings = c[1].int().unwrap_or(0);
            r.fixed_findings = c[2].int().unwrap_or(0);
            r.errors = conn.query_int(
                "SELECT COUNT(*) FROM quality_finding WHERE run_id = ? AND region_code LIKE ? AND severity = 'error'",
                &[P::Int(r.id), P::Text(&pattern)],
            )?;
            r.warnings = r.findings - r.errors;
        }
    }
    Ok((out, total))
}

/// Digits of the level below a prefix (province 2 → city 4 → county 6 → township 9 → village 12).
fn child_digits(prefix_len: usize) -> usize {
    match prefix_len {
        0..=1 => 2,
        2..=3 => 4,
        4..=5 => 6,
        6..=8 => 9,
        _ => 12,
    }
}

/// A run's counts by rule and by the regions one level below `region` (or the reader's scope).
pub fn run_detail(conn: &mut Conn, scope: &RegionScope, run_id: i64, region: Option<&str>) -> Result<RunDetail> {
    let run = get_run(conn, scope, run_id)?;
    let mut prefix = effective_prefix(&run, scope);
    if let Some(r) = region.filter(|r| r.starts_with(&prefix) && r.len() > prefix.len()) {
        prefix = r.to_string();
    }
    let digits = child_digits(prefix.len());
    let rows = conn.query(
        "SELECT substr(region_code, 1, ?), rule_code, CAST(SUM(findings) AS BIGINT), CAST(SUM(new_findings) AS BIGINT), CAST(SUM(fixed_findings) AS BIGINT) FROM quality_count \
         WHERE run_id = ? AND region_code LIKE ? GROUP BY 1, 2",
        &[P::Int(digits as i64), P::Int(run_id), P::Text(&format!("{prefix}%"))],
    )?;
    let mut rules: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    let mut regions: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for r in rows {
        let (code, rule) = (r[0].string(), r[1].string());
        let n = [r[2].int().unwrap_or(0), r[3].int().unwrap_or(0), r[4].int().unwrap_or(0)];
        let e = rules.entry(rule.clone()).or_default();
        for i in 0..3 {
            e[i] += n[i];
        }
        let error = Rule::from_code(&rule).is_some_and(|x| x.def().severity == Severity::Error);
        let g = regions.entry(code).or_default();
        g[0] += n[0];
        g[1] += if error { n[0] } else { 0 };
        g[2] += n[1];
        g[3] += n[2];
    }
    let names = region_names(conn, regions.keys().map(String::as_str).collect())?;
    let mut by_rule: Vec<RuleCount> = rules
        .into_iter()
        .map(|(rule_code, n)| RuleCount { rule_code, findings: n[0], new_findings: n[1], fixed_findings: n[2] })
        .collect();
    by_rule.sort_by_key(|r| (Rule::from_code(&r.rule_code).map(|x| x as usize).unwrap_or(usize::MAX), r.rule_code.clone()));
    let by_region = regions
        .into_iter()
        .map(|(code, n)| RegionCount { name: names.get(&code).cloned().unwrap_or_else(|| code.clone()), code, findings: n[0], errors: n[1], new_findings: n[2], fixed_findings: n[3] })
        .collect();
    Ok(RunDetail { run, prefix, by_rule, by_region })
}

fn region_names(conn: &mut Conn, codes: Vec<&str>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for chunk in codes.chunks(500) {
        let full: Vec<String> = chunk.iter().map(|c| format!("{c:0<12}")).collect();
        let params: Vec<P> = full.iter().map(|c| P::Text(c)).collect();
        let sql = format!("SELECT code, name FROM region WHERE code IN ({})", vec!["?"; chunk.len()].join(", "));
        for r in conn.query(&sql, &params)? {
            let code = r[0].string();
            if let Some(short) = chunk.iter().find(|c| format!("{c:0<12}") == code) {
                out.insert(short.to_string(), r[1].string());
            }
        }
    }
    Ok(out)
}

const ROW_SELECT: &str = "f.rule_code, f.severity, f.region_code, f.household_id, f.member_id, f.message, f.is_new, h.household_no, \
    (SELECT hm.name FROM member hm WHERE hm.household_id = f.household_id AND hm.relation = 'head' AND hm.status = 'active' ORDER BY hm.seq LIMIT 1), \
    m.name, v.name, t.name";
const ROW_JOINS: &str = "LEFT JOIN household h ON h.id = f.household_id LEFT JOIN member m ON m.id = f.member_id \
    LEFT JOIN region v ON v.code = f.region_code LEFT JOIN region t ON t.code = v.parent_code";

fn row_of(r: &[Cell], fixed: bool) -> FindingRow {
    let member_id = r[4].int().filter(|m| *m != 0);
    FindingRow {
        rule_code: r[0].string(),
        severity: Severity::parse(r[1].text().unwrap_or_default()).unwrap_or(Severity::Warning),
        region_code: r[2].string(),
        household_id: r[3].int().unwrap_or(0),
        member_id,
        message: r[5].string(),
        state: if fixed {
            FindingState::Fixed
        } else if r[6].bool().unwrap_or(true) {
            FindingState::New
        } else {
            FindingState::Open
        },
        household_no: r[7].text().map(str::to_string),
        head_name: r[8].text().map(str::to_string),
        member_name: member_id.and(r[9].text().map(str::to_string)),
        village_name: r[10].text().unwrap_or_default().to_string(),
        township_name: r[11].text().unwrap_or_default().to_string(),
    }
}

/// Findings of a run in the reader's scope, filtered, ordered by village, household and rule.
pub fn findings(conn: &mut Conn, scope: &RegionScope, run_id: i64, filter: &FindingFilter, offset: i64, limit: i64) -> Result<(Vec<FindingRow>, i64)> {
    let run = get_run(conn, scope, run_id)?;
    let mut prefix = effective_prefix(&run, scope);
    if let Some(r) = filter.region.as_deref().filter(|r| r.starts_with(&prefix)) {
        prefix = r.to_string();
    }
    let pattern = format!("{prefix}%");
    let fixed = filter.state == Some(FindingState::Fixed);
    let source_run = if fixed {
        match run.previous_run_id {
            Some(p) => p,
            None => return Ok((Vec::new(), 0)),
        }
    } else {
        run_id
    };
    let mut cond = String::from("f.run_id = ? AND f.region_code LIKE ?");
    let mut params: Vec<P> = vec![P::Int(source_run), P::Text(&pattern)];
    if let Some(rule) = &filter.rule {
        cond.push_str(" AND f.rule_code = ?");
        params.push(P::Text(rule));
    }
    if let Some(h) = filter.household_id {
        cond.push_str(" AND f.household_id = ?");
        params.push(P::Int(h));
    }
    match filter.state {
        Some(FindingState::New) => cond.push_str(" AND f.is_new = TRUE"),
        Some(FindingState::Open) => cond.push_str(" AND f.is_new = FALSE"),
        Some(FindingState::Fixed) => {
            cond.push_str(
                " AND NOT EXISTS (SELECT 1 FROM quality_finding c WHERE c.run_id = ? AND c.household_id = f.household_id AND c.member_id = f.member_id AND c.rule_code = f.rule_code)",
            );
            params.push(P::Int(run_id));
        }
        None => {}
    }
    let total = conn.query_int(&format!("SELECT COUNT(*) FROM quality_finding f WHERE {cond}"), &params)?;
    params.push(P::Int(limit));
    params.push(P::Int(offset));
    let rows = conn.query(
        &format!("SELECT {ROW_SELECT} FROM quality_finding f {ROW_JOINS} WHERE {cond} ORDER BY f.region_code, h.household_no, f.household_id, f.member_id, f.rule_code LIMIT ? OFFSET ?"),
        &params,
    )?;
    Ok((rows.iter().map(|r| row_of(r, fixed)).collect(), total))
}

/// Everything still wrong in a region (new and open), for the village's printed work list.
pub fn work_list(conn: &mut Conn, scope: &RegionScope, run_id: i64, region: Option<&str>) -> Result<Vec<FindingRow>> {
    let filter = FindingFilter { region: region.map(str::to_string), ..FindingFilter::default() };
    Ok(findings(conn, scope, run_id, &filter, 0, i64::MAX / 2)?.0)
}

/// The newest finished run that covers a household in scope — a region run over its village or a
/// check of that household (after an edit) — with the household's findings in it (new and open).
/// `None` when the household is not in scope or was never checked.
pub fn latest_for_household(conn: &mut Conn, scope: &RegionScope, household_id: i64) -> Result<Option<(RunSummary, Vec<FindingRow>)>> {
    let Some(h) = conn.query_opt("SELECT region_code FROM household WHERE id = ? AND region_code LIKE ?", &[P::Int(household_id), P::Text(&scope.like_pattern())])? else {
        return Ok(None);
    };
    let region = h[0].string();
    let row = conn.query_opt(
        &format!(
            "SELECT {RUN_COLUMNS} FROM quality_run WHERE status = 'done' AND (household_id = ? OR (household_id IS NULL AND CAST(? AS TEXT) LIKE scope_prefix || '%')) \
             ORDER BY id DESC LIMIT 1"
        ),
        &[P::Int(household_id), P::Text(&region)],
    )?;
    let Some(run) = row.map(|r| run_from_row(&r)) else { return Ok(None) };
    let filter = FindingFilter { household_id: Some(household_id), ..FindingFilter::default() };
    let (rows, _) = findings(conn, scope, run.id, &filter, 0, 1000)?;
    Ok(Some((run, rows)))
}

/// The newest finished region run covering the whole scope, with its errors inside the scope (for
/// the dashboard): one small query on the runs, one indexed count when the run is wider than the scope.
pub fn latest_errors(conn: &mut Conn, scope: &RegionScope) -> Result<Option<(RunSummary, i64)>> {
    let p = scope.prefix();
    let row = conn.query_opt(
        &format!("SELECT {RUN_COLUMNS} FROM quality_run WHERE status = 'done' AND household_id IS NULL AND CAST(? AS TEXT) LIKE scope_prefix || '%' ORDER BY id DESC LIMIT 1"),
        &[P::Text(p)],
    )?;
    let Some(run) = row.map(|r| run_from_row(&r)) else { return Ok(None) };
    let errors = if run.scope_prefix.len() < p.len() {
        conn.query_int(
            "SELECT COUNT(*) FROM quality_finding WHERE run_id = ? AND region_code LIKE ? AND severity = 'error'",
            &[P::Int(run.id), P::Text(&scope.like_pattern())],
        )?
    } else {
        run.errors
    };
    Ok(Some((run, errors)))
}
