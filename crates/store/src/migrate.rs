//! The one migration chain for both backends: numbered SQL files applied in order, each in a transaction.

use crate::db::{Backend, Conn, P};
use crate::error::{Result, StoreError};

/// Every migration, oldest first. Never edit a released one: add the next.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "registry", include_str!("../migrations/0001_registry.sql")),
    (2, "access", include_str!("../migrations/0002_access.sql")),
    (3, "search", include_str!("../migrations/0003_search.sql")),
    (4, "dashboard", include_str!("../migrations/0004_dashboard.sql")),
    (5, "quality", include_str!("../migrations/0005_quality.sql")),
    (6, "comparison", include_str!("../migrations/0006_comparison.sql")),
    (7, "pairing", include_str!("../migrations/0007_pairing.sql")),
    (8, "reference", include_str!("../migrations/0008_reference.sql")),
    (10, "compliance", include_str!("../migrations/0010_compliance.sql")),
    (11, "workflow", include_str!("../migrations/0011_workflow.sql")),
];

/// The version this program needs.
pub fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

fn dialect(sql: &str, backend: Backend) -> String {
    match backend {
        // in SQLite only `INTEGER PRIMARY KEY` makes the id the rowid (no second index to maintain)
        Backend::Sqlite => sql.replace("{BLOB}", "BLOB").replace(" {C}", "").replace("id BIGINT PRIMARY KEY", "id INTEGER PRIMARY KEY"),
        Backend::Postgres => sql.replace("{BLOB}", "BYTEA").replace("{C}", "COLLATE \"C\""),
    }
}

/// The schema version of a database (0 when empty).
pub fn current_version(conn: &mut Conn) -> Result<i64> {
    if !conn.table_exists("schema_migrations")? {
        return Ok(0);
    }
    conn.query_int("SELECT MAX(version) FROM schema_migrations", &[])
}

/// Applies the missing migrations; returns the versions applied.
pub fn migrate(conn: &mut Conn) -> Result<Vec<i64>> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current = current_version(conn)?;
    if current > latest() {
        return Err(StoreError::TooNew(current));
    }
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        conn.begin()?;
        let result = (|| -> Result<()> {
            conn.batch(&dialect(sql, conn.backend()))?;
            if *version == 2 {
                // audit entries written before the trail was hash-chained join their chains
                crate::audit::chain_unchained(conn)?;
            }
            if *version == 3 {
                // pinyin initials cannot be computed in SQL: existing members get theirs here
                crate::registry::write::fill_missing_initials(conn)?;
            }
            let now = crate::now_utc();
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                &[P::Int(*version), P::Text(name), P::Text(&now)],
            )?;
            Ok(())
        })();
        match result {
            Ok(()) => conn.commit()?,
            Err(e) => {
                let _ = conn.rollback();
                return Err(e);
            }
        }
        applied.push(*version);
    }
    Ok(applied)
}

/// Fails unless the database is at the version this program needs.
pub fn require_current(conn: &mut Conn) -> Result<()> {
    let current = current_version(conn)?;
    match current.cmp(&latest()) {
        std::cmp::Ordering::Less => Err(StoreError::NotMigrated { current, needed: latest() }),
        std::cmp::Ordering::Greater => Err(StoreError::TooNew(current)),
        std::cmp::Ordering::Equal => Ok(()),
    }
}
