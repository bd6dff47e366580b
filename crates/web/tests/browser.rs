//! End-to-end tests in a real headless Chromium (through chromedriver): what a person does with the
//! pages — logging in, searching, the household file, editing with a wrong ID number, importing a file
//! with errors and downloading the report, exporting, scope, comparing a department list and verifying
//! its work order — plus screenshots of the main pages on a desktop and a phone, saved under
//! `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the tests are skipped with a warning,
//! except under `CI` (`.ci/run` installs them). Each test has its own server and its own chromedriver.

#[macro_use]
mod browser_support;
mod common;

use browser_support::{Browser, DESKTOP, PHONE, with_check_digit, with_wrong_check_digit};
use common::{TestApp, prefix_of, workbook};
use fantoccini::Locator;
use std::time::{Duration, Instant};

/// Every demo user (see `bangfu_web::demo::create_demo_users`).
const USERS: [&str; 12] = ["admin", "county", "township", "village", "village2", "secretary", "helper", "school", "edu", "leader", "data", "inspector"];

const NOT_FOUND: &str = "找不到该记录，或它不在您的管辖范围内";


/// The header row (the first row holding `column`) and the rows after it, of the first sheet that has one.
fn table_with<'a>(sheets: &'a [(String, Vec<Vec<String>>)], column: &str) -> (&'a str, &'a [String], &'a [Vec<String>]) {
    for (name, rows) in sheets {
        if let Some(h) = rows.iter().position(|r| r.iter().any(|c| c.trim() == column)) {
            return (name, &rows[h], &rows[h + 1..]);
        }
    }
    panic!("no sheet has a column {column}: {:?}", sheets.iter().map(|(n, r)| (n, r.first())).collect::<Vec<_>>());
}

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|c| c.trim() == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// a. Every role logs in through the form and lands on the dashboard; a wrong password is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_logs_in_through_the_form() {
    let app = TestApp::sqlite().await;
    let b = browser_or_skip!(app);
    let started = Instant::now();

    let path = b.login_as("county", "not-the-password").await;
    assert_eq!(path, "/login", "a wrong password stays on the login page");
    let error = b.text(".error-box").await;
    assert!(error.contains("用户名或密码不正确"), "wrong password message: {error}");
    assert_eq!(b.find("#username").await.prop("value").await.unwrap().as_deref(), Some("county"), "the user name is kept");
    assert_eq!(b.find("#password").await.prop("value").await.unwrap().as_deref(), Some(""), "the password is not sent back");

    for user in USERS {
        b.login(user).await;
        assert!(b.exists("header.top nav a[href='/']").await, "{user}: the dashboard has the navigation");
        let h1 = b.text("main h1").await;
        assert!(h1.contains("工作台"), "{user}: dashboard heading: {h1}");
        assert!(!b.exists(".error-box").await, "{user}: an error on the dashboard: {}", b.body_text().await);
        // logging out through the header's button
        let out = b.c.find(Locator::Css("form[action='/logout'] button")).await.expect("logout button");
        b.click_and_wait(&out).await;
        assert!(b.path().await.starts_with("/login"), "{user}: after logging out: {}", b.path().await);
    }
    eprintln!("browser: {} logins in {:?}", USERS.len() + 1, started.elapsed());
    b.close().await;
    app.stop().await;
}

