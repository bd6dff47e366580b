//! Caseload (包户数) by rank: how many households a helper may be paired with.
//!
//! Defaults follow seed 003 (section level 2–3 households, ordinary cadres 1); a jurisdiction sets
//! its own in `reference_param` (area `caseload`, key = rank code, value = the maximum, for a
//! region prefix; the longest prefix wins), e.g. 凤山's 8/7/6/5/4. Only the caseload kinds
//! (帮扶责任人—户, 领导干部包户) count.

#[allow(unused_imports)]
use super::*;

/// The shipped defaults (seed 003 L495: section-level 2–3, ordinary 1; division level as 正科).
pub const DEFAULTS: &[(Rank, i64)] = &[
    (Rank::FullDivision, 3),
    (Rank::DeputyDivision, 3),
    (Rank::FullSection, 3),
    (Rank::DeputySection, 2),
    (Rank::Ordinary, 1),
    (Rank::Other, 1),
];

/// The reference area of caseload parameters.
pub const AREA: &str = "caseload";

/// The caseload kinds, as an SQL list.
pub const CASELOAD_KINDS_SQL: &str = "('helper_household', 'leader_household')";

/// The limits in force for one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Every rank with its maximum households and the region prefix that set it (`None`: the default).
    pub by_rank: Vec<(Rank, i64, Option<String>)>,
}

impl Limits {
    /// The limit for a rank (no rank: 其他).
    pub fn of(&self, rank: Option<Rank>) -> i64 {
        let r = rank.unwrap_or(Rank::Other);
        self.by_rank.iter().find(|(k, _, _)| *k == r).map(|x| x.1).unwrap_or(1)
    }
}

/// Every stored caseload parameter: (prefix, rank, value).
fn stored(conn: &mut Conn) -> Result<Vec<(String, Rank, i64)>> {
    let rows = conn.query("SELECT region_prefix, key, value FROM reference_param WHERE area = ?", &[P::Text(AREA)])?;
    Ok(rows.iter().filter_map(|r| Some((r[0].string(), Rank::parse(r[1].text()?)?, r[2].text()?.trim().parse().ok()?))).collect())
}

fn resolve(params: &[(String, Rank, i64)], region: &str) -> Limits {
    let by_rank = DEFAULTS
        .iter()
        .map(|(rank, default)| {
            params
                .iter()
                .filter(|(p, r, _)| r == rank && region.starts_with(p.as_str()))
                .max_by_key(|(p, _, _)| p.len())
                .map(|(p, _, v)| (*rank, *v, Some(p.clone())))
                .unwrap_or((*rank, *default, None))
        })
        .collect();
    Limits { by_rank }
}

/// The limits in force for a place (a helper's region code).
pub fn limits(conn: &mut Conn, region_code: &str) -> Result<Limits> {
    let params = stored(conn)?;
    Ok(resolve(&params, region_code))
}

/// Sets a jurisdiction's limit for a rank (audited). `region_prefix` '' is the whole installation.
pub fn set_limit(conn: &mut Conn, actor: &Actor, region_prefix: &str, rank: Rank, max_households: i64, basis: Option<&str>) -> Result<()> {
    if max_households < 0 {
        return Err(StoreError::Invalid("包户数上限不能为负数".into()));
    }
    let prefix = region_prefix.trim();
    if !prefix.chars().all(|c| c.is_ascii_digit()) {
        return Err(StoreError::Invalid(format!("“{prefix}”不是行政区划代码前缀")));
    }
    in_tx(conn, |conn| {
        let value = max_households.to_string();
        let now = crate::now_utc();
        let n = conn.execute(
            "UPDATE reference_param SET value = ?, basis = ?, updated_at = ?, updated_by = ? WHERE area = ? AND key = ? AND region_prefix = ?",
            &[P::Text(&value), opt_str(basis), P::Text(&now), P::Text(&actor.name), P::Text(AREA), P::Text(rank.code()), P::Text(prefix)],
        )?;
        if n == 0 {
            conn.execute(
                "INSERT INTO reference_param (area, key, region_prefix, value, basis, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                &[P::Text(AREA), P::Text(rank.code()), P::Text(prefix), P::Text(&value), opt_str(basis), P::Text(&now), P::Text(&actor.name)],
            )?;
        }
        let region = if prefix.len() >= 6 { Some(padded(prefix)) } else { None };
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: region.as_deref(),
                entity: "reference_param",
                entity_id: Some(format!("{AREA}/{}/{prefix}", rank.code())),
                action: "set",
                before: None,
                after: Some(serde_json::json!({"value": max_households, "basis": basis}).to_string()),
            },
        )
    })
}

