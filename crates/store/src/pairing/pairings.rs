//! Pairings of every kind: creating with both sides checked by kind, ending, listing.

#[allow(unused_imports)]
use super::*;
use bangfu_domain::region::{RegionCode, RegionLevel};

/// One side of a pairing: a row (helper, unit, team, household, student = member, school = unit)
/// or a region (village, county, city; codes, padded to 12 digits when stored).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Party {
    Helper(i64),
    Unit(i64),
    Team(i64),
    Household(i64),
    /// A member of a registered household who is in school.
    Student(i64),
    /// A unit of kind school (or university for the helper side of 职业院校—县学校).
    School(i64),
    Village(String),
    County(String),
    City(String),
}

impl Party {
    pub fn kind(&self) -> PartyKind {
        match self {
            Party::Helper(_) => PartyKind::Helper,
            Party::Unit(_) => PartyKind::Unit,
            Party::Team(_) => PartyKind::Team,
            Party::Household(_) => PartyKind::Household,
            Party::Student(_) => PartyKind::Student,
            Party::School(_) => PartyKind::School,
            Party::Village(_) => PartyKind::Village,
            Party::County(_) => PartyKind::County,
            Party::City(_) => PartyKind::City,
        }
    }
    /// The id of a row party.
    pub fn id(&self) -> Option<i64> {
        match self {
            Party::Helper(i) | Party::Unit(i) | Party::Team(i) | Party::Household(i) | Party::Student(i) | Party::School(i) => Some(*i),
            _ => None,
        }
    }
    /// The code of a region party.
    pub fn region(&self) -> Option<&str> {
        match self {
            Party::Village(c) | Party::County(c) | Party::City(c) => Some(c),
            _ => None,
        }
    }
    /// Rebuilds a party from its stored columns.
    pub fn from_parts(kind: PartyKind, id: Option<i64>, region: Option<&str>) -> Option<Party> {
        Some(match kind {
            PartyKind::Helper => Party::Helper(id?),
            PartyKind::Unit => Party::Unit(id?),
            PartyKind::Team => Party::Team(id?),
            PartyKind::Household => Party::Household(id?),
            PartyKind::Student => Party::Student(id?),
            PartyKind::School => Party::School(id?),
            PartyKind::Village => Party::Village(region?.to_string()),
            PartyKind::County => Party::County(region?.to_string()),
            PartyKind::City => Party::City(region?.to_string()),
        })
    }
}

/// What creating a pairing takes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPairing {
    pub kind: PairingKind,
    pub helper: Party,
    pub beneficiary: Party,
    pub started_on: NaiveDate,
    /// 帮扶目标
    pub plan_goal: Option<String>,
    /// 帮扶措施（计划）
    pub plan_measures: Option<String>,
}

/// What [`create`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct PairingCreated {
    pub id: i64,
    /// For caseload kinds: the helper's active households now and their limit, when over it
    /// (the pairing is still created: a warning, as the seeds have it).
    pub over_caseload: Option<(i64, i64)>,
}

/// A pairing as pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    pub id: i64,
    pub kind: PairingKind,
    pub status: PairingStatus,
    pub helper: Party,
    /// The helper side's name (person, unit, team or region).
    pub helper_name: Option<String>,
    /// For a person: their unit's name.
    pub helper_unit: Option<String>,
    pub helper_phone: Option<String>,
    pub beneficiary: Party,
    /// The beneficiary's name (household head, student, village, school …).
    pub beneficiary_name: Option<String>,
    /// For a household: its number (户编号).
    pub household_no: Option<String>,
    /// The beneficiary's place (the scope of the pairing) and its name.
    pub region_code: String,
    pub region_name: Option<String>,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    /// The pairing that took over at a hand-over.
    pub replaced_by: Option<i64>,
    pub plan_goal: Option<String>,
    pub plan_measures: Option<String>,
    pub version: i64,
}

