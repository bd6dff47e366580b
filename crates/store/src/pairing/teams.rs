//! Work teams stationed in villages (驻村工作队) with their first secretary and members.

#[allow(unused_imports)]
use super::*;

/// A work team as stored, with its first secretary's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub village_code: String,
    pub village_name: Option<String>,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// `active` or `ended`.
    pub status: String,
    pub secretary_id: Option<i64>,
    pub secretary_name: Option<String>,
    pub version: i64,
}

/// What creating a team takes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTeam {
    pub name: String,
    pub unit_id: Option<i64>,
    /// The village (12 digits), in the caller's scope.
    pub village_code: String,
    pub started_on: NaiveDate,
}

/// One member of a team.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamMember {
    pub helper_id: i64,
    pub name: String,
    pub role: TeamRole,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
}

const COLUMNS: &str = "t.id, t.name, t.unit_id, u.name, t.village_code, rg.name, t.started_on, t.ended_on, t.status, \
     (SELECT m.helper_id FROM team_member m WHERE m.team_id = t.id AND m.role = 'first_secretary' AND m.ended_on IS NULL ORDER BY m.started_on DESC LIMIT 1), \
     (SELECT e.name FROM team_member m JOIN helper e ON e.id = m.helper_id WHERE m.team_id = t.id AND m.role = 'first_secretary' AND m.ended_on IS NULL ORDER BY m.started_on DESC LIMIT 1), t.version";
const FROM: &str = "FROM work_team t LEFT JOIN assist_unit u ON u.id = t.unit_id LEFT JOIN region rg ON rg.code = t.village_code";

fn from_row(r: &Row) -> Option<Team> {
    Some(Team {
        id: r[0].int()?,
        name: r[1].string(),
        unit_id: r[2].int(),
        unit_name: r[3].text().map(str::to_string),
        village_code: r[4].string(),
        village_name: r[5].text().map(str::to_string),
        started_on: r[6].date()?,
        ended_on: r[7].date(),
        status: r[8].string(),
        secretary_id: r[9].int(),
        secretary_name: r[10].text().map(str::to_string),
        version: r[11].int().unwrap_or(0),
    })
}

/// Creates a work team for a village in the caller's scope (audited); returns its id.
pub fn create(conn: &mut Conn, actor: &Actor, scope: &RegionScope, t: &NewTeam) -> Result<i64> {
    in_tx(conn, |conn| {
        if t.name.trim().is_empty() {
            return Err(StoreError::Invalid("工作队名称不能为空".into()));
        }
        super::pairings::check_village(conn, scope, &t.village_code)?;
        let id = crate::ids::allocate(conn, "work_team", 1)?;
        conn.execute(
            "INSERT INTO work_team (id, name, unit_id, village_code, started_on, status, created_at, version) VALUES (?, ?, ?, ?, ?, 'active', ?, 1)",
            &[P::Int(id), P::Text(t.name.trim()), opt_int(t.unit_id), P::Text(t.village_code.trim()), P::Date(t.started_on), P::Text(&crate::now_utc())],
        )?;
        record(conn, actor, t.village_code.trim(), "work_team", id, "create", None, Some(serde_json::json!({"name": t.name.trim(), "unit_id": t.unit_id, "village_code": t.village_code.trim(), "started_on": t.started_on.to_string()})))?;
        Ok(id)
    })
}

