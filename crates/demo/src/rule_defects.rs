//! Planted rule defects: with `DemoOptions::rule_defects` > 0 the generator corrupts a deterministic
//! subset of households, each with exactly one defect that breaks one rule of the quality catalogue,
//! so every rule can be shown to fire on its defect (and the clean households to stay silent).
//!
//! Which households: evenly spaced at the rate (household `i` when `⌊(i+1)·rate⌋ > ⌊i·rate⌋`); which
//! rule: the planted rules in catalogue order, one after the other ([`defect_plan`]). A defect is one
//! small change of the generated household (a digit of an ID, a relation, an amount, a date). Where
//! the household at that place cannot carry the planned defect (no child for a school rule, not a
//! monitored household for a monitoring rule …), another household is drawn for that place until one
//! can. Each planted household is checked against the rules with their shipped settings: it raises
//! the planted rule (on the planted member) and nothing else but the documented [`co_firing`].
//!
//! Planted: every rule `evaluate` can raise on one household without measures, plus the two
//! cross-household rules the store checks — ID-06 (a member's ID number text is that of a member of
//! an earlier household; its `resident_id` stays its own) and PH-02 (the phone of the previous
//! household). Not planted: REC-01 and REC-02 (records the store cannot read or attach), and the rules
//! that need assistance measures (MEA-01–03, MON-02), which cannot fire without them.

use crate::county::DemoCounty;
use crate::generate::{DemoOptions, Generator};
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::quality::{CheckContext, Level, Lines, Requires, ResolvedRules, Rule, evaluate};
use bangfu_domain::registry::{HouseholdDoc, MemberRecord};
use bangfu_domain::value::{Secret, Value};
use chrono::{Datelike, Days, Months, NaiveDate};
use std::collections::VecDeque;
use std::sync::LazyLock;

/// A defect planted in one household: the rule it breaks and, where the finding is reported on a
/// member, that member (an index into `members`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlantedDefect {
    pub rule: Rule,
    pub member: Option<usize>,
}

/// Whether the defect option plants `rule`.
fn plantable(rule: Rule) -> bool {
    let def = rule.def();
    def.requires != Requires::Measures && !matches!(rule, Rule::OrphanMember | Rule::Unreadable)
}

static PLANTED: LazyLock<Vec<Rule>> = LazyLock::new(|| Rule::ALL.into_iter().filter(|r| plantable(*r)).collect());

/// The rules the defect option plants, in the order it cycles through them (catalogue order).
pub fn planted_rules() -> &'static [Rule] {
    &PLANTED
}

/// The rule planned for household `index` (from 0) at `rate`, or `None` for a household left clean.
/// Evenly spaced: at 0.1 households 9, 19, 29 … get the 1st, 2nd, 3rd … rule of [`planted_rules`],
/// so 10 × (number of planted rules) households at 0.1 carry each rule once.
pub fn defect_plan(rate: f64, index: usize) -> Option<Rule> {
    if rate.is_nan() || rate <= 0.0 {
        return None;
    }
    let rate = rate.min(1.0);
    let before = (index as f64 * rate).floor();
    let after = ((index + 1) as f64 * rate).floor();
    (after > before).then(|| PLANTED[before as usize % PLANTED.len()])
}

/// Other rules a planted defect raises as well, because the rules overlap by definition:
/// - HH-04 (relation empty) also raises REQ-02, whose shipped list of required member fields has the relation;
/// - AGE-05 (child of compulsory-school age out of school, no reason) also raises GUA-04 when the
///   household says compulsory education is secure.
pub fn co_firing(rule: Rule) -> &'static [Rule] {
    match rule {
        Rule::RelationMissing => &[Rule::MemberRequired],
        Rule::OutOfSchoolNoReason => &[Rule::DropoutButEducationSecure],
        _ => &[],
    }
}

