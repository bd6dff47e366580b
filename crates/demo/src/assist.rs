//! Demo pairing assistance for a generated registry: county bodies (with sub-units), schools,
//! enterprises and hospitals; helpers with ranks (about one per five registered households);
//! work teams with a first secretary and members for poor villages; and pairings — every
//! registered household a helper within 凤山's caseload (8/7/6/5/4 by rank, set for the demo
//! county), every village a unit, poor villages a team and a first secretary, most registered
//! students a teacher, township schools a county school. Deterministic for a seed.

use crate::county::DemoCounty;
use crate::dice::Dice;
use crate::names::Names;
use bangfu_domain::pairing::{HelperKind, PairingKind, Rank, UnitKind};
use chrono::NaiveDate;

/// A unit to create; `parent` indexes [`AssistPlan::units`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanUnit {
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<usize>,
    /// The county's 12-digit code (or a township's for township schools and clinics).
    pub region_code: String,
}

/// A helper to create; `unit` indexes [`AssistPlan::units`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanHelper {
    pub name: String,
    pub kind: HelperKind,
    pub unit: usize,
    pub rank: Option<Rank>,
    pub position: &'static str,
    pub phone: String,
}

/// A work team in a poor village; `secretary` and `members` index [`AssistPlan::helpers`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTeam {
    pub name: String,
    pub unit: usize,
    pub village_code: String,
    pub started_on: NaiveDate,
    pub secretary: usize,
    pub members: Vec<usize>,
}

/// One side of a planned pairing.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanSide {
    Helper(usize),
    Unit(usize),
    Team(usize),
    School(usize),
    /// A stored household id.
    Household(i64),
    /// A stored member id.
    Student(i64),
    Village(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanPairing {
    pub kind: PairingKind,
    pub helper: PlanSide,
    pub beneficiary: PlanSide,
    /// The beneficiary's place.
    pub region_code: String,
    pub started_on: NaiveDate,
}

/// Everything the demo writes for pairing assistance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssistPlan {
    pub units: Vec<PlanUnit>,
    pub helpers: Vec<PlanHelper>,
    pub teams: Vec<PlanTeam>,
    pub pairings: Vec<PlanPairing>,
    /// The caseload limits the demo county sets (凤山: 8/7/6/5/4), per rank.
    pub caseload: Vec<(Rank, i64)>,
}

/// 凤山's caseload by rank, which the demo county uses.
pub const DEMO_CASELOAD: &[(Rank, i64)] = &[(Rank::FullDivision, 8), (Rank::DeputyDivision, 7), (Rank::FullSection, 6), (Rank::DeputySection, 5), (Rank::Ordinary, 4), (Rank::Other, 4)];

const BODIES: &[&str] = &[
    "县委办公室", "县政府办公室", "县发展和改革局", "县财政局", "县教育局", "县农业农村局", "县水利局", "县卫生健康局", "县人力资源和社会保障局", "县民政局",
    "县住房和城乡建设局", "县交通运输局", "县自然资源局", "县林业局", "县市场监督管理局", "县公安局", "县司法局", "县商务局", "县文化旅游广电体育局", "县生态环境局",
    "县统计局", "县审计局", "县应急管理局", "县医疗保障局", "县乡村振兴局", "县供销合作社", "县总工会", "共青团县委", "县妇女联合会", "县科学技术协会",
    "县委组织部", "县委宣传部", "县委统战部", "县纪委监委", "县人民法院", "县人民检察院", "县税务局", "县气象局", "县融媒体中心", "县退役军人事务局",
];
const SUBUNITS: &[&str] = &["办公室", "综合股", "业务股"];
const ENTERPRISES: &[&str] = &["青山茶业有限公司", "青山农商银行", "湘南建工集团", "青山水泥厂", "郴州烟草青山分公司", "青山电力公司", "青山果业合作联社", "湘粤物流有限公司"];
const HOSPITALS: &[&str] = &["县人民医院", "县中医医院", "县妇幼保健院"];
const COUNTY_SCHOOLS: &[&str] = &["县第一中学", "县第二中学", "县职业中专学校", "县实验小学"];
const POSITIONS: &[(Rank, &str)] = &[(Rank::FullDivision, "县级领导"), (Rank::DeputyDivision, "县级领导"), (Rank::FullSection, "局长"), (Rank::DeputySection, "副局长"), (Rank::Ordinary, "科员")];
const RANKS: &[(Rank, u32)] = &[(Rank::FullDivision, 2), (Rank::DeputyDivision, 5), (Rank::FullSection, 20), (Rank::DeputySection, 40), (Rank::Ordinary, 33)];

