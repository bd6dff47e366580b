//! The public notice page in a real headless Chromium on a phone-sized screen, without logging
//! in: the notice as printed, no horizontal scrolling, the objection form filled and submitted,
//! and the reference number shown prominently. Skipped like the other browser tests when
//! Chromium is missing (outside CI).

#[macro_use]
mod browser_support;
mod common;

use bangfu_domain::workflow::engine::Outcome;
use bangfu_domain::workflow::Decider;
use bangfu_domain::{RegionCode, RegionScope, Role};
use bangfu_store::audit::Actor;
use bangfu_store::workflow::advance::{apply_moves, Move};
use bangfu_store::workflow::notices::{self, NewNotice};
use bangfu_store::workflow::{cases, NewCase};
use browser_support::PHONE;
use common::{prefix_of, TestApp};

/// A posted first notice in the village user's village; returns its public code and the head's name.
async fn posted_notice(app: &TestApp) -> (String, String) {
    let village = app.region_of("village").await;
    let h = app.household_in(&prefix_of(&village));
    app.state
        .db
        .run(move |c, keys| {
            let today = chrono::Local::now().date_naive();
            let scope = RegionScope::of(&RegionCode::parse(&village).unwrap());
            let applicant = Actor::new("web:applicant", "web");
            c.execute("UPDATE household SET household_type = 'ordinary' WHERE id = ?", &[bangfu_store::P::Int(h)])?;
            let nc = NewCase { procedure: "identification".into(), household_id: Some(h), item: Some("纳入贫困户".into()), reason: "因病致贫".into(), ..Default::default() };
            let id = cases::open(c, &applicant, &scope, &nc, today)?;
            let f = cases::file(c, &RegionScope::all(), id)?.unwrap();
            let m = Move { case_id: id, region_code: f.case.region_code.clone(), household_id: Some(h), title: f.case.title.clone(), outcome: Outcome::MoveTo(3) };
            apply_moves(c, &applicant, keys, &f.definition, &[m], today)?;
            let who = Decider { user: "village".into(), role: Role::VillageCadre, scope };
            let n = NewNotice {
                procedure: "identification".into(),
                step_key: "first_notice".into(),
                region_code: village.clone(),
                case_ids: vec![id],
                title: "2026 年贫困户识别第一次公示".into(),
                posted_at_place: "村委会公示栏".into(),
                starts_on: today,
                contact: "乡扶贫办 0731-1234567".into(),
            };
            let nid = notices::post_notice(c, &Actor::new("web:village", "web"), &who, &n, today)?;
            let code = c.query("SELECT public_code FROM wf_notice WHERE id = ?", &[bangfu_store::P::Int(nid)])?[0][0].string();
            let head = c.query("SELECT display_name FROM wf_notice_item WHERE notice_id = ?", &[bangfu_store::P::Int(nid)])?[0][0].string();
            Ok((code, head))
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_villager_on_a_phone_reads_the_notice_and_lodges_an_objection() {
    let app = TestApp::sqlite().await;
    let (code, head) = posted_notice(&app).await;
    let b = browser_or_skip!(app);
    b.resize(PHONE).await;
    b.goto(&format!("/g/{code}")).await;
    b.wait_for("#objection-form").await;
    assert_eq!(b.path().await, format!("/g/{code}"), "no login redirect");
    let body = b.body_text().await;
    assert!(body.contains("2026 年贫困户识别第一次公示") && body.contains(&head) && body.contains("公示中"), "{body}");
    assert_eq!(b.horizontal_overflow().await, None, "the public page fits a phone");
    b.screenshot("public-notice", PHONE).await;
    b.resize(PHONE).await;

    b.fill("#o-name", "李四").await;
    b.fill("#o-phone", "13812345678").await;
    b.find("#o-case option:nth-child(2)").await.click().await.expect("choose the household");
    b.fill("#o-reason", "该户家里新盖了楼房，不符合条件").await;
    let submit = b.find("#o-submit").await;
    b.click_and_wait(&submit).await;
    let reference = b.wait_for("#reference").await.text().await.unwrap();
    assert!(reference.len() == 9 && reference.as_bytes()[2] == b'-', "reference number shown: {reference}");
    assert!(b.body_text().await.contains("待核实"));
    assert_eq!(b.horizontal_overflow().await, None, "the success page fits a phone");
    b.screenshot("public-objection-reference", PHONE).await;
    let stored = app.state.db.run(|c, _| Ok(c.query("SELECT reference_no, name, source FROM wf_objection", &[])?)).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0][0].string(), stored[0][1].string(), stored[0][2].string()), (reference, "李四".to_string(), "public".to_string()));
    b.close().await;
    app.stop().await;
}
