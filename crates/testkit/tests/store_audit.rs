//! The audit trail's hash chains: one chain per county (and `-` for installation-wide entries),
//! numbered without gaps; edits, deletions in the middle, a cut-off tail and rows written around
//! the system are all found by `verify` at the right place; imports write verifiable chains;
//! rows from before the chain existed are chained by the migration; search and history filter;
//! `bangfu audit verify` exits 1 on a tampered file.

mod common;

use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::Value;
use bangfu_store::audit::{self, Actor, AuditFilter, Entry, ProblemKind, VerifyReport, GENESIS};
use bangfu_store::{Conn, DbUrl, Store, P};
use bangfu_testkit::*;
use common::*;
use std::path::Path;
use std::process::Command;

fn entry<'a>(region: Option<&'a str>, entity: &'a str, id: Option<&str>, action: &'a str, after: Option<&str>) -> Entry<'a> {
    Entry { region_code: region, entity, entity_id: id.map(str::to_string), action, before: None, after: after.map(str::to_string) }
}

/// Records one entry in its own transaction, as every caller does.
fn rec(conn: &mut Conn, actor: &Actor, e: Entry<'_>) {
    conn.begin().unwrap();
    audit::record(conn, actor, e).unwrap();
    conn.commit().unwrap();
}

/// Five entries in county 431099, two in 431100, three installation-wide (one with a short code).
fn write_sample(conn: &mut Conn) {
    let a = test_actor();
    let mut web = Actor::new("web:zhang", "web");
    web.ip = Some("10.1.2.3".into());
    rec(conn, &a, entry(None, "region", None, "upsert", Some("{\"regions\":3}")));
    for i in 1..=5 {
        let who = if i % 2 == 0 { &web } else { &a };
        rec(conn, who, entry(Some("431099101201"), "household", Some(&i.to_string()), "import_update", Some(&format!("{{\"n\":{i}}}"))));
        if i <= 2 {
            rec(conn, &a, entry(Some("431100102003"), "household", Some(&(100 + i).to_string()), "import_update", None));
        }
    }
    rec(conn, &a, entry(Some("4310"), "export", None, "export_households", Some("")));
    // several entries in one transaction, as an import writes them
    conn.begin().unwrap();
    audit::record(conn, &a, entry(Some(""), "import_batch", Some("9"), "import_households", Some("{}"))).unwrap();
    conn.commit().unwrap();
}

/// (chain, seq, prev_hash, hash, client_ip) of every row, in chain order.
fn chain_rows(conn: &mut Conn) -> Vec<(String, i64, String, String, Option<String>)> {
    conn.query("SELECT chain, seq, prev_hash, hash, client_ip FROM audit_log ORDER BY chain, seq", &[])
        .unwrap()
        .iter()
        .map(|r| (r[0].string(), r[1].int().unwrap(), r[2].string(), r[3].string(), r[4].text().map(str::to_string)))
        .collect()
}

fn only_problem(r: &VerifyReport, name: &str) -> audit::Problem {
    assert_eq!(r.problems.len(), 1, "{name}: {:#?}", r.problems);
    r.problems[0].clone()
}

#[test]
fn audit_entries_in_two_counties_form_gapless_linked_chains_that_verify_clean() {
    for mut db in TestDb::all() {
        let c = &mut db.store.conn;
        write_sample(c);
        let rows = chain_rows(c);
        assert_eq!(rows.len(), 10, "{}", db.name);
        for chain in ["-", "431099", "431100"] {
            let mine: Vec<_> = rows.iter().filter(|r| r.0 == chain).collect();
            assert_eq!(mine.iter().map(|r| r.1).collect::<Vec<_>>(), (1..=mine.len() as i64).collect::<Vec<_>>(), "{}: {chain} numbered 1, 2, 3 …", db.name);
            assert_eq!(mine[0].2, GENESIS, "{}", db.name);
            for w in mine.windows(2) {
                assert_eq!(w[1].2, w[0].3, "{}: {chain} seq {} links to its predecessor", db.name, w[1].1);
            }
            assert!(mine.iter().all(|r| r.3.len() == 64 && r.3.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())), "{}", db.name);
            let head = c.query("SELECT seq, hash FROM audit_head WHERE chain = ?", &[P::Text(chain)]).unwrap();
            assert_eq!((head[0][0].int().unwrap(), head[0][1].string()), (mine.last().unwrap().1, mine.last().unwrap().3.clone()), "{}: head of {chain}", db.name);
        }
        assert_eq!(rows.iter().filter(|r| r.0 == "431099").count(), 5, "{}", db.name);
        assert_eq!(rows.iter().filter(|r| r.0 == "-").count(), 3, "{}: no region, a short code and an empty code are installation-wide", db.name);
        assert_eq!(rows.iter().filter(|r| r.4.as_deref() == Some("10.1.2.3")).count(), 2, "{}: the web actor's address is kept", db.name);

        let r = audit::verify(c).unwrap();
        assert!(r.is_clean(), "{}: {:#?}", db.name, r.problems);
        assert_eq!((r.chains, r.rows), (3, 10), "{}", db.name);
    }
}

