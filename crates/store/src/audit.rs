//! The audit trail: who changed what, when, from where, before and after — written in the same
//! transaction as the change, hash-chained per county so that edits, deletions and truncation are
//! detectable (`verify`), and searchable (`search`, `history`).
//!
//! Each entry belongs to a chain: the county (first 6 digits of its region code), or `-` for
//! installation-wide entries. Within a chain entries are numbered 1, 2, 3 … and each stores the
//! hash of its predecessor and its own hash, a SHA-256 over a length-prefixed encoding of the
//! entry (see [`entry_hash`]). `audit_head` holds each chain's last number and hash, so deleting
//! the newest entries is detectable too. Writers of one chain serialize on its head row
//! (`SELECT … FOR UPDATE` on PostgreSQL; SQLite serializes writers anyway).

use crate::db::{Backend, Cell, Conn, Row, P};
use crate::error::Result;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Who is acting and through which door (cli, import, web, api).
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub source: &'static str,
    /// The client's address for web and API requests.
    pub ip: Option<String>,
}

impl Actor {
    pub fn new(name: impl Into<String>, source: &'static str) -> Actor {
        Actor { name: name.into(), source, ip: None }
    }

    /// The operating-system user running the command line.
    pub fn cli() -> Actor {
        let name = std::env::var("BANGFU_USER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "unknown".into());
        Actor::new(format!("cli:{name}"), "cli")
    }
}

/// One audit entry. `before`/`after` are JSON with protected values already masked.
/// An entry about a household uses entity `household` and the household's id as `entity_id`.
pub struct Entry<'a> {
    pub region_code: Option<&'a str>,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub action: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain an entry belongs to: its county (the first 6 characters of the region code), or `-`.
pub fn chain_of(region_code: Option<&str>) -> String {
    match region_code {
        Some(r) if r.chars().count() >= 6 => r.chars().take(6).collect(),
        _ => "-".to_string(),
    }
}

/// The fields an entry's hash covers, in hashing order.
struct Hashed<'a> {
    prev_hash: Option<&'a str>,
    chain: &'a str,
    seq: i64,
    at: &'a str,
    actor: &'a str,
    source: &'a str,
    client_ip: Option<&'a str>,
    region_code: Option<&'a str>,
    entity: &'a str,
    entity_id: Option<&'a str>,
    action: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
}

