//! Demo department lists (部门比对名单) built from a registry: for every list kind, the people a
//! department would send, with planted discrepancies for every finding kind (someone deceased but
//! registered, 低保 not recorded, a large out-of-pocket cost outside monitoring …) and the noise real
//! lists carry — 15-digit IDs, other ID headers, a title row, repeated rows, a differing name,
//! people who are not registered. Deterministic in the seed and the order of the people given;
//! streams (a 1,000,000-row CSV is written in seconds, memory does not grow with it).
//!
//! The people come either from generated documents ([`ListPerson::from_doc`]) or from a database
//! (the command line reads its members and builds [`ListPerson`]s).

use crate::dice::{Dice, mix};
use bangfu_domain::comparison::{FindingKind, ListKind};
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::ResidentId;
use bangfu_sheets::{Cell, SheetError};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// A registered person with the facts the lists are drawn from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPerson {
    pub resident_id: String,
    pub name: String,
    /// The household's key (户编号): household-level decisions are made once per household.
    pub household: String,
    pub is_head: bool,
    /// 户类型 code.
    pub household_type: Option<String>,
    /// Under monitoring now (a 监测户 or monitoring category, risk not eliminated).
    pub monitored: bool,
    /// 低保: the member enjoys it or the household's attribute is 低保.
    pub dibao: bool,
    pub tekun: bool,
    pub disability_grade: Option<String>,
    pub health: Option<String>,
    pub school_status: Option<String>,
    pub not_in_school_reason: bool,
    pub labour_skill: Option<String>,
    /// 危房: recorded as a dangerous house or grade C/D.
    pub dangerous_house: bool,
}

impl ListPerson {
    /// The people of a generated household.
    pub fn from_doc(doc: &HouseholdDoc) -> Vec<ListPerson> {
        let code = |f: HF| doc.get(f).as_code().map(str::to_string);
        let household_type = code(HF::HouseholdType);
        let monitored = (household_type.as_deref() == Some("monitored") || !doc.get(HF::MonitoringCategory).is_null()) && doc.get(HF::RiskEliminated).as_bool() != Some(true);
        let attribute = code(HF::PovertyAttribute);
        let dangerous = doc.get(HF::DangerousHouse).as_bool() == Some(true) || matches!(doc.get(HF::HousingGrade).as_code(), Some("C" | "D"));
        let household = doc.key().unwrap_or_default();
        doc.members
            .iter()
            .map(|m| {
                let yes = |f: MF| m.get(f).as_text() == Some("是");
                ListPerson {
                    resident_id: m.resident_id.as_str().to_string(),
                    name: m.name().to_string(),
                    household: household.clone(),
                    is_head: m.is_head(),
                    household_type: household_type.clone(),
                    monitored,
                    dibao: yes(MF::Dibao) || attribute.as_deref() == Some("dibao"),
                    tekun: yes(MF::Tekun) || attribute.as_deref() == Some("tekun"),
                    disability_grade: m.get(MF::DisabilityGrade).as_code().map(str::to_string),
                    health: m.get(MF::Health).as_code().map(str::to_string),
                    school_status: m.get(MF::SchoolStatus).as_code().map(str::to_string),
                    not_in_school_reason: !m.get(MF::NotInSchoolReason).is_null(),
                    labour_skill: m.get(MF::LabourSkill).as_code().map(str::to_string),
                    dangerous_house: dangerous,
                }
            })
            .collect()
    }

    fn registered(&self) -> bool {
        matches!(self.household_type.as_deref(), Some("poor" | "exited" | "monitored"))
    }
    fn compulsory_pupil(&self) -> bool {
        self.school_status.as_deref().is_some_and(|s| s.starts_with("primary_") || s.starts_with("junior_"))
    }
    fn student(&self) -> bool {
        self.school_status.as_deref().is_some_and(|s| !matches!(s, "not_student" | "preschool_age" | "preschool"))
    }
    fn birth(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.resident_id.get(6..14)?, "%Y%m%d").ok()
    }
}

