//! Public notices over HTTP on every backend: a village cadre posts a notice from the form; the
//! public page works without login, takes an objection and gives a reference; a township officer
//! resolves it from the notice page and the public lookup shows the outcome; the A4 print page
//! carries the QR code and the names but no ID numbers or phones; the 6th objection from one client
//! within the hour is 429 while the page still works; closing is refused with its reasons.

mod common;

use bangfu_domain::workflow::engine::Outcome;
use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::audit::Actor;
use bangfu_store::workflow::advance::{apply_moves, Move};
use bangfu_store::workflow::{cases, NewCase};
use bangfu_store::P;
use common::{hidden, prefix_of, TestApp};

/// Opens identification cases for up to `n` households of the village user's village (applicant:
/// someone else) and moves them to the first notice; returns (village, case ids, household ids).
async fn cases_at_notice(app: &TestApp, n: usize, step: usize) -> (String, Vec<i64>, Vec<i64>) {
    let village = app.region_of("village").await;
    let households: Vec<i64> = app.households.iter().filter(|(_, r)| r.starts_with(&prefix_of(&village))).map(|h| h.0).take(n).collect();
    assert!(!households.is_empty());
    let (v, hh) = (village.clone(), households.clone());
    let ids = app
        .state
        .db
        .run(move |c, keys| {
            let mut ids = Vec::new();
            let actor = Actor::new("web:applicant", "web");
            for h in hh {
                c.execute("UPDATE household SET household_type = 'ordinary' WHERE id = ?", &[P::Int(h)])?;
                let nc = NewCase { procedure: "identification".into(), household_id: Some(h), item: Some("纳入贫困户".into()), reason: "因病致贫".into(), ..Default::default() };
                let id = cases::open(c, &actor, &RegionScope::of(&RegionCode::parse(&v).unwrap()), &nc, chrono::Local::now().date_naive())?;
                let f = cases::file(c, &RegionScope::all(), id)?.unwrap();
                let m = Move { case_id: id, region_code: f.case.region_code.clone(), household_id: Some(h), title: f.case.title.clone(), outcome: Outcome::MoveTo(step) };
                apply_moves(c, &actor, keys, &f.definition, &[m], chrono::Local::now().date_naive())?;
                ids.push(id);
            }
            Ok(ids)
        })
        .await
        .unwrap();
    (village, ids, households)
}

/// The village cadre posts the notice through the form; returns (notice id, public code).
async fn post_notice(app: &TestApp, village: &str, ids: &[i64]) -> (i64, String) {
    let (c, csrf) = app.login("village").await;
    let list = c.get(app.url("/notices")).send().await.unwrap().text().await.unwrap();
    let link = format!("/notices/new?procedure=identification&#38;step=first_notice&#38;region={village}");
    assert!(list.contains(&link) && list.contains("张贴公示"), "the list offers the waiting cases: {list}");
    let form = c.get(app.url(&link.replace("&#38;", "&"))).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("第一次公示") && html.contains("村委会公示栏"), "prefilled form");
    let today = chrono::Local::now().date_naive().to_string();
    let mut fields: Vec<(&str, String)> = vec![
        ("_csrf", csrf.clone()),
        ("procedure", "identification".into()),
        ("step_key", "first_notice".into()),
        ("region_code", village.into()),
        ("title", "2026 年贫困户识别第一次公示".into()),
        ("place", "村委会公示栏".into()),
        ("starts_on", today),
        ("contact", "乡扶贫办 0731-1234567".into()),
    ];
    for id in ids {
        fields.push(("case", id.to_string()));
    }
    let r = c.post(app.url("/notices")).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}: {}", app.backend(), r.text().await.unwrap_or_default());
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/notices/").split('?').next().unwrap().parse().unwrap();
    let code = app.state.db.run(move |c, _| Ok(c.query("SELECT public_code FROM wf_notice WHERE id = ?", &[P::Int(id)])?[0][0].string())).await.unwrap();
    (id, code)
}

