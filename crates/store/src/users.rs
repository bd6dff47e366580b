//! Users, their role grants at region scopes, server-side sessions, API tokens and login throttling.

use crate::audit::{self, Actor, Entry};
use crate::db::{Conn, P, Row};
use crate::error::{Result, StoreError};
use bangfu_domain::Role;
use sha2::{Digest, Sha256};

/// A user account (never carries the password hash out of this module).
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub active: bool,
    pub must_change_password: bool,
    pub locale: String,
}

/// One role at one region scope (a code prefix; "" is the whole installation).
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub id: i64,
    pub role: Role,
    pub region_code: String,
}

/// A live session: the user, all their grants, the active one and the form token.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub grants: Vec<Grant>,
    pub active_grant: Option<i64>,
    pub csrf_token: String,
    pub expires_at: String,
}

/// Lowercase hex of sha256 — only hashes of session and API tokens are stored.
pub fn token_hash(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random token (32 bytes, hex).
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// argon2id hash of a password (PHC string). Slow by design: call off the async runtime.
pub fn hash_password(password: &str) -> Result<String> {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("无法计算密码哈希：{e}")))
}

/// Checks a password against a stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
    match PasswordHash::new(phc) {
        Ok(h) => argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// Password rules shown to users: at least 8 characters with letters and digits.
pub fn check_password_rules(password: &str) -> std::result::Result<(), String> {
    if password.chars().count() < 8 {
        return Err("密码至少 8 位，请换一个更长的密码".into());
    }
    if !password.chars().any(|c| c.is_ascii_digit()) || !password.chars().any(|c| c.is_alphabetic()) {
        return Err("密码须同时包含字母和数字".into());
    }
    Ok(())
}

fn user_of(r: &Row) -> User {
    User {
        id: r[0].int().unwrap_or_default(),
        username: r[1].string(),
        display_name: r[2].string(),
        active: r[3].bool().unwrap_or(false),
        must_change_password: r[4].bool().unwrap_or(false),
        locale: r[5].string(),
    }
}

const USER_COLS: &str = "u.id, u.username, u.display_name, u.active, u.must_change_password, u.locale";

/// Creates a user with an already-hashed password. Fails in Chinese if the name is taken.
pub fn create_user(conn: &mut Conn, actor: &Actor, username: &str, display_name: &str, password_hash: &str, must_change: bool) -> Result<i64> {
    let username = username.trim();
    if username.is_empty() || username.chars().count() > 64 || username.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(StoreError::Invalid(format!("用户名“{username}”不可用：不能为空、不能含空格，最长 64 个字符")));
    }
    if find_user(conn, username)?.is_some() {
        return Err(StoreError::Invalid(format!("用户名“{username}”已存在，请换一个")));
    }
    let id = crate::ids::allocate(conn, "app_user", 1)?;
    let now = crate::now_utc();
    conn.execute(
        "INSERT INTO app_user (id, username, display_name, password_hash, active, must_change_password, locale, created_at, password_changed_at) \
         VALUES (?, ?, ?, ?, ?, ?, 'zh', ?, ?)",
        &[P::Int(id), P::Text(username), P::Text(display_name), P::Text(password_hash), P::Bool(true), P::Bool(must_change), P::Text(&now), P::Text(&now)],
    )?;
    audit::record(
        conn,
        actor,
        Entry {
            region_code: None,
            entity: "user",
            entity_id: Some(id.to_string()),
            action: "create",
            before: None,
            after: Some(serde_json::json!({"username": username, "display_name": display_name}).to_string()),
        },
    )?;
    Ok(id)
}

pub fn find_user(conn: &mut Conn, username: &str) -> Result<Option<User>> {
    let row = conn.query_opt(&format!("SELECT {USER_COLS} FROM app_user u WHERE u.username = ?"), &[P::Text(username.trim())])?;
    Ok(row.as_ref().map(user_of))
}

pub fn list_users(conn: &mut Conn) -> Result<Vec<(User, Vec<Grant>)>> {
    let users: Vec<User> = conn.query(&format!("SELECT {USER_COLS} FROM app_user u ORDER BY u.username"), &[])?.iter().map(user_of).collect();
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        let g = grants_of(conn, u.id)?;
        out.push((u, g));
    }
    Ok(out)
}

/// The stored hash, for login (None when the user does not exist or is disabled).
pub fn password_hash_of(conn: &mut Conn, username: &str) -> Result<Option<(User, String)>> {
    let row = conn.query_opt(&format!("SELECT {USER_COLS}, u.password_hash FROM app_user u WHERE u.username = ? AND u.active"), &[P::Text(username.trim())])?;
    Ok(row.map(|r| (user_of(&r), r[6].string())))
}

