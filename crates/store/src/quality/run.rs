//! A rule run over a region: stream the households, check each, add the cross-household rules,
//! then compare with the previous run and count by village and rule.

use super::cross;
use super::scan::{Scanned, ids_in_scope, measures_in_use, read_block};
use super::settings::{RuleSettings, settings};
use crate::audit::{self, Actor, Entry};
use crate::bulk;
use crate::db::{Cell, Conn, DbUrl, P};
use crate::error::{Result, StoreError};
use crate::keyring::Keyring;
use bangfu_domain::quality::{CheckContext, Requires, Rule, Severity, evaluate};
use bangfu_domain::{RegionCode, RegionScope};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::time::Instant;

/// What to check: the user's scope, optionally a narrower region, and the date ages are taken on.
pub struct RunRequest<'a> {
    pub scope: &'a RegionScope,
    pub region: Option<&'a RegionCode>,
    pub today: NaiveDate,
}

/// A run as listed and reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub id: i64,
    pub scope_prefix: String,
    pub household_id: Option<i64>,
    pub actor: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub previous_run_id: Option<i64>,
    pub rule_count: i64,
    pub households: i64,
    pub members: i64,
    pub findings: i64,
    pub errors: i64,
    pub warnings: i64,
    pub new_findings: i64,
    pub fixed_findings: i64,
    pub elapsed_ms: i64,
    pub message: Option<String>,
}

pub(crate) const RUN_COLUMNS: &str = "id, scope_prefix, household_id, actor, started_at, finished_at, status, previous_run_id, rule_count, households, members, findings, errors, warnings, new_findings, fixed_findings, elapsed_ms, message";

pub(crate) fn run_from_row(r: &[Cell]) -> RunSummary {
    RunSummary {
        id: r[0].int().unwrap_or_default(),
        scope_prefix: r[1].string(),
        household_id: r[2].int(),
        actor: r[3].string(),
        started_at: r[4].string(),
        finished_at: r[5].text().map(str::to_string),
        status: r[6].string(),
        previous_run_id: r[7].int(),
        rule_count: r[8].int().unwrap_or_default(),
        households: r[9].int().unwrap_or_default(),
        members: r[10].int().unwrap_or_default(),
        findings: r[11].int().unwrap_or_default(),
        errors: r[12].int().unwrap_or_default(),
        warnings: r[13].int().unwrap_or_default(),
        new_findings: r[14].int().unwrap_or_default(),
        fixed_findings: r[15].int().unwrap_or_default(),
        elapsed_ms: r[16].int().unwrap_or_default(),
        message: r[17].text().map(str::to_string),
    }
}

pub(crate) const FINDING_COLUMNS: [&str; 8] = ["run_id", "rule_code", "region_code", "household_id", "member_id", "severity", "is_new", "message"];

/// One finding row for `quality_finding`.
pub(crate) fn finding_row(run_id: i64, rule: Rule, region: &str, household_id: i64, member_id: i64, message: String) -> Vec<Cell> {
    vec![
        Cell::Int(run_id),
        Cell::Text(rule.code().into()),
        Cell::Text(region.into()),
        Cell::Int(household_id),
        Cell::Int(member_id),
        Cell::Text(rule.def().severity.code().into()),
        Cell::Bool(true),
        Cell::Text(message),
    ]
}

/// Checks one scanned household; a record that cannot be read or a rule that fails on it becomes a
/// REC-02 finding, and the run carries on.
pub(crate) fn check_scanned(run_id: i64, h: &Scanned, settings: &mut RuleSettings, today: NaiveDate, out: &mut Vec<Vec<Cell>>) {
    let rules = settings.for_region(&h.region_code);
    if let Some(why) = &h.unreadable {
        if rules.on(Rule::Unreadable) {
            out.push(finding_row(run_id, Rule::Unreadable, &h.region_code, h.id, 0, format!("该户记录无法读取：{why}")));
        }
        return;
    }
    let ctx = CheckContext { today, rules: &rules, measures: h.measures.as_deref() };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| evaluate(&h.doc, &ctx))) {
        Ok(findings) => {
            for f in findings {
                let member_id = f.member.and_then(|i| h.member_ids.get(i).copied()).unwrap_or(0);
                out.push(finding_row(run_id, f.rule, &h.region_code, h.id, member_id, f.message));
            }
        }
        Err(_) => {
            if rules.on(Rule::Unreadable) {
                out.push(finding_row(run_id, Rule::Unreadable, &h.region_code, h.id, 0, "检查该户时规则执行出错，请核对该户数据".into()));
            }
        }
    }
}

