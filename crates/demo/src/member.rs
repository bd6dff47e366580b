//! A member's record: identity, education, health, work, insurance and benefits as catalog values.

use crate::compose::Person;
use crate::dice::Dice;
use crate::generate::State;
use crate::tables::{CHANNELS, EMPLOYERS, ETHNICITIES, PLACES, WELFARE_POSTS};
use bangfu_domain::fields::{MEMBER_FIELD_COUNT, MemberField as MF};
use bangfu_domain::registry::MemberRecord;
use bangfu_domain::{Sex, Value};
use chrono::Datelike;

/// Household facts every member record depends on.
pub(crate) struct HouseholdFacts {
    pub dibao: bool,
    pub tekun: bool,
    pub ethnicity: &'static str,
}

/// Yearly amounts (元) gathered from members for the household's income.
#[derive(Default)]
pub(crate) struct Money {
    pub wage: i64,
    pub transfer: i64,
    /// Migrant earnings (months × monthly income), part of `wage`.
    pub migrant: i64,
}

const GRADES: [&str; 4] = ["1", "2", "3", "4"];

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// Attainment by school status, or for those out of school by age cohort.
fn education(d: &mut Dice, p: &Person) -> &'static str {
    let s = p.school;
    if s.starts_with("preschool") {
        return "none_preschool";
    }
    if s.starts_with("primary") {
        return "primary";
    }
    if s.starts_with("junior") {
        return "junior";
    }
    if s.starts_with("senior") {
        return "senior";
    }
    if s.starts_with("vocational") {
        return "secondary_vocational";
    }
    if s.starts_with("higher_vocational") {
        return "college";
    }
    if s == "college" {
        return if d.pct(60) { "bachelor" } else { "college" };
    }
    if p.category == "intellectual" && p.grade <= 2 {
        return "illiterate";
    }
    match p.age {
        ..=5 => "none_preschool",
        6..=17 => "junior",
        18..=29 => d.weighted(&[
            ("junior", 42),
            ("senior", 20),
            ("secondary_vocational", 18),
            ("college", 13),
            ("bachelor", 5),
            ("technician", 2),
        ]),
        30..=49 => d.weighted(&[
            ("primary", 20),
            ("junior", 58),
            ("senior", 12),
            ("secondary_vocational", 6),
            ("college", 3),
            ("bachelor", 1),
        ]),
        50..=69 => d.weighted(&[("illiterate", 10), ("primary", 45), ("junior", 38), ("senior", 7)]),
        _ => d.weighted(&[("illiterate", 35), ("primary", 50), ("junior", 13), ("senior", 2)]),
    }
}

fn political(d: &mut Dice, age: i32, student: bool) -> &'static str {
    if (14..=28).contains(&age) && d.pct(if student { 40 } else { 12 }) {
        "共青团员"
    } else if age >= 25 && d.pct(4) {
        "中共党员"
    } else {
        "群众"
    }
}

/// Yearly student aid (元) by school stage.
fn student_aid(d: &mut Dice, school: &str) -> i64 {
    let (lo, hi) = match school.as_bytes().first() {
        Some(b'p') if school.starts_with("preschool") => (1000, 1500),
        Some(b'p') => (500, 1000),
        Some(b'j') => (625, 1250),
        Some(b's' | b'v') => (2000, 4600),
        Some(b'h' | b'c') => (3300, 7000),
        _ => (0, 0),
    };
    i64::from(d.range(lo, hi))
}

