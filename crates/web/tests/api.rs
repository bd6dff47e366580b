//! The JSON API on SQLite and PostgreSQL: 401 as JSON, scope on every read, bearer tokens, CSRF on
//! cookie-authenticated changes, optimistic versions (409), field errors (422) and audited reveals.

mod common;

use common::{TestApp, prefix_of};
use reqwest::Client;
use serde_json::{Value, json};

async fn get(c: &Client, url: String) -> (u16, Value) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn patch(c: &Client, url: String, csrf: Option<&str>, body: Value) -> (u16, Value) {
    let mut r = c.patch(url).json(&body);
    if let Some(t) = csrf {
        r = r.header("X-CSRF-Token", t);
    }
    let r = r.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// The resident ID of someone in a household.
async fn person_of(app: &TestApp, household: i64) -> String {
    app.state
        .db
        .run(move |c, _| Ok(c.query("SELECT resident_id FROM member WHERE household_id = ? AND status = 'active' ORDER BY seq", &[bangfu_store::P::Int(household)])?[0][0].string()))
        .await
        .unwrap()
}

async fn audit_count(app: &TestApp, action: &'static str) -> i64 {
    app.state.db.run(move |c, _| Ok(c.query_int("SELECT COUNT(*) FROM audit_log WHERE action = ?", &[bangfu_store::P::Text(action)])?)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_without_a_login_get_401_as_json() {
    let app = TestApp::sqlite().await;
    let anon = TestApp::client();
    let id = app.households[0].0;
    for path in ["/api/v1/me".to_string(), "/api/v1/households".into(), format!("/api/v1/households/{id}"), "/api/v1/search?q=张".into()] {
        let (s, body) = get(&anon, app.url(&path)).await;
        assert_eq!(s, 401, "{path}");
        assert_eq!(body["error"]["code"], "unauthorized", "{path}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("登录"));
    }
    let (s, _) = patch(&anon, app.url(&format!("/api/v1/households/{id}")), None, json!({"version": 1, "fields": {}})).await;
    assert_eq!(s, 401);
    let forged = anon.get(app.url("/api/v1/me")).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(forged.status(), 401);
    let (c, _) = app.login("county").await;
    let (s, body) = get(&c, app.url("/api/v1/no-such-thing")).await;
    assert_eq!((s, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (s, doc) = get(&anon, app.url("/api/v1/openapi.json")).await;
    assert_eq!(s, 200);
    assert!(doc["paths"]["/api/v1/households/{id}"]["patch"].is_object());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_get_and_search_stay_in_the_callers_scope() {
    for app in TestApp::all().await {
        let village = prefix_of(&app.region_of("village").await);
        let inside: Vec<i64> = app.households.iter().filter(|(_, r)| r.starts_with(&village)).map(|h| h.0).collect();
        let (c, _) = app.login("village").await;
        let (s, me) = get(&c, app.url("/api/v1/me")).await;
        assert_eq!(s, 200);
        assert_eq!(me["user"]["username"], "village");
        assert_eq!(me["role"]["code"], "village_cadre");
        assert!(me["scope"]["region_code"].as_str().unwrap().starts_with(&village));
        assert!(me["capabilities"].as_array().unwrap().contains(&json!("export")));

        let (s, page) = get(&c, app.url("/api/v1/households?per_page=1000")).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["total"], inside.len(), "{}", app.backend());
        assert_eq!(page["per_page"], 100, "at most 100 per page");
        for it in page["items"].as_array().unwrap() {
            assert!(it["region_code"].as_str().unwrap().starts_with(&village), "{it}");
        }
        let (_, p2) = get(&c, app.url("/api/v1/households?per_page=2&page=2")).await;
        assert_eq!(p2["items"].as_array().unwrap().len(), 2.min(inside.len().saturating_sub(2)));

        let own = inside[0];
        let (s, h) = get(&c, app.url(&format!("/api/v1/households/{own}"))).await;
        assert_eq!(s, 200, "{h}");
        assert!(h["version"].as_i64().unwrap() >= 1);
        assert!(h["fields"]["household_no"].is_string(), "{h}");
        let m = &h["members"][0];
        assert!(m["resident_id"].as_str().unwrap().contains('*'), "masked: {m}");
        assert_eq!(m["fields"]["id_number"], m["resident_id"]);
        assert!(m["fields"]["relation"].is_string(), "labels: {m}");

        let other = app.household_outside(&village);
        let (s, body) = get(&c, app.url(&format!("/api/v1/households/{other}"))).await;
        assert_eq!((s, body["error"]["code"].as_str()), (404, Some("not_found")), "another village's household");
        let (s, _) = get(&c, app.url("/api/v1/households/not-a-number")).await;
        assert_eq!(s, 404);

        let theirs = person_of(&app, other).await;
        let (s, found) = get(&c, app.url(&format!("/api/v1/search?q={theirs}"))).await;
        assert_eq!((s, found["count"].as_u64()), (200, Some(0)), "another village's person is not found: {found}");
        let mine = person_of(&app, own).await;
        let (_, found) = get(&c, app.url(&format!("/api/v1/search?q={mine}"))).await;
        assert_eq!(found["count"], 1, "{found}");
        let hit = &found["items"][0];
        assert_eq!((hit["household_id"].as_i64(), hit["matched"].as_str()), (Some(own), Some("resident_id")));
        assert!(!hit.to_string().contains(&mine), "the ID is masked in hits");

        // the list's filters: the same total as the page
        let (c2, _) = app.login("county").await;
        let (_, all) = get(&c2, app.url("/api/v1/households")).await;
        assert_eq!(all["total"], common::HOUSEHOLDS);
        let ty = all["items"][0]["household_type"].as_str().unwrap().to_string();
        let (_, some) = get(&c2, app.url(&format!("/api/v1/households?household_type={}&per_page=100", bangfu_web::views::urlencode(&ty)))).await;
        let n = some["total"].as_u64().unwrap();
        assert!(n > 0 && n as usize <= common::HOUSEHOLDS);
        assert!(some["items"].as_array().unwrap().iter().all(|i| i["household_type"] == ty.as_str()));
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_need_csrf_with_a_cookie_a_current_version_and_valid_fields() {
    for app in TestApp::all().await {
        let (c, csrf) = app.login("county").await;
        let id = app.households[3].0;
        let url = app.url(&format!("/api/v1/households/{id}"));
        let (_, h) = get(&c, url.clone()).await;
        let v = h["version"].as_i64().unwrap();

        let (s, body) = patch(&c, url.clone(), None, json!({"version": v, "fields": {"cultivated_land": "3.5"}})).await;
        assert_eq!((s, body["error"]["code"].as_str()), (403, Some("forbidden")), "no CSRF header: {body}");
        let (s, body) = patch(&c, url.clone(), Some("forged"), json!({"version": v, "fields": {"cultivated_land": "3.5"}})).await;
        assert_eq!(s, 403, "{body}");

        let (s, saved) = patch(&c, url.clone(), Some(&csrf), json!({"version": v, "fields": {"cultivated_land": "3.5", "cause_1": "因病"}})).await;
        assert_eq!(s, 200, "{}: {saved}", app.backend());
        assert_eq!(saved["version"], v + 1);
        assert_eq!(saved["fields"]["cultivated_land"], "3.5");
        assert_eq!(saved["fields"]["cause_1"], "因病");

        let (s, stale) = patch(&c, url.clone(), Some(&csrf), json!({"version": v, "fields": {"cultivated_land": "4"}})).await;
        assert_eq!(s, 409, "{stale}");
        assert_eq!(stale["error"]["code"], "conflict");
        assert_eq!(stale["error"]["fields"]["version"], v + 1, "the current version: {stale}");
        let (_, now) = get(&c, url.clone()).await;
        assert_eq!(now["fields"]["cultivated_land"], "3.5", "nothing written on a conflict");

        let (s, bad) = patch(&c, url.clone(), Some(&csrf), json!({"version": v + 1, "fields": {"household_type": "富裕户", "cultivated_land": "很多", "nonsense": "1"}})).await;
        assert_eq!(s, 422, "{bad}");
        let f = &bad["error"]["fields"];
        assert!(f["household_type"].as_str().unwrap().contains("不是有效的户类型"), "{f}");
        assert!(f["cultivated_land"].as_str().unwrap().contains("不是非负数"), "{f}");
        assert!(f["nonsense"].as_str().unwrap().contains("没有名为"), "{f}");
        let (s, body) = patch(&c, url.clone(), Some(&csrf), json!({"version": v + 1, "fields": {"region_code": app.households.last().unwrap().1}})).await;
        assert!(s == 422 || s == 200, "{body}");
        if s == 422 {
            assert!(body["error"]["fields"]["region_code"].is_string(), "{body}");
        }

        // another scope, another role
        let village = prefix_of(&app.region_of("village").await);
        let (vc, vcsrf) = app.login("village").await;
        let other = app.household_outside(&village);
        let (s, _) = patch(&vc, app.url(&format!("/api/v1/households/{other}")), Some(&vcsrf), json!({"version": 1, "fields": {}})).await;
        assert_eq!(s, 404);
        let (hc, hcsrf) = app.login("helper").await;
        let own = app.household_in(&village);
        let (s, _) = patch(&hc, app.url(&format!("/api/v1/households/{own}")), Some(&hcsrf), json!({"version": 1, "fields": {}})).await;
        assert_eq!(s, 403, "a helper may not edit");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_works_without_csrf_and_households_can_be_created() {
    let app = TestApp::sqlite().await;
    let (c, csrf) = app.login("county").await;
    let page = c.post(app.url("/account/token")).form(&[("_csrf", csrf.as_str()), ("name", "测试")]).send().await.unwrap().text().await.unwrap();
    let start = page.find("<code>").expect("token shown") + "<code>".len();
    let token = page[start..].split('<').next().unwrap().to_string();
    let api = TestApp::client();
    let me: Value = api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!((me["user"]["username"].as_str(), me["via_api_token"].as_bool()), (Some("county"), Some(true)), "{me}");

    let id = app.households[5].0;
    let h: Value = api.get(app.url(&format!("/api/v1/households/{id}"))).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let r = api
        .patch(app.url(&format!("/api/v1/households/{id}")))
        .bearer_auth(&token)
        .json(&json!({"version": h["version"], "fields": {"helper_name": "李帮扶"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "a bearer call needs no CSRF header");
    let audited = app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM audit_log WHERE actor = 'api:county' AND action = 'update'", &[])?)).await.unwrap();
    assert!(audited >= 1, "the change is audited under api:county");

    let village = app.households[0].1.clone();
    let head = bangfu_domain::ResidentId::from_body("43109919551111961").unwrap().as_str().to_string();
    let body = json!({"fields": {"region_code": village, "household_type": "脱贫户", "cause_1": "因学"}, "members": [{"name": "周新户", "id_number": head, "relation": "户主"}]});
    let r = api.post(app.url("/api/v1/households")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["version"], 1);
    assert_eq!(created["members"][0]["fields"]["name"], "周新户");
    assert!(created["fields"]["household_no"].as_str().is_some_and(|n| !n.is_empty()), "a number is allocated");

    let bad = json!({"fields": {"region_code": village}, "members": [{"name": "错号", "id_number": "431099195511119610", "relation": "户主"}]});
    let r = api.post(app.url("/api/v1/households")).bearer_auth(&token).json(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert!(e["error"]["fields"]["members.0.id_number"].as_str().is_some_and(|m| m.contains("证件号码")), "{e}");
    // with the session cookie instead, the CSRF header is required
    let r = c.post(app.url("/api/v1/households")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 403);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_numbers_need_the_right_and_each_look_is_audited() {
    let app = TestApp::sqlite().await;
    let village = prefix_of(&app.region_of("village").await);
    let id = app.household_in(&village);
    let (helper, _) = app.login("helper").await;
    let (_, h) = get(&helper, app.url(&format!("/api/v1/households/{id}?reveal=1"))).await;
    assert_eq!(h["revealed"], false, "a helper may not reveal");
    assert!(h["members"][0]["resident_id"].as_str().unwrap().contains('*'));
    let before = audit_count(&app, "reveal").await;
    let (c, _) = app.login("village").await;
    let (_, h) = get(&c, app.url(&format!("/api/v1/households/{id}?reveal=1"))).await;
    assert_eq!(h["revealed"], true);
    let rid = h["members"][0]["resident_id"].as_str().unwrap();
    assert_eq!(rid.len(), 18);
    assert!(!rid.contains('*'));
    assert_eq!(audit_count(&app, "reveal").await, before + 1, "the look is audited");
    app.stop().await;
}
