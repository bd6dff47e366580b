//! One connection to SQLite or PostgreSQL behind one small API: `?` placeholders, typed params and cells.

use crate::error::{Result, StoreError};
use chrono::NaiveDate;
use postgres::types::{IsNull, ToSql, Type};
use std::path::PathBuf;

/// Which engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database is: a SQLite file or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbUrl {
    /// `postgres://…`/`postgresql://…` → PostgreSQL; `sqlite:PATH`, `sqlite://PATH` or a bare path → SQLite.
    pub fn parse(text: &str) -> Result<DbUrl> {
        let t = text.trim();
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(t.to_string()));
        }
        let path = t.strip_prefix("sqlite://").or_else(|| t.strip_prefix("sqlite:")).unwrap_or(t);
        if path.is_empty() || path.contains("://") {
            return Err(StoreError::BadUrl(t.to_string()));
        }
        Ok(DbUrl::Sqlite(PathBuf::from(path)))
    }
    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Sqlite(_) => Backend::Sqlite,
            DbUrl::Postgres(_) => Backend::Postgres,
        }
    }
    /// For messages and logs: PostgreSQL passwords are hidden.
    pub fn display(&self) -> String {
        match self {
            DbUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
            DbUrl::Postgres(u) => match (u.find("://"), u.rfind('@')) {
                (Some(s), Some(at)) if u[s + 3..at].contains(':') => {
                    let user_end = u[s + 3..at].find(':').map(|i| s + 3 + i).unwrap_or(at);
                    format!("{}:***{}", &u[..user_end], &u[at..])
                }
                _ => u.clone(),
            },
        }
    }
}

/// A statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum P<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Bool(bool),
    Date(NaiveDate),
    Bytes(&'a [u8]),
    /// A text array (PostgreSQL `= ANY(?)`); SQLite callers expand lists into `IN (…)` instead.
    Texts(&'a [&'a str]),
}

/// A value read back.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Bytes(Vec<u8>),
}

impl Cell {
    pub fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(*i),
            Cell::Real(f) => Some(*f as i64),
            Cell::Bool(b) => Some(*b as i64),
            Cell::Text(t) => t.parse().ok(),
            _ => None,
        }
    }
    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(t) => Some(t),
            _ => None,
        }
    }
    pub fn string(&self) -> String {
        self.text().unwrap_or_default().to_string()
    }
    pub fn bool(&self) -> Option<bool> {
        match self {
            Cell::Bool(b) => Some(*b),
            Cell::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Cell::Date(d) => Some(*d),
            Cell::Text(t) => iso_date(t).or_else(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()),
            _ => None,
        }
    }
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Cell::Bytes(b) => Some(b),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }
}

/// A row read back: cells in select order.
pub type Row = Vec<Cell>;

/// A NULL PostgreSQL accepts for a parameter of any type.
#[derive(Debug)]
struct AnyNull;

impl ToSql for AnyNull {
    fn to_sql(&self, _: &Type, _: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(IsNull::Yes)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    postgres::types::to_sql_checked!();
}

/// An integer PostgreSQL accepts for int2/int4/int8 parameters alike.
#[derive(Debug)]
struct AnyInt(i64);

impl ToSql for AnyInt {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *ty {
            Type::INT2 => i16::try_from(self.0)?.to_sql(ty, out),
            Type::INT4 => i32::try_from(self.0)?.to_sql(ty, out),
            Type::FLOAT8 => (self.0 as f64).to_sql(ty, out),
            Type::TEXT | Type::VARCHAR => self.0.to_string().to_sql(ty, out),
            _ => self.0.to_sql(ty, out),
        }
    }
    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::INT2 | Type::INT4 | Type::INT8 | Type::FLOAT8 | Type::TEXT | Type::VARCHAR)
    }
    postgres::types::to_sql_checked!();
}

/// An open connection.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

impl Conn {
    pub fn open(url: &DbUrl) -> Result<Conn> {
        match url {
            DbUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let c = rusqlite::Connection::open(path)?;
                c.busy_timeout(std::time::Duration::from_secs(30))?;
                // case_sensitive_like lets `region_code LIKE 'prefix%'` (every scope filter) use the index
                c.execute_batch(
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
                     PRAGMA cache_size=-262144; \
                     PRAGMA case_sensitive_like=ON;",
                )?;
                Ok(Conn::Sqlite(c))
            }
            DbUrl::Postgres(u) => {
                let mut c = postgres::Client::connect(u, postgres::NoTls)?;
                c.batch_execute("SET client_min_messages = warning")?;
                Ok(Conn::Postgres(Box::new(c)))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs statements without parameters (DDL, BEGIN/COMMIT).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => Ok(c.batch_execute(sql)?),
        }
    }

