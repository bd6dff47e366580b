//! Reading the registry in a caller's scope: filtered, sorted pages; search by ID and name;
//! totals; and the registry as it stood on any past date, rebuilt from the adjustment events.

use crate::db::{Conn, P};
use crate::error::Result;
use bangfu_domain::{RegionCode, RegionScope};
use chrono::NaiveDate;

/// Filters of the household list; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    /// A region inside the caller's scope (narrows it further).
    pub region: Option<RegionCode>,
    pub household_type: Option<String>,
    pub poverty_attribute: Option<String>,
    pub monitoring_category: Option<String>,
    /// Any of the causes / risks.
    pub cause: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    HouseholdNo,
    Region,
    HeadName,
}

/// One row of the household list.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdSummary {
    pub id: i64,
    pub household_no: Option<String>,
    pub region_code: String,
    pub villager_group: Option<String>,
    pub household_type: Option<String>,
    pub poverty_attribute: Option<String>,
    pub cause_1: Option<String>,
    pub head_name: Option<String>,
    pub stated_size: Option<i64>,
}

fn where_clause<'a>(scope: &'a RegionScope, f: &'a HouseholdFilter, patterns: &'a mut Vec<String>) -> (String, Vec<P<'a>>) {
    patterns.push(scope.like_pattern());
    if let Some(r) = &f.region {
        patterns.push(format!("{}%", r.prefix()));
    }
    let mut sql = String::from("h.status = 'active' AND h.region_code LIKE ?");
    let mut params = vec![P::Text(&patterns[0])];
    if patterns.len() > 1 {
        sql.push_str(" AND h.region_code LIKE ?");
        params.push(P::Text(&patterns[1]));
    }
    for (col, v) in [("household_type", &f.household_type), ("poverty_attribute", &f.poverty_attribute), ("monitoring_category", &f.monitoring_category)] {
        if let Some(v) = v {
            sql.push_str(&format!(" AND h.{col} = ?"));
            params.push(P::Text(v));
        }
    }
    if let Some(c) = &f.cause {
        sql.push_str(" AND (h.cause_1 = ? OR h.cause_2 = ? OR h.cause_3 = ? OR h.cause_4 = ? OR h.cause_5 = ?)");
        for _ in 0..5 {
            params.push(P::Text(c));
        }
    }
    (sql, params)
}

/// A page of households in scope, and how many match in all.
pub fn list(conn: &mut Conn, scope: &RegionScope, filter: &HouseholdFilter, sort: SortKey, offset: i64, limit: i64) -> Result<(Vec<HouseholdSummary>, i64)> {
    let mut patterns = Vec::new();
    let (wh, mut params) = where_clause(scope, filter, &mut patterns);
    let total = conn.query_int(&format!("SELECT COUNT(*) FROM household h WHERE {wh}"), &params)?;
    let order = match sort {
        SortKey::HouseholdNo => "h.household_no, h.id",
        SortKey::Region => "h.region_code, h.household_no, h.id",
        SortKey::HeadName => "head_name, h.id",
    };
    let sql = format!(
        "SELECT h.id, h.household_no, h.region_code, h.villager_group, h.household_type, h.poverty_attribute, h.cause_1, \
         (SELECT m.name FROM member m WHERE m.household_id = h.id AND m.relation = 'head' AND m.status = 'active' LIMIT 1) AS head_name, h.stated_size \
         FROM household h WHERE {wh} ORDER BY {order} LIMIT ? OFFSET ?"
    );
    params.push(P::Int(limit));
    params.push(P::Int(offset));
    let rows = conn.query(&sql, &params)?;
    Ok((rows.iter().map(summary).collect(), total))
}

fn summary(r: &Vec<crate::db::Cell>) -> HouseholdSummary {
    let t = |i: usize| r[i].text().map(str::to_string);
    HouseholdSummary {
        id: r[0].int().unwrap_or_default(),
        household_no: t(1),
        region_code: r[2].string(),
        villager_group: t(3),
        household_type: t(4),
        poverty_attribute: t(5),
        cause_1: t(6),
        head_name: t(7),
        stated_size: r[8].int(),
    }
}