/// A helper's active households and limit.
pub fn of_helper(conn: &mut Conn, helper_id: i64) -> Result<(i64, i64)> {
    let r = conn.query_opt("SELECT rank, region_code FROM helper WHERE id = ?", &[P::Int(helper_id)])?;
    let Some(r) = r else { return Ok((0, 0)) };
    let count = conn.query_int(
        &format!("SELECT COUNT(*) FROM pairing WHERE helper_kind = 'helper' AND helper_id = ? AND status = 'active' AND kind IN {CASELOAD_KINDS_SQL}"),
        &[P::Int(helper_id)],
    )?;
    let limit = limits(conn, &r[1].string())?.of(r[0].text().and_then(Rank::parse));
    Ok((count, limit))
}

/// One helper with their caseload.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseloadRow {
    pub helper_id: i64,
    pub name: String,
    pub unit_name: Option<String>,
    pub rank: Option<Rank>,
    pub region_code: String,
    /// Active households (caseload kinds).
    pub households: i64,
    pub limit: i64,
}

impl CaseloadRow {
    pub fn is_over(&self) -> bool {
        self.households > self.limit
    }
}

/// Every active helper in the caller's scope with their active household count and limit, by
/// unit then name. One grouped query, limits resolved in memory.
pub fn helpers_with_caseload(conn: &mut Conn, scope: &RegionScope) -> Result<Vec<CaseloadRow>> {
    let pattern = scope.like_pattern();
    let params = stored(conn)?;
    let rows = conn.query(
        &format!(
            "SELECT e.id, e.name, u.name, e.rank, e.region_code, COALESCE(c.n, 0) FROM helper e LEFT JOIN assist_unit u ON u.id = e.unit_id \
             LEFT JOIN (SELECT p.helper_id, COUNT(*) AS n FROM pairing p JOIN helper x ON x.id = p.helper_id \
                        WHERE p.helper_kind = 'helper' AND p.status = 'active' AND p.kind IN {CASELOAD_KINDS_SQL} AND x.region_code LIKE ? GROUP BY p.helper_id) c ON c.helper_id = e.id \
             WHERE e.region_code LIKE ? AND e.status = 'active' ORDER BY u.name, e.name, e.id"
        ),
        &[P::Text(&pattern), P::Text(&pattern)],
    )?;
    let mut cache: std::collections::HashMap<String, Limits> = std::collections::HashMap::new();
    Ok(rows
        .iter()
        .filter_map(|r| {
            let region = r[4].string();
            let rank = r[3].text().and_then(Rank::parse);
            let limit = cache.entry(region.clone()).or_insert_with(|| resolve(&params, &region)).of(rank);
            Some(CaseloadRow { helper_id: r[0].int()?, name: r[1].string(), unit_name: r[2].text().map(str::to_string), rank, region_code: region, households: r[5].int().unwrap_or(0), limit })
        })
        .collect())
}

/// The helpers in the caller's scope over their caseload.
pub fn over_caseload(conn: &mut Conn, scope: &RegionScope) -> Result<Vec<CaseloadRow>> {
    Ok(helpers_with_caseload(conn, scope)?.into_iter().filter(CaseloadRow::is_over).collect())
}
