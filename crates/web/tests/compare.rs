//! Comparison with department lists (数据比对) in the web application on SQLite and PostgreSQL: a demo
//! list uploaded through the form runs as a job and lands on its report, whose counts are the
//! store's and the findings the demo planted; a GBK CSV with a bad row gives a downloadable error
//! report; a file without an ID column fails in Chinese naming its headers; a village cadre sees,
//! verifies and fixes only their village's orders (audited, progress moves, a stale version is
//! refused, another village's order is 404, importing is 403); the orders export is a real xlsx
//! without ID numbers, audited; and the JSON API with scope, 409 and 422.

mod common;

use bangfu_demo::dept_lists::{ListFormat, ListOptions, ListPerson, ListStats, write_list};
use bangfu_domain::comparison::{FindingKind, ListKind, OrderStatus};
use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::P;
use bangfu_store::comparison::{self, DeptList, OrderFilter, Progress, WorkOrder};
use common::{TestApp, hidden, prefix_of, workbook};
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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

fn num(html: &str, id: &str, attr: &str) -> u64 {
    attr_of(html, id, attr).unwrap_or_else(|| panic!("no {attr} on #{id}")).parse().unwrap()
}

/// The `data-order` ids of the orders table.
fn order_ids(html: &str) -> Vec<i64> {
    html.match_indices("<tr data-order=\"").map(|(i, m)| html[i + m.len()..].split('"').next().unwrap().parse().unwrap()).collect()
}

fn scope_of(prefix: &str) -> RegionScope {
    if prefix.is_empty() { RegionScope::all() } else { RegionScope::of(&RegionCode::parse(prefix).unwrap()) }
}

/// A demo department list drawn from the test app's registry (the same generated households).
fn demo_list(app: &TestApp, kind: ListKind, format: ListFormat, file: &str) -> (PathBuf, ListStats) {
    let docs = bangfu_testkit::demo_docs(common::HOUSEHOLDS, 7);
    let people: Vec<ListPerson> = docs.iter().flat_map(ListPerson::from_doc).collect();
    let o = ListOptions { kind, seed: 3, rows: None, today: bangfu_testkit::today(), clean: false };
    let path = app.db.dir.path().join(file);
    let stats = write_list(people.into_iter(), &o, format, &path).unwrap();
    (path, stats)
}

/// Posts the upload form; `fields` besides `_csrf` and the file (which comes last, as a browser sends it).
async fn post_upload(app: &TestApp, c: &Client, csrf: &str, path: &Path, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form = Form::new().text("_csrf", csrf.to_string());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    form = form.part("file", Part::bytes(std::fs::read(path).unwrap()).file_name(name));
    c.post(app.url("/compare/lists")).multipart(form).send().await.unwrap()
}

/// Polls a comparison job until it ends; returns its final state.
async fn wait_job(app: &TestApp, c: &Client, job: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s: Value = c.get(app.url(&format!("/api/v1/compare/jobs/{job}"))).send().await.unwrap().json().await.unwrap();
        if s["state"] == "done" || s["state"] == "failed" {
            return s;
        }
        assert!(Instant::now() < deadline, "{}: the comparison did not finish: {s}", app.backend());
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Uploads through the form, follows the job to the list's report; returns the list id and the report page.
async fn compare_through_form(app: &TestApp, c: &Client, csrf: &str, path: &Path, fields: &[(&str, &str)]) -> (i64, String) {
    let r = post_upload(app, c, csrf, path, fields).await;
    assert_eq!(r.status(), 303, "{}: the form starts a job: {}", app.backend(), r.text().await.unwrap());
    let job_page = location(&r);
    let job = job_page.strip_prefix("/compare/jobs/").expect("redirect to the job page").to_string();
    let r = c.get(app.url(&job_page)).send().await.unwrap();
    match r.status().as_u16() {
        200 => assert!(r.text().await.unwrap().contains(&format!("data-status-url=\"/api/v1/compare/jobs/{job}\"")), "{}: the page polls the job", app.backend()),
        303 => assert!(location(&r).starts_with("/compare/lists/")),
        s => panic!("{}: the job page answered {s}", app.backend()),
    }
    let s = wait_job(app, c, &job).await;
    assert_eq!(s["state"], "done", "{}: {s}", app.backend());
    // a finished job's page is the list's report
    let r = c.get(app.url(&job_page)).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", app.backend());
    let report = location(&r);
    let id: i64 = report.strip_prefix("/compare/lists/").and_then(|s| s.split('?').next()).expect("lands on the list").parse().unwrap();
    assert_eq!(s["list_id"].as_i64(), Some(id));
    let (status, html) = page(c, app.url(&report)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("名单 {id}")) && html.contains("id=\"job-notes\"") && html.contains("读取的列"), "{}: {html}", app.backend());
    (id, html)
}