/// The county part of a prefix: measure rules switch on for a county once it records measures.
pub(crate) fn county_of(prefix: &str) -> &str {
    &prefix[..prefix.len().min(6)]
}

/// The prefix a run covers: the requested region if it lies in the scope, else the scope.
pub(crate) fn run_prefix(scope: &RegionScope, region: Option<&RegionCode>) -> Result<String> {
    match region {
        Some(r) if scope.contains(r) => Ok(r.prefix().to_string()),
        Some(r) => Err(StoreError::NotFound(format!("区划 {}", r.as_str()))),
        None => Ok(scope.prefix().to_string()),
    }
}

/// The rules that run for a prefix (on, and with their data available).
fn rules_in_force(settings: &mut RuleSettings, prefix: &str, with_measures: bool) -> i64 {
    let r = settings.for_region(prefix);
    Rule::ALL.iter().filter(|x| r.on(**x) && (with_measures || x.def().requires == Requires::Registry)).count() as i64
}

/// Runs every rule over the region; findings, counts and the comparison with the previous run are
/// stored. `progress(done, total)` is called after each block of households.
pub fn run(conn: &mut Conn, keys: &Keyring, actor: &Actor, req: &RunRequest<'_>, progress: &mut dyn FnMut(u64, u64)) -> Result<RunSummary> {
    run_with(conn, None, keys, actor, req, progress)
}

/// Like [`run`], reading and checking on two extra connections to `url` at once (both cores busy).
pub fn run_parallel(conn: &mut Conn, url: &DbUrl, keys: &Keyring, actor: &Actor, req: &RunRequest<'_>, progress: &mut dyn FnMut(u64, u64)) -> Result<RunSummary> {
    run_with(conn, Some(url), keys, actor, req, progress)
}

fn run_with(conn: &mut Conn, url: Option<&DbUrl>, keys: &Keyring, actor: &Actor, req: &RunRequest<'_>, progress: &mut dyn FnMut(u64, u64)) -> Result<RunSummary> {
    let started = Instant::now();
    let prefix = run_prefix(req.scope, req.region)?;
    let mut settings = settings(conn)?;
    let previous = conn
        .query_opt(
            "SELECT id FROM quality_run WHERE status = 'done' AND household_id IS NULL AND CAST(? AS TEXT) LIKE scope_prefix || '%' ORDER BY id DESC LIMIT 1",
            &[P::Text(&prefix)],
        )?
        .and_then(|r| r[0].int());
    conn.begin()?;
    let run_id = crate::ids::allocate(conn, "quality_run", 1)?;
    conn.execute(
        "INSERT INTO quality_run (id, scope_prefix, actor, started_at, status, previous_run_id) VALUES (?, ?, ?, ?, 'running', ?)",
        &[P::Int(run_id), P::Text(&prefix), P::Text(&actor.name), P::Text(&crate::now_utc()), previous.map(P::Int).unwrap_or(P::Null)],
    )?;
    conn.commit()?;
    match execute(conn, url, keys, run_id, &prefix, previous, &mut settings, req.today, progress) {
        Ok((households, members)) => finish(conn, actor, run_id, &prefix, previous, &mut settings, households, members, started),
        Err(e) => {
            let _ = conn.rollback();
            let _ = conn.execute("DELETE FROM quality_finding WHERE run_id = ?", &[P::Int(run_id)]);
            let _ = conn.execute("DELETE FROM quality_count WHERE run_id = ?", &[P::Int(run_id)]);
            let _ = conn.execute(
                "UPDATE quality_run SET status = 'failed', finished_at = ?, message = ? WHERE id = ?",
                &[P::Text(&crate::now_utc()), P::Text(&e.to_string()), P::Int(run_id)],
            );
            Err(e)
        }
    }
}

