//! Rule settings and income lines as stored per jurisdiction, and resolving them for a village.

use crate::audit::{self, Actor, Entry};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::quality::lines::{LineKind, Lines};
use bangfu_domain::quality::{ResolvedRules, Rule, RuleOverride};
use std::collections::HashMap;
use std::sync::Arc;

/// One stored setting row, as the settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSetting {
    pub rule_code: String,
    pub region_prefix: String,
    pub enabled: Option<bool>,
    pub params: Vec<(String, String)>,
    pub basis: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

/// One stored line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    pub kind: LineKind,
    pub region_prefix: String,
    pub year: i64,
    pub amount_fen: i64,
    pub basis: Option<String>,
}

fn parse_params(text: &str) -> Vec<(String, String)> {
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect()
}

fn params_text(params: &[(String, String)]) -> String {
    params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("\n")
}

/// Every stored setting.
pub fn stored_settings(conn: &mut Conn) -> Result<Vec<StoredSetting>> {
    let rows = conn.query(
        "SELECT rule_code, region_prefix, enabled, params, basis, updated_at, updated_by FROM quality_rule_setting ORDER BY rule_code, region_prefix",
        &[],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| StoredSetting {
            rule_code: r[0].string(),
            region_prefix: r[1].string(),
            enabled: r[2].bool(),
            params: parse_params(r[3].text().unwrap_or_default()),
            basis: r[4].text().map(str::to_string),
            updated_at: r[5].string(),
            updated_by: r[6].string(),
        })
        .collect())
}

/// Every stored line.
pub fn lines(conn: &mut Conn) -> Result<Vec<StoredLine>> {
    let rows = conn.query("SELECT kind, region_prefix, year, amount, basis FROM reference_line ORDER BY kind, region_prefix, year", &[])?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(StoredLine { kind: LineKind::parse(r[0].text()?)?, region_prefix: r[1].string(), year: r[2].int()?, amount_fen: r[3].int()?, basis: r[4].text().map(str::to_string) })
        })
        .collect())
}

/// Saves (or replaces) a jurisdiction's setting of a rule after checking its parameters; audited.
pub fn save_setting(conn: &mut Conn, actor: &Actor, o: &RuleOverride, basis: Option<&str>) -> Result<()> {
    let mut probe = ResolvedRules::defaults(Lines::national_defaults());
    probe.apply(o).map_err(StoreError::Invalid)?;
    let code = o.rule.code();
    conn.begin()?;
    let result = (|| -> Result<()> {
        let before = conn.query_opt(
            "SELECT enabled, params FROM quality_rule_setting WHERE rule_code = ? AND region_prefix = ?",
            &[P::Text(code), P::Text(&o.region_prefix)],
        )?;
        conn.execute("DELETE FROM quality_rule_setting WHERE rule_code = ? AND region_prefix = ?", &[P::Text(code), P::Text(&o.region_prefix)])?;
        let now = crate::now_utc();
        let params = params_text(&o.params);
        let enabled = o.enabled.map(P::Bool).unwrap_or(P::Null);
        conn.execute(
            "INSERT INTO quality_rule_setting (rule_code, region_prefix, enabled, params, basis, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[P::Text(code), P::Text(&o.region_prefix), enabled, P::Text(&params), basis.map(P::Text).unwrap_or(P::Null), P::Text(&now), P::Text(&actor.name)],
        )?;
        let json = |e: Option<bool>, p: &str| format!("{{\"enabled\":{},\"params\":{}}}", e.map(|b| b.to_string()).unwrap_or("null".into()), crate::registry::diff::json_str(p));
        audit::record(conn, actor, Entry {
            region_code: Some(&o.region_prefix).filter(|p| !p.is_empty()).map(|s| s.as_str()),
            entity: "quality_rule",
            entity_id: Some(format!("{code}@{}", o.region_prefix)),
            action: "setting",
            before: before.map(|r| json(r[0].bool(), r[1].text().unwrap_or_default())),
            after: Some(json(o.enabled, &params)),
        })
    })();
    finish(conn, result)
}

