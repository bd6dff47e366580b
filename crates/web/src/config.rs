//! Server settings: from a TOML file, overridden by environment variables and flags (the CLI merges them).

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything `bangfu serve` needs to start.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address to listen on (127.0.0.1:8080).
    pub addr: SocketAddr,
    /// SQLite file or postgres:// URL.
    pub database: String,
    /// Key file for protected fields (default beside the SQLite file).
    pub key_file: Option<PathBuf>,
    /// Where uploads, error reports and exports are kept while users download them.
    pub data_dir: PathBuf,
    /// Session lifetime in hours.
    pub session_hours: i64,
    /// Largest accepted upload in MiB.
    pub max_upload_mib: u64,
    /// Database connections in the pool.
    pub pool_size: usize,
    /// Log as JSON lines instead of text.
    pub json_logs: bool,
    /// Per-capita income line (元) used by the "income below the line" filter and the dashboard.
    pub income_line_yuan: i64,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: "127.0.0.1:8080".parse().expect("valid address"),
            database: "bangfu.db".into(),
            key_file: None,
            data_dir: PathBuf::from("bangfu-data"),
            session_hours: 12,
            max_upload_mib: 200,
            pool_size: 16,
            json_logs: false,
            income_line_yuan: 6000,
        }
    }
}

impl ServeConfig {
    /// Reads a TOML file; unknown keys are an error that names the key.
    pub fn from_file(path: &Path) -> Result<ServeConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("无法读取配置文件 {}：{e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("配置文件 {} 有误：{e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_file_keeps_defaults_and_unknown_keys_are_refused() {
        let c: ServeConfig = toml::from_str("addr = \"0.0.0.0:9000\"\ndatabase = \"x.db\"").unwrap();
        assert_eq!(c.addr.port(), 9000);
        assert_eq!(c.session_hours, 12);
        assert!(toml::from_str::<ServeConfig>("adr = \"x\"").is_err());
    }
}