/// Which pairings to list; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct PairingFilter {
    pub kind: Option<PairingKind>,
    pub status: Option<PairingStatus>,
    /// A region inside the caller's scope (narrows it).
    pub region: Option<RegionCode>,
    /// Pairings whose helper side is this helper.
    pub helper_id: Option<i64>,
    /// Pairings whose beneficiary is this household.
    pub household_id: Option<i64>,
    pub beneficiary_kind: Option<PartyKind>,
}

pub(crate) const COLUMNS: &str = "p.id, p.kind, p.status, p.helper_kind, p.helper_id, p.helper_region, \
     CASE p.helper_kind WHEN 'helper' THEN (SELECT x.name FROM helper x WHERE x.id = p.helper_id) \
       WHEN 'team' THEN (SELECT x.name FROM work_team x WHERE x.id = p.helper_id) \
       WHEN 'unit' THEN (SELECT x.name FROM assist_unit x WHERE x.id = p.helper_id) \
       WHEN 'school' THEN (SELECT x.name FROM assist_unit x WHERE x.id = p.helper_id) \
       ELSE (SELECT x.name FROM region x WHERE x.code = p.helper_region) END, \
     CASE WHEN p.helper_kind = 'helper' THEN (SELECT u.name FROM helper x JOIN assist_unit u ON u.id = x.unit_id WHERE x.id = p.helper_id) END, \
     CASE WHEN p.helper_kind = 'helper' THEN (SELECT x.phone FROM helper x WHERE x.id = p.helper_id) END, \
     p.beneficiary_kind, p.beneficiary_id, p.beneficiary_region, \
     CASE p.beneficiary_kind WHEN 'household' THEN (SELECT hm.name FROM member hm WHERE hm.household_id = p.beneficiary_id AND hm.relation = 'head' AND hm.status = 'active' ORDER BY hm.seq LIMIT 1) \
       WHEN 'student' THEN (SELECT x.name FROM member x WHERE x.id = p.beneficiary_id) \
       WHEN 'helper' THEN (SELECT x.name FROM helper x WHERE x.id = p.beneficiary_id) \
       WHEN 'school' THEN (SELECT x.name FROM assist_unit x WHERE x.id = p.beneficiary_id) \
       ELSE (SELECT x.name FROM region x WHERE x.code = p.beneficiary_region) END, \
     CASE WHEN p.beneficiary_kind = 'household' THEN (SELECT x.household_no FROM household x WHERE x.id = p.beneficiary_id) END, \
     p.region_code, (SELECT x.name FROM region x WHERE x.code = p.region_code), p.started_on, p.ended_on, p.end_reason, p.replaced_by, p.plan_goal, p.plan_measures, p.version";

pub(crate) fn from_row(r: &Row) -> Option<Pairing> {
    let hk = PartyKind::parse(r[3].text()?)?;
    let bk = PartyKind::parse(r[9].text()?)?;
    Some(Pairing {
        id: r[0].int()?,
        kind: PairingKind::parse(r[1].text()?)?,
        status: PairingStatus::parse(r[2].text()?)?,
        helper: Party::from_parts(hk, r[4].int(), r[5].text())?,
        helper_name: r[6].text().map(str::to_string),
        helper_unit: r[7].text().map(str::to_string),
        helper_phone: r[8].text().map(str::to_string),
        beneficiary: Party::from_parts(bk, r[10].int(), r[11].text())?,
        beneficiary_name: r[12].text().map(str::to_string),
        household_no: r[13].text().map(str::to_string),
        region_code: r[14].string(),
        region_name: r[15].text().map(str::to_string),
        started_on: r[16].date()?,
        ended_on: r[17].date(),
        end_reason: r[18].text().map(str::to_string),
        replaced_by: r[19].int(),
        plan_goal: r[20].text().map(str::to_string),
        plan_measures: r[21].text().map(str::to_string),
        version: r[22].int().unwrap_or(0),
    })
}