/// Generates like [`crate::generate`] and says which households carry a planted defect.
/// Deterministic in `opts`; with `opts.rule_defects == 0.0` it yields the same households as
/// `generate`, each with `None`.
pub fn generate_with_defects(
    county: &DemoCounty,
    opts: &DemoOptions,
) -> impl Iterator<Item = (HouseholdDoc, Option<PlantedDefect>)> + use<> {
    Generator::new(county, opts)
}

/// How many other households are drawn for one place before the planned defect is given up (the
/// rarest preconditions, such as a household whose risk was eliminated and whose members all lack
/// labour capacity, occur in well under 1 % of households).
const ATTEMPTS: u64 = 4000;

/// A member of an earlier household, as ID-06 needs it.
struct Donor {
    id: String,
    sex: &'static str,
    birth: NaiveDate,
}

/// Plants defects and checks each planted household.
pub(crate) struct Planter {
    today: NaiveDate,
    rules: ResolvedRules,
    /// The phone of the latest clean household that has one (for PH-02).
    recent_phone: Option<String>,
    /// Members of the latest clean households (for ID-06).
    recent_people: VecDeque<Donor>,
}

impl Planter {
    pub fn new(today: NaiveDate) -> Planter {
        Planter { today, rules: ResolvedRules::defaults(Lines::national_defaults()), recent_phone: None, recent_people: VecDeque::new() }
    }

    /// Notes a household that went out clean: its phone and members serve the cross-household defects.
    pub fn remember(&mut self, doc: &HouseholdDoc) {
        if let Value::Secret(s) = doc.get(HF::Phone) {
            self.recent_phone = Some(s.reveal().to_string());
        }
        for m in &doc.members {
            if let (Some(id), Some(sex), Some(birth)) = (m.get(MF::IdNumber).as_text(), m.get(MF::Sex).as_code(), m.get(MF::BirthDate).as_date()) {
                if self.recent_people.len() == 256 {
                    self.recent_people.pop_front();
                }
                self.recent_people.push_back(Donor { id: id.to_string(), sex, birth });
            }
        }
    }

    /// `rule` planted in `doc`, or else in one of the alternatives `other(1)`, `other(2)` …; `None`
    /// when no household within the attempts can carry it.
    pub fn plant(
        &self,
        rule: Rule,
        doc: &HouseholdDoc,
        mut other: impl FnMut(u64) -> HouseholdDoc,
    ) -> Option<(HouseholdDoc, PlantedDefect)> {
        if let Some(found) = self.plant_in(rule, doc) {
            return Some(found);
        }
        (1..=ATTEMPTS).find_map(|attempt| self.plant_in(rule, &other(attempt)))
    }

    /// Tries each way of planting `rule` in `doc` (each member as the one changed) and keeps the
    /// first that raises exactly what it should.
    fn plant_in(&self, rule: Rule, doc: &HouseholdDoc) -> Option<(HouseholdDoc, PlantedDefect)> {
        (0..doc.members.len().max(1)).find_map(|m| {
            let (changed, member) = self.apply(rule, doc, m)?;
            let planted = PlantedDefect { rule, member };
            self.raises_exactly(&changed, planted).then_some((changed, planted))
        })
    }

    /// Whether `doc` raises the planted rule (on its member) and otherwise only its co-firing rules;
    /// a cross-household rule must leave the household itself without findings.
    fn raises_exactly(&self, doc: &HouseholdDoc, planted: PlantedDefect) -> bool {
        let ctx = CheckContext { today: self.today, rules: &self.rules, measures: None };
        let findings = evaluate(doc, &ctx);
        let registry = planted.rule.def().level == Level::Registry;
        let raised = registry || findings.iter().any(|f| f.rule == planted.rule && (planted.member.is_none() || f.member == planted.member));
        raised && findings.iter().all(|f| f.rule == planted.rule || co_firing(planted.rule).contains(&f.rule))
    }