/// Lowercase hex SHA-256 over a tag and every field, each encoded as 0x00 for NULL or 0x01, its
/// byte length (8 bytes, big endian) and its UTF-8 bytes — no two different entries encode alike.
fn entry_hash(h: &Hashed<'_>) -> String {
    let seq = h.seq.to_string();
    let fields: [Option<&str>; 13] = [
        h.prev_hash,
        Some(h.chain),
        Some(&seq),
        Some(h.at),
        Some(h.actor),
        Some(h.source),
        h.client_ip,
        h.region_code,
        Some(h.entity),
        h.entity_id,
        Some(h.action),
        h.before,
        h.after,
    ];
    let mut d = Sha256::new();
    d.update(b"bangfu-audit-v1");
    for f in fields {
        match f {
            None => d.update([0u8]),
            Some(s) => {
                d.update([1u8]);
                d.update((s.len() as u64).to_be_bytes());
                d.update(s.as_bytes());
            }
        }
    }
    hex(d.finalize().as_slice())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// One id for an audit row: `UPDATE … RETURNING` is one statement where `ids::allocate` takes two.
fn next_id(conn: &mut Conn) -> Result<i64> {
    let row = conn.query_opt("UPDATE id_allocator SET next_id = next_id + 1 WHERE name = 'audit_log' RETURNING next_id - 1", &[])?;
    if let Some(id) = row.and_then(|r| r.first().and_then(Cell::int)) {
        return Ok(id);
    }
    // the installation's first entry: create the allocator row (concurrent first writers wait for each other)
    conn.execute("INSERT INTO id_allocator (name, next_id) VALUES ('audit_log', 1) ON CONFLICT (name) DO NOTHING", &[])?;
    let row = conn.query_opt("UPDATE id_allocator SET next_id = next_id + 1 WHERE name = 'audit_log' RETURNING next_id - 1", &[])?;
    row.and_then(|r| r.first().and_then(Cell::int)).ok_or_else(|| crate::StoreError::Invalid("无法为审计记录分配编号".into()))
}

/// Reads (and on PostgreSQL locks until the transaction ends) a chain's head: (last seq, its hash).
fn lock_head(conn: &mut Conn, chain: &str) -> Result<(i64, String)> {
    let sql = match conn.backend() {
        Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE chain = ?",
        Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE chain = ? FOR UPDATE",
    };
    if let Some(r) = conn.query_opt(sql, &[P::Text(chain)])? {
        return Ok((r[0].int().unwrap_or(0), r[1].string()));
    }
    // A new chain (or one copied without its head): create the head from the chain's last entry,
    // then lock it — concurrent first writers wait here for each other instead of colliding.
    let last = conn.query_opt("SELECT seq, hash FROM audit_log WHERE chain = ? AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1", &[P::Text(chain)])?;
    let (seq, hash) = match last {
        Some(r) => (r[0].int().unwrap_or(0), r[1].text().unwrap_or(GENESIS).to_string()),
        None => (0, GENESIS.to_string()),
    };
    conn.execute(
        "INSERT INTO audit_head (chain, seq, hash) VALUES (?, ?, ?) ON CONFLICT (chain) DO NOTHING",
        &[P::Text(chain), P::Int(seq), P::Text(&hash)],
    )?;
    let r = conn.query_opt(sql, &[P::Text(chain)])?.unwrap_or_default();
    Ok((r.first().and_then(Cell::int).unwrap_or(seq), r.get(1).and_then(Cell::text).unwrap_or(&hash).to_string()))
}

/// Appends an entry to its chain. Call inside the caller's transaction (the head stays locked
/// until it ends). Four statements: an id, the head, the row, the new head. Outside a transaction
/// two simultaneous writers of one chain can read the same head: the second then fails on the
/// unique (chain, seq) index — an error, never a forked chain.
pub fn record(conn: &mut Conn, actor: &Actor, e: Entry<'_>) -> Result<()> {
    record_many(conn, actor, &[e])
}

/// Appends many entries at once (a bulk decision writes one per case): one id block, each chain's
/// head locked once, the rows written in bulk. Same chain and hashes as calling [`record`] for each.
pub fn record_many(conn: &mut Conn, actor: &Actor, entries: &[Entry<'_>]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let n = entries.len() as i64;
    let first_id = match conn.query_opt("UPDATE id_allocator SET next_id = next_id + ? WHERE name = 'audit_log' RETURNING next_id - ?", &[P::Int(n), P::Int(n)])? {
        Some(r) => r.first().and_then(Cell::int).unwrap_or(1),
        None => {
            let first = next_id(conn)?;
            conn.execute("UPDATE id_allocator SET next_id = next_id + ? WHERE name = 'audit_log'", &[P::Int(n - 1)])?;
            first
        }
    };
    let mut heads: BTreeMap<String, (i64, String)> = BTreeMap::new();
    let at = crate::now_utc();
    let mut rows = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let chain = chain_of(e.region_code);
        if !heads.contains_key(&chain) {
            let head = lock_head(conn, &chain)?;
            heads.insert(chain.clone(), head);
        }
        let Some((seq, prev)) = heads.get_mut(&chain) else { continue };
        *seq += 1;
        let hash = entry_hash(&Hashed {
            prev_hash: Some(prev),
            chain: &chain,
            seq: *seq,
            at: &at,
            actor: &actor.name,
            source: actor.source,
            client_ip: actor.ip.as_deref(),
            region_code: e.region_code,
            entity: e.entity,
            entity_id: e.entity_id.as_deref(),
            action: e.action,
            before: e.before.as_deref(),
            after: e.after.as_deref(),
        });
        let text = |v: Option<&str>| v.map(|t| Cell::Text(t.to_string())).unwrap_or(Cell::Null);
        rows.push(vec![
            Cell::Int(first_id + i as i64),
            Cell::Text(at.clone()),
            Cell::Text(actor.name.clone()),
            Cell::Text(actor.source.to_string()),
            text(e.region_code),
            Cell::Text(e.entity.to_string()),
            text(e.entity_id.as_deref()),
            Cell::Text(e.action.to_string()),
            text(e.before.as_deref()),
            text(e.after.as_deref()),
            Cell::Text(chain.clone()),
            Cell::Int(*seq),
            text(actor.ip.as_deref()),
            Cell::Text(prev.clone()),
            Cell::Text(hash.clone()),
        ]);
        *prev = hash;
    }
    const COLUMNS: [&str; 15] = ["id", "at", "actor", "source", "region_code", "entity", "entity_id", "action", "before_value", "after_value", "chain", "seq", "client_ip", "prev_hash", "hash"];
    if rows.len() <= 4 {
        // a few entries (every single edit): plain INSERTs, cheaper than a COPY on PostgreSQL
        let sql = format!("INSERT INTO audit_log ({}) VALUES ({})", COLUMNS.join(", "), vec!["?"; COLUMNS.len()].join(", "));
        for r in &rows {
            conn.execute(&sql, &crate::db::params(r))?;
        }
    } else {
        crate::bulk::write_rows(conn, "audit_log", &COLUMNS, &rows)?;
    }
    for (chain, (seq, hash)) in &heads {
        conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE chain = ?", &[P::Int(*seq), P::Text(hash), P::Text(chain)])?;
    }
    Ok(())
}

/// Number of entries, optionally for one entity kind (for tests and summaries).
pub fn count(conn: &mut Conn, entity: Option<&str>) -> Result<i64> {
    match entity {
        Some(e) => conn.query_int("SELECT COUNT(*) FROM audit_log WHERE entity = ?", &[P::Text(e)]),
        None => conn.query_int("SELECT COUNT(*) FROM audit_log", &[]),
    }
}

/// Chains entries written before the chain existed (migration 2), oldest id first, appending to
/// any existing chain. Runs once, inside the migration's transaction.
pub(crate) fn chain_unchained(conn: &mut Conn) -> Result<u64> {
    let mut heads: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for r in conn.query("SELECT chain, seq, hash FROM audit_head", &[])? {
        heads.insert(r[0].string(), (r[1].int().unwrap_or(0), r[2].string()));
    }
    let (mut after_id, mut n) = (i64::MIN, 0u64);
    loop {
        let rows = conn.query(
            "SELECT id, at, actor, source, client_ip, region_code, entity, entity_id, action, before_value, after_value \
             FROM audit_log WHERE hash IS NULL AND id > ? ORDER BY id LIMIT 1000",
            &[P::Int(after_id)],
        )?;
        let Some(last) = rows.last() else { break };
        after_id = last[0].int().unwrap_or(i64::MAX);
        for r in &rows {
            let chain = chain_of(r[5].text());
            let (head_seq, prev_hash) = heads.get(&chain).cloned().unwrap_or_else(|| (0, GENESIS.to_string()));
            let seq = head_seq + 1;
            let hash = entry_hash(&Hashed {
                prev_hash: Some(&prev_hash),
                chain: &chain,
                seq,
                at: r[1].text().unwrap_or(""),
                actor: r[2].text().unwrap_or(""),
                source: r[3].text().unwrap_or(""),
                client_ip: r[4].text(),
                region_code: r[5].text(),
                entity: r[6].text().unwrap_or(""),
                entity_id: r[7].text(),
                action: r[8].text().unwrap_or(""),
                before: r[9].text(),
                after: r[10].text(),
            });
            conn.execute(
                "UPDATE audit_log SET chain = ?, seq = ?, prev_hash = ?, hash = ? WHERE id = ?",
                &[P::Text(&chain), P::Int(seq), P::Text(&prev_hash), P::Text(&hash), r[0].as_p()],
            )?;
            heads.insert(chain, (seq, hash));
            n += 1;
        }
    }
    if n > 0 {
        for (chain, (seq, hash)) in &heads {
            conn.execute(
                "INSERT INTO audit_head (chain, seq, hash) VALUES (?, ?, ?) ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                &[P::Text(chain), P::Int(*seq), P::Text(hash)],
            )?;
        }
    }
    Ok(n)
}

/// What is wrong at one place of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The entry's content no longer matches its hash (or its hash is missing).
    Modified,
    /// The entry's `prev_hash` is not its predecessor's hash (the predecessor was rewritten or replaced).
    BrokenLink,
    /// Numbers are missing in the middle of the chain (entries deleted).
    Missing,
    /// The head is ahead of the last entry (the newest entries deleted).
    Truncated,
    /// The head does not match the last entry (head or entries rewritten), or is missing.
    Head,
    /// An entry outside every chain (no chain, number or hash).
    Unchained,
    /// Two entries with one number.
    Duplicate,
}