/// A village of the region tree in the caller's scope; its code.
pub(crate) fn check_village(conn: &mut Conn, scope: &RegionScope, code: &str) -> Result<String> {
    let code = code.trim();
    let level = conn.query_opt("SELECT level FROM region WHERE code = ?", &[P::Text(code)])?;
    match level {
        None => Err(StoreError::Invalid(format!("村 {code} 不在区划表中：请先导入区划"))),
        Some(r) if r[0].text() != Some("village") => Err(StoreError::Invalid(format!("{code} 不是村级区划"))),
        Some(_) if !code.starts_with(scope.prefix()) => Err(StoreError::Invalid(format!("村 {code} 不在您的管辖范围内"))),
        Some(_) => Ok(code.to_string()),
    }
}

/// A unit's kind, parent, status, region and name.
type UnitFacts = (UnitKind, Option<i64>, String, String, String);

/// Unit facts by id, anywhere.
fn unit_facts(conn: &mut Conn, id: i64) -> Result<Option<UnitFacts>> {
    let r = conn.query_opt("SELECT kind, parent_id, status, region_code, name FROM assist_unit WHERE id = ?", &[P::Int(id)])?;
    Ok(r.and_then(|r| Some((UnitKind::parse(r[0].text()?)?, r[1].int(), r[2].string(), r[3].string(), r[4].string()))))
}

fn helper_facts(conn: &mut Conn, id: i64) -> Result<Option<(HelperKind, String, String, String)>> {
    let r = conn.query_opt("SELECT kind, status, region_code, name FROM helper WHERE id = ?", &[P::Int(id)])?;
    Ok(r.and_then(|r| Some((HelperKind::parse(r[0].text()?)?, r[1].string(), r[2].string(), r[3].string()))))
}

fn region_party(code: &str, level: RegionLevel, what: &str) -> Result<String> {
    let c = RegionCode::parse(code).map_err(|_| StoreError::Invalid(format!("{what}“{code}”不是有效的行政区划代码")))?;
    if c.level() != level {
        return Err(StoreError::Invalid(format!("{what}“{code}”应为{}级区划", level.label())));
    }
    Ok(padded(c.as_str()))
}

/// Checks the helper side (anywhere: helpers often come from another place); returns the
/// stored helper_id/helper_region.
fn check_helper_side(conn: &mut Conn, kind: PairingKind, p: &Party) -> Result<(Option<i64>, Option<String>)> {
    match p {
        Party::Helper(id) => {
            let (hk, status, _, name) = helper_facts(conn, *id)?.ok_or_else(|| StoreError::Invalid(format!("帮扶人（编号 {id}）不存在：请先添加帮扶人")))?;
            if status != "active" {
                return Err(StoreError::Invalid(format!("帮扶人 {name} 已调离，不能新建结对")));
            }
            let need = match kind {
                PairingKind::TeacherStudent => Some(HelperKind::Teacher),
                PairingKind::SecretaryVillage | PairingKind::GridSecretaryMember => Some(HelperKind::FirstSecretary),
                PairingKind::VolunteerStudent => Some(HelperKind::Volunteer),
                _ => None,
            };
            if let Some(need) = need.filter(|n| *n != hk) {
                return Err(StoreError::Invalid(format!("“{}”的帮扶方应为{}，{name} 是{}", kind.label(), need.label(), hk.label())));
            }
            Ok((Some(*id), None))
        }
        Party::Unit(id) | Party::School(id) => {
            let (uk, parent, status, _, name) = unit_facts(conn, *id)?.ok_or_else(|| StoreError::Invalid(format!("单位（编号 {id}）不存在：请先添加单位")))?;
            if status != "active" {
                return Err(StoreError::Invalid(format!("单位 {name} 已撤销，不能新建结对")));
            }
            let ok = match kind {
                PairingKind::EnterpriseVillage => uk == UnitKind::Enterprise,
                PairingKind::UniversityCounty => uk == UnitKind::University,
                PairingKind::SubunitHousehold => parent.is_some(),
                PairingKind::SchoolSchool => uk == UnitKind::School,
                PairingKind::VocationalSchool => matches!(uk, UnitKind::School | UnitKind::University),
                _ => true,
            };
            if !ok {
                let need = match kind {
                    PairingKind::EnterpriseVillage => "企业",
                    PairingKind::UniversityCounty => "高校",
                    PairingKind::SubunitHousehold => "某单位的处室（科室）",
                    _ => "学校",
                };
                return Err(StoreError::Invalid(format!("“{}”的帮扶方应为{need}，{name} 是{}", kind.label(), uk.label())));
            }
            Ok((Some(*id), None))
        }
        Party::Team(id) => {
            let r = conn.query_opt("SELECT status, name FROM work_team WHERE id = ?", &[P::Int(*id)])?.ok_or_else(|| StoreError::Invalid(format!("工作队（编号 {id}）不存在")))?;
            if r[0].text() != Some("active") {
                return Err(StoreError::Invalid(format!("工作队 {} 已撤回，不能新建结对", r[1].string())));
            }
            Ok((Some(*id), None))
        }
        Party::County(c) => Ok((None, Some(region_party(c, RegionLevel::County, "帮扶县")?))),
        Party::City(c) => Ok((None, Some(region_party(c, RegionLevel::City, "帮扶市")?))),
        Party::Village(c) => Ok((None, Some(region_party(c, RegionLevel::Village, "村")?))),
        Party::Household(_) | Party::Student(_) => Err(StoreError::Invalid("户或学生不能作为帮扶方".into())),
    }
}

