//! CSRF protection: every form carries the session's token in `_csrf`; every state-changing API call
//! made with a session cookie carries it in `X-CSRF-Token`. API tokens are not sent by browsers, so
//! bearer requests need no CSRF token.

use crate::auth::Principal;
use crate::error::AppError;

/// Compares in constant time.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a form's `_csrf` value against the session.
pub fn check(p: &Principal, submitted: &str) -> Result<(), AppError> {
    if p.via_api_token {
        return Ok(());
    }
    if !p.csrf_token.is_empty() && same(&p.csrf_token, submitted) {
        Ok(())
    } else {
        Err(AppError::Forbidden("表单已过期或来源不明（安全校验失败）。请刷新页面后重新提交".into()))
    }
}

/// Checks the `X-CSRF-Token` header of an API call made with a session cookie.
pub fn check_header(p: &Principal, headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    let v = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
    check(p, v)
}
