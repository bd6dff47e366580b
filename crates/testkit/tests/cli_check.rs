//! `bangfu check` end to end: a run over the demo registry with planted defects, the village work
//! list, one household, settings with a Chinese refusal for a bad value, lines, and the rule list.

use bangfu_sheets::{ReadOptions, Workbook};
use std::path::Path;
use std::process::Command;

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

fn ok(dir: &Path, db: &str, args: &[&str]) -> String {
    let (code, out, err) = bangfu(dir, db, args);
    assert_eq!(code, 0, "bangfu {args:?} failed:\n{out}\n{err}");
    out
}

#[test]
fn check_runs_compares_writes_the_work_list_and_takes_settings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.db").display().to_string();
    ok(dir.path(), &db, &["demo", "--households", "800", "--rule-defects", "0.1"]);
    let v: serde_json::Value = serde_json::from_str(&ok(dir.path(), &db, &["check", "--json", "--today", "2026-11-22"])).unwrap();
    assert_eq!(v["households"], 800);
    let findings = v["findings"].as_i64().unwrap();
    assert!(findings >= 80, "{v}");
    assert_eq!(v["new"], findings);
    let by_rule: i64 = v["by_rule"].as_array().unwrap().iter().map(|r| r["findings"].as_i64().unwrap()).sum();
    assert_eq!(by_rule, findings);
    // the second run compares with the first: nothing new, nothing fixed
    let out = ok(dir.path(), &db, &["check", "--today", "2026-11-22", "--worklist", "清单.xlsx"]);
    assert!(out.contains("与上次（批次 1）相比新发现 0、已改正 0"), "{out}");
    assert!(out.contains("整改清单已写入"), "{out}");
    let mut wb = Workbook::open(&dir.path().join("清单.xlsx"), &ReadOptions::default()).unwrap();
    let sheets = wb.sheet_names().len();
    let mut rows = 0;
    for s in 0..sheets {
        let cells: Vec<Vec<String>> = wb.rows(s).unwrap().map(|r| r.unwrap().cells).collect();
        assert_eq!(cells[0][9], "问题");
        rows += cells.len() - 1;
        assert!(cells[1..].iter().all(|r| !r[9].is_empty() && !r[10].is_empty()), "problem and fix in every row");
        for r in &cells[1..] {
            let without_number: Vec<&String> = r.iter().enumerate().filter(|(i, _)| *i != 3).map(|(_, c)| c).collect();
            let longest = without_number.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" ").chars().fold((0, 0), |(best, cur), c| if c.is_ascii_digit() || c == 'X' { (best.max(cur + 1), cur + 1) } else { (best, 0) }).0;
            assert!(longest < 15, "a full ID number in the work list: {r:?}");
        }
    }
    assert_eq!(rows as i64, findings);
    assert!(sheets > 1, "one sheet per village");
    // a bad parameter: refused in Chinese, exit code 1, nothing stored
    let (code, out, err) = bangfu(dir.path(), &db, &["check", "set", "RNG-03", "--region", "431099", "--param", "max=很远"]);
    assert!(code != 0 && code != 101, "{out}{err}");
    assert!(err.contains("很远") && err.contains("RNG-03"), "{err}");
    // the county switches a rule off and sets its monitoring line
    let out = ok(dir.path(), &db, &["check", "set", "ID-06", "--region", "431099", "--off", "--basis", "测试"]);
    assert!(out.contains("已保存 ID-06"), "{out}");
    ok(dir.path(), &db, &["check", "line", "--kind", "monitoring", "--year", "2025", "--amount", "7500", "--region", "431099"]);
    let rules = ok(dir.path(), &db, &["check", "rules", "--region", "431099"]);
    assert!(rules.lines().any(|l| l.contains("ID-06") && l.contains("停用")), "{rules}");
    assert!(rules.lines().any(|l| l.contains("MEA-01") && l.contains("待措施数据")), "{rules}");
    let v: serde_json::Value = serde_json::from_str(&ok(dir.path(), &db, &["check", "--json", "--today", "2026-11-22"])).unwrap();
    assert!(v["fixed"].as_i64().unwrap() >= 2, "switching ID-06 off closes its findings: {v}");
    // one household by number
    let show = ok(dir.path(), &db, &["check", "show", "1", "--rule", "HH-07", "--limit", "1"]);
    let no = show.split("户").nth(1).and_then(|s| s.split_whitespace().next()).map(str::to_string).unwrap_or_default();
    assert!(no.len() >= 10, "a household number in {show}");
    let v: serde_json::Value = serde_json::from_str(&ok(dir.path(), &db, &["check", "--household", &no, "--json", "--today", "2026-11-22"])).unwrap();
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "HH-07"), "{v}");
}
