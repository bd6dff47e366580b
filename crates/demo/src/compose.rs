//! Who lives in a household: relations, sexes, ages and IDs of its members.

use crate::dice::Dice;
use crate::generate::State;
use crate::tables::{HIGHER_VOCATIONAL, JUNIOR, OTHER_COUNTIES, PRIMARY, SENIOR, VOCATIONAL};
use bangfu_domain::{ResidentId, Sex};
use chrono::{Datelike, NaiveDate};

/// A member being generated: who they are, then health, labour and work as they are decided.
pub(crate) struct Person {
    pub relation: &'static str,
    pub sex: Sex,
    pub id: ResidentId,
    pub birth: NaiveDate,
    /// Completed years on `today`.
    pub age: i32,
    pub surname: u16,
    pub school: &'static str,
    pub health: &'static str,
    /// Disability grade 1–4, 0 when not disabled.
    pub grade: u8,
    pub category: &'static str,
    pub labour: &'static str,
    pub migrant: bool,
}

impl Person {
    pub fn is_student(&self) -> bool {
        !matches!(self.school, "not_student" | "preschool_age" | "preschool")
    }
    pub fn is_sick(&self) -> bool {
        matches!(self.health, "chronic" | "serious_illness")
    }
}

fn sex(male: bool) -> Sex {
    if male { Sex::Male } else { Sex::Female }
}

/// Completed years between `birth` and `today`.
pub(crate) fn age_at(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0)
}

/// The age in completed years on the last 1 September on or before `today`: the age the school
/// year goes by (compulsory education covers school-year ages 6–15).
pub(crate) fn school_year_age(birth: NaiveDate, today: NaiveDate) -> i32 {
    let y = if today.month() >= 9 { today.year() } else { today.year() - 1 };
    NaiveDate::from_ymd_opt(y, 9, 1).map_or(0, |start| age_at(birth, start))
}

/// School status by age: grades follow age, 15–17 may have left school once past compulsory
/// education (school-year age 16 or more), some 18–22 study on.
pub(crate) fn school_status(dice: &mut Dice, age: i32, school_age: i32) -> &'static str {
    match age {
        ..=2 => "preschool_age",
        3..=5 => "preschool",
        6..=11 => PRIMARY[(age - 6) as usize],
        12..=14 => JUNIOR[(age - 12) as usize],
        15..=17 => match dice.below(100) {
            0..58 => SENIOR[(age - 15) as usize],
            58..85 => VOCATIONAL[(age - 15) as usize],
            _ if school_age >= 16 => "not_student",
            _ => SENIOR[(age - 15) as usize],
        },
        18..=20 if dice.pct(30) => {
            if dice.pct(45) {
                HIGHER_VOCATIONAL[(age - 18) as usize]
            } else {
                "college"
            }
        }
        21..=22 if dice.pct(15) => "college",
        _ => "not_student",
    }
}

impl State {
    /// Adds a member wanting `age`; `elsewhere` is the percent chance of an ID from another county.
    fn add(&mut self, relation: &'static str, male: bool, age: i32, surname: u16, elsewhere: u32) -> i32 {
        let age = age.clamp(0, 98);
        let wanted = self.today_ce - age * 365 - age / 4 - self.dice.below(365) as i32;
        let region = if self.dice.pct(elsewhere) { *self.dice.pick(&OTHER_COUNTIES) } else { self.county_prefix };
        let (id, birth) = self.ids.issue(&region, wanted, sex(male));
        let age = age_at(birth, self.today);
        let married = matches!(relation, "spouse" | "daughter_in_law" | "son_in_law");
        let school =
            if married { "not_student" } else { school_status(&mut self.dice, age, school_year_age(birth, self.today)) };
        self.people.push(Person {
            relation,
            sex: sex(male),
            id,
            birth,
            age,
            surname,
            school,
            health: "healthy",
            grade: 0,
            category: "",
            labour: "none",
            migrant: false,
        });
        age
    }

    fn surname(&mut self) -> u16 {
        self.names.surname(&mut self.dice)
    }

