//! Reading the registry in a caller's scope: filtered, sorted pages and their totals; one search
//! box for people (ID, partial ID, phone, 户编号, name, pinyin initials); totals; and the registry
//! as it stood on any past date, rebuilt from the adjustment events.

use crate::db::{Conn, P};
use crate::error::Result;
use crate::keyring::Keyring;
use bangfu_domain::pinyin::is_han;
use bangfu_domain::value::{parse_value, Kind, Value};
use bangfu_domain::{RegionCode, RegionScope, ResidentId};
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
    /// 两不愁三保障 not met: any of 不愁吃不愁穿, 义务教育, 基本医疗, 住房安全 recorded as 否
    /// (a guarantee left blank is not counted as unmet).
    pub guarantee_unmet: bool,
    /// Per-capita net income (fen) below this line (e.g. 600_000 for a 6,000 元 monitoring line) in
    /// the household's latest income year, or in `income_year` when given. Households without
    /// that income on record are not below any line.
    pub income_below: Option<i64>,
    /// The year `income_below` looks at (`None`: each household's latest year). Alone it filters nothing.
    pub income_year: Option<i64>,
    /// 监测对象: a monitoring category, or the monitored household type (`Some(false)`: neither).
    pub monitored: Option<bool>,
    /// A 帮扶责任人 is recorded (`Some(false)`: none, or an empty name).
    pub has_helper: Option<bool>,
}

impl HouseholdFilter {
    /// Whether a filter that only rare households pass is set; each has its own small index led
    /// by the region (migration 0003), so the matching households are read directly.
    fn has_rare_condition(&self) -> bool {
        self.guarantee_unmet || self.monitored == Some(true) || self.has_helper == Some(false) || self.income_below.is_some()
    }
}

// Conditions written exactly as the partial indexes of migration 0003 state them (SQLite uses a
// partial index only when the query repeats its condition). Each is true or false, never NULL,
// so a filter and its negation split the households exactly.
const UNMET: &str = "(h.food_clothing_secure = FALSE OR h.education_secure = FALSE OR h.medical_secure = FALSE OR h.housing_secure = FALSE)";
/// `'monitored'` is `vocab::code::MONITORED`.
const MONITORED: &str = "(h.monitoring_category IS NOT NULL OR COALESCE(h.household_type, '') = 'monitored')";
const NO_HELPER: &str = "COALESCE(h.helper_name, '') = ''";

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

/// Which plan a page of the list gets, chosen here rather than left to the planners (SQLite without
/// statistics takes any region prefix for selective; PostgreSQL assumes a township's households are
/// spread evenly over 户编号 order). `Walk`, for a county or more without a rare filter: the region
/// column is hidden from the indexes (`|| ''`), so the page walks 户编号 order and stops after one
/// page instead of sorting every household of the county. `Index`, for a township or a village or
/// a rare filter: a range over a region-led index, sorting only what it finds (the 户编号 sort key
/// is hidden instead, so that no planner walks the whole registry looking for them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeForm {
    Index,
    Walk,
    /// The walk on PostgreSQL: with statistics it knows the county matches every row, so plain
    /// columns already make it walk the 户编号 index.
    WalkPlain,
}

