//! Compliance parameters per jurisdiction in `reference_param` (area `compliance`): list, save and
//! remove (audited), and resolve for a region (longest prefix wins).

use crate::audit::{self, Actor, Entry};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::compliance::{param_by_key, parse_param, ParamOverride, Params, AREA};

/// One stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredParam {
    pub key: String,
    pub region_prefix: String,
    pub value: String,
    pub basis: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

/// Every stored compliance parameter.
pub fn stored(conn: &mut Conn) -> Result<Vec<StoredParam>> {
    let rows = conn.query(
        "SELECT key, region_prefix, value, basis, updated_at, updated_by FROM reference_param WHERE area = ? ORDER BY key, region_prefix",
        &[P::Text(AREA)],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| StoredParam {
            key: r[0].string(),
            region_prefix: r[1].string(),
            value: r[2].string(),
            basis: r[3].text().map(str::to_string),
            updated_at: r[4].string(),
            updated_by: r[5].string(),
        })
        .collect())
}

/// The stored values as overrides.
pub fn overrides(conn: &mut Conn) -> Result<Vec<ParamOverride>> {
    Ok(stored(conn)?.into_iter().map(|s| ParamOverride { key: s.key, region_prefix: s.region_prefix, value: s.value }).collect())
}

/// The parameters in force for a region (a village code or any prefix) and problems with stored values.
pub fn params_for(conn: &mut Conn, region: &str) -> Result<(Params, Vec<String>)> {
    Ok(Params::resolve(region, &overrides(conn)?))
}

/// Saves a jurisdiction's value of a parameter (by key or Chinese label) after checking it; audited.
/// Returns the canonical key.
pub fn save(conn: &mut Conn, actor: &Actor, key: &str, region_prefix: &str, value: &str, basis: Option<&str>) -> Result<&'static str> {
    let Some((rule, def)) = param_by_key(key) else {
        return Err(StoreError::Invalid(format!("没有考核参数“{key}”")));
    };
    if !region_prefix.chars().all(|c| c.is_ascii_digit()) || region_prefix.len() > 12 {
        return Err(StoreError::Invalid(format!("辖区应为区划代码前缀（数字，最多 12 位），实际为“{region_prefix}”")));
    }
    let v = parse_param(def, value).map_err(|e| StoreError::Invalid(format!("{}：{e}", rule.code())))?;
    let value = v.to_string();
    conn.begin()?;
    let result = (|| -> Result<()> {
        let before = conn.query_opt(
            "SELECT value FROM reference_param WHERE area = ? AND key = ? AND region_prefix = ?",
            &[P::Text(AREA), P::Text(def.key), P::Text(region_prefix)],
        )?;
        conn.execute("DELETE FROM reference_param WHERE area = ? AND key = ? AND region_prefix = ?", &[P::Text(AREA), P::Text(def.key), P::Text(region_prefix)])?;
        conn.execute(
            "INSERT INTO reference_param (area, key, region_prefix, value, basis, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[P::Text(AREA), P::Text(def.key), P::Text(region_prefix), P::Text(&value), basis.map(P::Text).unwrap_or(P::Null), P::Text(&crate::now_utc()), P::Text(&actor.name)],
        )?;
        let json = |v: &str| format!("{{\"value\":{}}}", crate::registry::diff::json_str(v));
        audit::record(conn, actor, Entry {
            region_code: Some(region_prefix).filter(|p| !p.is_empty()),
            entity: "compliance_param",
            entity_id: Some(format!("{}@{region_prefix}", def.key)),
            action: "setting",
            before: before.map(|r| json(r[0].text().unwrap_or_default())),
            after: Some(json(&value)),
        })
    })();
    match result {
        Ok(()) => {
            conn.commit()?;
            Ok(def.key)
        }
        Err(e) => {
            let _ = conn.rollback();
            Err(e)
        }
    }
}

/// Removes a jurisdiction's value (the region inherits again); audited. Whether there was one.
pub fn remove(conn: &mut Conn, actor: &Actor, key: &str, region_prefix: &str) -> Result<bool> {
    let Some((_, def)) = param_by_key(key) else {
        return Err(StoreError::Invalid(format!("没有考核参数“{key}”")));
    };
    conn.begin()?;
    let result = (|| -> Result<bool> {
        let n = conn.execute("DELETE FROM reference_param WHERE area = ? AND key = ? AND region_prefix = ?", &[P::Text(AREA), P::Text(def.key), P::Text(region_prefix)])?;
        if n > 0 {
            audit::record(conn, actor, Entry {
                region_code: Some(region_prefix).filter(|p| !p.is_empty()),
                entity: "compliance_param",
                entity_id: Some(format!("{}@{region_prefix}", def.key)),
                action: "setting_removed",
                before: None,
                after: None,
            })?;
        }
        Ok(n > 0)
    })();
    match result {
        Ok(v) => {
            conn.commit()?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.rollback();
            Err(e)
        }
    }
}
