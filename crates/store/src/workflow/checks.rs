//! Running a step's check set on a case: gathering what the pure checks need (the household's
//! record, the lines in force, department-list red-line hits, the village's facts) from the store.
//! A new procedure's checks are a new arm here plus a pure function in the domain.

use super::cases::Case;
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use crate::Keyring;
use bangfu_domain::workflow::checks::identification::RedLineHit;
use bangfu_domain::workflow::checks::village_exit::VillageFacts;
use bangfu_domain::workflow::checks::{self as pure, CheckResult};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;

/// The default incidence threshold for village exit, in per mille (2%; 3% in the west: set
/// `workflow.village_exit_incidence_permille` = 30 for those provinces in `reference_param`).
pub const VILLAGE_EXIT_PERMILLE: i64 = 20;

/// Red-line lists (排除红线) and how they are named in a finding.
const RED_LINE_LISTS: [(&str, &str); 3] = [("vehicle", "车辆"), ("public_payroll", "财政供养"), ("company", "工商注册")];

pub fn run(conn: &mut Conn, keys: &Keyring, c: &Case, set: &str, today: NaiveDate) -> Result<Vec<CheckResult>> {
    match set {
        "identification" | "household_exit" => {
            let hid = c.household_id.ok_or_else(|| StoreError::Invalid("该案件没有关联农户，无法核查".into()))?;
            let stored = crate::registry::read::get(conn, keys, &RegionScope::all(), hid)?.ok_or_else(|| StoreError::NotFound("该案件的农户".into()))?;
            let lines = crate::quality::settings(conn)?.for_region(&c.region_code).lines.clone();
            if set == "identification" {
                let hits = red_lines(conn, hid)?;
                Ok(pure::identification::identification(&stored.doc, today, &lines, &hits))
            } else {
                Ok(pure::household_exit::household_exit(&stored.doc, today, &lines))
            }
        }
        "village_exit" => {
            let facts = village_facts(conn, c)?;
            Ok(pure::village_exit::village_exit(&facts, threshold(conn, &c.region_code)?))
        }
        other => Err(StoreError::Invalid(format!("核查项“{other}”不存在"))),
    }
}

/// Active members of the household found on a red-line list.
pub fn red_lines(conn: &mut Conn, household_id: i64) -> Result<Vec<RedLineHit>> {
    let rows = conn.query(
        "SELECT l.list_kind, COALESCE(m.name, r.name), r.plate, r.vehicle_type, r.company_name, r.work_unit, r.detail \
         FROM dept_list_row r JOIN dept_list l ON l.id = r.list_id LEFT JOIN member m ON m.id = r.member_id \
         WHERE r.household_id = ? AND r.member_active = ? AND l.list_kind IN ('vehicle', 'public_payroll', 'company') ORDER BY r.id",
        &[P::Int(household_id), P::Bool(true)],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let kind = r[0].string();
            let label = RED_LINE_LISTS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l).unwrap_or("部门名单");
            let detail: Vec<String> = r[2..].iter().filter_map(|c| c.text().map(str::to_string)).filter(|s| !s.is_empty()).collect();
            RedLineHit { list_kind: label.to_string(), member_name: r[1].string(), detail: detail.join("，") }
        })
        .collect())
}

/// The village's facts: registered poor persons counted from the registry, the rural population
/// and the 五有 as attested in the application (payload).
pub fn village_facts(conn: &mut Conn, c: &Case) -> Result<VillageFacts> {
    let payload: serde_json::Value = c.payload.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default();
    let flag = |k: &str| payload.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
    let poor = poor_persons(conn, &c.region_code)?;
    Ok(VillageFacts {
        rural_population: payload.get("rural_population").and_then(|v| v.as_i64()).unwrap_or(0),
        poor_persons: poor,
        culture_room: flag("culture_room"),
        clinic: flag("clinic"),
        network: flag("network"),
        hardened_road: flag("hardened_road"),
        collective_economy: flag("collective_economy"),
    })
}

/// Registered poor persons (members of 贫困户 not removed) of a village: incidence's numerator.
pub fn poor_persons(conn: &mut Conn, village: &str) -> Result<i64> {
    conn.query_int(
        "SELECT COUNT(*) FROM member m JOIN household h ON h.id = m.household_id WHERE h.region_code = ? AND h.household_type = 'poor' AND m.removed_on IS NULL",
        &[P::Text(village)],
    )
}

/// The incidence threshold in force for a village (longest prefix of `reference_param`).
pub fn threshold(conn: &mut Conn, region: &str) -> Result<i64> {
    let rows = conn.query(
        "SELECT region_prefix, value FROM reference_param WHERE area = 'workflow' AND key = 'village_exit_incidence_permille' ORDER BY LENGTH(region_prefix) DESC",
        &[],
    )?;
    Ok(rows
        .iter()
        .find(|r| region.starts_with(r[0].text().unwrap_or_default()))
        .and_then(|r| r[1].text().and_then(|v| v.trim().parse().ok()))
        .unwrap_or(VILLAGE_EXIT_PERMILLE))
}

/// Check results as JSON for the ledger.
pub fn results_json(results: &[CheckResult]) -> String {
    serde_json::Value::Array(
        results
            .iter()
            .map(|r| serde_json::json!({ "code": r.code, "title": r.title, "passed": r.passed, "blocking": r.blocking, "detail": r.detail }))
            .collect(),
    )
    .to_string()
}