impl ProblemKind {
    pub fn code(self) -> &'static str {
        match self {
            ProblemKind::Modified => "modified",
            ProblemKind::BrokenLink => "broken_link",
            ProblemKind::Missing => "missing",
            ProblemKind::Truncated => "truncated",
            ProblemKind::Head => "head",
            ProblemKind::Unchained => "unchained",
            ProblemKind::Duplicate => "duplicate",
        }
    }
}

/// One finding of `verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub chain: Option<String>,
    /// The entry's number in its chain (for missing entries: the first missing number).
    pub seq: Option<i64>,
    /// The audit_log row concerned, when there is one.
    pub row_id: Option<i64>,
    pub kind: ProblemKind,
    /// In Chinese, for people: "第 12 条记录内容被修改（哈希不符）".
    pub message: String,
}

/// The result of walking every chain.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// Chains checked (counties plus `-`).
    pub chains: u64,
    /// audit_log rows read.
    pub rows: u64,
    /// At most [`MAX_PROBLEMS`] findings, in chain order.
    pub problems: Vec<Problem>,
    /// Findings beyond those listed.
    pub problems_omitted: u64,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.problems_omitted == 0
    }
    /// All findings, listed or not.
    pub fn problem_count(&self) -> u64 {
        self.problems.len() as u64 + self.problems_omitted
    }
    fn add(&mut self, p: Problem) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        } else {
            self.problems_omitted += 1;
        }
    }
}