const BLOCK: usize = 2000;

#[allow(clippy::too_many_arguments)]
fn execute(
    conn: &mut Conn,
    url: Option<&DbUrl>,
    keys: &Keyring,
    run_id: i64,
    prefix: &str,
    previous: Option<i64>,
    settings: &mut RuleSettings,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(i64, i64)> {
    let ids = ids_in_scope(conn, prefix)?;
    let with_measures = measures_in_use(conn, county_of(prefix))?;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let (households, members) = match url {
        Some(url) => check_parallel(conn, url, keys, run_id, prefix, &ids, with_measures, settings, today, progress, &mut rows)?,
        None => check_pipelined(conn, keys, run_id, prefix, &ids, with_measures, settings, today, progress, &mut rows)?,
    };
    cross::duplicate_ids(conn, run_id, prefix, settings, &mut rows)?;
    cross::shared_phones(conn, run_id, prefix, settings, &mut rows)?;
    cross::orphan_members(conn, run_id, prefix, settings, &mut rows)?;
    write(conn, &rows)?;
    conn.begin()?;
    if let Some(prev) = previous {
        conn.execute(
            "UPDATE quality_finding SET is_new = ? WHERE run_id = ? AND EXISTS (SELECT 1 FROM quality_finding p WHERE p.run_id = ? \
             AND p.household_id = quality_finding.household_id AND p.member_id = quality_finding.member_id AND p.rule_code = quality_finding.rule_code)",
            &[P::Bool(false), P::Int(run_id), P::Int(prev)],
        )?;
    }
    count(conn, run_id, prefix, previous)?;
    conn.commit()?;
    Ok((households, members))
}

/// Two reader threads, each with its own connection, take blocks in turn, read and check them;
/// this thread writes the finding rows they send back.
#[allow(clippy::too_many_arguments)]
fn check_parallel(
    conn: &mut Conn,
    url: &DbUrl,
    keys: &Keyring,
    run_id: i64,
    prefix: &str,
    ids: &[i64],
    with_measures: bool,
    settings: &mut RuleSettings,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64, u64),
    rows: &mut Vec<Vec<Cell>>,
) -> Result<(i64, i64)> {
    const READERS: usize = 2;
    let blocks: Vec<&[i64]> = ids.chunks(BLOCK).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let total = ids.len() as u64;
    let (mut households, mut members) = (0i64, 0i64);
    let mut readers = Vec::with_capacity(READERS);
    for _ in 0..READERS {
        readers.push(Conn::open(url)?);
    }
    std::thread::scope(|s| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::channel::<Result<(i64, i64, Vec<Vec<Cell>>)>>();
        for mut reader in readers {
            let (tx, blocks, next) = (tx.clone(), &blocks, &next);
            let mut mine = settings.clone();
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(block) = blocks.get(i) else { break };
                    let result = read_block(&mut reader, keys, prefix, block, with_measures).map(|scanned| {
                        let mut out = Vec::new();
                        for h in &scanned {
                            check_scanned(run_id, h, &mut mine, today, &mut out);
                        }
                        (scanned.len() as i64, scanned.iter().map(|h| h.doc.members.len() as i64).sum(), out)
                    });
                    let failed = result.is_err();
                    if tx.send(result).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for done in rx {
            let (h, m, mut r) = done?;
            households += h;
            members += m;
            rows.append(&mut r);
            progress(households as u64, total);
            if rows.len() >= 5000 {
                write(conn, &std::mem::take(rows))?;
            }
        }
        Ok(())
    })?;
    Ok((households, members))
}

