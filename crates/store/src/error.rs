//! The store's error type: what went wrong with the database, in words an administrator can act on.

/// Errors from the store. Messages are Chinese and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库地址“{0}”无法识别：请使用 SQLite 文件路径（如 bangfu.db 或 sqlite:bangfu.db）或 postgres://用户@主机/库名")]
    BadUrl(String),
    #[error("SQLite 数据库错误：{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL 数据库错误：{0}")]
    Postgres(#[from] postgres::Error),
    #[error("密钥文件 {path} 无法使用：{reason}")]
    Key { path: String, reason: String },
    #[error("数据库尚未初始化或版本过旧：请先运行 `bangfu migrate`（当前版本 {current}，需要 {needed}）")]
    NotMigrated { current: i64, needed: i64 },
    #[error("数据库版本 {0} 比本程序新：请升级 bangfu 后再打开")]
    TooNew(i64),
    #[error("{0}")]
    Invalid(String),
    #[error("找不到{0}")]
    NotFound(String),
    #[error("文件读写错误：{0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// A UNIQUE constraint refused a row (the same household number or resident ID twice).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
            StoreError::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