#[test]
fn audit_verify_finds_an_edited_entry_at_its_number() {
    for mut db in TestDb::all() {
        let c = &mut db.store.conn;
        write_sample(c);
        c.execute("UPDATE audit_log SET after_value = '{\"n\":99}' WHERE chain = '431099' AND seq = 3", &[]).unwrap();
        let r = audit::verify(c).unwrap();
        let p = only_problem(&r, db.name);
        assert_eq!((p.chain.as_deref(), p.seq, p.kind), (Some("431099"), Some(3), ProblemKind::Modified), "{}", db.name);
        assert_eq!(p.message, "第 3 条记录内容被修改（哈希不符）", "{}", db.name);
        let id = c.query_int("SELECT id FROM audit_log WHERE chain = '431099' AND seq = 3", &[]).unwrap();
        assert_eq!(p.row_id, Some(id), "{}", db.name);

        // NULL and empty are different contents; so are the other columns
        c.execute("UPDATE audit_log SET after_value = '{\"n\":3}' WHERE chain = '431099' AND seq = 3", &[]).unwrap();
        assert!(audit::verify(c).unwrap().is_clean(), "{}: restored", db.name);
        c.execute("UPDATE audit_log SET after_value = '' WHERE chain = '431100' AND seq = 1", &[]).unwrap();
        c.execute("UPDATE audit_log SET actor = 'cli:someone' WHERE chain = '-' AND seq = 1", &[]).unwrap();
        let r = audit::verify(c).unwrap();
        let found: Vec<_> = r.problems.iter().map(|p| (p.chain.clone().unwrap(), p.seq.unwrap(), p.kind)).collect();
        assert_eq!(found, vec![("-".into(), 1, ProblemKind::Modified), ("431100".into(), 1, ProblemKind::Modified)], "{}", db.name);
    }
}

#[test]
fn audit_verify_finds_a_deleted_middle_entry() {
    for mut db in TestDb::all() {
        let c = &mut db.store.conn;
        write_sample(c);
        c.execute("DELETE FROM audit_log WHERE chain = '431099' AND seq = 3", &[]).unwrap();
        let p = only_problem(&audit::verify(c).unwrap(), db.name);
        assert_eq!((p.chain.as_deref(), p.seq, p.kind), (Some("431099"), Some(3), ProblemKind::Missing), "{}", db.name);
        assert_eq!(p.message, "缺少第 3 条（记录被删除）", "{}", db.name);

        c.execute("DELETE FROM audit_log WHERE chain = '431099' AND seq = 2", &[]).unwrap();
        let p = only_problem(&audit::verify(c).unwrap(), db.name);
        assert_eq!(p.message, "缺少第 2 至第 3 条（记录被删除）", "{}", db.name);
    }
}

