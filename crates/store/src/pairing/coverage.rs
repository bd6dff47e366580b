//! Coverage gaps (结对全覆盖): registered households without a helper, villages without a unit or
//! work team, helpers over caseload, registered-poor students without a teacher, schools without
//! a school pairing. Each is one set-based, scoped query (NOT EXISTS on the pairing indexes).

#[allow(unused_imports)]
use super::*;

/// Counts for a region (the caller's scope, optionally narrowed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageSummary {
    /// Registered households (贫困户, 脱贫户, 监测户) that are active.
    pub registered_households: i64,
    /// … of which without an active helper (帮扶责任人—户 or 领导干部包户).
    pub households_without_helper: i64,
    pub villages: i64,
    /// Villages without an active unit (单位包村) or work-team pairing.
    pub villages_without_unit: i64,
    /// … of which poor villages (贫困村).
    pub poor_villages_without_unit: i64,
    pub helpers: i64,
    pub helpers_over_caseload: i64,
    /// Members in school of registered households.
    pub students: i64,
    /// … without an active 教师—学生 pairing.
    pub students_without_teacher: i64,
    /// Active units of kind school.
    pub schools: i64,
    /// … in no active school pairing (学校—学校, 职业院校—县学校), on either side.
    pub schools_without_pairing: i64,
}

/// A household without a helper.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdGap {
    pub household_id: i64,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    pub household_type: Option<String>,
    pub region_code: String,
    pub village_name: Option<String>,
}

/// A village without a unit or work team.
#[derive(Debug, Clone, PartialEq)]
pub struct VillageGap {
    pub code: String,
    pub name: String,
    pub poor_village: bool,
    /// Registered households in the village.
    pub registered_households: i64,
}

/// A registered-poor student without a teacher.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentGap {
    pub member_id: i64,
    pub name: Option<String>,
    pub school_status: Option<String>,
    pub household_id: i64,
    pub household_no: Option<String>,
    pub region_code: String,
}

/// A school without a school pairing.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolGap {
    pub unit_id: i64,
    pub name: String,
    pub region_code: String,
}

fn narrowed(scope: &RegionScope, region: Option<&bangfu_domain::RegionCode>) -> String {
    match region {
        Some(r) if r.prefix().starts_with(scope.prefix()) => format!("{}%", r.prefix()),
        Some(_) => "\u{0}".to_string(), // outside the scope: matches nothing
        None => scope.like_pattern(),
    }
}

const HOUSEHOLD_GAP: &str = "FROM household h WHERE h.region_code LIKE ? AND h.status = 'active' AND h.household_type IN ('poor', 'exited', 'monitored') \
     AND NOT EXISTS (SELECT 1 FROM pairing p WHERE p.beneficiary_kind = 'household' AND p.beneficiary_id = h.id AND p.status = 'active' AND p.kind IN ('helper_household', 'leader_household'))";
const VILLAGE_GAP: &str = "FROM region r WHERE r.code LIKE ? AND r.level = 'village' \
     AND NOT EXISTS (SELECT 1 FROM pairing p WHERE p.region_code = r.code AND p.kind IN ('unit_village', 'team_village') AND p.status = 'active')";
const STUDENT_WHERE: &str = "m.status = 'active' AND m.school_status IS NOT NULL AND m.school_status NOT IN ('not_student', 'preschool_age') \
     AND h.status = 'active' AND h.household_type IN ('poor', 'exited', 'monitored')";
const STUDENT_NO_TEACHER: &str = "NOT EXISTS (SELECT 1 FROM pairing p WHERE p.beneficiary_kind = 'student' AND p.beneficiary_id = m.id AND p.status = 'active' AND p.kind = 'teacher_student')";

/// Registered students in a region: for a township or a village, from its households (an index
/// range); wider, one pass over the members (cheaper than a million lookups).
fn student_from(pattern: &str) -> String {
    if pattern.len() > 9 {
        format!("FROM household h JOIN member m ON m.household_id = h.id WHERE h.region_code LIKE ? AND {STUDENT_WHERE}")
    } else {
        format!("FROM member m JOIN household h ON h.id = m.household_id WHERE m.region_code LIKE ? AND {STUDENT_WHERE}")
    }
}
const SCHOOL_GAP: &str = "FROM assist_unit u WHERE u.region_code LIKE ? AND u.kind = 'school' AND u.status = 'active' \
     AND NOT EXISTS (SELECT 1 FROM pairing p WHERE p.beneficiary_kind = 'school' AND p.beneficiary_id = u.id AND p.status = 'active' AND p.kind IN ('school_school', 'vocational_school')) \
     AND NOT EXISTS (SELECT 1 FROM pairing p WHERE p.helper_kind = 'school' AND p.helper_id = u.id AND p.status = 'active' AND p.kind IN ('school_school', 'vocational_school'))";

