//! Imports through the browser (upload, job, error report) and the filtered list's export, on
//! SQLite and PostgreSQL: scope, ownership, size and type limits, and no way out of the data directory.

mod common;

use common::{TestApp, prefix_of, workbook as sheets};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// A valid resident ID of the demo county.
fn rid(birth: &str, seq: u32) -> String {
    bangfu_domain::ResidentId::from_body(&format!("431099{birth}{seq:03}")).unwrap().as_str().to_string()
}

fn wrong_check(id: &str) -> String {
    let other = if id.ends_with('1') { '2' } else { '1' };
    format!("{}{other}", &id[..17])
}

/// (township name, village name, village code) of the first demo village, or of the first one outside `prefix`.
fn village(outside: Option<&str>) -> (String, String, String) {
    let c = bangfu_demo::demo_county();
    let v = c.villages.iter().find(|v| outside.is_none_or(|p| !v.region.code.as_str().starts_with(p))).expect("village");
    let t = c.township_of(v).expect("township");
    (t.name.clone(), v.region.name.clone(), v.region.code.as_str().to_string())
}

fn csv(rows: &[Vec<String>]) -> Vec<u8> {
    rows.iter().map(|r| r.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(",") + "\r\n").collect::<String>().into_bytes()
}

fn header() -> Vec<String> {
    ["乡", "村", "户编号", "户类型", "姓名", "证件号码", "与户主关系", "联系电话"].map(String::from).to_vec()
}

fn row(v: &(String, String, String), no: &str, name: &str, id: &str, relation: &str) -> Vec<String> {
    vec![v.0.clone(), v.1.clone(), no.into(), "脱贫户".into(), name.into(), id.into(), relation.into(), "13800001234".into()]
}

async fn upload(app: &TestApp, c: &reqwest::Client, csrf: &str, name: &str, bytes: Vec<u8>, accept_valid: bool) -> reqwest::Response {
    let mut form = Form::new().text("_csrf", csrf.to_string());
    if accept_valid {
        form = form.text("accept_valid", "1");
    }
    let form = form.part("file", Part::bytes(bytes).file_name(name.to_string()));
    c.post(app.url("/imports")).multipart(form).send().await.unwrap()
}

