//! bangfu's persistence: one schema and migration chain for SQLite and PostgreSQL, repositories
//! scoped by region, the bulk import path, copying and backing up whole installations.

pub mod activity;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod comparison;
pub mod comparison_web;
pub mod compliance;
pub mod copy;
pub mod db;
pub mod error;
pub mod ids;
pub mod keyring;
pub mod migrate;
pub mod pairing;
pub mod quality;
pub mod regions;
pub mod registry;
pub mod users;
pub mod workflow;

pub use db::{Backend, Cell, Conn, DbUrl, P};
pub use error::{Result, StoreError};
pub use keyring::Keyring;

use std::path::{Path, PathBuf};

/// An open installation: a connection, its URL and the key for protected fields.
pub struct Store {
    pub conn: Conn,
    pub url: DbUrl,
    pub keys: Keyring,
    pub key_path: PathBuf,
}

impl Store {
    /// Opens a database, creating the SQLite file and the key file if needed, and migrates it.
    pub fn open_and_migrate(url: &DbUrl, key_file: Option<&Path>) -> Result<Store> {
        let mut store = Store::open_with(url, key_file, true)?;
        migrate::migrate(&mut store.conn)?;
        Ok(store)
    }

    /// Opens an installation that must already be migrated.
    pub fn open(url: &DbUrl, key_file: Option<&Path>) -> Result<Store> {
        let mut store = Store::open_with(url, key_file, false)?;
        migrate::require_current(&mut store.conn)?;
        Ok(store)
    }

    fn open_with(url: &DbUrl, key_file: Option<&Path>, create_key: bool) -> Result<Store> {
        let conn = Conn::open(url)?;
        let key_path = key_file.map(Path::to_path_buf).unwrap_or_else(|| Keyring::default_path(url));
        let keys = Keyring::load_or_create(&key_path, create_key)?;
        Ok(Store { conn, url: url.clone(), keys, key_path })
    }

    pub fn backend(&self) -> Backend {
        self.conn.backend()
    }
}

/// Now in UTC as ISO 8601 text (timestamps are stored as UTC text on both backends).
pub fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