/// Checks the beneficiary side in the caller's scope; returns (beneficiary_id, beneficiary_region, region_code).
fn check_beneficiary(conn: &mut Conn, scope: &RegionScope, kind: PairingKind, p: &Party) -> Result<(Option<i64>, Option<String>, String)> {
    let in_scope = |region: &str, what: &str| -> Result<()> {
        if region.starts_with(scope.prefix()) {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!("{what}不在您的管辖范围内")))
        }
    };
    match p {
        Party::Household(id) => {
            let r = conn.query_opt("SELECT region_code, status, household_no FROM household WHERE id = ?", &[P::Int(*id)])?.ok_or_else(|| StoreError::Invalid(format!("户（编号 {id}）不存在")))?;
            let region = r[0].string();
            in_scope(&region, &format!("户 {}", r[2].string()))?;
            if r[1].text() != Some("active") {
                return Err(StoreError::Invalid(format!("户 {} 已注销，不能结对", r[2].string())));
            }
            Ok((Some(*id), None, region))
        }
        Party::Student(id) => {
            let r = conn.query_opt("SELECT region_code, status, name, school_status FROM member WHERE id = ?", &[P::Int(*id)])?.ok_or_else(|| StoreError::Invalid(format!("学生（成员编号 {id}）不存在")))?;
            let region = r[0].string();
            in_scope(&region, &format!("学生 {}", r[2].string()))?;
            if r[1].text() != Some("active") {
                return Err(StoreError::Invalid(format!("{} 已不在户中，不能结对", r[2].string())));
            }
            if matches!(r[3].text(), None | Some("not_student") | Some("preschool_age")) {
                return Err(StoreError::Invalid(format!("{} 不是在校生（在校生状况未填或为非在校生）", r[2].string())));
            }
            Ok((Some(*id), None, region))
        }
        Party::Village(c) => {
            let code = check_village(conn, scope, c)?;
            Ok((None, Some(code.clone()), code))
        }
        Party::School(id) => {
            let (uk, _, status, region, name) = unit_facts(conn, *id)?.ok_or_else(|| StoreError::Invalid(format!("学校（单位编号 {id}）不存在")))?;
            if uk != UnitKind::School {
                return Err(StoreError::Invalid(format!("{name} 不是学校（单位类型为{}）", uk.label())));
            }
            if status != "active" {
                return Err(StoreError::Invalid(format!("学校 {name} 已撤销")));
            }
            in_scope(&region, &format!("学校 {name}"))?;
            Ok((Some(*id), None, region))
        }
        Party::County(c) | Party::City(c) => {
            let level = if matches!(p, Party::County(_)) { RegionLevel::County } else { RegionLevel::City };
            let code = region_party(c, level, "受援地")?;
            in_scope(&code, &format!("受援地 {code} "))?;
            Ok((None, Some(code.clone()), code))
        }
        Party::Helper(id) => {
            let (hk, status, region, name) = helper_facts(conn, *id)?.ok_or_else(|| StoreError::Invalid(format!("帮扶人（编号 {id}）不存在")))?;
            if status != "active" {
                return Err(StoreError::Invalid(format!("{name} 已调离")))
            }
            if kind == PairingKind::GridChiefSecretary && hk != HelperKind::FirstSecretary {
                return Err(StoreError::Invalid(format!("片长联系的应为驻村第一书记，{name} 是{}", hk.label())));
            }
            in_scope(&region, &format!("帮扶人 {name} "))?;
            Ok((Some(*id), None, region))
        }
        Party::Unit(_) | Party::Team(_) => Err(StoreError::Invalid("单位或工作队不能作为受帮扶方".into())),
    }
}

