//! Region names for display, loaded once and reloaded when an unknown code shows up.

use crate::pool::Db;
use bangfu_domain::RegionScope;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Code → name of every region (a county has a few hundred; the nation ~700,000, still small).
#[derive(Default, Clone)]
pub struct RegionNames {
    names: HashMap<String, String>,
}

impl RegionNames {
    pub async fn load(db: &Arc<Db>) -> crate::error::AppResult<RegionNames> {
        let rows = db.run(|c, _| Ok(bangfu_store::regions::list(c, &RegionScope::all(), None)?)).await?;
        Ok(RegionNames { names: rows.into_iter().map(|r| (r.code.as_str().to_string(), r.name)).collect() })
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    /// "青山镇 / 大坪村" for a village code; the code itself when unknown.
    pub fn path(&self, code: &str) -> String {
        let Ok(c) = bangfu_domain::RegionCode::parse(code) else { return code.to_string() };
        let mut parts = Vec::new();
        if let Some(t) = c.at_level(bangfu_domain::RegionLevel::Township).filter(|t| *t != c)
            && let Some(n) = self.name(t.as_str()) {
                parts.push(n.to_string());
            }
        parts.push(self.name(code).map(str::to_string).unwrap_or_else(|| code.to_string()));
        parts.join(" / ")
    }

    /// The name of a grant's scope ("全部" for the whole installation).
    pub fn scope_label(&self, region_code: &str) -> String {
        if region_code.is_empty() {
            return "全部区划".into();
        }
        self.name(region_code).map(str::to_string).unwrap_or_else(|| region_code.to_string())
    }

    /// Children of a region (by code prefix and level) in code order, for the region tree filter.
    pub fn children(&self, scope: &RegionScope, level: bangfu_domain::RegionLevel) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .names
            .iter()
            .filter(|(code, _)| code.starts_with(scope.prefix()))
            .filter(|(code, _)| bangfu_domain::RegionCode::parse(code).map(|c| c.level() == level).unwrap_or(false))
            .map(|(c, n)| (c.clone(), n.clone()))
            .collect();
        v.sort();
        v
    }
}

/// Shared, reloadable names.
#[derive(Default)]
pub struct SharedNames(RwLock<Arc<RegionNames>>);

impl SharedNames {
    pub fn get(&self) -> Arc<RegionNames> {
        self.0.read().map(|g| g.clone()).unwrap_or_default()
    }
    pub fn set(&self, n: RegionNames) {
        if let Ok(mut g) = self.0.write() {
            *g = Arc::new(n);
        }
    }
}
