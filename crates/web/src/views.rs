//! What every page shows around its content (the navigation bar), and small formatting helpers.

use crate::auth::Principal;
use crate::i18n::Lang;
use crate::regions::RegionNames;
use bangfu_domain::Capability;

/// HTML-escapes text (for the few places that build HTML outside templates).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query-string value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One of the user's roles, for the role switcher.
#[derive(Debug, Clone)]
pub struct RoleChoice {
    pub grant_id: i64,
    pub label: String,
    pub active: bool,
}

/// The frame of every logged-in page.
#[derive(Debug, Clone)]
pub struct Nav {
    pub l: Lang,
    pub user_name: String,
    pub role_label: String,
    pub scope_name: String,
    pub csrf: String,
    pub roles: Vec<RoleChoice>,
    pub can_import: bool,
    pub can_audit: bool,
    pub can_edit: bool,
    pub can_export: bool,
    pub can_reveal: bool,
    pub can_run_checks: bool,
    pub can_manage_rules: bool,
    /// May import department lists for comparison (数据比对).
    pub can_compare: bool,
    /// Which menu entry is current.
    pub current: &'static str,
}

impl Nav {
    pub fn new(p: &Principal, names: &RegionNames, current: &'static str) -> Nav {
        let l = p.lang();
        let role_label = |g: &bangfu_store::users::Grant| {
            let r = if l == Lang::En { g.role.label_en() } else { g.role.label() };
            format!("{r} · {}", names.scope_label(&g.region_code))
        };
        Nav {
            l,
            user_name: p.user.display_name.clone(),
            role_label: if l == Lang::En { p.grant.role.label_en().to_string() } else { p.grant.role.label().to_string() },
            scope_name: names.scope_label(&p.grant.region_code),
            csrf: p.csrf_token.clone(),
            roles: p.grants.iter().map(|g| RoleChoice { grant_id: g.id, label: role_label(g), active: g.id == p.grant.id }).collect(),
            can_import: p.can(Capability::Import),
            can_audit: p.can(Capability::ViewAudit),
            can_edit: p.can(Capability::EditRegistry),
            can_export: p.can(Capability::Export),
            can_reveal: p.can(Capability::RevealProtected),
            can_run_checks: p.can(Capability::RunChecks),
            can_manage_rules: p.can(Capability::ManageRules),
            can_compare: p.can(Capability::Compare),
            current,
        }
    }
}

/// 123456 fen → "1,234.56".
pub fn yuan(fen: i64) -> String {
    let s = bangfu_domain::value::format_hundredths(fen);
    let (int, frac) = s.split_once('.').map(|(a, b)| (a.to_string(), format!(".{b}"))).unwrap_or((s.clone(), String::new()));
    format!("{}{frac}", thousands_str(&int))
}

/// 1234567 → "1,234,567".
pub fn thousands(n: i64) -> String {
    thousands_str(&n.to_string())
}

fn thousands_str(s: &str) -> String {
    let (sign, digits) = s.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", s));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// A vocabulary code's Chinese label (the code itself when unknown; empty for None).
pub fn label(v: &bangfu_domain::vocab::Vocabulary, code: Option<&str>) -> String {
    match code {
        None => String::new(),
        Some(c) => v.by_code(c).map(|t| t.label.to_string()).unwrap_or_else(|| c.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_number_formats() {
        assert_eq!(escape("<a href=\"x\">'&"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(yuan(123456789), "1,234,567.89");
        assert_eq!(urlencode("张 a&b"), "%E5%BC%A0%20a%26b");
    }
}
