//! Pairing assistance (结对帮扶) in the web application on SQLite and PostgreSQL: a unit, a helper
//! and a pairing created through the forms (a bad form answers 422 with the Chinese message next to
//! the field, nothing written); the hand-over moves the households and keeps the history; the
//! 对口帮扶任务分配表 uploaded as a job (a good sheet is written, a bad one gives an error report with
//! row and column and writes nothing); the overview's coverage numbers are the store's; a village
//! cadre sees only their village and cannot manage (403); the JSON API with scope.

mod common;

use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::P;
use bangfu_store::pairing::{PairingFilter, coverage, pairings};
use common::{TestApp, prefix_of};
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

async fn page(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

fn scope_of(prefix: &str) -> RegionScope {
    if prefix.is_empty() { RegionScope::all() } else { RegionScope::of(&RegionCode::parse(prefix).unwrap()) }
}

/// The value of `attr` on the element whose id is `id`.
fn attr_of(html: &str, id: &str, attr: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let open = html[..at].rfind('<')?;
    let close = at + html[at..].find('>')?;
    let tag = &html[open..close];
    let key = format!(" {attr}=\"");
    let s = tag.find(&key)? + key.len();
    let e = tag[s..].find('"')?;
    Some(tag[s..s + e].to_string())
}

fn num(html: &str, id: &str, attr: &str) -> i64 {
    attr_of(html, id, attr).unwrap_or_else(|| panic!("no {attr} on #{id} in {html}")).parse().unwrap()
}

async fn post(app: &TestApp, c: &Client, path: &str, csrf: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form: Vec<(String, String)> = vec![("_csrf".into(), csrf.into())];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    c.post(app.url(path)).form(&form).send().await.unwrap()
}

/// Households (id, household_no, region) of a region prefix, registered and active.
async fn households(app: &TestApp, prefix: &str) -> Vec<(i64, String, String)> {
    let pattern = format!("{prefix}%");
    app.state
        .db
        .run(move |c, _| {
            Ok(c.query(
                "SELECT id, household_no, region_code FROM household WHERE region_code LIKE ? AND status = 'active' AND household_type IN ('poor', 'exited', 'monitored') ORDER BY id",
                &[P::Text(&pattern)],
            )?
            .iter()
            .map(|r| (r[0].int().unwrap(), r[1].string(), r[2].string()))
            .collect())
        })
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    app.state.db.run(move |c, _| Ok(c.query_int(sql, &[])?)).await.unwrap()
}

/// Creates a unit then a helper in it through the forms; returns the helper's id.
async fn helper_through_form(app: &TestApp, c: &Client, csrf: &str, unit: &str, name: &str, phone: &str) -> i64 {
    let r = post(app, c, "/pairing/units", csrf, &[("name", unit), ("kind", "government"), ("parent_id", ""), ("region_code", ""), ("contact", ""), ("phone", "")]).await;
    assert_eq!(r.status(), 303, "{}: unit saved: {}", app.backend(), r.text().await.unwrap());
    let (_, units) = page(c, app.url("/pairing/units")).await;
    assert!(units.contains(unit), "{}: the unit is listed", app.backend());
    let unit_id = {
        let u = unit.to_string();
        app.state.db.run(move |c, _| Ok(c.query_opt("SELECT id FROM assist_unit WHERE name = ?", &[P::Text(&u)])?.unwrap()[0].int().unwrap())).await.unwrap()
    };
    let r = post(app, c, "/pairing/helpers", csrf, &[("name", name), ("kind", "cadre"), ("unit_id", &unit_id.to_string()), ("position", "科员"), ("rank", "ordinary"), ("phone", phone), ("region_code", "")]).await;
    assert_eq!(r.status(), 303, "{}: helper saved", app.backend());
    let to = location(&r);
    to.strip_prefix("/pairing/helpers/").unwrap().parse().unwrap()
}

#[tokio::test]
async fn forms_create_units_helpers_pairings_and_hand_over_keeps_history() {
    for app in TestApp::all().await {
        let (c, csrf) = app.login("county").await;
        let county = prefix_of(&app.region_of("county").await);
        let hs = households(&app, &county).await;
        assert!(hs.len() >= 3, "{}: registered households", app.backend());

        // the overview and the new-helper form answer
        let (s, html) = page(&c, app.url("/pairing")).await;
        assert_eq!(s, 200, "{}", app.backend());
        assert!(html.contains("结对帮扶") && html.contains("id=\"gap-households\""));
        let (s, html) = page(&c, app.url("/pairing/helpers/new")).await;
        assert_eq!(s, 200);
        assert!(html.contains("id=\"helper-form\""));

        // a bad helper form: 422 with the message next to the field, nothing written
        let before = count(&app, "SELECT COUNT(*) FROM helper").await;
        let r = post(&app, &c, "/pairing/helpers", &csrf, &[("name", ""), ("kind", "cadre"), ("phone", "电话号码")]).await;
        assert_eq!(r.status(), 422, "{}", app.backend());
        let html = r.text().await.unwrap();
        assert!(html.contains("请填写帮扶人姓名") && html.contains("不是有效的号码"), "{}: {html}", app.backend());
        assert!(html.contains("id=\"field-name\""));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM helper").await, before, "{}: nothing written", app.backend());

        let a = helper_through_form(&app, &c, &csrf, "县农业农村局", "张帮扶", "13800001111").await;
        let b = helper_through_form(&app, &c, &csrf, "县财政局", "李接手", "13800002222").await;
        let (s, html) = page(&c, app.url("/pairing/helpers")).await;
        assert_eq!(s, 200);
        assert!(html.contains("张帮扶") && html.contains("138****1111"), "{}: listed with the phone masked", app.backend());
        assert!(!html.contains("13800001111"));
        let (_, html) = page(&c, app.url("/pairing/helpers?rank=ordinary&status=active")).await;
        assert!(html.contains("张帮扶"), "{}: the rank filter keeps the helper", app.backend());
        let (_, html) = page(&c, app.url("/pairing/helpers?rank=full_section")).await;
        assert!(!html.contains("张帮扶"), "{}: another rank leaves the helper out", app.backend());

        // pairings through the form: two households for A
        let (s, html) = page(&c, app.url(&format!("/pairing/pairings/new?kind=helper_household&household_no={}", hs[0].1))).await;
        assert_eq!(s, 200);
        assert!(html.contains("帮扶方：帮扶人") && html.contains("受帮扶方：户编号") && html.contains(&hs[0].1), "{}: the fields follow the kind", app.backend());
        for h in &hs[..2] {
            let r = post(&app, &c, "/pairing/pairings", &csrf, &[("kind", "helper_household"), ("helper", &a.to_string()), ("beneficiary", &h.1), ("started_on", "2026-02-01"), ("plan_goal", "稳定增收"), ("plan_measures", "产业帮扶")]).await;
            assert_eq!(r.status(), 303, "{}: pairing saved: {}", app.backend(), r.text().await.unwrap_or_default());
        }
        // a bad pairing form: unknown household, a date in the future → 422, nothing written
        let before = count(&app, "SELECT COUNT(*) FROM pairing").await;
        let r = post(&app, &c, "/pairing/pairings", &csrf, &[("kind", "helper_household"), ("helper", &a.to_string()), ("beneficiary", "9999999999999999"), ("started_on", "2099-01-01")]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("户编号“9999999999999999”不存在") && html.contains("开始日期不能晚于今天"), "{}: {html}", app.backend());
        // a second helper for a household that has one is refused by the store, in Chinese
        let r = post(&app, &c, "/pairing/pairings", &csrf, &[("kind", "helper_household"), ("helper", &b.to_string()), ("beneficiary", &hs[0].1), ("started_on", "2026-03-01")]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("该户已有帮扶责任人 张帮扶"));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM pairing").await, before, "{}: nothing written", app.backend());

        let (_, html) = page(&c, app.url(&format!("/pairing/helpers/{a}"))).await;
        assert_eq!(num(&html, "caseload", "data-households"), 2, "{}", app.backend());
        let (_, list) = page(&c, app.url("/pairing/pairings?kind=helper_household")).await;
        assert!(list.contains("张帮扶") && list.contains(&hs[1].1));

        // a bad hand-over: 422 with the messages, nothing moved
        let r = post(&app, &c, &format!("/pairing/helpers/{a}/handover"), &csrf, &[("to_helper", ""), ("on_date", ""), ("reason", "")]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("请选择接手的帮扶人") && html.contains("请填写交接日期") && html.contains("请填写交接原因"));

        // the hand-over moves both households to B and keeps A's pairings as history
        let r = post(&app, &c, &format!("/pairing/helpers/{a}/handover"), &csrf, &[("to_helper", &b.to_string()), ("on_date", "2026-06-01"), ("reason", "调离"), ("mark_left", "1")]).await;
        assert_eq!(r.status(), 303, "{}: {}", app.backend(), r.text().await.unwrap_or_default());
        let (_, html) = page(&c, app.url(&location(&r))).await;
        assert!(html.contains("交接完成：2 户"), "{}: {html}", app.backend());
        assert!(html.contains("已调离"));
        let scope = scope_of(&county);
        let (old, new) = app
            .state
            .db
            .run(move |c, _| Ok((pairings::of_helper(c, &scope, a, false)?, pairings::of_helper(c, &scope, b, true)?)))
            .await
            .unwrap();
        assert_eq!(old.len(), 2, "{}: A's pairings are kept", app.backend());
        assert!(old.iter().all(|p| p.ended_on.is_some() && p.replaced_by.is_some() && p.end_reason.as_deref() == Some("调离")), "{old:?}");
        assert_eq!(new.len(), 2, "{}: B has both households", app.backend());
        assert!(new.iter().all(|p| p.started_on.to_string() == "2026-06-01" && p.plan_goal.as_deref() == Some("稳定增收")));
        let (_, html) = page(&c, app.url(&format!("/pairing/helpers/{b}"))).await;
        assert_eq!(num(&html, "caseload", "data-households"), 2);

        // ending a pairing: the reason is required (422), then it ends
        let id = new[0].id;
        let r = post(&app, &c, &format!("/pairing/pairings/{id}/end"), &csrf, &[("ended_on", "2026-07-01"), ("reason", "")]).await;
        assert_eq!(r.status(), 422);
        let r = post(&app, &c, &format!("/pairing/pairings/{id}/end"), &csrf, &[("ended_on", "2026-07-01"), ("reason", "户已搬迁")]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = page(&c, app.url(&format!("/pairing/pairings/{id}"))).await;
        assert!(html.contains("户已搬迁") && html.contains("已结束"));

        // a team with its first secretary
        let r = post(&app, &c, "/pairing/teams", &csrf, &[("name", "县财政局驻村工作队"), ("unit_id", ""), ("village_code", &hs[0].2), ("started_on", "2026-01-10"), ("secretary", &b.to_string())]).await;
        assert_eq!(r.status(), 303, "{}: {}", app.backend(), r.text().await.unwrap_or_default());
        let (_, html) = page(&c, app.url("/pairing/teams")).await;
        assert!(html.contains("县财政局驻村工作队") && html.contains("李接手"));
        let team = {
            let v = hs[0].2.clone();
            app.state.db.run(move |c, _| Ok(c.query_opt("SELECT id FROM work_team WHERE village_code = ?", &[P::Text(&v)])?.unwrap()[0].int().unwrap())).await.unwrap()
        };
        // a member joins; a bad form is 422
        let r = post(&app, &c, &format!("/pairing/teams/{team}/members"), &csrf, &[("helper", ""), ("role", "member"), ("on", "")]).await;
        assert_eq!(r.status(), 422);
        let m = helper_through_form(&app, &c, &csrf, "县交通局", "冯队员", "13800003333").await;
        let r = post(&app, &c, &format!("/pairing/teams/{team}/members"), &csrf, &[("helper", &m.to_string()), ("role", "member"), ("on", "2026-02-01")]).await;
        assert_eq!(r.status(), 303, "{}", app.backend());
        let (_, html) = page(&c, app.url(&format!("/pairing/teams/{team}"))).await;
        assert!(html.contains("冯队员") && html.contains("第一书记（队长）"), "{}: {html}", app.backend());

        // a unit–village pairing: the form asks for a unit and a village
        let unit = {
            app.state.db.run(|c, _| Ok(c.query_opt("SELECT id FROM assist_unit WHERE name = '县交通局'", &[])?.unwrap()[0].int().unwrap())).await.unwrap()
        };
        let (_, html) = page(&c, app.url("/pairing/pairings/new?kind=unit_village")).await;
        assert!(html.contains("帮扶方：单位") && html.contains("受帮扶方：村") && html.contains("县交通局"), "{}", app.backend());
        let r = post(&app, &c, "/pairing/pairings", &csrf, &[("kind", "unit_village"), ("helper", &unit.to_string()), ("beneficiary", &hs[0].2), ("started_on", "2026-01-01"), ("plan_goal", "村集体经济")]).await;
        assert_eq!(r.status(), 303, "{}: {}", app.backend(), r.text().await.unwrap_or_default());
        let (_, html) = page(&c, app.url("/pairing/pairings?kind=unit_village")).await;
        assert!(html.contains("县交通局"));

        // every change is audited
        let audited = count(&app, "SELECT COUNT(*) FROM audit_log WHERE entity IN ('helper', 'assist_unit', 'pairing', 'work_team')").await;
        assert!(audited >= 8, "{}: {audited} audit entries", app.backend());
        app.stop().await;
    }
}

/// Uploads a sheet through the form and waits for the job; returns the job's status.
async fn import_through_form(app: &TestApp, c: &Client, csrf: &str, name: &str, bytes: Vec<u8>, accept_valid: bool) -> Value {
    let mut form = Form::new().text("_csrf", csrf.to_string());
    if accept_valid {
        form = form.text("accept_valid", "1");
    }
    form = form.part("file", Part::bytes(bytes).file_name(name.to_string()));
    let r = c.post(app.url("/pairing/import")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}: {}", app.backend(), r.text().await.unwrap());
    let job_page = location(&r);
    let job = job_page.strip_prefix("/pairing/import/").unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s: Value = c.get(app.url(&format!("/pairing/import/{job}/status"))).send().await.unwrap().json().await.unwrap();
        if s["state"] == "done" || s["state"] == "failed" {
            let (status, html) = page(c, app.url(&job_page)).await;
            assert_eq!(status, 200);
            assert!(html.contains(s["message"].as_str().unwrap()), "{}: the page shows the result", app.backend());
            return s;
        }
        assert!(Instant::now() < deadline, "{}: the import did not finish: {s}", app.backend());
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test]
async fn the_assignment_sheet_is_imported_as_a_job_and_a_bad_one_writes_nothing() {
    for app in TestApp::all().await {
        let (c, csrf) = app.login("township").await;
        let township = prefix_of(&app.region_of("township").await);
        let hs = households(&app, &township).await;
        assert!(hs.len() >= 3);
        let header = "乡镇,村,户编号,户主姓名,户主身份证号,帮扶责任人,单位,职务,职级,联系电话,结对开始日期\n";

        // a bad sheet: an unknown household and an unreadable date → nothing written, an error report
        let before = count(&app, "SELECT COUNT(*) FROM pairing").await;
        let helpers_before = count(&app, "SELECT COUNT(*) FROM helper").await;
        let bad = format!("{header},,{},,,王帮扶,镇农办,干事,一般干部,13900001111,2026-02-01\n,,9999999999999999,,,王帮扶,镇农办,干事,一般干部,13900001111,2026-02-01\n,,{},,,赵帮扶,镇农办,干事,一般干部,13900002222,不是日期\n", hs[0].1, hs[1].1);
        let s = import_through_form(&app, &c, &csrf, "任务分配表-有错.csv", bad.clone().into_bytes(), false).await;
        assert_eq!(s["state"], "done", "{}: {s}", app.backend());
        assert_eq!(s["written"], false, "{}: {s}", app.backend());
        assert_eq!(s["bad_rows"], 2);
        let issues: Vec<String> = s["issues"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        assert!(issues.iter().any(|i| i.contains("第 3 行") && i.contains("C（户编号）")), "{}: {issues:?}", app.backend());
        assert!(issues.iter().any(|i| i.contains("第 4 行") && i.contains("结对开始日期")), "{issues:?}");
        assert_eq!(s["has_report"], true);
        let job = s["id"].as_str().unwrap();
        let r = c.get(app.url(&format!("/pairing/import/{job}/report.xlsx"))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let path = app.db.dir.path().join("report.xlsx");
        std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
        let wb = common::workbook(&path);
        let text = format!("{wb:?}");
        assert!(text.contains("9999999999999999"), "{}: the report names the value: {text}", app.backend());
        assert_eq!(count(&app, "SELECT COUNT(*) FROM pairing").await, before, "{}: nothing written", app.backend());
        assert_eq!(count(&app, "SELECT COUNT(*) FROM helper").await, helpers_before, "{}: no helper created", app.backend());

        // the same sheet with “only the good rows”: the good row is written
        let s = import_through_form(&app, &c, &csrf, "任务分配表-有错.csv", bad.into_bytes(), true).await;
        assert_eq!(s["written"], true, "{}: {s}", app.backend());
        assert_eq!(s["pairings_created"], 1);

        // a good sheet: both households written, the helper created with the unit
        let good = format!("{header},,{},,,钱帮扶,镇林业站,站长,正科级,13900003333,2026-02-01\n,,{},,,钱帮扶,镇林业站,站长,正科级,13900003333,2026-02-01\n", hs[1].1, hs[2].1);
        let s = import_through_form(&app, &c, &csrf, "任务分配表.csv", good.into_bytes(), false).await;
        assert_eq!(s["written"], true, "{}: {s}", app.backend());
        assert_eq!(s["pairings_created"], 2);
        assert_eq!(s["helpers_created"], 1);
        let scope = scope_of(&township);
        let (rows, _) = app.state.db.run(move |c, _| Ok(pairings::list(c, &scope, &PairingFilter { kind: Some(bangfu_domain::pairing::PairingKind::HelperHousehold), status: Some(bangfu_domain::pairing::PairingStatus::Active), ..Default::default() }, 0, 1000)?)).await.unwrap();
        assert!(rows.iter().any(|p| p.household_no.as_deref() == Some(hs[2].1.as_str()) && p.helper_name.as_deref() == Some("钱帮扶")), "{}", app.backend());

        // the export has the same layout and the new rows, audited
        let r = c.get(app.url("/pairing/export.xlsx")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
        let wb = common::workbook(&path);
        assert_eq!(wb[0].1[0][..3], ["乡镇".to_string(), "村".into(), "户编号".into()]);
        assert!(wb[0].1.iter().any(|r| r.contains(&hs[2].1) && r.contains(&"钱帮扶".to_string())), "{}", app.backend());
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'export_pairing_sheet'").await, 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn coverage_is_the_stores_and_a_village_cadre_sees_only_their_village() {
    for app in TestApp::all().await {
        // the county's overview numbers are the store's
        for user in ["county", "village"] {
            let (c, _) = app.login(user).await;
            let prefix = prefix_of(&app.region_of(user).await);
            let scope = scope_of(&prefix);
            let want = app.state.db.run(move |c, _| Ok(coverage::summary(c, &scope, None)?)).await.unwrap();
            let (s, html) = page(&c, app.url("/pairing")).await;
            assert_eq!(s, 200, "{}: {user}", app.backend());
            assert_eq!(num(&html, "gap-households", "data-total"), want.registered_households, "{}: {user}", app.backend());
            assert_eq!(num(&html, "gap-households", "data-gap"), want.households_without_helper);
            assert_eq!(num(&html, "gap-villages", "data-gap"), want.villages_without_unit);
            assert_eq!(num(&html, "gap-helpers", "data-gap"), want.helpers_over_caseload);
            assert_eq!(num(&html, "gap-students", "data-gap"), want.students_without_teacher);
            assert_eq!(num(&html, "gap-schools", "data-gap"), want.schools_without_pairing);
            let (s, list) = page(&c, app.url("/pairing/coverage/households")).await;
            assert_eq!(s, 200);
            assert_eq!(num(&list, "coverage-total", "data-total"), want.households_without_helper, "{}: {user}", app.backend());
            // the per-region gaps add up, and each region's list has its count
            let gaps: Vec<(String, i64)> = html.match_indices("<tr data-region=\"").map(|(i, m)| {
                let rest = &html[i + m.len()..];
                let code = rest.split('"').next().unwrap().to_string();
                let gap = rest.split("data-gap=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
                (code, gap)
            }).collect();
            assert_eq!(gaps.iter().map(|g| g.1).sum::<i64>(), want.households_without_helper, "{}: {user}", app.backend());
            if let Some((code, gap)) = gaps.iter().find(|g| g.1 > 0) {
                let (_, list) = page(&c, app.url(&format!("/pairing/coverage/households?region={code}"))).await;
                assert_eq!(num(&list, "coverage-total", "data-total"), *gap, "{}: {code}", app.backend());
            }
            let (s, _) = page(&c, app.url("/pairing/coverage/villages")).await;
            assert_eq!(s, 200);
            let (s, _) = page(&c, app.url("/pairing/caseload?over=1")).await;
            assert_eq!(s, 200);
        }
        // the coverage download is a real xlsx, audited
        let (c, _) = app.login("county").await;
        let r = c.get(app.url("/pairing/coverage/households.xlsx")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let path = app.db.dir.path().join("gaps.xlsx");
        std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
        assert_eq!(common::workbook(&path)[0].1[0][0], "村");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'export_pairing_coverage'").await, 1);
        let (s, _) = page(&c, app.url("/pairing/coverage/nothing")).await;
        assert_eq!(s, 404);

        // a pairing outside the village, made by the county
        let (cc, ccsrf) = app.login("county").await;
        let village = app.region_of("village").await;
        // outside the village cadre's village and outside the township user's township
        let township_prefix = prefix_of(&app.region_of("township").await);
        let outside = households(&app, &prefix_of(&app.region_of("county").await)).await.into_iter().find(|h| !h.2.starts_with(&village) && !h.2.starts_with(&township_prefix)).unwrap();
        let inside = households(&app, &village).await;
        let h = helper_through_form(&app, &cc, &ccsrf, "县水利局", "孙帮扶", "13700001111").await;
        let r = post(&app, &cc, "/pairing/pairings", &ccsrf, &[("kind", "helper_household"), ("helper", &h.to_string()), ("beneficiary", &outside.1)]).await;
        assert_eq!(r.status(), 303);
        let outside_pairing: i64 = location(&r).strip_prefix("/pairing/pairings/").unwrap().split('?').next().unwrap().parse().unwrap();

        // the village cadre: reads their village, cannot manage, the outside pairing is 404
        let (vc, vcsrf) = app.login("village").await;
        let (s, html) = page(&vc, app.url("/pairing/pairings?status=all")).await;
        assert_eq!(s, 200);
        assert!(!html.contains(&outside.1), "{}: only the village", app.backend());
        let (s, _) = page(&vc, app.url(&format!("/pairing/pairings/{outside_pairing}"))).await;
        assert_eq!(s, 404, "{}", app.backend());
        for path in ["/pairing/helpers/new", "/pairing/units/new", "/pairing/teams/new", "/pairing/pairings/new", "/pairing/import"] {
            let (s, _) = page(&vc, app.url(path)).await;
            assert_eq!(s, 403, "{}: {path}", app.backend());
        }
        let before = count(&app, "SELECT COUNT(*) FROM pairing").await;
        let r = post(&app, &vc, "/pairing/pairings", &vcsrf, &[("kind", "helper_household"), ("helper", &h.to_string()), ("beneficiary", &inside[0].1)]).await;
        assert_eq!(r.status(), 403);
        let r = post(&app, &vc, &format!("/pairing/pairings/{outside_pairing}/end"), &vcsrf, &[("reason", "x")]).await;
        assert_eq!(r.status(), 403);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM pairing").await, before);
        // the county cannot pair a household outside its own scope either: the township user can't see the county's other townships
        let (tc, tcsrf) = app.login("township").await;
        let township = prefix_of(&app.region_of("township").await);
        if let Some(far) = households(&app, &prefix_of(&app.region_of("county").await)).await.into_iter().find(|x| !x.2.starts_with(&township)) {
            let r = post(&app, &tc, "/pairing/pairings", &tcsrf, &[("kind", "helper_household"), ("helper", &h.to_string()), ("beneficiary", &far.1)]).await;
            assert_eq!(r.status(), 422);
            assert!(r.text().await.unwrap().contains("不在您的管辖范围内"));
        }
        // but a township pairs its own household with a county cadre, chosen from the form's list
        let own = households(&app, &township).await.into_iter().find(|x| x.1 != outside.1).unwrap();
        let (_, form) = page(&tc, app.url("/pairing/pairings/new?kind=leader_household")).await;
        assert!(form.contains("孙帮扶"), "{}: county helpers are offered", app.backend());
        let r = post(&app, &tc, "/pairing/pairings", &tcsrf, &[("kind", "leader_household"), ("helper", &h.to_string()), ("beneficiary", &own.1)]).await;
        assert_eq!(r.status(), 303, "{}: {}", app.backend(), r.text().await.unwrap_or_default());
        let (s, html) = page(&tc, app.url(&format!("/pairing/helpers/{h}"))).await;
        assert_eq!(s, 200);
        assert!(html.contains(&own.1) && !html.contains(&outside.1), "{}: only the township's pairings of the county cadre", app.backend());
        app.stop().await;
    }
}

#[tokio::test]
async fn the_api_creates_lists_hands_over_and_imports_within_the_scope() {
    for app in TestApp::all().await {
        let (c, csrf) = app.login("township").await;
        let township = prefix_of(&app.region_of("township").await);
        let hs = households(&app, &township).await;
        let api = |path: &str| app.url(&format!("/api/v1/pairing{path}"));

        // a bad helper: 422 with the field
        let r = c.post(api("/helpers")).header("X-CSRF-Token", &csrf).json(&json!({"name": " ", "phone": "abc"})).send().await.unwrap();
        assert_eq!(r.status(), 422, "{}", app.backend());
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["fields"]["name"].as_str().unwrap().contains("姓名"), "{e}");
        // without the CSRF header a session cannot write
        let r = c.post(api("/helpers")).json(&json!({"name": "周帮扶", "region_code": format!("{township:0<12}")})).send().await.unwrap();
        assert_eq!(r.status(), 403);

        let mut ids = Vec::new();
        for (name, phone) in [("周帮扶", "13600001111"), ("吴接手", "13600002222")] {
            let r = c.post(api("/helpers")).header("X-CSRF-Token", &csrf).json(&json!({"name": name, "rank": "ordinary", "phone": phone, "region_code": format!("{township:0<12}")})).send().await.unwrap();
            assert_eq!(r.status(), 201, "{}: {}", app.backend(), r.text().await.unwrap());
            let h: Value = r.json().await.unwrap();
            assert_eq!(h["phone"], format!("{}****{}", &phone[..3], &phone[7..]));
            ids.push(h["id"].as_i64().unwrap());
        }
        let (a, b) = (ids[0], ids[1]);
        for h in &hs[..2] {
            let r = c.post(api("/pairings")).header("X-CSRF-Token", &csrf).json(&json!({"kind": "helper_household", "helper": a.to_string(), "beneficiary": h.1, "started_on": "2026-02-01", "plan_goal": "稳定增收"})).send().await.unwrap();
            assert_eq!(r.status(), 201, "{}: {}", app.backend(), r.text().await.unwrap());
        }
        let r = c.post(api("/pairings")).header("X-CSRF-Token", &csrf).json(&json!({"kind": "helper_household", "helper": b.to_string(), "beneficiary": hs[0].1})).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["message"].as_str().unwrap().contains("该户已有帮扶责任人"), "{e}");

        let d: Value = c.get(api(&format!("/helpers/{a}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(d["helper"]["households"], 2, "{d}");
        let page: Value = c.get(api(&format!("/pairings?kind=helper_household&status=active&helper_id={a}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["total"], 2);

        // hand-over
        let r = c.post(api(&format!("/helpers/{a}/handover"))).header("X-CSRF-Token", &csrf).json(&json!({"to_helper": b, "on_date": "2026-06-01", "reason": "退休", "mark_left": true})).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", app.backend());
        let h: Value = r.json().await.unwrap();
        assert_eq!((h["ended"].as_i64(), h["created"].as_i64(), h["successor_households"].as_i64()), (Some(2), Some(2), Some(2)), "{h}");
        let d: Value = c.get(api(&format!("/helpers/{a}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(d["helper"]["status"], "left");
        assert!(d["pairings"].as_array().unwrap().iter().all(|p| p["status"] == "ended" && p["replaced_by"].is_i64()), "{d}");

        // end one of B's
        let page: Value = c.get(api(&format!("/pairings?helper_id={b}"))).send().await.unwrap().json().await.unwrap();
        let id = page["items"][0]["id"].as_i64().unwrap();
        let r = c.post(api(&format!("/pairings/{id}/end"))).header("X-CSRF-Token", &csrf).json(&json!({"reason": ""})).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let r = c.post(api(&format!("/pairings/{id}/end"))).header("X-CSRF-Token", &csrf).json(&json!({"reason": "脱贫稳定"})).send().await.unwrap();
        assert_eq!(r.status(), 200);

        // coverage equals the store's
        let scope = scope_of(&township);
        let want = app.state.db.run(move |c, _| Ok(coverage::summary(c, &scope, None)?)).await.unwrap();
        let got: Value = c.get(api("/coverage")).send().await.unwrap().json().await.unwrap();
        assert_eq!(got["households_without_helper"].as_i64(), Some(want.households_without_helper), "{}", app.backend());
        assert_eq!(got["registered_households"].as_i64(), Some(want.registered_households));

        // import through the API
        let sheet = format!("户编号,帮扶责任人,单位,联系电话,结对开始日期\n{},郑帮扶,镇水利站,13600003333,2026-02-01\n", hs[2].1);
        let form = Form::new().part("file", Part::bytes(sheet.into_bytes()).file_name("分配表.csv"));
        let r = c.post(api("/imports")).header("X-CSRF-Token", &csrf).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), 202, "{}", app.backend());
        let job: Value = r.json().await.unwrap();
        let id = job["id"].as_str().unwrap().to_string();
        let deadline = Instant::now() + Duration::from_secs(120);
        let done = loop {
            let s: Value = c.get(api(&format!("/imports/{id}"))).send().await.unwrap().json().await.unwrap();
            if s["state"] == "done" || s["state"] == "failed" {
                break s;
            }
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(150)).await;
        };
        assert_eq!(done["written"], true, "{done}");
        assert_eq!(done["pairings_created"], 1);

        // a village cadre: reads their village only, cannot manage
        let (vc, vcsrf) = app.login("village").await;
        let village = app.region_of("village").await;
        let page: Value = vc.get(app.url("/api/v1/pairing/pairings?status=active")).send().await.unwrap().json().await.unwrap();
        assert!(page["items"].as_array().unwrap().iter().all(|p| p["region_code"].as_str().unwrap().starts_with(&village)), "{page}");
        let r = vc.post(app.url("/api/v1/pairing/helpers")).header("X-CSRF-Token", &vcsrf).json(&json!({"name": "某人", "region_code": village})).send().await.unwrap();
        assert_eq!(r.status(), 403);
        // a helper of the county is visible by name, but only with the pairings of the village
        let d: Value = vc.get(app.url(&format!("/api/v1/pairing/helpers/{b}"))).send().await.unwrap().json().await.unwrap();
        assert!(d["pairings"].as_array().unwrap().iter().all(|p| p["region_code"].as_str().unwrap().starts_with(&village)), "{}: {d}", app.backend());
        let r = vc.get(app.url("/api/v1/pairing/helpers/999999999")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let r = vc.get(app.url(&format!("/api/v1/pairing/imports/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), 403);
        app.stop().await;
    }
}