    pub fn execute(&mut self, sql: &str, params: &[P]) -> Result<u64> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                bind_sqlite(&mut st, params)?;
                Ok(st.raw_execute()? as u64)
            }
            Conn::Postgres(c) => {
                let sql = dollar_placeholders(sql);
                let boxed = pg_params(params);
                let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
                Ok(c.execute(sql.as_str(), &refs)?)
            }
        }
    }

    pub fn query(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                bind_sqlite(&mut st, params)?;
                let n = st.column_count();
                let mut rows = st.raw_query();
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let mut row = Vec::with_capacity(n);
                    for i in 0..n {
                        row.push(sqlite_cell(r.get_ref(i)?));
                    }
                    out.push(row);
                }
                Ok(out)
            }
            Conn::Postgres(c) => {
                let sql = dollar_placeholders(sql);
                let boxed = pg_params(params);
                let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
                let rows = c.query(sql.as_str(), &refs)?;
                rows.iter().map(pg_row).collect()
            }
        }
    }

    /// Streams the rows of a query to `f` without holding them all (for copying whole tables).
    pub fn for_each_row(&mut self, sql: &str, mut f: impl FnMut(Row) -> Result<()>) -> Result<()> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare(sql)?;
                let n = st.column_count();
                let mut rows = st.raw_query();
                while let Some(r) = rows.next()? {
                    let mut row = Vec::with_capacity(n);
                    for i in 0..n {
                        row.push(sqlite_cell(r.get_ref(i)?));
                    }
                    f(row)?;
                }
                Ok(())
            }
            Conn::Postgres(c) => {
                use fallible_iterator::FallibleIterator;
                let mut it = c.query_raw(sql, std::iter::empty::<&(dyn ToSql + Sync)>())?;
                while let Some(r) = it.next()? {
                    f(pg_row(&r)?)?;
                }
                Ok(())
            }
        }
    }

    pub fn query_opt(&mut self, sql: &str, params: &[P]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// A single integer (COUNT(*), MAX(id)); NULL reads as 0.
    pub fn query_int(&mut self, sql: &str, params: &[P]) -> Result<i64> {
        Ok(self.query_opt(sql, params)?.and_then(|r| r.first().and_then(Cell::int)).unwrap_or(0))
    }

    pub fn begin(&mut self) -> Result<()> {
        match self {
            Conn::Sqlite(_) => self.batch("BEGIN IMMEDIATE"),
            Conn::Postgres(_) => self.batch("BEGIN"),
        }
    }
    pub fn commit(&mut self) -> Result<()> {
        self.batch("COMMIT")
    }
    pub fn rollback(&mut self) -> Result<()> {
        self.batch("ROLLBACK")
    }

    /// Runs `f` in a transaction: committed when it returns Ok, rolled back (nothing written) otherwise.
    pub fn in_tx<T>(&mut self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        self.begin()?;
        match f(self) {
            Ok(v) => {
                self.commit()?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.rollback();
                Err(e)
            }
        }
    }

    /// Refreshes the planner's statistics after a bulk load. PostgreSQL plans badly without them
    /// (a freshly loaded county looks empty); on SQLite the registry queries choose their plan in
    /// code, so nothing is done there.
    pub fn analyze(&mut self) -> Result<()> {
        match self {
            Conn::Sqlite(_) => Ok(()),
            Conn::Postgres(_) => self.batch("ANALYZE"),
        }
    }

    /// Whether a table exists (used by migrations).
    pub fn table_exists(&mut self, name: &str) -> Result<bool> {
        let sql = match self.backend() {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
            Backend::Postgres => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?",
        };
        Ok(self.query_int(sql, &[P::Text(name)])? > 0)
    }

    pub fn sqlite(&mut self) -> Option<&mut rusqlite::Connection> {
        match self {
            Conn::Sqlite(c) => Some(c),
            Conn::Postgres(_) => None,
        }
    }
    pub fn postgres(&mut self) -> Option<&mut postgres::Client> {
        match self {
            Conn::Postgres(c) => Some(c),
            Conn::Sqlite(_) => None,
        }
    }
}