fn limit(rank: Rank) -> usize {
    DEMO_CASELOAD.iter().find(|(r, _)| *r == rank).map(|x| x.1 as usize).unwrap_or(4)
}

struct People {
    names: Names,
    dice: Dice,
    n: u64,
}

impl People {
    fn person(&mut self) -> (String, String) {
        let male = self.dice.pct(55);
        let year = self.dice.range(1965, 1998);
        let s = self.names.surname(&mut self.dice);
        let name = self.names.full(&mut self.dice, s, male, year);
        self.n += 1;
        let phone = format!("139{:08}", (self.n * 7_919 + 13_000_000) % 100_000_000);
        (name, phone)
    }
}

/// Plans pairing assistance for a registry: `households` as (id, village code, registered) and
/// `students` as (member id, village code) — registered-poor members in school.
pub fn plan(county: &DemoCounty, households: &[(i64, String, bool)], students: &[(i64, String)], seed: u64, today: NaiveDate) -> AssistPlan {
    let mut p = AssistPlan { caseload: DEMO_CASELOAD.to_vec(), ..Default::default() };
    let mut people = People { names: Names::new(), dice: Dice::new(seed ^ 0xA5A5_0005), n: 0 };
    let county_code = county.county.code.as_str().to_string();
    let start = |years_back: i32| NaiveDate::from_ymd_opt(today.year_ce().1 as i32 - years_back, 3, 1).unwrap_or(today);
    // county bodies with sub-units
    let mut bodies = Vec::new();
    for name in BODIES {
        let i = p.units.len();
        p.units.push(PlanUnit { name: (*name).into(), kind: UnitKind::Government, parent: None, region_code: county_code.clone() });
        bodies.push(i);
        for s in SUBUNITS {
            p.units.push(PlanUnit { name: format!("{name}{s}"), kind: UnitKind::Government, parent: Some(i), region_code: county_code.clone() });
        }
    }
    let enterprises: Vec<usize> = ENTERPRISES
        .iter()
        .map(|n| {
            p.units.push(PlanUnit { name: (*n).into(), kind: UnitKind::Enterprise, parent: None, region_code: county_code.clone() });
            p.units.len() - 1
        })
        .collect();
    for n in HOSPITALS {
        p.units.push(PlanUnit { name: (*n).into(), kind: UnitKind::Hospital, parent: None, region_code: county_code.clone() });
    }
    let county_schools: Vec<usize> = COUNTY_SCHOOLS
        .iter()
        .map(|n| {
            p.units.push(PlanUnit { name: (*n).into(), kind: UnitKind::School, parent: None, region_code: county_code.clone() });
            p.units.len() - 1
        })
        .collect();
    let mut township_schools = Vec::new();
    for t in &county.townships {
        for kind in ["中心小学", "中学"] {
            p.units.push(PlanUnit { name: format!("{}{kind}", t.name), kind: UnitKind::School, parent: None, region_code: t.code.as_str().to_string() });
            township_schools.push(p.units.len() - 1);
        }
        p.units.push(PlanUnit { name: format!("{}卫生院", t.name), kind: UnitKind::Hospital, parent: None, region_code: t.code.as_str().to_string() });
    }
    // school pairings: each township school with a county school
    for (i, s) in township_schools.iter().enumerate() {
        let c = county_schools[i % county_schools.len()];
        p.pairings.push(PlanPairing { kind: PairingKind::SchoolSchool, helper: PlanSide::School(c), beneficiary: PlanSide::School(*s), region_code: p.units[*s].region_code.clone(), started_on: start(3) });
    }
    // every village a unit; poor villages a team with a first secretary and two members
    for (i, v) in county.villages.iter().enumerate() {
        let code = v.region.code.as_str().to_string();
        let unit = if i % 9 == 8 { enterprises[i % enterprises.len()] } else { bodies[i % bodies.len()] };
        let kind = if p.units[unit].kind == UnitKind::Enterprise { PairingKind::EnterpriseVillage } else { PairingKind::UnitVillage };
        p.pairings.push(PlanPairing { kind, helper: PlanSide::Unit(unit), beneficiary: PlanSide::Village(code.clone()), region_code: code.clone(), started_on: start(4) });
        if kind == PairingKind::EnterpriseVillage {
            // an enterprise helps too, but a body is still responsible for the village
            let body = bodies[i % bodies.len()];
            p.pairings.push(PlanPairing { kind: PairingKind::UnitVillage, helper: PlanSide::Unit(body), beneficiary: PlanSide::Village(code.clone()), region_code: code.clone(), started_on: start(4) });
        }
        if v.poor_village {
            let team_unit = bodies[i % bodies.len()];
            let (name, phone) = people.person();
            p.helpers.push(PlanHelper { name, kind: HelperKind::FirstSecretary, unit: team_unit, rank: Some(Rank::DeputySection), position: "驻村第一书记", phone });
            let secretary = p.helpers.len() - 1;
            let mut members = Vec::new();
            for _ in 0..2 {
                let (name, phone) = people.person();
                p.helpers.push(PlanHelper { name, kind: HelperKind::TeamMember, unit: team_unit, rank: Some(Rank::Ordinary), position: "工作队队员", phone });
                members.push(p.helpers.len() - 1);
            }
            p.teams.push(PlanTeam { name: format!("{}驻{}工作队", p.units[team_unit].name, v.region.name), unit: team_unit, village_code: code.clone(), started_on: start(2), secretary, members });
            let t = p.teams.len() - 1;
            p.pairings.push(PlanPairing { kind: PairingKind::TeamVillage, helper: PlanSide::Team(t), beneficiary: PlanSide::Village(code.clone()), region_code: code.clone(), started_on: start(2) });
            p.pairings.push(PlanPairing { kind: PairingKind::SecretaryVillage, helper: PlanSide::Helper(secretary), beneficiary: PlanSide::Village(code.clone()), region_code: code.clone(), started_on: start(2) });
        }
    }
    // helpers for households, filled to their caseload in village order
    let mut registered: Vec<&(i64, String, bool)> = households.iter().filter(|h| h.2).collect();
    registered.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut current: Option<(usize, usize)> = None; // (helper, room left)
    let mut n_helpers = 0usize;
    for (id, village, _) in registered {
        let (h, room) = match current {
            Some((h, room)) if room > 0 => (h, room),
            _ => {
                let rank = people.dice.weighted(RANKS);
                let unit_base = bodies[n_helpers % bodies.len()];
                // about a third of cadres sit in a sub-unit
                let unit = if n_helpers % 3 == 1 { unit_base + 1 + (n_helpers / 3) % SUBUNITS.len() } else { unit_base };
                let (name, phone) = people.person();
                let position = POSITIONS.iter().find(|(r, _)| *r == rank).map(|x| x.1).unwrap_or("科员");
                p.helpers.push(PlanHelper { name, kind: if matches!(rank, Rank::FullDivision | Rank::DeputyDivision) { HelperKind::Leader } else { HelperKind::Cadre }, unit, rank: Some(rank), position, phone });
                n_helpers += 1;
                // leave some room: about four in five of the limit on average
                let lim = limit(rank);
                let fill = lim - usize::from(people.dice.pct(40) && lim > 1);
                (p.helpers.len() - 1, fill)
            }
        };
        let kind = if p.helpers[h].kind == HelperKind::Leader { PairingKind::LeaderHousehold } else { PairingKind::HelperHousehold };
        let years = people.dice.range(0, 4);
        p.pairings.push(PlanPairing { kind, helper: PlanSide::Helper(h), beneficiary: PlanSide::Household(*id), region_code: village.clone(), started_on: start(years) });
        current = Some((h, room - 1));
    }
    // teachers for about three students in four (five students per teacher at most)
    let schools: Vec<usize> = county_schools.iter().chain(township_schools.iter()).copied().collect();
    let mut teacher: Option<(usize, usize)> = None;
    let mut n_teachers = 0usize;
    for (member, village) in students {
        if !people.dice.pct(75) {
            continue;
        }
        let (t, room) = match teacher {
            Some((t, room)) if room > 0 => (t, room),
            _ => {
                let (name, phone) = people.person();
                let unit = schools[n_teachers % schools.len()];
                n_teachers += 1;
                p.helpers.push(PlanHelper { name, kind: HelperKind::Teacher, unit, rank: None, position: "教师", phone });
                (p.helpers.len() - 1, 5)
            }
        };
        p.pairings.push(PlanPairing { kind: PairingKind::TeacherStudent, helper: PlanSide::Helper(t), beneficiary: PlanSide::Student(*member), region_code: village.clone(), started_on: start(1) });
        teacher = Some((t, room - 1));
    }
    p
}

use chrono::Datelike;