/// The household a person (by resident ID) is registered in, within scope.
pub fn household_of_person(conn: &mut Conn, scope: &RegionScope, resident_id: &str) -> Result<Option<i64>> {
    let pattern = scope.like_pattern();
    Ok(conn
        .query_opt(
            "SELECT household_id FROM member WHERE resident_id = ? AND region_code LIKE ? AND status = 'active'",
            &[P::Text(resident_id), P::Text(&pattern)],
        )?
        .and_then(|r| r[0].int()))
}

/// A person found by name.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonHit {
    pub household_id: i64,
    pub name: String,
    pub region_code: String,
    pub relation: Option<String>,
    pub masked_id: String,
}

/// People whose name starts with `name`, within scope (at most `limit`).
pub fn search_name(conn: &mut Conn, scope: &RegionScope, name: &str, limit: i64) -> Result<Vec<PersonHit>> {
    let pattern = scope.like_pattern();
    // a range on (region_code, name) would need one range per village; the name prefix is matched with >= and <
    let upper = format!("{name}\u{10FFFF}");
    let rows = conn.query(
        "SELECT household_id, name, region_code, relation, resident_id FROM member \
         WHERE name >= ? AND name < ? AND region_code LIKE ? AND status = 'active' ORDER BY name, id LIMIT ?",
        &[P::Text(name), P::Text(&upper), P::Text(&pattern), P::Int(limit)],
    )?;
    Ok(rows
        .iter()
        .map(|r| PersonHit {
            household_id: r[0].int().unwrap_or_default(),
            name: r[1].string(),
            region_code: r[2].string(),
            relation: r[3].text().map(str::to_string),
            masked_id: bangfu_domain::ResidentId::parse_at(&r[4].string(), NaiveDate::MAX).map(|i| i.masked()).unwrap_or_default(),
        })
        .collect())
}

/// Households and people by a grouping column, within scope (for summaries and dashboards).
pub fn counts_by(conn: &mut Conn, scope: &RegionScope, column: &str) -> Result<Vec<(Option<String>, i64, i64)>> {
    let allowed = ["household_type", "poverty_attribute", "cause_1", "monitoring_category", "identification_standard"];
    let col = if allowed.contains(&column) { column } else { "household_type" };
    let pattern = scope.like_pattern();
    let sql = format!(
        "SELECT h.{col}, COUNT(DISTINCT h.id), COUNT(m.id) FROM household h LEFT JOIN member m ON m.household_id = h.id AND m.status = 'active' \
         WHERE h.status = 'active' AND h.region_code LIKE ? GROUP BY h.{col} ORDER BY 2 DESC"
    );
    let rows = conn.query(&sql, &[P::Text(&pattern)])?;
    Ok(rows.iter().map(|r| (r[0].text().map(str::to_string), r[1].int().unwrap_or(0), r[2].int().unwrap_or(0))).collect())
}

/// Households and people per region at a level (township = 9 digits, village = 12), within scope.
pub fn counts_by_region(conn: &mut Conn, scope: &RegionScope, digits: usize) -> Result<Vec<(String, i64, i64)>> {
    let pattern = scope.like_pattern();
    let sql = format!(
        "SELECT SUBSTR(h.region_code, 1, {digits}) AS r, COUNT(DISTINCT h.id), COUNT(m.id) FROM household h \
         LEFT JOIN member m ON m.household_id = h.id AND m.status = 'active' \
         WHERE h.status = 'active' AND h.region_code LIKE ? GROUP BY SUBSTR(h.region_code, 1, {digits}) ORDER BY 1"
    );
    let rows = conn.query(&sql, &[P::Text(&pattern)])?;
    Ok(rows.iter().map(|r| (r[0].string(), r[1].int().unwrap_or(0), r[2].int().unwrap_or(0))).collect())
}