impl State {
    /// The member record of `p`, adding their wages and transfers to `money`.
    pub fn member(&mut self, p: &Person, hh: &HouseholdFacts, money: &mut Money) -> MemberRecord {
        let mut v: Vec<Value> = (0..MEMBER_FIELD_COUNT).map(|_| Value::Null).collect();
        let male = p.sex == Sex::Male;
        let d = &mut self.dice;
        v[MF::Name as usize] = Value::Text(self.names.full(d, p.surname, male, p.birth.year()));
        v[MF::IdType as usize] = Value::Code("resident_id");
        v[MF::IdNumber as usize] = text(p.id.as_str());
        v[MF::Sex as usize] = Value::Code(if male { "male" } else { "female" });
        v[MF::BirthDate as usize] = Value::Date(p.birth);
        v[MF::Relation as usize] = Value::Code(p.relation);
        let married_in = matches!(p.relation, "spouse" | "daughter_in_law");
        let ethnicity = if married_in && d.pct(10) { d.weighted(&ETHNICITIES) } else { hh.ethnicity };
        v[MF::Ethnicity as usize] = text(ethnicity);
        let student = p.is_student();
        v[MF::PoliticalStatus as usize] = text(political(d, p.age, student));
        v[MF::Education as usize] = Value::Code(education(d, p));
        v[MF::SchoolStatus as usize] = Value::Code(p.school);
        v[MF::Health as usize] = Value::Code(p.health);
        if p.grade > 0 {
            v[MF::DisabilityGrade as usize] = Value::Code(GRADES[usize::from(p.grade - 1)]);
            v[MF::DisabilityCategory as usize] = Value::Code(p.category);
        }
        v[MF::LabourSkill as usize] = Value::Code(p.labour);
        let working_age = (16..=64).contains(&p.age) && !student && p.labour != "none" && p.labour != "lost";
        let mut employee = false;
        if p.migrant {
            let (place, county, _) = d.weighted_by(&PLACES, |p| p.2);
            let status = match county {
                None => "县内务工",
                Some(_) if place.starts_with("湖南") => "省内县外务工",
                Some(_) => "省外务工",
            };
            let months = d.range(3, 12);
            let monthly = d.range(250, 650) * 10;
            employee = status == "省外务工" && d.pct(8);
            v[MF::MigrantStatus as usize] = text(status);
            v[MF::MigrantPlace as usize] = text(place);
            v[MF::MigrantCounty as usize] = text(county.unwrap_or(&self.county_name));
            v[MF::MigrantMonths as usize] = Value::Int(i64::from(months));
            v[MF::MigrantMonthlyIncome as usize] = Value::Int(i64::from(monthly) * 100);
            if d.pct(50) {
                v[MF::Employer as usize] = text(d.pick(&EMPLOYERS));
            }
            v[MF::EmploymentChannel as usize] = text(d.weighted(&CHANNELS));
            v[MF::PlansMigrantWork as usize] = Value::Bool(true);
            money.wage += i64::from(months * monthly);
            money.migrant += i64::from(months * monthly);
        } else if working_age {
            v[MF::PlansMigrantWork as usize] = Value::Bool(p.age < 50 && d.pct(15));
            money.wage += i64::from(match p.labour {
                "ordinary" | "skilled" if d.pct(65) => d.range(6000, 20000),
                "weak" if d.pct(30) => d.range(1500, 6000),
                _ => 0,
            });
            if p.age >= 35 && d.pct(7) {
                let months = if d.pct(85) { 12 } else { d.range(6, 11) };
                v[MF::WelfarePost as usize] = text(d.pick(&WELFARE_POSTS));
                v[MF::WelfarePostMonths as usize] = Value::Int(i64::from(months));
                money.wage += i64::from(months * d.range(50, 80) * 10);
            }
        }
        let resident = !employee;
        v[MF::ResidentMedicalInsurance as usize] = Value::Bool(resident);
        v[MF::EmployeeMedicalInsurance as usize] = Value::Bool(employee);
        v[MF::SeriousIllnessInsurance as usize] = Value::Bool(resident && d.permille(990));
        let sick = p.is_sick() || p.grade > 0;
        v[MF::MedicalAssistance as usize] = Value::Bool(sick && (hh.dibao || hh.tekun || d.pct(35)));
        if p.age >= 16 && !student {
            v[MF::ResidentPension as usize] = Value::Bool(d.pct(94));
        }
        v[MF::Dibao as usize] = text(if hh.dibao { "是" } else { "否" });
        v[MF::Tekun as usize] = text(if hh.tekun { "是" } else { "否" });
        if p.age >= 60 {
            money.transfer += i64::from(d.range(1300, 1900));
        }
        if p.grade > 0 && p.grade <= 2 {
            money.transfer += i64::from(d.range(900, 1300));
        }
        if student {
            money.transfer += student_aid(d, p.school);
        }
        MemberRecord { values: v, resident_id: p.id.clone() }
    }
}