#[test]
fn audit_verify_finds_a_cut_off_tail_through_the_head() {
    for mut db in TestDb::all() {
        let c = &mut db.store.conn;
        write_sample(c);
        c.execute("DELETE FROM audit_log WHERE chain = '431099' AND seq = 5", &[]).unwrap();
        let p = only_problem(&audit::verify(c).unwrap(), db.name);
        assert_eq!((p.chain.as_deref(), p.seq, p.kind), (Some("431099"), Some(5), ProblemKind::Truncated), "{}", db.name);
        assert!(p.message.starts_with("第 4 条之后的记录缺失（链尾被截断"), "{}: {}", db.name, p.message);

        // a whole chain emptied
        c.execute("DELETE FROM audit_log WHERE chain = '431100'", &[]).unwrap();
        let r = audit::verify(c).unwrap();
        assert_eq!(r.problems.len(), 2, "{}: {:#?}", db.name, r.problems);
        assert!(r.problems.iter().any(|p| p.chain.as_deref() == Some("431100") && p.kind == ProblemKind::Truncated), "{}: {:#?}", db.name, r.problems);
        assert_eq!(r.chains, 3, "{}", db.name);

        // a removed head is reported too
        c.execute("DELETE FROM audit_head WHERE chain = '-'", &[]).unwrap();
        let r = audit::verify(c).unwrap();
        assert!(r.problems.iter().any(|p| p.chain.as_deref() == Some("-") && p.kind == ProblemKind::Head), "{}: {:#?}", db.name, r.problems);
    }
}

#[test]
fn audit_verify_finds_entries_without_hash_or_outside_every_chain() {
    for mut db in TestDb::all() {
        let c = &mut db.store.conn;
        write_sample(c);
        c.execute("UPDATE audit_log SET hash = NULL WHERE chain = '431100' AND seq = 2", &[]).unwrap();
        let p = only_problem(&audit::verify(c).unwrap(), db.name);
        assert_eq!((p.chain.as_deref(), p.seq, p.kind), (Some("431100"), Some(2), ProblemKind::Modified), "{}", db.name);
        assert!(p.message.contains("缺少哈希"), "{}: {}", db.name, p.message);
        c.execute("UPDATE audit_head SET hash = 'x' WHERE chain = '431100'", &[]).unwrap();
        c.execute("UPDATE audit_log SET hash = 'x' WHERE chain = '431100' AND seq = 2", &[]).unwrap();
        let p = only_problem(&audit::verify(c).unwrap(), db.name);
        assert_eq!((p.seq, p.kind), (Some(2), ProblemKind::Modified), "{}", db.name);

        // a row inserted around the system: no chain, no number, no hash
        c.execute(
            "INSERT INTO audit_log (id, at, actor, source, region_code, entity, entity_id, action) VALUES (99999, '2026-01-01T00:00:00.000Z', 'x', 'sql', '431099101201', 'household', '1', 'import_update')",
            &[],
        )
        .unwrap();
        let r = audit::verify(c).unwrap();
        assert_eq!(r.problems.len(), 2, "{}: {:#?}", db.name, r.problems);
        let u = r.problems.iter().find(|p| p.kind == ProblemKind::Unchained).expect("unchained row reported");
        assert_eq!((u.row_id, u.chain.as_deref()), (Some(99999), None), "{}", db.name);
        assert_eq!(r.rows, 11, "{}", db.name);
    }
}

#[test]
fn audit_entries_of_an_import_form_a_verifiable_chain_and_a_household_history() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 40, 61);
        let mut changed = Vec::new();
        for d in docs.iter().take(3) {
            let mut v2 = d.clone();
            let area = v2.get(HF::HousingArea).as_int().unwrap_or(0);
            v2.set(HF::HousingArea, Value::Int(area + 777));
            changed.push(v2);
        }
        let s = import_ok(&mut db.store, &changed, db.name);
        assert_eq!(s.households_updated, 3, "{}", db.name);
        let c = &mut db.store.conn;
        let r = audit::verify(c).unwrap();
        assert!(r.is_clean(), "{}: {:#?}", db.name, r.problems);
        // region upsert (installation-wide), the first import and the second (country-wide scope: `-`), 3 households in 431099
        assert_eq!(r.rows, 6, "{}", db.name);
        assert_eq!(r.chains, 2, "{}", db.name);
        let county: Vec<_> = chain_rows(c).into_iter().filter(|r| r.0 == "431099").map(|r| r.1).collect();
        assert_eq!(county, vec![1, 2, 3], "{}", db.name);

        let id = id_of(&mut db.store, &no(&changed[1]));
        let h = audit::history(&mut db.store.conn, "household", &id.to_string(), 10).unwrap();
        assert_eq!(h.len(), 1, "{}: {h:?}", db.name);
        assert_eq!((h[0].entity.as_str(), h[0].entity_id.as_deref(), h[0].action.as_str()), ("household", Some(id.to_string().as_str()), "import_update"), "{}", db.name);
        assert_eq!((h[0].chain.as_deref(), h[0].actor.as_str()), (Some("431099"), "test"), "{}", db.name);
        assert!(h[0].after_value.as_deref().unwrap().contains("changes"), "{}", db.name);
        assert!(audit::history(&mut db.store.conn, "household", "0", 10).unwrap().is_empty(), "{}", db.name);
    }
}