/// b. The county office finds a member by name and opens the household file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_searches_a_member_and_opens_the_household_file() {
    let app = TestApp::sqlite().await;
    let b = browser_or_skip!(app);
    b.login("county").await;
    b.goto("/households").await;
    // a head of household's name from the list (names are stored encrypted, so take it from the page)
    let first = b.find("#households tbody tr td[data-label='户主'] a").await;
    let name = first.text().await.unwrap();
    let href = first.attr("href").await.unwrap().unwrap();
    assert!(!name.is_empty(), "the list shows the head's name");

    b.fill("input[name=q]", &name).await;
    let search = b.find("form.filters button[type=submit]").await;
    b.click_and_wait(&search).await;
    assert!(b.path().await.contains("q="), "searched: {}", b.path().await);
    let hits = b.c.find_all(Locator::Css("#hits tbody tr td[data-label='姓名'] a")).await.unwrap();
    assert!(!hits.is_empty(), "searching {name} finds them: {}", b.body_text().await);
    let mut hit = None;
    for h in hits {
        if h.attr("href").await.unwrap().as_deref() == Some(href.as_str()) {
            hit = Some(h);
            break;
        }
    }
    let hit = hit.unwrap_or_else(|| panic!("{name} of {href} is among the hits"));
    assert_eq!(hit.text().await.unwrap(), name);
    b.click_and_wait(&hit).await;
    assert_eq!(b.path().await, href, "the hit opens the household file");
    assert!(b.text("main h1").await.contains("一户一档"), "the household file");
    let members = b.text("#members").await;
    assert!(members.contains(&name), "the members table lists {name}: {members}");
    assert!(b.text("#members td[data-label='与户主关系']").await.contains("户主") || members.contains("户主"));
    b.close().await;
    app.stop().await;
}

/// c. A village cadre types a wrong ID number into a member's form, sees why, corrects it and saves;
/// the change is listed in the household's history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn village_edits_a_member_with_a_wrong_id_then_corrects_it() {
    let app = TestApp::sqlite().await;
    let b = browser_or_skip!(app);
    let village = prefix_of(&app.region_of("village").await);
    let id = app.household_in(&village);
    b.login("village").await;
    b.goto(&format!("/households/{id}")).await;

    // the full ID numbers are shown only on request (the reveal itself may be in the history)
    let reveal = b.find("#reveal").await;
    b.click_and_wait(&reveal).await;
    let row = b.find("#members tbody tr").await;
    let original = row.find(Locator::Css("td.rid")).await.unwrap().text().await.unwrap().trim().to_string();
    assert!(original.len() == 18 && original[..17].bytes().all(|c| c.is_ascii_digit()), "revealed ID number: {original}");
    let edit = row.find(Locator::Css("a[href$='/edit']")).await.expect("an edit link in the members table");
    let edit_path = edit.attr("href").await.unwrap().unwrap();
    assert!(edit_path.starts_with(&format!("/households/{id}/members/")), "{edit_path}");

    let history_before = history_rows(&b, id).await;
    let edit = b.find(&format!("#members a[href='{edit_path}']")).await;
    b.click_and_wait(&edit).await;
    assert_eq!(b.path().await, edit_path);
    assert!(!b.body_text().await.contains(NOT_FOUND), "the member form {edit_path} exists");

    // the ID number input is the control of the label 证件号码
    let field_xpath = "//*[contains(concat(' ', normalize-space(@class), ' '), ' field ')][.//label[contains(normalize-space(.), '证件号码')]]";
    let input_xpath = format!("{field_xpath}//input");
    let bad = with_wrong_check_digit(&original);
    let input = b.c.find(Locator::XPath(&input_xpath)).await.expect("the 证件号码 input");
    input.clear().await.unwrap();
    input.send_keys(&bad).await.unwrap();
    let submit = input.find(Locator::XPath("ancestor::form//button[@type='submit' or not(@type)]")).await.expect("the form's submit button");
    b.click_and_wait(&submit).await;

    let field = b.c.find(Locator::XPath(field_xpath)).await.expect("the 证件号码 field after submitting");
    let message = field.text().await.unwrap();
    assert!(message.contains("校验位"), "the message next to 证件号码 says the check digit is wrong: {message}\n{}", b.body_text().await);
    let kept = b.c.find(Locator::XPath(&input_xpath)).await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(kept, bad, "the typed value is kept");

    // a new valid number: same region, birth date and sex, another sequence number
    let seq: u32 = original[14..16].parse().unwrap();
    let fixed = with_check_digit(&format!("{}{:02}{}", &original[..14], (seq + 37) % 100, &original[16..17]));
    assert_ne!(fixed, original);
    let input = b.c.find(Locator::XPath(&input_xpath)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(&fixed).await.unwrap();
    let submit = input.find(Locator::XPath("ancestor::form//button[@type='submit' or not(@type)]")).await.unwrap();
    b.click_and_wait(&submit).await;
    assert!(!b.exists(".field.invalid").await, "saving a valid number: {}", b.body_text().await);

    let history = history_rows(&b, id).await;
    let new: Vec<&String> = history.iter().filter(|r| !history_before.contains(r)).collect();
    assert!(!new.is_empty(), "修改记录 lists the change: before {history_before:?}, after {history:?}");
    assert!(new.iter().any(|r| r.contains("village")), "修改记录 names who changed it: {new:?}");
    let reveal = b.find("#reveal").await;
    b.click_and_wait(&reveal).await;
    let members = b.text("#members").await;
    assert!(members.contains(&fixed), "the saved number {fixed} is in the members table: {members}");
    assert!(!members.contains(&original), "the old number is gone");
    b.close().await;
    app.stop().await;
}

