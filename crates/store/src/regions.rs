//! The division tree: regions by code, their villager groups, and name → code resolution for imports.

use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::Result;
use bangfu_domain::{RegionCode, RegionLevel, RegionScope};
use std::collections::HashMap;

/// A stored region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRow {
    pub code: RegionCode,
    pub name: String,
    pub poor_village: Option<bool>,
    pub exit_year: Option<i64>,
}

/// Inserts or renames regions and adds villager groups, in one transaction, with one audit entry.
/// Returns (regions written, groups written).
pub fn upsert(conn: &mut Conn, actor: &Actor, regions: &[RegionRow], groups: &[(RegionCode, String)]) -> Result<(usize, usize)> {
    conn.begin()?;
    let result = (|| -> Result<(usize, usize)> {
        for r in regions {
            let parent = r.code.parent().map(|p| p.as_str().to_string());
            let updated = conn.execute(
                "UPDATE region SET name = ?, poor_village = COALESCE(?, poor_village), exit_year = COALESCE(?, exit_year) WHERE code = ?",
                &[
                    P::Text(&r.name),
                    r.poor_village.map(P::Bool).unwrap_or(P::Null),
                    r.exit_year.map(P::Int).unwrap_or(P::Null),
                    P::Text(r.code.as_str()),
                ],
            )?;
            if updated == 0 {
                conn.execute(
                    "INSERT INTO region (code, name, level, parent_code, poor_village, exit_year) VALUES (?, ?, ?, ?, ?, ?)",
                    &[
                        P::Text(r.code.as_str()),
                        P::Text(&r.name),
                        P::Text(r.code.level().code()),
                        parent.as_deref().map(P::Text).unwrap_or(P::Null),
                        r.poor_village.map(P::Bool).unwrap_or(P::Null),
                        r.exit_year.map(P::Int).unwrap_or(P::Null),
                    ],
                )?;
            }
        }
        let mut added = 0;
        for (code, name) in groups {
            let exists = conn.query_int(
                "SELECT COUNT(*) FROM villager_group WHERE region_code = ? AND name = ?",
                &[P::Text(code.as_str()), P::Text(name)],
            )?;
            if exists == 0 {
                conn.execute("INSERT INTO villager_group (region_code, name) VALUES (?, ?)", &[P::Text(code.as_str()), P::Text(name)])?;
                added += 1;
            }
        }
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: None,
                entity: "region",
                entity_id: None,
                action: "upsert",
                before: None,
                after: Some(format!("{{\"regions\":{},\"groups\":{}}}", regions.len(), added)),
            },
        )?;
        Ok((regions.len(), added))
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

fn row_to_region(r: &[crate::db::Cell]) -> Option<RegionRow> {
    Some(RegionRow {
        code: RegionCode::parse(r[0].text()?).ok()?,
        name: r[1].string(),
        poor_village: r[2].bool(),
        exit_year: r[3].int(),
    })
}

/// Regions inside a scope, in code order, optionally of one level.
pub fn list(conn: &mut Conn, scope: &RegionScope, level: Option<RegionLevel>) -> Result<Vec<RegionRow>> {
    let pattern = scope.like_pattern();
    let rows = match level {
        Some(l) => conn.query(
            "SELECT code, name, poor_village, exit_year FROM region WHERE code LIKE ? AND level = ? ORDER BY code",
            &[P::Text(&pattern), P::Text(l.code())],
        )?,
        None => conn.query("SELECT code, name, poor_village, exit_year FROM region WHERE code LIKE ? ORDER BY code", &[P::Text(&pattern)])?,
    };
    Ok(rows.iter().filter_map(|r| row_to_region(r)).collect())
}

pub fn get(conn: &mut Conn, code: &RegionCode) -> Result<Option<RegionRow>> {
    let rows = conn.query("SELECT code, name, poor_village, exit_year FROM region WHERE code = ?", &[P::Text(code.as_str())])?;
    Ok(rows.first().and_then(|r| row_to_region(r)))
}

/// Villager groups of a village.
pub fn groups(conn: &mut Conn, village: &RegionCode) -> Result<Vec<String>> {
    let rows = conn.query("SELECT name FROM villager_group WHERE region_code = ? ORDER BY name", &[P::Text(village.as_str())])?;
    Ok(rows.iter().map(|r| r[0].string()).collect())
}

/// Name lookups for an import: which village a row's 乡/村 (and optionally 县) names denote.
#[derive(Debug, Default)]
pub struct Directory {
    names: HashMap<String, String>,
    /// (township name, village name) → village code; ambiguous pairs map to None.
    by_township_village: HashMap<(String, String), Option<RegionCode>>,
    by_village: HashMap<String, Option<RegionCode>>,
    known: std::collections::HashSet<RegionCode>,
}

fn fold_name(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Directory {
    /// Loads every region in scope.
    pub fn load(conn: &mut Conn, scope: &RegionScope) -> Result<Directory> {
        let all = list(conn, scope, None)?;
        let mut d = Directory::default();
        for r in &all {
            d.names.insert(r.code.as_str().to_string(), r.name.clone());
            d.known.insert(r.code);
        }
        for r in all.iter().filter(|r| r.code.level() == RegionLevel::Village) {
            let township = r.code.parent().and_then(|p| d.names.get(p.as_str()).cloned()).unwrap_or_default();
            let key = (fold_name(&township), fold_name(&r.name));
            d.by_township_village.entry(key).and_modify(|v| *v = None).or_insert(Some(r.code));
            d.by_village.entry(fold_name(&r.name)).and_modify(|v| *v = None).or_insert(Some(r.code));
        }
        Ok(d)
    }

    pub fn is_known(&self, code: &RegionCode) -> bool {
        self.known.contains(code)
    }

    pub fn name(&self, code: &RegionCode) -> Option<&str> {
        self.names.get(code.as_str()).map(String::as_str)
    }

    /// The village named by township + village names (or the village name alone where unique).
    pub fn resolve(&self, township: Option<&str>, village: &str) -> std::result::Result<RegionCode, String> {
        let v = fold_name(village);
        if let Some(t) = township {
            let t = fold_name(t);
            match self.by_township_village.get(&(t.clone(), v.clone())) {
                Some(Some(code)) => return Ok(*code),
                Some(None) => return Err(format!("“{t}{v}”对应多个村，请改填区划代码")),
                None => {}
            }
        }
        match self.by_village.get(&v) {
            Some(Some(code)) => {
                // a township name that matches nothing may be an abbreviation ("城关" for "城关镇"),
                // never another township: a village of the same name elsewhere is not this one
                if let Some(t) = township.map(fold_name).filter(|t| !t.is_empty()) {
                    let actual = code.parent().and_then(|p| self.names.get(p.as_str())).map(|n| fold_name(n)).unwrap_or_default();
                    if !(actual.contains(&t) || t.contains(&actual)) || actual.is_empty() {
                        return Err(format!("乡(镇)“{t}”下没有名为“{v}”的村（系统中的“{v}”属于“{actual}”）"));
                    }
                }
                Ok(*code)
            }
            Some(None) => Err(format!("有多个名为“{v}”的村，请同时填写乡(镇)名称或区划代码")),
            None => Err(format!("系统中没有名为“{}{v}”的村（或不在您的管辖范围内）", township.unwrap_or(""))),
        }
    }

    /// Names of township and village for export, e.g. ("城关镇", "黄岭村").
    pub fn path_names(&self, village: &RegionCode) -> [String; 5] {
        let mut out: [String; 5] = Default::default();
        for (i, level) in RegionLevel::all().iter().enumerate() {
            if let Some(c) = village.at_level(*level) {
                out[i] = self.names.get(c.as_str()).cloned().unwrap_or_default();
            }
        }
        out
    }
}
