//! Identifiers handed out in blocks by the database (no reliance on sequences or rowids for
//! ordering, so bulk paths can number rows before writing them and a sharded engine works the same).

use crate::db::{Conn, P};
use crate::error::{Result, StoreError};

/// Reserves `n` consecutive ids for `name` and returns the first. One atomic statement, so it is
/// safe outside a transaction too (there it holds the allocator's row only for that statement).
pub fn allocate(conn: &mut Conn, name: &str, n: i64) -> Result<i64> {
    let take = |conn: &mut Conn| conn.query_opt("UPDATE id_allocator SET next_id = next_id + ? WHERE name = ? RETURNING next_id - ?", &[P::Int(n), P::Text(name), P::Int(n)]);
    if let Some(r) = take(conn)? {
        return r[0].int().ok_or_else(|| StoreError::Invalid(format!("编号分配器“{name}”损坏")));
    }
    // the first allocation for this name (concurrent first callers wait for each other here)
    conn.execute("INSERT INTO id_allocator (name, next_id) VALUES (?, 1) ON CONFLICT (name) DO NOTHING", &[P::Text(name)])?;
    take(conn)?.and_then(|r| r[0].int()).ok_or_else(|| StoreError::Invalid(format!("无法为“{name}”分配编号")))
}