/// The lines of a household's 修改记录 (history) table.
async fn history_rows(b: &Browser, id: i64) -> Vec<String> {
    b.goto(&format!("/households/{id}")).await;
    let mut out = Vec::new();
    for r in b.c.find_all(Locator::Css("#history tbody tr")).await.unwrap() {
        let t = r.text().await.unwrap();
        if !t.contains("暂无") {
            out.push(t);
        }
    }
    out
}

/// d. The county office uploads a file with a wrong ID number, waits for the job, downloads the
/// error report and finds the reason in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_imports_a_file_with_errors_and_downloads_the_report() {
    let app = TestApp::sqlite().await;
    let b = browser_or_skip!(app);
    let county = bangfu_demo::demo_county();
    let v = &county.villages[0];
    let t = county.township_of(v).expect("township");
    let rid = |birth: &str, seq: u32| bangfu_domain::ResidentId::from_body(&format!("431099{birth}{seq:03}")).unwrap().as_str().to_string();
    let bad = with_wrong_check_digit(&rid("19700505", 913));
    let (head1, wife1) = (rid("19650412", 911), rid("19680101", 912));
    let rows = [
        vec!["乡", "村", "户编号", "户类型", "姓名", "证件号码", "与户主关系", "联系电话"],
        vec![&t.name, &v.region.name, "BRW-1", "脱贫户", "张大山", &head1, "户主", "13800001234"],
        vec![&t.name, &v.region.name, "BRW-1", "脱贫户", "李秀英", &wife1, "配偶", "13800001234"],
        vec![&t.name, &v.region.name, "BRW-2", "监测户", "王小明", &bad, "户主", "13900002222"],
    ];
    let csv: String = rows.iter().map(|r| r.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(",") + "\r\n").collect();
    let file = app.db.dir.path().join("带错误的名册.csv");
    std::fs::write(&file, csv).unwrap();

    b.login("county").await;
    let nav = b.c.find(Locator::Css("header.top nav a[href='/imports']")).await.expect("导入 in the navigation");
    b.click_and_wait(&nav).await;
    assert!(!b.body_text().await.contains(NOT_FOUND), "the import page exists");
    let upload = b.find("input[type=file]").await;
    upload.send_keys(&file.display().to_string()).await.expect("choose the file");
    let submit = upload.find(Locator::XPath("ancestor::form//button[@type='submit' or not(@type)]")).await.expect("upload button");
    b.click_and_wait(&submit).await;

    // the job page polls until the import is finished, then reloads
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(b.path().await.starts_with("/imports/"), "the job page: {}", b.path().await);
        let state = match b.c.find(Locator::Css("#job")).await {
            Ok(j) => j.attr("data-state").await.unwrap().unwrap_or_default(),
            Err(_) => String::new(),
        };
        if state == "done" || state == "failed" {
            break;
        }
        if Instant::now() > deadline {
            // what the page's script sees when it polls
            let polled = b
                .c
                .execute("var u = document.getElementById('job').getAttribute('data-status-url'); var x = new XMLHttpRequest(); x.open('GET', u, false); x.setRequestHeader('Accept', 'application/json'); x.send(); return x.status + ' ' + x.responseText", vec![])
                .await;
            panic!("the import did not finish in 30 s (state {state:?}); polling says {polled:?}; page:\n{}", b.body_text().await);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let page = b.body_text().await;
    assert!(page.contains("校验位") || page.contains("错误"), "the job page reports the error: {page}");

    let before = b.downloaded();
    let link = b.c.find(Locator::Css("a[href$='/report']")).await.unwrap_or_else(|_| panic!("a link to the error report: {page}"));
    link.click().await.unwrap();
    let report = b.wait_download(&before).await;
    assert!(report.extension().is_some_and(|e| e == "xlsx"), "the report is an xlsx: {}", report.display());
    let sheets = workbook(&report);
    let all: Vec<&String> = sheets.iter().flat_map(|(_, r)| r.iter().flatten()).collect();
    let reason = all.iter().find(|c| c.contains("校验位")).unwrap_or_else(|| panic!("the report gives the reason in Chinese: {sheets:?}"));
    assert!(reason.contains("证件号码"), "{reason}");
    assert!(all.iter().any(|c| c.as_str() == bad), "the report shows the wrong number as typed");
    b.close().await;
    app.stop().await;
}

