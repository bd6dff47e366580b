//! Workflow cases in the web application on SQLite and PostgreSQL: a case opened by a village cadre
//! is accepted in the browser, the deliberation step refuses a manual decision; at the township's
//! review the township approves (the case moves to the second notice), a county officer is
//! refused for the role, another township does not see the case (404), the applicant cannot
//! approve their own case, a stale form is 409 with one approval in the ledger, two simultaneous
//! API approvals give one 200 and one 409; a bulk decision of 30 cases with 3 exceptions; a new
//! definition version applies to new cases only; a bad definition and a bad holiday line are 422;
//! the dashboard and the task lists show the cases to the right people.

mod common;

use bangfu_store::P;
use bangfu_store::audit::Actor;
use bangfu_store::workflow::{cases, NewCase};
use common::{TestApp, hidden, password, prefix_of};
use reqwest::Client;
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

async fn page(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

/// Opens an identification case for a household, applied for by `applicant` within `scope_code`'s scope.
async fn open_case(app: &TestApp, applicant: &str, scope_code: &str, household: i64) -> i64 {
    let (who, code) = (applicant.to_string(), scope_code.to_string());
    app.state
        .db
        .run(move |c, _| {
            let scope = bangfu_domain::RegionScope::of(&bangfu_domain::RegionCode::parse(&code).unwrap());
            let n = NewCase { procedure: "identification".into(), household_id: Some(household), reason: "家庭收入低于标准".into(), ..Default::default() };
            Ok(cases::open(c, &Actor::new(format!("web:{who}"), "web"), &scope, &n, today())?)
        })
        .await
        .unwrap()
}

/// Puts a case at a step directly (set-up only: the earlier steps are covered elsewhere).
async fn put_at(app: &TestApp, id: i64, index: i64, key: &str) {
    let key = key.to_string();
    app.state
        .db
        .run(move |c, _| {
            c.execute("UPDATE wf_case SET step_index = ?, step_key = ?, transition_no = transition_no + 1, step_due = NULL WHERE id = ?", &[P::Int(index), P::Text(&key), P::Int(id)])?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn query_int(app: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_string();
    app.state.db.run(move |c, _| Ok(c.query_int(&sql, &[])?)).await.unwrap()
}

async fn case_row(app: &TestApp, id: i64) -> (String, String, i64) {
    app.state
        .db
        .run(move |c, _| {
            let r = c.query_opt("SELECT status, step_key, transition_no FROM wf_case WHERE id = ?", &[P::Int(id)])?.unwrap();
            Ok((r[0].string(), r[1].string(), r[2].int().unwrap()))
        })
        .await
        .unwrap()
}

/// Creates a user with a role at a region (password "<name>-pass-1").
async fn create_user(app: &TestApp, name: &str, role: bangfu_domain::Role, region: &str) {
    let (name, region) = (name.to_string(), region.to_string());
    app.state
        .db
        .run(move |c, _| {
            let actor = Actor::new("test", "test");
            let hash = bangfu_store::users::hash_password(&password(&name))?;
            let id = bangfu_store::users::create_user(c, &actor, &name, &name, &hash, false)?;
            bangfu_store::users::grant(c, &actor, id, role, &region)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn decide_form(c: &Client, app: &TestApp, csrf: &str, id: i64, fields: &[(&str, &str)]) -> (u16, String) {
    let (_, html) = page(c, app.url(&format!("/cases/{id}"))).await;
    // no form on a step the user may not decide: post what the case is at, as a stale tab would
    let t = match hidden(&html, "transition_no") {
        Some(t) => t,
        None => case_row(app, id).await.2.to_string(),
    };
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf), ("transition_no", &t)];
    form.extend_from_slice(fields);
    let r = c.post(app.url(&format!("/cases/{id}/decide"))).form(&form).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

async fn api_decide(c: &Client, app: &TestApp, csrf: &str, id: i64, body: Value) -> (u16, Value) {
    let r = c.post(app.url(&format!("/api/v1/cases/{id}/decisions"))).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cases_are_decided_in_the_browser_and_the_api_by_the_right_people() {
    for app in TestApp::all().await {
        let b = app.backend();
        let village = app.region_of("village").await;
        let township = app.region_of("township").await;
        let tprefix = prefix_of(&township);
        let outside = app.households.iter().find(|(_, r)| !r.starts_with(&tprefix)).map(|h| h.1.clone()).unwrap();
        let other_township = format!("{}000", &outside[..9]);
        create_user(&app, "township2", bangfu_domain::Role::TownshipStaff, &township).await;
        create_user(&app, "township9", bangfu_domain::Role::TownshipStaff, &other_township).await;
        let in_township: Vec<i64> = app.households.iter().filter(|(_, r)| r.starts_with(&tprefix)).map(|h| h.0).collect();
        let first = app.household_in(&village);
        let mut spare = app.households.iter().filter(|(_, r)| r.starts_with(&tprefix) && *r != village).map(|h| h.0);
        let mut vspare = app.households.iter().filter(|(_, r)| *r == village).map(|h| h.0).filter(|h| *h != first);
        assert!(in_township.len() > 40, "{b}: enough households in the township");

        // the village cadre accepts the application in the browser
        let a = open_case(&app, "village", &village, first).await;
        let (vc, vcsrf) = app.login("village").await;
        let (s, html) = page(&vc, app.url(&format!("/cases/{a}"))).await;
        assert_eq!(s, 200, "{b}");
        assert!(html.contains("村级受理申请") && html.contains("id=\"decide-form\""), "{b}: the form is offered");
        let r = {
            let (_, html) = page(&vc, app.url(&format!("/cases/{a}"))).await;
            let t = hidden(&html, "transition_no").unwrap();
            vc.post(app.url(&format!("/cases/{a}/decide"))).form(&[("_csrf", vcsrf.as_str()), ("transition_no", &t), ("decision", "approve"), ("comment", "材料齐全")]).send().await.unwrap()
        };
        assert_eq!(r.status(), 303, "{b}");
        assert_eq!(r.headers()["location"], format!("/cases/{a}?done=moved"));
        assert_eq!(case_row(&app, a).await.1, "deliberation", "{b}");
        // the deliberation step is moved by its meeting, not by a decision
        let (s, html) = decide_form(&vc, &app, &vcsrf, a, &[("decision", "approve")]).await;
        assert_eq!(s, 422, "{b}");
        assert!(html.contains("本环节是民主评议，由登记评议会议结果推进"), "{b}: {html}");
        assert!(html.contains("/deliberations/new?region="), "{b}: the page links to the deliberation");

        // at the township's review
        put_at(&app, a, 4, "township_review").await;
        let (tc, tcsrf) = app.login("township").await;
        let (_, tasks) = page(&tc, app.url("/tasks")).await;
        assert!(tasks.contains(&format!("href=\"/cases/{a}\"")), "{b}: the township has the case to do");
        let (_, vtasks) = page(&vc, app.url("/tasks")).await;
        assert!(!vtasks.contains(&format!("href=\"/cases/{a}\"")), "{b}: the village has nothing to do on it");
        let (_, dash) = page(&tc, app.url("/")).await;
        assert!(dash.contains("id=\"workflow\"") && dash.contains("乡镇审核"), "{b}: the dashboard counts open cases per step");
        // a county officer may not act on the township's step
        let (cc, ccsrf) = app.login("county").await;
        let t = case_row(&app, a).await.2;
        let (s, v) = api_decide(&cc, &app, &ccsrf, a, json!({"decision": "approve", "transition_no": t})).await;
        assert_eq!(s, 422, "{b}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("本环节由乡镇干部办理"), "{b}: {v}");
        // another township does not see it
        let (oc, ocsrf) = app.login("township9").await;
        assert_eq!(page(&oc, app.url(&format!("/cases/{a}"))).await.0, 404, "{b}");
        let (s, _) = api_decide(&oc, &app, &ocsrf, a, json!({"decision": "approve", "transition_no": t})).await;
        assert_eq!(s, 404, "{b}");
        // the township approves: on to the second notice; the same form again is stale
        let (s, v) = api_decide(&tc, &app, &tcsrf, a, json!({"decision": "approve", "transition_no": t, "comment": "同意"})).await;
        assert_eq!(s, 200, "{b}: {v}");
        assert_eq!(v["outcome"], "moved");
        assert_eq!(v["step_key"], "second_notice");
        let (t2c, t2csrf) = app.login("township2").await;
        let (s, v) = api_decide(&t2c, &app, &t2csrf, a, json!({"decision": "approve", "transition_no": t})).await;
        assert_eq!(s, 409, "{b}: {v}");
        let approvals = query_int(&app, &format!("SELECT COUNT(*) FROM wf_decision WHERE case_id = {a} AND decision = 'approve' AND step_key = 'township_review'")).await;
        assert_eq!(approvals, 1, "{b}: one approval in the ledger");
        let detail: Value = tc.get(app.url(&format!("/api/v1/cases/{a}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(detail["case"]["step_key"], "second_notice");
        assert!(detail["timeline"].as_array().unwrap().iter().any(|e| e["decision"] == "approve" && e["actor"] == "township"), "{b}: {detail}");

        // the applicant cannot approve their own application
        let own = open_case(&app, "township", &township, spare.next().unwrap()).await;
        put_at(&app, own, 4, "township_review").await;
        let (s, html) = decide_form(&tc, &app, &tcsrf, own, &[("decision", "approve")]).await;
        assert!(s == 200 || s == 422, "{b}: {s}");
        assert!(html.contains("不能审批自己提交的申请"), "{b}: the page says why");
        let t = case_row(&app, own).await.2;
        let (s, _) = api_decide(&tc, &app, &tcsrf, own, json!({"decision": "approve", "transition_no": t})).await;
        assert_eq!(s, 422, "{b}");
        // ... a colleague can; two at once: exactly one is recorded
        let race = open_case(&app, "village", &township, spare.next().unwrap()).await;
        put_at(&app, race, 4, "township_review").await;
        let t = case_row(&app, race).await.2;
        let body = json!({"decision": "approve", "transition_no": t, "comment": "同意"});
        let (r1, r2) = tokio::join!(api_decide(&tc, &app, &tcsrf, race, body.clone()), api_decide(&t2c, &app, &t2csrf, race, body.clone()));
        let mut statuses = [r1.0, r2.0];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{b}: {r1:?} {r2:?}");
        assert_eq!(query_int(&app, &format!("SELECT COUNT(*) FROM wf_decision WHERE case_id = {race} AND decision = 'approve'")).await, 1, "{b}");

        // bulk: 30 cases of the township at its review, 2 returned and 1 rejected
        let mut bulk = Vec::new();
        for _ in 0..30 {
            let id = open_case(&app, "village", &township, spare.next().expect("30 households in the township")).await;
            put_at(&app, id, 4, "township_review").await;
            bulk.push(id);
        }
        // the township's tasks offer the bulk form per village (30 cases over the township's villages)
        let (_, tasks) = page(&tc, app.url("/tasks")).await;
        assert!(tasks.contains("批量审批") && tasks.contains("/cases/bulk?procedure=identification"), "{b}");
        let (_, form) = page(&tc, app.url(&format!("/cases/bulk?procedure=identification&step=township_review&region={township}"))).await;
        for id in &bulk {
            assert!(form.contains(&format!("name=\"case\" value=\"{id}\" checked")), "{b}: case {id} on the bulk form");
        }
        let audit_before = query_int(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'wf_case'").await;
        let mut fields: Vec<(String, String)> = vec![("_csrf".into(), tcsrf.clone()), ("procedure".into(), "identification".into()), ("step".into(), "township_review".into()), ("region".into(), township.clone()), ("comment".into(), "经审核，同意。".into())];
        for id in &bulk {
            fields.push(("case".into(), id.to_string()));
            fields.push((format!("x_{id}"), String::new()));
            fields.push((format!("r_{id}"), String::new()));
        }
        let set = |fields: &mut Vec<(String, String)>, k: String, v: &str| {
            for f in fields.iter_mut().filter(|f| f.0 == k) {
                f.1 = v.to_string();
            }
        };
        set(&mut fields, format!("x_{}", bulk[0]), "return:verify");
        set(&mut fields, format!("r_{}", bulk[0]), "收入核算有误");
        set(&mut fields, format!("x_{}", bulk[1]), "return:verify");
        set(&mut fields, format!("r_{}", bulk[1]), "缺少户主签字");
        set(&mut fields, format!("x_{}", bulk[2]), "reject");
        set(&mut fields, format!("r_{}", bulk[2]), "家庭成员有财政供养人员");
        let r = tc.post(app.url("/cases/bulk")).form(&fields).send().await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        let html = r.text().await.unwrap();
        assert!(html.contains("<span class=\"n\" id=\"approved\">27</span>"), "{b}: {html}");
        assert!(html.contains("<span class=\"n\" id=\"returned\">2</span>") && html.contains("<span class=\"n\" id=\"rejected\">1</span>"), "{b}");
        for (i, id) in bulk.iter().enumerate() {
            let (status, step, _) = case_row(&app, *id).await;
            match i {
                0 | 1 => assert_eq!((status.as_str(), step.as_str()), ("open", "verify"), "{b}: {id} returned"),
                2 => assert_eq!(status, "rejected", "{b}"),
                _ => assert_eq!((status.as_str(), step.as_str()), ("open", "second_notice"), "{b}: {id} moved on"),
            }
        }
        let ids = bulk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(query_int(&app, &format!("SELECT COUNT(*) FROM wf_decision WHERE case_id IN ({ids}) AND decision IN ('approve', 'return', 'reject')")).await, 30, "{b}");
        let quoted = bulk.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(",");
        assert_eq!(query_int(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'wf_case' AND action IN ('approve', 'return', 'reject') AND entity_id IN ({quoted})")).await, 30, "{b}");
        assert!(query_int(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'wf_case'").await >= audit_before + 30);
        let report = app.state.db.run(|c, _| Ok(bangfu_store::audit::verify(c)?)).await.unwrap();
        assert!(report.is_clean(), "{b}: the audit chain verifies");
        // the API: bulk decisions with an exception returned by step key, and the task list
        let mut more = Vec::new();
        for i in 0..4 {
            // the one returned to the village's first step is of the cadre's own village
            let h = if i == 3 { vspare.next().expect("a second household in the village") } else { spare.next().unwrap() };
            let id = open_case(&app, "village", &township, h).await;
            put_at(&app, id, 4, "township_review").await;
            more.push(id);
        }
        let body = json!({"step_key": "township_review", "case_ids": more, "comment": "同意", "exceptions": [{"case_id": more[3], "decision": "return", "return_to": "accept", "reason": "材料不全"}]});
        let r = tc.post(app.url("/api/v1/cases/bulk-decisions")).header("x-csrf-token", &tcsrf).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        let v: Value = r.json().await.unwrap();
        assert_eq!((v["approved"].as_u64(), v["returned"].as_u64(), v["refused"].as_array().map(Vec::len)), (Some(3), Some(1), Some(0)), "{b}: {v}");
        assert_eq!(case_row(&app, more[3]).await.1, "accept", "{b}");
        let r = tc.post(app.url("/api/v1/cases/bulk-decisions")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}: a cookie call without the CSRF header is refused");
        let v: Value = vc.get(app.url("/api/v1/tasks")).send().await.unwrap().json().await.unwrap();
        assert!(v["items"].as_array().unwrap().iter().any(|c| c["id"] == more[3]), "{b}: the returned case waits for the village: {v}");

        // attachments: uploaded by the village, downloaded, listed; the county extends a deadline
        let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
        let form = reqwest::multipart::Form::new().text("_csrf", vcsrf.clone()).text("purpose", "签字认可书").part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("认可书.png"));
        let r = vc.post(app.url(&format!("/cases/{}/attachments", more[3]))).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let (_, html) = page(&vc, app.url(&format!("/cases/{}", more[3]))).await;
        assert!(html.contains("签字认可书") && html.contains("认可书.png"), "{b}");
        let aid = query_int(&app, &format!("SELECT MAX(id) FROM wf_attachment WHERE owner_kind = 'case' AND owner_id = {}", more[3])).await;
        let r = vc.get(app.url(&format!("/cases/{}/attachments/{aid}", more[3]))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{b}");
        assert_eq!(r.bytes().await.unwrap().to_vec(), png, "{b}");
        assert_eq!(page(&oc, app.url(&format!("/cases/{}/attachments/{aid}", more[3]))).await.0, 404, "{b}: out of scope");
        let until = (today() + chrono::Days::new(30)).to_string();
        let r = cc.post(app.url(&format!("/cases/{}/extend", more[0]))).form(&[("_csrf", ccsrf.as_str()), ("until", until.as_str()), ("reason", "公示期遇国庆假期")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let (_, html) = page(&cc, app.url(&format!("/cases/{}", more[0]))).await;
        assert!(html.contains(&until) && html.contains("公示期遇国庆假期"), "{b}");
        let r = tc.post(app.url(&format!("/cases/{}/extend", more[0]))).form(&[("_csrf", tcsrf.as_str()), ("until", until.as_str()), ("reason", "x")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{b}: only the county office extends");

        // the returned case shows the reason and the target on its timeline
        let (_, html) = page(&tc, app.url(&format!("/cases/{}", bulk[0]))).await;
        assert!(html.contains("收入核算有误") && html.contains("退回到“村级核实与数据比对”"), "{b}");

        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn definitions_get_new_versions_and_holidays_are_edited_as_text() {
    for app in TestApp::all().await {
        let b = app.backend();
        let village = app.region_of("village").await;
        let hs: Vec<i64> = app.households.iter().filter(|(_, r)| *r == village).map(|h| h.0).take(2).collect();
        let old = open_case(&app, "village", &village, hs[0]).await;
        let (cc, ccsrf) = app.login("county").await;
        let (s, list) = page(&cc, app.url("/workflow/definitions")).await;
        assert_eq!(s, 200, "{b}");
        assert!(list.contains("贫困户识别纳入") && list.contains("使用中"), "{b}");
        let v1 = query_int(&app, "SELECT id FROM flow_definition WHERE procedure = 'identification' AND region_prefix = ''").await;
        let (s, form) = page(&cc, app.url(&format!("/workflow/definitions/{v1}/edit"))).await;
        assert_eq!(s, 200, "{b}");
        assert!(form.contains("name=\"s3_notice_days\" value=\"7\""), "{b}");
        // a step without roles is refused with the step named
        let v1s = v1.to_string();
        let bad = [("_csrf", ccsrf.as_str()), ("s4_title", "乡镇审核"), ("s4_level", "township"), ("s4_policy", "any")];
        let r = cc.post(app.url(&format!("/workflow/definitions/{v1s}/edit"))).form(&bad).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert!(r.text().await.unwrap().contains("第 5 环节“乡镇审核”：请指定负责的角色"), "{b}");
        let r = cc.post(app.url(&format!("/workflow/definitions/{v1s}/edit"))).form(&[("_csrf", ccsrf.as_str()), ("use_json", "1"), ("json", "{\"procedure\": ")]).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert!(r.text().await.unwrap().contains("JSON 无法读取"), "{b}");
        // the first notice shortened to 5 days
        let good = [
            ("_csrf", ccsrf.as_str()),
            ("s3_title", "第一次公示（村内）"),
            ("s3_role", "village_cadre"),
            ("s3_role", "first_secretary"),
            ("s3_level", "village"),
            ("s3_policy", "any"),
            ("s3_notice_days", "5"),
            ("s3_forbid_self", "1"),
            ("s3_return_allowed", "1"),
        ];
        // saved installation-wide by the administrator: version 2 of the shipped definition
        let (ac, acsrf) = app.login("admin").await;
        let mut good = good.to_vec();
        good[0] = ("_csrf", acsrf.as_str());
        good.push(("prefix", ""));
        let r = ac.post(app.url(&format!("/workflow/definitions/{v1s}/edit"))).form(&good).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let (_, shown) = page(&ac, app.url(&to)).await;
        assert!(shown.contains("第 2 版") && shown.contains("办理中的案件仍按原版本办理"), "{b}");
        assert!(shown.contains("5 个自然日"), "{b}: the new version has the 5-day notice");
        let new = open_case(&app, "village", &village, hs[1]).await;
        let d_new: Value = cc.get(app.url(&format!("/api/v1/cases/{new}"))).send().await.unwrap().json().await.unwrap();
        let d_old: Value = cc.get(app.url(&format!("/api/v1/cases/{old}"))).send().await.unwrap().json().await.unwrap();
        assert_ne!(d_new["case"]["definition_id"], d_old["case"]["definition_id"], "{b}");
        assert_eq!(d_new["definition_version"], 2, "{b}: a new case follows the new version");
        assert_eq!(d_old["definition_version"], 1, "{b}: the open case keeps its version");
        let (_, old_page) = page(&cc, app.url(&format!("/cases/{old}"))).await;
        assert!(old_page.contains("第 1 版"), "{b}");
        let notice_days = query_int(&app, &format!("SELECT COUNT(*) FROM flow_definition WHERE id = {} AND body LIKE '%\"days\":5%'", d_new["case"]["definition_id"])).await;
        assert_eq!(notice_days, 1, "{b}: the new case follows the 5-day version");
        // the village cadre may not manage definitions
        let (vc, vcsrf) = app.login("village").await;
        // at the check step the checks run above the decision form (the applicant here is the cadre:
        // the step forbids deciding one's own case, so the form is not offered and the page says why)
        put_at(&app, new, 2, "verify").await;
        let (_, html) = page(&vc, app.url(&format!("/cases/{new}"))).await;
        assert!(html.contains("id=\"checks\"") && html.contains("核查结果"), "{b}: check results shown");
        assert!(html.contains("不能审批自己提交的申请"), "{b}");
        let (s, _) = decide_form(&vc, &app, &vcsrf, new, &[("decision", "approve")]).await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(page(&vc, app.url("/workflow/definitions")).await.0, 403, "{b}");

        // holidays: a bad line is named, a good list is saved
        let r = cc.post(app.url("/workflow/holidays")).form(&[("_csrf", ccsrf.as_str()), ("text", "2026-10-01~2026-10-03 国庆节\n2026-13-01 坏日期")]).send().await.unwrap();
        assert_eq!(r.status(), 422, "{b}");
        assert!(r.text().await.unwrap().contains("第 2 行"), "{b}");
        let r = cc.post(app.url("/workflow/holidays")).form(&[("_csrf", ccsrf.as_str()), ("text", "2026-12-24 县庆\n2026-12-27 调休上班")]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{b}");
        let (_, h) = page(&cc, app.url("/workflow/holidays")).await;
        assert!(h.contains("2026-12-24 县庆") && h.contains("2026-12-27 调休上班"), "{b}");
        assert!(query_int(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'holiday'").await >= 1, "{b}");

        // the case list filters by procedure and step
        let (_, list) = page(&cc, app.url("/cases?procedure=identification&step=verify&status=open")).await;
        assert!(list.contains(&format!("href=\"/cases/{new}\"")), "{b}");
        assert!(!list.contains(&format!("href=\"/cases/{old}\"")), "{b}: the old case is at another step");
        app.stop().await;
    }
}