pub fn set_password(conn: &mut Conn, actor: &Actor, user_id: i64, password_hash: &str, must_change: bool) -> Result<()> {
    let now = crate::now_utc();
    let n = conn.execute(
        "UPDATE app_user SET password_hash = ?, must_change_password = ?, password_changed_at = ? WHERE id = ?",
        &[P::Text(password_hash), P::Bool(must_change), P::Text(&now), P::Int(user_id)],
    )?;
    if n == 0 {
        return Err(StoreError::Invalid("用户不存在".into()));
    }
    // a new password ends every other session of the user
    conn.execute("DELETE FROM web_session WHERE user_id = ?", &[P::Int(user_id)])?;
    audit::record(
        conn,
        actor,
        Entry { region_code: None, entity: "user", entity_id: Some(user_id.to_string()), action: "set_password", before: None, after: None },
    )
}

pub fn set_locale(conn: &mut Conn, user_id: i64, locale: &str) -> Result<()> {
    conn.execute("UPDATE app_user SET locale = ? WHERE id = ?", &[P::Text(locale), P::Int(user_id)])?;
    Ok(())
}

pub fn grants_of(conn: &mut Conn, user_id: i64) -> Result<Vec<Grant>> {
    let rows = conn.query("SELECT id, role, region_code FROM role_grant WHERE user_id = ? ORDER BY id", &[P::Int(user_id)])?;
    Ok(rows
        .iter()
        .filter_map(|r| Some(Grant { id: r[0].int()?, role: Role::parse(r[1].text()?)?, region_code: r[2].string() }))
        .collect())
}

/// Grants a role at a region scope ("" = whole installation, only for administrators and inspectors).
pub fn grant(conn: &mut Conn, actor: &Actor, user_id: i64, role: Role, region_code: &str) -> Result<i64> {
    if let Some(g) = grants_of(conn, user_id)?.into_iter().find(|g| g.role == role && g.region_code == region_code) {
        return Ok(g.id);
    }
    let id = crate::ids::allocate(conn, "role_grant", 1)?;
    let now = crate::now_utc();
    conn.execute(
        "INSERT INTO role_grant (id, user_id, role, region_code, granted_at, granted_by) VALUES (?, ?, ?, ?, ?, ?)",
        &[P::Int(id), P::Int(user_id), P::Text(role.code()), P::Text(region_code), P::Text(&now), P::Text(&actor.name)],
    )?;
    audit::record(
        conn,
        actor,
        Entry {
            region_code: if region_code.is_empty() { None } else { Some(region_code) },
            entity: "user",
            entity_id: Some(user_id.to_string()),
            action: "grant",
            before: None,
            after: Some(serde_json::json!({"role": role.code(), "region_code": region_code}).to_string()),
        },
    )?;
    Ok(id)
}

pub fn revoke(conn: &mut Conn, actor: &Actor, user_id: i64, grant_id: i64) -> Result<()> {
    conn.execute("DELETE FROM role_grant WHERE id = ? AND user_id = ?", &[P::Int(grant_id), P::Int(user_id)])?;
    conn.execute("UPDATE web_session SET grant_id = NULL WHERE user_id = ? AND grant_id = ?", &[P::Int(user_id), P::Int(grant_id)])?;
    audit::record(
        conn,
        actor,
        Entry { region_code: None, entity: "user", entity_id: Some(user_id.to_string()), action: "revoke", before: Some(grant_id.to_string()), after: None },
    )
}

/// Starts a session; returns the cookie token (only its hash is stored).
pub fn create_session(conn: &mut Conn, user_id: i64, grant_id: Option<i64>, ip: Option<&str>, lifetime: chrono::Duration) -> Result<String> {
    let token = new_token();
    let csrf = new_token();
    let now = chrono::Utc::now();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    conn.execute(
        "INSERT INTO web_session (token_hash, user_id, grant_id, csrf_token, created_at, expires_at, last_seen_at, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            P::Text(&token_hash(&token)),
            P::Int(user_id),
            grant_id.map(P::Int).unwrap_or(P::Null),
            P::Text(&csrf),
            P::Text(&fmt(now)),
            P::Text(&fmt(now + lifetime)),
            P::Text(&fmt(now)),
            ip.map(P::Text).unwrap_or(P::Null),
        ],
    )?;
    Ok(token)
}

/// The live session behind a cookie token, or None when unknown or expired.
pub fn session(conn: &mut Conn, token: &str) -> Result<Option<SessionInfo>> {
    let now = crate::now_utc();
    let row = conn.query_opt(
        &format!(
            "SELECT {USER_COLS}, s.grant_id, s.csrf_token, s.expires_at FROM web_session s JOIN app_user u ON u.id = s.user_id \
             WHERE s.token_hash = ? AND s.expires_at > ? AND u.active"
        ),
        &[P::Text(&token_hash(token)), P::Text(&now)],
    )?;
    let Some(r) = row else { return Ok(None) };
    let user = user_of(&r);
    let grants = grants_of(conn, user.id)?;
    let active_grant = r[6].int().filter(|g| grants.iter().any(|x| x.id == *g));
    Ok(Some(SessionInfo { user, grants, active_grant, csrf_token: r[7].string(), expires_at: r[8].string() }))
}

