//! Names for codes and ids, fetched in sets (IN lists of at most 500) for the rows shown.

use super::HouseholdLine;
use crate::db::{Conn, P};
use crate::error::Result;
use std::collections::HashMap;

const CHUNK: usize = 500;

fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Region names by code.
pub(crate) fn regions(conn: &mut Conn, codes: &[String]) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in codes.chunks(CHUNK) {
        let sql = format!("SELECT code, name FROM region WHERE code IN ({})", marks(chunk.len()));
        let ps: Vec<P> = chunk.iter().map(|c| P::Text(c)).collect();
        for r in conn.query(&sql, &ps)? {
            out.insert(r[0].string(), r[1].string());
        }
    }
    Ok(out)
}

/// The name of a scope prefix (padded to a 12-digit code), if it is a region.
pub(crate) fn region_name(conn: &mut Conn, prefix: &str) -> Result<Option<String>> {
    if prefix.is_empty() || prefix.len() > 12 {
        return Ok(None);
    }
    let code = format!("{prefix:0<12}");
    Ok(conn.query_opt("SELECT name FROM region WHERE code = ?", &[P::Text(&code)])?.map(|r| r[0].string()))
}

/// Household numbers, heads and village names for the lines.
pub(crate) fn fill_households(conn: &mut Conn, lines: &mut [HouseholdLine], names: &HashMap<String, String>) -> Result<()> {
    let ids: Vec<i64> = lines.iter().map(|l| l.household_id).collect();
    let mut found: HashMap<i64, (Option<String>, Option<String>)> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT h.id, h.household_no, (SELECT m.name FROM member m WHERE m.household_id = h.id AND m.relation = 'head' AND m.status = 'active' ORDER BY m.seq LIMIT 1) \
             FROM household h WHERE h.id IN ({})",
            marks(chunk.len())
        );
        let ps: Vec<P> = chunk.iter().map(|i| P::Int(*i)).collect();
        for r in conn.query(&sql, &ps)? {
            found.insert(r[0].int().unwrap_or(0), (r[1].text().map(str::to_string), r[2].text().map(str::to_string)));
        }
    }
    for l in lines {
        if let Some((no, head)) = found.get(&l.household_id) {
            l.household_no = no.clone();
            l.head_name = head.clone();
        }
        l.village_name = names.get(&l.village_code).cloned();
    }
    Ok(())
}
