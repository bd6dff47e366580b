//! The user's own account: change password, switch the active role, language, API tokens.

use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_store::users;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    nav: Nav,
    must_change: bool,
    error: Option<String>,
    notice: Option<String>,
    new_token: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct AccountQuery {
    #[serde(default)]
    must_change: Option<String>,
}

pub async fn show(State(state): State<AppState>, p: Principal, Query(q): Query<AccountQuery>) -> Response {
    let nav = Nav::new(&p, &state.names(), "account");
    render(&AccountPage { nav, must_change: q.must_change.is_some() || p.user.must_change_password, error: None, notice: None, new_token: None })
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new1: String,
    #[serde(default)]
    new2: String,
}

pub async fn change_password(State(state): State<AppState>, p: Principal, Form(f): Form<PasswordForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    let problem = if f.new1 != f.new2 {
        Some("两次输入的新密码不一致，请重新输入".to_string())
    } else if f.new1 == f.current {
        Some("新密码不能与当前密码相同".to_string())
    } else {
        users::check_password_rules(&f.new1).err()
    };
    let nav = Nav::new(&p, &state.names(), "account");
    if let Some(e) = problem {
        return Ok((axum::http::StatusCode::BAD_REQUEST, render(&AccountPage { nav, must_change: false, error: Some(e), notice: None, new_token: None })).into_response());
    }
    let (username, uid, actor) = (p.user.username.clone(), p.user.id, p.actor());
    let ok = state
        .db
        .run(move |c, _| {
            let Some((_, hash)) = users::password_hash_of(c, &username)? else { return Ok(false) };
            if !users::verify_password(&f.current, &hash) {
                return Ok(false);
            }
            let new_hash = users::hash_password(&f.new1)?;
            c.begin()?;
            users::set_password(c, &actor, uid, &new_hash, false)?;
            c.commit()?;
            Ok(true)
        })
        .await?;
    if !ok {
        return Ok((axum::http::StatusCode::BAD_REQUEST, render(&AccountPage { nav, must_change: false, error: Some("当前密码不正确".into()), notice: None, new_token: None })).into_response());
    }
    Ok(Redirect::to("/login?notice=password_changed").into_response())
}

#[derive(serde::Deserialize)]
pub struct RoleForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    grant_id: i64,
}

pub async fn switch_role(State(state): State<AppState>, p: Principal, Form(f): Form<RoleForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    if !p.grants.iter().any(|g| g.id == f.grant_id) {
        return Err(AppError::Forbidden("您没有这个角色".into()));
    }
    let token = p.session_token.clone().ok_or(AppError::Unauthorized)?;
    state.db.run(move |c, _| Ok(users::switch_grant(c, &token, f.grant_id)?)).await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(serde::Deserialize)]
pub struct LangForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    lang: String,
}

pub async fn set_lang(State(state): State<AppState>, p: Principal, Form(f): Form<LangForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    let lang = crate::i18n::Lang::parse(&f.lang).code();
    let uid = p.user.id;
    state.db.run(move |c, _| Ok(users::set_locale(c, uid, lang)?)).await?;
    Ok(Redirect::to("/account").into_response())
}

#[derive(serde::Deserialize)]
pub struct TokenForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    name: String,
}

pub async fn create_token(State(state): State<AppState>, p: Principal, Form(f): Form<TokenForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    let name = f.name.trim().chars().take(60).collect::<String>();
    if name.is_empty() {
        return Err(AppError::BadRequest("请填写令牌的用途".into()));
    }
    let (uid, gid, actor) = (p.user.id, p.grant.id, p.actor());
    let token = state
        .db
        .run(move |c, _| {
            c.begin()?;
            let t = users::create_api_token(c, &actor, uid, gid, &name, 90)?;
            c.commit()?;
            Ok(t)
        })
        .await?;
    let nav = Nav::new(&p, &state.names(), "account");
    Ok(render(&AccountPage { nav, must_change: false, error: None, notice: None, new_token: Some(token) }))
}