fn bind_sqlite(st: &mut rusqlite::CachedStatement<'_>, params: &[P]) -> Result<()> {
    for (i, p) in params.iter().enumerate() {
        let idx = i + 1;
        match p {
            P::Null => st.raw_bind_parameter(idx, rusqlite::types::Null)?,
            P::Int(v) => st.raw_bind_parameter(idx, v)?,
            P::Text(v) => st.raw_bind_parameter(idx, v)?,
            P::Bool(v) => st.raw_bind_parameter(idx, *v as i64)?,
            P::Date(d) => st.raw_bind_parameter(idx, d.format("%Y-%m-%d").to_string())?,
            P::Bytes(b) => st.raw_bind_parameter(idx, b)?,
            P::Texts(_) => return Err(StoreError::Invalid("SQLite 不支持数组参数：请展开为 IN (…)".into())),
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` without the general formatter (dates are read by the million in rule runs).
fn iso_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

fn sqlite_cell(v: rusqlite::types::ValueRef<'_>) -> Cell {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::Real(f),
        ValueRef::Text(t) => Cell::Text(match std::str::from_utf8(t) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(t).into_owned(),
        }),
        ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
    }
}

fn pg_params(params: &[P]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                P::Null => Box::new(AnyNull),
                P::Int(v) => Box::new(AnyInt(*v)),
                P::Text(v) => Box::new(v.to_string()),
                P::Bool(v) => Box::new(*v),
                P::Date(d) => Box::new(*d),
                P::Bytes(b) => Box::new(b.to_vec()),
                P::Texts(t) => Box::new(t.iter().map(|s| s.to_string()).collect::<Vec<String>>()),
            }
        })
        .collect()
}

fn pg_row(r: &postgres::Row) -> Result<Row> {
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let ty = col.type_();
        let cell = match *ty {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Cell::Int),
            Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|v| Cell::Int(v as i64)),
            Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|v| Cell::Int(v as i64)),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Cell::Real),
            Type::FLOAT4 => r.try_get::<_, Option<f32>>(i)?.map(|v| Cell::Real(v as f64)),
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(Cell::Bool),
            Type::DATE => r.try_get::<_, Option<NaiveDate>>(i)?.map(Cell::Date),
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Cell::Bytes),
            Type::NUMERIC => r.try_get::<_, Option<String>>(i).ok().flatten().map(Cell::Text),
            _ => r.try_get::<_, Option<String>>(i)?.map(Cell::Text),
        };
        out.push(cell.unwrap_or(Cell::Null));
    }
    Ok(out)
}

/// `?` → `$1, $2, …` outside string literals.
pub fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut in_str = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_str = !in_str;
                out.push(c);
            }
            '?' if !in_str => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            c => out.push(c),
        }
    }
    out
}

impl Cell {
    /// Borrows a cell as a statement parameter.
    pub fn as_p(&self) -> P<'_> {
        match self {
            Cell::Null => P::Null,
            Cell::Int(i) => P::Int(*i),
            Cell::Real(f) => P::Int(*f as i64),
            Cell::Text(t) => P::Text(t),
            Cell::Bool(b) => P::Bool(*b),
            Cell::Date(d) => P::Date(*d),
            Cell::Bytes(b) => P::Bytes(b),
        }
    }
}

/// Borrows owned cells as parameters.
pub fn params(cells: &[Cell]) -> Vec<P<'_>> {
    cells.iter().map(Cell::as_p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_and_hide_passwords() {
        assert_eq!(DbUrl::parse("bangfu.db").unwrap(), DbUrl::Sqlite("bangfu.db".into()));
        assert_eq!(DbUrl::parse("sqlite:/tmp/x.db").unwrap(), DbUrl::Sqlite("/tmp/x.db".into()));
        let pg = DbUrl::parse("postgres://bf:secret@127.0.0.1/bangfu").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert_eq!(pg.display(), "postgres://bf:***@127.0.0.1/bangfu");
        assert!(DbUrl::parse("mysql://x").is_err());
    }

    #[test]
    fn placeholders_skip_string_literals() {
        assert_eq!(dollar_placeholders("a = ? AND b = '?' AND c = ?"), "a = $1 AND b = '?' AND c = $2");
    }
}