/// How many findings a report lists (memory stays bounded however damaged the table is).
pub const MAX_PROBLEMS: usize = 1000;

/// The walk's state within one chain.
struct ChainWalk {
    chain: String,
    last_seq: i64,
    last_hash: Option<String>,
}

fn problem(chain: &str, seq: Option<i64>, row_id: Option<i64>, kind: ProblemKind, message: String) -> Problem {
    Problem { chain: Some(chain.to_string()), seq, row_id, kind, message }
}

/// Compares a finished chain with its head.
fn close_chain(report: &mut VerifyReport, walk: &ChainWalk, head: Option<(i64, String)>) {
    let c = walk.chain.as_str();
    match head {
        None => report.add(problem(c, Some(walk.last_seq), None, ProblemKind::Head, format!("缺少链头（已有 {} 条记录，链头记录被删除）", walk.last_seq))),
        Some((hs, _)) if hs > walk.last_seq => report.add(problem(
            c,
            Some(walk.last_seq + 1),
            None,
            ProblemKind::Truncated,
            if walk.last_seq == 0 {
                format!("链头记到第 {hs} 条，但全部记录缺失（链被清空）")
            } else {
                format!("第 {} 条之后的记录缺失（链尾被截断，链头记到第 {hs} 条）", walk.last_seq)
            },
        )),
        Some((hs, _)) if hs < walk.last_seq => report.add(problem(
            c,
            Some(hs + 1),
            None,
            ProblemKind::Head,
            format!("链头只记到第 {hs} 条，但存在第 {} 条（链头被改动或记录被伪造）", walk.last_seq),
        )),
        // (a last entry without hash is already reported)
        Some((hs, hh)) if walk.last_hash.as_ref().is_some_and(|h| *h != hh) => {
            report.add(problem(c, Some(hs), None, ProblemKind::Head, format!("链头的哈希与第 {hs} 条记录不符（链头或该记录被改写）")))
        }
        Some(_) => {}
    }
}

