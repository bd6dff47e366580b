//! `bangfu flow` through the binary: the shipped procedures are listed with their steps, demo cases
//! are placed at a step in one statement, and the status counts them per step and overdue.

use std::path::Path;
use std::process::Command;

fn run(dir: &Path, db: &str, args: &[&str]) -> (bool, String) {
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
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn definitions_seed_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db").display().to_string();
    assert!(run(dir.path(), &db, &["demo", "--households", "300"]).0);
    let (ok, defs) = run(dir.path(), &db, &["flow", "definitions"]);
    assert!(ok, "{defs}");
    for title in ["贫困户识别纳入（两公示一公告）", "贫困户退出", "贫困村出列", "年度动态调整", "防返贫监测对象识别"] {
        assert!(defs.contains(title), "{title}: {defs}");
    }
    assert!(defs.contains("第二次公示（村内）") && defs.contains("乡镇级 乡镇干部"), "{defs}");
    let (ok, out) = run(dir.path(), &db, &["flow", "seed", "--step", "county_review", "--region", "431099000000", "--cases", "120"]);
    assert!(ok && out.contains("已生成 120 件"), "{out}");
    let (ok, status) = run(dir.path(), &db, &["flow", "status"]);
    assert!(ok && status.contains("identification\tcounty_review\t办理中 120\t超期 0"), "{status}");
    // forty days later every one of them is past its 15-day deadline
    let later = (chrono::Local::now().date_naive() + chrono::Days::new(40)).to_string();
    let (_, status) = run(dir.path(), &db, &["flow", "status", "--today", &later]);
    assert!(status.contains("超期 120"), "{status}");
    // a step the procedure does not have: a Chinese error, nothing written
    let (ok, err) = run(dir.path(), &db, &["flow", "seed", "--step", "mayor_review", "--cases", "5"]);
    assert!(!ok && err.contains("没有环节“mayor_review”"), "{err}");
    let (_, status) = run(dir.path(), &db, &["flow", "status"]);
    assert!(status.contains("办理中 120"), "{status}");
}