/// The file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// UTF-8 with BOM, a title row above the header.
    Csv,
    /// GBK (as WPS and older systems save), a title row above the header.
    CsvGbk,
    /// One sheet, header in the first row.
    Xlsx,
}

/// How to build a list.
#[derive(Debug, Clone)]
pub struct ListOptions {
    pub kind: ListKind,
    pub seed: u64,
    /// A list of exactly this many data rows (for benchmarks): every person in order, each with
    /// this kind's values, then people who are not registered; `None` = the people a department
    /// would really send.
    pub rows: Option<u64>,
    /// The date the list is "as of" (dates in it are before it).
    pub today: NaiveDate,
    /// Rows are never repeated, renamed or shortened to 15 digits (a clean list).
    pub clean: bool,
}

/// What a list holds: rows, noise, and the findings a comparison should report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListStats {
    /// Data rows written (repeats included).
    pub rows: u64,
    /// Registered people on the list (distinct).
    pub registered: u64,
    /// People on the list who are not registered.
    pub strangers: u64,
    pub repeated: u64,
    pub fifteen_digit: u64,
    /// Rows whose name differs from the registry's.
    pub renamed: u64,
    /// The findings planted, by kind (complete lists: the people or households left off).
    pub planted: BTreeMap<FindingKind, u64>,
}

/// The title, ID header and columns each kind of list is written with (varied on purpose).
fn layout(kind: ListKind) -> (&'static str, &'static [&'static str]) {
    match kind {
        ListKind::Dibao => ("城乡低保对象花名册", &["序号", "姓名", "身份证号码", "保障类别", "保障人口", "月保障金(元)"]),
        ListKind::Tekun => ("特困供养人员花名册", &["序号", "姓名", "公民身份号码", "供养方式", "保障类别"]),
        ListKind::MedicalExpense => ("脱贫人口及农村低收入人口住院费用明细", &["序号", "参保人姓名", "证件号码", "就诊医院", "出院日期", "医疗总费用", "个人自付金额(元)"]),
        ListKind::Disability => ("持证残疾人名单", &["序号", "姓名", "残疾人证号", "残疾类别", "残疾等级"]),
        ListKind::StudentRoll => ("全县在校学生学籍名单", &["序号", "学生姓名", "身份证件号码", "学校名称", "年级"]),
        ListKind::Death => ("死亡注销人员名单", &["序号", "姓名", "公民身份号码", "死亡日期", "注销原因"]),
        ListKind::MovedOut => ("户口迁出人员名单", &["序号", "姓名", "身份证号", "迁出日期", "迁往地址"]),
        ListKind::DangerousHouse => ("农村危房鉴定结果", &["序号", "户主姓名", "户主身份证号", "鉴定等级", "鉴定单位"]),
        ListKind::Employment => ("企业职工参保人员名单", &["序号", "姓名", "社会保障号码", "参保单位", "参保日期"]),
        ListKind::Company => ("市场主体登记信息", &["序号", "企业名称", "统一社会信用代码", "法定代表人", "法定代表人证件号码", "身份"]),
        ListKind::Vehicle => ("机动车登记信息", &["序号", "号牌号码", "车辆类型", "机动车所有人", "身份证明号码"]),
        ListKind::PublicPayroll => ("财政供养人员名单", &["序号", "姓名", "身份证号", "工作单位", "人员类别"]),
    }
}

const HOSPITALS: [&str; 5] = ["青山县人民医院", "青山县中医医院", "郴州市第一人民医院", "湖南省人民医院", "青山县妇幼保健院"];
const UNITS: [&str; 6] = ["青山县第一中学", "青山县人民医院", "青山县财政局", "青山县城关镇人民政府", "青山县自然资源局", "青山县实验小学"];
const EMPLOYERS: [&str; 5] = ["郴州某电子有限公司", "青山县某建筑工程有限公司", "东莞某鞋业有限公司", "深圳某科技有限公司", "青山县某食品厂"];
const DESTINATIONS: [&str; 4] = ["广东省深圳市宝安区", "湖南省长沙市岳麓区", "浙江省杭州市余杭区", "广东省东莞市长安镇"];
const VEHICLES: [&str; 4] = ["小型轿车", "小型普通客车", "轻型普通货车", "普通二轮摩托车"];
const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙"];
const GIVEN: [&str; 12] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰"];

/// One decision per category: the first eligible person always, then one in `rate`.
#[derive(Default)]
struct Picker {
    seen: BTreeMap<&'static str, u64>,
    /// Households left off a complete list.
    omitted: std::collections::HashSet<String>,
}

impl Picker {
    fn pick(&mut self, dice: &mut Dice, category: &'static str, rate: u32) -> bool {
        let n = self.seen.entry(category).or_insert(0);
        *n += 1;
        *n == 1 || dice.below(rate) == 0
    }
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn grade_label(g: &str) -> &'static str {
    match g {
        "1" => "一级",
        "2" => "二级",
        "3" => "三级",
        _ => "四级",
    }
}

/// A different grade than `g`.
fn other_grade(g: &str) -> &'static str {
    match g {
        "1" => "2",
        "2" => "3",
        "3" => "4",
        _ => "1",
    }
}

