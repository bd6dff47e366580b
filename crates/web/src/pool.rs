//! A small pool of database connections used from blocking threads (the store API is synchronous).

use crate::error::{AppError, AppResult};
use bangfu_store::{Conn, DbUrl, Keyring};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Connections to one installation, handed to closures on tokio's blocking pool.
pub struct Db {
    url: DbUrl,
    keys: Keyring,
    idle: Mutex<Vec<Conn>>,
    permits: Semaphore,
}

impl Db {
    pub fn new(url: DbUrl, keys: Keyring, size: usize) -> Arc<Db> {
        Arc::new(Db { url, keys, idle: Mutex::new(Vec::new()), permits: Semaphore::new(size) })
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// Runs `f` with a connection on a blocking thread. A connection that saw an error inside an
    /// open transaction is rolled back before it goes back to the pool.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn, &Keyring) -> AppResult<T> + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = db.idle.lock().map_err(|_| AppError::Internal("pool poisoned".into()))?.pop();
            let mut conn = match conn {
                Some(c) => c,
                None => {
                    let mut c = Conn::open(&db.url)?;
                    // many pooled connections: a smaller page cache each (the OS caches the file too)
                    match c.backend() {
                        bangfu_store::Backend::Sqlite => c.batch("PRAGMA cache_size=-32768")?,
                        // many small concurrent queries: parallel workers only compete with the other
                        // requests for the cores, and index reads are cheap on an SSD
                        bangfu_store::Backend::Postgres => c.batch("SET max_parallel_workers_per_gather = 0; SET random_page_cost = 1.1")?,
                    }
                    c
                }
            };
            let out = f(&mut conn, &db.keys);
            if out.is_err() {
                // leave no transaction open on a pooled connection
                let _ = conn.batch("ROLLBACK");
            }
            if let Ok(mut idle) = db.idle.lock() {
                idle.push(conn);
            }
            out
        })
        .await?
    }
}

impl Drop for Db {
    /// PostgreSQL clients block when they close, which tokio forbids on its worker threads: close
    /// pooled connections on a plain thread of their own.
    fn drop(&mut self) {
        let conns = std::mem::take(self.idle.get_mut().unwrap_or(&mut Vec::new()));
        if !conns.is_empty() {
            let _ = std::thread::spawn(move || drop(conns)).join();
        }
    }
}