/// e. The filtered list is exported and the workbook holds exactly the listed households.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_exports_the_filtered_list() {
    let app = TestApp::sqlite().await;
    let b = browser_or_skip!(app);
    b.login("county").await;
    b.goto("/households").await;
    let types = b.c.find_all(Locator::Css("select[name=household_type] option")).await.unwrap();
    let mut choice = None;
    for o in types {
        let value = o.attr("value").await.unwrap().unwrap_or_default();
        if !value.is_empty() {
            choice = Some((value, o.text().await.unwrap()));
            break;
        }
    }
    let (value, label) = choice.expect("a household type to filter by");
    b.find("select[name=household_type]").await.select_by_value(&value).await.unwrap();
    let filter = b.find("form.filters button[type=submit]").await;
    b.click_and_wait(&filter).await;
    assert!(b.path().await.contains(&format!("household_type={value}")), "{}", b.path().await);
    let total: usize = b.text("#total").await.trim().parse().unwrap();
    assert!(total > 0 && total < common::HOUSEHOLDS, "{label}: {total} of {} households", common::HOUSEHOLDS);

    let before = b.downloaded();
    let export = b.c.find(Locator::XPath("//a[normalize-space()='导出 Excel']")).await.expect("导出 Excel");
    let href = export.attr("href").await.unwrap().unwrap_or_default();
    assert!(href.contains(&format!("household_type={value}")), "the export keeps the filter: {href}");
    export.click().await.unwrap();
    let file = b.wait_download(&before).await;
    assert!(file.extension().is_some_and(|e| e == "xlsx"), "an xlsx: {}", file.display());
    let sheets = workbook(&file);
    let (sheet, header, rows) = table_with(&sheets, "户编号");
    let (no, ty) = (col(header, "户编号"), col(header, "户类型"));
    let households: std::collections::BTreeSet<&str> = rows.iter().filter_map(|r| r.get(no)).map(|s| s.as_str()).filter(|s| !s.is_empty()).collect();
    assert_eq!(households.len(), total, "sheet {sheet}: one household per listed household");
    for r in rows.iter().filter(|r| r.get(no).is_some_and(|s| !s.is_empty())) {
        assert_eq!(r[ty].trim(), label.trim(), "sheet {sheet}: every exported household is a {label}: {r:?}");
    }
    b.close().await;
    app.stop().await;
}

