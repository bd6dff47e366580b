//! Rules across households, as set-based queries: one ID in several households, one phone in
//! several households, members left in a household that no longer exists.

use super::run::finding_row;
use super::settings::RuleSettings;
use crate::db::{Cell, Conn, P};
use crate::error::Result;
use bangfu_domain::quality::Rule;
use std::collections::{BTreeMap, BTreeSet};

fn in_list(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The person key a stated document number points at: 18 characters, upper-case, no spaces.
fn key_of(id_number: &str) -> String {
    let t: String = id_number.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if t.len() > 18 && t.is_ascii() { t[..18].to_string() } else { t }
}

fn masked(key: &str) -> String {
    if key.len() == 18 && key.is_ascii() { format!("{}********{}", &key[..6], &key[14..]) } else { "（号码不全）".into() }
}

/// ID-06: a document number that points at a person registered in another household. Only
/// members whose stated number differs from their key can collide (the key is unique), so the
/// candidates come from a partial index and their targets by key.
pub fn duplicate_ids(conn: &mut Conn, run_id: i64, prefix: &str, settings: &mut RuleSettings, out: &mut Vec<Vec<Cell>>) -> Result<()> {
    let rows = conn.query(
        "SELECT id, household_id, region_code, id_number FROM member WHERE id_number <> resident_id AND status = 'active'",
        &[],
    )?;
    // key → members (id, household, region)
    let mut groups: BTreeMap<String, BTreeSet<(i64, i64, String)>> = BTreeMap::new();
    for r in &rows {
        let key = key_of(r[3].text().unwrap_or_default());
        groups.entry(key).or_default().insert((r[0].int().unwrap_or(0), r[1].int().unwrap_or(0), r[2].string()));
    }
    let keys: Vec<String> = groups.keys().cloned().collect();
    for chunk in keys.chunks(500) {
        let params: Vec<P> = chunk.iter().map(|k| P::Text(k)).collect();
        let sql = format!("SELECT resident_id, id, household_id, region_code FROM member WHERE status = 'active' AND resident_id IN ({})", in_list(chunk.len()));
        for r in conn.query(&sql, &params)? {
            if let Some(g) = groups.get_mut(&r[0].string()) {
                g.insert((r[1].int().unwrap_or(0), r[2].int().unwrap_or(0), r[3].string()));
            }
        }
    }
    for (key, members) in groups {
        let households: BTreeSet<i64> = members.iter().map(|m| m.1).collect();
        if households.len() < 2 {
            continue;
        }
        for (member_id, household_id, region) in &members {
            if region.starts_with(prefix) && settings.for_region(region).on(Rule::DuplicateId) {
                let msg = format!("证件号码 {} 同时登记在 {} 户", masked(&key), households.len());
                out.push(finding_row(run_id, Rule::DuplicateId, region, *household_id, *member_id, msg));
            }
        }
    }
    Ok(())
}

/// PH-02: one phone number (compared by its keyed hash) in more active households than allowed.
pub fn shared_phones(conn: &mut Conn, run_id: i64, prefix: &str, settings: &mut RuleSettings, out: &mut Vec<Vec<Cell>>) -> Result<()> {
    let hashes: Vec<String> = conn
        .query("SELECT phone_hash FROM household WHERE phone_hash IS NOT NULL GROUP BY phone_hash HAVING COUNT(*) > 1", &[])?
        .into_iter()
        .map(|r| r[0].string())
        .collect();
    for chunk in hashes.chunks(500) {
        let params: Vec<P> = chunk.iter().map(|h| P::Text(h)).collect();
        let sql = format!("SELECT phone_hash, id, region_code FROM household WHERE status = 'active' AND phone_hash IN ({}) ORDER BY phone_hash, id", in_list(chunk.len()));
        let mut by_hash: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
        for r in conn.query(&sql, &params)? {
            by_hash.entry(r[0].string()).or_default().push((r[1].int().unwrap_or(0), r[2].string()));
        }
        for households in by_hash.values() {
            for (id, region) in households {
                if !region.starts_with(prefix) {
                    continue;
                }
                let rules = settings.for_region(region);
                if rules.on(Rule::SharedPhone) && households.len() as i64 > rules.int(Rule::SharedPhone, "max_households") {
                    let msg = format!("该户联系电话同时是另外 {} 户的联系电话", households.len() - 1);
                    out.push(finding_row(run_id, Rule::SharedPhone, region, *id, 0, msg));
                }
            }
        }
    }
    Ok(())
}

/// REC-01: active members whose household has been removed.
pub fn orphan_members(conn: &mut Conn, run_id: i64, prefix: &str, settings: &mut RuleSettings, out: &mut Vec<Vec<Cell>>) -> Result<()> {
    let gone: Vec<i64> = conn.query("SELECT id FROM household WHERE status <> 'active'", &[])?.iter().filter_map(|r| r[0].int()).collect();
    let pattern = format!("{prefix}%");
    for chunk in gone.chunks(500) {
        let mut params: Vec<P> = chunk.iter().map(|i| P::Int(*i)).collect();
        params.push(P::Text(&pattern));
        let sql = format!(
            "SELECT id, household_id, region_code, name FROM member WHERE household_id IN ({}) AND region_code LIKE ? AND status = 'active'",
            in_list(chunk.len())
        );
        for r in conn.query(&sql, &params)? {
            let region = r[2].string();
            if settings.for_region(&region).on(Rule::OrphanMember) {
                let msg = format!("{} 仍为在册成员，但所在户已注销", r[3].text().unwrap_or("（无姓名）"));
                out.push(finding_row(run_id, Rule::OrphanMember, &region, r[1].int().unwrap_or(0), r[0].int().unwrap_or(0), msg));
            }
        }
    }
    Ok(())
}