#[test]
fn audit_search_filters_by_actor_entity_action_region_and_time_newest_first() {
    for mut db in TestDb::all() {
        let c = &mut db.store.conn;
        write_sample(c);
        let all = |c: &mut Conn, scope: Option<&str>, f: &AuditFilter| audit::search(c, scope, f, 0, 100).unwrap();

        let (rows, total) = all(c, None, &AuditFilter::default());
        assert_eq!((rows.len(), total), (10, 10), "{}", db.name);
        assert!(rows.windows(2).all(|w| (w[0].at.as_str(), w[0].id) >= (w[1].at.as_str(), w[1].id)), "{}: newest first", db.name);
        assert_eq!(rows[0].entity, "import_batch", "{}", db.name);
        assert!(rows.iter().all(|r| r.hash.is_some() && r.seq.is_some()), "{}", db.name);

        let (page, total) = audit::search(c, None, &AuditFilter::default(), 3, 4).unwrap();
        assert_eq!(total, 10, "{}", db.name);
        assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), rows[3..7].iter().map(|r| r.id).collect::<Vec<_>>(), "{}", db.name);

        let f = AuditFilter { actor: Some("web:zhang".into()), ..Default::default() };
        let (rows, total) = all(c, None, &f);
        assert_eq!(total, 2, "{}", db.name);
        assert!(rows.iter().all(|r| r.actor == "web:zhang" && r.client_ip.as_deref() == Some("10.1.2.3") && r.source == "web"), "{}", db.name);
        let f = AuditFilter { actor: Some("web:".into()), actor_prefix: true, ..Default::default() };
        assert_eq!(all(c, None, &f).1, 2, "{}", db.name);
        let f = AuditFilter { actor: Some("web:".into()), ..Default::default() };
        assert_eq!(all(c, None, &f).1, 0, "{}: exact unless prefix", db.name);
        let f = AuditFilter { actor: Some("we_".into()), actor_prefix: true, ..Default::default() };
        assert_eq!(all(c, None, &f).1, 0, "{}: _ is not a wildcard", db.name);

        let f = AuditFilter { entity: Some("household".into()), entity_id: Some("4".into()), ..Default::default() };
        let (rows, _) = all(c, None, &f);
        assert_eq!(rows.len(), 1, "{}", db.name);
        assert_eq!(rows[0].after_value.as_deref(), Some("{\"n\":4}"), "{}", db.name);
        let f = AuditFilter { action: Some("import_update".into()), region_prefix: Some("431100".into()), ..Default::default() };
        assert_eq!(all(c, None, &f).1, 2, "{}", db.name);
        let f = AuditFilter { action: Some("import_update".into()), ..Default::default() };
        assert_eq!(all(c, None, &f).1, 7, "{}", db.name);

        // scope: a county sees its own entries only, not installation-wide ones
        assert_eq!(all(c, Some("431099"), &AuditFilter::default()).1, 5, "{}", db.name);
        assert_eq!(all(c, Some("431099101"), &AuditFilter::default()).1, 5, "{}", db.name);
        assert_eq!(all(c, Some(""), &AuditFilter::default()).1, 10, "{}: empty scope is everything", db.name);

        // time: from inclusive, to exclusive
        c.execute("UPDATE audit_log SET at = '2020-05-01T10:00:00.000Z' WHERE chain = '431100'", &[]).unwrap();
        let f = AuditFilter { from: Some("2020-05-01".into()), to: Some("2020-05-02".into()), ..Default::default() };
        assert_eq!(all(c, None, &f).1, 2, "{}", db.name);
        let f = AuditFilter { to: Some("2020-05-01T10:00:00.000Z".into()), ..Default::default() };
        assert_eq!(all(c, None, &f).1, 0, "{}", db.name);
        let f = AuditFilter { from: Some("2021-01-01".into()), ..Default::default() };
        assert_eq!(all(c, None, &f).1, 8, "{}", db.name);
        let (rows, _) = all(c, None, &AuditFilter::default());
        assert_eq!(rows.last().unwrap().chain.as_deref(), Some("431100"), "{}: oldest last", db.name);
    }
}

