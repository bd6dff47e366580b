//! Field work in the web application on SQLite and PostgreSQL: the visit form (multipart, with a
//! photo) records a visit that the household file then lists, and sending the same form again stores
//! nothing new; the API that the phone's offline queue posts to is idempotent by client_uuid and
//! refuses bad input with Chinese messages; photos are images only; measures are added and ended on
//! the household file and through the API; a helper records visits for their paired households only;
//! everything outside the caller's scope is 404.

mod common;

use bangfu_store::P;
use common::{TestApp, hidden, prefix_of};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

fn jpeg() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    v.resize(4096, 0x22);
    v
}

fn today() -> String {
    bangfu_store::activity::today_china().to_string()
}

/// A helper (id) paired with a household since 2025-01-01; `user` links it to a login.
async fn paired_helper(app: &TestApp, id: i64, name: &'static str, household: i64, user: Option<&'static str>) {
    app.state
        .db
        .run(move |c, _| {
            let region = c.query("SELECT region_code FROM household WHERE id = ?", &[P::Int(household)])?[0][0].string();
            let user_id = match user {
                Some(u) => Some(bangfu_store::users::find_user(c, u)?.unwrap().id),
                None => None,
            };
            c.execute(
                "INSERT INTO helper (id, name, kind, region_code, user_id, status, created_at, updated_at, version) VALUES (?, ?, 'cadre', ?, ?, 'active', 'x', 'x', 1)",
                &[P::Int(id), P::Text(name), P::Text(&region[..6]), user_id.map(P::Int).unwrap_or(P::Null)],
            )?;
            c.execute(
                "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, region_code, started_on, status, plan_goal, created_at, updated_at, version) \
                 VALUES (?, 'helper_household', 'helper', ?, 'household', ?, ?, ?, 'active', '稳定增收', 'x', 'x', 1)",
                &[P::Int(id), P::Int(id), P::Int(household), P::Text(&region), P::Date(chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap())],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    app.state.db.run(move |c, _| Ok(c.query_int(sql, &[])?)).await.unwrap()
}

fn visit_form(csrf: &str, uuid: &str, household: i64, helper: i64) -> Form {
    Form::new()
        .text("_csrf", csrf.to_string())
        .text("client_uuid", uuid.to_string())
        .text("household_id", household.to_string())
        .text("occurred_on", today())
        .text("start_time", "09:00")
        .text("end_time", "10:00")
        .text("helper", helper.to_string())
        .text("checked", "guarantees")
        .text("checked", "income")
        .text("problems", "屋顶漏雨")
        .text("help_given", "联系危房改造")
        .text("money", "200")
        .part("photo", Part::bytes(jpeg()).file_name("a.jpg").mime_str("image/jpeg").unwrap())
}

#[tokio::test]
async fn the_visit_form_records_a_visit_once_and_the_household_file_lists_it() {
    for app in TestApp::all().await {
        let b = app.backend();
        let region = app.region_of("village").await;
        let hh = app.household_in(&prefix_of(&region));
        paired_helper(&app, 1, "张帮扶", hh, None).await;
        let (c, csrf) = app.login("village").await;
        let page = c.get(app.url(&format!("/visits/new?household={hh}"))).send().await.unwrap();
        assert_eq!(page.status(), 200, "{b}");
        let html = page.text().await.unwrap();
        assert!(html.contains("/assets/visit.js") && html.contains("张帮扶") && html.contains("data-visit-form"), "{b}");
        let uuid = hidden(&html, "client_uuid").expect("client_uuid");
        assert_eq!(uuid.len(), 32, "{b}");

        let r = c.post(app.url("/visits")).multipart(visit_form(&csrf, &uuid, hh, 1)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let to = location(&r);
        assert!(to.starts_with("/activities/") && to.ends_with("?saved=1"), "{b}: {to}");
        // the same form again (a double tap, a resend): the same record, nothing new
        let again = c.post(app.url("/visits")).multipart(visit_form(&csrf, &uuid, hh, 1)).send().await.unwrap();
        assert_eq!(location(&again), to, "{b}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM activity").await, 1, "{b}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM activity_photo").await, 1, "{b}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM activity WHERE money = 20000 AND checked = 'guarantees,income'").await, 1, "{b}");

        let shown = c.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
        assert!(shown.contains("id=\"activity-saved\"") && shown.contains("屋顶漏雨") && shown.contains("/activity-photos/"), "{b}");
        let id: i64 = to.trim_start_matches("/activities/").trim_end_matches("?saved=1").parse().unwrap();
        let file = c.get(app.url(&format!("/households/{hh}"))).send().await.unwrap().text().await.unwrap();
        assert!(file.contains("id=\"visit-list\"") && file.contains(&format!("data-activity=\"{id}\"")), "{b}");
        assert!(file.contains("id=\"record-visit\"") && file.contains("张帮扶") && file.contains("稳定增收"), "{b}");

        // a visit dated tomorrow comes back to the form with the message and what was typed
        let tomorrow = (bangfu_store::activity::today_china() + chrono::Duration::days(1)).to_string();
        let form = visit_form(&csrf, "f".repeat(32).as_str(), hh, 1).text("occurred_on", tomorrow);
        let r = c.post(app.url("/visits")).multipart(form).send().await.unwrap();
        // the later occurred_on wins in the form reader
        assert_eq!(r.status(), 422, "{b}");
        let html = r.text().await.unwrap();
        assert!(html.contains("晚于今天") && html.contains("屋顶漏雨"), "{b}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM activity").await, 1, "{b}");
        // the helper's month
        let list = c.get(app.url(&format!("/activities?helper=1&month={}", &today()[..7]))).send().await.unwrap().text().await.unwrap();
        assert!(list.contains(&format!("data-activity=\"{id}\"")), "{b}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_api_is_idempotent_by_client_uuid_and_refuses_bad_visits() {
    for app in TestApp::all().await {
        let b = app.backend();
        let region = app.region_of("village").await;
        let hh = app.household_in(&prefix_of(&region));
        paired_helper(&app, 1, "张帮扶", hh, None).await;
        let (c, csrf) = app.login("village").await;
        let body = json!({"kind": "visit", "household_id": hh, "helper_ids": [1], "occurred_on": today(), "checked": ["needs"], "problems": "缺劳力",
                          "money": 5000, "latitude": 28.123456, "longitude": 109.654321, "client_uuid": "queued-entry-0001"});
        let post = |body: Value| c.post(app.url("/api/v1/activities")).header("x-csrf-token", csrf.clone()).json(&body).send();
        let r = post(body.clone()).await.unwrap();
        assert_eq!(r.status(), 201, "{b}");
        let first: Value = r.json().await.unwrap();
        // the offline queue resends after a lost answer: the first one's id, nothing new
        let r = post(body.clone()).await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        let again: Value = r.json().await.unwrap();
        assert_eq!((again["id"].clone(), again["duplicate"].clone()), (first["id"].clone(), json!(true)), "{b}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM activity").await, 1, "{b}");

        // the same visit by another entry of the same helper: refused, pointing to the first
        let mut dup = body.clone();
        dup["client_uuid"] = json!("queued-entry-0002");
        let r = post(dup).await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["message"].as_str().unwrap().contains(&format!("记录 {}", first["id"])), "{b}: {e}");
        // a future date
        let mut future = body.clone();
        future["client_uuid"] = json!("queued-entry-0003");
        future["occurred_on"] = json!((bangfu_store::activity::today_china() + chrono::Duration::days(2)).to_string());
        let r = post(future).await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert!(r.text().await.unwrap().contains("晚于今天"), "{b}");
        // no CSRF header with a cookie session
        let r = c.post(app.url("/api/v1/activities")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");

        // reading back, by household and by helper and month
        let got: Value = c.get(app.url(&format!("/api/v1/activities?household={hh}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(got["total"], 1, "{b}");
        let item = &got["items"][0];
        assert_eq!((item["money"].clone(), item["helpers"][0]["name"].clone(), item["latitude"].clone()), (json!(5000), json!("张帮扶"), json!(28.123456)), "{b}");
        let month = &today()[..7];
        let got: Value = c.get(app.url(&format!("/api/v1/activities?helper=1&month={month}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(got["total"], 1, "{b}");
        let r = c.get(app.url("/api/v1/activities?month=2026-13")).send().await.unwrap();
        assert_eq!(r.status(), 400, "{b}");

        // a training for the village, through the generic form
        let village = region.clone();
        let page = c.get(app.url("/activities/new?kind=training")).send().await.unwrap().text().await.unwrap();
        let uuid = hidden(&page, "client_uuid").unwrap();
        let form = [
            ("_csrf", csrf.as_str()),
            ("client_uuid", uuid.as_str()),
            ("kind", "training"),
            ("village", village.as_str()),
            ("occurred_on", &today()),
            ("helpers", "1"),
            ("title", "电商培训"),
            ("level", "县培"),
            ("sessions", "1"),
            ("participants", "30"),
            ("person_times", "30"),
        ];
        let r = c.post(app.url("/activities")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let bad = [("_csrf", csrf.as_str()), ("client_uuid", "x2"), ("kind", "training"), ("village", village.as_str()), ("occurred_on", &today()), ("title", "电商培训")];
        let r = c.post(app.url("/activities")).form(&bad).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert!(r.text().await.unwrap().contains("级别"), "{b}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM activity WHERE kind = 'training'").await, 1, "{b}");
        app.stop().await;
    }
}

#[tokio::test]
async fn photos_are_images_under_5_mb() {
    for app in TestApp::all().await {
        let b = app.backend();
        let region = app.region_of("village").await;
        let hh = app.household_in(&prefix_of(&region));
        paired_helper(&app, 1, "张帮扶", hh, None).await;
        let (c, csrf) = app.login("village").await;
        let r = c
            .post(app.url("/api/v1/activities"))
            .header("x-csrf-token", csrf.clone())
            .json(&json!({"household_id": hh, "helper_ids": [1], "occurred_on": today(), "client_uuid": "photo-test"}))
            .send()
            .await
            .unwrap();
        let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let upload = |bytes: Vec<u8>| {
            c.post(app.url(&format!("/api/v1/activities/{id}/photos")))
                .header("x-csrf-token", csrf.clone())
                .multipart(Form::new().part("photo", Part::bytes(bytes).file_name("p.jpg")))
                .send()
        };
        let r = upload(b"%PDF-1.4 not a photo".to_vec()).await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert!(r.text().await.unwrap().contains("不是照片"), "{b}");
        let mut big = jpeg();
        big.resize(6 * 1024 * 1024, 0);
        let r = upload(big).await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert!(r.text().await.unwrap().contains("5 MB"), "{b}");
        let r = upload(jpeg()).await.unwrap();
        assert_eq!(r.status(), 201, "{b}");
        let pid = r.json::<Value>().await.unwrap()["ids"][0].as_i64().unwrap();
        let r = c.get(app.url(&format!("/activity-photos/{pid}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        assert_eq!(r.headers()["content-type"], "image/jpeg", "{b}");
        assert_eq!(r.bytes().await.unwrap().to_vec(), jpeg(), "{b}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM activity_photo").await, 1, "{b}");
        app.stop().await;
    }
}

#[tokio::test]
async fn measures_are_added_and_ended_on_the_household_file_and_through_the_api() {
    for app in TestApp::all().await {
        let b = app.backend();
        let region = app.region_of("village").await;
        let hh = app.household_in(&prefix_of(&region));
        let (c, csrf) = app.login("village").await;
        let form = [("_csrf", csrf.as_str()), ("kind", "industry"), ("started_on", "2025-03-01"), ("description", "发放鸡苗 200 羽"), ("amount", "3000")];
        let r = c.post(app.url(&format!("/households/{hh}/measures"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let file = c.get(app.url(&format!("/households/{hh}"))).send().await.unwrap().text().await.unwrap();
        assert!(file.contains("id=\"measure-list\"") && file.contains("发放鸡苗 200 羽") && file.contains("产业帮扶"), "{b}");
        let mid = count(&app, "SELECT MAX(id) FROM assistance_measure").await;
        let r = c.post(app.url(&format!("/measures/{mid}/end"))).form(&[("_csrf", csrf.as_str()), ("ended_on", "2025-12-31")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");

        let list: Value = c.get(app.url(&format!("/api/v1/households/{hh}/measures"))).send().await.unwrap().json().await.unwrap();
        assert_eq!((list[0]["kind"].clone(), list[0]["ended_on"].clone(), list[0]["amount"].clone()), (json!("industry"), json!("2025-12-31"), json!(300000)), "{b}");
        let r = c
            .post(app.url(&format!("/api/v1/households/{hh}/measures")))
            .header("x-csrf-token", csrf.clone())
            .json(&json!({"kind": "低保", "started_on": "2024-01-01"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{b}");
        let r = c
            .post(app.url(&format!("/api/v1/households/{hh}/measures")))
            .header("x-csrf-token", csrf.clone())
            .json(&json!({"kind": "magic", "started_on": "2024-01-01"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'assistance_measure'").await, 3, "{b}");
        // a read-only role may not add measures
        let (h, hcsrf) = app.login("inspector").await;
        let r = h.post(app.url(&format!("/households/{hh}/measures"))).form(&[("_csrf", hcsrf.as_str()), ("kind", "industry"), ("started_on", "2025-03-01")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_helper_records_visits_for_their_paired_households_only() {
    for app in TestApp::all().await {
        let b = app.backend();
        let region = app.region_of("helper").await;
        let prefix = prefix_of(&region);
        let mine = app.household_in(&prefix);
        let other = app.households.iter().find(|(id, r)| r.starts_with(&prefix) && *id != mine).map(|h| h.0).unwrap();
        paired_helper(&app, 7, "王帮扶", mine, Some("helper")).await;
        let (c, csrf) = app.login("helper").await;
        let r = c.get(app.url(&format!("/visits/new?household={mine}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        let post = |hh: i64, uuid: &str| {
            c.post(app.url("/api/v1/activities")).header("x-csrf-token", csrf.clone()).json(&json!({"household_id": hh, "occurred_on": today(), "client_uuid": uuid})).send()
        };
        let r = post(mine, "helper-1").await.unwrap();
        assert_eq!(r.status(), 201, "{b}");
        let got: Value = c.get(app.url(&format!("/api/v1/activities?household={mine}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(got["items"][0]["helpers"][0]["name"], "王帮扶", "{b}");
        // a household they are not paired with
        let r = post(other, "helper-2").await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        let r = c.get(app.url(&format!("/visits/new?household={other}"))).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}");
        // their own list by default
        let list = c.get(app.url("/activities")).send().await.unwrap().text().await.unwrap();
        assert!(list.contains("王帮扶"), "{b}");
        app.stop().await;
    }
}

#[tokio::test]
async fn everything_outside_the_scope_is_404() {
    for app in TestApp::all().await {
        let b = app.backend();
        let region = app.region_of("village").await;
        let prefix = prefix_of(&region);
        let theirs = app.household_outside(&prefix);
        paired_helper(&app, 1, "张帮扶", theirs, None).await;
        // the county records a visit and a measure elsewhere
        let (county, ccsrf) = app.login("county").await;
        let r = county
            .post(app.url("/api/v1/activities"))
            .header("x-csrf-token", ccsrf.clone())
            .json(&json!({"household_id": theirs, "helper_ids": [1], "occurred_on": today(), "client_uuid": "county-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{b}");
        let aid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let r = county
            .post(app.url(&format!("/api/v1/activities/{aid}/photos")))
            .header("x-csrf-token", ccsrf.clone())
            .multipart(Form::new().part("photo", Part::bytes(jpeg()).file_name("p.jpg")))
            .send()
            .await
            .unwrap();
        let pid = r.json::<Value>().await.unwrap()["ids"][0].as_i64().unwrap();

        let (c, csrf) = app.login("village").await;
        for path in [format!("/visits/new?household={theirs}"), format!("/activities/{aid}"), format!("/activity-photos/{pid}"), format!("/api/v1/households/{theirs}/measures")] {
            let r = c.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{b}: {path}");
        }
        let r = c
            .post(app.url("/api/v1/activities"))
            .header("x-csrf-token", csrf.clone())
            .json(&json!({"household_id": theirs, "helper_ids": [1], "occurred_on": today(), "client_uuid": "village-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{b}");
        let r = c
            .post(app.url(&format!("/api/v1/activities/{aid}/photos")))
            .header("x-csrf-token", csrf.clone())
            .multipart(Form::new().part("photo", Part::bytes(jpeg()).file_name("p.jpg")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{b}");
        let r = c.post(app.url(&format!("/households/{theirs}/measures"))).form(&[("_csrf", csrf.as_str()), ("kind", "industry"), ("started_on", "2025-03-01")]).send().await.unwrap();
        assert_eq!(r.status(), 404, "{b}");
        // the uuid of a record elsewhere cannot be used to read it back
        let r = c
            .post(app.url("/api/v1/activities"))
            .header("x-csrf-token", csrf.clone())
            .json(&json!({"household_id": app.household_in(&prefix), "helper_ids": [1], "occurred_on": today(), "client_uuid": "county-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{b}");
        let got: Value = c.get(app.url("/api/v1/activities")).send().await.unwrap().json().await.unwrap();
        assert_eq!(got["total"], 0, "{b}");
        app.stop().await;
    }
}
