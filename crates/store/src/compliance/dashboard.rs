//! The two numbers the dashboard shows: registered households without a helper (coverage) and this
//! month's visit rate of helper–household pairs — two counting statements, no lists.

use crate::db::{Conn, P};
use crate::error::Result;
use bangfu_domain::compliance::{rate, Month};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;

/// Coverage and this month's visits in a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DashboardCounts {
    /// Registered households (脱贫户, 贫困户, 监测户) in the registry.
    pub registered_households: i64,
    /// Of them, without a helper–household pairing in force.
    pub households_without_helper: i64,
    /// Helper–household pairs in force, and those visited by their helper this month (at least once).
    pub pairs: i64,
    pub pairs_visited: i64,
}

impl DashboardCounts {
    pub fn visit_rate(&self) -> f64 {
        rate(self.pairs_visited, self.pairs)
    }
}

/// Counts for the dashboard (VIS-01 with one visit; a jurisdiction's higher count shows on /compliance).
pub fn dashboard_counts(conn: &mut Conn, scope: &RegionScope, month: Month, today: NaiveDate) -> Result<DashboardCounts> {
    let pattern = scope.like_pattern();
    let (first, as_of) = (month.first_day(), month.as_of(today));
    let r = conn.query_opt(
        "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM pairing p WHERE p.beneficiary_kind = 'household' AND p.beneficiary_id = h.id AND p.status = 'active' \
           AND p.kind IN ('helper_household', 'leader_household')) THEN 0 ELSE 1 END) \
         FROM household h WHERE h.region_code LIKE ? AND h.status = 'active' AND h.household_type IN ('poor', 'exited', 'monitored')",
        &[P::Text(&pattern)],
    )?;
    let (registered, without) = r.map(|r| (r[0].int().unwrap_or(0), r[1].int().unwrap_or(0))).unwrap_or_default();
    let r = conn.query_opt(
        "SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM activity_helper ah WHERE ah.household_id = p.beneficiary_id AND ah.kind = 'visit' \
           AND ah.occurred_on >= ? AND ah.occurred_on <= ? AND ah.helper_id = p.helper_id) THEN 1 ELSE 0 END) \
         FROM pairing p WHERE p.kind IN ('helper_household', 'leader_household') AND p.beneficiary_kind = 'household' AND p.helper_kind = 'helper' \
           AND p.region_code LIKE ? AND p.started_on <= ? AND (p.ended_on IS NULL OR p.ended_on >= ?) AND (p.status = 'active' OR p.ended_on IS NOT NULL)",
        &[P::Date(first), P::Date(as_of), P::Text(&pattern), P::Date(as_of), P::Date(as_of)],
    )?;
    let (pairs, visited) = r.map(|r| (r[0].int().unwrap_or(0), r[1].int().unwrap_or(0))).unwrap_or_default();
    Ok(DashboardCounts { registered_households: registered, households_without_helper: without, pairs, pairs_visited: visited })
}