const COLUMNS: &str = "id, at, actor, source, region_code, entity, entity_id, action, before_value, after_value, chain, seq, client_ip, prev_hash, hash";

/// Walks every chain in order, streaming (memory does not grow with the table): recomputes each
/// entry's hash, checks the links, that numbers run 1, 2, 3 … without gaps, that each head matches
/// its chain's last entry, and that no entry is outside a chain.
///
/// Call outside a transaction: heads and entries are read in one read-only snapshot of its own,
/// so entries written meanwhile are not mistaken for a head out of step.
pub fn verify(conn: &mut Conn) -> Result<VerifyReport> {
    match conn.backend() {
        Backend::Sqlite => conn.batch("BEGIN")?,
        Backend::Postgres => conn.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?,
    }
    let result = verify_snapshot(conn);
    let end = conn.rollback();
    let report = result?;
    end?;
    Ok(report)
}

fn verify_snapshot(conn: &mut Conn) -> Result<VerifyReport> {
    let mut heads: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for r in conn.query("SELECT chain, seq, hash FROM audit_head", &[])? {
        heads.insert(r[0].string(), (r[1].int().unwrap_or(0), r[2].string()));
    }
    let mut report = VerifyReport::default();
    let mut walk: Option<ChainWalk> = None;
    let sql = format!("SELECT {COLUMNS} FROM audit_log ORDER BY chain, seq");
    conn.for_each_row(&sql, |r: Row| {
        report.rows += 1;
        let a = AuditRow::from_row(r);
        let (Some(chain), Some(seq)) = (a.chain.clone(), a.seq) else {
            report.add(Problem {
                chain: a.chain.clone(),
                seq: a.seq,
                row_id: Some(a.id),
                kind: ProblemKind::Unchained,
                message: format!("记录 {}（{} {}）不在任何链中（缺少链号或序号，可能是绕过系统写入的）", a.id, a.at, a.action),
            });
            return Ok(());
        };
        if walk.as_ref().map(|w| w.chain != chain).unwrap_or(true) {
            if let Some(done) = walk.take() {
                let head = heads.remove(&done.chain);
                close_chain(&mut report, &done, head);
            }
            report.chains += 1;
            walk = Some(ChainWalk { chain: chain.clone(), last_seq: 0, last_hash: Some(GENESIS.to_string()) });
        }
        let w = walk.as_mut().expect("a chain is being walked");
        if seq <= w.last_seq {
            report.add(problem(&chain, Some(seq), Some(a.id), ProblemKind::Duplicate, format!("第 {seq} 条记录重复或序号错乱（记录 {}）", a.id)));
            return Ok(());
        }
        let gap = seq > w.last_seq + 1;
        if gap {
            let (from, to) = (w.last_seq + 1, seq - 1);
            let msg = if from == to { format!("缺少第 {from} 条（记录被删除）") } else { format!("缺少第 {from} 至第 {to} 条（记录被删除）") };
            report.add(problem(&chain, Some(from), None, ProblemKind::Missing, msg));
        }
        match a.hash.as_deref() {
            None => report.add(problem(&chain, Some(seq), Some(a.id), ProblemKind::Modified, format!("第 {seq} 条记录缺少哈希（未入链或被改动）"))),
            Some(stored) => {
                let computed = entry_hash(&Hashed {
                    prev_hash: a.prev_hash.as_deref(),
                    chain: &chain,
                    seq,
                    at: &a.at,
                    actor: &a.actor,
                    source: &a.source,
                    client_ip: a.client_ip.as_deref(),
                    region_code: a.region_code.as_deref(),
                    entity: &a.entity,
                    entity_id: a.entity_id.as_deref(),
                    action: &a.action,
                    before: a.before_value.as_deref(),
                    after: a.after_value.as_deref(),
                });
                if computed != stored {
                    report.add(problem(&chain, Some(seq), Some(a.id), ProblemKind::Modified, format!("第 {seq} 条记录内容被修改（哈希不符）")));
                } else if !gap && w.last_hash.is_some() && a.prev_hash != w.last_hash {
                    let msg = if seq == 1 {
                        "第 1 条记录的前序哈希不是链的起点（记录被替换）".to_string()
                    } else {
                        format!("第 {seq} 条记录与第 {} 条衔接不上（第 {} 条被改写或替换）", seq - 1, seq - 1)
                    };
                    report.add(problem(&chain, Some(seq), Some(a.id), ProblemKind::BrokenLink, msg));
                }
            }
        }
        w.last_seq = seq;
        w.last_hash = a.hash;
        Ok(())
    })?;
    if let Some(done) = walk.take() {
        let head = heads.remove(&done.chain);
        close_chain(&mut report, &done, head);
    }
    // heads whose chains have no entries at all
    for (chain, head) in heads {
        report.chains += 1;
        close_chain(&mut report, &ChainWalk { chain, last_seq: 0, last_hash: Some(GENESIS.to_string()) }, Some(head));
    }
    Ok(report)
}

