//! The `bangfu` command line, run as the real binary against databases in temporary directories.

use bangfu_sheets::{ReadOptions, Workbook};
use bangfu_testkit::{postgres_available, TestDb};
use std::path::Path;
use std::process::Command;


struct Run {
    code: i32,
    out: String,
    err: String,
    args: String,
}

impl Run {
    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "bangfu {} failed ({}):\nstdout:\n{}\nstderr:\n{}", self.args, self.code, self.out, self.err);
        self
    }
    /// Failed as a program (not a crash): non-zero, no panic.
    fn failed(self) -> Run {
        assert_ne!(self.code, 0, "bangfu {} should have failed:\n{}", self.args, self.out);
        assert_ne!(self.code, 101, "bangfu {} panicked:\n{}", self.args, self.err);
        assert!(!self.err.contains("panicked"), "bangfu {} panicked:\n{}", self.args, self.err);
        self
    }
}

/// Runs `bangfu --database <db> args…` in `dir`.
fn bangfu(dir: &Path, db: &str, args: &[&str]) -> Run {
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
    Run {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
        args: args.join(" "),
    }
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.out).unwrap_or_else(|e| panic!("bangfu {} did not print JSON ({e}):\n{}", run.args, run.out))
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The longest run of ID-like characters (digits, X) in a text.
fn longest_digit_run(s: &str) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        if c.is_ascii_digit() || c == 'X' {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// A temp dir with a demo database of `n` households.
fn demo_db(n: usize) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db").display().to_string();
    bangfu(dir.path(), &db, &["demo", "--households", &n.to_string()]).ok();
    (dir, db)
}

fn summary(dir: &Path, db: &str) -> serde_json::Value {
    json(&bangfu(dir, db, &["summary", "--json"]).ok())
}

#[test]
fn demo_creates_the_database_prints_households_and_people_and_does_not_duplicate_when_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let dbs = db.display().to_string();
    let run = bangfu(dir.path(), &dbs, &["demo", "--households", "200"]).ok();
    assert!(db.exists(), "the database file was not created");
    assert!(run.out.contains("200 户") && run.out.contains(" 人"), "summary with 户 and 人:\n{}", run.out);
    assert!(run.out.contains("户籍汇总"), "{}", run.out);
    let first = summary(dir.path(), &dbs);
    assert_eq!(first["households"], 200);
    let people = first["members"].as_i64().unwrap();
    assert!(people > 400, "{people} people for 200 households");
    let again = bangfu(dir.path(), &dbs, &["demo", "--households", "200"]).ok();
    assert!(again.out.contains("已有 200 户"), "{}", again.out);
    let second = summary(dir.path(), &dbs);
    assert_eq!((second["households"].as_i64(), second["members"].as_i64()), (Some(200), Some(people)), "running demo twice duplicated the registry");
}

#[test]
fn summary_as_of_a_past_date_prints_json() {
    let (dir, db) = demo_db(150);
    let v = json(&bangfu(dir.path(), &db, &["summary", "--as-of", "2019-12-31", "--json"]).ok());
    assert_eq!(v["households"], 150);
    assert_eq!(v["as_of"], "2019-12-31");
    let by_type = v["by_type"].as_array().expect("by_type");
    let total: i64 = by_type.iter().map(|t| t["households"].as_i64().unwrap()).sum();
    assert_eq!(total, 150);
    let past = v["as_of_by_type"].as_array().expect("as_of_by_type");
    assert!(!past.is_empty(), "the registry on 2019-12-31 is rebuilt from events: {v}");
    let past_total: i64 = past.iter().map(|t| t["households"].as_i64().unwrap()).sum();
    assert!(past_total > 0 && past_total <= 150, "{v}");
}