/// f. A village cadre cannot open another village's household and sees only their village.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn village_sees_only_their_village() {
    let app = TestApp::sqlite().await;
    let b = browser_or_skip!(app);
    let village = prefix_of(&app.region_of("village").await);
    let outside = app.household_outside(&village);
    let inside = app.households.iter().filter(|(_, r)| r.starts_with(&village)).count();
    b.login("village").await;

    b.goto(&format!("/households/{outside}")).await;
    let page = b.body_text().await;
    assert!(page.contains(NOT_FOUND), "another village's household: {page}");
    assert!(!b.exists("#members").await, "no household data shown");

    b.goto("/households").await;
    let total: usize = b.text("#total").await.trim().parse().unwrap();
    assert_eq!(total, inside, "the list counts only the village's households");
    let regions = b.c.find_all(Locator::Css("#households tbody td[data-label='乡镇/村']")).await.unwrap();
    assert!(!regions.is_empty());
    let mut names = std::collections::BTreeSet::new();
    for r in regions {
        names.insert(r.text().await.unwrap());
    }
    assert_eq!(names.len(), 1, "one village in the list: {names:?}");
    // the region filter offers nothing outside the village either
    let options = b.c.find_all(Locator::Css("select[name=region] option")).await.unwrap();
    for o in options {
        let v = o.attr("value").await.unwrap().unwrap_or_default();
        assert!(v.is_empty() || v.starts_with(&village), "region option {v} outside {village}");
    }
    b.close().await;
    app.stop().await;
}