pub fn end_session(conn: &mut Conn, token: &str) -> Result<()> {
    conn.execute("DELETE FROM web_session WHERE token_hash = ?", &[P::Text(&token_hash(token))])?;
    Ok(())
}

pub fn switch_grant(conn: &mut Conn, token: &str, grant_id: i64) -> Result<()> {
    conn.execute("UPDATE web_session SET grant_id = ? WHERE token_hash = ?", &[P::Int(grant_id), P::Text(&token_hash(token))])?;
    Ok(())
}

/// Removes expired sessions and old login attempts.
pub fn purge_expired(conn: &mut Conn) -> Result<u64> {
    let now = crate::now_utc();
    let day_ago = (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let a = conn.execute("DELETE FROM web_session WHERE expires_at <= ?", &[P::Text(&now)])?;
    let b = conn.execute("DELETE FROM login_attempt WHERE at < ?", &[P::Text(&day_ago)])?;
    Ok(a + b)
}

pub fn record_attempt(conn: &mut Conn, username: &str, ip: Option<&str>, succeeded: bool) -> Result<()> {
    let now = crate::now_utc();
    conn.execute(
        "INSERT INTO login_attempt (username, ip, at, succeeded) VALUES (?, ?, ?, ?)",
        &[P::Text(username), ip.map(P::Text).unwrap_or(P::Null), P::Text(&now), P::Bool(succeeded)],
    )?;
    Ok(())
}

/// Failed attempts for a user name since its last success, within `window`.
pub fn recent_failures(conn: &mut Conn, username: &str, window: chrono::Duration) -> Result<i64> {
    let since = (chrono::Utc::now() - window).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let last_ok = conn
        .query_opt("SELECT MAX(at) FROM login_attempt WHERE username = ? AND succeeded", &[P::Text(username)])?
        .and_then(|r| r[0].text().map(str::to_string))
        .unwrap_or_default();
    let from = if last_ok > since { last_ok } else { since };
    conn.query_int("SELECT COUNT(*) FROM login_attempt WHERE username = ? AND NOT succeeded AND at > ?", &[P::Text(username), P::Text(&from)])
}

/// Issues an API token for one of the user's grants; returns the token (shown once).
pub fn create_api_token(conn: &mut Conn, actor: &Actor, user_id: i64, grant_id: i64, name: &str, days: i64) -> Result<String> {
    let token = format!("bf_{}", new_token());
    let id = crate::ids::allocate(conn, "api_token", 1)?;
    let now = chrono::Utc::now();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    conn.execute(
        "INSERT INTO api_token (id, user_id, grant_id, name, token_hash, created_at, expires_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            P::Int(id),
            P::Int(user_id),
            P::Int(grant_id),
            P::Text(name),
            P::Text(&token_hash(&token)),
            P::Text(&fmt(now)),
            P::Text(&fmt(now + chrono::Duration::days(days))),
            P::Bool(false),
        ],
    )?;
    audit::record(
        conn,
        actor,
        Entry { region_code: None, entity: "user", entity_id: Some(user_id.to_string()), action: "create_api_token", before: None, after: Some(serde_json::json!({"name": name, "days": days}).to_string()) },
    )?;
    Ok(token)
}

/// The user and grant behind a bearer token.
pub fn api_token(conn: &mut Conn, token: &str) -> Result<Option<(User, Grant)>> {
    let now = crate::now_utc();
    let row = conn.query_opt(
        &format!(
            "SELECT {USER_COLS}, g.id, g.role, g.region_code FROM api_token t JOIN app_user u ON u.id = t.user_id JOIN role_grant g ON g.id = t.grant_id \
             WHERE t.token_hash = ? AND NOT t.revoked AND t.expires_at > ? AND u.active"
        ),
        &[P::Text(&token_hash(token)), P::Text(&now)],
    )?;
    Ok(row.and_then(|r| {
        let role = Role::parse(r[7].text()?)?;
        Some((user_of(&r), Grant { id: r[6].int()?, role, region_code: r[8].string() }))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("secret123").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("secret123", &h));
        assert!(!verify_password("secret124", &h));
        assert!(!verify_password("secret123", "not a hash"));
    }

    #[test]
    fn password_rules_say_what_is_wrong() {
        assert!(check_password_rules("short1").unwrap_err().contains("8"));
        assert!(check_password_rules("onlyletters").unwrap_err().contains("字母和数字"));
        assert!(check_password_rules("abc12345").is_ok());
    }
}
