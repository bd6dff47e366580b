//! Monthly compliance for a scope: set-based queries per part of equal parameters (one statement
//! each over pairings, units, leaders and team members, with correlated counts that are index
//! seeks on `activity_helper`), aggregated in memory per helper, village and township.

use super::{filter, names, HouseholdLine};
use crate::db::{Conn, P};
use crate::error::Result;
use bangfu_domain::compliance::rules::{is_main_leader, overdue, team_days_required};
use bangfu_domain::compliance::{partitions, rate, Month, Params};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What to compute.
pub struct MonthlyRequest<'a> {
    pub scope: &'a RegionScope,
    pub month: Month,
    pub today: NaiveDate,
    /// At most this many households in each overdue list (the totals are always complete).
    pub list_limit: usize,
}

/// Met out of due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub due: i64,
    pub met: i64,
}

impl Tally {
    pub fn rate(&self) -> f64 {
        rate(self.met, self.due)
    }
    pub fn behind(&self) -> i64 {
        self.due - self.met
    }
    fn add(&mut self, met: bool) {
        self.due += 1;
        self.met += met as i64;
    }
    fn plus(&mut self, o: &Tally) {
        self.due += o.due;
        self.met += o.met;
    }
}

/// Counts for a village, a township or the whole scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AreaRow {
    pub code: String,
    pub name: String,
    /// VIS-01: helper–household pairs visited enough this month.
    pub visits: Tally,
    /// Distinct paired households.
    pub households: i64,
    /// VIS-02: households not visited for longer than the limit.
    pub overdue: i64,
    /// VIS-03: helper cadres with enough visits this month (counted in their first village).
    pub cadres: Tally,
    /// LDR-01/02: unit leaders enough days in the village.
    pub leaders: Tally,
    /// UNIT-01: paired units present in the village within the window (met = present).
    pub units: Tally,
    /// TEAM-01: work-team members enough days in the village.
    pub team: Tally,
}

impl AreaRow {
    fn plus(&mut self, o: &AreaRow) {
        self.visits.plus(&o.visits);
        self.households += o.households;
        self.overdue += o.overdue;
        self.cadres.plus(&o.cadres);
        self.leaders.plus(&o.leaders);
        self.units.plus(&o.units);
        self.team.plus(&o.team);
    }
}

/// One helper's month.
#[derive(Debug, Clone, PartialEq)]
pub struct HelperRow {
    pub helper_id: i64,
    pub name: String,
    pub kind: String,
    pub unit_name: Option<String>,
    /// The village of the helper's first paired household in scope.
    pub village_code: String,
    pub households: i64,
    pub visited: i64,
    /// All visits this month (VIS-03).
    pub visits_month: i64,
    pub visits_required: i64,
    /// Whether VIS-03 applies (cadres and leaders).
    pub cadre: bool,
}

impl HelperRow {
    /// Paired households not yet visited enough, or a cadre short of visits.
    pub fn behind(&self) -> bool {
        self.visited < self.households || (self.cadre && self.visits_month < self.visits_required)
    }
}

/// A unit paired with a village (UNIT-01).
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub village_code: String,
    pub last_present: Option<NaiveDate>,
    pub window_from: NaiveDate,
    pub absent: bool,
}

/// A unit leader's days in the paired village (LDR-01/02).
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderRow {
    pub helper_id: i64,
    pub name: String,
    pub position: Option<String>,
    pub unit_name: String,
    pub village_code: String,
    pub main: bool,
    pub days: i64,
    pub required: i64,
}

/// A work-team member's days in the village (TEAM-01).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRow {
    pub team_id: i64,
    pub team_name: String,
    pub village_code: String,
    pub helper_id: i64,
    pub name: String,
    pub role: String,
    pub days: i64,
    pub required: i64,
}

