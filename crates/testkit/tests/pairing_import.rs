//! The 对口帮扶任务分配表 import and export on every backend: a good file assigns helpers (creating
//! the missing ones and their units) and replaces earlier helpers with history; bad rows (unknown
//! household, unknown or ambiguous helper, bad date, a household twice) are reported with row and
//! column and nothing is written; --accept-valid writes the good rows; export → import round-trips.

use bangfu_domain::pairing::{HelperKind, PairingKind, PairingStatus, UnitKind};
use bangfu_domain::RegionScope;
use bangfu_exchange::pairing_sheet::{export_pairings, import_pairings, PairingImportRequest, SHEET_HEADER};
use bangfu_store::pairing::{assign, helpers, pairings, units, NewHelper, NewPairing, NewUnit, Party};
use bangfu_store::{audit, Store};
use bangfu_testkit::*;
use std::path::{Path, PathBuf};

fn setup(store: &mut Store) -> Vec<String> {
    load_demo_regions(store);
    insert_docs(store, &demo_docs(40, 5));
    store.conn.query("SELECT household_no FROM household WHERE status = 'active' ORDER BY household_no", &[]).unwrap().iter().map(|r| r[0].string()).collect()
}

fn csv(dir: &Path, name: &str, rows: &[Vec<&str>]) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::from("对口帮扶任务分配表\n");
    text.push_str(&SHEET_HEADER.join(","));
    text.push('\n');
    for r in rows {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn req(path: PathBuf, accept_valid: bool) -> PairingImportRequest {
    PairingImportRequest { path, scope: RegionScope::all(), today: today(), accept_valid, write_report: true }
}

fn count(store: &mut Store, table: &str) -> i64 {
    store.conn.query_int(&format!("SELECT COUNT(*) FROM {table}"), &[]).unwrap()
}

fn existing_helper(store: &mut Store, name: &str, unit: &str) -> i64 {
    let all = RegionScope::all();
    let county = store.conn.query("SELECT code FROM region WHERE level = 'county'", &[]).unwrap()[0][0].string();
    let u = match units::find_by_name(&mut store.conn, &all, unit).unwrap() {
        Some(u) => u.id,
        None => units::create(&mut store.conn, &test_actor(), &all, &NewUnit { name: unit.into(), kind: UnitKind::Government, parent_id: None, region_code: county, contact: None, phone: None }).unwrap(),
    };
    helpers::create(&mut store.conn, &test_actor(), &all, &NewHelper { name: name.into(), kind: HelperKind::Cadre, unit_id: Some(u), rank: None, position: None, phone: Some("13900000001".into()), id_number: None, user_id: None, region_code: None }).unwrap()
}

#[test]
fn a_good_file_assigns_helpers_creating_the_missing_ones_and_keeps_history() {
    for mut db in TestDb::all() {
        let backend = db.name;
        let nos = setup(&mut db.store);
        let wang = existing_helper(&mut db.store, "王建国", "县农业农村局");
        let all = RegionScope::all();
        let hid = |s: &mut Store, no: &str| s.conn.query_int("SELECT id FROM household WHERE household_no = ?", &[bangfu_store::P::Text(no)]).unwrap();
        let h0 = hid(&mut db.store, &nos[0]);
        let old = pairings::create(&mut db.store.conn, &test_actor(), &all, &NewPairing { kind: PairingKind::HelperHousehold, helper: Party::Helper(wang), beneficiary: Party::Household(h0), started_on: today() - chrono::Duration::days(400), plan_goal: None, plan_measures: None }).unwrap().id;
        let path = csv(
            db.dir.path(),
            "分配表.csv",
            &[
                vec!["青山镇", "", &nos[0], "", "", "李红梅", "县教育局", "科员", "一般干部", "13800000002", "2025-03-01"],
                vec!["青山镇", "", &nos[1], "", "", "李红梅", "县教育局", "科员", "一般干部", "13800000002", "2025/3/1"],
                vec!["青山镇", "", &nos[2], "", "", "王建国", "", "", "", "", "2025-03-01"],
                vec!["", "", "", "", "", "", "", "", "", "", ""],
                vec!["青山镇", "", &nos[3], "", "", "张三", "县人民医院", "医生", "", "", ""],
            ],
        );
        let audits = audit::count(&mut db.store.conn, Some("pairing")).unwrap();
        let r = import_pairings(&mut db.store, &test_actor(), &req(path, false)).unwrap();
        assert!(r.issues.is_empty(), "{backend}: {:?}", r.issues);
        assert_eq!(r.rows, 4);
        let o = r.outcome.expect("written");
        assert_eq!((o.units_created, o.helpers_created, o.pairings_created, o.pairings_replaced, o.unchanged), (2, 2, 4, 1, 0), "{backend}");
        assert_eq!(audit::count(&mut db.store.conn, Some("pairing")).unwrap(), audits + 1);
        let history = pairings::of_household(&mut db.store.conn, &all, h0).unwrap();
        assert_eq!(history.len(), 2, "{backend}");
        assert_eq!((history[0].status, history[0].helper_name.as_deref(), history[0].helper_unit.as_deref()), (PairingStatus::Active, Some("李红梅"), Some("县教育局")));
        assert_eq!(history[0].started_on, chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
        assert_eq!((history[1].id, history[1].status, history[1].replaced_by), (old, PairingStatus::Ended, Some(history[0].id)), "{backend}");
        let li = helpers::find_by_name(&mut db.store.conn, &all, "李红梅", None).unwrap();
        assert_eq!(li.len(), 1, "one helper for two rows, {backend}");
        assert_eq!(li[0].rank.map(|r| r.code()), Some("ordinary"));
        let h3 = hid(&mut db.store, &nos[3]);
        let p3 = pairings::of_household(&mut db.store.conn, &all, h3).unwrap();
        assert_eq!(p3[0].started_on, today(), "no date: today");
        assert_eq!(units::find_by_name(&mut db.store.conn, &all, "县人民医院").unwrap().unwrap().kind, UnitKind::Hospital);
        // the same file again changes nothing
        let again = csv(db.dir.path(), "again.csv", &[vec!["", "", &nos[2], "", "", "王建国", "县农业农村局", "", "", "", "2025-03-01"]]);
        let o = import_pairings(&mut db.store, &test_actor(), &req(again, false)).unwrap().outcome.unwrap();
        assert_eq!((o.pairings_created, o.unchanged), (0, 1), "{backend}");
    }
}

#[test]
fn bad_rows_are_reported_with_row_and_column_and_nothing_is_written() {
    for mut db in TestDb::all() {
        let backend = db.name;
        let nos = setup(&mut db.store);
        existing_helper(&mut db.store, "刘洋", "县农业农村局");
        existing_helper(&mut db.store, "刘洋", "县财政局");
        let path = csv(
            db.dir.path(),
            "坏表.csv",
            &[
                vec!["", "", &nos[0], "", "", "陈新", "县水利局", "", "", "", "2025-03-01"],
                vec!["", "", "4310990000009999", "", "", "陈新", "县水利局", "", "", "", "2025-03-01"],
                vec!["", "", &nos[1], "", "", "周不在", "", "", "", "", "2025-03-01"],
                vec!["", "", &nos[2], "", "", "刘洋", "", "", "", "", "2025-03-01"],
                vec!["", "", &nos[3], "", "", "陈新", "县水利局", "", "", "", "2025-13-45"],
                vec!["", "", &nos[0], "", "", "陈新", "县水利局", "", "", "", "2025-03-01"],
                vec!["", "", &nos[4], "", "", "陈新", "县水利局", "", "处长级", "", "2025-03-01"],
            ],
        );
        let (pairings_before, helpers_before, units_before) = (count(&mut db.store, "pairing"), count(&mut db.store, "helper"), count(&mut db.store, "assist_unit"));
        let r = import_pairings(&mut db.store, &test_actor(), &req(path.clone(), false)).unwrap();
        assert!(r.outcome.is_none(), "{backend}");
        let got: Vec<(u64, String)> = r.issues.iter().map(|i| (i.row, i.column.clone())).collect();
        assert_eq!(
            got,
            vec![(4, "C（户编号）".to_string()), (5, "F（帮扶责任人）".into()), (6, "F（帮扶责任人）".into()), (7, "K（结对开始日期）".into()), (8, "C（户编号）".into()), (9, "I（职级）".into())],
            "{backend}: {:?}",
            r.issues
        );
        assert!(r.issues[0].reason.contains("不存在"), "{}", r.issues[0].reason);
        assert!(r.issues[1].fix.contains("单位"), "{}", r.issues[1].fix);
        assert!(r.issues[2].reason.contains("2 名同名"), "{}", r.issues[2].reason);
        assert!(r.issues[3].reason.contains("不是有效日期"), "{}", r.issues[3].reason);
        assert!(r.issues[4].reason.contains("第 3 行"), "{}", r.issues[4].reason);
        assert!(r.report_path.as_ref().is_some_and(|p| p.exists()), "an error report beside the file");
        assert_eq!((count(&mut db.store, "pairing"), count(&mut db.store, "helper"), count(&mut db.store, "assist_unit")), (pairings_before, helpers_before, units_before), "nothing written, {backend}");
        // --accept-valid: the good row only (the helper and unit it needs are created)
        let r = import_pairings(&mut db.store, &test_actor(), &req(path, true)).unwrap();
        let o = r.outcome.unwrap();
        assert_eq!((o.pairings_created, o.helpers_created, o.units_created), (1, 1, 1), "{backend}");
        // a file without the columns
        let bad = db.dir.path().join("无表头.csv");
        std::fs::write(&bad, "姓名,电话\n张三,1\n").unwrap();
        let e = import_pairings(&mut db.store, &test_actor(), &req(bad, false)).unwrap_err();
        assert!(e.to_string().contains("找不到表头"), "{e}");
    }
}

#[test]
fn an_export_imports_back_into_a_fresh_installation_unchanged() {
    for mut db in TestDb::all() {
        let backend = db.name;
        let nos = setup(&mut db.store);
        let rows: Vec<Vec<String>> = nos
            .iter()
            .take(30)
            .enumerate()
            .map(|(i, no)| {
                let helper = format!("干部{}", i % 7);
                let unit = format!("县直单位{}", i % 3);
                vec![String::new(), String::new(), no.clone(), String::new(), String::new(), helper, unit, "科员".into(), "正科级".into(), format!("1380000{:04}", i % 7), format!("2024-0{}-01", 1 + i % 9)]
            })
            .collect();
        let refs: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
        let path = csv(db.dir.path(), "first.csv", &refs);
        import_pairings(&mut db.store, &test_actor(), &req(path, false)).unwrap().outcome.unwrap();
        let all = RegionScope::all();
        let first = assign::sheet_rows(&mut db.store.conn, &all).unwrap();
        assert_eq!(first.len(), 30, "{backend}");
        for ext in ["xlsx", "csv"] {
            let out = db.dir.path().join(format!("导出.{ext}"));
            assert_eq!(export_pairings(&mut db.store, &all, &out).unwrap(), 30);
            let mut fresh = if backend == "sqlite" { TestDb::sqlite() } else { TestDb::postgres() };
            setup(&mut fresh.store);
            let r = import_pairings(&mut fresh.store, &test_actor(), &req(out, false)).unwrap();
            assert!(r.issues.is_empty(), "{backend} {ext}: {:?}", r.issues);
            let o = r.outcome.unwrap();
            assert_eq!((o.pairings_created, o.helpers_created, o.units_created), (30, 21, 3), "{backend} {ext}");
            let second = assign::sheet_rows(&mut fresh.store.conn, &all).unwrap();
            assert_eq!(second, first, "{backend} {ext}");
        }
    }
}
