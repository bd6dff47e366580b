//! A consistent online backup of a SQLite installation (the database and its key file).

use crate::db::Conn;
use crate::error::{Result, StoreError};
use std::path::{Path, PathBuf};

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub database: PathBuf,
    pub key_file: PathBuf,
    pub bytes: u64,
}

/// Copies the live database page by page while it stays in use (SQLite's backup API), then the key
/// file beside it as `<dest>.key`: without the key, protected fields (phones, accounts) cannot be read.
pub fn backup_sqlite(conn: &mut Conn, key_file: &Path, dest: &Path) -> Result<BackupReport> {
    let Some(src) = conn.sqlite() else {
        return Err(StoreError::Invalid("`db backup` 只用于 SQLite；PostgreSQL 请使用 pg_dump 或数据库自身的备份".into()));
    };
    if dest.exists() {
        return Err(StoreError::Invalid(format!("备份文件 {} 已存在：请换一个文件名，以免覆盖旧备份", dest.display())));
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut dst = rusqlite::Connection::open(dest)?;
    {
        let b = rusqlite::backup::Backup::new(src, &mut dst)?;
        b.run_to_completion(1024, std::time::Duration::from_millis(0), None)?;
    }
    let ok: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(StoreError::Invalid(format!("备份完成但完整性检查未通过：{ok}")));
    }
    drop(dst);
    let mut key_dest = dest.as_os_str().to_owned();
    key_dest.push(".key");
    let key_dest = PathBuf::from(key_dest);
    std::fs::copy(key_file, &key_dest)?;
    Ok(BackupReport { database: dest.to_path_buf(), bytes: std::fs::metadata(dest)?.len(), key_file: key_dest })
}