async fn stored_list(app: &TestApp, scope: &str, id: i64) -> DeptList {
    let scope = scope_of(scope);
    app.state.db.run(move |c, _| Ok(comparison::list(c, &scope, id)?.expect("list"))).await.unwrap()
}

async fn stored_orders(app: &TestApp, scope: &str, filter: OrderFilter) -> Vec<WorkOrder> {
    let scope = scope_of(scope);
    app.state.db.run(move |c, _| Ok(comparison::orders(c, &scope, &filter, 0, 100_000)?.orders)).await.unwrap()
}

fn of_list(id: i64) -> OrderFilter {
    OrderFilter { list_id: Some(id), ..Default::default() }
}

async fn total_progress(app: &TestApp, scope: &str, list: i64) -> Progress {
    let scope = scope_of(scope);
    let rows = app.state.db.run(move |c, _| Ok(comparison::completion_by_township(c, &scope, Some(list))?)).await.unwrap();
    let mut t = Progress::default();
    for r in rows {
        t.total += r.progress.total;
        t.open += r.progress.open;
        t.verified_true += r.progress.verified_true;
        t.verified_false += r.progress.verified_false;
        t.fixed += r.progress.fixed;
    }
    t
}

async fn audits(app: &TestApp, sql: &'static str, params: Vec<String>) -> i64 {
    app.state
        .db
        .run(move |c, _| {
            let p: Vec<P> = params.iter().map(|s| P::Text(s)).collect();
            Ok(c.query_int(sql, &p)?)
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_list_uploaded_through_the_form_lands_on_its_report_whose_counts_are_the_stores() {
    for app in TestApp::all().await {
        let b = app.backend();
        let county = prefix_of(&app.region_of("county").await);
        let (c, csrf) = app.login("county").await;
        let (s, html) = page(&c, app.url("/compare")).await;
        assert_eq!(s, 200);
        assert!(html.contains("id=\"upload\"") && html.contains("还没有导入比对名单") && html.contains("全量名单") && html.contains("id=\"thresholds\""), "{b}: {html}");
        assert!(html.contains("href=\"/compare\" class=\"current\""), "{b}: the nav entry 数据比对 is current");

        // a complete 低保 list in xlsx: findings of the list and of its absences
        let (path, stats) = demo_list(&app, ListKind::Dibao, ListFormat::Xlsx, "低保花名册.xlsx");
        let (id, html) = compare_through_form(&app, &c, &csrf, &path, &[("kind", "dibao"), ("department", ""), ("complete", "1"), ("region", "")]).await;
        let stored = stored_list(&app, &county, id).await;
        let f = stored.figures.clone().expect("the county sees the whole list");
        assert!(stored.complete && stored.kind == ListKind::Dibao, "{b}");
        for (attr, want) in [
            ("data-rows", f.rows),
            ("data-matched", f.matched),
            ("data-not-in-registry", f.not_in_registry),
            ("data-duplicates", f.duplicate_rows),
            ("data-name-differs", f.name_differs),
            ("data-bad-rows", f.bad_rows),
            ("data-findings", f.findings),
        ] {
            assert_eq!(num(&html, "figures", attr), want, "{b}: {attr}");
        }
        assert_eq!((f.matched, f.not_in_registry, f.duplicate_rows), (stats.registered, stats.strangers, stats.repeated), "{b}: the store reads what the demo wrote");
        let orders = stored_orders(&app, &county, of_list(id)).await;
        let mut by_kind: BTreeMap<FindingKind, u64> = BTreeMap::new();
        for o in &orders {
            *by_kind.entry(o.kind).or_insert(0) += 1;
        }
        assert_eq!(by_kind, stats.planted, "{b}: the planted findings, each once");
        for (k, n) in &by_kind {
            assert_eq!(num(&html, &format!("kind-{}", k.code()), "data-total"), *n, "{b}: {k:?}");
            assert!(html.contains(&format!("/compare/orders?list={id}&kind={}", k.code())), "{b}: {k:?} opens its orders");
        }
        // name differences listed, people not in the registry counted and (for the county office) listed masked
        assert!(f.name_differs >= 1 && html.contains("id=\"name-differences\""), "{b}");
        assert!(html.contains("id=\"strangers\"") && html.contains("********"), "{b}: strangers listed masked");
        let total: u64 = by_kind.values().sum();
        assert_eq!(num(&html, "township-total", "data-total"), total, "{b}: completion by township adds up");
        assert!(html.contains("<svg") && html.contains("各乡镇工单办结率"), "{b}: the completion chart");
        // the list is listed; a repeated row makes an error report
        let (_, lists) = page(&c, app.url("/compare")).await;
        assert!(lists.contains(&format!("data-list=\"{id}\"")) && lists.contains("低保花名册.xlsx"), "{b}");
        assert!(html.contains(&format!("/compare/lists/{id}/report.xlsx")), "{b}: repeated rows are in the error report");

        // a leader sees the report but not the people outside the registry
        let (leader, _) = app.login("leader").await;
        let (s, lhtml) = page(&leader, app.url(&format!("/compare/lists/{id}"))).await;
        assert_eq!(s, 200);
        assert!(lhtml.contains("id=\"strangers-count\"") && !lhtml.contains("id=\"strangers\"") && lhtml.contains("只向有权查看完整号码的角色显示"), "{b}: {lhtml}");
        assert!(!lhtml.contains("id=\"upload\""), "{b}: a leader cannot import");
        let (s, _) = page(&leader, app.url(&format!("/compare/jobs/{}", "ab".repeat(16)))).await;
        assert_eq!(s, 404);

        // the orders of the list, filtered by kind, equal the store's
        let kind = *by_kind.keys().next().unwrap();
        let (_, list_page) = page(&c, app.url(&format!("/compare/orders?list={id}&kind={}", kind.code()))).await;
        let mut want: Vec<i64> = orders.iter().filter(|o| o.kind == kind).map(|o| o.id).collect();
        want.truncate(50);
        let mut got = order_ids(&list_page);
        got.sort();
        want.sort();
        assert_eq!(got, want, "{b}: the filtered orders");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gbk_csv_with_a_bad_row_is_compared_and_its_error_report_names_row_column_value_and_fix_and_a_file_without_ids_is_refused_naming_its_headers() {
    for app in TestApp::all().await {
        let b = app.backend();
        let county = prefix_of(&app.region_of("county").await);
        let (c, csrf) = app.login("county").await;
        // a GBK CSV of moves with a title row, 15-digit IDs, a repeat — and a bad ID appended
        let (path, stats) = demo_list(&app, ListKind::MovedOut, ListFormat::CsvGbk, "迁出人员.csv");
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(std::str::from_utf8(&bytes).is_err(), "the demo file is GBK");
        let bad_row = 1 + 1 + stats.rows + 1; // title, header, the rows, then ours
        bytes.extend_from_slice(b"999,,43109919801301123,2025-01-01,\r\n");
        std::fs::write(&path, &bytes).unwrap();
        let (id, html) = compare_through_form(&app, &c, &csrf, &path, &[("kind", "moved_out"), ("department", "public_security")]).await;
        let f = stored_list(&app, &county, id).await.figures.unwrap();
        assert_eq!((f.bad_rows, f.matched, f.duplicate_rows), (1, stats.registered, stats.repeated), "{b}: {f:?}");
        assert_eq!(num(&html, "figures", "data-bad-rows"), 1, "{b}");
        assert!(html.contains("GB") || html.contains("身份证号="), "{b}: the columns read are shown");
        let r = c.get(app.url(&format!("/compare/lists/{id}/report.xlsx"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        let cd = r.headers()["content-disposition"].to_str().unwrap().to_string();
        assert!(cd.contains(&bangfu_web::views::urlencode("迁出人员.错误报告.xlsx")), "{cd}");
        let report = app.db.dir.path().join("report.xlsx");
        std::fs::write(&report, r.bytes().await.unwrap()).unwrap();
        let sheets = workbook(&report);
        let rows = &sheets[0].1;
        let header = &rows[0];
        let col = |n: &str| header.iter().position(|h| h == n).unwrap_or_else(|| panic!("no {n}: {header:?}"));
        let bad = rows.iter().find(|r| r[col("原始行号")] == bad_row.to_string()).unwrap_or_else(|| panic!("{b}: row {bad_row} in {rows:?}"));
        assert!(bad[col("列")].contains("身份证号") && bad[col("值")] == "43109919801301123" && !bad[col("错误原因")].is_empty() && !bad[col("修改建议")].is_empty(), "{b}: {bad:?}");
        assert!(rows.iter().any(|r| r[col("字段")].contains("重复")), "{b}: repeats are noted");
        // someone who sees only part of a county list gets no report
        let (t, _) = app.login("township").await;
        assert_eq!(t.get(app.url(&format!("/compare/lists/{id}/report.xlsx"))).send().await.unwrap().status(), 404, "{b}");
        let (s, thtml) = page(&t, app.url(&format!("/compare/lists/{id}"))).await;
        assert!(s == 200 && thtml.contains("id=\"partial\"") && !thtml.contains("id=\"figures\""), "{b}: a township sees its own orders only");

        // no ID column: the job fails in Chinese, naming the headers found; nothing is written
        let lists_before = app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM dept_list", &[])?)).await.unwrap();
        let noid = app.db.dir.path().join("车辆.csv");
        std::fs::write(&noid, "序号,户名,金额\n1,张三,5\n").unwrap();
        let r = post_upload(&app, &c, &csrf, &noid, &[("kind", "vehicle")]).await;
        assert_eq!(r.status(), 303, "{b}");
        let job_page = location(&r);
        let s = wait_job(&app, &c, job_page.strip_prefix("/compare/jobs/").unwrap()).await;
        assert_eq!(s["state"], "failed", "{b}: {s}");
        let m = s["message"].as_str().unwrap();
        assert!(m.contains("没有找到身份证号列") && m.contains("“户名”") && m.contains("“金额”") && m.contains("未写入任何数据"), "{b}: {m}");
        let (_, jhtml) = page(&c, app.url(&job_page)).await;
        assert!(jhtml.contains("class=\"error-box\"") && jhtml.contains("“户名”"), "{b}: {jhtml}");
        assert_eq!(app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM dept_list", &[])?)).await.unwrap(), lists_before, "{b}");

        // the form refuses what cannot be compared before starting anything
        let r = post_upload(&app, &c, &csrf, &noid, &[("kind", "vehicle"), ("complete", "1")]).await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("全量比对只用于低保、特困和学籍名单"), "{b}");
        let r = post_upload(&app, &c, &csrf, &noid, &[("kind", "vehicle"), ("department", "civil_affairs")]).await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("公安交管"), "{b}");
        let r = post_upload(&app, &c, &csrf, &noid, &[("kind", "medical_expense"), ("threshold_registered", "很多")]).await;
        assert_eq!(r.status(), 400, "{b}: a bad threshold");
        let r = post_upload(&app, &c, "not-the-token", &noid, &[("kind", "vehicle")]).await;
        assert_eq!(r.status(), 403, "{b}: CSRF");
        app.stop().await;
    }
}

/// A list of deaths naming `n` members of each village (a CSV the county office uploads).
async fn deaths_in(app: &TestApp, villages: &[&str], n: i64) -> PathBuf {
    let mut text = String::from("序号,姓名,公民身份号码,死亡日期\n");
    for v in villages {
        let pattern = format!("{v}%");
        let rows = app
            .state
            .db
            .run(move |c, _| {
                Ok(c.query("SELECT name, resident_id FROM member WHERE status = 'active' AND region_code LIKE ? ORDER BY id LIMIT ?", &[P::Text(&pattern), P::Int(n)])?
                    .iter()
                    .map(|r| (r[0].string(), r[1].string()))
                    .collect::<Vec<_>>())
            })
            .await
            .unwrap();
        assert_eq!(rows.len() as i64, n, "members in {v}");
        for (i, (name, id)) in rows.iter().enumerate() {
            text.push_str(&format!("{i},{name},{id},2026-10-0{}\n", i + 1));
        }
    }
    let path = app.db.dir.path().join("死亡注销.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// The version in an order page's form.
fn form_version(html: &str) -> String {
    hidden(html, "version").expect("the form's version")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_cadre_sees_verifies_and_fixes_only_their_villages_orders() {
    for app in TestApp::all().await {
        let b = app.backend();
        let (village, village2) = (prefix_of(&app.region_of("village").await), prefix_of(&app.region_of("village2").await));
        let township = prefix_of(&app.region_of("township").await);
        let (county_c, county_csrf) = app.login("county").await;
        let deaths = deaths_in(&app, &[&village, &village2], 3).await;
        let (list, _) = compare_through_form(&app, &county_c, &county_csrf, &deaths, &[("kind", "death")]).await;

        let (c, csrf) = app.login("village").await;
        let mine = stored_orders(&app, &village, of_list(list)).await;
        let theirs = stored_orders(&app, &village2, of_list(list)).await;
        assert_eq!((mine.len(), theirs.len()), (3, 3), "{b}");
        assert!(mine.iter().all(|o| o.kind == FindingKind::DeceasedStillRegistered && o.status == OrderStatus::Open));
        let (s, html) = page(&c, app.url("/compare/orders")).await;
        assert_eq!(s, 200);
        let mut ids = order_ids(&html);
        ids.sort();
        assert_eq!(ids, mine.iter().map(|o| o.id).collect::<Vec<_>>(), "{b}: only the village's orders");
        assert!(html.contains(&format!("/households/{}", mine[0].household_id)), "{b}: rows link to the household file");
        assert!(!html.contains("id=\"upload\""), "{b}");
        let (_, compare_page) = page(&c, app.url("/compare")).await;
        assert!(!compare_page.contains("id=\"upload\""), "{b}: no upload form for a village cadre");
        // the household file lists the open order
        let (_, hh) = page(&c, app.url(&format!("/households/{}", mine[0].household_id))).await;
        assert!(hh.contains("id=\"work-orders\"") && hh.contains(&format!("/compare/orders/{}", mine[0].id)), "{b}: the household file lists its orders");

        // another village's order: 404 to look at, 404 to change
        let other = theirs[0].id;
        assert_eq!(page(&c, app.url(&format!("/compare/orders/{other}"))).await.0, 404, "{b}");
        let r = c.post(app.url(&format!("/compare/orders/{other}"))).form(&[("_csrf", csrf.as_str()), ("status", "verified_false"), ("note", "不属实"), ("version", "1")]).send().await.unwrap();
        assert_eq!(r.status(), 404, "{b}");
        assert_eq!(page(&c, app.url(&format!("/compare/orders?region={village2}"))).await.0, 404, "{b}: another village as a filter");
        // importing a list: 403
        let r = post_upload(&app, &c, &csrf, &deaths, &[("kind", "death")]).await;
        assert_eq!(r.status(), 403, "{b}: a village cadre cannot import");

        // verify one: the page shows the hint and the household's data
        let o = &mine[0];
        let (s, html) = page(&c, app.url(&format!("/compare/orders/{}", o.id))).await;
        assert_eq!(s, 200);
        assert!(html.contains(FindingKind::DeceasedStillRegistered.hint()) && html.contains("id=\"household-data\"") && html.contains("id=\"verify\""), "{b}: {html}");
        let v1 = form_version(&html);
        let before = total_progress(&app, &village, list).await;
        // 已整改 needs a note: refused (422) with the reason, nothing written
        let r = c.post(app.url(&format!("/compare/orders/{}", o.id))).form(&[("_csrf", csrf.as_str()), ("status", "fixed"), ("note", ""), ("version", &v1)]).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert!(r.text().await.unwrap().contains("整改情况"), "{b}");
        let r = c.post(app.url(&format!("/compare/orders/{}", o.id))).form(&[("_csrf", csrf.as_str()), ("status", "verified_true"), ("note", "入户核实，确已去世"), ("version", &v1)]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        assert_eq!(location(&r), format!("/compare/orders/{}?saved=1", o.id));
        let (_, html) = page(&c, app.url(&format!("/compare/orders/{}?saved=1", o.id))).await;
        assert!(html.contains("id=\"saved\"") && html.contains("待核实 → 核实属实") && html.contains("入户核实，确已去世"), "{b}: the history shows the change");
        let v2 = form_version(&html);
        let r = c.post(app.url(&format!("/compare/orders/{}", o.id))).form(&[("_csrf", csrf.as_str()), ("status", "fixed"), ("note", "已做自然减少（死亡）"), ("version", &v2)]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let after = total_progress(&app, &village, list).await;
        assert_eq!((after.open, after.fixed, after.closed()), (before.open - 1, before.fixed + 1, before.closed() + 1), "{b}: progress moves");
        let (_, prog) = page(&c, app.url(&format!("/compare/progress?list={list}"))).await;
        assert_eq!((num(&prog, "township-total", "data-open"), num(&prog, "township-total", "data-closed")), (after.open, after.closed()), "{b}: the progress page");
        let n = audits(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'work_order' AND entity_id = ? AND actor = 'web:village' AND action = 'update'", vec![o.id.to_string()]).await;
        assert_eq!(n, 2, "{b}: both changes audited");
        // the fixed order is off the household file
        let (_, hh) = page(&c, app.url(&format!("/households/{}", o.household_id))).await;
        assert!(!hh.contains(&format!("/compare/orders/{}\"", o.id)), "{b}: a fixed order is no longer listed");

        // a stale form (the version before the last save): 409, the conflict named, nothing overwritten
        let r = c.post(app.url(&format!("/compare/orders/{}", o.id))).form(&[("_csrf", csrf.as_str()), ("status", "open"), ("note", "重新打开"), ("version", &v2)]).send().await.unwrap();
        assert_eq!(r.status(), 409, "{b}");
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"conflict\"") && html.contains("保存冲突") && html.contains("web:village") && html.contains("重新打开"), "{b}: the conflict, with the user's text kept");
        let now = stored_orders(&app, &village, OrderFilter { household_id: Some(o.household_id), ..of_list(list) }).await;
        let now = now.iter().find(|x| x.id == o.id).unwrap();
        assert_eq!((now.status, now.note.as_deref()), (OrderStatus::Fixed, Some("已做自然减少（死亡）")), "{b}: nothing overwritten");

        // the township sees both villages' orders
        let (t, _) = app.login("township").await;
        let (_, html) = page(&t, app.url(&format!("/compare/orders?list={list}"))).await;
        assert_eq!(order_ids(&html).len(), 6, "{b}");
        let (_, html) = page(&t, app.url(&format!("/compare/orders?list={list}&region={village2}&status=open"))).await;
        assert_eq!(order_ids(&html).len(), 3, "{b}: filtered by village and status");
        assert!(stored_orders(&app, &township, of_list(list)).await.len() == 6);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_orders_export_is_a_real_xlsx_without_id_numbers_and_is_audited() {
    for app in TestApp::all().await {
        let b = app.backend();
        let (village, village2) = (prefix_of(&app.region_of("village").await), prefix_of(&app.region_of("village2").await));
        let (c, csrf) = app.login("county").await;
        let deaths = deaths_in(&app, &[&village, &village2], 4).await;
        let (list, _) = compare_through_form(&app, &c, &csrf, &deaths, &[("kind", "death")]).await;
        let r = c.get(app.url(&format!("/compare/orders.xlsx?list={list}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
        let cd = r.headers()["content-disposition"].to_str().unwrap().to_string();
        assert!(cd.contains(&bangfu_web::views::urlencode("比对工单_")), "{cd}");
        let path = app.db.dir.path().join("orders.xlsx");
        std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
        let sheets = workbook(&path);
        let rows = &sheets[0].1;
        let header = &rows[0];
        assert!(header.iter().any(|h| h == "证件号码（脱敏）") && header.iter().any(|h| h == "核实方法"), "{b}: {header:?}");
        let stored = stored_orders(&app, "", of_list(list)).await;
        assert_eq!(rows.len() - 1, stored.len(), "{b}: one row per order");
        let id_col = header.iter().position(|h| h == "工单编号").unwrap();
        let mut ids: Vec<i64> = rows[1..].iter().map(|r| r[id_col].parse().unwrap()).collect();
        ids.sort();
        assert_eq!(ids, stored.iter().map(|o| o.id).collect::<Vec<_>>(), "{b}");
        // no full ID number anywhere
        let full_id = |s: &str| s.as_bytes().windows(18).any(|w| w[..17].iter().all(u8::is_ascii_digit) && (w[17].is_ascii_digit() || w[17] == b'X'));
        assert!(rows.iter().flatten().all(|cell| !full_id(cell)), "{b}: a full ID number in the export");
        assert!(rows[1..].iter().all(|r| r.iter().any(|c| c.contains("********"))), "{b}: masked numbers");
        let n = audits(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'export_work_orders' AND actor = 'web:county'", vec![]).await;
        assert_eq!(n, 1, "{b}: audited");
        // a village cadre's export holds their village only; a helper may not export
        let (v, _) = app.login("village").await;
        let r = v.get(app.url("/compare/orders.xlsx")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
        assert_eq!(workbook(&path)[0].1.len() - 1, 4, "{b}: the village's orders");
        let (h, _) = app.login("helper").await;
        assert_eq!(h.get(app.url("/compare/orders.xlsx")).send().await.unwrap().status(), 403, "{b}");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_compares_lists_and_verifies_orders_with_scope_versions_and_refusals() {
    for app in TestApp::all().await {
        let b = app.backend();
        let (village, village2) = (prefix_of(&app.region_of("village").await), prefix_of(&app.region_of("village2").await));
        let (c, csrf) = app.login("county").await;
        let deaths = deaths_in(&app, &[&village, &village2], 2).await;
        let form = || Form::new().text("kind", "死亡").part("file", Part::bytes(std::fs::read(&deaths).unwrap()).file_name("死亡注销.csv"));
        // a cookie caller needs the CSRF header
        let r = c.post(app.url("/api/v1/compare/lists")).multipart(form()).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        let r = c.post(app.url("/api/v1/compare/lists")).header("X-CSRF-Token", &csrf).multipart(form()).send().await.unwrap();
        assert_eq!(r.status(), 202, "{b}");
        let job: Value = r.json().await.unwrap();
        assert_eq!((job["kind"].as_str(), job["department"].as_str()), (Some("death"), Some("public_security")), "{b}: {job}");
        let done = wait_job(&app, &c, job["id"].as_str().unwrap()).await;
        assert_eq!(done["state"], "done", "{b}: {done}");
        let list = done["list_id"].as_i64().unwrap();
        let lists: Value = c.get(app.url("/api/v1/compare/lists")).send().await.unwrap().json().await.unwrap();
        assert_eq!(lists["items"][0]["id"].as_i64(), Some(list), "{b}: newest first");
        let detail: Value = c.get(app.url(&format!("/api/v1/compare/lists/{list}"))).send().await.unwrap().json().await.unwrap();
        let stored = stored_list(&app, "", list).await.figures.unwrap();
        assert_eq!(detail["list"]["figures"]["matched"].as_u64(), Some(stored.matched), "{b}: {detail}");
        assert_eq!(detail["list"]["figures"]["findings"].as_u64(), Some(4), "{b}");
        assert_eq!(detail["by_kind"][0]["kind"], "deceased_still_registered");
        assert_eq!(detail["total"]["open"].as_u64(), Some(4));

        // a village cadre through the API
        let (v, vcsrf) = app.login("village").await;
        let orders: Value = v.get(app.url(&format!("/api/v1/compare/orders?list={list}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(orders["total"].as_i64(), Some(2), "{b}: {orders}");
        assert!(orders["items"].as_array().unwrap().iter().all(|o| o["region_code"].as_str().unwrap().starts_with(&village) && o["resident_id"].as_str().unwrap().contains("**")), "{b}");
        let mine = orders["items"][0]["id"].as_i64().unwrap();
        let theirs = stored_orders(&app, &village2, of_list(list)).await[0].id;
        assert_eq!(v.get(app.url(&format!("/api/v1/compare/orders/{theirs}"))).send().await.unwrap().status(), 404, "{b}");
        let r = v.patch(app.url(&format!("/api/v1/compare/orders/{theirs}"))).header("X-CSRF-Token", &vcsrf).json(&json!({"status": "verified_false", "note": "x", "version": 1})).send().await.unwrap();
        assert_eq!(r.status(), 404, "{b}");
        assert_eq!(v.get(app.url(&format!("/api/v1/compare/orders?region={village2}"))).send().await.unwrap().status(), 404, "{b}");
        let one: Value = v.get(app.url(&format!("/api/v1/compare/orders/{mine}"))).send().await.unwrap().json().await.unwrap();
        let version = one["order"]["version"].as_i64().unwrap();
        assert!(one["order"]["hint"].as_str().unwrap().contains("派出所"), "{b}: {one}");
        // a note is needed for 核实不属实: 422 naming the field
        let r = v.patch(app.url(&format!("/api/v1/compare/orders/{mine}"))).header("X-CSRF-Token", &vcsrf).json(&json!({"status": "verified_false", "version": version})).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["fields"]["note"].is_string(), "{b}: {e}");
        let r = v.patch(app.url(&format!("/api/v1/compare/orders/{mine}"))).header("X-CSRF-Token", &vcsrf).json(&json!({"status": "verified_false", "note": "查无此事：本人健在", "version": version})).send().await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        let saved: Value = r.json().await.unwrap();
        assert_eq!((saved["order"]["status"].as_str(), saved["order"]["version"].as_i64()), (Some("verified_false"), Some(version + 1)), "{b}: {saved}");
        assert_eq!(saved["history"][0]["status_after"], "verified_false");
        // the same version again: 409 with the current version, nothing written
        let r = v.patch(app.url(&format!("/api/v1/compare/orders/{mine}"))).header("X-CSRF-Token", &vcsrf).json(&json!({"status": "open", "version": version})).send().await.unwrap();
        assert_eq!(r.status(), 409, "{b}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["fields"]["version"].as_i64(), Some(version + 1), "{b}: {e}");
        // a move that is not allowed: 422 on the status
        let r = v.patch(app.url(&format!("/api/v1/compare/orders/{mine}"))).header("X-CSRF-Token", &vcsrf).json(&json!({"status": "fixed", "note": "x", "version": version + 1})).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["fields"]["status"].as_str().unwrap().contains("不能直接改为"), "{b}: {e}");
        // progress in the village's scope
        let p: Value = v.get(app.url(&format!("/api/v1/compare/progress?list={list}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!((p["total"]["total"].as_u64(), p["total"]["verified_false"].as_u64(), p["total"]["open"].as_u64()), (Some(2), Some(1), Some(1)), "{b}: {p}");
        let whole: Value = c.get(app.url(&format!("/api/v1/compare/progress?list={list}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(whole["total"]["total"].as_u64(), Some(4), "{b}");
        assert_eq!(c.get(app.url("/api/v1/compare/progress?list=999999")).send().await.unwrap().status(), 404, "{b}");
        // a village cadre cannot upload; a village cadre's list view is partial
        let r = v.post(app.url("/api/v1/compare/lists")).header("X-CSRF-Token", &vcsrf).multipart(form()).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        let d: Value = v.get(app.url(&format!("/api/v1/compare/lists/{list}"))).send().await.unwrap().json().await.unwrap();
        assert!(d["list"]["figures"].is_null() && d["total"]["total"].as_u64() == Some(2), "{b}: {d}");
        app.stop().await;
    }
}
