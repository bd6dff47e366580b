//! Starting and stopping the server: open the installation, listen, finish in-flight requests on SIGTERM.

use crate::config::ServeConfig;
use crate::jobs::Jobs;
use crate::pool::Db;
use crate::regions::{RegionNames, SharedNames};
use crate::state::AppState;
use bangfu_store::{DbUrl, Store};
use std::net::SocketAddr;
use std::sync::Arc;

/// Opens (and migrates) the installation and builds the shared state.
pub async fn state(config: ServeConfig) -> Result<AppState, String> {
    let url = DbUrl::parse(&config.database).map_err(|e| e.to_string())?;
    let key_file = config.key_file.clone();
    let u = url.clone();
    // the store is opened (and migrated) and closed on a blocking thread: PostgreSQL clients block
    let keys = tokio::task::spawn_blocking(move || Store::open_and_migrate(&u, key_file.as_deref()).map(|s| s.keys.clone()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("无法打开数据库 {}：{e}", url.display()))?;
    std::fs::create_dir_all(&config.data_dir).map_err(|e| format!("无法创建数据目录 {}：{e}", config.data_dir.display()))?;
    let db = Db::new(url, keys, config.pool_size.max(1));
    let names = RegionNames::load(&db).await.map_err(|e| e.message())?;
    let regions = Arc::new(SharedNames::default());
    regions.set(names);
    Ok(AppState {
        db,
        config: Arc::new(config),
        jobs: Arc::new(Jobs::default()),
        quality_jobs: Arc::new(Jobs::default()),
        compare_jobs: Arc::new(Jobs::default()),
        regions,
        counts: Arc::new(crate::cache::Cache::new(10_000)),
        dashboards: Arc::new(crate::cache::Cache::new(1_000)),
        quality_latest: Arc::new(crate::cache::Cache::new(1_000)),
    })
}

/// Resolves when SIGTERM or Ctrl-C arrives.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown requested: finishing in-flight requests");
}

/// Serves until `shutdown` resolves; in-flight requests finish first. Returns the bound address
/// through `on_bound` (tests listen on port 0).
pub async fn run(state: AppState, listener: tokio::net::TcpListener, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    // expired sessions and old login attempts are purged hourly
    let db = state.db.clone();
    let purge = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let _ = db.run(|c, _| Ok(bangfu_store::users::purge_expired(c)?)).await;
        }
    });
    let app = crate::app::router(state);
    let result = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await;
    purge.abort();
    result
}

/// Logging: text or JSON lines, level from `RUST_LOG` (default info).
pub fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