fn where_clause<'a>(scope: &'a RegionScope, f: &'a HouseholdFilter, form: ScopeForm, patterns: &'a mut Vec<String>) -> (String, Vec<P<'a>>) {
    patterns.push(scope.like_pattern());
    if let Some(r) = &f.region {
        patterns.push(format!("{}%", r.prefix()));
    }
    let column = match form {
        ScopeForm::Index | ScopeForm::WalkPlain => "h.region_code",
        ScopeForm::Walk => "h.region_code || ''",
    };
    let mut sql = format!("h.status = 'active' AND {column} LIKE ?");
    let mut params = vec![P::Text(&patterns[0])];
    if patterns.len() > 1 {
        sql.push_str(&format!(" AND {column} LIKE ?"));
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
    if f.guarantee_unmet {
        sql.push_str(" AND ");
        sql.push_str(UNMET);
    }
    match f.monitored {
        Some(true) => sql.push_str(&format!(" AND {MONITORED}")),
        Some(false) => sql.push_str(&format!(" AND NOT {MONITORED}")),
        None => {}
    }
    match f.has_helper {
        Some(true) => sql.push_str(&format!(" AND NOT {NO_HELPER}")),
        Some(false) => sql.push_str(&format!(" AND {NO_HELPER}")),
        None => {}
    }
    if let Some(line) = f.income_below {
        // driven by the income indexes (household_income_per_capita, or household_income_year for
        // a given year): the households below the line, then their rows
        sql.push_str(" AND h.id IN (SELECT i.household_id FROM household_income i WHERE i.per_capita_net_income < ? AND ");
        params.push(P::Int(line));
        match f.income_year {
            Some(y) => {
                sql.push_str("i.year = ?)");
                params.push(P::Int(y));
            }
            // the household's latest year: no later year on record. Every row of the registry's latest
            // year passes at once (one lookup on household_income_year); only older rows are checked.
            None => sql.push_str(
                "(i.year = (SELECT MAX(y.year) FROM household_income y) \
                 OR NOT EXISTS (SELECT 1 FROM household_income z WHERE z.household_id = i.household_id AND z.year > i.year)))",
            ),
        }
    }
    (sql, params)
}

/// A page of households in scope, and how many match in all (`page` and `count` together).
pub fn list(conn: &mut Conn, scope: &RegionScope, filter: &HouseholdFilter, sort: SortKey, offset: i64, limit: i64) -> Result<(Vec<HouseholdSummary>, i64)> {
    let rows = page(conn, scope, filter, sort, offset, limit)?;
    let total = count(conn, scope, filter)?;
    Ok((rows, total))
}

/// How many active households in scope match. Separate from `page` because a county-wide total
/// without a rare filter has to count every household of the county (≈ 15–25 ms for 300,000 on
/// SQLite, on the narrow household_region_no index): a caller paging through one list can keep
/// the total it got for the first page instead of counting again for every page.
pub fn count(conn: &mut Conn, scope: &RegionScope, filter: &HouseholdFilter) -> Result<i64> {
    // the common side of a two-way split is counted as everything minus the rare side (both fast)
    if filter.monitored == Some(false) {
        let all = count(conn, scope, &HouseholdFilter { monitored: None, ..filter.clone() })?;
        return Ok(all - count(conn, scope, &HouseholdFilter { monitored: Some(true), ..filter.clone() })?);
    }
    if filter.has_helper == Some(true) {
        let all = count(conn, scope, &HouseholdFilter { has_helper: None, ..filter.clone() })?;
        return Ok(all - count(conn, scope, &HouseholdFilter { has_helper: Some(false), ..filter.clone() })?);
    }
    let mut patterns = Vec::new();
    let (wh, params) = where_clause(scope, filter, ScopeForm::Index, &mut patterns);
    conn.query_int(&format!("SELECT COUNT(*) FROM household h WHERE {wh}"), &params)
}

/// One page of households in scope (active ones, matching every filter), sorted.
pub fn page(conn: &mut Conn, scope: &RegionScope, filter: &HouseholdFilter, sort: SortKey, offset: i64, limit: i64) -> Result<Vec<HouseholdSummary>> {
    // narrowest region asked for: the scope, or the filter's region inside it
    let prefix = filter.region.as_ref().map_or(0, |r| r.prefix().len()).max(scope.prefix().len());
    let postgres = conn.backend() == crate::Backend::Postgres;
    // PostgreSQL plans from statistics (the bulk load and `db copy` run ANALYZE): plain columns let
    // it choose; the hand-picked forms below are for SQLite, which has none.
    let walk = sort == SortKey::HouseholdNo && prefix <= 6 && !filter.has_rare_condition();
    let form = match (walk, postgres) {
        (true, false) => ScopeForm::Walk,
        (true, true) => ScopeForm::WalkPlain,
        (false, _) => ScopeForm::Index,
    };
    let mut patterns = Vec::new();
    let (wh, mut params) = where_clause(scope, filter, form, &mut patterns);
    let columns = "h.id, h.household_no, h.region_code, h.villager_group, h.household_type, h.poverty_attribute, h.cause_1, \
         (SELECT m.name FROM member m WHERE m.household_id = h.id AND m.relation = 'head' AND m.status = 'active' LIMIT 1) AS head_name, h.stated_size";
    let sql = match sort {
        SortKey::HeadName => format!("SELECT {columns} FROM household h WHERE {wh} ORDER BY head_name, h.id LIMIT ? OFFSET ?"),
        SortKey::HouseholdNo | SortKey::Region => {
            let order = match (sort, form) {
                (SortKey::Region, _) => "h.region_code, h.household_no, h.id",
                (_, ScopeForm::Walk | ScopeForm::WalkPlain) => "h.household_no, h.id",
                // the mirror of Walk: sort the region's (or the rare filter's) households rather than
                // walk 户编号 order across the whole registry looking for them (PostgreSQL would)
                (_, ScopeForm::Index) => "h.household_no || '', h.id",
            };
            // the page's ids first (from an index, sorting only ids), then only its rows and head names
            format!(
                "SELECT {columns} FROM (SELECT h.id AS id FROM household h WHERE {wh} ORDER BY {order} LIMIT ? OFFSET ?) p \
                 JOIN household h ON h.id = p.id ORDER BY {order}"
            )
        }
    };
    params.push(P::Int(limit));
    params.push(P::Int(offset));
    let rows = conn.query(&sql, &params)?;
    Ok(rows.iter().map(summary).collect())
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

/// What a search matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// The whole resident ID (18 digits, or 15 upgraded).
    ResidentId,
    /// The last 6–17 characters of a resident ID.
    IdSuffix,
    /// The household's phone (equality on its keyed hash).
    Phone,
    /// The 户编号.
    HouseholdNo,
    /// The start of the name.
    Name,
    /// The start of the name's pinyin initials.
    Initials,
}

/// A person found by a search: an active member in scope, their household and what matched.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonHit {
    pub member_id: i64,
    pub household_id: i64,
    pub household_no: Option<String>,
    pub name: String,
    pub region_code: String,
    pub relation: Option<String>,
    /// The resident ID masked (first 6 and last 4 kept).
    pub masked_id: String,
    pub matched: MatchKind,
}

