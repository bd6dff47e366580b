//! A township officer's workflow in a real headless Chromium: 我的待办 lists the village's cases
//! waiting for the township review, the 批量审批 link opens one form with every case checked, one
//! row is turned into 不通过 with its reason, one submit decides them all, and the case pages show
//! where each one went. Skipped like the other browser tests when Chromium is missing (outside CI).

#[macro_use]
mod browser_support;
mod common;

use bangfu_domain::workflow::engine::Outcome;
use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::audit::Actor;
use bangfu_store::workflow::advance::{apply_moves, Move};
use bangfu_store::workflow::{cases, NewCase};
use browser_support::DESKTOP;
use common::{prefix_of, TestApp};

/// Four identification cases of the village user's village at the township review (step 4).
async fn cases_at_township_review(app: &TestApp) -> Vec<i64> {
    let village = app.region_of("village").await;
    let prefix = prefix_of(&village);
    let households: Vec<i64> = app.households.iter().filter(|(_, r)| r.starts_with(&prefix)).map(|h| h.0).take(4).collect();
    assert_eq!(households.len(), 4, "four households in the village");
    app.state
        .db
        .run(move |c, keys| {
            let today = chrono::Local::now().date_naive();
            let scope = RegionScope::of(&RegionCode::parse(&village).unwrap());
            let applicant = Actor::new("web:village", "web");
            let mut ids = Vec::new();
            for h in households {
                c.execute("UPDATE household SET household_type = 'ordinary' WHERE id = ?", &[bangfu_store::P::Int(h)])?;
                let nc = NewCase { procedure: "identification".into(), household_id: Some(h), item: Some("纳入贫困户".into()), reason: "因病致贫".into(), ..Default::default() };
                let id = cases::open(c, &applicant, &scope, &nc, today)?;
                let f = cases::file(c, &RegionScope::all(), id)?.unwrap();
                let m = Move { case_id: id, region_code: f.case.region_code.clone(), household_id: Some(h), title: f.case.title.clone(), outcome: Outcome::MoveTo(4) };
                apply_moves(c, &applicant, keys, &f.definition, &[m], today)?;
                ids.push(id);
            }
            Ok(ids)
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_officer_approves_a_villages_cases_in_one_action_with_one_exception() {
    let app = TestApp::sqlite().await;
    let ids = cases_at_township_review(&app).await;
    let b = browser_or_skip!(app);
    b.resize(DESKTOP).await;
    b.login("township").await;
    b.goto("/tasks").await;
    let body = b.body_text().await;
    assert!(body.contains("乡镇审核") && body.contains("4 件"), "{body}");
    let bulk = b.find(".bulk-links a").await;
    b.click_and_wait(&bulk).await;
    assert!(b.path().await.starts_with("/cases/bulk?procedure=identification&step=township_review"));
    let rows = b.body_text().await;
    assert!(rows.contains("共 4 件"), "{rows}");
    b.find(&format!("select[name='x_{}'] option[value='reject']", ids[0])).await.click().await.expect("choose 不通过");
    b.fill(&format!("input[name='r_{}']", ids[0]), "家庭成员有财政供养人员").await;
    b.screenshot("workflow-bulk", DESKTOP).await;
    let submit = b.find("#bulk-form button[type='submit']").await;
    b.click_and_wait(&submit).await;
    b.wait_for("#bulk-report").await;
    assert_eq!(b.text("#approved").await, "3");
    assert_eq!(b.text("#rejected").await, "1");
    // the rejected case is closed with its reason; the others wait for the second notice
    b.goto(&format!("/cases/{}", ids[0])).await;
    let page = b.body_text().await;
    assert!(page.contains("未通过") && page.contains("家庭成员有财政供养人员"), "{page}");
    b.goto(&format!("/cases/{}", ids[1])).await;
    let page = b.body_text().await;
    assert!(page.contains("第二次公示") && page.contains("同意"), "{page}");
    b.screenshot("workflow-case", DESKTOP).await;
    b.close().await;
}
