//! Flow definitions as versioned reference data: the shipped ones are stored as version 1 of the
//! installation-wide definition on first use; an administrator's edit is a new version for a
//! region prefix; a case keeps the row it started with.

use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::workflow::{FlowDefinition, procedures};

/// A stored definition.
#[derive(Debug, Clone)]
pub struct StoredDefinition {
    pub id: i64,
    pub region_prefix: String,
    pub version: i64,
    pub def: FlowDefinition,
    pub created_by: String,
    pub created_at: String,
}

fn parse(id: i64, body: &str) -> Result<FlowDefinition> {
    serde_json::from_str(body).map_err(|e| StoreError::Invalid(format!("流程定义 {id} 无法读取：{e}")))
}

fn from_row(r: &[crate::Cell]) -> Result<StoredDefinition> {
    let id = r[0].int().unwrap_or_default();
    Ok(StoredDefinition { id, region_prefix: r[1].string(), version: r[2].int().unwrap_or_default(), def: parse(id, &r[3].string())?, created_by: r[4].string(), created_at: r[5].string() })
}

const COLUMNS: &str = "id, region_prefix, version, body, created_by, created_at";

/// Stores the shipped definitions that are not stored yet (installation-wide, version 1).
pub fn ensure_shipped(conn: &mut Conn) -> Result<()> {
    for d in procedures::shipped() {
        let known = conn.query_int("SELECT COUNT(*) FROM flow_definition WHERE procedure = ? AND region_prefix = ''", &[P::Text(&d.procedure)])?;
        if known == 0 {
            insert(conn, "system", &d, "", 1)?;
        }
    }
    Ok(())
}

fn insert(conn: &mut Conn, by: &str, d: &FlowDefinition, prefix: &str, version: i64) -> Result<i64> {
    let id = crate::ids::allocate(conn, "flow_definition", 1)?;
    let body = serde_json::to_string(d).map_err(|e| StoreError::Invalid(e.to_string()))?;
    conn.execute(
        "INSERT INTO flow_definition (id, procedure, region_prefix, version, title, body, basis, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[P::Int(id), P::Text(&d.procedure), P::Text(prefix), P::Int(version), P::Text(&d.title), P::Text(&body), P::Text(&d.basis), P::Text(by), P::Text(&crate::now_utc())],
    )?;
    Ok(id)
}

/// The definition a new case of `procedure` in `region` starts with: the newest version of the
/// longest matching prefix.
pub fn current(conn: &mut Conn, procedure: &str, region: &str) -> Result<StoredDefinition> {
    ensure_shipped(conn)?;
    let rows = conn.query(
        &format!("SELECT {COLUMNS} FROM flow_definition WHERE procedure = ? ORDER BY LENGTH(region_prefix) DESC, version DESC"),
        &[P::Text(procedure)],
    )?;
    for r in rows {
        let prefix = r[1].string();
        if region.starts_with(&prefix) {
            return from_row(&r);
        }
    }
    Err(StoreError::NotFound(format!("流程“{procedure}”的定义")))
}

pub fn get(conn: &mut Conn, id: i64) -> Result<StoredDefinition> {
    let r = conn.query_opt(&format!("SELECT {COLUMNS} FROM flow_definition WHERE id = ?"), &[P::Int(id)])?.ok_or_else(|| StoreError::NotFound(format!("流程定义 {id}")))?;
    from_row(&r)
}

/// The definitions with these ids (each read once), for cases that may run on several versions.
pub fn by_ids(conn: &mut Conn, ids: impl IntoIterator<Item = i64>) -> Result<std::collections::BTreeMap<i64, StoredDefinition>> {
    let mut out = std::collections::BTreeMap::new();
    for id in ids {
        if let std::collections::btree_map::Entry::Vacant(e) = out.entry(id) {
            e.insert(get(conn, id)?);
        }
    }
    Ok(out)
}

/// Every version of every procedure, newest first within a procedure (for the administrator's page).
pub fn list(conn: &mut Conn) -> Result<Vec<StoredDefinition>> {
    ensure_shipped(conn)?;
    let rows = conn.query(&format!("SELECT {COLUMNS} FROM flow_definition ORDER BY procedure, region_prefix, version DESC"), &[])?;
    rows.iter().map(|r| from_row(r)).collect()
}

/// Saves an edited definition as the next version for `region_prefix`. Refused with every problem
/// when it is not valid; open cases keep their version.
pub fn save_version(conn: &mut Conn, actor: &Actor, region_prefix: &str, d: &FlowDefinition) -> Result<StoredDefinition> {
    let problems = d.problems();
    if !problems.is_empty() {
        return Err(StoreError::Invalid(format!("流程定义有误：{}", problems.join("；"))));
    }
    conn.in_tx(|conn| {
        ensure_shipped(conn)?;
        let version = conn.query_int("SELECT COALESCE(MAX(version), 0) FROM flow_definition WHERE procedure = ? AND region_prefix = ?", &[P::Text(&d.procedure), P::Text(region_prefix)])? + 1;
        let id = insert(conn, &actor.name, d, region_prefix, version)?;
        let region = (!region_prefix.is_empty()).then(|| format!("{region_prefix:0<12}"));
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: region.as_deref(),
                entity: "flow_definition",
                entity_id: Some(id.to_string()),
                action: "new_version",
                before: None,
                after: Some(serde_json::json!({ "流程": d.title, "范围": region_prefix, "版本": version }).to_string()),
            },
        )?;
        get(conn, id)
    })
}