const HIT_COLUMNS: &str = "m.id, m.household_id, h.household_no, m.name, m.region_code, m.relation, m.resident_id";

fn hits(conn: &mut Conn, sql: &str, params: &[P], matched: MatchKind) -> Result<Vec<PersonHit>> {
    Ok(conn
        .query(sql, params)?
        .iter()
        .map(|r| PersonHit {
            member_id: r[0].int().unwrap_or_default(),
            household_id: r[1].int().unwrap_or_default(),
            household_no: r[2].text().map(str::to_string),
            name: r[3].string(),
            region_code: r[4].string(),
            relation: r[5].text().map(str::to_string),
            masked_id: bangfu_domain::ResidentId::parse_at(&r[6].string(), NaiveDate::MAX).map(|i| i.masked()).unwrap_or_default(),
            matched,
        })
        .collect())
}

/// The smallest text greater than every text starting with `prefix`: a prefix is matched as the
/// range [prefix, upper) on byte-ordered columns, so `%`, `_` and quotes in it are plain text.
fn prefix_upper(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// People whose name starts with `name`, within scope (at most `limit`).
pub fn search_name(conn: &mut Conn, scope: &RegionScope, name: &str, limit: i64) -> Result<Vec<PersonHit>> {
    let pattern = scope.like_pattern();
    // a range on (region_code, name) would need one range per village; the name prefix is matched with >= and <
    let upper = prefix_upper(name);
    hits(
        conn,
        &format!(
            "SELECT {HIT_COLUMNS} FROM member m JOIN household h ON h.id = m.household_id \
             WHERE m.name >= ? AND m.name < ? AND m.region_code LIKE ? AND m.status = 'active' ORDER BY m.name, m.id LIMIT ?"
        ),
        &[P::Text(name), P::Text(&upper), P::Text(&pattern), P::Int(limit)],
        MatchKind::Name,
    )
}

/// People whose pinyin initials start with `initials` (lower-case letters), within scope.
fn search_initials(conn: &mut Conn, scope: &RegionScope, initials: &str, limit: i64) -> Result<Vec<PersonHit>> {
    let pattern = scope.like_pattern();
    let upper = prefix_upper(initials);
    hits(
        conn,
        &format!(
            "SELECT {HIT_COLUMNS} FROM member m JOIN household h ON h.id = m.household_id \
             WHERE m.name_initials >= ? AND m.name_initials < ? AND m.region_code LIKE ? AND m.status = 'active' \
             ORDER BY m.name_initials, m.name, m.id LIMIT ?"
        ),
        &[P::Text(initials), P::Text(&upper), P::Text(&pattern), P::Int(limit)],
        MatchKind::Initials,
    )
}

/// The active members of the households matching `condition` (on `h`), within scope, by 户编号 and seat.
fn search_households(conn: &mut Conn, scope: &RegionScope, condition: &str, value: &str, limit: i64, matched: MatchKind) -> Result<Vec<PersonHit>> {
    let pattern = scope.like_pattern();
    hits(
        conn,
        &format!(
            "SELECT {HIT_COLUMNS} FROM household h JOIN member m ON m.household_id = h.id \
             WHERE {condition} AND h.status = 'active' AND h.region_code LIKE ? AND m.status = 'active' \
             ORDER BY h.household_no, h.id, m.seq LIMIT ?"
        ),
        &[P::Text(value), P::Text(&pattern), P::Int(limit)],
        matched,
    )
}

/// Full-width digits and Ｘ folded, spaces dropped: how an ID or number typed into a box is compared.
fn compact_digits(q: &str) -> String {
    q.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            c => c,
        })
        .collect()
}

