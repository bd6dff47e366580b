//! The rows of the monthly ledgers offices print: 走访台账 (every visit in a village that month) and
//! 帮扶工作台账 (every helper's paired households with this month's visits and the measures).

use super::names;
use crate::db::{Conn, P};
use crate::error::Result;
use bangfu_domain::compliance::Month;
use bangfu_domain::quality::MeasureKind;
use bangfu_domain::RegionScope;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// One visit (走访台账).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitLedgerRow {
    pub activity_id: i64,
    pub village_code: String,
    pub village_name: String,
    pub occurred_on: NaiveDate,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    /// Helpers who took part, joined with 、.
    pub helpers: String,
    pub checked: Option<String>,
    pub problems: Option<String>,
    pub help_given: Option<String>,
    pub money_fen: Option<i64>,
    pub goods: Option<String>,
}

/// One paired household of a helper (帮扶工作台账).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkLedgerRow {
    pub helper_id: i64,
    pub helper_name: String,
    pub unit_name: Option<String>,
    pub position: Option<String>,
    pub village_code: String,
    pub village_name: String,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    pub paired_since: Option<NaiveDate>,
    pub visits_month: i64,
    pub last_visit: Option<NaiveDate>,
    /// The plan's measures and the measures in force, joined with ；.
    pub measures: String,
}

/// Every visit in scope in the month, by village and date.
pub fn visit_ledger(conn: &mut Conn, scope: &RegionScope, month: Month) -> Result<Vec<VisitLedgerRow>> {
    let (first, last) = (month.first_day(), month.last_day());
    let pattern = scope.like_pattern();
    let rows = conn.query(
        "SELECT a.id, a.region_code, a.occurred_on, a.start_time, a.end_time, h.household_no, \
           (SELECT m.name FROM member m WHERE m.household_id = a.household_id AND m.relation = 'head' AND m.status = 'active' ORDER BY m.seq LIMIT 1), \
           a.checked, a.problems, a.help_given, a.money, a.goods \
         FROM activity a LEFT JOIN household h ON h.id = a.household_id \
         WHERE a.region_code LIKE ? AND a.kind = 'visit' AND a.occurred_on >= ? AND a.occurred_on <= ? \
         ORDER BY a.region_code, a.occurred_on, a.id",
        &[P::Text(&pattern), P::Date(first), P::Date(last)],
    )?;
    let mut helpers: HashMap<i64, Vec<String>> = HashMap::new();
    for r in conn.query(
        "SELECT ah.activity_id, hp.name FROM activity_helper ah JOIN helper hp ON hp.id = ah.helper_id \
         WHERE ah.region_code LIKE ? AND ah.occurred_on >= ? AND ah.occurred_on <= ? AND ah.kind = 'visit' ORDER BY ah.activity_id, hp.name",
        &[P::Text(&pattern), P::Date(first), P::Date(last)],
    )? {
        helpers.entry(r[0].int().unwrap_or(0)).or_default().push(r[1].string());
    }
    let codes: Vec<String> = rows.iter().map(|r| r[1].string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let region_names = names::regions(conn, &codes)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let id = r[0].int()?;
            let village = r[1].string();
            Some(VisitLedgerRow {
                activity_id: id,
                village_name: region_names.get(&village).cloned().unwrap_or_else(|| village.clone()),
                village_code: village,
                occurred_on: r[2].date()?,
                start_time: r[3].text().map(str::to_string),
                end_time: r[4].text().map(str::to_string),
                household_no: r[5].text().map(str::to_string),
                head_name: r[6].text().map(str::to_string),
                helpers: helpers.get(&id).map(|v| v.join("、")).unwrap_or_default(),
                checked: r[7].text().map(str::to_string),
                problems: r[8].text().map(str::to_string),
                help_given: r[9].text().map(str::to_string),
                money_fen: r[10].int(),
                goods: r[11].text().map(str::to_string),
            })
        })
        .collect())
}

