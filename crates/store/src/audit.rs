//! The audit trail: who changed what, when, from where, before and after — written in the
//! same transaction as the change. (Hash-chaining and the search page come with the web layer.)

use crate::db::{Conn, P};
use crate::error::Result;

/// Who is acting and through which door (cli, import, web, api).
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub source: &'static str,
}

impl Actor {
    /// The operating-system user running the command line.
    pub fn cli() -> Actor {
        let name = std::env::var("BANGFU_USER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "unknown".into());
        Actor { name: format!("cli:{name}"), source: "cli" }
    }
}

/// One audit entry. `before`/`after` are JSON with protected values already masked.
pub struct Entry<'a> {
    pub region_code: Option<&'a str>,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub action: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub fn record(conn: &mut Conn, actor: &Actor, e: Entry<'_>) -> Result<()> {
    let id = crate::ids::allocate(conn, "audit_log", 1)?;
    let now = crate::now_utc();
    conn.execute(
        "INSERT INTO audit_log (id, at, actor, source, region_code, entity, entity_id, action, before_value, after_value) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            P::Int(id),
            P::Text(&now),
            P::Text(&actor.name),
            P::Text(actor.source),
            e.region_code.map(P::Text).unwrap_or(P::Null),
            P::Text(e.entity),
            e.entity_id.as_deref().map(P::Text).unwrap_or(P::Null),
            P::Text(e.action),
            e.before.as_deref().map(P::Text).unwrap_or(P::Null),
            e.after.as_deref().map(P::Text).unwrap_or(P::Null),
        ],
    )?;
    Ok(())
}

/// Number of entries, optionally for one entity kind (for tests and summaries).
pub fn count(conn: &mut Conn, entity: Option<&str>) -> Result<i64> {
    match entity {
        Some(e) => conn.query_int("SELECT COUNT(*) FROM audit_log WHERE entity = ?", &[P::Text(e)]),
        None => conn.query_int("SELECT COUNT(*) FROM audit_log", &[]),
    }
}
