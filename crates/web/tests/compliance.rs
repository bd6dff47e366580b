//! Compliance (考核/台账) in the web application on SQLite and PostgreSQL: the month page's counts
//! are the fixtures' hand counts, a village cadre sees only their village (another region is 404);
//! a helper's own due page and the message for a user without a helper record; the ledgers as real
//! xlsx read back (title, header, rows, signatures), audited; the settings form (422 in Chinese,
//! saved and audited, 403 without ManageRules); the API with scope.

mod common;

use bangfu_store::P;
use common::{TestApp, workbook};
use reqwest::Client;
use serde_json::Value;

const NOW: &str = "2025-01-01T00:00:00.000Z";

async fn page(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

struct Fx {
    v1: String,
    v2: String,
    /// households of v1 (three) and of v2 (one)
    h1: Vec<(i64, String)>,
    h2: (i64, String),
}

/// Helper 1 (the demo user `helper`) paired with three households of the village cadre's village,
/// helper 2 with one household of another village; June 2025: helper 1 visited two of his three.
async fn fixture(app: &TestApp) -> Fx {
    let v1 = app.region_of("village").await;
    app.state
        .db
        .run(move |c, _| {
            let user = bangfu_store::users::find_user(c, "helper")?.unwrap().id;
            let pick = |c: &mut bangfu_store::Conn, sql: &str, v: &str| -> bangfu_store::Result<Vec<(i64, String, String)>> {
                Ok(c.query(sql, &[P::Text(v)])?.iter().map(|r| (r[0].int().unwrap(), r[1].string(), r[2].string())).collect())
            };
            let h1 = pick(c, "SELECT id, household_no, region_code FROM household WHERE region_code = ? AND status = 'active' ORDER BY id LIMIT 3", &v1)?;
            let h2 = pick(c, "SELECT id, household_no, region_code FROM household WHERE region_code <> ? AND status = 'active' ORDER BY id LIMIT 1", &v1)?;
            assert_eq!(h1.len(), 3, "three households in the cadre's village");
            let v2 = h2[0].2.clone();
            c.execute("INSERT INTO assist_unit (id, name, kind, region_code, status, created_at, updated_at, version) VALUES (1, '县农业农村局', 'government', ?, 'active', ?, ?, 1)", &[P::Text(&v1), P::Text(NOW), P::Text(NOW)])?;
            for (id, name, region, uid) in [(1, "刘帮扶", &v1, Some(user)), (2, "陈帮扶", &v2, None)] {
                c.execute(
                    "INSERT INTO helper (id, name, kind, unit_id, user_id, region_code, status, created_at, updated_at, version) VALUES (?, ?, 'cadre', 1, ?, ?, 'active', ?, ?, 1)",
                    &[P::Int(id), P::Text(name), uid.map(P::Int).unwrap_or(P::Null), P::Text(region), P::Text(NOW), P::Text(NOW)],
                )?;
            }
            let mut pid = 0;
            for (helper, (hh, _, region)) in h1.iter().map(|h| (1, h)).chain(h2.iter().map(|h| (2, h))) {
                pid += 1;
                c.execute(
                    "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, region_code, started_on, status, plan_measures, created_at, updated_at, version) \
                     VALUES (?, 'helper_household', 'helper', ?, 'household', ?, ?, '2025-02-01', 'active', '产业帮扶', ?, ?, 1)",
                    &[P::Int(pid), P::Int(helper), P::Int(*hh), P::Text(region), P::Text(NOW), P::Text(NOW)],
                )?;
            }
            let visits = [(1, 1, h1[0].0, &v1, "2025-06-05"), (2, 1, h1[1].0, &v1, "2025-06-12"), (3, 2, h2[0].0, &v2, "2025-06-20")];
            for (id, helper, hh, region, on) in visits {
                let d = chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap();
                c.execute(
                    "INSERT INTO activity (id, kind, region_code, household_id, occurred_on, checked, problems, help_given, created_by, created_at, version) \
                     VALUES (?, 'visit', ?, ?, ?, 'guarantees,income', '缺少劳动力', '介绍公益岗位', 'test', ?, 1)",
                    &[P::Int(id), P::Text(region), P::Int(hh), P::Date(d), P::Text(NOW)],
                )?;
                c.execute(
                    "INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, household_id, region_code) VALUES (?, ?, ?, 'visit', ?, ?)",
                    &[P::Int(helper), P::Date(d), P::Int(id), P::Int(hh), P::Text(region)],
                )?;
            }
            Ok(Fx { v1: v1.clone(), v2, h1: h1.iter().map(|h| (h.0, h.1.clone())).collect(), h2: (h2[0].0, h2[0].1.clone()) })
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_month_page_counts_and_clips_to_the_scope() {
    for app in TestApp::all().await {
        let b = app.backend();
        let f = fixture(&app).await;
        let (c, _) = app.login("county").await;
        let (s, html) = page(&c, app.url("/compliance?month=2025-06")).await;
        assert_eq!(s, 200, "{b}: {html}");
        assert!(html.contains("data-due=\"3/4（75.0%）\""), "{b}: 3 of 4 pairs visited: {html}");
        assert!(html.contains("刘帮扶") && html.contains(&f.h1[2].1), "{b}: the helper behind and his unvisited household");
        // helper 2 visited his one household but a cadre owes three visits a month (VIS-03)
        assert!(html.contains("data-helper=\"2\"") && html.contains("走访不足 3 次"), "{b}: helper 2 behind on VIS-03");
        // drill down to the village
        let (s, html) = page(&c, app.url(&format!("/compliance?month=2025-06&region={}", f.v1))).await;
        assert_eq!(s, 200);
        assert!(html.contains("data-due=\"2/3（66.7%）\""), "{b}: {html}");
        // a village cadre sees their village only; another region is 404
        let (vc, _) = app.login("village").await;
        let (s, html) = page(&vc, app.url("/compliance?month=2025-06")).await;
        assert_eq!(s, 200);
        assert!(html.contains("data-due=\"2/3（66.7%）\"") && !html.contains(&f.h2.1), "{b}: clipped to the village");
        let (s, _) = page(&vc, app.url(&format!("/compliance?month=2025-06&region={}", f.v2))).await;
        assert_eq!(s, 404, "{b}");
        let (s, _) = page(&c, app.url("/compliance?month=2025-13")).await;
        assert_eq!(s, 400, "{b}: a bad month");
        // the API says the same, with scope
        let v: Value = c.get(app.url("/api/v1/compliance?month=2025-06")).send().await.unwrap().json().await.unwrap();
        assert_eq!((v["total"]["visits"]["due"].as_i64(), v["total"]["visits"]["met"].as_i64()), (Some(4), Some(3)), "{b}: {v}");
        assert_eq!(v["params"]["no_visit_days"], 45);
        let v: Value = vc.get(app.url("/api/v1/compliance?month=2025-06")).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["total"]["visits"]["due"].as_i64(), Some(3), "{b}");
        let r = vc.get(app.url(&format!("/api/v1/compliance?region={}", f.v2))).send().await.unwrap();
        assert_eq!(r.status(), 404);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_helper_sees_what_is_due_and_others_get_a_message() {
    for app in TestApp::all().await {
        let b = app.backend();
        let f = fixture(&app).await;
        let (hc, _) = app.login("helper").await;
        let (s, html) = page(&hc, app.url("/my/due?month=2025-06")).await;
        assert_eq!(s, 200, "{b}: {html}");
        assert!(html.contains("data-total=\"3\" data-done=\"2\""), "{b}: {html}");
        for (_, no) in &f.h1 {
            assert!(html.contains(no.as_str()), "{b}: {no} listed");
        }
        assert!(html.contains("本月待走访") || html.contains("超期未走访"), "{b}");
        let v: Value = hc.get(app.url("/api/v1/compliance/due?month=2025-06")).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["items"].as_array().map(|a| a.len()), Some(3), "{b}: {v}");
        assert_eq!(v["done"], 2);
        // a user without a helper record gets the message, and 404 from the API
        let (cc, _) = app.login("county").await;
        let (s, html) = page(&cc, app.url("/my/due")).await;
        assert_eq!(s, 200);
        assert!(html.contains("id=\"no-helper\""), "{b}");
        assert_eq!(cc.get(app.url("/api/v1/compliance/due")).send().await.unwrap().status(), 404);
        // the county sees helper 2's page; the village cadre does not (outside the village)
        assert_eq!(page(&cc, app.url("/compliance/helpers/2?month=2025-06")).await.0, 200);
        let (vc, _) = app.login("village").await;
        assert_eq!(page(&vc, app.url("/compliance/helpers/2?month=2025-06")).await.0, 404, "{b}");
        assert_eq!(vc.get(app.url("/api/v1/compliance/due?helper=2")).send().await.unwrap().status(), 404, "{b}");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ledgers_download_as_xlsx_and_settings_are_audited() {
    for app in TestApp::all().await {
        let b = app.backend();
        let f = fixture(&app).await;
        let (c, csrf) = app.login("county").await;
        let dir = app.db.dir.path().to_path_buf();
        for (kind, title, rows) in [("visit", "走访台账", 3usize), ("work", "帮扶工作台账", 4usize)] {
            let r = c.get(app.url(&format!("/compliance/ledger.xlsx?kind={kind}&month=2025-06"))).send().await.unwrap();
            assert_eq!(r.status(), 200, "{b}: {kind}");
            let path = dir.join(format!("{kind}.xlsx"));
            std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
            let sheets = workbook(&path);
            assert_eq!(sheets.len(), 2, "{b}: one sheet per village");
            let mut data = 0;
            for (_, sheet) in &sheets {
                assert!(sheet[0][0].contains(title) && sheet[0][0].contains("2025年6月"), "{b}: title row {:?}", sheet[0]);
                assert_eq!(sheet[1][0], "序号");
                assert!(sheet.last().unwrap()[0].contains("日期"), "{b}: signature lines at the bottom");
                data += sheet.iter().skip(2).take_while(|r| !r.iter().all(|x| x.is_empty())).count();
            }
            assert_eq!(data, rows, "{b}: {kind} rows");
        }
        let visit = workbook(&dir.join("visit.xlsx"));
        let all: Vec<&Vec<String>> = visit.iter().flat_map(|(_, s)| s.iter()).collect();
        assert!(all.iter().any(|r| r.iter().any(|x| x == "两不愁三保障、收入情况") && r.iter().any(|x| x == "刘帮扶")), "{b}: what was checked and who");
        let n = app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM audit_log WHERE action IN ('export_visit_ledger', 'export_work_ledger')", &[])?)).await.unwrap();
        assert_eq!(n, 2, "{b}: exports audited");
        // settings: a bad value is 422 in Chinese; a good one is saved, audited and changes the month
        let form = |v: &str| vec![("_csrf", csrf.clone()), ("prefix", String::new()), ("key", "visit_per_household_month".into()), ("value", v.into()), ("basis", "某县〔2025〕3号".into())];
        let r = c.post(app.url("/compliance/settings")).form(&form("很多")).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert!(r.text().await.unwrap().contains("应为整数"));
        let r = c.post(app.url("/compliance/settings")).form(&form("2")).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let v: Value = c.get(app.url("/api/v1/compliance?month=2025-06")).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["total"]["visits"]["met"].as_i64(), Some(0), "{b}: nobody visited twice");
        let n = app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM audit_log WHERE entity = 'compliance_param'", &[])?)).await.unwrap();
        assert_eq!(n, 1, "{b}");
        let (vc, vcsrf) = app.login("village").await;
        let r = vc.post(app.url("/compliance/settings")).form(&[("_csrf", vcsrf.as_str()), ("key", "no_visit_days"), ("value", "30")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}: a village cadre may not set rules");
        let _ = f;
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_month_page_shows_the_school_years_stints_and_exchanges() {
    for app in TestApp::all().await {
        let b = app.backend();
        let f = fixture(&app).await;
        let v1 = f.v1.clone();
        app.state
            .db
            .run(move |c, _| {
                for (id, name) in [(11, "县第一中学"), (12, "村小学")] {
                    c.execute(
                        "INSERT INTO assist_unit (id, name, kind, region_code, status, created_at, updated_at, version) VALUES (?, ?, 'school', ?, 'active', ?, ?, 1)",
                        &[P::Int(id), P::Text(name), P::Text(&v1), P::Text(NOW), P::Text(NOW)],
                    )?;
                }
                c.execute(
                    "INSERT INTO helper (id, name, kind, unit_id, region_code, status, created_at, updated_at, version) VALUES (11, '王老师', 'teacher', 11, ?, 'active', ?, ?, 1)",
                    &[P::Text(&v1), P::Text(NOW), P::Text(NOW)],
                )?;
                c.execute(
                    "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, region_code, started_on, status, created_at, updated_at, version) \
                     VALUES (50, 'school_school', 'school', 11, 'school', 12, ?, '2024-09-01', 'active', ?, ?, 1)",
                    &[P::Text(&v1), P::Text(NOW), P::Text(NOW)],
                )?;
                let d = |t: &str| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap();
                c.execute(
                    "INSERT INTO activity (id, kind, region_code, unit_id, occurred_on, ended_on, created_by, created_at, version) VALUES (900, 'stint', ?, 12, ?, ?, 'test', ?, 1)",
                    &[P::Text(&v1), P::Date(d("2025-03-03")), P::Date(d("2025-03-05")), P::Text(NOW)],
                )?;
                c.execute(
                    "INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, region_code) VALUES (11, ?, 900, 'stint', ?)",
                    &[P::Date(d("2025-03-03")), P::Text(&v1)],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        let (c, _) = app.login("county").await;
        let (s, html) = page(&c, app.url("/compliance?month=2025-06")).await;
        assert_eq!(s, 200, "{b}");
        assert!(html.contains("2024—2025 学年") && html.contains("王老师"), "{b}: the school year's stints: {html}");
        assert!(html.contains("STN-01") && html.contains("仅 3 天"), "{b}: a three-day stint is too short");
        assert!(html.contains("县第一中学") && html.contains("EXC-01 不足"), "{b}: one teacher exchanged of two");
        app.stop().await;
    }
}