/// One search box for people: decides what `q` is and looks it up within scope, active members only.
///
/// - a whole resident ID (18 digits, or 15 upgraded; normalised by `ResidentId`): that person;
/// - a phone number (a mobile of 11 digits, or a landline with its area code): the members of the
///   households with that phone, found by the keyed hash the importer stores (`keys.search_hash`);
/// - a 户编号 (any single word): the members of that household;
/// - 6 to 17 trailing characters of a resident ID (digits, X last): people whose ID ends so
///   (indexed on the last six, then checked in full);
/// - Chinese characters: names starting with them;
/// - Latin letters (case-insensitive, spaces ignored): names whose pinyin initials start with them
///   (张三丰 by "zsf", "ZS" or "z s f");
/// - anything else: names starting with that text, taken literally.
///
/// Hits come in that order, each person once, at most `limit`.
pub fn search(conn: &mut Conn, keys: &Keyring, scope: &RegionScope, q: &str, limit: i64) -> Result<Vec<PersonHit>> {
    let q = q.trim();
    if q.is_empty() || limit <= 0 {
        return Ok(Vec::new());
    }
    let compact = compact_digits(q);
    let id_like = compact.len() >= 6
        && compact.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (b == b'X' && i == compact.len() - 1));
    let full_id = ResidentId::parse_at(q, NaiveDate::MAX).ok();
    let phone = match parse_value(Kind::Phone, q, NaiveDate::MAX) {
        Ok(Value::Secret(p)) => Some(keys.search_hash(p.reveal())),
        _ => None,
    };
    let has_han = q.chars().any(is_han);
    let letters: Option<String> = {
        let l: String = q.chars().filter(|c| !c.is_whitespace()).collect();
        (!l.is_empty() && l.chars().all(|c| c.is_ascii_alphabetic())).then(|| l.to_ascii_lowercase())
    };

    let mut found: Vec<PersonHit> = Vec::new();
    let add = |more: Vec<PersonHit>, found: &mut Vec<PersonHit>| {
        for h in more {
            if found.len() as i64 >= limit {
                break;
            }
            if !found.iter().any(|f| f.member_id == h.member_id) {
                found.push(h);
            }
        }
    };
    if let Some(id) = &full_id {
        let pattern = scope.like_pattern();
        let sql = format!(
            "SELECT {HIT_COLUMNS} FROM member m JOIN household h ON h.id = m.household_id \
             WHERE m.resident_id = ? AND m.region_code LIKE ? AND m.status = 'active'"
        );
        add(hits(conn, &sql, &[P::Text(id.as_str()), P::Text(&pattern)], MatchKind::ResidentId)?, &mut found);
    }
    if let Some(hash) = &phone {
        add(search_households(conn, scope, "h.phone_hash = ?", hash, limit, MatchKind::Phone)?, &mut found);
    }
    if !q.contains(char::is_whitespace) {
        let no = if id_like { compact.as_str() } else { q };
        add(search_households(conn, scope, "h.household_no = ?", no, limit, MatchKind::HouseholdNo)?, &mut found);
    }
    if id_like && full_id.is_none() && compact.len() <= 17 {
        // the expression index member_id_tail holds the last six characters; the rest is checked
        // in full (the text is digits and a final X: nothing in it is a LIKE wildcard)
        let pattern = scope.like_pattern();
        let tail = &compact[compact.len() - 6..];
        let ends_with = format!("%{compact}");
        let sql = format!(
            "SELECT {HIT_COLUMNS} FROM member m JOIN household h ON h.id = m.household_id \
             WHERE SUBSTR(m.resident_id, 13) = ? AND m.resident_id LIKE ? AND m.region_code LIKE ? AND m.status = 'active' \
             ORDER BY m.resident_id LIMIT ?"
        );
        add(hits(conn, &sql, &[P::Text(tail), P::Text(&ends_with), P::Text(&pattern), P::Int(limit)], MatchKind::IdSuffix)?, &mut found);
    }
    if has_han {
        add(search_name(conn, scope, q, limit)?, &mut found);
    } else if let Some(l) = &letters {
        add(search_initials(conn, scope, l, limit)?, &mut found);
    } else if !id_like && phone.is_none() {
        add(search_name(conn, scope, q, limit)?, &mut found);
    }
    Ok(found)
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