/// Creates a pairing after checking both sides by kind (audited):
/// the sides must be of the kinds [`PairingKind::sides`] names; the beneficiary must exist, be
/// active and lie in the caller's scope; the helper side must exist and be active (anywhere);
/// kind-specific: a teacher for 教师—学生, a first secretary for 第一书记—村, an enterprise for
/// 村企结对, a sub-unit for 处室包户, a university for 高校—县, schools for school pairings, an
/// in-school member for a student. The same pairing twice, or a second helper for a household
/// that has one (一户一帮扶责任人: end it or hand over first), is refused. Over-caseload is a warning.
pub fn create(conn: &mut Conn, actor: &Actor, scope: &RegionScope, n: &NewPairing) -> Result<PairingCreated> {
    in_tx(conn, |conn| create_in_tx(conn, actor, scope, n))
}

pub(crate) fn create_in_tx(conn: &mut Conn, actor: &Actor, scope: &RegionScope, n: &NewPairing) -> Result<PairingCreated> {
    let (hk, bk) = n.kind.sides();
    if n.helper.kind() != hk || n.beneficiary.kind() != bk {
        return Err(StoreError::Invalid(format!("“{}”应由{}帮扶{}，而不是{}—{}", n.kind.label(), hk.label(), bk.label(), n.helper.kind().label(), n.beneficiary.kind().label())));
    }
    let (helper_id, helper_region) = check_helper_side(conn, n.kind, &n.helper)?;
    let (beneficiary_id, beneficiary_region, region) = check_beneficiary(conn, scope, n.kind, &n.beneficiary)?;
    if n.helper == n.beneficiary {
        return Err(StoreError::Invalid("帮扶方和受帮扶方不能是同一方".into()));
    }
    let dup = conn.query_int(
        "SELECT COUNT(*) FROM pairing WHERE beneficiary_kind = ? AND COALESCE(beneficiary_id, -1) = ? AND COALESCE(beneficiary_region, '') = ? AND kind = ? AND helper_kind = ? \
         AND COALESCE(helper_id, -1) = ? AND COALESCE(helper_region, '') = ? AND status = 'active'",
        &[
            P::Text(bk.code()),
            P::Int(beneficiary_id.unwrap_or(-1)),
            P::Text(beneficiary_region.as_deref().unwrap_or("")),
            P::Text(n.kind.code()),
            P::Text(hk.code()),
            P::Int(helper_id.unwrap_or(-1)),
            P::Text(helper_region.as_deref().unwrap_or("")),
        ],
    )?;
    if dup > 0 {
        return Err(StoreError::Invalid("这一结对已存在且在帮，不能重复登记".into()));
    }
    if n.kind == PairingKind::HelperHousehold
        && let Some(r) = conn.query_opt(
            "SELECT x.name FROM pairing p LEFT JOIN helper x ON x.id = p.helper_id WHERE p.beneficiary_kind = 'household' AND p.beneficiary_id = ? AND p.status = 'active' AND p.kind = 'helper_household'",
            &[P::Int(beneficiary_id.unwrap_or(-1))],
        )? {
            return Err(StoreError::Invalid(format!("该户已有帮扶责任人 {}：一户一名帮扶责任人，请先结束原结对或办理交接", r[0].string())));
        }
    let id = crate::ids::allocate(conn, "pairing", 1)?;
    let now = crate::now_utc();
    conn.execute(
        "INSERT INTO pairing (id, kind, helper_kind, helper_id, helper_region, beneficiary_kind, beneficiary_id, beneficiary_region, region_code, started_on, status, plan_goal, plan_measures, created_at, updated_at, version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, 1)",
        &[
            P::Int(id),
            P::Text(n.kind.code()),
            P::Text(hk.code()),
            opt_int(helper_id),
            opt_str(helper_region.as_deref()),
            P::Text(bk.code()),
            opt_int(beneficiary_id),
            opt_str(beneficiary_region.as_deref()),
            P::Text(&region),
            P::Date(n.started_on),
            opt_str(clean(n.plan_goal.as_deref())),
            opt_str(clean(n.plan_measures.as_deref())),
            P::Text(&now),
            P::Text(&now),
        ],
    )?;
    record(
        conn,
        actor,
        &region,
        "pairing",
        id,
        "create",
        None,
        Some(serde_json::json!({"kind": n.kind.code(), "helper": [hk.code(), helper_id, helper_region], "beneficiary": [bk.code(), beneficiary_id, beneficiary_region], "started_on": n.started_on.to_string()})),
    )?;
    let mut over = None;
    if n.kind.counts_for_caseload()
        && let Some(h) = helper_id {
            let (count, limit) = super::caseload::of_helper(conn, h)?;
            if count > limit {
                over = Some((count, limit));
            }
        }
    Ok(PairingCreated { id, over_caseload: over })
}