/// Removes a jurisdiction's setting (the rule inherits again); audited.
pub fn delete_setting(conn: &mut Conn, actor: &Actor, rule: Rule, region_prefix: &str) -> Result<bool> {
    conn.begin()?;
    let result = (|| -> Result<bool> {
        let n = conn.execute("DELETE FROM quality_rule_setting WHERE rule_code = ? AND region_prefix = ?", &[P::Text(rule.code()), P::Text(region_prefix)])?;
        if n > 0 {
            audit::record(conn, actor, Entry {
                region_code: Some(region_prefix).filter(|p| !p.is_empty()),
                entity: "quality_rule",
                entity_id: Some(format!("{}@{region_prefix}", rule.code())),
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

/// Saves a jurisdiction's line for a year; audited.
pub fn save_line(conn: &mut Conn, actor: &Actor, line: &StoredLine) -> Result<()> {
    if line.amount_fen <= 0 || !(2000..=2100).contains(&line.year) {
        return Err(StoreError::Invalid(format!("{}：年度应在 2000–2100 之间、金额应大于 0", line.kind.label())));
    }
    conn.begin()?;
    let result = (|| -> Result<()> {
        let k = line.kind.code();
        let before = conn.query_opt(
            "SELECT amount FROM reference_line WHERE kind = ? AND region_prefix = ? AND year = ?",
            &[P::Text(k), P::Text(&line.region_prefix), P::Int(line.year)],
        )?;
        conn.execute("DELETE FROM reference_line WHERE kind = ? AND region_prefix = ? AND year = ?", &[P::Text(k), P::Text(&line.region_prefix), P::Int(line.year)])?;
        conn.execute(
            "INSERT INTO reference_line (kind, region_prefix, year, amount, basis, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[P::Text(k), P::Text(&line.region_prefix), P::Int(line.year), P::Int(line.amount_fen), line.basis.as_deref().map(P::Text).unwrap_or(P::Null), P::Text(&crate::now_utc()), P::Text(&actor.name)],
        )?;
        audit::record(conn, actor, Entry {
            region_code: Some(line.region_prefix.as_str()).filter(|p| !p.is_empty()),
            entity: "reference_line",
            entity_id: Some(format!("{k}@{}:{}", line.region_prefix, line.year)),
            action: "setting",
            before: before.and_then(|r| r[0].int()).map(|a| format!("{{\"amount\":{a}}}")),
            after: Some(format!("{{\"amount\":{}}}", line.amount_fen)),
        })
    })();
    finish(conn, result)
}

fn finish(conn: &mut Conn, result: Result<()>) -> Result<()> {
    match result {
        Ok(()) => conn.commit(),
        Err(e) => {
            let _ = conn.rollback();
            Err(e)
        }
    }
}

/// All settings and lines, resolved per village on demand and cached.
#[derive(Clone)]
pub struct RuleSettings {
    overrides: Vec<RuleOverride>,
    lines: Vec<StoredLine>,
    cache: HashMap<String, Arc<ResolvedRules>>,
    /// Stored settings that no longer parse (a rule removed, a parameter renamed): reported, skipped.
    pub problems: Vec<String>,
}

/// Loads every setting and line.
pub fn settings(conn: &mut Conn) -> Result<RuleSettings> {
    let mut problems = Vec::new();
    let mut overrides = Vec::new();
    for s in stored_settings(conn)? {
        match Rule::from_code(&s.rule_code) {
            Some(rule) => overrides.push(RuleOverride { rule, region_prefix: s.region_prefix, enabled: s.enabled, params: s.params }),
            None => problems.push(format!("设置中的规则编号 {} 不存在，已忽略", s.rule_code)),
        }
    }
    Ok(RuleSettings { overrides, lines: lines(conn)?, cache: HashMap::new(), problems })
}

impl RuleSettings {
    /// The rules in force for a region (a village code, or a prefix for registry-wide rules).
    pub fn for_region(&mut self, region: &str) -> Arc<ResolvedRules> {
        if let Some(r) = self.cache.get(region) {
            return r.clone();
        }
        let mut lines = Lines::national_defaults();
        let mut applicable: Vec<&StoredLine> = self.lines.iter().filter(|l| region.starts_with(&l.region_prefix)).collect();
        applicable.sort_by_key(|l| l.region_prefix.len());
        for l in applicable {
            lines.set(l.kind, l.year, l.amount_fen);
        }
        let resolved = match ResolvedRules::resolve(region, &self.overrides, lines.clone()) {
            Ok(r) => r,
            Err(e) => {
                self.problems.push(e);
                // apply what parses, one override at a time
                let mut r = ResolvedRules::defaults(lines);
                let mut mine: Vec<&RuleOverride> = self.overrides.iter().filter(|o| region.starts_with(&o.region_prefix)).collect();
                mine.sort_by_key(|o| o.region_prefix.len());
                for o in mine {
                    let _ = r.apply(o);
                }
                r
            }
        };
        let r = Arc::new(resolved);
        self.cache.insert(region.to_string(), r.clone());
        r
    }
}
