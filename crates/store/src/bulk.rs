//! Writing many rows into one table at once: prepared inserts on SQLite, COPY on PostgreSQL.

use crate::db::{params, Cell, Conn};
use crate::error::Result;
use std::io::Write;

/// Appends `rows` (cells in `columns` order) to `table`. Runs inside the caller's transaction.
pub fn write_rows(conn: &mut Conn, table: &str, columns: &[&str], rows: &[Vec<Cell>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        Conn::Sqlite(_) => {
            let marks = vec!["?"; columns.len()].join(", ");
            let sql = format!("INSERT INTO {table} ({}) VALUES ({marks})", columns.join(", "));
            for row in rows {
                conn.execute(&sql, &params(row))?;
            }
            Ok(())
        }
        Conn::Postgres(client) => {
            let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
            let mut writer = client.copy_in(sql.as_str())?;
            let mut line = String::with_capacity(1024);
            for row in rows {
                line.clear();
                for (i, cell) in row.iter().enumerate() {
                    if i > 0 {
                        line.push('\t');
                    }
                    copy_text(cell, &mut line);
                }
                line.push('\n');
                writer.write_all(line.as_bytes())?;
            }
            writer.finish()?;
            Ok(())
        }
    }
}

/// A cell in PostgreSQL's COPY text format.
fn copy_text(cell: &Cell, out: &mut String) {
    use std::fmt::Write as _;
    match cell {
        Cell::Null => out.push_str("\\N"),
        Cell::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Cell::Real(f) => {
            let _ = write!(out, "{f}");
        }
        Cell::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Cell::Date(d) => {
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
        Cell::Bytes(b) => {
            out.push_str("\\\\x");
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
        }
        Cell::Text(t) => {
            for c in t.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
    }
}