/// A list of deaths naming the first active member of each household given (a CSV).
async fn deaths_of(app: &TestApp, households: &[i64], file: &str) -> std::path::PathBuf {
    let ids = households.to_vec();
    let rows = app
        .state
        .db
        .run(move |c, _| {
            let mut out = Vec::new();
            for id in ids {
                let r = c.query("SELECT name, resident_id FROM member WHERE household_id = ? AND status = 'active' ORDER BY id LIMIT 1", &[bangfu_store::P::Int(id)])?;
                out.push((r[0][0].string(), r[0][1].string()));
            }
            Ok(out)
        })
        .await
        .unwrap();
    let mut text = String::from("序号,姓名,公民身份号码,死亡日期\n");
    for (i, (name, id)) in rows.iter().enumerate() {
        text.push_str(&format!("{},{name},{id},2026-10-01\n", i + 1));
    }
    let path = app.db.dir.path().join(file);
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits on a job page until its job ends (the page reloads itself, then lands on the result).
async fn wait_for_job_page(b: &Browser, prefix: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while b.path().await.starts_with(prefix) {
        let failed = b.exists("#job[data-state=failed]").await;
        assert!(!failed, "the job failed: {}", b.body_text().await);
        assert!(Instant::now() < deadline, "the job did not finish in 30 s: {}", b.body_text().await);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// h. The county office uploads a department list through the form (the thresholds only show for a
/// medical list, 全量 only for lists that can be complete) and lands on its report; a village cadre
/// opens the household's order from the household file and records the verification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_compares_a_list_and_a_village_cadre_verifies_the_order() {
    let app = TestApp::sqlite().await;
    let b = browser_or_skip!(app);
    let village = prefix_of(&app.region_of("village").await);
    let household = app.household_in(&village);
    let file = deaths_of(&app, &[household, app.household_outside(&village)], "死亡注销人员.csv").await;

    b.login("county").await;
    let nav = b.c.find(Locator::Css("header.top nav a[href='/compare']")).await.expect("数据比对 in the navigation");
    b.click_and_wait(&nav).await;
    assert!(b.exists("form#upload").await, "the upload form: {}", b.body_text().await);
    let thresholds = b.find("#thresholds").await;
    assert!(!thresholds.is_displayed().await.unwrap(), "no thresholds before a medical list is chosen");
    b.c.execute("var k = document.getElementById('kind'); k.value = 'medical_expense'; k.dispatchEvent(new Event('change'));", vec![]).await.unwrap();
    assert!(b.find("#thresholds").await.is_displayed().await.unwrap(), "thresholds for a medical list");
    assert!(!b.find("#complete").await.is_enabled().await.unwrap(), "a medical list cannot be complete");
    b.c.execute("var k = document.getElementById('kind'); k.value = 'death'; k.dispatchEvent(new Event('change'));", vec![]).await.unwrap();
    assert!(!b.find("#thresholds").await.is_displayed().await.unwrap());
    let upload = b.find("#upload input[type=file]").await;
    upload.send_keys(&file.display().to_string()).await.expect("choose the file");
    let submit = b.find("#upload button[type=submit]").await;
    b.click_and_wait(&submit).await;
    wait_for_job_page(&b, "/compare/jobs/").await;
    assert!(b.path().await.starts_with("/compare/lists/"), "lands on the report: {}", b.path().await);
    assert_eq!(b.find("#figures").await.attr("data-findings").await.unwrap().as_deref(), Some("2"), "{}", b.body_text().await);
    assert!(b.text("#job-notes").await.contains("读取的列"));

    b.login("village").await;
    b.goto(&format!("/households/{household}")).await;
    let link = b.find("#work-orders a[href^='/compare/orders/']").await;
    b.click_and_wait(&link).await;
    assert!(b.text("#hint").await.contains("派出所"), "the way to verify it");
    b.c.execute("document.getElementById('status').value = 'verified_false';", vec![]).await.unwrap();
    b.fill("#note", "入户核实：本人健在，公安名单有误").await;
    let save = b.find("#verify button[type=submit]").await;
    b.click_and_wait(&save).await;
    assert!(b.exists("#saved").await, "saved: {}", b.body_text().await);
    assert!(b.text("#history").await.contains("待核实 → 核实不属实"), "the history");
    // the order is done: no longer on the household file; the other village's order stays out of sight
    b.goto(&format!("/households/{household}")).await;
    assert!(!b.exists("#work-orders").await, "a closed order leaves the household file");
    b.goto("/compare/orders").await;
    assert_eq!(b.c.find_all(Locator::Css("#orders tbody tr[data-order]")).await.unwrap().len(), 1, "the village's one order");
    b.close().await;
    app.stop().await;
}

/// Compares a list through the upload form with a plain HTTP client; returns the list id.
async fn compare_for_tour(app: &TestApp, c: &reqwest::Client, csrf: &str, path: &std::path::Path, fields: &[(&str, &str)]) -> i64 {
    let mut form = reqwest::multipart::Form::new().text("_csrf", csrf.to_string());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    form = form.part("file", reqwest::multipart::Part::bytes(std::fs::read(path).unwrap()).file_name(name));
    let r = c.post(app.url("/compare/lists")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let job = r.headers()["location"].to_str().unwrap().trim_start_matches("/compare/jobs/").to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s: serde_json::Value = c.get(app.url(&format!("/api/v1/compare/jobs/{job}"))).send().await.unwrap().json().await.unwrap();
        if s["state"] == "done" {
            return s["list_id"].as_i64().unwrap();
        }
        assert!(s["state"] != "failed" && Instant::now() < deadline, "{s}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// g. Screenshots of the main pages on a desktop and on a phone (look at them after a CSS change);
/// on the phone nothing may be wider than the screen except inside a scrolling table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_main_pages() {
    let app = TestApp::sqlite().await;
    let b = browser_or_skip!(app);
    let started = Instant::now();
    let mut problems = Vec::new();
    let mut shots = Vec::new();

    b.c.delete_all_cookies().await.unwrap();
    b.goto("/login").await;
    for size in [DESKTOP, PHONE] {
        shots.push(b.screenshot("login", size).await);
    }
    b.login("county").await;
    let id = app.household_in(&prefix_of(&app.region_of("village").await));
    // a data-quality run with something to show: a road 9 公里 away
    let county = prefix_of(&app.region_of("county").await);
    let run = app
        .state
        .db
        .run(move |c, keys| {
            c.execute("UPDATE household SET distance_to_road = 900 WHERE id = ?", &[bangfu_store::P::Int(id)])?;
            let scope = bangfu_domain::RegionScope::of(&bangfu_domain::RegionCode::parse(&county).unwrap());
            let req = bangfu_store::quality::RunRequest { scope: &scope, region: None, today: chrono::Local::now().date_naive() };
            Ok(bangfu_store::quality::run(c, keys, &bangfu_store::audit::Actor::new("web:county", "web"), &req, &mut |_, _| {})?.id)
        })
        .await
        .unwrap();
    // a compared list with something to show: the demo 低保 list (complete) and the tour household's death
    let (c, csrf) = app.login("county").await;
    let docs = bangfu_testkit::demo_docs(common::HOUSEHOLDS, 7);
    let people: Vec<bangfu_demo::dept_lists::ListPerson> = docs.iter().flat_map(bangfu_demo::dept_lists::ListPerson::from_doc).collect();
    let dibao = app.db.dir.path().join("低保对象花名册.xlsx");
    let o = bangfu_demo::dept_lists::ListOptions { kind: bangfu_domain::comparison::ListKind::Dibao, seed: 3, rows: None, today: bangfu_testkit::today(), clean: false };
    bangfu_demo::dept_lists::write_list(people.into_iter(), &o, bangfu_demo::dept_lists::ListFormat::Xlsx, &dibao).unwrap();
    let list = compare_for_tour(&app, &c, &csrf, &dibao, &[("kind", "dibao"), ("complete", "1")]).await;
    let deaths = deaths_of(&app, &[id], "死亡注销人员.csv").await;
    compare_for_tour(&app, &c, &csrf, &deaths, &[("kind", "death")]).await;
    let order = app.state.db.run(move |c, _| Ok(c.query_int("SELECT MIN(id) FROM work_order WHERE household_id = ?", &[bangfu_store::P::Int(id)])?)).await.unwrap();
    let pages = [
        ("dashboard", "/".to_string()),
        ("households", "/households".to_string()),
        ("household", format!("/households/{id}")),
        ("household-edit", format!("/households/{id}/edit")),
        ("imports", "/imports".to_string()),
        ("quality", "/quality".to_string()),
        ("quality-run", format!("/quality/runs/{run}")),
        ("quality-findings", format!("/quality/runs/{run}/findings")),
        ("quality-rules", "/quality/rules".to_string()),
        ("quality-rule", "/quality/rules/RNG-03".to_string()),
        ("compare", "/compare".to_string()),
        ("compare-list", format!("/compare/lists/{list}")),
        ("compare-orders", "/compare/orders".to_string()),
        ("compare-order", format!("/compare/orders/{order}")),
        ("compare-progress", "/compare/progress".to_string()),
        ("pairing", "/pairing".to_string()),
        ("pairing-helpers", "/pairing/helpers".to_string()),
        ("pairing-pairings", "/pairing/pairings".to_string()),
        ("pairing-new", "/pairing/pairings/new?kind=helper_household".to_string()),
        ("pairing-coverage", "/pairing/coverage/households".to_string()),
        ("pairing-import", "/pairing/import".to_string()),
    ];
    for (name, path) in &pages {
        b.goto(path).await;
        if b.body_text().await.contains(NOT_FOUND) {
            problems.push(format!("{path} does not exist (is the page written yet?)"));
        }
        for size in [DESKTOP, PHONE] {
            shots.push(b.screenshot(name, size).await);
            if size == PHONE {
                b.resize(PHONE).await;
                if let Some(o) = b.horizontal_overflow().await {
                    problems.push(format!("{path} on a {}px phone: {o}", PHONE.0));
                }
                b.resize(DESKTOP).await;
            }
        }
    }
    eprintln!("browser: {} screenshots in {:?}, under {}", shots.len(), started.elapsed(), browser_support::screenshot_dir().display());
    assert!(problems.is_empty(), "layout problems:\n{}", problems.join("\n"));
    b.close().await;
    app.stop().await;
}