/// The month of a scope.
#[derive(Debug, Clone)]
pub struct Monthly {
    pub month: Month,
    pub as_of: NaiveDate,
    /// The parameters at the scope itself (parts of it may have their own: see `parts`).
    pub params: Params,
    /// Prefixes inside the scope with their own parameters.
    pub parts: Vec<(String, Params)>,
    pub problems: Vec<String>,
    pub total: AreaRow,
    pub townships: Vec<AreaRow>,
    pub villages: Vec<AreaRow>,
    /// Every helper with a paired household in scope: those behind first (most missing first).
    pub helpers: Vec<HelperRow>,
    /// 本月未走访: pairs whose helper has not visited enough this month (first `list_limit`).
    pub not_visited: Vec<HouseholdLine>,
    pub not_visited_total: i64,
    /// 超过 N 天未走访: households (first `list_limit`, longest first).
    pub overdue: Vec<HouseholdLine>,
    pub overdue_total: i64,
    pub units: Vec<UnitRow>,
    pub leaders: Vec<LeaderRow>,
    pub team: Vec<TeamRow>,
}

impl Monthly {
    pub fn helpers_behind(&self) -> impl Iterator<Item = &HelperRow> {
        self.helpers.iter().filter(|h| h.behind())
    }
}

/// A helper–household pairing's month: village, helper, household, visits by the helper, last visit
/// by anyone, visits needed, days limit.
type Pair = (String, i64, i64, i64, Option<NaiveDate>, i64, i64);

pub(crate) fn township_of(code: &str) -> String {
    if code.len() >= 9 { format!("{}000", &code[..9]) } else { code.to_string() }
}