/// Ends an active pairing in the caller's scope on a date with a reason (audited).
pub fn end(conn: &mut Conn, actor: &Actor, scope: &RegionScope, id: i64, on: NaiveDate, reason: &str) -> Result<()> {
    in_tx(conn, |conn| {
        let p = get(conn, scope, id)?.ok_or_else(|| StoreError::NotFound(format!("结对（编号 {id}，或它不在您的管辖范围内）")))?;
        if p.status != PairingStatus::Active {
            return Err(StoreError::Invalid("该结对已经结束".into()));
        }
        if on < p.started_on {
            return Err(StoreError::Invalid(format!("结束日期 {on} 早于结对开始日期 {}", p.started_on)));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("请填写结束原因".into()));
        }
        conn.execute(
            "UPDATE pairing SET status = 'ended', ended_on = ?, end_reason = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            &[P::Date(on), P::Text(reason), P::Text(&crate::now_utc()), P::Int(id)],
        )?;
        record(conn, actor, &p.region_code, "pairing", id, "end", Some(serde_json::json!({"status": "active"})), Some(serde_json::json!({"status": "ended", "ended_on": on.to_string(), "reason": reason})))
    })
}

/// One pairing in the caller's scope.
pub fn get(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<Pairing>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {COLUMNS} FROM pairing p WHERE p.id = ? AND p.region_code LIKE ?"), &[P::Int(id), P::Text(&pattern)])?;
    Ok(row.as_ref().and_then(from_row))
}