/// Uploads and waits for the job to finish; returns the job id and its final status.
async fn import(app: &TestApp, c: &reqwest::Client, csrf: &str, name: &str, bytes: Vec<u8>, accept_valid: bool) -> (String, Value) {
    let r = upload(app, c, csrf, name, bytes, accept_valid).await;
    assert_eq!(r.status(), 303, "{}: upload accepted: {}", app.backend(), r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id = location.strip_prefix("/imports/").expect("redirect to the job page").to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s: Value = c.get(app.url(&format!("/api/v1/imports/{id}"))).send().await.unwrap().json().await.unwrap();
        if s["state"] == "done" || s["state"] == "failed" {
            return (id, s);
        }
        assert!(Instant::now() < deadline, "{}: the import did not finish: {s}", app.backend());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}


/// Downloads into the test's directory and checks the download headers.
async fn download(app: &TestApp, r: reqwest::Response, file: &str) -> std::path::PathBuf {
    assert_eq!(r.status(), 200, "{}", app.backend());
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let cd = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(cd.starts_with("attachment; filename*=UTF-8''"), "{cd}");
    let path = app.db.dir.path().join(file);
    std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_with_a_wrong_id_imports_the_rest_and_its_report_names_the_reason() {
    for app in TestApp::all().await {
        let (c, csrf) = app.login("county").await;
        let page = c.get(app.url("/imports")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("只导入无误的户"), "{page}");
        let v = village(None);
        let bad = wrong_check(&rid("19700505", 923));
        let rows = vec![
            header(),
            row(&v, "WEB-1", "张大山", &rid("19650412", 921), "户主"),
            row(&v, "WEB-1", "李秀英", &rid("19680101", 922), "配偶"),
            row(&v, "WEB-2", "王小明", &bad, "户主"),
        ];
        let (id, job) = import(&app, &c, &csrf, "带错误的名册.csv", csv(&rows), true).await;
        assert_eq!(job["state"], "done", "{}: {job}", app.backend());
        assert_eq!(job["households_inserted"], 1, "{job}");
        assert_eq!(job["rows_rejected"], 1, "{job}");
        assert_eq!(job["rows_read"], 3, "{job}");
        assert_eq!(job["has_report"], true);
        assert!(job.get("report_path").is_none(), "the server's paths are not shown");

        let page = c.get(app.url(&format!("/imports/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("data-state=\"done\"") && page.contains(&format!("/imports/{id}/report")), "{page}");
        let list = c.get(app.url("/imports")).send().await.unwrap().text().await.unwrap();
        assert!(list.contains("带错误的名册.csv"), "the job is listed");

        let r = c.get(app.url(&format!("/imports/{id}/report"))).send().await.unwrap();
        let path = download(&app, r, "report.xlsx").await;
        let cells: Vec<String> = sheets(&path).into_iter().flat_map(|(_, r)| r.into_iter().flatten()).collect();
        let reason = cells.iter().find(|c| c.contains("校验位")).unwrap_or_else(|| panic!("the reason in Chinese: {cells:?}"));
        assert!(reason.contains("证件号码"), "{reason}");
        assert!(cells.contains(&bad), "the number as typed");

        // someone else's job is not there; the administrator may look
        let (other, _) = app.login("township").await;
        for path in [format!("/imports/{id}"), format!("/imports/{id}/report"), format!("/api/v1/imports/{id}")] {
            assert_eq!(other.get(app.url(&path)).send().await.unwrap().status(), 404, "{path}");
        }
        let (admin, _) = app.login("admin").await;
        assert_eq!(admin.get(app.url(&format!("/api/v1/imports/{id}"))).send().await.unwrap().status(), 200);
        assert_eq!(TestApp::client().get(app.url(&format!("/api/v1/imports/{id}"))).send().await.unwrap().status(), 401);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_accept_valid_nothing_is_written_and_outside_the_scope_is_an_error() {
    let app = TestApp::sqlite().await;
    let township = prefix_of(&app.region_of("township").await);
    let (c, csrf) = app.login("township").await;
    let (inside, outside) = (village(None), village(Some(&township)));
    assert!(inside.2.starts_with(&township));
    let rows = vec![header(), row(&inside, "WEB-3", "赵老汉", &rid("19400315", 931), "户主"), row(&outside, "WEB-4", "钱大姐", &rid("19500315", 932), "户主")];
    let (_, job) = import(&app, &c, &csrf, "两个乡镇.csv", csv(&rows), false).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["households_inserted"], 0, "all or nothing: {job}");
    assert!(job["message"].as_str().unwrap().contains("未写入任何数据"), "{job}");
    let (id, job) = import(&app, &c, &csrf, "两个乡镇.csv", csv(&rows), true).await;
    assert_eq!((job["households_inserted"].as_u64(), job["rows_rejected"].as_u64()), (Some(1), Some(1)), "{job}");
    let r = c.get(app.url(&format!("/imports/{id}/report"))).send().await.unwrap();
    let path = download(&app, r, "scope.xlsx").await;
    let cells: Vec<String> = sheets(&path).into_iter().flat_map(|(_, r)| r.into_iter().flatten()).collect();
    assert!(cells.iter().any(|c| c.contains("管辖范围")), "{cells:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_refused_when_too_large_of_another_type_forged_or_not_allowed() {
    let app = TestApp::sqlite().await;
    let (c, csrf) = app.login("county").await;
    let big = vec![b'x'; 6 * 1024 * 1024];
    let r = upload(&app, &c, &csrf, "大文件.csv", big, false).await;
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("文件太大"));
    let r = upload(&app, &c, &csrf, "名册.pdf", b"%PDF-1.4".to_vec(), false).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("只能导入"));
    let r = upload(&app, &c, "forged", "名册.csv", csv(&[header()]), false).await;
    assert_eq!(r.status(), 403);
    let uploads = app.state.config.data_dir.join("uploads");
    let left = std::fs::read_dir(&uploads).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "refused uploads leave nothing behind");
    // roles without the import right
    let (v, v_csrf) = app.login("village").await;
    assert_eq!(v.get(app.url("/imports")).send().await.unwrap().status(), 403);
    assert_eq!(upload(&app, &v, &v_csrf, "名册.csv", csv(&[header()]), false).await.status(), 403);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_ids_and_report_names_never_reach_other_files() {
    let app = TestApp::sqlite().await;
    let (c, csrf) = app.login("county").await;
    let v = village(None);
    let rows = vec![header(), row(&v, "WEB-5", "孙一", &wrong_check(&rid("19800101", 951)), "户主")];
    let (id, job) = import(&app, &c, &csrf, "x.csv", csv(&rows), false).await;
    assert_eq!(job["has_report"], true);
    for path in [
        "/imports/..%2F..%2Fetc%2Fpasswd".to_string(),
        "/imports/..%2F..%2Fetc%2Fpasswd/report".to_string(),
        "/imports/../../etc/passwd".to_string(),
        "/api/v1/imports/..%2F..%2Fetc%2Fpasswd".to_string(),
        format!("/imports/{id}/report/..%2F..%2F..%2Fetc%2Fpasswd"),
        format!("/imports/{id}%2F..%2F..%2Fetc%2Fpasswd/report"),
        "/imports/00000000000000000000000000000000/report".to_string(),
    ] {
        let r = c.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains("root:"), "{path}");
    }
    let r = c.get(app.url(&format!("/imports/{id}/report?name=../../etc/passwd"))).send().await.unwrap();
    let path = download(&app, r, "r.xlsx").await;
    assert!(!sheets(&path).is_empty(), "a query string does not choose the file");
    app.stop().await;
}

/// The households listed for a query string: the list page's total.
async fn listed(app: &TestApp, c: &reqwest::Client, qs: &str) -> usize {
    let page = c.get(app.url(&format!("/households?{qs}"))).send().await.unwrap().text().await.unwrap();
    let start = page.find("id=\"total\">").expect("total") + "id=\"total\">".len();
    page[start..].split('<').next().unwrap().replace(',', "").parse().unwrap()
}

/// The exported member rows of the main sheet: (header, rows).
fn exported(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let (_, mut rows) = sheets(path).into_iter().find(|(n, _)| n == "户成员").expect("sheet 户成员");
    let header = rows.remove(0);
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}: {header:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_holds_exactly_the_filtered_households() {
    for app in TestApp::all().await {
        let (c, _) = app.login("county").await;
        // the second most common household type: some households, not all
        let code = app
            .state
            .db
            .run(|c, _| Ok(c.query("SELECT household_type, COUNT(*) FROM household WHERE household_type IS NOT NULL GROUP BY household_type ORDER BY 2 DESC, 1", &[])?[1][0].string()))
            .await
            .unwrap();
        let label = bangfu_domain::vocab::HOUSEHOLD_TYPE.by_code(&code).unwrap().label;
        let qs = format!("household_type={code}");
        let total = listed(&app, &c, &qs).await;
        assert!(total > 0 && total < common::HOUSEHOLDS, "{total}");
        let r = c.get(app.url(&format!("/households/export?{qs}"))).send().await.unwrap();
        let cd = r.headers()["content-disposition"].to_str().unwrap().to_string();
        assert!(cd.contains(&bangfu_web::views::urlencode("户籍名册_")), "{cd}");
        let path = download(&app, r, "export.xlsx").await;
        let (header, rows) = exported(&path);
        let (no, ty) = (col(&header, "户编号"), col(&header, "户类型"));
        let households: BTreeSet<&str> = rows.iter().map(|r| r[no].as_str()).collect();
        assert_eq!(households.len(), total, "{}: one household per listed household", app.backend());
        assert!(rows.iter().all(|r| r[ty] == label), "every exported household is a {label}");
        let audited = app
            .state
            .db
            .run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM audit_log WHERE action = 'export_households' AND actor = 'web:county'", &[])?))
            .await
            .unwrap();
        assert_eq!(audited, 1, "the export is audited");
        // a search exports the households of the people found
        let name = rows[0][col(&header, "姓名")].clone();
        let r = c.get(app.url(&format!("/households/export?q={}", bangfu_web::views::urlencode(&name)))).send().await.unwrap();
        let (h2, found) = exported(&download(&app, r, "search.xlsx").await);
        assert!(found.iter().any(|r| r[col(&h2, "姓名")] == name), "{name}");
        let r = TestApp::client().get(app.url("/households/export")).send().await.unwrap();
        assert_eq!(r.status(), 303, "not logged in: to the login page");
        let (helper, _) = app.login("helper").await;
        assert_eq!(helper.get(app.url("/households/export")).send().await.unwrap().status(), 403, "a helper may not export");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_users_export_holds_only_their_village() {
    let app = TestApp::sqlite().await;
    let village = prefix_of(&app.region_of("village").await);
    let inside = app.households.iter().filter(|(_, r)| r.starts_with(&village)).count();
    assert!(inside > 0 && inside < app.households.len());
    let (c, _) = app.login("village").await;
    assert_eq!(listed(&app, &c, "").await, inside);
    let r = c.get(app.url("/households/export")).send().await.unwrap();
    let (header, rows) = exported(&download(&app, r, "village.xlsx").await);
    let (no, region) = (col(&header, "户编号"), col(&header, "区划代码"));
    assert!(rows.iter().all(|r| r[region].starts_with(&village)), "only the village");
    assert_eq!(rows.iter().map(|r| r[no].as_str()).collect::<BTreeSet<_>>().len(), inside);
    // phones are masked in an export made from the browser
    let phone = col(&header, "联系电话");
    assert!(rows.iter().filter(|r| !r[phone].is_empty()).all(|r| r[phone].contains('*')), "phones masked");
    // asking for another village's code narrows nothing open: the result is empty, not theirs
    let other = app.households.iter().find(|(_, r)| !r.starts_with(&village)).unwrap().1.clone();
    let r = c.get(app.url(&format!("/households/export?region={other}"))).send().await.unwrap();
    let (_, rows) = exported(&download(&app, r, "other.xlsx").await);
    assert!(rows.is_empty(), "{} rows of another village", rows.len());
    app.stop().await;
}
