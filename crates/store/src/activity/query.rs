//! Reading activities: of a household, of a helper (by month), of a village; counts by kind.

use super::id_list;
use crate::db::{Conn, Row, P};
use crate::error::Result;
use bangfu_domain::pairing::ActivityKind;
use bangfu_domain::{RegionCode, RegionScope};
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

/// Which activities; every filter is optional and all narrow the caller's scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityFilter {
    pub household_id: Option<i64>,
    pub helper_id: Option<i64>,
    /// A village (or any region) inside the scope.
    pub region: Option<RegionCode>,
    pub kind: Option<ActivityKind>,
    /// (year, month): activities dated in that month.
    pub month: Option<(i32, u32)>,
}

/// One helper as an activity lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperRef {
    pub id: i64,
    pub name: String,
}

/// One activity as lists and the API show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    pub region_code: String,
    pub village_name: Option<String>,
    pub household_id: Option<i64>,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    pub occurred_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub title: Option<String>,
    pub checked: Vec<String>,
    pub problems: Option<String>,
    pub help_given: Option<String>,
    pub money: Option<i64>,
    pub goods: Option<String>,
    pub latitude_e6: Option<i64>,
    pub longitude_e6: Option<i64>,
    pub details: serde_json::Map<String, serde_json::Value>,
    pub flags: Vec<String>,
    pub client_uuid: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub helpers: Vec<HelperRef>,
    pub photos: i64,
}

impl Activity {
    pub fn not_paired(&self) -> bool {
        self.flags.iter().any(|f| f == "not_paired")
    }
}

const COLUMNS: &str = "a.id, a.kind, a.region_code, rg.name, a.household_id, h.household_no, \
     (SELECT hm.name FROM member hm WHERE hm.household_id = a.household_id AND hm.relation = 'head' AND hm.status = 'active' ORDER BY hm.seq LIMIT 1), \
     a.occurred_on, a.ended_on, a.start_time, a.end_time, a.title, a.checked, a.problems, a.help_given, a.money, a.goods, a.latitude_e6, a.longitude_e6, \
     a.details, a.flags, a.client_uuid, a.created_by, a.created_at, (SELECT COUNT(*) FROM activity_photo ap WHERE ap.activity_id = a.id)";
const FROM: &str = "FROM activity a LEFT JOIN household h ON h.id = a.household_id LEFT JOIN region rg ON rg.code = a.region_code";

fn split(v: Option<&str>) -> Vec<String> {
    v.map(|s| s.split(',').filter(|x| !x.is_empty()).map(str::to_string).collect()).unwrap_or_default()
}

fn from_row(r: &Row) -> Option<Activity> {
    Some(Activity {
        id: r[0].int()?,
        kind: ActivityKind::parse(r[1].text()?)?,
        region_code: r[2].string(),
        village_name: r[3].text().map(str::to_string),
        household_id: r[4].int(),
        household_no: r[5].text().map(str::to_string),
        head_name: r[6].text().map(str::to_string),
        occurred_on: r[7].date()?,
        ended_on: r[8].date(),
        start_time: r[9].text().map(str::to_string),
        end_time: r[10].text().map(str::to_string),
        title: r[11].text().map(str::to_string),
        checked: split(r[12].text()),
        problems: r[13].text().map(str::to_string),
        help_given: r[14].text().map(str::to_string),
        money: r[15].int(),
        goods: r[16].text().map(str::to_string),
        latitude_e6: r[17].int(),
        longitude_e6: r[18].int(),
        details: r[19].text().and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default(),
        flags: split(r[20].text()),
        client_uuid: r[21].text().map(str::to_string),
        created_by: r[22].string(),
        created_at: r[23].string(),
        helpers: Vec::new(),
        photos: r[24].int().unwrap_or(0),
    })
}

/// The first day of a month and of the next one.
pub fn month_range(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1)? } else { NaiveDate::from_ymd_opt(year, month + 1, 1)? };
    Some((first, next))
}