/// Adds a helper to a team with a role from a date (audited). A new first secretary ends the
/// previous one's role on the same date.
pub fn add_member(conn: &mut Conn, actor: &Actor, scope: &RegionScope, team_id: i64, helper_id: i64, role: TeamRole, on: NaiveDate) -> Result<()> {
    in_tx(conn, |conn| {
        let team = get(conn, scope, team_id)?.ok_or_else(|| StoreError::NotFound(format!("工作队（编号 {team_id}，或它不在您的管辖范围内）")))?;
        let h = super::helpers::get(conn, &RegionScope::all(), helper_id)?.ok_or_else(|| StoreError::Invalid(format!("帮扶人（编号 {helper_id}）不存在")))?;
        if !h.is_active() {
            return Err(StoreError::Invalid(format!("{} 已调离，不能加入工作队", h.name)));
        }
        if role == TeamRole::FirstSecretary {
            conn.execute("UPDATE team_member SET ended_on = ? WHERE team_id = ? AND role = 'first_secretary' AND ended_on IS NULL", &[P::Date(on), P::Int(team_id)])?;
        }
        conn.execute("UPDATE team_member SET ended_on = ? WHERE team_id = ? AND helper_id = ? AND ended_on IS NULL", &[P::Date(on), P::Int(team_id), P::Int(helper_id)])?;
        conn.execute("INSERT INTO team_member (team_id, helper_id, role, started_on) VALUES (?, ?, ?, ?)", &[P::Int(team_id), P::Int(helper_id), P::Text(role.code()), P::Date(on)])?;
        record(conn, actor, &team.village_code, "work_team", team_id, "add_member", None, Some(serde_json::json!({"helper_id": helper_id, "role": role.code(), "started_on": on.to_string()})))
    })
}

/// Ends a helper's membership of a team (audited).
pub fn end_member(conn: &mut Conn, actor: &Actor, scope: &RegionScope, team_id: i64, helper_id: i64, on: NaiveDate) -> Result<()> {
    in_tx(conn, |conn| {
        let team = get(conn, scope, team_id)?.ok_or_else(|| StoreError::NotFound(format!("工作队（编号 {team_id}，或它不在您的管辖范围内）")))?;
        let n = conn.execute("UPDATE team_member SET ended_on = ? WHERE team_id = ? AND helper_id = ? AND ended_on IS NULL", &[P::Date(on), P::Int(team_id), P::Int(helper_id)])?;
        if n == 0 {
            return Err(StoreError::Invalid(format!("帮扶人（编号 {helper_id}）不是该工作队的在岗成员")));
        }
        record(conn, actor, &team.village_code, "work_team", team_id, "end_member", None, Some(serde_json::json!({"helper_id": helper_id, "ended_on": on.to_string()})))
    })
}

/// One team whose village is in the caller's scope.
pub fn get(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<Team>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {COLUMNS} {FROM} WHERE t.id = ? AND t.village_code LIKE ?"), &[P::Int(id), P::Text(&pattern)])?;
    Ok(row.as_ref().and_then(from_row))
}

/// Teams whose village is in the caller's scope, by village.
pub fn list(conn: &mut Conn, scope: &RegionScope, active_only: bool) -> Result<Vec<Team>> {
    let pattern = scope.like_pattern();
    let status = if active_only { " AND t.status = 'active'" } else { "" };
    let rows = conn.query(&format!("SELECT {COLUMNS} {FROM} WHERE t.village_code LIKE ?{status} ORDER BY t.village_code, t.id"), &[P::Text(&pattern)])?;
    Ok(rows.iter().filter_map(from_row).collect())
}

/// A team's members (current and past), first secretary first.
pub fn members(conn: &mut Conn, team_id: i64) -> Result<Vec<TeamMember>> {
    let rows = conn.query(
        "SELECT m.helper_id, e.name, m.role, m.started_on, m.ended_on FROM team_member m JOIN helper e ON e.id = m.helper_id WHERE m.team_id = ? \
         ORDER BY CASE WHEN m.ended_on IS NULL THEN 0 ELSE 1 END, CASE m.role WHEN 'first_secretary' THEN 0 WHEN 'leader' THEN 1 ELSE 2 END, e.name",
        &[P::Int(team_id)],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| Some(TeamMember { helper_id: r[0].int()?, name: r[1].string(), role: TeamRole::parse(r[2].text()?)?, started_on: r[3].date()?, ended_on: r[4].date() }))
        .collect())
}