/// The schema at version 1 (before the chain), applied by hand as `migrate` would.
fn schema_v1(conn: &mut Conn) {
    let (_, name, sql) = bangfu_store::migrate::MIGRATIONS[0];
    let sql = match conn.backend() {
        bangfu_store::Backend::Sqlite => sql.replace("{BLOB}", "BLOB").replace(" {C}", "").replace("id BIGINT PRIMARY KEY", "id INTEGER PRIMARY KEY"),
        bangfu_store::Backend::Postgres => sql.replace("{BLOB}", "BYTEA").replace("{C}", "COLLATE \"C\""),
    };
    conn.batch("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)").unwrap();
    conn.batch(&sql).unwrap();
    conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, ?, '2025-01-01T00:00:00.000Z')", &[P::Text(name)]).unwrap();
}

#[test]
fn audit_entries_written_before_the_chain_are_chained_in_id_order_by_the_migration() {
    for db in TestDb::all() {
        // an empty database of the same backend, at schema version 1
        let url = match &db.store.url {
            DbUrl::Sqlite(p) => DbUrl::Sqlite(p.with_file_name("v1.db")),
            DbUrl::Postgres(_) => {
                let mut admin = postgres::Client::connect(&pg_admin_url(), postgres::NoTls).unwrap();
                let name = format!("bangfu_audit_v1_{}", std::process::id());
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
                admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
                let base = pg_admin_url().rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                DbUrl::Postgres(format!("{base}/{name}"))
            }
        };
        {
            let mut c = Conn::open(&url).unwrap();
            schema_v1(&mut c);
            let regions = [Some("431099101201"), None, Some("431100102003"), Some("431099102001"), Some("12")];
            for (i, r) in regions.iter().enumerate() {
                let id = [7, 3, 12, 40, 41][i];
                c.execute(
                    "INSERT INTO audit_log (id, at, actor, source, region_code, entity, entity_id, action, before_value, after_value) VALUES (?, ?, 'cli:old', 'cli', ?, 'household', ?, 'import_update', NULL, ?)",
                    &[P::Int(id), P::Text(&format!("2024-01-0{}T00:00:00.000Z", i + 1)), r.map(P::Text).unwrap_or(P::Null), P::Text(&id.to_string()), P::Text("{}")],
                )
                .unwrap();
            }
            c.execute("INSERT INTO id_allocator (name, next_id) VALUES ('audit_log', 42)", &[]).unwrap();
            let applied = bangfu_store::migrate::migrate(&mut c).unwrap();
            assert_eq!(applied.first(), Some(&2), "{}: {applied:?}", db.name);
            let r = audit::verify(&mut c).unwrap();
            assert!(r.is_clean(), "{}: {:#?}", db.name, r.problems);
            assert_eq!((r.chains, r.rows), (3, 5), "{}", db.name);
            let order: Vec<(i64, String, i64)> =
                c.query("SELECT id, chain, seq FROM audit_log ORDER BY id", &[]).unwrap().iter().map(|r| (r[0].int().unwrap(), r[1].string(), r[2].int().unwrap())).collect();
            assert_eq!(
                order,
                vec![(3, "-".into(), 1), (7, "431099".into(), 1), (12, "431100".into(), 1), (40, "431099".into(), 2), (41, "-".into(), 2)],
                "{}",
                db.name
            );
            // new entries continue the migrated chains
            rec(&mut c, &test_actor(), entry(Some("431099101201"), "household", Some("7"), "import_update", None));
            assert_eq!(c.query_int("SELECT seq FROM audit_log WHERE id = 42", &[]).unwrap(), 3, "{}", db.name);
            assert!(audit::verify(&mut c).unwrap().is_clean(), "{}", db.name);
        }
        if let DbUrl::Postgres(u) = &url {
            let name = u.rsplit_once('/').unwrap().1.to_string();
            let mut admin = postgres::Client::connect(&pg_admin_url(), postgres::NoTls).unwrap();
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        }
    }
}