/// The counts of every gap in the caller's scope, optionally narrowed to a region inside it.
pub fn summary(conn: &mut Conn, scope: &RegionScope, region: Option<&bangfu_domain::RegionCode>) -> Result<CoverageSummary> {
    let pattern = narrowed(scope, region);
    let pp = [P::Text(&pattern)];
    let hh = conn
        .query_opt(
            &format!(
                "SELECT COUNT(*), SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM pairing p WHERE p.beneficiary_kind = 'household' AND p.beneficiary_id = h.id AND p.status = 'active' \
                 AND p.kind IN ('helper_household', 'leader_household')) THEN 1 ELSE 0 END) FROM household h WHERE h.region_code LIKE ? AND h.status = 'active' AND h.household_type IN {REGISTERED_TYPES_SQL}"
            ),
            &pp,
        )?
        .unwrap_or_default();
    let registered_households = hh.first().and_then(Cell::int).unwrap_or(0);
    let households_without_helper = hh.get(1).and_then(Cell::int).unwrap_or(0);
    let villages = conn.query_int("SELECT COUNT(*) FROM region r WHERE r.code LIKE ? AND r.level = 'village'", &pp)?;
    let v = conn.query_opt(&format!("SELECT COUNT(*), SUM(CASE WHEN r.poor_village THEN 1 ELSE 0 END) {VILLAGE_GAP}"), &pp)?.unwrap_or_default();
    let st = conn.query_opt(&format!("SELECT COUNT(*), SUM(CASE WHEN {STUDENT_NO_TEACHER} THEN 1 ELSE 0 END) {}", student_from(&pattern)), &pp)?.unwrap_or_default();
    let students = st.first().and_then(Cell::int).unwrap_or(0);
    let students_without_teacher = st.get(1).and_then(Cell::int).unwrap_or(0);
    let schools = conn.query_int("SELECT COUNT(*) FROM assist_unit u WHERE u.region_code LIKE ? AND u.kind = 'school' AND u.status = 'active'", &pp)?;
    let schools_without_pairing = conn.query_int(&format!("SELECT COUNT(*) {SCHOOL_GAP}"), &pp)?;
    let helper_scope = match region {
        Some(r) if r.prefix().starts_with(scope.prefix()) => RegionScope::of(r),
        Some(_) => return Ok(CoverageSummary::default()),
        None => scope.clone(),
    };
    let rows = super::caseload::helpers_with_caseload(conn, &helper_scope)?;
    Ok(CoverageSummary {
        registered_households,
        households_without_helper,
        villages,
        villages_without_unit: v.first().and_then(Cell::int).unwrap_or(0),
        poor_villages_without_unit: v.get(1).and_then(Cell::int).unwrap_or(0),
        helpers: rows.len() as i64,
        helpers_over_caseload: rows.iter().filter(|r| r.is_over()).count() as i64,
        students,
        students_without_teacher,
        schools,
        schools_without_pairing,
    })
}

/// Registered households without a helper, by village and number (a page; with the total).
pub fn households_without_helper(conn: &mut Conn, scope: &RegionScope, region: Option<&bangfu_domain::RegionCode>, offset: i64, limit: i64) -> Result<(Vec<HouseholdGap>, i64)> {
    let pattern = narrowed(scope, region);
    let total = conn.query_int(&format!("SELECT COUNT(*) {HOUSEHOLD_GAP}"), &[P::Text(&pattern)])?;
    let rows = conn.query(
        &format!(
            "SELECT h.id, h.household_no, (SELECT hm.name FROM member hm WHERE hm.household_id = h.id AND hm.relation = 'head' AND hm.status = 'active' ORDER BY hm.seq LIMIT 1), \
             h.household_type, h.region_code, (SELECT r.name FROM region r WHERE r.code = h.region_code) {HOUSEHOLD_GAP} ORDER BY h.region_code, h.household_no LIMIT ? OFFSET ?"
        ),
        &[P::Text(&pattern), P::Int(limit), P::Int(offset)],
    )?;
    let list = rows
        .iter()
        .filter_map(|r| {
            Some(HouseholdGap {
                household_id: r[0].int()?,
                household_no: r[1].text().map(str::to_string),
                head_name: r[2].text().map(str::to_string),
                household_type: r[3].text().map(str::to_string),
                region_code: r[4].string(),
                village_name: r[5].text().map(str::to_string),
            })
        })
        .collect();
    Ok((list, total))
}