    /// Fills `self.people` with a household of `size` members (the head first).
    pub fn compose(&mut self, size: usize, attribute: &str) {
        self.people.clear();
        match size {
            0 | 1 => {
                let elderly = self.dice.pct(match attribute {
                    "tekun" => 90,
                    "dibao" => 70,
                    _ => 50,
                });
                let age = if elderly { self.dice.range(60, 92) } else { self.dice.range(32, 59) };
                let (male, sn) = (self.dice.pct(62), self.surname());
                self.add("head", male, age, sn, 5);
            }
            2 => self.pair(),
            _ => self.family(size),
        }
    }

    /// Two people: an elderly couple, a parent with a child, or a head with an elderly parent.
    fn pair(&mut self) {
        let roll = self.dice.below(100);
        let sn = self.surname();
        if roll < 50 {
            let (a, male) = (self.dice.range(58, 88), self.dice.pct(90));
            self.add("head", male, a, sn, 5);
            let gap = self.dice.range(-2, 6);
            let spouse_sn = self.surname();
            self.add("spouse", !male, if male { a - gap } else { a + gap }, spouse_sn, 30);
        } else if roll < 80 {
            let (a, male) = (self.dice.range(42, 80), self.dice.pct(45));
            self.add("head", male, a, sn, 5);
            let child_male = self.dice.pct(62);
            let child_sn = if male { sn } else { self.surname() };
            let gap = self.dice.range(21, 35);
            self.add(if child_male { "son" } else { "daughter" }, child_male, a - gap, child_sn, 3);
        } else {
            let (a, male) = (self.dice.range(25, 55), self.dice.pct(75));
            self.add("head", male, a, sn, 5);
            let mother = self.dice.pct(70);
            let parent_sn = if mother { self.surname() } else { sn };
            let pa = (a + self.dice.range(22, 33)).min(96);
            self.add(if mother { "mother" } else { "father" }, !mother, pa, parent_sn, 5);
        }
    }

    /// Three or more: a couple with children, sometimes with the head's parents, or three
    /// generations (a married son with his wife and children).
    fn family(&mut self, size: usize) {
        let bucket = self.dice.weighted(&[((28, 39), 25), ((40, 54), 35), ((55, 70), 30), ((71, 80), 10)]);
        let a = self.dice.range(bucket.0, bucket.1);
        let spouse = self.dice.pct(90);
        let male = self.dice.pct(if spouse { 92 } else { 55 });
        let sn = self.surname();
        self.add("head", male, a, sn, 6);
        let mut family_sn = sn;
        if spouse {
            let spouse_sn = self.surname();
            let gap = self.dice.range(-2, 6);
            self.add("spouse", !male, if male { a - gap } else { a + gap }, spouse_sn, 30);
            if !male {
                family_sn = spouse_sn;
            }
        }
        let mut r = size - self.people.len();
        if a >= 48 && r >= 2 && self.dice.pct(if size >= 4 { 70 } else { 40 }) {
            let son = a - self.dice.range(21, 30);
            if son >= 24 {
                self.add("son", true, son, family_sn, 2);
                let (gap, dil_sn) = (self.dice.range(-5, 2), self.surname());
                self.add("daughter_in_law", false, (son + gap).max(21), dil_sn, 40);
                let mut g = son - self.dice.range(22, son.min(32));
                for _ in 2..r {
                    let m = self.dice.pct(52);
                    self.add(if m { "grandson" } else { "granddaughter" }, m, g, family_sn, 2);
                    g = (g - self.dice.range(1, 4)).max(0);
                }
                return;
            }
        }
        if a <= 55 && r >= 2 && self.dice.pct(30) {
            let mother = self.dice.pct(70);
            let pa = (a + self.dice.range(22, 33)).min(96);
            let parent_sn = if mother { self.surname() } else { sn };
            self.add(if mother { "mother" } else { "father" }, !mother, pa, parent_sn, 5);
            r -= 1;
            if r >= 2 && self.dice.pct(35) {
                let other_sn = if mother { sn } else { self.surname() };
                let other_age = (pa + self.dice.range(-3, 3)).min(96);
                self.add(if mother { "father" } else { "mother" }, mother, other_age, other_sn, 5);
                r -= 1;
            }
        }
        let mut c = a - self.dice.range(21, a.clamp(21, 35));
        for _ in 0..r {
            let m = self.dice.pct(52);
            self.add(if m { "son" } else { "daughter" }, m, c, family_sn, 2);
            c = (c - self.dice.range(1, 5)).max(a - 35).max(0);
        }
    }
}