#[test]
fn demo_files_import_through_the_command_line_and_the_defect_file_exits_2_with_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    let fs = files.display().to_string();
    let scratch = dir.path().join("scratch.db").display().to_string();
    let run = bangfu(dir.path(), &scratch, &["demo", "--files", &fs, "--households", "200", "--format", "both", "--defect-rate", "0.02"]).ok();
    for f in ["regions.csv", "members-defects.csv", "members-defects.xlsx"] {
        assert!(files.join(f).exists(), "{f} not written:\n{}", run.out);
    }
    let rejected: usize = run
        .out
        .lines()
        .find_map(|l| l.split("应被拒绝的 ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()))
        .unwrap_or_else(|| panic!("no count of damaging defects:\n{}", run.out));
    assert!(rejected > 0, "the defect rate injected no damaging defect:\n{}", run.out);
    bangfu(dir.path(), &scratch, &["demo", "--files", &fs, "--households", "150"]).ok();
    assert!(files.join("members.csv").exists());

    // a clean file: regions first, then households
    let db = dir.path().join("county.db").display().to_string();
    let regions = bangfu(dir.path(), &db, &["region", "import", &files.join("regions.csv").display().to_string()]).ok();
    assert!(regions.out.contains("已导入区划 165 个"), "{}", regions.out);
    let import = bangfu(dir.path(), &db, &["import", "households", &files.join("members.csv").display().to_string()]).ok();
    assert!(import.out.contains("新增 150 户") && import.out.contains("已写入数据库"), "{}", import.out);
    assert_eq!(summary(dir.path(), &db)["households"], 150);

    // the defect file: nothing written, exit code 2, the report beside it
    for ext in ["csv", "xlsx"] {
        let db = dir.path().join(format!("defects-{ext}.db")).display().to_string();
        bangfu(dir.path(), &db, &["region", "import", &files.join("regions.csv").display().to_string()]).ok();
        let path = files.join(format!("members-defects.{ext}")).display().to_string();
        let run = bangfu(dir.path(), &db, &["import", "households", &path]);
        assert_eq!(run.code, 2, "import of the defect {ext} file exits 2:\n{}\n{}", run.out, run.err);
        assert!(run.out.contains("未写入任何数据"), "{}", run.out);
        assert!(run.out.contains(&format!("有问题的户：{rejected}")), "{ext}: {rejected} rejected households expected:\n{}", run.out);
        let report = files.join("members-defects.错误报告.xlsx");
        assert!(report.exists(), "{ext}: no error report at {}", report.display());
        assert_eq!(summary(dir.path(), &db)["households"], 0, "{ext}: something was written");
        // with --accept-valid the rest goes in
        let run = bangfu(dir.path(), &db, &["import", "households", &path, "--accept-valid", "--json"]).ok();
        let v = json(&run);
        assert_eq!(v["committed"], true);
        assert_eq!(v["households_created"].as_u64().unwrap() + v["rejected_households"].as_u64().unwrap(), 200, "{v}");
        assert_eq!(v["rejected_households"].as_u64().unwrap() as usize, rejected, "{v}");
    }
}

#[test]
fn export_with_a_filter_writes_only_the_matching_households() {
    let (dir, db) = demo_db(200);
    let out = dir.path().join("out.xlsx");
    let run = bangfu(dir.path(), &db, &["export", "households", "-o", &out.display().to_string(), "--filter", "户类型=脱贫户"]).ok();
    assert!(run.out.contains("已脱敏"), "{}", run.out);
    let exited = summary(dir.path(), &db)["by_type"].as_array().unwrap().iter().find(|t| t["type"] == "exited").map(|t| t["households"].as_i64().unwrap()).expect("exited households");
    assert!(run.out.contains(&format!("已导出 {exited} 户")), "{exited} exited households:\n{}", run.out);
    let mut wb = Workbook::open(&out, &ReadOptions::default()).unwrap();
    let rows: Vec<Vec<String>> = wb.rows(0).unwrap().map(|r| r.unwrap().cells).collect();
    let c = rows[0].iter().position(|h| h == "户类型").unwrap();
    let no = rows[0].iter().position(|h| h == "户编号").unwrap();
    assert!(rows[1..].iter().all(|r| r[c] == "脱贫户"), "a household of another type was exported");
    let households: std::collections::BTreeSet<&String> = rows[1..].iter().map(|r| &r[no]).collect();
    assert_eq!(households.len() as i64, exited);
}

/// A household number and one non-head member's ID from a full export.
fn pick_people(dir: &Path, db: &str) -> (String, String, String, String) {
    let csv = dir.join("all.csv");
    bangfu(dir, db, &["export", "households", "-o", &csv.display().to_string()]).ok();
    let mut wb = Workbook::open(&csv, &ReadOptions::default()).unwrap();
    let rows: Vec<Vec<String>> = wb.rows(0).unwrap().map(|r| r.unwrap().cells).collect();
    let col = |h: &str| rows[0].iter().position(|x| x == h).unwrap();
    let (no, id, rel, name) = (col("户编号"), col("证件号码"), col("与户主关系"), col("姓名"));
    let member = rows[1..].iter().find(|r| r[rel] == "之子").expect("a son");
    let other = rows[1..].iter().find(|r| r[no] != member[no]).expect("another household");
    (member[no].clone(), member[id].clone(), member[name].clone(), other[no].clone())
}

#[test]
fn household_show_masks_ids_and_move_member_moves_the_person_with_an_event() {
    let (dir, db) = demo_db(120);
    let (from, id, name, to) = pick_people(dir.path(), &db);
    let show = bangfu(dir.path(), &db, &["household", "show", "--no", &from]).ok();
    assert!(show.out.contains(&from) && show.out.contains(&name), "{}", show.out);
    assert!(longest_digit_run(&show.out) < 17, "an ID-length number is shown unmasked:\n{}", show.out);
    assert!(!show.out.contains(&id), "the member's ID is shown in full");
    assert!(show.out.contains(&format!("{}********{}", &id[..6], &id[14..])), "the masked ID is shown:\n{}", show.out);

    let run = bangfu(dir.path(), &db, &["household", "move-member", "--resident-id", &id, "--to", &to, "--relation", "其他", "--reason", "投靠亲属", "--date", "2026-01-15"]).ok();
    assert!(run.out.contains("已将") && !run.out.contains(&id), "{}", run.out);
    let old = bangfu(dir.path(), &db, &["household", "show", "--no", &from]).ok();
    assert!(!old.out.contains(&name), "{name} is still in household {from}:\n{}", old.out);
    let new = bangfu(dir.path(), &db, &["household", "show", "--no", &to]).ok();
    assert!(new.out.contains(&name), "{name} is not in household {to}:\n{}", new.out);
    assert!(new.out.contains("2026-01-15 成员迁移"), "the move is an adjustment event of the new household:\n{}", new.out);
    let by_id = bangfu(dir.path(), &db, &["household", "show", "--resident-id", &id]).ok();
    assert!(by_id.out.contains(&format!("户编号 {to}")), "{}", by_id.out);
    let s = summary(dir.path(), &db);
    assert_eq!(s["households"], 120, "a move adds no household");
}

#[test]
fn db_backup_and_db_copy_give_databases_with_the_same_registry() {
    let (dir, db) = demo_db(100);
    let before = summary(dir.path(), &db);
    let backup = dir.path().join("backups/x-backup.db");
    let run = bangfu(dir.path(), &db, &["db", "backup", "-o", &backup.display().to_string()]).ok();
    assert!(run.out.contains("已备份"), "{}", run.out);
    assert!(backup.exists() && dir.path().join("backups/x-backup.db.key").exists(), "backup and its key file");
    let b = backup.display().to_string();
    assert_eq!(summary(dir.path(), &b), before, "the backup holds the same registry");
    // a second backup to the same file is refused, not overwritten
    bangfu(dir.path(), &db, &["db", "backup", "-o", &b]).failed();

    let copy = dir.path().join("copy.db").display().to_string();
    let run = bangfu(dir.path(), &db, &["db", "copy", "--from", &format!("sqlite:{db}"), "--to", &format!("sqlite:{copy}")]).ok();
    assert!(run.out.contains("household:") && run.out.contains("已从"), "{}", run.out);
    assert_eq!(summary(dir.path(), &copy), before, "the copy holds the same registry");
    // protected fields were re-sealed for the copy's own key: a household still shows its (masked) phone
    let (no, ..) = pick_people(dir.path(), &db);
    let show = bangfu(dir.path(), &copy, &["household", "show", "--no", &no]).ok();
    assert!(show.out.contains("联系电话：") && show.out.contains("****"), "{}", show.out);
    // copying into a database that is not empty is refused
    bangfu(dir.path(), &db, &["db", "copy", "--from", &format!("sqlite:{db}"), "--to", &format!("sqlite:{copy}")]).failed();

    if postgres_available() {
        let pg = TestDb::postgres();
        let bangfu_store::DbUrl::Postgres(url) = pg.store.url.clone() else { unreachable!() };
        let key = pg.dir.path().join("pg.key").display().to_string();
        bangfu(dir.path(), &db, &["db", "copy", "--from", &format!("sqlite:{db}"), "--to", &url, "--to-key-file", &key]).ok();
        let v = json(&bangfu(dir.path(), &url, &["--key-file", &key, "summary", "--json"]).ok());
        assert_eq!(v, before, "postgres: the copy holds the same registry");
    }
}

#[test]
fn bad_arguments_fail_with_a_message_and_a_non_zero_exit_never_a_panic() {
    let (dir, db) = demo_db(30);
    let d = dir.path();
    // mistakes the program itself explains, in Chinese
    let chinese: Vec<Vec<&str>> = vec![
        vec!["export", "households", "-o", "x.xlsx", "--filter", "户类型=贫困村"],
        vec!["export", "households", "-o", "x.xlsx", "--filter", "耕地面积=3"],
        vec!["export", "households", "-o", "x.xlsx", "--filter", "户类型"],
        vec!["export", "households", "-o", "x.xlsx", "--filter", "不存在的字段=1"],
        vec!["export", "households", "-o", "x.xlsx", "--region", "12345"],
        vec!["--scope", "abc", "summary"],
        vec!["household", "show"],
        vec!["household", "show", "--no", "不存在"],
        vec!["household", "show", "--resident-id", "110105194912310021"],
        vec!["household", "move-member", "--resident-id", "11010519491231002X", "--to", "x", "--relation", "之子", "--reason", "r"],
        vec!["household", "move-member", "--resident-id", "11010519491231002X", "--to", "x", "--relation", "邻居", "--reason", "r"],
        vec!["household", "move-member", "--resident-id", "11010519491231002X", "--to", "x", "--relation", "之子", "--reason", "r", "--kind", "过继"],
        vec!["import", "households", "不存在.csv"],
        vec!["import", "households", "x.csv", "--household-type", "富裕户"],
        vec!["region", "import", "不存在.csv"],
        vec!["region", "list", "--level", "星系"],
    ];
    for args in &chinese {
        let run = bangfu(d, &db, args).failed();
        assert!(run.err.contains("错误") && has_cjk(&run.err), "bangfu {}: not a Chinese message:\n{}", run.args, run.err);
    }
    std::fs::write(d.join("bad-db"), "not a database").unwrap();
    let run = bangfu(d, &d.join("bad-db").display().to_string(), &["summary"]).failed();
    assert!(has_cjk(&run.err), "{}", run.err);
    // mistakes the argument parser catches: non-zero and no panic (clap words its own messages)
    for args in [vec!["import", "households"], vec!["summary", "--as-of", "2019-13-45"], vec!["demo", "--households", "很多"], vec!["frobnicate"], vec!["export", "households"]] {
        let run = bangfu(d, &db, &args).failed();
        assert!(!run.err.trim().is_empty(), "bangfu {}: no message", run.args);
    }
    assert_eq!(summary(d, &db)["households"], 30, "a failed command changed the registry");
}

#[test]
fn user_create_grant_and_set_password_with_chinese_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = "users.db";
    bangfu(dir.path(), db, &["migrate"]).ok();
    let r = bangfu(dir.path(), db, &["user", "create", "wang", "--name", "王五", "--role", "township_staff", "--region", "431099101000", "--password", "abc12345"]).ok();
    assert!(r.out.contains("已创建用户 wang"));
    let r = bangfu(dir.path(), db, &["user", "create", "wang", "--password", "abc12345"]).failed();
    assert!(r.err.contains("已存在"), "{}", r.err);
    let r = bangfu(dir.path(), db, &["user", "create", "li", "--role", "mayor", "--region", "431099101000"]).failed();
    assert!(r.err.contains("没有角色") && r.err.contains("county_office"), "{}", r.err);
    let r = bangfu(dir.path(), db, &["user", "create", "li", "--role", "village_cadre"]).failed();
    assert!(r.err.contains("必须指定管辖区划"), "{}", r.err);
    let r = bangfu(dir.path(), db, &["user", "create", "li", "--password", "short"]).failed();
    assert!(r.err.contains("至少 8 位"), "{}", r.err);
    bangfu(dir.path(), db, &["user", "grant", "wang", "村干部", "431099101201"]).ok();
    let r = bangfu(dir.path(), db, &["user", "list"]).ok();
    assert!(r.out.contains("township_staff@431099101000") && r.out.contains("village_cadre@431099101201"), "{}", r.out);
    let r = bangfu(dir.path(), db, &["user", "set-password", "wang"]).ok();
    assert!(r.out.contains("新密码"), "{}", r.out);
    // every change is in the audit trail, and the chain verifies
    let r = bangfu(dir.path(), db, &["audit", "verify"]).ok();
    assert!(r.out.contains("未发现") || r.out.contains("完整"), "{}", r.out);
}

#[test]
fn serve_demo_prints_the_demo_users_answers_health_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(bangfu_testkit::bangfu_binary())
        .args(["--database", "demo.db", "serve", "--demo", "--demo-households", "60", "--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("BANGFU_DATABASE")
        .env_remove("BANGFU_KEY_FILE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start bangfu serve");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let addr = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "serve exited early:\n{printed}");
        printed.push_str(&line);
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    assert!(printed.contains("演示用户") && printed.contains("admin") && printed.contains("village"), "{printed}");
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200") && resp.contains("\"ok\""), "{resp}");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "exit status {status:?}");
    assert!(rest.contains("已停止"), "{rest}");
    // a second start does not print passwords again
    let again = bangfu(dir.path(), "demo.db", &["user", "list"]).ok();
    assert!(again.out.contains("inspector"));
}