/// One connection: this thread reads, a second thread checks.
#[allow(clippy::too_many_arguments)]
fn check_pipelined(
    conn: &mut Conn,
    keys: &Keyring,
    run_id: i64,
    prefix: &str,
    ids: &[i64],
    with_measures: bool,
    settings: &mut RuleSettings,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64, u64),
    rows: &mut Vec<Vec<Cell>>,
) -> Result<(i64, i64)> {
    let total = ids.len() as u64;
    // Reading (this thread) and checking (a second thread) overlap: blocks go one way, finding
    // rows come back and are written between reads, on this thread's connection.
    let (mut households, mut members) = (0i64, 0i64);
    let checking: &mut RuleSettings = &mut *settings;
    std::thread::scope(|s| -> Result<()> {
        let (block_tx, block_rx) = std::sync::mpsc::sync_channel::<Vec<Scanned>>(2);
        let (rows_tx, rows_rx) = std::sync::mpsc::channel::<(i64, i64, Vec<Vec<Cell>>)>();
        let checker = s.spawn(move || {
            for block in block_rx {
                let mut out = Vec::new();
                let m: i64 = block.iter().map(|h| h.doc.members.len() as i64).sum();
                for h in &block {
                    check_scanned(run_id, h, checking, today, &mut out);
                }
                if rows_tx.send((block.len() as i64, m, out)).is_err() {
                    break;
                }
            }
        });
        let mut take = |rows: &mut Vec<Vec<Cell>>, (h, m, mut r): (i64, i64, Vec<Vec<Cell>>)| {
            households += h;
            members += m;
            rows.append(&mut r);
            progress(households as u64, total);
        };
        let mut failed = None;
        for block in ids.chunks(BLOCK) {
            match read_block(conn, keys, prefix, block, with_measures) {
                Ok(scanned) => {
                    if block_tx.send(scanned).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            while let Ok(done) = rows_rx.try_recv() {
                take(rows, done);
            }
            if rows.len() >= 5000
                && let Err(e) = write(conn, &std::mem::take(rows)) {
                    failed = Some(e);
                    break;
                }
        }
        drop(block_tx);
        for done in rows_rx {
            take(rows, done);
        }
        let _ = checker.join();
        match failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })?;
    Ok((households, members))
}

fn write(conn: &mut Conn, rows: &[Vec<Cell>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    conn.begin()?;
    match bulk::write_rows(conn, "quality_finding", &FINDING_COLUMNS, rows) {
        Ok(()) => conn.commit(),
        Err(e) => {
            let _ = conn.rollback();
            Err(e)
        }
    }
}

/// Counts per village and rule: findings and new ones from this run, fixed ones from the previous
/// run within the prefix. Runs inside the caller's transaction.
fn count(conn: &mut Conn, run_id: i64, prefix: &str, previous: Option<i64>) -> Result<()> {
    let mut counts: HashMap<(String, String), [i64; 3]> = HashMap::new();
    let rows = conn.query(
        "SELECT region_code, rule_code, COUNT(*), CAST(SUM(CASE WHEN is_new THEN 1 ELSE 0 END) AS BIGINT) FROM quality_finding WHERE run_id = ? GROUP BY region_code, rule_code",
        &[P::Int(run_id)],
    )?;
    for r in rows {
        counts.insert((r[0].string(), r[1].string()), [r[2].int().unwrap_or(0), r[3].int().unwrap_or(0), 0]);
    }
    if let Some(prev) = previous {
        let pattern = format!("{prefix}%");
        let rows = conn.query(
            "SELECT p.region_code, p.rule_code, COUNT(*) FROM quality_finding p WHERE p.run_id = ? AND p.region_code LIKE ? AND NOT EXISTS \
             (SELECT 1 FROM quality_finding c WHERE c.run_id = ? AND c.household_id = p.household_id AND c.member_id = p.member_id AND c.rule_code = p.rule_code) \
             GROUP BY p.region_code, p.rule_code",
            &[P::Int(prev), P::Text(&pattern), P::Int(run_id)],
        )?;
        for r in rows {
            counts.entry((r[0].string(), r[1].string())).or_insert([0; 3])[2] = r[2].int().unwrap_or(0);
        }
    }
    let mut out: Vec<Vec<Cell>> = counts
        .into_iter()
        .map(|((region, rule), c)| vec![Cell::Int(run_id), Cell::Text(region), Cell::Text(rule), Cell::Int(c[0]), Cell::Int(c[1]), Cell::Int(c[2])])
        .collect();
    out.sort_by(|a, b| (a[1].text(), a[2].text()).cmp(&(b[1].text(), b[2].text())));
    bulk::write_rows(conn, "quality_count", &["run_id", "region_code", "rule_code", "findings", "new_findings", "fixed_findings"], &out)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    conn: &mut Conn,
    actor: &Actor,
    run_id: i64,
    prefix: &str,
    previous: Option<i64>,
    settings: &mut RuleSettings,
    households: i64,
    members: i64,
    started: Instant,
) -> Result<RunSummary> {
    let t = conn
        .query_opt(
            "SELECT CAST(COALESCE(SUM(findings), 0) AS BIGINT), CAST(COALESCE(SUM(new_findings), 0) AS BIGINT), CAST(COALESCE(SUM(fixed_findings), 0) AS BIGINT) FROM quality_count WHERE run_id = ?",
            &[P::Int(run_id)],
        )?
        .map(|r| [r[0].int().unwrap_or(0), r[1].int().unwrap_or(0), r[2].int().unwrap_or(0)])
        .unwrap_or_default();
    let errors = conn.query_int("SELECT COUNT(*) FROM quality_finding WHERE run_id = ? AND severity = ?", &[P::Int(run_id), P::Text(Severity::Error.code())])?;
    let with_measures = measures_in_use(conn, county_of(prefix))?;
    let rule_count = rules_in_force(settings, prefix, with_measures);
    let mut notes: Vec<String> = std::mem::take(&mut settings.problems);
    if !with_measures {
        let waiting: Vec<&str> = Rule::ALL.iter().filter(|r| r.def().requires == Requires::Measures).map(|r| r.code()).collect();
        notes.push(format!("{} 需要帮扶措施数据：本区域录入帮扶措施后自动启用", waiting.join("、")));
    }
    let message = notes.join("；");
    let elapsed = started.elapsed().as_millis() as i64;
    conn.begin()?;
    let result = (|| -> Result<()> {
        conn.execute(
            "UPDATE quality_run SET status = 'done', finished_at = ?, rule_count = ?, households = ?, members = ?, findings = ?, errors = ?, warnings = ?, \
             new_findings = ?, fixed_findings = ?, elapsed_ms = ?, message = ? WHERE id = ?",
            &[
                P::Text(&crate::now_utc()),
                P::Int(rule_count),
                P::Int(households),
                P::Int(members),
                P::Int(t[0]),
                P::Int(errors),
                P::Int(t[0] - errors),
                P::Int(t[1]),
                P::Int(t[2]),
                P::Int(elapsed),
                P::Text(&message),
                P::Int(run_id),
            ],
        )?;
        audit::record(conn, actor, Entry {
            region_code: Some(prefix).filter(|p| !p.is_empty()),
            entity: "quality_run",
            entity_id: Some(run_id.to_string()),
            action: "run",
            before: None,
            after: Some(format!(
                "{{\"scope\":\"{prefix}\",\"households\":{households},\"findings\":{},\"new\":{},\"fixed\":{},\"previous\":{}}}",
                t[0],
                t[1],
                t[2],
                previous.map(|p| p.to_string()).unwrap_or("null".into())
            )),
        })
    })();
    match result {
        Ok(()) => conn.commit()?,
        Err(e) => {
            let _ = conn.rollback();
            return Err(e);
        }
    }
    let row = conn.query_opt(&format!("SELECT {} FROM quality_run WHERE id = ?", RUN_COLUMNS), &[P::Int(run_id)])?;
    row.map(|r| run_from_row(&r)).ok_or_else(|| StoreError::NotFound(format!("校验批次 {run_id}")))
}