/// One audit_log row, every column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    /// UTC ISO text.
    pub at: String,
    pub actor: String,
    pub source: String,
    pub region_code: Option<String>,
    pub entity: String,
    pub entity_id: Option<String>,
    pub action: String,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub chain: Option<String>,
    pub seq: Option<i64>,
    pub client_ip: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl AuditRow {
    /// From the cells of `SELECT {COLUMNS}`.
    fn from_row(r: Row) -> AuditRow {
        let mut it = r.into_iter();
        let mut next = || it.next().unwrap_or(Cell::Null);
        let text = |c: Cell| match c {
            Cell::Text(t) => Some(t),
            Cell::Null => None,
            other => Some(other.int().map(|i| i.to_string()).unwrap_or_default()),
        };
        AuditRow {
            id: next().int().unwrap_or(0),
            at: text(next()).unwrap_or_default(),
            actor: text(next()).unwrap_or_default(),
            source: text(next()).unwrap_or_default(),
            region_code: text(next()),
            entity: text(next()).unwrap_or_default(),
            entity_id: text(next()),
            action: text(next()).unwrap_or_default(),
            before_value: text(next()),
            after_value: text(next()),
            chain: text(next()),
            seq: next().int(),
            client_ip: text(next()),
            prev_hash: text(next()),
            hash: text(next()),
        }
    }
}

/// Which entries `search` returns; every set field must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The actor's name, exactly — or, with `actor_prefix`, its beginning (e.g. `cli:`).
    pub actor: Option<String>,
    pub actor_prefix: bool,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    /// Region code prefix (e.g. a township's 9 digits).
    pub region_prefix: Option<String>,
    /// From this time on (inclusive), UTC ISO text such as `2026-11-22` or `2026-11-22T08:00:00.000Z`.
    pub from: Option<String>,
    /// Before this time (exclusive), UTC ISO text.
    pub to: Option<String>,
}