/// The registry on a past date: households and people by household type, rebuilt from events
/// (type after the latest event on or before the date) and membership history.
pub fn as_of(conn: &mut Conn, scope: &RegionScope, date: NaiveDate) -> Result<Vec<(String, i64, i64)>> {
    let pattern = scope.like_pattern();
    let sql = "WITH ranked AS ( \
          SELECT household_id, household_type_after AS t, \
                 ROW_NUMBER() OVER (PARTITION BY household_id ORDER BY effective_on DESC, id DESC) AS rn \
          FROM adjustment_event WHERE region_code LIKE ? AND household_type_after IS NOT NULL AND effective_on <= ?), \
        status AS (SELECT household_id, t FROM ranked WHERE rn = 1 AND t <> 'closed'), \
        people AS ( \
          SELECT household_id FROM member WHERE region_code LIKE ? AND joined_on <= ? AND (removed_on IS NULL OR removed_on > ?) \
          UNION ALL \
          SELECT household_id FROM membership_history WHERE region_code LIKE ? AND from_on <= ? AND to_on > ?) \
        SELECT s.t, COUNT(DISTINCT s.household_id), COUNT(p.household_id) \
        FROM status s LEFT JOIN people p ON p.household_id = s.household_id GROUP BY s.t ORDER BY s.t";
    let rows = conn.query(
        sql,
        &[P::Text(&pattern), P::Date(date), P::Text(&pattern), P::Date(date), P::Date(date), P::Text(&pattern), P::Date(date), P::Date(date)],
    )?;
    Ok(rows.iter().map(|r| (r[0].string(), r[1].int().unwrap_or(0), r[2].int().unwrap_or(0))).collect())
}

/// Recent adjustment events of a household, newest first: (date, type code, reason, details).
pub fn events_of(conn: &mut Conn, scope: &RegionScope, household_id: i64) -> Result<Vec<(NaiveDate, String, Option<String>, String, Option<String>)>> {
    let pattern = scope.like_pattern();
    let rows = conn.query(
        "SELECT effective_on, event_type, household_type_after, reason, details FROM adjustment_event \
         WHERE household_id = ? AND region_code LIKE ? ORDER BY effective_on, id",
        &[P::Int(household_id), P::Text(&pattern)],
    )?;
    Ok(rows
        .iter()
        .map(|r| (r[0].date().unwrap_or_default(), r[1].string(), r[2].text().map(str::to_string), r[3].string(), r[4].text().map(str::to_string)))
        .collect())
}

/// One export filter: a coded field (household or member) equal to a code.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFilter {
    pub field: bangfu_domain::fields::FieldRef,
    pub code: String,
}

/// The next ids (after `after_id`, ascending) of active households in scope matching every filter;
/// a member-field filter matches a household with at least one such active member.
pub fn matching_ids(conn: &mut Conn, scope: &RegionScope, region: Option<&RegionCode>, filters: &[FieldFilter], after_id: i64, limit: i64) -> Result<Vec<i64>> {
    use bangfu_domain::fields::FieldRef;
    let pattern = scope.like_pattern();
    let region_pattern = region.map(|r| format!("{}%", r.prefix()));
    let mut sql = String::from("SELECT h.id FROM household h WHERE h.status = 'active' AND h.region_code LIKE ? AND h.id > ?");
    let mut params = vec![P::Text(&pattern), P::Int(after_id)];
    if let Some(p) = &region_pattern {
        sql.push_str(" AND h.region_code LIKE ?");
        params.push(P::Text(p));
    }
    for f in filters {
        match f.field {
            FieldRef::Household(hf) | FieldRef::InvertedHousehold(hf) => {
                let key = hf.def().key;
                if key.starts_with("cause_") {
                    sql.push_str(" AND (h.cause_1 = ? OR h.cause_2 = ? OR h.cause_3 = ? OR h.cause_4 = ? OR h.cause_5 = ?)");
                    for _ in 0..5 {
                        params.push(P::Text(&f.code));
                    }
                } else {
                    sql.push_str(&format!(" AND h.{key} = ?"));
                    params.push(P::Text(&f.code));
                }
            }
            FieldRef::Member(mf) => {
                sql.push_str(&format!(" AND EXISTS (SELECT 1 FROM member m WHERE m.household_id = h.id AND m.status = 'active' AND m.{} = ?)", mf.def().key));
                params.push(P::Text(&f.code));
            }
        }
    }
    sql.push_str(" ORDER BY h.id LIMIT ?");
    params.push(P::Int(limit));
    Ok(conn.query(&sql, &params)?.iter().filter_map(|r| r[0].int()).collect())
}

/// Totals of the registry in scope: (households, active members, households by type).
pub fn totals(conn: &mut Conn, scope: &RegionScope) -> Result<(i64, i64)> {
    let pattern = scope.like_pattern();
    let h = conn.query_int("SELECT COUNT(*) FROM household WHERE status = 'active' AND region_code LIKE ?", &[P::Text(&pattern)])?;
    let m = conn.query_int("SELECT COUNT(*) FROM member WHERE status = 'active' AND region_code LIKE ?", &[P::Text(&pattern)])?;
    Ok((h, m))
}
