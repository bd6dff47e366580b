//! Logging in and out: a pre-login CSRF cookie, throttling after repeated failures, a fresh session
//! token on every login (no session fixation), and an audit entry for each login.

use crate::auth::{self, Principal};
use crate::error::{AppError, AppResult};
use crate::handlers::{render, safe_next};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_store::audit::{self, Actor, Entry};
use bangfu_store::users;
use std::net::SocketAddr;

/// After this many failures in the window the account is locked for the window.
pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MINUTES: i64 = 15;
const LOGIN_CSRF: &str = "bangfu_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    error: Option<String>,
    notice: Option<String>,
    username: String,
    next: String,
    csrf: String,
}

#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    notice: String,
}

fn page(status: axum::http::StatusCode, p: LoginPage) -> Response {
    let cookie = format!("{LOGIN_CSRF}={}; Path=/login; HttpOnly; SameSite=Strict", p.csrf);
    let mut r = (status, render(&p)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub async fn show(Query(q): Query<LoginQuery>) -> Response {
    let notice = match q.notice.as_str() {
        "logged_out" => Some("您已退出登录。".to_string()),
        "password_changed" => Some("密码已修改，请用新密码登录。".to_string()),
        _ => None,
    };
    page(axum::http::StatusCode::OK, LoginPage { error: None, notice, username: String::new(), next: q.next, csrf: users::new_token() })
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// A hash to verify against when the user does not exist, so timing does not reveal user names.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| users::hash_password("no-such-user-0").unwrap_or_default())
}

pub async fn submit(State(state): State<AppState>, ConnectInfo(addr): ConnectInfo<SocketAddr>, headers: HeaderMap, Form(f): Form<LoginForm>) -> AppResult<Response> {
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let fail = |msg: &str, status| page(status, LoginPage { error: Some(msg.to_string()), notice: None, username: f.username.clone(), next: f.next.clone(), csrf: users::new_token() });
    if f.csrf.is_empty() || auth::cookie_value(cookie, LOGIN_CSRF) != Some(f.csrf.as_str()) {
        return Ok(fail("登录页面已过期，请重新输入用户名和密码后登录。", axum::http::StatusCode::FORBIDDEN));
    }
    let username = f.username.trim().to_string();
    if username.is_empty() || f.password.is_empty() {
        return Ok(fail("请输入用户名和密码。", axum::http::StatusCode::BAD_REQUEST));
    }
    let ip = addr.ip().to_string();
    let hours = state.config.session_hours;
    let (u, p, ip2) = (username.clone(), f.password.clone(), ip.clone());
    let outcome = state
        .db
        .run(move |c, _| {
            let failures = users::recent_failures(c, &u, chrono::Duration::minutes(WINDOW_MINUTES))?;
            if failures >= MAX_FAILURES {
                users::record_attempt(c, &u, Some(&ip2), false)?;
                return Ok(Err(true));
            }
            let found = users::password_hash_of(c, &u)?;
            let ok = match &found {
                Some((_, h)) => users::verify_password(&p, h),
                None => {
                    users::verify_password(&p, dummy_hash());
                    false
                }
            };
            c.begin()?;
            users::record_attempt(c, &u, Some(&ip2), ok)?;
            let result = match (ok, found) {
                (true, Some((user, _))) => {
                    let grants = users::grants_of(c, user.id)?;
                    let token = users::create_session(c, user.id, grants.first().map(|g| g.id), Some(&ip2), chrono::Duration::hours(hours))?;
                    let mut actor = Actor::new(format!("web:{}", user.username), "web");
                    actor.ip = Some(ip2.clone());
                    audit::record(c, &actor, Entry { region_code: None, entity: "user", entity_id: Some(user.id.to_string()), action: "login", before: None, after: None })?;
                    Ok((token, user.must_change_password))
                }
                _ => Err(false),
            };
            c.commit()?;
            Ok(result)
        })
        .await?;
    match outcome {
        Ok((token, must_change)) => {
            tracing::info!(user = %username, "login");
            let target = if must_change { "/account?must_change=1".to_string() } else { safe_next(&f.next).to_string() };
            let mut r = Redirect::to(&target).into_response();
            let c = HeaderValue::from_str(&auth::session_cookie(&token, hours)).map_err(|e| AppError::Internal(e.to_string()))?;
            r.headers_mut().append(header::SET_COOKIE, c);
            Ok(r)
        }
        Err(true) => {
            tracing::warn!(user = %username, %ip, "login throttled");
            Ok(fail(&format!("登录失败次数过多，该账户已暂时锁定。请 {WINDOW_MINUTES} 分钟后再试，或请系统管理员重置密码。"), axum::http::StatusCode::TOO_MANY_REQUESTS))
        }
        Err(false) => {
            tracing::info!(user = %username, %ip, "login failed");
            Ok(fail("用户名或密码不正确。", axum::http::StatusCode::UNAUTHORIZED))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn logout(State(state): State<AppState>, p: Principal, Form(f): Form<CsrfOnly>) -> AppResult<Response> {
    crate::auth::csrf::check(&p, &f.csrf)?;
    if let Some(token) = p.session_token.clone() {
        let actor = p.actor();
        let uid = p.user.id;
        state
            .db
            .run(move |c, _| {
                c.begin()?;
                users::end_session(c, &token)?;
                audit::record(c, &actor, Entry { region_code: None, entity: "user", entity_id: Some(uid.to_string()), action: "logout", before: None, after: None })?;
                c.commit()?;
                Ok(())
            })
            .await?;
    }
    let mut r = Redirect::to("/login?notice=logged_out").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_cookie()) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}