/// A name changed in its last character (so the comparison reports a difference).
fn renamed(name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    match chars.last_mut() {
        Some(c) => *c = if *c == '明' { '亮' } else { '明' },
        None => chars.push('某'),
    }
    chars.into_iter().collect()
}

fn grade_text(status: &str) -> &'static str {
    bangfu_domain::vocab::SCHOOL_STATUS.by_code(status).map(|t| t.label).unwrap_or("")
}

/// A date within the last year before `today`.
fn recent(dice: &mut Dice, today: NaiveDate) -> String {
    (today - chrono::Duration::days(i64::from(dice.range(5, 360)))).format("%Y-%m-%d").to_string()
}

/// A row for a registered person, or `None` when this list leaves them off. `planted` receives the
/// finding the row (or its absence) should produce.
fn person_row(p: &ListPerson, o: &ListOptions, dice: &mut Dice, picker: &mut Picker, every: bool, planted: &mut BTreeMap<FindingKind, u64>) -> Option<Vec<String>> {
    let mut hit = |k: FindingKind| *planted.entry(k).or_insert(0) += 1;
    let today = o.today;
    let id = p.resident_id.clone();
    let name = p.name.clone();
    match o.kind {
        ListKind::Dibao | ListKind::Tekun => {
            let (enjoys, label) = if o.kind == ListKind::Dibao { (p.dibao, "A类") } else { (p.tekun, "分散供养") };
            if enjoys {
                // a few households are missing from the complete list (one decision per household)
                let h = mix(o.seed ^ mix(p.household.bytes().fold(0u64, |a, b| a.wrapping_mul(131).wrapping_add(u64::from(b)))));
                // the first such household always, then one in 40
                if picker.omitted.contains(&p.household) {
                    return None;
                }
                if picker.omitted.is_empty() || h.is_multiple_of(40) {
                    picker.omitted.insert(p.household.clone());
                    hit(FindingKind::DibaoRecordedNotOnList);
                    return None;
                }
                return Some(vec![String::new(), name, id, label.into(), String::new(), String::new()]);
            }
            if every || picker.pick(dice, "not_recorded", 300) {
                hit(FindingKind::DibaoNotRecorded);
                return Some(vec![String::new(), name, id, label.into(), String::new(), String::new()]);
            }
            None
        }
        ListKind::MedicalExpense => {
            let threshold = if p.registered() { 500_000 } else { 2_000_000 };
            let high = !p.monitored && picker.pick(dice, "high", 150);
            let include = every || high || dice.below(8) == 0;
            if !include {
                return None;
            }
            let fen = if high {
                hit(FindingKind::LargeMedicalNotMonitored);
                threshold + i64::from(dice.range(0, 1_500_000))
            } else if p.monitored && dice.below(20) == 0 {
                // high, but the household is already monitored: nothing to do
                threshold + i64::from(dice.range(0, 3_000_000))
            } else {
                i64::from(dice.range(5_000, 499_999))
            };
            let total = fen * 100 / i64::from(dice.range(15, 60));
            Some(vec![String::new(), name, id, HOSPITALS[dice.below(5) as usize].into(), recent(dice, today), yuan(total), yuan(fen)])
        }
        ListKind::Disability => {
            // the certificate number is the ID followed by category and grade digits
            let cert = |g: &str| format!("{id}{}{g}", dice_digit(&id));
            match p.disability_grade.as_deref() {
                Some(g) => {
                    let g = if picker.pick(dice, "differs", 20) {
                        hit(FindingKind::DisabilityGradeDiffers);
                        other_grade(g)
                    } else {
                        match g {
                            "1" => "1",
                            "2" => "2",
                            "3" => "3",
                            _ => "4",
                        }
                    };
                    Some(vec![String::new(), name, cert(g), "肢体残疾".into(), grade_label(g).into()])
                }
                None if p.health.as_deref() == Some("disabled") => {
                    hit(FindingKind::DisabilityGradeDiffers);
                    Some(vec![String::new(), name, cert("3"), "肢体残疾".into(), "三级".into()])
                }
                None if every || picker.pick(dice, "not_recorded", 300) => {
                    hit(FindingKind::DisabilityNotRecorded);
                    Some(vec![String::new(), name, cert("4"), "听力残疾".into(), "四级".into()])
                }
                None => None,
            }
        }
        ListKind::StudentRoll => {
            let status = p.school_status.as_deref().unwrap_or("not_student");
            if p.student() {
                if p.compulsory_pupil() && picker.pick(dice, "missing", 40) {
                    hit(FindingKind::NotOnStudentRoll);
                    return None;
                }
                let school = if status.starts_with("primary") { "青山县实验小学" } else if status.starts_with("junior") { "青山县第二中学" } else { "青山县第一中学" };
                let recorded_out = p.not_in_school_reason;
                if recorded_out {
                    hit(FindingKind::StudentRecordedOutOfSchool);
                }
                return Some(vec![String::new(), name, id, school.into(), grade_text(status).into()]);
            }
            let age = p.birth().map(|b| today.year() - b.year()).unwrap_or(0);
            let out_of_school = matches!(status, "not_student" | "preschool_age") || p.not_in_school_reason;
            if ((7..=17).contains(&age) && out_of_school && picker.pick(dice, "out", 10)) || (every && out_of_school) {
                hit(FindingKind::StudentRecordedOutOfSchool);
                return Some(vec![String::new(), name, id, "青山县第一中学".into(), "高中一年级".into()]);
            }
            None
        }
        ListKind::Death => (every || picker.pick(dice, "dead", 400)).then(|| {
            hit(FindingKind::DeceasedStillRegistered);
            vec![String::new(), name, id, recent(dice, today), "死亡".into()]
        }),
        ListKind::MovedOut => (every || picker.pick(dice, "moved", 300)).then(|| {
            hit(FindingKind::MovedOutStillRegistered);
            vec![String::new(), name, id, recent(dice, today), DESTINATIONS[dice.below(4) as usize].into()]
        }),
        ListKind::DangerousHouse => {
            if !p.is_head && !every {
                return None;
            }
            if p.dangerous_house {
                return (every || dice.below(2) == 0).then(|| vec![String::new(), name, id, "C级".into(), "青山县住建局".into()]);
            }
            (every || picker.pick(dice, "house", 100)).then(|| {
                if p.is_head || !every {
                    hit(FindingKind::DangerousHouseNotRecorded);
                }
                vec![String::new(), name, id, if dice.below(3) == 0 { "D级" } else { "C级" }.into(), "青山县住建局".into()]
            })
        }
        ListKind::Employment => {
            let without = matches!(p.labour_skill.as_deref(), Some("none" | "lost"));
            let include = if without { every || picker.pick(dice, "without", 30) } else { every || (matches!(p.labour_skill.as_deref(), Some("ordinary" | "skilled")) && dice.below(10) == 0) };
            include.then(|| {
                if without {
                    hit(FindingKind::EmployedRecordedWithoutLabour);
                }
                vec![String::new(), name, id, EMPLOYERS[dice.below(5) as usize].into(), recent(dice, today)]
            })
        }
        ListKind::Company => (every || picker.pick(dice, "company", 500)).then(|| {
            hit(FindingKind::CompanyOwner);
            let code = format!("91431099MA4L{:06}", dice.below(1_000_000));
            let role = if dice.below(2) == 0 { "法定代表人" } else { "股东" };
            vec![String::new(), format!("青山县{}商贸有限公司", GIVEN[dice.below(12) as usize]), code, name, id, role.into()]
        }),
        ListKind::Vehicle => (every || picker.pick(dice, "vehicle", 500)).then(|| {
            hit(FindingKind::VehicleOwner);
            let plate = format!("湘L·{}{:04}", ['A', 'B', 'C', 'D'][dice.below(4) as usize], dice.below(10_000));
            vec![String::new(), plate, VEHICLES[dice.below(4) as usize].into(), name, id]
        }),
        ListKind::PublicPayroll => (every || picker.pick(dice, "payroll", 500)).then(|| {
            hit(FindingKind::PublicPayrollRelative);
            vec![String::new(), name, id, UNITS[dice.below(6) as usize].into(), "在编在岗".into()]
        }),
    }
}