/// Villages without an active unit or work-team pairing, in code order.
pub fn villages_without_unit(conn: &mut Conn, scope: &RegionScope, region: Option<&bangfu_domain::RegionCode>) -> Result<Vec<VillageGap>> {
    let pattern = narrowed(scope, region);
    let rows = conn.query(
        &format!(
            "SELECT r.code, r.name, r.poor_village, (SELECT COUNT(*) FROM household h WHERE h.region_code = r.code AND h.status = 'active' AND h.household_type IN {REGISTERED_TYPES_SQL}) \
             {VILLAGE_GAP} ORDER BY r.code"
        ),
        &[P::Text(&pattern)],
    )?;
    Ok(rows.iter().map(|r| VillageGap { code: r[0].string(), name: r[1].string(), poor_village: r[2].bool().unwrap_or(false), registered_households: r[3].int().unwrap_or(0) }).collect())
}

/// Registered-poor students without a teacher, by village (a page; with the total).
pub fn students_without_teacher(conn: &mut Conn, scope: &RegionScope, region: Option<&bangfu_domain::RegionCode>, offset: i64, limit: i64) -> Result<(Vec<StudentGap>, i64)> {
    let pattern = narrowed(scope, region);
    let from = format!("{} AND {STUDENT_NO_TEACHER}", student_from(&pattern));
    let total = conn.query_int(&format!("SELECT COUNT(*) {from}"), &[P::Text(&pattern)])?;
    let rows = conn.query(
        &format!("SELECT m.id, m.name, m.school_status, h.id, h.household_no, m.region_code {from} ORDER BY m.region_code, h.household_no, m.seq LIMIT ? OFFSET ?"),
        &[P::Text(&pattern), P::Int(limit), P::Int(offset)],
    )?;
    let list = rows
        .iter()
        .filter_map(|r| Some(StudentGap { member_id: r[0].int()?, name: r[1].text().map(str::to_string), school_status: r[2].text().map(str::to_string), household_id: r[3].int()?, household_no: r[4].text().map(str::to_string), region_code: r[5].string() }))
        .collect();
    Ok((list, total))
}

/// Schools in no active school pairing, by name.
pub fn schools_without_pairing(conn: &mut Conn, scope: &RegionScope, region: Option<&bangfu_domain::RegionCode>) -> Result<Vec<SchoolGap>> {
    let pattern = narrowed(scope, region);
    let rows = conn.query(&format!("SELECT u.id, u.name, u.region_code {SCHOOL_GAP} ORDER BY u.name, u.id"), &[P::Text(&pattern)])?;
    Ok(rows.iter().filter_map(|r| Some(SchoolGap { unit_id: r[0].int()?, name: r[1].string(), region_code: r[2].string() })).collect())
}

/// The helpers over their caseload (as [`super::caseload::over_caseload`]).
pub fn helpers_over_caseload(conn: &mut Conn, scope: &RegionScope) -> Result<Vec<super::caseload::CaseloadRow>> {
    super::caseload::over_caseload(conn, scope)
}

/// (region code, name, registered households, of which without a helper).
pub type RegionHouseholds = (String, Option<String>, i64, i64);

/// Per township (or per village when the scope is a township or a village) of the caller's scope:
/// registered households and those without a helper. One grouped query.
pub fn households_by_region(conn: &mut Conn, scope: &RegionScope) -> Result<Vec<RegionHouseholds>> {
    let pattern = scope.like_pattern();
    let digits: i64 = if scope.prefix().len() >= 9 { 12 } else { 9 };
    let rows = conn.query(
        &format!(
            "SELECT t.code, (SELECT r.name FROM region r WHERE r.code = t.code), t.total, t.gap FROM ( \
               SELECT SUBSTR(h.region_code, 1, {digits}) || SUBSTR('000000000000', 1, {pad}) AS code, COUNT(*) AS total, \
                 SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM pairing p WHERE p.beneficiary_kind = 'household' AND p.beneficiary_id = h.id AND p.status = 'active' AND p.kind IN ('helper_household', 'leader_household')) THEN 1 ELSE 0 END) AS gap \
               FROM household h WHERE h.region_code LIKE ? AND h.status = 'active' AND h.household_type IN {REGISTERED_TYPES_SQL} GROUP BY SUBSTR(h.region_code, 1, {digits})) t ORDER BY t.code",
            pad = 12 - digits
        ),
        &[P::Text(&pattern)],
    )?;
    Ok(rows.iter().map(|r| (r[0].string(), r[1].text().map(str::to_string), r[2].int().unwrap_or(0), r[3].int().unwrap_or(0))).collect())
}
