//! Data quality in the web application on SQLite and PostgreSQL: a check started from the form runs
//! as a job and lands on its run page, whose counts are the store's, with drill-down by region, the
//! findings filter and the work list as a real xlsx (one sheet per village, no ID numbers); scope for
//! a village user; rule settings per jurisdiction (a parameter change shows in the next run, a bad
//! value is refused next to its field with 422); the household file's findings, also right after an
//! edit; and the JSON API.

mod common;

use bangfu_domain::RegionScope;
use bangfu_store::P;
use bangfu_store::quality::{self, RunDetail};
use common::{TestApp, prefix_of, workbook};
use reqwest::Client;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

async fn page(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
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
    attr_of(html, id, attr).unwrap_or_else(|| panic!("no {attr} on #{id}")).parse().unwrap()
}

/// The `data-…` values of every row of the findings table.
fn rows_of(html: &str, attr: &str) -> Vec<String> {
    let Some(start) = html.find("id=\"findings\"") else { return Vec::new() };
    let key = format!(" {attr}=\"");
    html[start..]
        .match_indices("<tr data-rule=")
        .filter_map(|(i, _)| {
            let tag = html[start + i..].split('>').next()?;
            let at = tag.find(&key)? + key.len();
            Some(tag[at..].split('"').next()?.to_string())
        })
        .collect()
}

/// The part of a page from `marker` to the next `until` (or the end).
fn part<'a>(html: &'a str, marker: &str, until: &str) -> &'a str {
    let Some(start) = html.find(marker) else { return "" };
    let rest = &html[start + marker.len()..];
    &html[start..start + marker.len() + rest.find(until).unwrap_or(rest.len())]
}