/// `text%` for LIKE with `\` as the escape character.
fn like_prefix(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// Entries matching `filter` within a region scope (a code prefix; `None` or empty: everything,
/// including installation-wide entries, which a scoped caller does not see), newest first:
/// the page `offset..offset+limit` and the number of all matches.
pub fn search(conn: &mut Conn, scope_prefix: Option<&str>, filter: &AuditFilter, offset: i64, limit: i64) -> Result<(Vec<AuditRow>, i64)> {
    let scope = scope_prefix.filter(|s| !s.is_empty()).map(like_prefix);
    let region = filter.region_prefix.as_deref().filter(|s| !s.is_empty()).map(like_prefix);
    let actor_like = filter.actor.as_deref().filter(|_| filter.actor_prefix).map(like_prefix);
    let mut conds: Vec<&str> = Vec::new();
    let mut params: Vec<P> = Vec::new();
    if let Some(s) = &scope {
        conds.push("region_code LIKE ? ESCAPE '\\'");
        params.push(P::Text(s));
    }
    if let Some(r) = &region {
        conds.push("region_code LIKE ? ESCAPE '\\'");
        params.push(P::Text(r));
    }
    match (&actor_like, &filter.actor) {
        (Some(p), _) => {
            conds.push("actor LIKE ? ESCAPE '\\'");
            params.push(P::Text(p));
        }
        (None, Some(a)) => {
            conds.push("actor = ?");
            params.push(P::Text(a));
        }
        (None, None) => {}
    }
    for (col, v) in [("entity = ?", &filter.entity), ("entity_id = ?", &filter.entity_id), ("action = ?", &filter.action), ("at >= ?", &filter.from), ("at < ?", &filter.to)] {
        if let Some(v) = v {
            conds.push(col);
            params.push(P::Text(v));
        }
    }
    let where_sql = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let total = conn.query_int(&format!("SELECT COUNT(*) FROM audit_log{where_sql}"), &params)?;
    params.push(P::Int(limit.max(0)));
    params.push(P::Int(offset.max(0)));
    let rows = conn.query(&format!("SELECT {COLUMNS} FROM audit_log{where_sql} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?"), &params)?;
    Ok((rows.into_iter().map(AuditRow::from_row).collect(), total))
}

/// The newest `limit` entries about one entity (a household's page: `history(conn, "household", &id.to_string(), 50)`).
pub fn history(conn: &mut Conn, entity: &str, entity_id: &str, limit: i64) -> Result<Vec<AuditRow>> {
    let rows = conn.query(
        &format!("SELECT {COLUMNS} FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY at DESC, id DESC LIMIT ?"),
        &[P::Text(entity), P::Text(entity_id), P::Int(limit.max(0))],
    )?;
    Ok(rows.into_iter().map(AuditRow::from_row).collect())
}

/// The newest audit entry's id: every change to the data writes one in its transaction, so this
/// number changes whenever anything changed (the web layer keys its caches of counts by it).
pub fn latest_id(conn: &mut Conn) -> Result<i64> {
    conn.query_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(after: Option<&'a str>, ip: Option<&'a str>) -> Hashed<'a> {
        Hashed {
            prev_hash: Some(GENESIS),
            chain: "431099",
            seq: 1,
            at: "2026-11-22T00:00:00.000Z",
            actor: "cli:a",
            source: "cli",
            client_ip: ip,
            region_code: Some("431099101001"),
            entity: "household",
            entity_id: Some("7"),
            action: "import_update",
            before: None,
            after,
        }
    }

    #[test]
    fn chains_are_counties_or_dash() {
        assert_eq!(chain_of(Some("431099101001")), "431099");
        assert_eq!(chain_of(Some("431099")), "431099");
        assert_eq!(chain_of(Some("4310")), "-");
        assert_eq!(chain_of(Some("")), "-");
        assert_eq!(chain_of(None), "-");
    }

    #[test]
    fn the_hash_tells_null_from_empty_and_field_boundaries() {
        let a = entry_hash(&sample(None, None));
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, entry_hash(&sample(Some(""), None)));
        assert_ne!(entry_hash(&sample(Some("x"), None)), entry_hash(&sample(None, Some("x"))));
        let mut b = sample(None, None);
        b.actor = "cli:ac";
        b.source = "li";
        let mut c = sample(None, None);
        c.actor = "cli:acl";
        c.source = "i";
        assert_ne!(entry_hash(&b), entry_hash(&c));
        assert_eq!(a, entry_hash(&sample(None, None)));
    }

    #[test]
    fn like_prefixes_escape_wildcards() {
        assert_eq!(like_prefix("a_b%c\\"), "a\\_b\\%c\\\\%");
    }
}