/// The disability category digit of a certificate number (fixed per person).
fn dice_digit(id: &str) -> char {
    let h = id.bytes().fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
    char::from(b'1' + (h % 7) as u8)
}

/// A row for someone who is not registered (the list's own people outside the registry). The
/// `n`-th stranger has a Beijing ID unique up to 21 million strangers.
fn stranger_row(kind: ListKind, dice: &mut Dice, n: u64, today: NaiveDate) -> Vec<String> {
    let base = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or(today);
    let birth = base + chrono::Duration::days(((n / 1000) * 7919 % 21_900) as i64);
    let body = format!("110105{}{:03}", birth.format("%Y%m%d"), n % 1000);
    let id = ResidentId::from_body(&body).map(|r| r.as_str().to_string()).unwrap_or(body);
    let name = format!("{}{}{}", SURNAMES[dice.below(12) as usize], GIVEN[dice.below(12) as usize], GIVEN[dice.below(12) as usize]);
    let e = String::new();
    match kind {
        ListKind::Dibao => vec![e, name, id, "A类".into(), String::new(), String::new()],
        ListKind::Tekun => vec![e, name, id, "分散供养".into(), String::new()],
        ListKind::MedicalExpense => {
            let fen = i64::from(dice.range(5_000, 499_999));
            vec![e, name, id, HOSPITALS[dice.below(5) as usize].into(), recent(dice, today), yuan(fen * 3), yuan(fen)]
        }
        ListKind::Disability => vec![e, name, format!("{id}42"), "肢体残疾".into(), "二级".into()],
        ListKind::StudentRoll => vec![e, name, id, "青山县实验小学".into(), "小学三年级".into()],
        ListKind::Death => vec![e, name, id, recent(dice, today), "死亡".into()],
        ListKind::MovedOut => vec![e, name, id, recent(dice, today), DESTINATIONS[dice.below(4) as usize].into()],
        ListKind::DangerousHouse => vec![e, name, id, "C级".into(), "青山县住建局".into()],
        ListKind::Employment => vec![e, name, id, EMPLOYERS[dice.below(5) as usize].into(), recent(dice, today)],
        ListKind::Company => vec![e, format!("青山县{}贸易有限公司", GIVEN[dice.below(12) as usize]), format!("91431099MA4M{:06}", dice.below(1_000_000)), name, id, "股东".into()],
        ListKind::Vehicle => vec![e, format!("湘L·{:05}", dice.below(100_000)), VEHICLES[dice.below(4) as usize].into(), name, id],
        ListKind::PublicPayroll => vec![e, name, id, UNITS[dice.below(6) as usize].into(), "在编在岗".into()],
    }
}

