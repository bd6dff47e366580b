//! The phone visit form in a real headless Chromium: what is typed survives a reload (kept in the
//! browser), a visit submitted while offline waits in the queue ("待发送 1 条") and is sent when the
//! network returns, and sending the queued entry again stores nothing new (its client_uuid).
//!
//! "Offline" is simulated in the page: `fetch` rejects and `navigator.onLine` is false, then both are
//! restored and an `online` event is dispatched — what the browser does when the network drops and
//! returns. Skipped like the other browser tests when Chromium is missing (outside CI).

#[macro_use]
mod browser_support;
mod common;

use bangfu_store::P;
use browser_support::PHONE;
use common::{TestApp, prefix_of};
use std::time::{Duration, Instant};

async fn paired_helper(app: &TestApp, id: i64, household: i64) {
    app.state
        .db
        .run(move |c, _| {
            let region = c.query("SELECT region_code FROM household WHERE id = ?", &[P::Int(household)])?[0][0].string();
            c.execute(
                "INSERT INTO helper (id, name, kind, region_code, status, created_at, updated_at, version) VALUES (?, '张帮扶', 'cadre', ?, 'active', 'x', 'x', 1)",
                &[P::Int(id), P::Text(&region[..6])],
            )?;
            c.execute(
                "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, region_code, started_on, status, created_at, updated_at, version) \
                 VALUES (?, 'helper_household', 'helper', ?, 'household', ?, ?, ?, 'active', 'x', 'x', 1)",
                &[P::Int(id), P::Int(id), P::Int(household), P::Text(&region), P::Date(chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap())],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn activities(app: &TestApp) -> i64 {
    app.state.db.run(|c, _| Ok(c.query_int("SELECT COUNT(*) FROM activity", &[])?)).await.unwrap()
}

async fn wait_until<F: Fn() -> Fut, Fut: std::future::Future<Output = bool>>(what: &str, f: F) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 20 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_typed_offline_is_kept_queued_and_sent_once_when_the_network_returns() {
    let app = TestApp::sqlite().await;
    let region = app.region_of("village").await;
    let hh = app.household_in(&prefix_of(&region));
    paired_helper(&app, 1, hh).await;
    let b = browser_or_skip!(app);
    b.resize(PHONE).await;
    b.login("village").await;
    let form = format!("/visits/new?household={hh}");
    b.goto(&form).await;
    b.wait_for("form[data-visit-form]").await;
    let uuid = b.find("input[name=client_uuid]").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(uuid.len(), 32);

    // typed, then the page is reloaded (a dropped connection, a closed tab): nothing is lost
    b.fill("#v-problems", "屋顶漏雨").await;
    b.fill("#v-help", "联系危房改造").await;
    b.goto(&form).await;
    b.wait_for("form[data-visit-form]").await;
    assert_eq!(b.find("#v-problems").await.prop("value").await.unwrap().as_deref(), Some("屋顶漏雨"), "the draft is restored");
    assert_eq!(b.find("input[name=client_uuid]").await.prop("value").await.unwrap().as_deref(), Some(uuid.as_str()), "the entry keeps its client_uuid");

    // offline: submitting queues the entry
    b.c.execute(
        "window.__realFetch = window.fetch; window.fetch = function () { return Promise.reject(new TypeError('Failed to fetch')); }; \
         Object.defineProperty(navigator, 'onLine', { get: function () { return window.__online === true; }, configurable: true }); \
         window.__online = false; window.dispatchEvent(new Event('offline')); return true",
        vec![],
    )
    .await
    .unwrap();
    b.find("#visit-submit").await.click().await.unwrap();
    wait_until("the queue status", || async { b.c.execute("var e = document.getElementById('visit-queue'); return !e.hidden && e.textContent", vec![]).await.unwrap().as_str().is_some_and(|t| t.contains("待发送 1 条")) }).await;
    assert_eq!(activities(&app).await, 0, "nothing reached the server");
    let queued = b.c.execute("return localStorage.getItem('bangfu.visits.queue')", vec![]).await.unwrap();
    let queued = queued.as_str().unwrap().to_string();
    assert!(queued.contains(&uuid) && queued.contains("屋顶漏雨"), "the entry waits in the browser: {queued}");
    assert_eq!(b.path().await, form, "still on the form");
    assert_ne!(b.find("input[name=client_uuid]").await.prop("value").await.unwrap().as_deref(), Some(uuid.as_str()), "a fresh form has a new client_uuid");

    // the network returns
    b.c.execute("window.fetch = window.__realFetch; window.__online = true; window.dispatchEvent(new Event('online')); return true", vec![]).await.unwrap();
    wait_until("the queued visit to be stored", || async { activities(&app).await == 1 }).await;
    wait_until("the queue to empty", || async { b.c.execute("return localStorage.getItem('bangfu.visits.queue')", vec![]).await.unwrap().as_str() == Some("[]") }).await;
    let (problems, stored_uuid) = app
        .state
        .db
        .run(|c, _| {
            let r = c.query("SELECT problems, client_uuid FROM activity", &[])?;
            Ok((r[0][0].string(), r[0][1].string()))
        })
        .await
        .unwrap();
    assert_eq!((problems.as_str(), stored_uuid.as_str()), ("屋顶漏雨", uuid.as_str()));

    // the answer was lost and the phone sends the entry again: still one visit
    let resend = format!(
        "localStorage.setItem('bangfu.visits.queue', {}); return window.bangfuVisitQueue.flush().then(function () {{ return true; }})",
        serde_json::to_string(&queued).unwrap()
    );
    b.c.execute(&resend, vec![]).await.unwrap();
    wait_until("the resend to finish", || async { b.c.execute("return localStorage.getItem('bangfu.visits.queue')", vec![]).await.unwrap().as_str() == Some("[]") }).await;
    assert_eq!(activities(&app).await, 1, "the resend stored nothing new");
    b.close().await;
    app.stop().await;
}

/// The width and height in a JPEG's start-of-frame segment.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if (0xC0..=0xC3).contains(&marker) {
            let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]) as u32;
            let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]) as u32;
            return Some((w, h));
        }
        i += 2 + len;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_photo_is_resized_on_the_device_before_upload() {
    let app = TestApp::sqlite().await;
    let region = app.region_of("village").await;
    let hh = app.household_in(&prefix_of(&region));
    paired_helper(&app, 1, hh).await;
    let b = browser_or_skip!(app);
    b.resize(PHONE).await;
    b.login("village").await;
    b.goto(&format!("/visits/new?household={hh}")).await;
    b.wait_for("form[data-visit-form]").await;
    b.fill("#v-problems", "缺少劳动力").await;
    // a 3000 × 2000 PNG, as a phone camera would give a large picture
    let size = b
        .c
        .execute(
            "return new Promise(function (done) { var c = document.createElement('canvas'); c.width = 3000; c.height = 2000; var g = c.getContext('2d'); \
             for (var i = 0; i < 60; i++) { g.fillStyle = 'hsl(' + (i * 6) + ',60%,50%)'; g.fillRect(i * 50, 0, 50, 2000); } \
             c.toBlob(function (blob) { var dt = new DataTransfer(); dt.items.add(new File([blob], 'big.png', { type: 'image/png' })); \
             document.getElementById('v-photo').files = dt.files; done(blob.size); }, 'image/png'); })",
            vec![],
        )
        .await
        .unwrap();
    assert!(size.as_u64().unwrap() > 0);
    let submit = b.find("#visit-submit").await;
    b.click_and_wait(&submit).await;
    assert!(b.path().await.starts_with("/activities/"), "the saved visit is shown: {}", b.path().await);
    b.wait_for("#activity-saved").await;
    assert!(b.exists("#photos img").await, "the photo is shown");
    let (mime, bytes) = app
        .state
        .db
        .run(|c, _| {
            let r = c.query("SELECT mime, bytes FROM activity_photo", &[])?;
            Ok((r[0][0].string(), r[0][1].bytes().unwrap_or_default().to_vec()))
        })
        .await
        .unwrap();
    assert_eq!(mime, "image/jpeg", "re-encoded as JPEG on the device");
    let (w, h) = jpeg_size(&bytes).expect("a JPEG frame");
    assert_eq!((w, h), (1600, 1067), "the longer side is 1600 px");
    assert_eq!(activities(&app).await, 1);

    // on a phone nothing is wider than the screen: the saved visit, the form, the household file
    for (name, path) in [("activity", b.path().await), ("visit-form", format!("/visits/new?household={hh}")), ("household-assistance", format!("/households/{hh}"))] {
        b.goto(&path).await;
        b.resize(PHONE).await;
        assert_eq!(b.horizontal_overflow().await, None, "{path} on a phone");
        b.screenshot(name, PHONE).await;
    }
    b.close().await;
    app.stop().await;
}