/// Every helper–household pairing in force in scope at the month's end, by helper.
pub fn work_ledger(conn: &mut Conn, scope: &RegionScope, month: Month, today: NaiveDate) -> Result<Vec<WorkLedgerRow>> {
    let (first, as_of) = (month.first_day(), month.as_of(today));
    let pattern = scope.like_pattern();
    let rows = conn.query(
        "SELECT p.helper_id, hp.name, u.name, hp.position, p.region_code, hh.household_no, \
           (SELECT m.name FROM member m WHERE m.household_id = p.beneficiary_id AND m.relation = 'head' AND m.status = 'active' ORDER BY m.seq LIMIT 1), \
           p.started_on, \
           (SELECT COUNT(*) FROM activity_helper ah WHERE ah.household_id = p.beneficiary_id AND ah.kind = 'visit' AND ah.occurred_on >= ? AND ah.occurred_on <= ? AND ah.helper_id = p.helper_id), \
           (SELECT MAX(ah.occurred_on) FROM activity_helper ah WHERE ah.household_id = p.beneficiary_id AND ah.kind = 'visit' AND ah.occurred_on <= ? AND ah.helper_id = p.helper_id), \
           p.plan_measures, p.beneficiary_id \
         FROM pairing p JOIN helper hp ON hp.id = p.helper_id LEFT JOIN assist_unit u ON u.id = hp.unit_id LEFT JOIN household hh ON hh.id = p.beneficiary_id \
         WHERE p.kind IN ('helper_household', 'leader_household') AND p.helper_kind = 'helper' AND p.beneficiary_kind = 'household' AND p.region_code LIKE ? \
           AND p.started_on <= ? AND (p.ended_on IS NULL OR p.ended_on >= ?) AND (p.status = 'active' OR p.ended_on IS NOT NULL) \
         ORDER BY hp.name, p.helper_id, p.region_code, hh.household_no",
        &[P::Date(first), P::Date(as_of), P::Date(as_of), P::Text(&pattern), P::Date(as_of), P::Date(as_of)],
    )?;
    let mut measures: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in conn.query(
        "SELECT household_id, kind, description FROM assistance_measure WHERE region_code LIKE ? AND started_on <= ? AND (ended_on IS NULL OR ended_on >= ?) ORDER BY household_id, started_on, id",
        &[P::Text(&pattern), P::Date(as_of), P::Date(first)],
    )? {
        let kind = r[1].text().and_then(MeasureKind::parse).map(|k| k.label().to_string()).unwrap_or_else(|| r[1].string());
        let text = match r[2].text().filter(|d| !d.trim().is_empty()) {
            Some(d) => format!("{kind}：{d}"),
            None => kind,
        };
        measures.entry(r[0].int().unwrap_or(0)).or_default().push(text);
    }
    let codes: Vec<String> = rows.iter().map(|r| r[4].string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let region_names = names::regions(conn, &codes)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let village = r[4].string();
            let mut m: Vec<String> = r[10].text().filter(|t| !t.trim().is_empty()).map(|t| vec![format!("计划：{t}")]).unwrap_or_default();
            if let Some(list) = r[11].int().and_then(|id| measures.get(&id)) {
                m.extend(list.iter().cloned());
            }
            WorkLedgerRow {
                helper_id: r[0].int().unwrap_or(0),
                helper_name: r[1].string(),
                unit_name: r[2].text().map(str::to_string),
                position: r[3].text().map(str::to_string),
                village_name: region_names.get(&village).cloned().unwrap_or_else(|| village.clone()),
                village_code: village,
                household_no: r[5].text().map(str::to_string),
                head_name: r[6].text().map(str::to_string),
                paired_since: r[7].date(),
                visits_month: r[8].int().unwrap_or(0),
                last_visit: r[9].date(),
                measures: m.join("；"),
            }
        })
        .collect())
}
