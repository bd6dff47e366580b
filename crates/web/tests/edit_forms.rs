//! The editing forms over a real server on every backend: a saved field shows on the household file
//! with an audit row; invalid input comes back (422) with the Chinese message next to the field and
//! the typed value kept; a stale form gets the conflict page; scope, roles and CSRF are enforced on
//! the POST itself; names are stored as typed and shown escaped.

mod common;

use bangfu_domain::ResidentId;
use common::{TestApp, hidden};
use reqwest::Client;

/// A valid resident ID first registered in 110101 (never a demo person), `n` picks it.
fn new_id(n: u32) -> String {
    ResidentId::from_body(&format!("1101011990{:02}{:02}{:03}", 1 + n % 12, 1 + n % 28, n % 1000)).unwrap().as_str().to_string()
}

/// The same ID with a wrong check character.
fn bad_checksum(id: &str) -> String {
    let last = if id.ends_with('1') { '2' } else { '1' };
    format!("{}{last}", &id[..17])
}

async fn get(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(c: &Client, url: String, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (r.status().as_u16(), location, r.text().await.unwrap())
}

/// The version a form was loaded with.
async fn form_version(app: &TestApp, c: &Client, path: &str) -> String {
    let (status, page) = get(c, app.url(path)).await;
    assert_eq!(status, 200, "{}: GET {path}", app.backend());
    hidden(&page, "version").expect("version field")
}

/// The text of one field's block on a form page.
fn field_block<'a>(page: &'a str, key: &str) -> &'a str {
    let at = page.find(&format!("id=\"field-{key}\"")).unwrap_or_else(|| panic!("field {key} on the page"));
    let start = page[..at].rfind("<div").unwrap_or(at);
    let end = page[at + 1..].find("id=\"field-").or_else(|| page[at + 1..].find("</form>")).map(|e| at + 1 + e).unwrap_or(page.len());
    &page[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_field_shows_on_the_household_file_with_an_audit_row() {
    for app in TestApp::all().await {
        let (c, csrf) = app.login("village").await;
        let id = app.household_in(&app.region_of("village").await);
        let path = format!("/households/{id}/edit");
        let version = form_version(&app, &c, &path).await;
        let (status, location, _) = post(&c, app.url(&path), &[("_csrf", &csrf), ("version", &version), ("main_fuel", "沼气和电"), ("cultivated_land", "3.5")]).await;
        assert_eq!((status, location.as_str()), (303, format!("/households/{id}?saved=1").as_str()), "{}", app.backend());
        let (status, page) = get(&c, app.url(&format!("/households/{id}"))).await;
        assert_eq!(status, 200, "{}", app.backend());
        assert!(page.contains("沼气和电"), "{}: the new value on the file", app.backend());
        let history = &page[page.find("修改记录").expect("history section")..];
        assert!(history.contains("修改") && history.contains("沼气和电") && history.contains("web:village"), "{}: an audit row in 修改记录", app.backend());
        let next = form_version(&app, &c, &path).await;
        assert_eq!(next.parse::<i64>().unwrap(), version.parse::<i64>().unwrap() + 1, "{}: the version moved on", app.backend());
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_comes_back_with_the_message_next_to_the_field_and_the_typed_value() {
    for app in TestApp::all().await {
        let (c, csrf) = app.login("village").await;
        let id = app.household_in(&app.region_of("village").await);
        let path = format!("/households/{id}/edit");
        let version = form_version(&app, &c, &path).await;
        let (status, _, page) = post(&c, app.url(&path), &[("_csrf", &csrf), ("version", &version), ("cultivated_land", "三亩半abc"), ("main_fuel", "煤")]).await;
        assert_eq!(status, 422, "{}", app.backend());
        let block = field_block(&page, "cultivated_land");
        assert!(block.contains("field invalid") && block.contains("class=\"msg\"") && block.contains("不是非负数"), "{}: {block}", app.backend());
        assert!(block.contains("value=\"三亩半abc\""), "{}: the typed value is kept: {block}", app.backend());
        assert!(field_block(&page, "main_fuel").contains("value=\"煤\""), "{}: other typed values are kept", app.backend());
        assert!(page.contains("id=\"problems\""), "{}: a summary at the top", app.backend());
        assert_eq!(form_version(&app, &c, &path).await, version, "{}: nothing saved", app.backend());

        // a member whose ID has a wrong check character
        let mpath = format!("/households/{id}/members/new");
        let bad = bad_checksum(&new_id(1));
        let (status, _, page) = post(&c, app.url(&mpath), &[("_csrf", &csrf), ("version", &version), ("name", "王小明"), ("id_number", &bad), ("relation", "son")]).await;
        assert_eq!(status, 422, "{}", app.backend());
        let block = field_block(&page, "id_number");
        assert!(block.contains("证件号码校验位错误") && block.contains(&format!("value=\"{bad}\"")), "{}: {block}", app.backend());
        assert!(field_block(&page, "name").contains("value=\"王小明\""), "{}", app.backend());
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_of_two_editors_gets_the_conflict_page_and_nothing_is_overwritten() {
    for app in TestApp::all().await {
        let (first, csrf1) = app.login("village").await;
        let (second, csrf2) = app.login("secretary").await;
        let id = app.household_in(&app.region_of("village").await);
        let path = format!("/households/{id}/edit");
        let v1 = form_version(&app, &first, &path).await;
        let v2 = form_version(&app, &second, &path).await;
        assert_eq!(v1, v2, "{}", app.backend());
        let (status, _, _) = post(&first, app.url(&path), &[("_csrf", &csrf1), ("version", &v1), ("main_fuel", "第一人填的燃料")]).await;
        assert_eq!(status, 303, "{}", app.backend());
        let (status, _, page) = post(&second, app.url(&path), &[("_csrf", &csrf2), ("version", &v2), ("main_fuel", "第二人填的燃料")]).await;
        assert_eq!(status, 409, "{}", app.backend());
        assert!(page.contains("class=\"diff\"") && page.contains("主要燃料类型"), "{}: the difference is listed", app.backend());
        assert!(page.contains("<td class=\"new\">第二人填的燃料</td>") && page.contains("<td class=\"old\">第一人填的燃料</td>"), "{}: yours vs stored", app.backend());
        assert!(page.contains(&format!("href=\"{path}\"")), "{}: a way to reload the current record", app.backend());
        let (_, file) = get(&second, app.url(&format!("/households/{id}"))).await;
        assert!(file.contains("第一人填的燃料") && !file.contains("第二人填的燃料"), "{}: not overwritten", app.backend());
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_roles_and_csrf_are_enforced_on_the_post_itself() {
    for app in TestApp::all().await {
        let region = app.region_of("village").await;
        let mine = app.household_in(&region);
        let theirs = app.household_in(&app.region_of("village2").await);
        let (c, csrf) = app.login("village").await;
        let version = form_version(&app, &c, &format!("/households/{mine}/edit")).await;
        for path in [format!("/households/{theirs}/edit"), format!("/households/{theirs}/members/new"), format!("/households/{theirs}/events/new")] {
            assert_eq!(get(&c, app.url(&path)).await.0, 404, "{}: GET {path}", app.backend());
            let form = [("_csrf", csrf.as_str()), ("version", "1"), ("main_fuel", "越权"), ("name", "越权"), ("id_number", &new_id(2)), ("relation", "son"), ("event_type", "info_changed"), ("effective_on", "2024-01-01"), ("reason", "越权")];
            assert_eq!(post(&c, app.url(&path), &form).await.0, 404, "{}: POST {path}", app.backend());
        }
        for user in ["inspector", "helper"] {
            let (u, ucsrf) = app.login(user).await;
            let path = format!("/households/{mine}/edit");
            assert_eq!(get(&u, app.url(&path)).await.0, 403, "{}: {user} GET", app.backend());
            assert_eq!(post(&u, app.url(&path), &[("_csrf", &ucsrf), ("version", &version), ("main_fuel", "只读")]).await.0, 403, "{}: {user} POST", app.backend());
            assert_eq!(get(&u, app.url("/households/new")).await.0, 403, "{}: {user} new", app.backend());
        }
        let path = format!("/households/{mine}/edit");
        assert_eq!(post(&c, app.url(&path), &[("version", &version), ("main_fuel", "无令牌")]).await.0, 403, "{}: no CSRF token", app.backend());
        assert_eq!(post(&c, app.url(&path), &[("_csrf", "wrong"), ("version", &version), ("main_fuel", "错令牌")]).await.0, 403, "{}: wrong CSRF token", app.backend());
        assert_eq!(form_version(&app, &c, &path).await, version, "{}: nothing saved", app.backend());
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_in_a_name_is_stored_as_typed_and_shown_escaped() {
    for app in TestApp::all().await {
        let (c, csrf) = app.login("village").await;
        let id = app.household_in(&app.region_of("village").await);
        let version = form_version(&app, &c, &format!("/households/{id}/edit")).await;
        let rid = new_id(3);
        let form = [("_csrf", csrf.as_str()), ("version", &version), ("name", "<script>alert(1)</script>"), ("id_number", &rid), ("relation", "grandson")];
        let (status, location, _) = post(&c, app.url(&format!("/households/{id}/members/new")), &form).await;
        assert_eq!((status, location.as_str()), (303, format!("/households/{id}?saved=1").as_str()), "{}", app.backend());
        let (_, page) = get(&c, app.url(&format!("/households/{id}"))).await;
        let escaped = ["&lt;script&gt;alert(1)&lt;/script&gt;", "&#60;script&#62;alert(1)&#60;/script&#62;"];
        assert!(escaped.iter().any(|e| page.contains(&format!("data-label=\"姓名\">{e}</td>"))), "{}: shown escaped in the members table", app.backend());
        assert!(!page.contains("<script>alert(1)</script>"), "{}: never raw", app.backend());
        let stored = app
            .state
            .db
            .run(move |c, _| Ok(c.query_opt("SELECT name FROM member WHERE resident_id = ?", &[bangfu_store::P::Text(&rid)])?.map(|r| r[0].string())))
            .await
            .unwrap();
        assert_eq!(stored.as_deref(), Some("<script>alert(1)</script>"), "{}: stored as typed", app.backend());
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_household_an_event_and_a_move() {
    for app in TestApp::all().await {
        let region = app.region_of("village").await;
        let (c, csrf) = app.login("village").await;
        let (status, page) = get(&c, app.url("/households/new")).await;
        assert_eq!(status, 200, "{}", app.backend());
        assert!(page.contains(&format!("value=\"{region}\"")), "{}: the user's village is offered", app.backend());
        let head = new_id(4);
        let form = [("_csrf", csrf.as_str()), ("version", "0"), ("region_code", &region), ("household_type", "monitored"), ("name", "新户主"), ("id_number", &head)];
        let (status, location, body) = post(&c, app.url("/households/new"), &form).await;
        assert_eq!(status, 303, "{}: {}", app.backend(), &body[body.find("id=\"problems\"").unwrap_or(0)..][..600]);
        let new_id_path = location.split('?').next().unwrap().to_string();
        let hid: i64 = new_id_path.rsplit('/').next().unwrap().parse().unwrap();
        let (_, file) = get(&c, app.url(&new_id_path)).await;
        assert!(file.contains("新户主") && file.contains("补录") && file.contains("新建"), "{}: head, history and audit", app.backend());

        // an event that changes the type
        let version = form_version(&app, &c, &format!("/households/{hid}/events/new")).await;
        let form = [("_csrf", csrf.as_str()), ("version", &version), ("event_type", "risk_eliminated"), ("effective_on", "2025-06-30"), ("reason", "务工收入稳定"), ("type_after", "ordinary")];
        let (status, _, body) = post(&c, app.url(&format!("/households/{hid}/events/new")), &form).await;
        assert_eq!(status, 303, "{}: {body}", app.backend());
        let (_, file) = get(&c, app.url(&new_id_path)).await;
        assert!(file.contains("务工收入稳定") && file.contains("风险消除") && file.contains("一般农户"), "{}", app.backend());
        let soon = (chrono::Local::now().date_naive() + chrono::Duration::days(30)).to_string();
        let (status, _, body) = post(&c, app.url(&format!("/households/{hid}/events/new")), &[("_csrf", &csrf), ("version", &version), ("event_type", "exit"), ("effective_on", &soon), ("reason", "x")]).await;
        assert!(status == 422 && body.contains("调整日期不能晚于今天"), "{}: {status}", app.backend());

        // move a member (not a head) of another household of the village into the new one
        let r = region.clone();
        let (other, mid) = app
            .state
            .db
            .run(move |c, _| {
                let row = c.query_opt("SELECT household_id, id FROM member WHERE region_code = ? AND relation <> 'head' AND status = 'active' ORDER BY id", &[bangfu_store::P::Text(&r)])?.unwrap();
                Ok((row[0].int().unwrap(), row[1].int().unwrap()))
            })
            .await
            .unwrap();
        let (_, edit) = get(&c, app.url(&format!("/households/{hid}/edit"))).await;
        let number = field_block(&edit, "household_no").split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let move_path = format!("/households/{other}/members/{mid}/move");
        let (status, _, body) = post(&c, app.url(&move_path), &[("_csrf", &csrf), ("to_household_no", "不存在的户"), ("effective_on", "2025-07-01"), ("reason", "投亲"), ("relation", "other")]).await;
        assert!(status == 422 && body.contains("找不到"), "{}: {status}", app.backend());
        let (status, location, body) = post(&c, app.url(&move_path), &[("_csrf", &csrf), ("to_household_no", &number), ("effective_on", &chrono::Local::now().date_naive().to_string()), ("reason", "投亲"), ("relation", "other")]).await;
        assert_eq!((status, location.as_str()), (303, format!("/households/{hid}?saved=1").as_str()), "{}: {body}", app.backend());
        app.stop().await;
    }
}
