//! Logging in, sessions, CSRF, throttling and — for every role — that nobody sees outside their scope.

mod common;

use common::{TestApp, hidden, password, prefix_of};

const ROLES: &[&str] = &["admin", "county", "township", "village", "village2", "secretary", "helper", "school", "edu", "leader", "data", "inspector"];

async fn get(c: &reqwest::Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_need_a_login_and_wrong_passwords_are_refused_then_throttled() {
    for app in TestApp::all().await {
        let anon = TestApp::client();
        let r = anon.get(app.url("/households")).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", app.backend());
        assert_eq!(r.headers()["location"], "/login");
        assert!(r.headers().contains_key("x-request-id"));
        let (s, body) = get(&anon, app.url("/health")).await;
        assert_eq!(s, 200);
        assert!(body.contains("\"ok\""));

        let c = TestApp::client();
        let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
        let mut csrf = hidden(&page, "_csrf").unwrap();
        for _ in 0..5 {
            let r = c.post(app.url("/login")).form(&[("username", "township"), ("password", "wrong-1234"), ("_csrf", &csrf)]).send().await.unwrap();
            assert_eq!(r.status(), 401);
            let body = r.text().await.unwrap();
            assert!(body.contains("用户名或密码不正确"));
            // each login page carries a fresh token
            csrf = hidden(&body, "_csrf").unwrap();
        }
        // now even the right password is refused for a while
        let r = c.post(app.url("/login")).form(&[("username", "township"), ("password", &password("township")), ("_csrf", &csrf)]).send().await.unwrap();
        assert_eq!(r.status(), 429);
        assert!(r.text().await.unwrap().contains("锁定"));
        // a login form posted without its CSRF cookie is refused
        let r = TestApp::client().post(app.url("/login")).form(&[("username", "county"), ("password", &password("county")), ("_csrf", "x")]).send().await.unwrap();
        assert_eq!(r.status(), 403);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_logs_in_and_a_session_ends_at_logout() {
    let app = TestApp::sqlite().await;
    for role in ROLES {
        let (c, csrf) = app.login(role).await;
        let (s, body) = get(&c, app.url("/")).await;
        assert_eq!(s, 200, "{role}");
        assert!(body.contains("工作台"), "{role}");
        // logout needs the CSRF token
        let r = c.post(app.url("/logout")).form(&[("_csrf", "forged")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{role}");
        let r = c.post(app.url("/logout")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let r = c.get(app.url("/households")).send().await.unwrap();
        assert_eq!(r.status(), 303, "{role}: the session is gone after logout");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_token_planted_before_login_is_never_used() {
    let app = TestApp::sqlite().await;
    // an attacker plants a cookie value; logging in must issue a fresh token
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let url: reqwest::Url = app.base.parse().unwrap();
    jar.add_cookie_str("bangfu_session=planted-by-attacker; Path=/", &url);
    let c = reqwest::Client::builder().cookie_provider(jar.clone()).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden(&page, "_csrf").unwrap();
    let r = c.post(app.url("/login")).form(&[("username", "county"), ("password", &password("county")), ("_csrf", &csrf)]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let set = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>().join("\n");
    assert!(set.contains("bangfu_session="), "a new session cookie is set");
    assert!(!set.contains("planted-by-attacker"));
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"));
    // the planted value itself gives no access
    let other = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = other.get(app.url("/households")).header("cookie", "bangfu_session=planted-by-attacker").send().await.unwrap();
    assert_eq!(r.status(), 303);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_reaches_a_household_outside_their_scope_by_url_search_or_reveal() {
    for app in TestApp::all().await {
        for role in ROLES {
            let region = app.region_of(role).await;
            if region.is_empty() {
                continue; // the administrator's scope is the whole installation
            }
            let prefix = prefix_of(&region);
            let (c, csrf) = app.login(role).await;
            let inside = app.households.iter().find(|(_, r)| r.starts_with(&prefix));
            let Some(outside) = app.households.iter().find(|(_, r)| !r.starts_with(&prefix)).map(|h| h.0) else {
                continue; // all test households are in this county
            };
            if let Some((id, _)) = inside {
                let (s, _) = get(&c, app.url(&format!("/households/{id}"))).await;
                assert_eq!(s, 200, "{role} on {} sees its own household", app.backend());
            }
            let (s, body) = get(&c, app.url(&format!("/households/{outside}"))).await;
            assert_eq!(s, 404, "{role} on {} must not see household {outside}", app.backend());
            assert!(body.contains("不在您的管辖范围内"));
            // revealing an outside household is refused too (404 or 403, never the numbers)
            let r = c.post(app.url(&format!("/households/{outside}/reveal"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
            assert!(r.status() == 404 || r.status() == 403, "{role}: {}", r.status());
            // the list shows only households in scope: every region column value is in scope
            let (_, list) = get(&c, app.url("/households?region=000000000000")).await;
            assert!(!list.contains(&format!("/households/{outside}\"")), "{role} list leaks household {outside}");
            // search for an outside person's exact resident ID finds nothing
            let rid = outside_resident_id(&app, outside).await;
            let (s, hits) = get(&c, app.url(&format!("/households?q={rid}"))).await;
            assert_eq!(s, 200);
            assert!(!hits.contains(&format!("/households/{outside}\"")), "{role} search leaks household {outside}");
        }
        app.stop().await;
    }
}

async fn outside_resident_id(app: &TestApp, household: i64) -> String {
    app.state
        .db
        .run(move |c, _| Ok(c.query("SELECT resident_id FROM member WHERE household_id = ? LIMIT 1", &[bangfu_store::P::Int(household)])?[0][0].string()))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capabilities_follow_the_role() {
    let app = TestApp::sqlite().await;
    let village_prefix = prefix_of(&app.region_of("village").await);
    let id = app.household_in(&village_prefix);
    // read-only roles cannot reveal protected numbers
    for role in ["helper", "inspector", "school"] {
        let (c, csrf) = app.login(role).await;
        let r = c.post(app.url(&format!("/households/{id}/reveal"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert!(r.status() == 403 || r.status() == 404, "{role}");
    }
    // the audit trail is for the county office, leaders, inspectors and administrators
    for (role, status) in [("village", 403), ("helper", 403), ("inspector", 200), ("county", 200), ("admin", 200)] {
        let (c, _) = app.login(role).await;
        let (s, _) = get(&c, app.url("/audit")).await;
        assert_eq!(s, status, "{role}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_are_masked_until_revealed_and_revealing_is_audited() {
    for app in TestApp::all().await {
        let prefix = prefix_of(&app.region_of("village").await);
        let id = app.household_in(&prefix);
        let rid = outside_resident_id(&app, id).await;
        let (c, csrf) = app.login("village").await;
        let (_, page) = get(&c, app.url(&format!("/households/{id}"))).await;
        assert!(!page.contains(&rid), "full ID must not be on the page before reveal");
        assert!(page.contains(&format!("{}********{}", &rid[..6], &rid[14..])));
        let r = c.post(app.url(&format!("/households/{id}/reveal"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains(&rid));
        let n = app
            .state
            .db
            .run(move |c, _| Ok(c.query_int("SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity_id = ? AND actor = 'web:village'", &[bangfu_store::P::Text(&id.to_string())])?))
            .await
            .unwrap();
        assert_eq!(n, 1, "{}", app.backend());
        // and the chain still verifies
        let report = app.state.db.run(|c, _| Ok(bangfu_store::audit::verify(c)?)).await.unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_is_text_and_cross_site_posts_are_refused() {
    let app = TestApp::sqlite().await;
    let (c, csrf) = app.login("county").await;
    for q in ["' OR 1=1 --", "%", "_", "<script>alert(1)</script>", "../../etc/passwd"] {
        let r = c.get(app.url("/households")).query(&[("q", q)]).send().await.unwrap();
        assert_eq!(r.status(), 200, "{q}");
        let body = r.text().await.unwrap();
        assert!(body.contains("没有找到符合条件的人"), "{q} must match nobody");
        assert!(!body.contains("<script>alert(1)</script>"), "{q} must be escaped");
    }
    // a form posted from another site (Origin mismatch) is refused even with a valid token
    let r = c.post(app.url("/account/lang")).header("origin", "http://evil.example").form(&[("_csrf", csrf.as_str()), ("lang", "en")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // unknown paths are 404, path traversal in assets too
    let (s, _) = get(&c, app.url("/assets/..%2F..%2FCargo.toml")).await;
    assert_eq!(s, 404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::sqlite().await;
    let (c1, csrf1) = app.login("secretary").await;
    let (c2, _) = app.login("secretary").await;
    let r = c1.post(app.url("/account/password")).form(&[("_csrf", csrf1.as_str()), ("current", "nope"), ("new1", "newpass123"), ("new2", "newpass123")]).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("当前密码不正确"));
    let r = c1.post(app.url("/account/password")).form(&[("_csrf", csrf1.as_str()), ("current", &password("secretary")), ("new1", "short"), ("new2", "short")]).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = c1
        .post(app.url("/account/password"))
        .form(&[("_csrf", csrf1.as_str()), ("current", &password("secretary")), ("new1", "newpass123"), ("new2", "newpass123")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(c2.get(app.url("/")).send().await.unwrap().status(), 303, "the other session ended");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_can_be_chosen() {
    let app = TestApp::sqlite().await;
    let (c, csrf) = app.login("township").await;
    let r = c.post(app.url("/account/lang")).form(&[("_csrf", csrf.as_str()), ("lang", "en")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, body) = get(&c, app.url("/households")).await;
    assert!(body.contains("Registry") && body.contains("lang=\"en\""));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_set_by_an_administrator_must_be_changed_first() {
    let app = TestApp::sqlite().await;
    app.state
        .db
        .run(|c, _| {
            let u = bangfu_store::users::find_user(c, "leader")?.unwrap();
            let hash = bangfu_store::users::hash_password(&password("leader"))?;
            bangfu_store::users::set_password(c, &bangfu_store::audit::Actor::new("test", "test"), u.id, &hash, true)?;
            Ok(())
        })
        .await
        .unwrap();
    let c = TestApp::client();
    let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden(&page, "_csrf").unwrap();
    let r = c.post(app.url("/login")).form(&[("username", "leader"), ("password", &password("leader")), ("_csrf", &csrf)]).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/account?must_change=1");
    let r = c.get(app.url("/households")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account?must_change=1", "nothing else until the password is changed");
    let (s, account) = get(&c, app.url("/account")).await;
    assert_eq!(s, 200);
    let csrf = hidden(&account, "_csrf").unwrap();
    let r = c.post(app.url("/account/password")).form(&[("_csrf", csrf.as_str()), ("current", &password("leader")), ("new1", "fresh-pass-9"), ("new2", "fresh-pass-9")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    app.stop().await;
}