    /// `doc` with `rule` planted through member `m` (household rules: `m == 0`), and the member the
    /// finding will name; `None` when this household or member cannot carry it.
    fn apply(&self, rule: Rule, doc: &HouseholdDoc, m: usize) -> Option<(HouseholdDoc, Option<usize>)> {
        let today = self.today;
        let ms = &doc.members;
        let member = ms.get(m);
        let first = m == 0;
        let mut d = doc.clone();
        // the member whose record changes and on whom the finding is reported
        let on_member = |d: &mut HouseholdDoc, f: &dyn Fn(&mut MemberRecord)| {
            f(&mut d.members[m]);
        };
        let found_on = match rule {
            // ── 证件号码 ──
            Rule::IdLength => {
                let id = member?.get(MF::IdNumber).as_text()?.to_string();
                on_member(&mut d, &|r| r.set(MF::IdNumber, Value::Text(id[..17].to_string())));
                Some(m)
            }
            Rule::IdCharacters => {
                // the letter O typed for a zero
                let id = member?.get(MF::IdNumber).as_text()?.to_string();
                let at = id[..17].find('0').unwrap_or(14);
                let typo = format!("{}O{}", &id[..at], &id[at + 1..]);
                on_member(&mut d, &|r| r.set(MF::IdNumber, Value::Text(typo.clone())));
                Some(m)
            }
            Rule::IdCheckDigit => {
                let id = member?.get(MF::IdNumber).as_text()?.to_string();
                const CHARS: &str = "0123456789X";
                let last = id[17..].chars().next()?;
                let next = CHARS.chars().cycle().skip_while(|c| *c != last).nth(1)?;
                on_member(&mut d, &|r| r.set(MF::IdNumber, Value::Text(format!("{}{next}", &id[..17]))));
                Some(m)
            }
            Rule::BirthDateVsId => {
                let b = member?.get(MF::BirthDate).as_date()?;
                let typo = if b.day() > 1 { b - Days::new(1) } else { b + Days::new(1) };
                on_member(&mut d, &|r| r.set(MF::BirthDate, Value::Date(typo)));
                Some(m)
            }
            Rule::SexVsId => {
                let other = if member?.get(MF::Sex).as_code()? == "male" { "female" } else { "male" };
                on_member(&mut d, &|r| r.set(MF::Sex, Value::Code(other)));
                Some(m)
            }
            Rule::DuplicateId => {
                // the same person recorded in an earlier household: their ID number (and so their birth date)
                let me = member?;
                let (sex, birth) = (me.get(MF::Sex).as_code()?, me.get(MF::BirthDate).as_date()?);
                let own = me.get(MF::IdNumber).as_text()?;
                let donor = self.recent_people.iter().rev().find(|p| p.sex == sex && p.id != own && (p.birth - birth).num_days().abs() <= 200)?;
                on_member(&mut d, &|r| {
                    r.set(MF::IdNumber, Value::Text(donor.id.clone()));
                    r.set(MF::BirthDate, Value::Date(donor.birth));
                });
                None
            }
            // ── 家庭构成 ──
            Rule::NoHead => {
                if !member?.is_head() {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::Relation, Value::Code("other")));
                None
            }
            Rule::SeveralHeads => {
                if member?.is_head() {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::Relation, Value::Code("head")));
                None
            }
            Rule::SameSexSpouse => {
                // a member of the head's sex recorded as the spouse, in a household without one
                let head = doc.head()?;
                let me = member?;
                if me.is_head() || ms.iter().any(|x| relation(x) == Some("spouse")) || me.get(MF::Sex) != head.get(MF::Sex) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::Relation, Value::Code("spouse")));
                Some(m)
            }
            Rule::RelationMissing => {
                if member?.is_head() {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::Relation, Value::Null));
                Some(m)
            }
            Rule::SeveralSpouses => {
                let spouse = ms.iter().find(|x| relation(x) == Some("spouse"))?;
                let me = member?;
                if me.is_head() || relation(me) == Some("spouse") || me.get(MF::Sex) != spouse.get(MF::Sex) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::Relation, Value::Code("spouse")));
                None
            }
            Rule::EmptyHousehold => {
                if !first {
                    return None;
                }
                d.members.clear();
                None
            }
            Rule::StatedSizeMismatch => {
                let n = doc.get(HF::StatedSize).as_int().filter(|_| first)?;
                d.set(HF::StatedSize, Value::Int(n + 1));
                None
            }
            Rule::ChildOlderThanHead => {
                // a parent recorded as a child of the head or the other way round
                let swapped = match relation(member?)? {
                    "son" => "father",
                    "daughter" => "mother",
                    "father" => "son",
                    "mother" => "daughter",
                    "daughter_in_law" | "son_in_law" => "parent_in_law",
                    "grandson" | "granddaughter" => "grandparent",
                    _ => return None,
                };
                on_member(&mut d, &|r| r.set(MF::Relation, Value::Code(swapped)));
                Some(m)
            }
            Rule::YoungHead => {
                // a child under 16 recorded as the head, the head as its parent
                let me = member?;
                if !matches!(relation(me), Some("son" | "daughter")) || age(me, today)? >= 16 {
                    return None;
                }
                let h = ms.iter().position(MemberRecord::is_head)?;
                let parent = if ms[h].get(MF::Sex).as_code() == Some("male") { "father" } else { "mother" };
                d.members[h].set(MF::Relation, Value::Code(parent));
                d.members[m].set(MF::Relation, Value::Code("head"));
                None
            }
            // ── 年龄与属性 ──
            Rule::PreschoolTooOld => {
                let me = member?;
                if !healthy(me) || school_age(me, today)? < 7 {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::Education, Value::Code("none_preschool")));
                Some(m)
            }
            Rule::HigherEducationTooYoung => {
                if !(12..18).contains(&age(member?, today)?) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::Education, Value::Code("college")));
                Some(m)
            }
            Rule::LabourTooYoung => {
                if !(12..16).contains(&age(member?, today)?) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::LabourSkill, Value::Code("weak")));
                Some(m)
            }
            Rule::WorkingAgeWithoutLabour => {
                let me = member?;
                if !healthy(me) || !(16..=60).contains(&age(me, today)?) || in_school(me) || !can_work(me) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::LabourSkill, Value::Code("weak")));
                Some(m)
            }
            Rule::OutOfSchoolNoReason => {
                let me = member?;
                if !(6..=15).contains(&school_age(me, today)?) || !in_school(me) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::SchoolStatus, Value::Code("not_student")));
                Some(m)
            }
            Rule::WelfarePostAge => {
                let me = member?;
                let a = age(me, today)?;
                if !(a >= 70 || (10..16).contains(&a)) || !me.get(MF::WelfarePost).is_null() {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::WelfarePost, Value::Text("护林员".into())));
                Some(m)
            }
            Rule::TekunWorkingAge => {
                // in a 低保 household, so the household's attribute stays consistent (RSK-09)
                let me = member?;
                if doc.get(HF::PovertyAttribute).as_code() != Some("dibao")
                    || !healthy(me)
                    || !(18..=60).contains(&age(me, today)?)
                    || in_school(me)
                {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::Tekun, Value::Text("是".into())));
                Some(m)
            }
            Rule::StudentMigrant => {
                if !in_school(member?) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::PlansMigrantWork, Value::Bool(true)));
                Some(m)
            }
            Rule::ChildMigrant => {
                let me = member?;
                if age(me, today)? >= 16 || in_school(me) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::MigrantStatus, Value::Text("县内务工".into())));
                Some(m)
            }
            Rule::GradeVsAge => {
                let status = member?.get(MF::SchoolStatus).as_code()?;
                let wrong = match status {
                    s if s == "preschool" || s.starts_with("primary_") || s.starts_with("junior_") => "senior_3",
                    s if s.starts_with("senior_") || s.starts_with("vocational_") || s.starts_with("higher_vocational_") || s == "college" => "primary_1",
                    _ => return None,
                };
                on_member(&mut d, &|r| r.set(MF::SchoolStatus, Value::Code(wrong)));
                Some(m)
            }
            Rule::ImplausibleAge => {
                // the oldest member is recorded as born 106 years ago, with an ID number that says so
                let me = member?;
                let oldest = ms.iter().filter_map(|x| x.get(MF::BirthDate).as_date()).min()?;
                let b = me.get(MF::BirthDate).as_date()?;
                if b != oldest || !me.get(MF::WelfarePost).is_null() {
                    return None;
                }
                let born = NaiveDate::from_ymd_opt(today.year() - 106, b.month(), b.day().min(28))?;
                let id = me.get(MF::IdNumber).as_text()?;
                let mut body = format!("{}{}{}", &id[..6], born.format("%Y%m%d"), &id[14..17]).into_bytes();
                body.push(bangfu_domain::resident_id::check_char(&body));
                let id = String::from_utf8(body).ok()?;
                on_member(&mut d, &|r| {
                    r.set(MF::BirthDate, Value::Date(born));
                    r.set(MF::IdNumber, Value::Text(id.clone()));
                });
                Some(m)
            }
            // ── 必填项 ──
            Rule::HouseholdRequired => {
                if !first {
                    return None;
                }
                d.set(HF::HasElectricity, Value::Null);
                None
            }
            Rule::MemberRequired => {
                if age(member?, today)? < 16 {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::SeriousIllnessInsurance, Value::Null));
                Some(m)
            }
            Rule::ReasonWithoutNeed => {
                if !in_school(member?) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::NotInSchoolReason, Value::Code("other")));
                Some(m)
            }
            // ── 取值范围 ──
            Rule::LandRange => {
                (first).then_some(())?;
                d.set(HF::Grassland, Value::Int(15_000));
                None
            }
            Rule::ForestRange => {
                (first).then_some(())?;
                d.set(HF::ForestLand, Value::Int(25_000));
                None
            }
            Rule::RoadDistanceRange => {
                (first).then_some(())?;
                d.set(HF::DistanceToRoad, Value::Int(850));
                None
            }
            Rule::MigrantIncomeRange => {
                // 50 元 a month: the amount typed in hundreds
                member?.get(MF::MigrantMonthlyIncome).as_int()?;
                on_member(&mut d, &|r| r.set(MF::MigrantMonthlyIncome, Value::Int(5_000)));
                Some(m)
            }
            Rule::HousingAreaRange => {
                // the decimal point two places off: 85.40 m² as 0.85
                let a = doc.get(HF::HousingArea).as_int().filter(|_| first)?;
                d.set(HF::HousingArea, Value::Int(a / 100));
                None
            }
            Rule::MonthsRange => {
                let me = member?;
                let field = if me.get(MF::WelfarePostMonths).as_int().is_some() { MF::WelfarePostMonths } else { MF::MigrantMonths };
                me.get(field).as_int()?;
                on_member(&mut d, &|r| r.set(field, Value::Int(13)));
                Some(m)
            }
            Rule::IrrigatedOverCultivated => {
                let c = doc.get(HF::CultivatedLand).as_int().filter(|_| first)?;
                d.set(HF::IrrigatedLand, Value::Int(c + 100));
                None
            }
            // ── 联系电话 ──
            Rule::PhoneFormat => {
                (first).then_some(())?;
                let bad = match doc.get(HF::Phone) {
                    Value::Secret(s) => s.reveal()[..s.reveal().len() - 1].to_string(),
                    _ => "1380735".to_string(),
                };
                d.set(HF::Phone, Value::Secret(Secret::new(bad)));
                None
            }
            Rule::SharedPhone => {
                let phone = self.recent_phone.clone().filter(|_| first)?;
                if matches!(doc.get(HF::Phone), Value::Secret(s) if s.reveal() == phone) {
                    return None;
                }
                d.set(HF::Phone, Value::Secret(Secret::new(phone)));
                None
            }
            // ── 收入 ──
            Rule::IncomeComponents => {
                (first).then_some(())?;
                add(&mut d, 0, 50_000)?;
                None
            }
            Rule::PerCapitaIncome => {
                (first).then_some(())?;
                add(&mut d, 6, 50_000)?;
                None
            }
            Rule::ExitedBelowLine => {
                (first && doc.household_type() == Some("exited")).then_some(())?;
                scale_income(&mut d, 300_000)?;
                None
            }
            Rule::ExitedBelowMonitoringLine => {
                (first && doc.household_type() == Some("exited")).then_some(())?;
                scale_income(&mut d, 500_000)?;
                None
            }
            Rule::ClearedBelowMonitoringLine => {
                (first && doc.household_type() == Some("monitored") && eliminated(doc)).then_some(())?;
                scale_income(&mut d, 500_000)?;
                None
            }
            Rule::IncomeMissing => {
                (first).then_some(())?;
                d.incomes.last_mut()?.year -= 1;
                None
            }
            Rule::ImplausibleIncome => {
                // amounts entered a hundredfold
                (first).then_some(())?;
                for a in d.incomes.last_mut()?.amounts.iter_mut().flatten() {
                    *a *= 100;
                }
                None
            }
            Rule::MigrantWithoutWage => {
                // wages booked as business income
                (first && ms.iter().any(|x| x.get(MF::MigrantMonthlyIncome).as_int().is_some())).then_some(())?;
                let wage = amount(doc, 0)?;
                add(&mut d, 0, -wage)?;
                add(&mut d, 1, wage)?;
                None
            }
            Rule::DibaoWithoutTransfer => {
                // 低保金 booked as property income
                (first && ms.iter().any(|x| yes(x, MF::Dibao) || yes(x, MF::Tekun))).then_some(())?;
                let transfer = amount(doc, 3).filter(|t| *t > 0)?;
                add(&mut d, 3, -transfer)?;
                add(&mut d, 2, transfer)?;
                None
            }
            // ── 风险与成员 ──
            Rule::IllnessWithoutPatient => {
                (first && !ms.iter().any(|x| matches!(x.get(MF::Health).as_code(), Some("chronic" | "serious_illness")))).then_some(())?;
                add_cause(&mut d, "illness")?;
                None
            }
            Rule::DisabilityWithoutDisabled => {
                (first && !ms.iter().any(|x| x.get(MF::Health).as_code() == Some("disabled") || !x.get(MF::DisabilityGrade).is_null())).then_some(())?;
                add_cause(&mut d, "disability")?;
                None
            }
            Rule::SchoolingWithoutStudent => {
                (first && !ms.iter().any(in_school)).then_some(())?;
                add_cause(&mut d, "schooling")?;
                None
            }
            Rule::LackLabourButAble => {
                (first && 2 * ms.iter().filter(|x| can_work(x)).count() > ms.len()).then_some(())?;
                add_cause(&mut d, "lack_labour")?;
                None
            }
            Rule::RepeatedCause => {
                let c = doc.get(HF::Cause1).as_code().filter(|_| first)?;
                add_cause(&mut d, c)?;
                None
            }
            Rule::ClearedWithoutLabour => {
                (first && doc.household_type() == Some("monitored")).then_some(())?;
                if eliminated(doc) {
                    // the members' labour capacity recorded as lost after the risk was cleared
                    for r in &mut d.members {
                        if matches!(r.get(MF::LabourSkill).as_code(), Some("ordinary" | "skilled" | "weak")) {
                            r.set(MF::LabourSkill, Value::Code("lost"));
                        }
                    }
                } else {
                    // a household without labour marked as cleared
                    if ms.iter().any(|x| matches!(x.get(MF::LabourSkill).as_code(), Some("ordinary" | "skilled" | "weak"))) {
                        return None;
                    }
                    let on = doc.get(HF::MonitoringIdentifiedOn).as_date()? + Days::new(200);
                    (on <= today).then_some(())?;
                    d.set(HF::RiskEliminated, Value::Bool(true));
                    d.set(HF::RiskEliminatedOn, Value::Date(on));
                    d.set(HF::RiskEliminationMethod, Value::Code("assisted"));
                }
                None
            }
            Rule::HousingRiskButSafe => {
                (first && doc.household_type() != Some("exited") && !eliminated(doc)).then_some(())?;
                add_cause(&mut d, "unsafe_housing")?;
                None
            }
            Rule::WaterRiskButSafe => {
                (first && doc.household_type() != Some("exited") && !eliminated(doc)).then_some(())?;
                add_cause(&mut d, "unsafe_water")?;
                None
            }
            Rule::AttributeVsDibao => {
                (first && doc.get(HF::PovertyAttribute).as_code() == Some("general")).then_some(())?;
                d.set(HF::PovertyAttribute, Value::Code("dibao"));
                None
            }
            // ── 两不愁三保障 ──
            Rule::DangerousButSecure => {
                // the house assessed C (dangerous) while housing is still marked secure
                (first && doc.get(HF::HousingSecure).as_bool() == Some(true)).then_some(())?;
                d.set(HF::HousingGrade, Value::Code("C"));
                d.set(HF::DangerousHouse, Value::Bool(true));
                None
            }
            Rule::GradeVsDangerous => {
                first.then_some(())?;
                if doc.get(HF::HousingSecure).as_bool() == Some(false) {
                    // the grade typed in the other class
                    let g = if matches!(doc.get(HF::HousingGrade).as_code()?, "C" | "D") { "B" } else { "C" };
                    d.set(HF::HousingGrade, Value::Code(g));
                } else {
                    // a house of grade A or B recorded as dangerous (and so not secure), where that is allowed
                    (doc.household_type() != Some("exited") && !eliminated(doc)).then_some(())?;
                    d.set(HF::DangerousHouse, Value::Bool(true));
                    d.set(HF::HousingSecure, Value::Bool(false));
                }
                None
            }
            Rule::ExitedWithUnmetGuarantee => {
                (first && doc.household_type() == Some("exited")).then_some(())?;
                d.set(HF::FoodClothingSecure, Value::Bool(false));
                None
            }
            Rule::DropoutButEducationSecure => {
                // a child who left school because of illness, the household still says education is secure
                let me = member?;
                if doc.get(HF::EducationSecure).as_bool() != Some(true) || !(6..=15).contains(&school_age(me, today)?) || !in_school(me) {
                    return None;
                }
                on_member(&mut d, &|r| {
                    r.set(MF::SchoolStatus, Value::Code("not_student"));
                    r.set(MF::NotInSchoolReason, Value::Code("illness"));
                });
                None
            }
            Rule::UninsuredButMedicalSecure => {
                let me = member?;
                if doc.get(HF::MedicalSecure).as_bool() != Some(true) || me.get(MF::ResidentMedicalInsurance).as_bool() != Some(true) {
                    return None;
                }
                on_member(&mut d, &|r| r.set(MF::ResidentMedicalInsurance, Value::Bool(false)));
                None
            }
            // ── 监测时限 ──
            Rule::ClearedTooSoon => {
                let i = doc.get(HF::MonitoringIdentifiedOn).as_date().filter(|_| first && eliminated(doc))?;
                d.set(HF::RiskEliminatedOn, Value::Date(i + Days::new(90)));
                None
            }
            Rule::EliminatedBeforeIdentified => {
                let i = doc.get(HF::MonitoringIdentifiedOn).as_date().filter(|_| first && eliminated(doc))?;
                d.set(HF::RiskEliminatedOn, Value::Date(i - Days::new(30)));
                None
            }
            Rule::LongMonitoredAble => {
                // identified 14 months ago instead of within the year
                (first && doc.household_type() == Some("monitored") && !eliminated(doc)).then_some(())?;
                doc.get(HF::MonitoringIdentifiedOn).as_date()?;
                d.set(HF::MonitoringIdentifiedOn, Value::Date(today.checked_sub_months(Months::new(14))?));
                None
            }
            Rule::NotMonitoredButDated => {
                (first && doc.household_type() != Some("monitored") && doc.get(HF::MonitoringIdentifiedOn).is_null()).then_some(())?;
                d.set(HF::MonitoringIdentifiedOn, Value::Date(today - Days::new(200)));
                None
            }
            _ => return None,
        };
        Some((d, found_on))
    }
}