/// Computes the month for a scope.
pub fn monthly(conn: &mut Conn, req: &MonthlyRequest) -> Result<Monthly> {
    let overrides = super::settings::overrides(conn)?;
    let scope = req.scope.prefix();
    let prefixes: Vec<&str> = overrides.iter().map(|o| o.region_prefix.as_str()).collect();
    let parts = partitions(scope, &prefixes);
    let (m, as_of) = (req.month, req.month.as_of(req.today));
    let (first, last) = (m.first_day(), as_of);
    let mut problems = Vec::new();
    let (scope_params, p) = Params::resolve(scope, &overrides);
    problems.extend(p);

    let mut villages: BTreeMap<String, AreaRow> = BTreeMap::new();
    let mut pairs: Vec<Pair> = Vec::new();
    let mut units = Vec::new();
    let mut leaders = Vec::new();
    let mut team = Vec::new();
    let mut part_params = Vec::new();
    let mut cadre_need: HashMap<String, i64> = HashMap::new(); // partition prefix → VIS-03

    for part in &parts {
        let (params, _) = Params::resolve(&part.prefix, &overrides);
        if part.prefix != scope {
            part_params.push((part.prefix.clone(), params.clone()));
        }
        cadre_need.insert(part.prefix.clone(), params.get("cadre_visits_month"));
        let need = params.get("visit_per_household_month");
        let limit = params.get("no_visit_days");
        // VIS-01 / VIS-02: every helper–household pairing in force on the day the month is judged at
        let (f, fp) = filter("p.region_code", part);
        let sql = format!(
            "SELECT p.region_code, p.helper_id, p.beneficiary_id, \
               (SELECT COUNT(*) FROM activity_helper ah WHERE ah.household_id = p.beneficiary_id AND ah.kind = 'visit' \
                  AND ah.occurred_on >= ? AND ah.occurred_on <= ? AND ah.helper_id = p.helper_id), \
               (SELECT MAX(ah.occurred_on) FROM activity_helper ah WHERE ah.household_id = p.beneficiary_id AND ah.kind = 'visit' AND ah.occurred_on <= ?) \
             FROM pairing p \
             WHERE p.kind IN ('helper_household', 'leader_household') AND p.beneficiary_kind = 'household' AND p.helper_kind = 'helper' \
               AND {f} AND p.started_on <= ? AND (p.ended_on IS NULL OR p.ended_on >= ?) AND (p.status = 'active' OR p.ended_on IS NOT NULL)"
        );
        let mut params_v = vec![P::Date(first), P::Date(last), P::Date(last)];
        params_v.extend(fp.iter().map(|s| P::Text(s)));
        params_v.extend([P::Date(as_of), P::Date(as_of)]);
        for r in conn.query(&sql, &params_v)? {
            let (Some(helper), Some(hh)) = (r[1].int(), r[2].int()) else { continue };
            pairs.push((r[0].string(), helper, hh, r[3].int().unwrap_or(0), r[4].date(), need, limit));
        }

        // UNIT-01: units paired with villages, present through any of their people within the window
        let months = params.get("unit_absent_months").max(1) as u32;
        let from = m.minus(months - 1).first_day();
        let (f, fp) = filter("p.region_code", part);
        let sql = format!(
            "SELECT p.helper_id, p.region_code, u.name, \
               (SELECT MAX(ah.occurred_on) FROM activity_helper ah JOIN helper hp ON hp.id = ah.helper_id \
                 WHERE ah.region_code = p.region_code AND ah.occurred_on >= ? AND ah.occurred_on <= ? AND hp.unit_id = p.helper_id) \
             FROM pairing p LEFT JOIN assist_unit u ON u.id = p.helper_id \
             WHERE p.kind IN ('unit_village', 'enterprise_village') AND p.helper_kind = 'unit' AND {f} \
               AND p.started_on <= ? AND (p.ended_on IS NULL OR p.ended_on >= ?) AND (p.status = 'active' OR p.ended_on IS NOT NULL)"
        );
        let mut pv = vec![P::Date(from), P::Date(last)];
        pv.extend(fp.iter().map(|s| P::Text(s)));
        pv.extend([P::Date(as_of), P::Date(as_of)]);
        for r in conn.query(&sql, &pv)? {
            let last_present = r[3].date();
            units.push(UnitRow {
                unit_id: r[0].int().unwrap_or(0),
                unit_name: r[2].string(),
                village_code: r[1].string(),
                last_present,
                window_from: from,
                absent: last_present.is_none(),
            });
        }

        // LDR-01/02: the paired units' leaders, days with any activity in the village this month
        let sql = format!(
            "SELECT hp.id, hp.name, hp.position, u.name, p.region_code, \
               (SELECT COUNT(DISTINCT ah.occurred_on) FROM activity_helper ah WHERE ah.helper_id = hp.id \
                 AND ah.occurred_on >= ? AND ah.occurred_on <= ? AND ah.region_code = p.region_code) \
             FROM pairing p JOIN helper hp ON hp.unit_id = p.helper_id AND hp.status = 'active' AND hp.kind = 'leader' \
             LEFT JOIN assist_unit u ON u.id = p.helper_id \
             WHERE p.kind IN ('unit_village', 'enterprise_village') AND p.helper_kind = 'unit' AND {f} \
               AND p.started_on <= ? AND (p.ended_on IS NULL OR p.ended_on >= ?) AND (p.status = 'active' OR p.ended_on IS NOT NULL)"
        );
        let mut pv = vec![P::Date(first), P::Date(last)];
        pv.extend(fp.iter().map(|s| P::Text(s)));
        pv.extend([P::Date(as_of), P::Date(as_of)]);
        for r in conn.query(&sql, &pv)? {
            let position = r[2].text().map(str::to_string);
            let main = is_main_leader(position.as_deref());
            leaders.push(LeaderRow {
                helper_id: r[0].int().unwrap_or(0),
                name: r[1].string(),
                position,
                unit_name: r[3].string(),
                village_code: r[4].string(),
                main,
                days: r[5].int().unwrap_or(0),
                required: if main { params.get("main_leader_days_month") } else { params.get("leadership_days_month") },
            });
        }

        // TEAM-01: members of work teams in force, distinct days with a sign-in or work log this month
        let required = team_days_required(m, params.get("team_days_month"), params.get("team_working_share_pct"));
        let (f, fp) = filter("t.village_code", part);
        let sql = format!(
            "SELECT t.id, t.name, t.village_code, tm.helper_id, hp.name, tm.role, \
               (SELECT COUNT(DISTINCT ah.occurred_on) FROM activity_helper ah WHERE ah.helper_id = tm.helper_id \
                 AND ah.occurred_on >= ? AND ah.occurred_on <= ? AND ah.kind IN ('sign_in', 'work_log')) \
             FROM work_team t JOIN team_member tm ON tm.team_id = t.id AND tm.started_on <= ? AND (tm.ended_on IS NULL OR tm.ended_on >= ?) \
             LEFT JOIN helper hp ON hp.id = tm.helper_id \
             WHERE {f} AND t.started_on <= ? AND (t.ended_on IS NULL OR t.ended_on >= ?)"
        );
        let mut pv = vec![P::Date(first), P::Date(last), P::Date(as_of), P::Date(as_of)];
        pv.extend(fp.iter().map(|s| P::Text(s)));
        pv.extend([P::Date(as_of), P::Date(as_of)]);
        for r in conn.query(&sql, &pv)? {
            team.push(TeamRow {
                team_id: r[0].int().unwrap_or(0),
                team_name: r[1].string(),
                village_code: r[2].string(),
                helper_id: r[3].int().unwrap_or(0),
                name: r[4].string(),
                role: r[5].string(),
                days: r[6].int().unwrap_or(0),
                required,
            });
        }
    }

    // helpers: names, units and all their visits this month, for the helpers of the pairs (IN lists of 500)
    let mut ids: Vec<i64> = pairs.iter().map(|p| p.1).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut helper_info: HashMap<i64, (String, String, Option<String>, i64)> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT hp.id, hp.name, hp.kind, u.name, \
               (SELECT COUNT(*) FROM activity_helper ah WHERE ah.helper_id = hp.id AND ah.kind = 'visit' AND ah.occurred_on >= ? AND ah.occurred_on <= ?) \
             FROM helper hp LEFT JOIN assist_unit u ON u.id = hp.unit_id WHERE hp.id IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        let mut pv = vec![P::Date(first), P::Date(last)];
        pv.extend(chunk.iter().map(|i| P::Int(*i)));
        for r in conn.query(&sql, &pv)? {
            helper_info.insert(r[0].int().unwrap_or(0), (r[1].string(), r[2].string(), r[3].text().map(str::to_string), r[4].int().unwrap_or(0)));
        }
    }

    // aggregate pairs
    let mut helpers: HashMap<i64, HelperRow> = HashMap::new();
    let mut seen_households: HashSet<i64> = HashSet::new();
    let mut not_visited = Vec::new();
    let mut overdue_list = Vec::new();
    pairs.sort_by(|a, b| (&a.0, a.2, a.1).cmp(&(&b.0, b.2, b.1)));
    for (village, helper, hh, n, last_visit, need, limit) in &pairs {
        if !villages.contains_key(village) {
            villages.insert(village.clone(), AreaRow { code: village.clone(), ..AreaRow::default() });
        }
        let v = villages.get_mut(village).expect("just inserted");
        let met = *n >= *need;
        v.visits.add(met);
        let info = helper_info.get(helper);
        let h = helpers.entry(*helper).or_insert_with(|| {
            let (name, kind, unit, visits) = info.cloned().unwrap_or_default();
            let cadre = kind == "cadre" || kind == "leader";
            let part = parts.iter().rev().find(|p| village.starts_with(&p.prefix)).map(|p| p.prefix.clone()).unwrap_or_default();
            HelperRow {
                helper_id: *helper,
                name,
                kind,
                unit_name: unit,
                village_code: village.clone(),
                households: 0,
                visited: 0,
                visits_month: visits,
                visits_required: cadre_need.get(&part).copied().unwrap_or(3),
                cadre,
            }
        });
        h.households += 1;
        h.visited += met as i64;
        let line = || HouseholdLine {
            household_id: *hh,
            household_no: None,
            head_name: None,
            village_code: village.clone(),
            village_name: None,
            helper_id: Some(*helper),
            helper_name: info.map(|i| i.0.clone()),
            visits_month: *n,
            last_visit: *last_visit,
            days_since: last_visit.map(|d| (as_of - d).num_days()),
        };
        if !met {
            not_visited.push(line());
        }
        if seen_households.insert(*hh) {
            v.households += 1;
            if overdue(*last_visit, as_of, *limit) {
                v.overdue += 1;
                overdue_list.push(line());
            }
        }
    }
    for h in helpers.values() {
        if h.cadre {
            villages.get_mut(&h.village_code).expect("village of a pair").cadres.add(h.visits_month >= h.visits_required);
        }
    }
    for u in &units {
        villages.entry(u.village_code.clone()).or_insert_with(|| AreaRow { code: u.village_code.clone(), ..AreaRow::default() }).units.add(!u.absent);
    }
    for l in &leaders {
        villages.entry(l.village_code.clone()).or_insert_with(|| AreaRow { code: l.village_code.clone(), ..AreaRow::default() }).leaders.add(l.days >= l.required);
    }
    for t in &team {
        villages.entry(t.village_code.clone()).or_insert_with(|| AreaRow { code: t.village_code.clone(), ..AreaRow::default() }).team.add(t.days >= t.required);
    }

    // names, townships, total
    let codes: Vec<String> = villages.keys().map(|c| township_of(c)).chain(villages.keys().cloned()).collect::<HashSet<_>>().into_iter().collect();
    let region_names = names::regions(conn, &codes)?;
    let mut townships: BTreeMap<String, AreaRow> = BTreeMap::new();
    let mut total = AreaRow { code: scope.to_string(), name: names::region_name(conn, scope)?.unwrap_or_else(|| "全部".into()), ..AreaRow::default() };
    for v in villages.values_mut() {
        v.name = region_names.get(&v.code).cloned().unwrap_or_else(|| v.code.clone());
        let t = township_of(&v.code);
        let tr = townships.entry(t.clone()).or_insert_with(|| AreaRow { name: region_names.get(&t).cloned().unwrap_or_else(|| t.clone()), code: t, ..AreaRow::default() });
        tr.plus(v);
        total.plus(v);
    }

    let mut helpers: Vec<HelperRow> = helpers.into_values().collect();
    helpers.sort_by(|a, b| {
        b.behind().cmp(&a.behind()).then((b.households - b.visited).cmp(&(a.households - a.visited))).then(a.village_code.cmp(&b.village_code)).then(a.helper_id.cmp(&b.helper_id))
    });
    let not_visited_total = not_visited.len() as i64;
    not_visited.truncate(req.list_limit);
    let overdue_total = overdue_list.len() as i64;
    overdue_list.sort_by(|a, b| a.last_visit.cmp(&b.last_visit).then(a.village_code.cmp(&b.village_code)).then(a.household_id.cmp(&b.household_id)));
    overdue_list.truncate(req.list_limit);
    names::fill_households(conn, &mut not_visited, &region_names)?;
    names::fill_households(conn, &mut overdue_list, &region_names)?;
    units.sort_by(|a, b| b.absent.cmp(&a.absent).then(a.village_code.cmp(&b.village_code)));
    leaders.sort_by(|a, b| (a.days >= a.required).cmp(&(b.days >= b.required)).then(a.village_code.cmp(&b.village_code)));
    team.sort_by(|a, b| (a.days >= a.required).cmp(&(b.days >= b.required)).then(a.village_code.cmp(&b.village_code)));

    Ok(Monthly {
        month: m,
        as_of,
        params: scope_params,
        parts: part_params,
        problems,
        total,
        townships: townships.into_values().collect(),
        villages: villages.into_values().collect(),
        helpers,
        not_visited,
        not_visited_total,
        overdue: overdue_list,
        overdue_total,
        units,
        leaders,
        team,
    })
}