/// Where the ID sits in each kind's row.
fn id_index(kind: ListKind) -> usize {
    match kind {
        ListKind::Company => 4,
        ListKind::Vehicle => 4,
        _ => 2,
    }
}

fn name_index(kind: ListKind) -> usize {
    match kind {
        ListKind::Company => 3,
        ListKind::Vehicle => 3,
        _ => 1,
    }
}

/// Builds the list from `people` and hands each row (header first) to `out`.
fn build(people: impl Iterator<Item = ListPerson>, o: &ListOptions, out: &mut dyn FnMut(&[String]) -> Result<(), SheetError>) -> Result<ListStats, SheetError> {
    let (_, header) = layout(o.kind);
    out(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>())?;
    let mut dice = Dice::new(mix(o.seed ^ mix(o.kind as u64 + 1)));
    let mut picker = Picker::default();
    let mut stats = ListStats::default();
    let every = o.rows.is_some();
    let limit = o.rows.unwrap_or(u64::MAX);
    let mut seq = 0u64;
    let mut emit = |mut r: Vec<String>, stats: &mut ListStats, out: &mut dyn FnMut(&[String]) -> Result<(), SheetError>| -> Result<(), SheetError> {
        seq += 1;
        r[0] = seq.to_string();
        stats.rows += 1;
        out(&r)
    };
    let id_at = id_index(o.kind);
    let name_at = name_index(o.kind);
    for p in people {
        if stats.rows >= limit {
            break;
        }
        let Some(mut r) = person_row(&p, o, &mut dice, &mut picker, every, &mut stats.planted) else { continue };
        stats.registered += 1;
        if !o.clean {
            let born_1900s = p.resident_id.get(6..8) == Some("19");
            // the first registered row's name is misspelt, then one in 200
            if stats.registered == 1 || dice.below(200) == 0 {
                r[name_at] = renamed(&r[name_at]);
                stats.renamed += 1;
                *stats.planted.entry(FindingKind::NameDiffers).or_insert(0) += 1;
            }
            if born_1900s && r[id_at].len() == 18 && (stats.fifteen_digit == 0 || dice.below(30) == 0) {
                let id = r[id_at].clone();
                r[id_at] = format!("{}{}", &id[..6], &id[8..17]);
                stats.fifteen_digit += 1;
            }
        }
        let repeat = !o.clean && (stats.registered == 1 || dice.below(200) == 0);
        emit(r.clone(), &mut stats, out)?;
        if repeat && stats.rows < limit {
            emit(r, &mut stats, out)?;
            stats.repeated += 1;
        }
    }
    // people the registry does not hold: a few on every list, the rest of a fixed-size one
    let strangers = if every { limit.saturating_sub(stats.rows) } else { 3 + stats.registered / 20 };
    for i in 0..strangers {
        let r = stranger_row(o.kind, &mut dice, i, o.today);
        emit(r, &mut stats, out)?;
        stats.strangers += 1;
    }
    // a finding planted on a row that also carries a misspelt name still fires: nothing to adjust
    stats.planted.retain(|_, n| *n > 0);
    Ok(stats)
}