fn relation(m: &MemberRecord) -> Option<&'static str> {
    m.get(MF::Relation).as_code()
}

fn healthy(m: &MemberRecord) -> bool {
    m.get(MF::Health).as_code() == Some("healthy")
}

/// In school at any stage, 学前教育 included (as the rules count it).
fn in_school(m: &MemberRecord) -> bool {
    matches!(m.get(MF::SchoolStatus).as_code(), Some(c) if c != "not_student" && c != "preschool_age")
}

fn can_work(m: &MemberRecord) -> bool {
    matches!(m.get(MF::LabourSkill).as_code(), Some("ordinary" | "skilled"))
}

fn yes(m: &MemberRecord, f: MF) -> bool {
    matches!(m.get(f).as_text(), Some(t) if !t.is_empty() && t != "否")
}

fn eliminated(doc: &HouseholdDoc) -> bool {
    doc.get(HF::RiskEliminated).as_bool() == Some(true)
}

fn years(birth: NaiveDate, on: NaiveDate) -> i64 {
    i64::from(on.year() - birth.year()) - i64::from((on.month(), on.day()) < (birth.month(), birth.day()))
}

fn age(m: &MemberRecord, today: NaiveDate) -> Option<i64> {
    Some(years(m.get(MF::BirthDate).as_date()?, today))
}

