//! Applications, deliberation meetings and campaigns through the real server on every backend:
//! applying for identification from the household file opens a case and shows it there; the exit
//! form shows the checklist; a village exit carries the 五有; a meeting below quorum is refused
//! (422, nothing written) and a valid one moves the case; the county office starts a campaign and
//! reads its progress (page, xlsx, API).

mod common;

use bangfu_domain::workflow::Decider;
use bangfu_domain::{RegionCode, RegionScope, Role};
use common::*;
use reqwest::multipart::{Form, Part};

fn case_id_of(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().split('?').next().unwrap().parse().unwrap_or_else(|_| panic!("case id in {location}"))
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    app.state.db.run(move |c, _| Ok(c.query_int(sql, &[])?)).await.unwrap()
}

/// Opens an identification case for a household through the form; returns the case id.
async fn apply(app: &TestApp, c: &reqwest::Client, csrf: &str, procedure: &str, household: i64) -> reqwest::Response {
    c.post(app.url("/apply"))
        .form(&[("_csrf", csrf), ("procedure", procedure), ("household", &household.to_string()), ("reason", "家中主要劳动力患重病，收入骤降")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn applying_from_the_household_file_opens_a_case_shown_on_the_file() {
    for app in TestApp::all().await {
        let village = app.region_of("village").await;
        let h = app.household_in(&prefix_of(&village));
        let (c, csrf) = app.login("village").await;
        let file = c.get(app.url(&format!("/households/{h}"))).send().await.unwrap().text().await.unwrap();
        assert!(file.contains("办理事项") && file.contains(&format!("/apply?procedure=identification&amp;household={h}")), "{}", app.backend());
        let form = c.get(app.url(&format!("/apply?procedure=identification&household={h}"))).send().await.unwrap();
        assert_eq!(form.status(), 200);
        assert!(form.text().await.unwrap().contains("纳入建档立卡贫困户"));
        let r = apply(&app, &c, &csrf, "identification", h).await;
        assert_eq!(r.status(), 303, "{}", app.backend());
        let id = case_id_of(r.headers()["location"].to_str().unwrap());
        assert_eq!(c.get(app.url(&format!("/cases/{id}"))).send().await.unwrap().status(), 200);
        let file = c.get(app.url(&format!("/households/{h}"))).send().await.unwrap().text().await.unwrap();
        assert!(file.contains(&format!("data-case=\"{id}\"")) && file.contains("村级受理申请"), "the file lists the case at its step");
        // a second application of the same kind is refused, with the message on the form
        let again = apply(&app, &c, &csrf, "identification", h).await;
        assert_eq!(again.status(), 422);
        assert!(again.text().await.unwrap().contains("不能重复申请"));
        // out of scope: not found, nothing opened
        let before = count(&app, "SELECT COUNT(*) FROM wf_case").await;
        let outside = app.household_outside(&prefix_of(&village));
        assert_eq!(c.get(app.url(&format!("/apply?procedure=identification&household={outside}"))).send().await.unwrap().status(), 404);
        assert_eq!(apply(&app, &c, &csrf, "identification", outside).await.status(), 404);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM wf_case").await, before);
        // a helper cannot apply and sees no buttons
        let (hc, _) = app.login("helper").await;
        assert_eq!(hc.get(app.url(&format!("/apply?procedure=identification&household={h}"))).send().await.unwrap().status(), 403);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_exit_form_shows_the_checklist_and_a_village_exit_carries_the_five_facilities() {
    for app in TestApp::all().await {
        let village = app.region_of("village").await;
        let h = app.household_in(&prefix_of(&village));
        let (c, csrf) = app.login("village").await;
        let page = c.get(app.url(&format!("/apply?procedure=household_exit&household={h}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("id=\"checklist\"") && page.contains("一超两不愁三保障"), "{}", app.backend());
        for item in ["户类型为贫困户", "人均纯收入稳定超过扶贫标准", "不愁吃、不愁穿", "基本医疗有保障", "住房安全有保障", "饮水安全有保障"] {
            assert!(page.contains(item), "the checklist shows “{item}”");
        }
        // the village form previews the incidence from the registry
        let preview = c
            .get(app.url(&format!("/apply?procedure=village_exit&region={village}&rural_population=100000&culture_room=1&clinic=1")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(preview.contains("贫困发生率") && preview.contains("÷ 农业户籍人口 100000 人"), "{preview}");
        assert!(preview.contains("未通宽带网络"), "a missing facility shows");
        // the preview button posts what was typed and opens nothing
        let before = count(&app, "SELECT COUNT(*) FROM wf_case").await;
        let r = c
            .post(app.url("/apply"))
            .form(&[("_csrf", csrf.as_str()), ("procedure", "village_exit"), ("region", &village), ("rural_population", "100000"), ("network", "1"), ("preview", "1"), ("reason", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body = r.text().await.unwrap();
        assert!(body.contains("÷ 农业户籍人口 100000 人") && body.contains("没有文化室") && !body.contains("未通宽带网络"), "{body}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM wf_case").await, before);
        // a bad population comes back as the form
        let r = c.post(app.url("/apply")).form(&[("_csrf", csrf.as_str()), ("procedure", "village_exit"), ("region", &village), ("rural_population", "很多"), ("reason", "达标")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("农业户籍人口“很多”无效"));
        let form = [
            ("_csrf", csrf.as_str()),
            ("procedure", "village_exit"),
            ("region", village.as_str()),
            ("rural_population", "1200"),
            ("culture_room", "1"),
            ("clinic", "1"),
            ("network", "1"),
            ("hardened_road", "1"),
            ("reason", "贫困发生率已降至 2% 以下"),
        ];
        let r = c.post(app.url("/apply")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", app.backend());
        let id = case_id_of(r.headers()["location"].to_str().unwrap());
        let again = c.post(app.url("/apply")).form(&form).send().await.unwrap();
        assert_eq!(again.status(), 422, "one open village exit per village");
        assert!(again.text().await.unwrap().contains("该村已有一件同类事项正在办理"));
        let payload = app.state.db.run(move |c, _| Ok(c.query("SELECT payload FROM wf_case WHERE id = ?", &[bangfu_store::P::Int(id)])?[0][0].string())).await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(v["rural_population"], 1200);
        assert_eq!((v["culture_room"].as_bool(), v["network"].as_bool(), v["collective_economy"].as_bool()), (Some(true), Some(true), Some(false)));
        app.stop().await;
    }
}

const PDF: &[u8] = b"%PDF-1.4\n% minutes of the meeting\n";

fn meeting_form(csrf: &str, village: &str, date: &str, case: i64, present: &str, minutes: bool) -> Form {
    let mut f = Form::new()
        .text("_csrf", csrf.to_string())
        .text("region", village.to_string())
        .text("meeting_on", date.to_string())
        .text("place", "村委会会议室")
        .text("host", "王支书")
        .text("total", "30")
        .text("present", present.to_string())
        .text(format!("result_{case}"), "pass")
        .text(format!("for_{case}"), "18")
        .text(format!("against_{case}"), "1")
        .text(format!("note_{case}"), "");
    if minutes {
        f = f.part("minutes", Part::bytes(PDF.to_vec()).file_name("会议记录.pdf").mime_str("application/pdf").unwrap());
    }
    f
}

#[tokio::test]
async fn a_meeting_below_quorum_is_refused_and_a_valid_one_moves_the_case() {
    for app in TestApp::all().await {
        let village = app.region_of("village").await;
        let h = app.household_in(&prefix_of(&village));
        let (c, csrf) = app.login("village").await;
        let r = apply(&app, &c, &csrf, "identification", h).await;
        let id = case_id_of(r.headers()["location"].to_str().unwrap());
        // the cadre accepts the application (the first step allows the applicant)
        let v = village.clone();
        app.state
            .db
            .run(move |c, keys| {
                let who = Decider { user: "village".into(), role: Role::VillageCadre, scope: RegionScope::of(&RegionCode::parse(&v).unwrap()) };
                let input = bangfu_store::workflow::DecisionInput { kind: bangfu_domain::workflow::engine::DecisionKind::Approve, seen_transition: 0, comment: String::new(), verdict: None };
                let d = bangfu_store::workflow::decide::decide(c, keys, &bangfu_store::audit::Actor::new("web:village", "web"), &who, id, &input, bangfu_store::activity::today_china())?;
                assert!(matches!(d, bangfu_store::workflow::Decided::Done(_)), "{d:?}");
                Ok(())
            })
            .await
            .unwrap();
        // the meeting is recorded by the first secretary
        let (s, scsrf) = app.login("secretary").await;
        let list = s.get(app.url("/deliberations")).send().await.unwrap().text().await.unwrap();
        assert!(list.contains(&village), "the village picker offers the village");
        let form = s.get(app.url(&format!("/deliberations/new?region={village}"))).send().await.unwrap().text().await.unwrap();
        assert!(form.contains(&format!("result_{id}")), "the waiting case is listed on {}", app.backend());
        let date = hidden(&form, "meeting_on").expect("meeting date defaults to today");
        let before = count(&app, "SELECT COUNT(*) FROM wf_decision").await;
        let r = s.post(app.url("/deliberations")).multipart(meeting_form(&scsrf, &village, &date, id, "19", true)).send().await.unwrap();
        assert_eq!(r.status(), 422, "{}", app.backend());
        let body = r.text().await.unwrap();
        assert!(body.contains("到会代表 19 人，不足应到 30 人的 2/3（至少 20 人），本次评议无效"), "{body}");
        let r = s.post(app.url("/deliberations")).multipart(meeting_form(&scsrf, &village, &date, id, "25", false)).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("请上传会议记录"));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM wf_decision").await, before, "nothing written");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM wf_deliberation").await, 0);
        // a valid meeting
        let r = s.post(app.url("/deliberations")).multipart(meeting_form(&scsrf, &village, &date, id, "20", true)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", app.backend());
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let page = s.get(app.url(&loc)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("应到 30 人，实到 20 人") && page.contains("通过") && page.contains(&format!("/cases/{id}")), "{page}");
        let minutes = page.split("/minutes/").nth(1).and_then(|t| t.split('"').next()).expect("minutes link").to_string();
        let mid: i64 = loc.trim_start_matches("/deliberations/").split('?').next().unwrap().parse().unwrap();
        let file = s.get(app.url(&format!("/deliberations/{mid}/minutes/{minutes}"))).send().await.unwrap();
        assert_eq!(file.status(), 200);
        assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);
        let step = app.state.db.run(move |c, _| Ok(c.query("SELECT step_key FROM wf_case WHERE id = ?", &[bangfu_store::P::Int(id)])?[0][0].string())).await.unwrap();
        assert_eq!(step, "verify");
        // another village's cadre does not see the meeting
        let (o, _) = app.login("village2").await;
        assert_eq!(o.get(app.url(&loc)).send().await.unwrap().status(), 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_county_office_starts_a_campaign_and_reads_its_progress() {
    for app in TestApp::all().await {
        let county = app.region_of("county").await;
        let village = app.region_of("village").await;
        let (v, _) = app.login("village").await;
        assert_eq!(v.get(app.url("/campaigns/new")).send().await.unwrap().status(), 403);
        let (c, csrf) = app.login("county").await;
        let form = c.get(app.url("/campaigns/new")).send().await.unwrap().text().await.unwrap();
        let (year, title, start, due) = (hidden_input(&form, "year"), hidden_input(&form, "title"), hidden_input(&form, "starts_on"), hidden_input(&form, "due_on"));
        assert!(title.ends_with("年度动态调整"), "{title}");
        // a bad line names its number; nothing is started
        let bad = format!("{village} {due}\n不存在的村 {due}");
        let r = c.post(app.url("/campaigns")).form(&[("_csrf", csrf.as_str()), ("year", &year), ("title", &title), ("starts_on", &start), ("due_on", &due), ("deadlines", &bad)]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("第 2 行：本县没有名为“不存在的村”的村"));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM wf_campaign").await, 0);
        let deadlines = format!("{village} {start}");
        let r = c.post(app.url("/campaigns")).form(&[("_csrf", csrf.as_str()), ("year", &year), ("title", &title), ("starts_on", &start), ("due_on", &due), ("deadlines", &deadlines)]).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", app.backend());
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let id: i64 = loc.trim_start_matches("/campaigns/").split('?').next().unwrap().parse().unwrap();
        let active = count(&app, "SELECT COUNT(*) FROM household WHERE status = 'active'").await;
        assert_eq!(count(&app, "SELECT COUNT(*) FROM wf_case WHERE procedure = 'adjustment'").await, active);
        let page = c.get(app.url(&loc)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("总户数") && page.contains(&format!("data-village=\"{village}\"")), "{}", app.backend());
        assert!(page.contains(&format!("/cases/bulk?procedure=adjustment&amp;step=village_verify&amp;region={village}")));
        // the same year again is refused
        let r = c.post(app.url("/campaigns")).form(&[("_csrf", csrf.as_str()), ("year", &year), ("title", &title), ("starts_on", &start), ("due_on", &due), ("deadlines", "")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("已经发起"));
        let api = c.post(app.url("/api/v1/campaigns")).header("X-CSRF-Token", &csrf).json(&serde_json::json!({ "year": year.parse::<i64>().unwrap(), "title": title, "starts_on": start, "due_on": due })).send().await.unwrap();
        assert_eq!(api.status(), 422, "the API refuses the same year too");
        let api = c.post(app.url("/api/v1/campaigns")).header("X-CSRF-Token", &csrf).json(&serde_json::json!({ "year": 2099, "title": "测试", "starts_on": start, "due_on": due, "village_deadlines": [{ "village": "不存在的村", "due_on": due }] })).send().await.unwrap();
        assert_eq!(api.status(), 422);
        assert!(api.text().await.unwrap().contains("不存在的村"));
        // the xlsx has one row per village and the total
        let x = c.get(app.url(&format!("/campaigns/{id}/progress.xlsx"))).send().await.unwrap();
        assert_eq!(x.status(), 200);
        let path = app.db.dir.path().join("progress.xlsx");
        std::fs::write(&path, x.bytes().await.unwrap()).unwrap();
        let sheets = workbook(&path);
        let villages = count(&app, "SELECT COUNT(DISTINCT region_code) FROM household WHERE status = 'active'").await;
        assert_eq!(sheets[0].1.len() as i64, villages + 2, "header, villages, total");
        assert_eq!(sheets[0].1.last().unwrap()[2], active.to_string());
        // the API: the county's progress, and the village's part of it
        let api: serde_json::Value = c.get(app.url(&format!("/api/v1/campaigns/{id}/progress"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(api["total"]["total"], active);
        assert_eq!(api["region_code"], county);
        let mine: serde_json::Value = v.get(app.url(&format!("/api/v1/campaigns/{id}/progress"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["villages"].as_array().unwrap().len(), 1);
        assert_eq!(mine["villages"][0]["deadline"], start.as_str());
        app.stop().await;
    }
}

/// The value of a form input (`name="x" value="…"`).
fn hidden_input(html: &str, name: &str) -> String {
    hidden(html, name).unwrap_or_else(|| panic!("input {name}"))
}
