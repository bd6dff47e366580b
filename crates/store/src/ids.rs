//! Identifiers handed out in blocks by the database (no reliance on sequences or rowids for
//! ordering, so bulk paths can number rows before writing them and a sharded engine works the same).

use crate::db::{Conn, P};
use crate::error::Result;

/// Reserves `n` consecutive ids for `name` and returns the first. Call inside the caller's transaction.
pub fn allocate(conn: &mut Conn, name: &str, n: i64) -> Result<i64> {
    let updated = conn.execute("UPDATE id_allocator SET next_id = next_id + ? WHERE name = ?", &[P::Int(n), P::Text(name)])?;
    if updated == 0 {
        conn.execute("INSERT INTO id_allocator (name, next_id) VALUES (?, ?)", &[P::Text(name), P::Int(1 + n)])?;
        return Ok(1);
    }
    Ok(conn.query_int("SELECT next_id FROM id_allocator WHERE name = ?", &[P::Text(name)])? - n)
}
