//! Who is asking: sessions (cookie) and API tokens (bearer), the active role and its region scope,
//! CSRF checks for forms, and login throttling.

pub mod csrf;
pub mod principal;

pub use principal::Principal;

/// Name of the session cookie.
pub const COOKIE: &str = "bangfu_session";

/// The value of one cookie in a Cookie header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|p| p.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// Set-Cookie for a new session: HttpOnly, SameSite=Lax, whole site.
pub fn session_cookie(token: &str, hours: i64) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}", hours * 3600)
}

pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cookie_values_are_found_by_name() {
        assert_eq!(super::cookie_value("a=1; bangfu_session=xyz; b=2", "bangfu_session"), Some("xyz"));
        assert_eq!(super::cookie_value("a=1", "bangfu_session"), None);
    }
}