async fn sql(app: &TestApp, statement: &'static str, params: Vec<i64>) {
    app.state
        .db
        .run(move |c, _| {
            let p: Vec<P> = params.iter().map(|v| P::Int(*v)).collect();
            c.execute(statement, &p)?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Plants a road distance of `hundredths` (900 = 9 公里, over RNG-03's 5 公里).
async fn set_distance(app: &TestApp, household: i64, hundredths: i64) {
    sql(app, "UPDATE household SET distance_to_road = ? WHERE id = ?", vec![hundredths, household]).await;
}

async fn detail(app: &TestApp, scope: &str, run: i64, region: Option<&str>) -> RunDetail {
    let (scope, region) = (scope_of(scope), region.map(str::to_string));
    app.state.db.run(move |c, _| Ok(quality::run_detail(c, &scope, run, region.as_deref())?)).await.unwrap()
}

fn scope_of(prefix: &str) -> RegionScope {
    if prefix.is_empty() { RegionScope::all() } else { RegionScope::of(&bangfu_domain::RegionCode::parse(prefix).unwrap()) }
}

/// Starts a check through the form, follows the job and lands on the run page; returns the run id.
async fn check_through_form(app: &TestApp, c: &Client, csrf: &str, region: &str) -> i64 {
    let r = c.post(app.url("/quality/runs")).form(&[("_csrf", csrf), ("region", region)]).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}: the form starts a job", app.backend());
    let job_page = location(&r);
    let job = job_page.strip_prefix("/quality/jobs/").expect("redirect to the job page").to_string();
    // the progress page (or, when already finished, the way to the run)
    let r = c.get(app.url(&job_page)).send().await.unwrap();
    match r.status().as_u16() {
        200 => assert!(r.text().await.unwrap().contains(&format!("data-status-url=\"/api/v1/quality/jobs/{job}\"")), "{}: the page polls the job", app.backend()),
        303 => assert!(location(&r).starts_with("/quality/runs/")),
        s => panic!("{}: the job page answered {s}", app.backend()),
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s: Value = c.get(app.url(&format!("/api/v1/quality/jobs/{job}"))).send().await.unwrap().json().await.unwrap();
        if s["state"] == "done" || s["state"] == "failed" {
            assert_eq!(s["state"], "done", "{}: {s}", app.backend());
            break;
        }
        assert!(Instant::now() < deadline, "{}: the check did not finish: {s}", app.backend());
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    // the progress page of a finished job is the run page
    let r = c.get(app.url(&job_page)).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", app.backend());
    let run_page = location(&r);
    let run: i64 = run_page.strip_prefix("/quality/runs/").expect("lands on the run page").parse().unwrap();
    let (s, html) = page(c, app.url(&run_page)).await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("检查批次 {run}")), "{html}");
    run
}

/// The households of a village, and one village with households other than `not`.
fn households_of(app: &TestApp, prefix: &str) -> Vec<i64> {
    app.households.iter().filter(|(_, r)| r.starts_with(prefix)).map(|h| h.0).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_from_the_form_lands_on_its_run_whose_counts_drill_down_and_filter_like_the_stores() {
    for app in TestApp::all().await {
        let b = app.backend();
        let township = prefix_of(&app.region_of("township").await);
        let village = prefix_of(&app.region_of("village").await);
        let mine = households_of(&app, &village);
        let elsewhere = app.household_outside(&township);
        for h in [mine[0], mine[1], elsewhere] {
            set_distance(&app, h, 900).await;
        }
        sql(&app, "UPDATE household SET cultivated_land = 50000 WHERE id = ?", vec![mine[2]]).await;

        let (c, csrf) = app.login("county").await;
        let (s, list) = page(&c, app.url("/quality")).await;
        assert_eq!(s, 200);
        assert!(list.contains("id=\"start-run\"") && list.contains("还没有检查记录"), "{b}: {list}");
        let (_, dash) = page(&c, app.url("/")).await;
        assert!(dash.contains("数据质量：尚无覆盖全范围的检查"), "{b}: the dashboard says nothing was checked yet");

        // a job still running shows its progress, to its owner only
        let user = app.state.db.run(|c, _| Ok(bangfu_store::users::find_user(c, "county")?.unwrap().id)).await.unwrap();
        let job = "ab".repeat(16);
        app.state.quality_jobs.insert(bangfu_web::jobs::QualityJob {
            id: job.clone(),
            user_id: user,
            region: String::new(),
            region_name: "青山县".into(),
            state: "running".into(),
            households_checked: 2000,
            households_total: 5000,
            message: "已检查 2,000 / 5,000 户".into(),
            run_id: None,
            started_at: "2026-11-22 09:00:00.000".into(),
            finished_at: None,
        });
        let (s, progress) = page(&c, app.url(&format!("/quality/jobs/{job}"))).await;
        assert_eq!(s, 200);
        assert!(progress.contains("正在检查") && progress.contains("2,000") && progress.contains("共 5,000 户") && progress.contains("data-count-field=\"households_checked\""), "{b}: {progress}");
        let (_, list) = page(&c, app.url("/quality")).await;
        assert!(list.contains(&format!("/quality/jobs/{job}")), "{b}: the running job is listed");
        let (t, _) = app.login("township").await;
        assert_eq!(t.get(app.url(&format!("/quality/jobs/{job}"))).send().await.unwrap().status(), 404, "{b}: someone else's job");

        let run = check_through_form(&app, &c, &csrf, "").await;
        let county = prefix_of(&app.region_of("county").await);
        let store = detail(&app, &county, run, None).await;
        let (_, html) = page(&c, app.url(&format!("/quality/runs/{run}"))).await;
        let total: i64 = store.by_rule.iter().map(|r| r.findings).sum();
        assert!(total >= 4, "{b}: the planted defects are found ({total})");
        assert_eq!(num(&html, "summary", "data-findings"), total, "{b}");
        assert_eq!(num(&html, "summary", "data-errors"), store.by_region.iter().map(|r| r.errors).sum::<i64>(), "{b}");
        assert_eq!(num(&html, "summary", "data-new"), total, "{b}: a first run finds only new problems");
        for r in &store.by_rule {
            let id = format!("rule-{}", r.rule_code);
            assert_eq!((num(&html, &id, "data-findings"), num(&html, &id, "data-new"), num(&html, &id, "data-fixed")), (r.findings, r.new_findings, r.fixed_findings), "{b}: {id}");
            assert!(html.contains(&format!("/quality/runs/{run}/findings?rule={}", r.rule_code)), "{b}: {id} links to its findings");
        }
        assert!(num(&html, "rule-RNG-03", "data-findings") >= 3);
        for r in &store.by_region {
            assert_eq!(num(&html, &format!("region-{}", r.code), "data-findings"), r.findings, "{b}");
        }
        assert!(html.contains("待帮扶措施数据") && html.contains("MEA-01") && html.contains("id=\"run-message\""), "{b}: measure rules wait for their data");
        assert!(html.contains(&format!("/quality/runs/{run}/worklist.xlsx")), "{b}: the work list button");
        let (_, dash) = page(&c, app.url("/")).await;
        assert!(dash.contains(&format!("href=\"/quality/runs/{run}\"")), "{b}: the dashboard links to the run");

        // drill down: the township, then its villages
        assert!(html.contains(&format!("/quality/runs/{run}?region={township}")), "{b}: the township row drills down");
        let (_, t) = page(&c, app.url(&format!("/quality/runs/{run}?region={township}"))).await;
        let tstore = detail(&app, &county, run, Some(&township)).await;
        assert_eq!(num(&t, "summary", "data-findings"), tstore.by_rule.iter().map(|r| r.findings).sum::<i64>(), "{b}");
        assert!(tstore.by_region.iter().all(|r| r.code.len() == 12), "{b}: villages below a township");
        for r in &tstore.by_region {
            assert_eq!(num(&t, &format!("region-{}", r.code), "data-findings"), r.findings, "{b}");
            assert!(t.contains(&format!("/quality/runs/{run}/findings?region={}", r.code)), "{b}: a village opens its findings");
        }
        let (s, _) = page(&c, app.url(&format!("/quality/runs/{run}?region=999999"))).await;
        assert_eq!(s, 404, "{b}: a region outside the run");

        // the findings filter: by rule, by region, by state
        let (_, f) = page(&c, app.url(&format!("/quality/runs/{run}/findings?rule=RNG-03"))).await;
        let rules = rows_of(&f, "data-rule");
        assert_eq!(rules.len() as i64, num(&html, "rule-RNG-03", "data-findings"), "{b}");
        assert!(rules.iter().all(|r| r == "RNG-03"), "{b}: {rules:?}");
        for h in [mine[0], mine[1], elsewhere] {
            assert!(f.contains(&format!("href=\"/households/{h}\"")), "{b}: household {h} is listed and links to its file");
        }
        assert!(f.contains("核对距离单位（公里）") && f.contains("新发现"), "{b}: how to fix and the state");
        let (_, f) = page(&c, app.url(&format!("/quality/runs/{run}/findings?rule=RNG-03&region={village}"))).await;
        assert!(!rows_of(&f, "data-rule").is_empty());
        assert!(f.contains(&format!("href=\"/households/{}\"", mine[0])) && !f.contains(&format!("href=\"/households/{elsewhere}\"")), "{b}: only the village");
        let (_, f) = page(&c, app.url(&format!("/quality/runs/{run}/findings?state=fixed"))).await;
        assert!(rows_of(&f, "data-rule").is_empty(), "{b}: nothing fixed in a first run");

        // fix one, check again: compared with the first run
        set_distance(&app, mine[0], 100).await;
        let second = check_through_form(&app, &c, &csrf, "").await;
        let (_, html) = page(&c, app.url(&format!("/quality/runs/{second}"))).await;
        assert!(html.contains(&format!("href=\"/quality/runs/{run}\"")), "{b}: compared with the previous run");
        assert_eq!(num(&html, "rule-RNG-03", "data-fixed"), 1, "{b}");
        assert_eq!(num(&html, "summary", "data-new"), 0, "{b}: nothing new");
        let (_, f) = page(&c, app.url(&format!("/quality/runs/{second}/findings?state=fixed"))).await;
        assert_eq!(rows_of(&f, "data-state"), vec!["fixed".to_string()], "{b}");
        assert!(f.contains(&format!("href=\"/households/{}\"", mine[0])) && f.contains("已改正"), "{b}");
        let (_, f) = page(&c, app.url(&format!("/quality/runs/{second}/findings?state=open&rule=RNG-03"))).await;
        assert_eq!(rows_of(&f, "data-state").len(), 2, "{b}: still wrong");

        let (_, list) = page(&c, app.url("/quality")).await;
        let first_at = list.find(&format!("data-run=\"{second}\"")).expect("the second run is listed");
        assert!(first_at < list.find(&format!("data-run=\"{run}\"")).expect("the first run is listed"), "{b}: newest first");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_work_list_is_an_xlsx_with_one_sheet_per_village_no_id_numbers_and_an_audit_entry() {
    for app in TestApp::all().await {
        let b = app.backend();
        let township = prefix_of(&app.region_of("township").await);
        // a defect in every village of the township, and an ID number typed into someone else's record
        let mut villages: Vec<String> = app.households.iter().filter(|(_, r)| r.starts_with(&township)).map(|(_, r)| r.clone()).collect();
        villages.dedup();
        let villages: BTreeSet<String> = villages.into_iter().collect();
        for v in &villages {
            set_distance(&app, app.household_in(v), 900).await;
        }
        let (a, z) = (households_of(&app, &township)[0], *households_of(&app, &township).last().unwrap());
        app.state
            .db
            .run(move |c, _| {
                let owner = c.query("SELECT resident_id FROM member WHERE household_id = ? ORDER BY seq", &[P::Int(z)])?[0][0].string();
                c.execute("UPDATE member SET id_number = ? WHERE id = (SELECT MIN(id) FROM member WHERE household_id = ?)", &[P::Text(&owner), P::Int(a)])?;
                Ok(())
            })
            .await
            .unwrap();
        let (c, csrf) = app.login("county").await;
        let run = check_through_form(&app, &c, &csrf, &township).await;
        let r = c.get(app.url(&format!("/quality/runs/{run}/worklist.xlsx?region={township}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
        assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename*=UTF-8''"));
        let path = app.db.dir.path().join("worklist.xlsx");
        std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
        let sheets = workbook(&path);
        assert_eq!(sheets.len(), villages.len(), "{b}: one sheet per village: {:?}", sheets.iter().map(|s| &s.0).collect::<Vec<_>>());
        let scope = scope_of(&prefix_of(&app.region_of("county").await));
        let t = township.clone();
        let rows = app.state.db.run(move |c, _| Ok(quality::work_list(c, &scope, run, Some(&t))?)).await.unwrap();
        assert_eq!(sheets.iter().map(|s| s.1.len() - 1).sum::<usize>(), rows.len(), "{b}: every finding, under a header per sheet");
        for (_, s) in &sheets {
            assert_eq!(s[0][0], "序号");
            assert!(s[0].contains(&"改正方法".to_string()) && s[0].contains(&"整改情况".to_string()), "{:?}", s[0]);
        }
        let cells: Vec<String> = sheets.iter().flat_map(|s| s.1.iter().flatten().cloned()).collect();
        assert!(cells.iter().any(|c| c.contains("同时登记在")), "{b}: the duplicate ID is listed");
        let ids: Vec<String> = app.state.db.run(|c, _| Ok(c.query("SELECT resident_id FROM member", &[])?.iter().map(|r| r[0].string()).collect())).await.unwrap();
        for id in &ids {
            assert!(!cells.iter().any(|c| c.contains(id.as_str())), "{b}: a full ID number {id} in the work list");
        }
        let audited = app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM audit_log WHERE action = 'export_worklist' AND actor = 'web:county'", &[])?)).await.unwrap();
        assert_eq!(audited, 1, "{b}: the download is audited");
        // a village's list has that village only
        let one = villages.iter().next().unwrap();
        let r = c.get(app.url(&format!("/quality/runs/{run}/worklist.xlsx?region={one}"))).send().await.unwrap();
        std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
        assert_eq!(workbook(&path).len(), 1, "{b}");
        // the helper may look but not export
        let (h, _) = app.login("helper").await;
        assert_eq!(h.get(app.url(&format!("/quality/runs/{run}/worklist.xlsx"))).send().await.unwrap().status(), 403);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_user_sees_their_village_only_and_can_neither_check_another_nor_change_rules() {
    for app in TestApp::all().await {
        let b = app.backend();
        let village = prefix_of(&app.region_of("village").await);
        let village2 = prefix_of(&app.region_of("village2").await);
        for h in households_of(&app, &village).into_iter().take(2).chain(households_of(&app, &village2).into_iter().take(1)) {
            set_distance(&app, h, 900).await;
        }
        let (county, ccsrf) = app.login("county").await;
        let county_run = check_through_form(&app, &county, &ccsrf, "").await;

        let (c, csrf) = app.login("village").await;
        let (_, list) = page(&c, app.url("/quality")).await;
        assert!(list.contains(&format!("data-run=\"{county_run}\"")), "{b}: the county's run covers the village");
        let (s, html) = page(&c, app.url(&format!("/quality/runs/{county_run}"))).await;
        assert_eq!(s, 200);
        let mine = detail(&app, &village, county_run, None).await;
        assert_eq!(num(&html, "summary", "data-findings"), mine.by_rule.iter().map(|r| r.findings).sum::<i64>(), "{b}: the village's own counts");
        assert_eq!(num(&html, "rule-RNG-03", "data-findings"), 2, "{b}");
        let (_, f) = page(&c, app.url(&format!("/quality/runs/{county_run}/findings"))).await;
        let theirs: BTreeSet<i64> = households_of(&app, &village).into_iter().collect();
        for h in rows_of(&f, "data-household") {
            assert!(theirs.contains(&h.parse().unwrap()), "{b}: household {h} of another village listed");
        }
        let (s, _) = page(&c, app.url(&format!("/quality/runs/{county_run}/findings?region={village2}"))).await;
        assert_eq!(s, 404, "{b}: another village's findings");

        // checks: their village yes, another village no
        let r = c.post(app.url("/quality/runs")).form(&[("_csrf", csrf.as_str()), ("region", village2.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 404, "{b}: another village is not there");
        let own = check_through_form(&app, &c, &csrf, &village).await;
        let (_, html) = page(&c, app.url(&format!("/quality/runs/{own}"))).await;
        assert!(html.contains(&format!("href=\"/quality/runs/{county_run}")), "{b}: compared with the county's run");
        let (c2, csrf2) = app.login("village2").await;
        let theirs_run = check_through_form(&app, &c2, &csrf2, "").await;
        for path in [format!("/quality/runs/{theirs_run}"), format!("/quality/runs/{theirs_run}/findings"), format!("/quality/runs/{theirs_run}/worklist.xlsx"), format!("/api/v1/quality/runs/{theirs_run}")] {
            assert_eq!(c.get(app.url(&path)).send().await.unwrap().status(), 404, "{b}: {path}");
        }
        let (_, list) = page(&c, app.url("/quality")).await;
        assert!(!list.contains(&format!("data-run=\"{theirs_run}\"")), "{b}: another village's run is not listed");

        // rules: readable, not changeable
        let (s, rules) = page(&c, app.url("/quality/rules")).await;
        assert_eq!(s, 200);
        assert!(rules.contains("id=\"rule-RNG-03\"") && !rules.contains("id=\"line-form\""), "{b}");
        let (_, rule) = page(&c, app.url("/quality/rules/RNG-03")).await;
        assert!(rule.contains("与村主干路距离超出范围") && !rule.contains("id=\"rule-form\""), "{b}");
        let r = c.post(app.url("/quality/rules/RNG-03")).form(&[("_csrf", csrf.as_str()), ("param_max", "8")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        let r = c.post(app.url("/quality/rules/RNG-03/remove")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        let r = c.post(app.url("/quality/lines")).form(&[("_csrf", csrf.as_str()), ("kind", "monitoring"), ("year", "2026"), ("amount", "9000")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        let settings = app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM quality_rule_setting", &[])? + c.query_int("SELECT COUNT(*) FROM reference_line", &[])?)).await.unwrap();
        assert_eq!(settings, 0, "{b}: nothing stored");

        // roles without the right to run checks
        let (h, hcsrf) = app.login("helper").await;
        let r = h.post(app.url("/quality/runs")).form(&[("_csrf", hcsrf.as_str()), ("region", "")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        let (_, hl) = page(&h, app.url("/quality")).await;
        assert!(!hl.contains("id=\"start-run\""), "{b}: no form for the helper");
        // a forged form is refused
        let r = c.post(app.url("/quality/runs")).form(&[("_csrf", "forged"), ("region", "")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_parameter_change_shows_in_the_next_run_and_bad_values_are_refused_next_to_the_field() {
    for app in TestApp::all().await {
        let b = app.backend();
        let village = prefix_of(&app.region_of("village").await);
        let h = households_of(&app, &village)[0];
        set_distance(&app, h, 700).await;
        let (c, csrf) = app.login("county").await;
        let first = check_through_form(&app, &c, &csrf, "").await;
        let (_, f) = page(&c, app.url(&format!("/quality/runs/{first}/findings?rule=RNG-03"))).await;
        assert!(f.contains(&format!("href=\"/households/{h}\"")), "{b}: 7 公里 is over the default 5");

        let (s, form) = page(&c, app.url("/quality/rules/RNG-03")).await;
        assert_eq!(s, 200);
        assert!(form.contains("id=\"rule-form\"") && form.contains("name=\"param_max\" value=\"5\""), "{b}: {form}");
        // a bad value: 422, the message next to the field, the value kept, nothing stored
        let r = c.post(app.url("/quality/rules/RNG-03")).form(&[("_csrf", csrf.as_str()), ("enabled", ""), ("param_max", "很远"), ("basis", "")]).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        let body = r.text().await.unwrap();
        let field = part(&body, "id=\"field-param_max\"", "id=\"field-");
        assert!(field.contains("参数“上限（公里）”应为数字，实际为“很远”"), "{b}: the message next to the field: {field}");
        assert!(body.contains("class=\"field invalid\" id=\"field-param_max\"") && body.contains("value=\"很远\""), "{b}");
        // a good one, with the document that decided it
        let r = c.post(app.url("/quality/rules/RNG-03")).form(&[("_csrf", csrf.as_str()), ("enabled", ""), ("param_max", "8"), ("basis", "青山县乡村振兴局〔2026〕3号")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}: {}", r.text().await.unwrap_or_default());
        let (_, shown) = page(&c, app.url("/quality/rules/RNG-03?saved=1")).await;
        assert!(shown.contains("已保存") && shown.contains("value=\"8\"") && shown.contains("青山县乡村振兴局〔2026〕3号"), "{b}");
        let (_, list) = page(&c, app.url("/quality/rules")).await;
        assert!(list.contains("本辖区设置") && list.contains("上限（公里）：8"), "{b}");
        let county = prefix_of(&app.region_of("county").await);
        let stored = app.state.db.run(|c, _| Ok(quality::stored_settings(c)?)).await.unwrap();
        assert_eq!(stored.len(), 1, "{b}");
        assert_eq!((stored[0].rule_code.as_str(), stored[0].region_prefix.as_str(), stored[0].params.clone()), ("RNG-03", county.as_str(), vec![("max".to_string(), "8".to_string())]), "{b}: only what differs, for the county");
        let audited = app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM audit_log WHERE entity = 'quality_rule' AND actor = 'web:county'", &[])?)).await.unwrap();
        assert_eq!(audited, 1, "{b}");

        let second = check_through_form(&app, &c, &csrf, "").await;
        let (_, f) = page(&c, app.url(&format!("/quality/runs/{second}/findings?rule=RNG-03"))).await;
        assert!(!f.contains(&format!("href=\"/households/{h}\"")), "{b}: 7 公里 is within 8");
        let (_, f) = page(&c, app.url(&format!("/quality/runs/{second}/findings?rule=RNG-03&state=fixed"))).await;
        assert!(f.contains(&format!("href=\"/households/{h}\"")), "{b}: and counts as fixed");

        // switching the rule off, then removing the county's setting
        let r = c.post(app.url("/quality/rules/RNG-03")).form(&[("_csrf", csrf.as_str()), ("enabled", "off"), ("param_max", "8.00")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let (_, list) = page(&c, app.url("/quality/rules")).await;
        assert_eq!(attr_of(&list, "rule-RNG-03", "data-on").as_deref(), Some("false"), "{b}");
        let r = c.post(app.url("/quality/rules/RNG-03/remove")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, shown) = page(&c, app.url("/quality/rules/RNG-03")).await;
        assert!(shown.contains("value=\"5\"") && !shown.contains("id=\"remove-setting\""), "{b}: back to the default");

        // income lines: a bad year is refused next to its field, a good line is listed
        let r = c.post(app.url("/quality/lines")).form(&[("_csrf", csrf.as_str()), ("kind", "monitoring"), ("year", "二〇二六"), ("amount", "7800"), ("basis", "")]).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        let body = r.text().await.unwrap();
        assert!(body.contains("class=\"field invalid\" id=\"field-year\"") && body.contains("年度应为 2000–2100 之间的四位年份"), "{b}");
        let r = c.post(app.url("/quality/lines")).form(&[("_csrf", csrf.as_str()), ("kind", "monitoring"), ("year", "2026"), ("amount", "7800"), ("basis", "某省〔2026〕1号")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let (_, list) = page(&c, app.url("/quality/rules")).await;
        let row = part(&list, "data-kind=\"monitoring\" data-year=\"2026\"", "</tr>");
        assert!(row.contains("7800") && row.contains("某省〔2026〕1号"), "{b}: {row}");

        // the administrator of the whole installation chooses the jurisdiction
        let (a, acsrf) = app.login("admin").await;
        let (_, al) = page(&a, app.url(&format!("/quality/rules?prefix={county}"))).await;
        assert!(al.contains("name=\"prefix\"") && al.contains("7800"), "{b}: the county's line under the county");
        let r = a.post(app.url("/quality/rules/AGE-11")).form(&[("_csrf", acsrf.as_str()), ("prefix", "43"), ("enabled", "off")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let stored = app.state.db.run(|c, _| Ok(quality::stored_settings(c)?)).await.unwrap();
        assert!(stored.iter().any(|s| s.rule_code == "AGE-11" && s.region_prefix == "43" && s.enabled == Some(false)), "{b}: {stored:?}");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_household_file_shows_its_findings_and_an_edit_that_adds_a_defect_shows_it_after_saving() {
    for app in TestApp::all().await {
        let b = app.backend();
        let village = prefix_of(&app.region_of("village").await);
        let id = households_of(&app, &village)[3];
        let (c, csrf) = app.login("village").await;
        let (_, html) = page(&c, app.url(&format!("/households/{id}"))).await;
        assert!(html.contains("id=\"quality\"") && html.contains("该户尚未检查过"), "{b}");

        // an edit that puts the road 9 公里 away: saved, then checked
        let (_, form) = page(&c, app.url(&format!("/households/{id}/edit"))).await;
        let version = common::hidden(&form, "version").expect("version");
        let r = c.post(app.url(&format!("/households/{id}/edit"))).form(&[("_csrf", csrf.as_str()), ("version", version.as_str()), ("distance_to_road", "9")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let (_, html) = page(&c, app.url(&location(&r))).await;
        assert!(html.contains("已保存，并已自动检查本户"), "{b}: {}", part(&html, "id=\"quality\"", "</section>"));
        assert!(html.contains("data-rule=\"RNG-03\"") && html.contains("本户检查"), "{b}: the new defect is shown");

        // a region run over the village becomes the latest
        let run = check_through_form(&app, &c, &csrf, "").await;
        let (_, html) = page(&c, app.url(&format!("/households/{id}"))).await;
        assert!(html.contains(&format!("<a href=\"/quality/runs/{run}\">批次 {run}</a>")) && html.contains("data-rule=\"RNG-03\""), "{b}");

        // corrected: the check after saving finds nothing of it
        let (_, form) = page(&c, app.url(&format!("/households/{id}/edit"))).await;
        let version = common::hidden(&form, "version").expect("version");
        let r = c.post(app.url(&format!("/households/{id}/edit"))).form(&[("_csrf", csrf.as_str()), ("version", version.as_str()), ("distance_to_road", "1.5")]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = page(&c, app.url(&format!("/households/{id}?saved=1"))).await;
        assert!(html.contains("已保存，并已自动检查本户") && !html.contains("data-rule=\"RNG-03\""), "{b}");

        // 立即检查 on the page
        set_distance(&app, id, 800).await;
        let r = c.post(app.url(&format!("/households/{id}/check"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = page(&c, app.url(&location(&r))).await;
        assert!(html.contains("已检查本户") && html.contains("data-rule=\"RNG-03\""), "{b}");
        let other = app.household_outside(&village);
        let r = c.post(app.url(&format!("/households/{other}/check"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 404, "{b}: another village's household");
        // a read-only role sees the findings but has no button
        let (h, _) = app.login("helper").await;
        let (_, html) = page(&h, app.url(&format!("/households/{id}"))).await;
        assert!(html.contains("data-rule=\"RNG-03\"") && !html.contains("id=\"check-now\""), "{b}");

        // a member edit is checked too (the household's latest check follows it)
        let mid = app.state.db.run(move |c, _| Ok(c.query_int("SELECT MIN(id) FROM member WHERE household_id = ? AND status = 'active'", &[P::Int(id)])?)).await.unwrap();
        let before = app.state.db.run(move |c, _| Ok(c.query_int("SELECT COUNT(*) FROM quality_run WHERE household_id = ?", &[P::Int(id)])?)).await.unwrap();
        let (_, form) = page(&c, app.url(&format!("/households/{id}/members/{mid}/edit"))).await;
        let version = common::hidden(&form, "version").expect("version");
        let r = c.post(app.url(&format!("/households/{id}/members/{mid}/edit"))).form(&[("_csrf", csrf.as_str()), ("version", version.as_str()), ("migrant_months", "14")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}: {}", r.text().await.unwrap_or_default());
        let (_, html) = page(&c, app.url(&format!("/households/{id}?saved=1"))).await;
        assert!(html.contains("data-rule=\"RNG-06\""), "{b}: 14 months in a year");
        let after = app.state.db.run(move |c, _| Ok(c.query_int("SELECT COUNT(*) FROM quality_run WHERE household_id = ?", &[P::Int(id)])?)).await.unwrap();
        assert_eq!(after, before + 1, "{b}");
        app.stop().await;
    }
}

async fn api(c: &Client, method: reqwest::Method, url: String, csrf: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let mut r = c.request(method, url);
    if let Some(t) = csrf {
        r = r.header("X-CSRF-Token", t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn api_run(app: &TestApp, c: &Client, csrf: &str, region: Value) -> i64 {
    let (s, job) = api(c, reqwest::Method::POST, app.url("/api/v1/quality/runs"), Some(csrf), Some(json!({ "region": region }))).await;
    assert_eq!(s, 202, "{}: {job}", app.backend());
    let id = job["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, j) = api(c, reqwest::Method::GET, app.url(&format!("/api/v1/quality/jobs/{id}")), None, None).await;
        if j["state"] == "done" {
            return j["run_id"].as_i64().unwrap();
        }
        assert_ne!(j["state"], "failed", "{j}");
        assert!(Instant::now() < deadline, "{j}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quality_api_runs_reports_and_checks_within_the_callers_scope() {
    use reqwest::Method;
    for app in TestApp::all().await {
        let b = app.backend();
        let township = prefix_of(&app.region_of("township").await);
        let village = prefix_of(&app.region_of("village").await);
        let village2 = prefix_of(&app.region_of("village2").await);
        let mine = households_of(&app, &village);
        set_distance(&app, mine[0], 900).await;
        set_distance(&app, households_of(&app, &village2)[0], 900).await;
        let anon = TestApp::client();
        for path in ["/api/v1/quality/rules", "/api/v1/quality/runs", "/api/v1/quality/runs/1", "/api/v1/quality/runs/1/findings"] {
            let (s, e) = api(&anon, Method::GET, app.url(path), None, None).await;
            assert_eq!((s, e["error"]["code"].as_str()), (401, Some("unauthorized")), "{path}");
        }

        let (c, csrf) = app.login("county").await;
        let (s, rules) = api(&c, Method::GET, app.url("/api/v1/quality/rules"), None, None).await;
        assert_eq!(s, 200);
        assert_eq!(rules["rules"].as_array().unwrap().len(), bangfu_domain::quality::RULE_COUNT, "{b}");
        let rng = rules["rules"].as_array().unwrap().iter().find(|r| r["code"] == "RNG-03").unwrap();
        assert_eq!((rng["params"][0]["key"].as_str(), rng["params"][0]["value"].as_str(), rng["in_force"].as_bool()), (Some("max"), Some("5"), Some(true)), "{rng}");
        let mea = rules["rules"].as_array().unwrap().iter().find(|r| r["code"] == "MEA-01").unwrap();
        assert_eq!((mea["requires"].as_str(), mea["in_force"].as_bool()), (Some("measures"), Some(false)));
        assert!(rules["lines"].as_array().unwrap().iter().any(|l| l["kind"] == "monitoring" && l["year"] == 2021 && l["amount_yuan"] == "6000"), "{b}");

        // a run: a job, then its summary, counts and findings
        let (s, e) = api(&c, Method::POST, app.url("/api/v1/quality/runs"), None, Some(json!({}))).await;
        assert_eq!((s, e["error"]["code"].as_str()), (403, Some("forbidden")), "{b}: a cookie caller needs the CSRF header");
        let run = api_run(&app, &c, &csrf, json!(township)).await;
        let (s, list) = api(&c, Method::GET, app.url("/api/v1/quality/runs?limit=5"), None, None).await;
        assert_eq!(s, 200);
        assert_eq!((list["items"][0]["id"].as_i64(), list["items"][0]["scope_prefix"].as_str()), (Some(run), Some(township.as_str())), "{b}: {list}");
        let (s, d) = api(&c, Method::GET, app.url(&format!("/api/v1/quality/runs/{run}")), None, None).await;
        assert_eq!(s, 200, "{d}");
        let sum = |v: &Value, k: &str| v.as_array().unwrap().iter().map(|x| x[k].as_i64().unwrap()).sum::<i64>();
        assert_eq!(sum(&d["by_rule"], "findings"), d["run"]["findings"].as_i64().unwrap(), "{b}");
        assert_eq!(sum(&d["by_region"], "findings"), d["run"]["findings"].as_i64().unwrap(), "{b}");
        assert!(d["waiting_for_measures"].as_array().unwrap().contains(&json!("MEA-01")));
        let (_, dv) = api(&c, Method::GET, app.url(&format!("/api/v1/quality/runs/{run}?region={village}")), None, None).await;
        assert_eq!((dv["region"].as_str(), sum(&dv["by_rule"], "findings")), (Some(village.as_str()), sum(&dv["by_region"], "findings")), "{b}: {dv}");
        let (s, f) = api(&c, Method::GET, app.url(&format!("/api/v1/quality/runs/{run}/findings?rule=RNG-03&limit=500")), None, None).await;
        assert_eq!(s, 200);
        assert_eq!(f["total"].as_i64(), d["by_rule"].as_array().unwrap().iter().find(|r| r["rule"] == "RNG-03").map(|r| r["findings"].as_i64().unwrap()), "{b}");
        assert!(f["items"].as_array().unwrap().iter().any(|i| i["household_id"] == mine[0] && i["state"] == "new" && i["fix"].as_str().unwrap().contains("公里")), "{b}: {f}");
        let (s, _) = api(&c, Method::GET, app.url(&format!("/api/v1/quality/runs/{run}/findings?rule=NOPE-1")), None, None).await;
        assert_eq!(s, 400);
        let (_, fixed) = api(&c, Method::GET, app.url(&format!("/api/v1/quality/runs/{run}/findings?state=fixed")), None, None).await;
        assert_eq!(fixed["total"], 0);
        let (s, _) = api(&c, Method::GET, app.url("/api/v1/quality/runs/999999"), None, None).await;
        assert_eq!(s, 404);

        // one household now, and after a change through the API
        let h = mine[1];
        let (s, chk) = api(&c, Method::POST, app.url(&format!("/api/v1/households/{h}/check")), Some(&csrf), None).await;
        assert_eq!(s, 200, "{chk}");
        assert_eq!(chk["household_id"], h);
        let (_, hh) = api(&c, Method::GET, app.url(&format!("/api/v1/households/{h}")), None, None).await;
        assert!(hh.get("check").is_none(), "only answers to a change carry a check");
        let (s, saved) = api(&c, Method::PATCH, app.url(&format!("/api/v1/households/{h}")), Some(&csrf), Some(json!({"version": hh["version"], "fields": {"distance_to_road": "9"}}))).await;
        assert_eq!(s, 200, "{saved}");
        assert!(saved["check"]["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "RNG-03"), "{b}: {}", saved["check"]);
        let (_, page_html) = page(&c, app.url(&format!("/households/{h}"))).await;
        assert!(page_html.contains("data-rule=\"RNG-03\""), "{b}: the household file shows the check made after the API change");

        // scope: a village user
        let (v, vcsrf) = app.login("village").await;
        let (s, e) = api(&v, Method::POST, app.url("/api/v1/quality/runs"), Some(&vcsrf), Some(json!({"region": village2}))).await;
        assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")), "{b}");
        let own = api_run(&app, &v, &vcsrf, Value::Null).await;
        let (_, d) = api(&v, Method::GET, app.url(&format!("/api/v1/quality/runs/{own}")), None, None).await;
        assert_eq!(d["run"]["scope_prefix"], village.as_str());
        let (s, _) = api(&v, Method::GET, app.url(&format!("/api/v1/quality/runs/{run}?region={village2}")), None, None).await;
        assert_eq!(s, 404, "{b}: the township run's other village");
        let (_, mine_in_township) = api(&v, Method::GET, app.url(&format!("/api/v1/quality/runs/{run}/findings?limit=200")), None, None).await;
        assert!(mine_in_township["items"].as_array().unwrap().iter().all(|i| i["region_code"].as_str().unwrap().starts_with(&village)), "{b}");
        let (v2, v2csrf) = app.login("village2").await;
        let theirs = api_run(&app, &v2, &v2csrf, Value::Null).await;
        let (_, runs) = api(&v, Method::GET, app.url("/api/v1/quality/runs"), None, None).await;
        assert!(runs["items"].as_array().unwrap().iter().any(|r| r["id"] == own));
        assert!(!runs["items"].as_array().unwrap().iter().any(|r| r["id"] == theirs));
        for path in [format!("/api/v1/quality/runs/{theirs}"), format!("/api/v1/quality/runs/{theirs}/findings")] {
            let (s, _) = api(&v, Method::GET, app.url(&path), None, None).await;
            assert_eq!(s, 404, "{b}: {path}");
        }
        let outside = app.household_outside(&village);
        let (s, _) = api(&v, Method::POST, app.url(&format!("/api/v1/households/{outside}/check")), Some(&vcsrf), None).await;
        assert_eq!(s, 404, "{b}");
        let (s, _) = api(&v2, Method::GET, app.url(&format!("/api/v1/quality/jobs/{}", "0".repeat(32))), None, None).await;
        assert_eq!(s, 404);
        let (hp, hcsrf) = app.login("helper").await;
        let (s, _) = api(&hp, Method::POST, app.url("/api/v1/quality/runs"), Some(&hcsrf), Some(json!({}))).await;
        assert_eq!(s, 403, "{b}");
        let (s, _) = api(&hp, Method::POST, app.url(&format!("/api/v1/households/{}/check", mine[0])), Some(&hcsrf), None).await;
        assert_eq!(s, 403, "{b}");
        app.stop().await;
    }
}