/// Parses "2026-11" (or "2026-11-05": its month).
pub fn parse_month(text: &str) -> Option<(i32, u32)> {
    let t = text.trim();
    let mut parts = t.split('-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    month_range(y, m).map(|_| (y, m))
}

/// The month of a date.
pub fn month_of(d: NaiveDate) -> (i32, u32) {
    (d.year(), d.month())
}

/// Activities in scope matching the filter, newest first, with their helpers; and how many match.
pub fn activities(conn: &mut Conn, scope: &RegionScope, f: &ActivityFilter, offset: i64, limit: i64) -> Result<(Vec<Activity>, i64)> {
    let pattern = scope.like_pattern();
    let region_pattern = f.region.map(|r| format!("{}%", r.prefix()));
    let range = f.month.and_then(|(y, m)| month_range(y, m));
    let mut sql = String::from("WHERE a.region_code LIKE ?");
    let mut params: Vec<P> = vec![P::Text(&pattern)];
    if let Some(p) = &region_pattern {
        sql.push_str(" AND a.region_code LIKE ?");
        params.push(P::Text(p));
    }
    if let Some(h) = f.household_id {
        sql.push_str(" AND a.household_id = ?");
        params.push(P::Int(h));
    }
    if let Some(k) = f.kind {
        sql.push_str(" AND a.kind = ?");
        params.push(P::Text(k.code()));
    }
    if let Some(helper) = f.helper_id {
        sql.push_str(" AND a.id IN (SELECT ah.activity_id FROM activity_helper ah WHERE ah.helper_id = ?");
        params.push(P::Int(helper));
        if let Some((from, to)) = range {
            sql.push_str(" AND ah.occurred_on >= ? AND ah.occurred_on < ?");
            params.push(P::Date(from));
            params.push(P::Date(to));
        }
        sql.push(')');
    }
    if let Some((from, to)) = range {
        sql.push_str(" AND a.occurred_on >= ? AND a.occurred_on < ?");
        params.push(P::Date(from));
        params.push(P::Date(to));
    }
    let total = conn.query_int(&format!("SELECT COUNT(*) FROM activity a {sql}"), &params)?;
    let mut page = params.clone();
    page.push(P::Int(limit));
    page.push(P::Int(offset));
    let rows = conn.query(&format!("SELECT {COLUMNS} {FROM} {sql} ORDER BY a.occurred_on DESC, a.id DESC LIMIT ? OFFSET ?"), &page)?;
    let mut list: Vec<Activity> = rows.iter().filter_map(from_row).collect();
    attach_helpers(conn, &mut list)?;
    Ok((list, total))
}

/// One activity in scope.
pub fn activity(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<Activity>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {COLUMNS} {FROM} WHERE a.id = ? AND a.region_code LIKE ?"), &[P::Int(id), P::Text(&pattern)])?;
    let mut list: Vec<Activity> = row.as_ref().and_then(from_row).into_iter().collect();
    attach_helpers(conn, &mut list)?;
    Ok(list.pop())
}

fn attach_helpers(conn: &mut Conn, list: &mut [Activity]) -> Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let rows = conn.query(
        &format!("SELECT ah.activity_id, h.id, h.name FROM activity_helper ah JOIN helper h ON h.id = ah.helper_id WHERE ah.activity_id IN ({}) ORDER BY h.id", id_list(&ids)),
        &[],
    )?;
    let mut by: HashMap<i64, Vec<HelperRef>> = HashMap::new();
    for r in &rows {
        if let (Some(a), Some(h)) = (r[0].int(), r[1].int()) {
            by.entry(a).or_default().push(HelperRef { id: h, name: r[2].string() });
        }
    }
    for a in list.iter_mut() {
        a.helpers = by.remove(&a.id).unwrap_or_default();
    }
    Ok(())
}

/// How many activities of each kind in scope (in a month, if given), by kind in catalogue order.
pub fn counts(conn: &mut Conn, scope: &RegionScope, month: Option<(i32, u32)>) -> Result<Vec<(ActivityKind, i64)>> {
    let pattern = scope.like_pattern();
    let mut sql = String::from("SELECT kind, COUNT(*) FROM activity WHERE region_code LIKE ?");
    let mut params: Vec<P> = vec![P::Text(&pattern)];
    if let Some((from, to)) = month.and_then(|(y, m)| month_range(y, m)) {
        sql.push_str(" AND occurred_on >= ? AND occurred_on < ?");
        params.push(P::Date(from));
        params.push(P::Date(to));
    }
    sql.push_str(" GROUP BY kind");
    let rows = conn.query(&sql, &params)?;
    let mut out: Vec<(ActivityKind, i64)> = rows.iter().filter_map(|r| Some((ActivityKind::parse(r[0].text()?)?, r[1].int()?))).collect();
    out.sort();
    Ok(out)
}

/// Helpers by name or id for forms: those paired with a household first (id, name, paired now).
pub fn helpers_for_household(conn: &mut Conn, household_id: i64) -> Result<Vec<(i64, String, bool)>> {
    let rows = conn.query(
        "SELECT h.id, h.name, MAX(CASE WHEN p.status = 'active' THEN 1 ELSE 0 END) FROM pairing p JOIN helper h ON h.id = p.helper_id \
         WHERE p.beneficiary_kind = 'household' AND p.beneficiary_id = ? AND p.helper_kind = 'helper' GROUP BY h.id, h.name ORDER BY h.id",
        &[P::Int(household_id)],
    )?;
    Ok(rows.iter().filter_map(|r| Some((r[0].int()?, r[1].string(), r[2].int().unwrap_or(0) == 1))).collect())
}