fn csv_line(cells: &[String], line: &mut String) {
    line.clear();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        if c.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&c.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(c);
        }
    }
    line.push_str("\r\n");
}

/// Writes a list of `o.kind` drawn from `people` to `path` in `format`.
pub fn write_list(people: impl Iterator<Item = ListPerson>, o: &ListOptions, format: ListFormat, path: &Path) -> Result<ListStats, SheetError> {
    let file = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let io = |e: std::io::Error| SheetError::new(&file, format!("写入文件失败（{e}），请检查磁盘空间和写入权限"));
    let (title, _) = layout(o.kind);
    match format {
        ListFormat::Csv | ListFormat::CsvGbk => {
            let gbk = format == ListFormat::CsvGbk;
            let f = std::fs::File::create(path).map_err(io)?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            if !gbk {
                w.write_all(b"\xEF\xBB\xBF").map_err(io)?;
            }
            let mut line = String::with_capacity(256);
            let put = |line: &str, w: &mut std::io::BufWriter<std::fs::File>| -> std::io::Result<()> {
                if gbk {
                    let (bytes, _, _) = encoding_rs::GBK.encode(line);
                    w.write_all(&bytes)
                } else {
                    w.write_all(line.as_bytes())
                }
            };
            put(&format!("青山县{}（{}）\r\n", title, o.today.format("%Y年%m月")), &mut w).map_err(io)?;
            let stats = build(people, o, &mut |cells| {
                csv_line(cells, &mut line);
                put(&line, &mut w).map_err(io)
            })?;
            w.flush().map_err(io)?;
            Ok(stats)
        }
        ListFormat::Xlsx => {
            let mut writer = bangfu_sheets::xlsx_writer(path)?;
            let mut header_done = false;
            let stats = build(people, o, &mut |cells| {
                if !header_done {
                    header_done = true;
                    let h: Vec<&str> = cells.iter().map(String::as_str).collect();
                    return writer.begin_table(title, &h);
                }
                let row: Vec<Cell> = cells.iter().map(|c| Cell::Text(c.clone())).collect();
                writer.write_row(&row)
            })?;
            writer.finish()?;
            Ok(stats)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DemoOptions, demo_county, generate};

    fn people() -> Vec<ListPerson> {
        let opts = DemoOptions { households: 300, seed: 3, year: 2025, today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), ..DemoOptions::default() };
        generate(&demo_county(), &opts).flat_map(|d| ListPerson::from_doc(&d)).collect()
    }

    #[test]
    fn every_kind_plants_its_findings_and_noise_deterministically() {
        let people = people();
        let dir = std::env::temp_dir().join(format!("bangfu-dept-lists-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for kind in ListKind::ALL {
            let o = ListOptions { kind, seed: 5, rows: None, today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), clean: false };
            let path = dir.join(format!("{}.csv", kind.code()));
            let a = write_list(people.iter().cloned(), &o, ListFormat::Csv, &path).unwrap();
            let b = write_list(people.iter().cloned(), &o, ListFormat::Csv, &path).unwrap();
            assert_eq!(a, b, "{kind:?}");
            // (a 残疾人证号 is 20 characters, and students were born after 1999: no 15-digit forms)
            let fifteen_possible = !matches!(kind, ListKind::Disability | ListKind::StudentRoll);
            assert!(a.strangers >= 3 && a.repeated >= 1 && a.renamed >= 1 && (a.fifteen_digit >= 1 || !fifteen_possible), "{kind:?}: {a:?}");
            for f in kind.findings(kind.supports_complete()) {
                if f == FindingKind::DibaoRecordedNotOnList && kind == ListKind::Tekun {
                    continue; // few 特困 households: whether one is left off depends on the seed
                }
                assert!(a.planted.get(&f).copied().unwrap_or(0) > 0, "{kind:?}: nothing planted for {f:?}: {a:?}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_fixed_size_list_has_exactly_that_many_rows() {
        let people = people();
        let dir = std::env::temp_dir().join(format!("bangfu-dept-lists-n-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let o = ListOptions { kind: ListKind::MedicalExpense, seed: 1, rows: Some(5_000), today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), clean: false };
        let s = write_list(people.into_iter(), &o, ListFormat::CsvGbk, &dir.join("big.csv")).unwrap();
        assert_eq!(s.rows, 5_000);
        assert!(s.strangers > 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
