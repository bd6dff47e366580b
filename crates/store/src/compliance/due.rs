//! A helper's own month: each paired household with this month's visits, the last visit and what
//! is still due — one statement over the helper's pairings (index seeks per household).

use crate::db::{Conn, P};
use crate::error::Result;
use bangfu_domain::compliance::rules::overdue;
use bangfu_domain::compliance::{Month, Params};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;

/// One paired household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    pub household_id: i64,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    pub village_code: String,
    pub village_name: Option<String>,
    pub paired_since: Option<NaiveDate>,
    /// My visits this month.
    pub visits_month: i64,
    pub visits_required: i64,
    /// My last visit, and the last visit by anyone (up to the day the month is judged at).
    pub my_last_visit: Option<NaiveDate>,
    pub last_visit: Option<NaiveDate>,
    pub days_since: Option<i64>,
    pub no_visit_days: i64,
    /// This month's visits are done.
    pub done: bool,
    /// Not visited for longer than the limit (VIS-02).
    pub overdue: bool,
}

/// What is due for a helper in a month.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub helper_id: i64,
    pub name: String,
    pub kind: String,
    pub unit_name: Option<String>,
    pub month: Month,
    pub as_of: NaiveDate,
    pub items: Vec<DueItem>,
    /// All my visits this month, and what VIS-03 asks of cadres.
    pub visits_month: i64,
    pub cadre_visits_required: Option<i64>,
}

impl Due {
    pub fn done_count(&self) -> usize {
        self.items.iter().filter(|i| i.done).count()
    }
}

/// The helper record of an app user, if any.
pub fn helper_of_user(conn: &mut Conn, user_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_opt("SELECT id FROM helper WHERE user_id = ? ORDER BY CASE WHEN status = 'active' THEN 0 ELSE 1 END, id LIMIT 1", &[P::Int(user_id)])?
        .and_then(|r| r[0].int()))
}

/// A helper's month, limited to households in `scope`; None when the helper does not exist or has
/// neither its record nor any paired household in scope.
pub fn due(conn: &mut Conn, scope: &RegionScope, helper_id: i64, month: Month, today: NaiveDate) -> Result<Option<Due>> {
    let Some(h) = conn.query_opt(
        "SELECT hp.name, hp.kind, u.name, hp.region_code FROM helper hp LEFT JOIN assist_unit u ON u.id = hp.unit_id WHERE hp.id = ?",
        &[P::Int(helper_id)],
    )?
    else {
        return Ok(None);
    };
    let as_of = month.as_of(today);
    let first = month.first_day();
    let pattern = scope.like_pattern();
    let rows = conn.query(
        "SELECT p.beneficiary_id, p.region_code, p.started_on, hh.household_no, \
           (SELECT m.name FROM member m WHERE m.household_id = p.beneficiary_id AND m.relation = 'head' AND m.status = 'active' ORDER BY m.seq LIMIT 1), \
           (SELECT COUNT(*) FROM activity_helper ah WHERE ah.household_id = p.beneficiary_id AND ah.kind = 'visit' AND ah.occurred_on >= ? AND ah.occurred_on <= ? AND ah.helper_id = p.helper_id), \
           (SELECT MAX(ah.occurred_on) FROM activity_helper ah WHERE ah.household_id = p.beneficiary_id AND ah.kind = 'visit' AND ah.occurred_on <= ? AND ah.helper_id = p.helper_id), \
           (SELECT MAX(ah.occurred_on) FROM activity_helper ah WHERE ah.household_id = p.beneficiary_id AND ah.kind = 'visit' AND ah.occurred_on <= ?), \
           (SELECT r.name FROM region r WHERE r.code = p.region_code) \
         FROM pairing p LEFT JOIN household hh ON hh.id = p.beneficiary_id \
         WHERE p.helper_kind = 'helper' AND p.helper_id = ? AND p.kind IN ('helper_household', 'leader_household') AND p.beneficiary_kind = 'household' \
           AND p.region_code LIKE ? AND p.started_on <= ? AND (p.ended_on IS NULL OR p.ended_on >= ?) AND (p.status = 'active' OR p.ended_on IS NOT NULL) \
         ORDER BY p.region_code, hh.household_no",
        &[P::Date(first), P::Date(as_of), P::Date(as_of), P::Date(as_of), P::Int(helper_id), P::Text(&pattern), P::Date(as_of), P::Date(as_of)],
    )?;
    let helper_region = h[3].string();
    if rows.is_empty() && !helper_region.starts_with(scope.prefix()) {
        return Ok(None);
    }
    let overrides = super::settings::overrides(conn)?;
    let mut cache: std::collections::HashMap<String, Params> = Default::default();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let village = r[1].string();
        let params = cache.entry(village.clone()).or_insert_with(|| Params::resolve(&village, &overrides).0);
        let (need, limit) = (params.get("visit_per_household_month"), params.get("no_visit_days"));
        let n = r[5].int().unwrap_or(0);
        let last = r[7].date();
        items.push(DueItem {
            household_id: r[0].int().unwrap_or(0),
            household_no: r[3].text().map(str::to_string),
            head_name: r[4].text().map(str::to_string),
            village_code: village,
            village_name: r[8].text().map(str::to_string),
            paired_since: r[2].date(),
            visits_month: n,
            visits_required: need,
            my_last_visit: r[6].date(),
            last_visit: last,
            days_since: last.map(|d| (as_of - d).num_days()),
            no_visit_days: limit,
            done: n >= need,
            overdue: overdue(last, as_of, limit),
        });
    }
    // not done first, longest without a visit first
    items.sort_by(|a, b| a.done.cmp(&b.done).then(a.last_visit.cmp(&b.last_visit)).then(a.household_no.cmp(&b.household_no)));
    let visits_month = conn.query_int(
        "SELECT COUNT(*) FROM activity_helper WHERE helper_id = ? AND occurred_on >= ? AND occurred_on <= ? AND kind = 'visit'",
        &[P::Int(helper_id), P::Date(first), P::Date(as_of)],
    )?;
    let kind = h[1].string();
    let cadre_visits_required = (kind == "cadre" || kind == "leader").then(|| {
        let region = items.first().map(|i| i.village_code.clone()).unwrap_or(helper_region);
        Params::resolve(&region, &overrides).0.get("cadre_visits_month")
    });
    Ok(Some(Due { helper_id, name: h[0].string(), kind, unit_name: h[2].text().map(str::to_string), month, as_of, items, visits_month, cadre_visits_required }))
}