/// Age on the last 1 September (the school year's age).
fn school_age(m: &MemberRecord, today: NaiveDate) -> Option<i64> {
    let y = if today.month() >= 9 { today.year() } else { today.year() - 1 };
    Some(years(m.get(MF::BirthDate).as_date()?, NaiveDate::from_ymd_opt(y, 9, 1)?))
}

/// The latest income's amount number `i` (in the order of `INCOME_FIELDS`).
fn amount(doc: &HouseholdDoc, i: usize) -> Option<i64> {
    doc.incomes.last()?.amounts[i]
}

fn add(doc: &mut HouseholdDoc, i: usize, fen: i64) -> Option<()> {
    let a = doc.incomes.last_mut()?.amounts[i].as_mut()?;
    *a += fen;
    Some(())
}

/// The latest income scaled so the per-capita income is about `per_capita` fen, its parts still adding up.
fn scale_income(doc: &mut HouseholdDoc, per_capita: i64) -> Option<()> {
    let n = doc.members.len() as i64;
    let inc = doc.incomes.last_mut()?;
    let pc = inc.amounts[6].filter(|p| *p > 0)?;
    for i in 0..5 {
        let a = inc.amounts[i].as_mut()?;
        *a = *a * per_capita / pc;
    }
    let [w, b, p, t, e, ..] = inc.amounts.map(Option::unwrap_or_default);
    let net = w + b + p + t - e;
    inc.amounts[5] = Some(net);
    inc.amounts[6] = Some((2 * net + n).div_euclid(2 * n.max(1)));
    Some(())
}

/// Writes `cause` into the first empty cause column.
fn add_cause(doc: &mut HouseholdDoc, cause: &'static str) -> Option<()> {
    let f = [HF::Cause2, HF::Cause3, HF::Cause4, HF::Cause5].into_iter().find(|f| doc.get(*f).is_null())?;
    doc.set(f, Value::Code(cause));
    Some(())
}