/// Pairings in the caller's scope matching the filter (by place, kind, id), with the total matching.
pub fn list(conn: &mut Conn, scope: &RegionScope, f: &PairingFilter, offset: i64, limit: i64) -> Result<(Vec<Pairing>, i64)> {
    let pattern = scope.like_pattern();
    let region_pattern = f.region.as_ref().map(|r| format!("{}%", r.prefix()));
    let mut cond = String::from("p.region_code LIKE ?");
    let mut params: Vec<P> = vec![P::Text(&pattern)];
    if let Some(p) = &region_pattern {
        cond.push_str(" AND p.region_code LIKE ?");
        params.push(P::Text(p));
    }
    if let Some(k) = f.kind {
        cond.push_str(" AND p.kind = ?");
        params.push(P::Text(k.code()));
    }
    if let Some(s) = f.status {
        cond.push_str(" AND p.status = ?");
        params.push(P::Text(s.code()));
    }
    if let Some(h) = f.helper_id {
        cond.push_str(" AND p.helper_kind = 'helper' AND p.helper_id = ?");
        params.push(P::Int(h));
    }
    if let Some(h) = f.household_id {
        cond.push_str(" AND p.beneficiary_kind = 'household' AND p.beneficiary_id = ?");
        params.push(P::Int(h));
    }
    if let Some(b) = f.beneficiary_kind {
        cond.push_str(" AND p.beneficiary_kind = ?");
        params.push(P::Text(b.code()));
    }
    let total = conn.query_int(&format!("SELECT COUNT(*) FROM pairing p WHERE {cond}"), &params)?;
    params.push(P::Int(limit));
    params.push(P::Int(offset));
    let rows = conn.query(&format!("SELECT {COLUMNS} FROM pairing p WHERE {cond} ORDER BY p.region_code, p.kind, p.id LIMIT ? OFFSET ?"), &params)?;
    Ok((rows.iter().filter_map(from_row).collect(), total))
}

/// Every pairing of a household (active first, then history, newest first), in the caller's scope.
pub fn of_household(conn: &mut Conn, scope: &RegionScope, household_id: i64) -> Result<Vec<Pairing>> {
    let pattern = scope.like_pattern();
    let rows = conn.query(
        &format!("SELECT {COLUMNS} FROM pairing p WHERE p.beneficiary_kind = 'household' AND p.beneficiary_id = ? AND p.region_code LIKE ? ORDER BY CASE WHEN p.status = 'active' THEN 0 ELSE 1 END, p.started_on DESC, p.id DESC"),
        &[P::Int(household_id), P::Text(&pattern)],
    )?;
    Ok(rows.iter().filter_map(from_row).collect())
}

/// A helper's pairings (where they are the helper side), in the caller's scope; only the
/// active ones when `active_only`.
pub fn of_helper(conn: &mut Conn, scope: &RegionScope, helper_id: i64, active_only: bool) -> Result<Vec<Pairing>> {
    let pattern = scope.like_pattern();
    let status = if active_only { " AND p.status = 'active'" } else { "" };
    let rows = conn.query(
        &format!("SELECT {COLUMNS} FROM pairing p WHERE p.helper_kind = 'helper' AND p.helper_id = ? AND p.region_code LIKE ?{status} ORDER BY CASE WHEN p.status = 'active' THEN 0 ELSE 1 END, p.region_code, p.id"),
        &[P::Int(helper_id), P::Text(&pattern)],
    )?;
    Ok(rows.iter().filter_map(from_row).collect())
}

/// Pairings of a village (as beneficiary: units, teams, secretaries, enterprises, leaders).
pub fn of_village(conn: &mut Conn, scope: &RegionScope, village_code: &str) -> Result<Vec<Pairing>> {
    let pattern = scope.like_pattern();
    let rows = conn.query(
        &format!("SELECT {COLUMNS} FROM pairing p WHERE p.region_code = ? AND p.beneficiary_kind = 'village' AND p.region_code LIKE ? ORDER BY CASE WHEN p.status = 'active' THEN 0 ELSE 1 END, p.kind, p.id"),
        &[P::Text(village_code), P::Text(&pattern)],
    )?;
    Ok(rows.iter().filter_map(from_row).collect())
}
