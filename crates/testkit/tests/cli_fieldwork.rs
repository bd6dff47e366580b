//! The demo's field work end to end: `bangfu demo` pairs every registered household and writes
//! six months of visits, so a month's compliance, the coverage and the ledger have content.

use std::path::Path;
use std::process::Command;

fn ok(dir: &Path, db: &str, args: &[&str]) -> String {
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
    let (o, e) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "bangfu {args:?} failed:\n{o}\n{e}");
    o
}

#[test]
fn the_demo_pairs_every_household_and_visits_most_of_them_every_month() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db").display().to_string();
    let out = ok(dir.path(), &db, &["demo", "--households", "400"]);
    assert!(out.contains("演示走访记录"), "{out}");
    let coverage = ok(dir.path(), &db, &["pairing", "coverage"]);
    assert!(coverage.contains("无帮扶责任人 0 户"), "{coverage}");
    let today = chrono::Local::now().date_naive();
    let last = today.checked_sub_months(chrono::Months::new(1)).unwrap().format("%Y-%m").to_string();
    let v: serde_json::Value = serde_json::from_str(&ok(dir.path(), &db, &["compliance", "--month", &last, "--json"])).unwrap();
    let rate = v["total"]["visit_rate"].as_f64().unwrap();
    assert!((60.0..100.0).contains(&rate), "about nine in ten paired households visited last month: {rate}");
    assert_eq!(v["total"]["visits_due"].as_i64().unwrap(), v["total"]["households"].as_i64().unwrap());
    // running the demo again writes nothing twice
    ok(dir.path(), &db, &["demo", "--households", "400"]);
    let again: serde_json::Value = serde_json::from_str(&ok(dir.path(), &db, &["compliance", "--month", &last, "--json"])).unwrap();
    assert_eq!(again["total"]["visits_met"], v["total"]["visits_met"]);
}