async fn lodge(app: &TestApp, c: &reqwest::Client, code: &str, case_id: Option<i64>) -> reqwest::Response {
    let page = c.get(app.url(&format!("/g/{code}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = hidden(&page.text().await.unwrap(), "_csrf").expect("public csrf");
    let case = case_id.map(|c| c.to_string()).unwrap_or_default();
    c.post(app.url(&format!("/g/{code}"))).form(&[("_csrf", csrf.as_str()), ("name", "李四"), ("phone", "13812345678"), ("case_id", case.as_str()), ("reason", "该户家里新盖了楼房")]).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_villager_objects_without_login_and_looks_up_the_townships_resolution() {
    for app in TestApp::all().await {
        let (village, ids, households) = cases_at_notice(&app, 2, 3).await;
        let (id, code) = post_notice(&app, &village, &ids).await;
        let head = households[0];
        let head_name = app.state.db.run(move |c, _| Ok(c.query("SELECT name FROM member WHERE household_id = ? AND relation = 'head'", &[P::Int(head)])?[0][0].string())).await.unwrap();

        // no login: the notice as printed, with the form
        let anon = TestApp::client();
        let page = anon.get(app.url(&format!("/g/{code}"))).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("2026 年贫困户识别第一次公示") && html.contains(&head_name) && html.contains("公示中") && html.contains("objection-form"), "{html}");
        // a form without its cookie is refused
        let bare = TestApp::client().post(app.url(&format!("/g/{code}"))).form(&[("_csrf", "x"), ("name", "李四"), ("phone", "13812345678"), ("reason", "x")]).send().await.unwrap();
        assert_eq!(bare.status(), 403);
        let bad = {
            let page = anon.get(app.url(&format!("/g/{code}"))).send().await.unwrap().text().await.unwrap();
            let csrf = hidden(&page, "_csrf").unwrap();
            anon.post(app.url(&format!("/g/{code}"))).form(&[("_csrf", csrf.as_str()), ("name", "李四"), ("phone", "12345"), ("reason", "x")]).send().await.unwrap()
        };
        assert_eq!(bad.status(), 422);
        assert!(bad.text().await.unwrap().contains("11 位手机号码"));
        let r = lodge(&app, &anon, &code, Some(ids[0])).await;
        assert_eq!(r.status(), 303);
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        assert!(loc.starts_with("/g/r?ref="), "{loc}");
        let done = anon.get(app.url(&loc)).send().await.unwrap().text().await.unwrap();
        let reference = loc.trim_start_matches("/g/r?ref=").split('&').next().unwrap().to_string();
        assert!(done.contains("异议已提交") && done.contains(&reference) && done.contains("待核实"), "{done}");

        // the village cadre cannot close it: period, objection and photo
        let (vc, vcsrf) = app.login("village").await;
        let refused = vc.post(app.url(&format!("/notices/{id}/close"))).form(&[("_csrf", vcsrf.as_str())]).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        let text = refused.text().await.unwrap();
        assert!(text.contains("届满后才能结束公示") && text.contains("还有 1 条异议未处理") && text.contains("请先上传公示张贴照片"), "{text}");

        // the township resolves it from the notice page
        let (tc, tcsrf) = app.login("township").await;
        let notice_page = tc.get(app.url(&format!("/notices/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(notice_page.contains(&reference) && notice_page.contains("138****5678") && !notice_page.contains("13812345678"), "masked phone");
        let oid: i64 = app.state.db.run(|c, _| Ok(c.query("SELECT id FROM wf_objection", &[])?[0][0].int().unwrap())).await.unwrap();
        assert!(notice_page.contains(&format!("/objections/{oid}/resolve")), "resolve form on the notice page");
        // the full phone only on request, audited
        let revealed = tc.post(app.url(&format!("/notices/{id}/reveal"))).form(&[("_csrf", tcsrf.as_str())]).send().await.unwrap().text().await.unwrap();
        assert!(revealed.contains("13812345678"));
        let audited = app.state.db.run(move |c, _| Ok(c.query_int("SELECT COUNT(*) FROM audit_log WHERE entity = 'wf_notice' AND action = 'reveal' AND entity_id = ?", &[P::Text(&id.to_string())])?)).await.unwrap();
        assert_eq!(audited, 1);
        let back = format!("/notices/{id}");
        let r = tc
            .post(app.url(&format!("/objections/{oid}/resolve")))
            .form(&[("_csrf", tcsrf.as_str()), ("verification", "入户核实，楼房为其兄弟所有"), ("upheld", "0"), ("outcome_reason", "楼房不属于该户，异议不成立"), ("version", "1"), ("back", back.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], format!("/notices/{id}?done=resolved").as_str());
        let looked = anon.get(app.url(&format!("/g/r?ref={reference}"))).send().await.unwrap().text().await.unwrap();
        assert!(looked.contains("异议不成立") && looked.contains("楼房不属于该户") && !looked.contains("入户核实") && !looked.contains("李四"), "{looked}");

        // unknown codes: a Chinese 404
        let missing = anon.get(app.url("/g/ZZZZZZZZ")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        assert!(missing.text().await.unwrap().contains("找不到这份公示"));
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_print_page_has_the_qr_code_and_names_but_no_id_numbers_or_phones() {
    for app in TestApp::all().await {
        let (village, ids, households) = cases_at_notice(&app, 2, 3).await;
        let (id, code) = post_notice(&app, &village, &ids).await;
        let (c, _) = app.login("village").await;
        let r = c.get(app.url(&format!("/notices/{id}/print"))).header("host", "notice.example.cn").send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("<svg") && html.contains(&format!("http://notice.example.cn/g/{code}")), "QR and short URL");
        assert!(html.contains("@page") && html.contains("公示时间：") && html.contains("至") && html.contains("序号"));
        let hh = households.clone();
        let (names, secrets) = app
            .state
            .db
            .run(move |c, keys| {
                let mut names = Vec::new();
                let mut secrets = Vec::new();
                for h in hh {
                    names.push(c.query("SELECT name FROM member WHERE household_id = ? AND relation = 'head'", &[P::Int(h)])?[0][0].string());
                    for r in c.query("SELECT resident_id, id_number FROM member WHERE household_id = ?", &[P::Int(h)])? {
                        secrets.push(r[0].string());
                        if let Some(t) = r[1].text() {
                            secrets.push(t.to_string());
                        }
                    }
                    for r in c.query("SELECT phone FROM household WHERE id = ?", &[P::Int(h)])? {
                        if let Some(b) = r[0].bytes() {
                            secrets.push(keys.open(b)?);
                        }
                    }
                }
                Ok((names, secrets))
            })
            .await
            .unwrap();
        for n in &names {
            assert!(html.contains(n.as_str()), "the head's name {n} is printed");
        }
        assert!(secrets.iter().filter(|s| s.len() >= 6).count() >= 2, "fixtures have ID numbers");
        for s in secrets.iter().filter(|s| s.len() >= 6) {
            assert!(!html.contains(s.as_str()), "{s} must not be printed");
        }
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_objection_within_the_hour_is_429_and_the_page_still_works() {
    for app in TestApp::all().await {
        let (village, ids, _) = cases_at_notice(&app, 1, 3).await;
        let (_, code) = post_notice(&app, &village, &ids).await;
        let anon = TestApp::client();
        for i in 0..5 {
            assert_eq!(lodge(&app, &anon, &code, None).await.status(), 303, "objection {i}");
        }
        let sixth = lodge(&app, &anon, &code, None).await;
        assert_eq!(sixth.status(), 429);
        assert!(sixth.text().await.unwrap().contains("提交过于频繁，请稍后再试，或直接联系村委会"));
        assert_eq!(anon.get(app.url(&format!("/g/{code}"))).send().await.unwrap().status(), 200);
        assert_eq!(TestApp::client().get(app.url(&format!("/g/{code}"))).send().await.unwrap().status(), 200);
        let n = app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM wf_objection", &[])?)).await.unwrap();
        assert_eq!(n, 5);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_county_publishes_the_announcement_and_the_household_becomes_poor() {
    for app in TestApp::all().await {
        let (village, ids, households) = cases_at_notice(&app, 1, 7).await;
        let (c, csrf) = app.login("county").await;
        let form = c.get(app.url(&format!("/notices/new?case={}", ids[0]))).send().await.unwrap().text().await.unwrap();
        assert!(form.contains("发布公告") && form.contains("name=\"announcement\""), "announcement form");
        let today = chrono::Local::now().date_naive().to_string();
        let fields = [
            ("_csrf", csrf.as_str()),
            ("procedure", "identification"),
            ("step_key", "announcement"),
            ("region_code", village.as_str()),
            ("announcement", "1"),
            ("title", "2026 年贫困户识别公告"),
            ("place", "村委会公示栏"),
            ("starts_on", today.as_str()),
            ("contact", "县扶贫办"),
            ("case", &ids[0].to_string()),
        ];
        let r = c.post(app.url("/notices")).form(&fields).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
        let h = households[0];
        let t = app.state.db.run(move |c, _| Ok(c.query("SELECT household_type FROM household WHERE id = ?", &[P::Int(h)])?[0][0].string())).await.unwrap();
        assert_eq!(t, "poor", "{}", app.backend());
        let code = app.state.db.run(|c, _| Ok(c.query("SELECT public_code FROM wf_notice", &[])?[0][0].string())).await.unwrap();
        let public = TestApp::client().get(app.url(&format!("/g/{code}"))).send().await.unwrap().text().await.unwrap();
        assert!(public.contains("公告") && !public.contains("objection-form"));
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_lists_notices_refuses_an_early_close_and_resolves_an_objection() {
    for app in TestApp::all().await {
        let (village, ids, _) = cases_at_notice(&app, 1, 3).await;
        let (id, code) = post_notice(&app, &village, &ids).await;
        assert_eq!(lodge(&app, &TestApp::client(), &code, None).await.status(), 303);
        let (c, csrf) = app.login("township").await;
        let list: serde_json::Value = c.get(app.url("/api/v1/notices?status=posted")).send().await.unwrap().json().await.unwrap();
        let row = list.as_array().unwrap().iter().find(|n| n["id"] == id).expect("the notice is listed");
        assert_eq!((row["open_objections"].as_i64(), row["items"].as_i64(), row["public_code"].as_str()), (Some(1), Some(1), Some(code.as_str())));
        let one: serde_json::Value = c.get(app.url(&format!("/api/v1/notices/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(one["objections"][0]["phone"], "138****5678");
        assert!(one["close_refusals"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("还有 1 条异议未处理")));
        let oid = one["objections"][0]["id"].as_i64().unwrap();
        let early = c.post(app.url(&format!("/api/v1/notices/{id}/close"))).header("X-CSRF-Token", &csrf).send().await.unwrap();
        assert_eq!(early.status(), 422);
        let no_reason = c.post(app.url(&format!("/api/v1/objections/{oid}/resolve"))).header("X-CSRF-Token", &csrf).json(&serde_json::json!({"verification": "核实", "upheld": false, "outcome_reason": ""})).send().await.unwrap();
        assert_eq!(no_reason.status(), 422);
        let upheld = c
            .post(app.url(&format!("/api/v1/objections/{oid}/resolve")))
            .header("X-CSRF-Token", &csrf)
            .json(&serde_json::json!({"verification": "入户核实：有小轿车", "upheld": true, "outcome_reason": "不符合识别标准", "case_id": ids[0]}))
            .send()
            .await
            .unwrap();
        assert_eq!(upheld.status(), 200, "{}", app.backend());
        let o: serde_json::Value = upheld.json().await.unwrap();
        assert_eq!(o["status"], "upheld");
        let case = ids[0];
        let step = app.state.db.run(move |c, _| Ok(c.query("SELECT step_key FROM wf_case WHERE id = ?", &[P::Int(case)])?[0][0].string())).await.unwrap();
        assert_eq!(step, "deliberation", "the case went back to the deliberation");
        app.stop().await;
    }
}

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_village_uploads_the_photo_records_a_verbal_objection_and_closes_after_the_period() {
    for app in TestApp::all().await {
        let (village, ids, _) = cases_at_notice(&app, 1, 3).await;
        let (id, _) = post_notice(&app, &village, &ids).await;
        let (c, csrf) = app.login("village").await;
        // another village's cadre does not see it
        let (other, _) = app.login("village2").await;
        assert_eq!(other.get(app.url(&format!("/notices/{id}"))).send().await.unwrap().status(), 404);
        assert_eq!(other.get(app.url(&format!("/notices/{id}/print"))).send().await.unwrap().status(), 404);

        let form = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).part("file", reqwest::multipart::Part::bytes(JPEG.to_vec()).file_name("张贴.jpg").mime_str("image/jpeg").unwrap());
        let r = c.post(app.url(&format!("/notices/{id}/photos"))).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
        let page = c.get(app.url(&format!("/notices/{id}"))).send().await.unwrap().text().await.unwrap();
        let aid: i64 = app.state.db.run(|c, _| Ok(c.query("SELECT id FROM wf_attachment WHERE owner_kind = 'notice'", &[])?[0][0].int().unwrap())).await.unwrap();
        assert!(page.contains(&format!("<img src=\"/notices/{id}/photos/{aid}\"")), "thumbnail");
        let photo = c.get(app.url(&format!("/notices/{id}/photos/{aid}"))).send().await.unwrap();
        assert_eq!(photo.headers()["content-type"], "image/jpeg");
        assert_eq!(photo.bytes().await.unwrap().as_ref(), JPEG);
        let not_a_photo = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).part("file", reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("a.txt"));
        assert_eq!(c.post(app.url(&format!("/notices/{id}/photos"))).multipart(not_a_photo).send().await.unwrap().status(), 422);

        // a verbal objection recorded by the cadre: no client limit, source official
        let case = ids[0].to_string();
        let r = c
            .post(app.url(&format!("/notices/{id}/objections")))
            .form(&[("_csrf", csrf.as_str()), ("name", "王五"), ("phone", "13900001111"), ("case_id", case.as_str()), ("reason", "电话反映：该户有经营性收入")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let source = app.state.db.run(|c, _| Ok(c.query("SELECT source FROM wf_objection", &[])?[0][0].string())).await.unwrap();
        assert_eq!(source, "official");
        let (t, tcsrf) = app.login("township").await;
        let oid: i64 = app.state.db.run(|c, _| Ok(c.query("SELECT id FROM wf_objection", &[])?[0][0].int().unwrap())).await.unwrap();
        let r = t
            .post(app.url(&format!("/objections/{oid}/resolve")))
            .form(&[("_csrf", tcsrf.as_str()), ("verification", "查阅经营记录"), ("upheld", "0"), ("outcome_reason", "经营已于去年停止"), ("version", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(t.get(app.url("/objections")).send().await.unwrap().text().await.unwrap().contains("异议不成立"));

        // the period is still running: refused; once it has ended the cadre closes it
        let early = c.post(app.url(&format!("/notices/{id}/close"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(early.status(), 422);
        let early = early.text().await.unwrap();
        assert!(early.contains("届满后才能结束公示") && !early.contains("异议未处理") && !early.contains("请先上传"), "{early}");
        let yesterday = chrono::Local::now().date_naive() - chrono::Duration::days(1);
        app.state.db.run(move |c, _| Ok(c.execute("UPDATE wf_notice SET ends_on = ? WHERE id = ?", &[P::Date(yesterday), P::Int(id)])?)).await.unwrap();
        let list = c.get(app.url("/notices?due=1")).send().await.unwrap().text().await.unwrap();
        assert!(list.contains(&format!("/notices/{id}\"")) && list.contains("已届满 1 天"), "due filter: {list}");
        let r = c.post(app.url(&format!("/notices/{id}/close"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", app.backend());
        let case_id = ids[0];
        let step = app.state.db.run(move |c, _| Ok(c.query("SELECT step_key FROM wf_case WHERE id = ?", &[P::Int(case_id)])?[0][0].string())).await.unwrap();
        assert_eq!(step, "township_review");
        let public_code = app.state.db.run(move |c, _| Ok(c.query("SELECT public_code FROM wf_notice WHERE id = ?", &[P::Int(id)])?[0][0].string())).await.unwrap();
        let public = TestApp::client().get(app.url(&format!("/g/{public_code}"))).send().await.unwrap().text().await.unwrap();
        assert!(public.contains("公示已结束") && !public.contains("objection-form"));
        app.stop().await;
    }
}