#[test]
fn audit_writers_on_separate_connections_keep_one_gapless_chain() {
    for mut db in TestDb::all() {
        rec(&mut db.store.conn, &test_actor(), entry(None, "region", None, "upsert", None));
        let url = db.store.url.clone();
        let key = db.store.key_path.clone();
        let threads: Vec<_> = (0..3)
            .map(|t| {
                let (url, key) = (url.clone(), key.clone());
                std::thread::spawn(move || {
                    let mut s = Store::open(&url, Some(&key)).unwrap();
                    let a = Actor::new(format!("worker{t}"), "test");
                    for i in 0..15 {
                        s.conn.begin().unwrap();
                        for region in ["431099101201", "431100102003"] {
                            audit::record(&mut s.conn, &a, entry(Some(region), "household", Some(&i.to_string()), "import_update", None)).unwrap();
                        }
                        s.conn.commit().unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let r = audit::verify(&mut db.store.conn).unwrap();
        assert!(r.is_clean(), "{}: {:#?}", db.name, r.problems);
        assert_eq!((r.chains, r.rows), (3, 91), "{}", db.name);
    }
}

// ---- the command line ----


/// (exit code, stdout, stderr) of `bangfu --database <db> args…`.
fn bangfu(dir: &Path, db: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bangfu_testkit::bangfu_binary())
        .arg("--database")
        .arg(db)
        .args(args)
        .current_dir(dir)
        .env_remove("BANGFU_DATABASE")
        .env_remove("BANGFU_KEY_FILE")
        .env_remove("BANGFU_SCOPE")
        .env("BANGFU_USER", "tester")
        .output()
        .expect("run bangfu");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn audit_verify_command_exits_0_on_a_demo_database_and_1_after_a_raw_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    let db = path.display().to_string();
    let (code, out, err) = bangfu(dir.path(), &db, &["demo", "--households", "120"]);
    assert_eq!(code, 0, "demo failed:\n{out}\n{err}");

    let (code, out, err) = bangfu(dir.path(), &db, &["audit", "verify"]);
    assert_eq!(code, 0, "verify on a fresh demo:\n{out}\n{err}");
    assert!(out.contains("审计记录完好"), "{out}");
    let (code, out, _) = bangfu(dir.path(), &db, &["audit", "verify", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!((v["ok"].as_bool(), v["problem_count"].as_i64()), (Some(true), Some(0)), "{v}");
    assert!(v["rows"].as_i64().unwrap() >= 2, "{v}");

    let (code, out, err) = bangfu(dir.path(), &db, &["audit", "search", "--actor", "cli:*", "--json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(v["total"].as_i64().unwrap() >= 2, "{v}");
    assert!(v["rows"].as_array().unwrap().iter().all(|r| r["actor"] == "cli:tester"), "{v}");
    let (code, out, _) = bangfu(dir.path(), &db, &["audit", "search", "--action", "import_households", "--from", "2000-01-01", "--limit", "5"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("import_households") && out.contains("共 1 条"), "{out}");
    let (code, _, err) = bangfu(dir.path(), &db, &["audit", "search", "--from", "yesterday"]);
    assert!(code != 0 && code != 101 && err.contains("无法识别"), "{code}: {err}");

    {
        let mut c = Conn::open(&DbUrl::Sqlite(path.clone())).unwrap();
        let raw = c.sqlite().expect("a SQLite file");
        let n = raw.execute("UPDATE audit_log SET actor = 'cli:nobody' WHERE id = (SELECT MIN(id) FROM audit_log)", []).unwrap();
        assert_eq!(n, 1);
    }
    let (code, out, err) = bangfu(dir.path(), &db, &["audit", "verify"]);
    assert_eq!(code, 1, "verify after tampering:\n{out}\n{err}");
    assert!(out.contains("第 1 条记录内容被修改（哈希不符）"), "{out}");
    assert!(err.contains("篡改") && !err.contains("panicked"), "{err}");
    let (code, out, _) = bangfu(dir.path(), &db, &["audit", "verify", "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!((v["ok"].as_bool(), v["problems"][0]["kind"].as_str(), v["problems"][0]["seq"].as_i64()), (Some(false), Some("modified"), Some(1)), "{v}");
}
