//! Health, disability, labour and migrant work of members, and a main cause that agrees with them.

use crate::generate::State;
use crate::tables::{CAUSES, DISABILITY_CATEGORIES, DISABILITY_GRADES, RISKS};

impl State {
    /// Draws each member's health by age (chronic, serious illness, disability rise with age).
    /// In 特困 households nobody of working age (16–60, out of school) is healthy: 特困供养 means
    /// no capacity to work, so such members are severely disabled or seriously ill.
    pub fn draw_health(&mut self, tekun: bool) {
        for i in 0..self.people.len() {
            let (chronic, serious, disabled) = match self.people[i].age {
                ..=17 => (10, 4, 12),
                18..=59 => (55, 12, 26),
                _ => (140, 24, 46),
            };
            let r = self.dice.below(1000);
            if r < chronic {
                self.people[i].health = "chronic";
            } else if r < chronic + serious {
                self.people[i].health = "serious_illness";
            } else if r < chronic + serious + disabled {
                self.disable(i);
            }
            let p = &self.people[i];
            if tekun && p.health == "healthy" && (16..=60).contains(&p.age) && !p.is_student() {
                if self.dice.pct(60) {
                    self.disable(i);
                    self.people[i].grade = if self.dice.pct(40) { 1 } else { 2 };
                } else {
                    self.people[i].health = "serious_illness";
                }
            }
        }
    }

    fn disable(&mut self, i: usize) {
        let grade = self.dice.weighted(&DISABILITY_GRADES);
        let category = self.dice.weighted(&DISABILITY_CATEGORIES);
        let p = &mut self.people[i];
        p.health = "disabled";
        p.grade = grade;
        p.category = category;
    }

    /// A healthy member, preferring adults (the oldest one half of the time).
    fn healthy_member(&mut self, min_age: i32) -> Option<usize> {
        let n = self.people.iter().filter(|p| p.health == "healthy" && p.age >= min_age).count();
        if n == 0 {
            return None;
        }
        if self.dice.pct(50) {
            return self
                .people
                .iter()
                .enumerate()
                .filter(|(_, p)| p.health == "healthy" && p.age >= min_age)
                .max_by_key(|(_, p)| p.age)
                .map(|(i, _)| i);
        }
        let k = self.dice.below(n as u32) as usize;
        self.people.iter().enumerate().filter(|(_, p)| p.health == "healthy" && p.age >= min_age).nth(k).map(|(i, _)| i)
    }

    /// The main cause (or risk, for monitored households); illness, disability and schooling are
    /// only given where a member is ill, disabled or at school (one is made ill or disabled if needed).
    pub fn main_cause(&mut self, monitored: bool) -> &'static str {
        let table: &[(&str, u32)] = if monitored { &RISKS } else { &CAUSES };
        // schooling is only possible with a student, so it is weighted up where there is one
        let student = self.people.iter().any(|p| p.is_student());
        let weight = |&(c, w): &(&str, u32)| match c {
            "schooling" if student => w * 5,
            "schooling" => 0,
            _ => w,
        };
        for _ in 0..8 {
            let (cause, _) = self.dice.weighted_by(table, weight);
            match cause {
                "illness" => {
                    if self.people.iter().any(|p| p.is_sick()) {
                        return cause;
                    }
                    if let Some(i) = self.healthy_member(16).or_else(|| self.healthy_member(0)) {
                        self.people[i].health = if self.dice.pct(35) { "serious_illness" } else { "chronic" };
                        return cause;
                    }
                }
                "disability" => {
                    if self.people.iter().any(|p| p.health == "disabled") {
                        return cause;
                    }
                    if let Some(i) = self.healthy_member(0) {
                        self.disable(i);
                        return cause;
                    }
                }
                _ => return cause,
            }
        }
        "lack_capital"
    }

    /// Labour skill by age and health, and who works away from home. Members of 特困 households
    /// have no labour capacity by definition.
    pub fn draw_labour(&mut self, tekun: bool) {
        for i in 0..self.people.len() {
            let (age, health, grade, student) = {
                let p = &self.people[i];
                (p.age, p.health, p.grade, p.is_student())
            };
            let d = &mut self.dice;
            let labour = if age < 16 || student {
                "none"
            } else if tekun {
                if age >= 60 { "none" } else { "lost" }
            } else {
                match health {
                    "disabled" if grade <= 2 => "lost",
                    "disabled" => "weak",
                    "serious_illness" => {
                        if d.pct(45) {
                            "lost"
                        } else {
                            "weak"
                        }
                    }
                    "chronic" if age >= 65 => {
                        if d.pct(60) {
                            "weak"
                        } else {
                            "none"
                        }
                    }
                    "chronic" if d.pct(60) => "weak",
                    "chronic" => "ordinary",
                    _ if age >= 75 => {
                        if d.pct(75) {
                            "none"
                        } else {
                            "weak"
                        }
                    }
                    _ if age >= 65 => d.weighted(&[("weak", 70), ("ordinary", 15), ("none", 15)]),
                    _ if age > 60 => {
                        if d.pct(55) {
                            "ordinary"
                        } else {
                            "weak"
                        }
                    }
                    _ if age <= 45 && d.pct(24) => "skilled",
                    _ => "ordinary",
                }
            };
            let migrant = (16..=59).contains(&age)
                && match labour {
                    "ordinary" | "skilled" => d.pct(43),
                    "weak" => d.pct(8),
                    _ => false,
                };
            let p = &mut self.people[i];
            p.labour = labour;
            p.migrant = migrant;
        }
    }

    pub fn has_labour(&self) -> bool {
        self.people.iter().any(|p| matches!(p.labour, "ordinary" | "skilled" | "weak"))
    }

    /// Whether 缺劳力 fits the household: at most half its members are ordinary or skilled labour.
    pub fn short_of_labour(&self) -> bool {
        let able = self.people.iter().filter(|p| matches!(p.labour, "ordinary" | "skilled")).count();
        2 * able <= self.people.len()
    }

    /// A healthy member who can work (ordinary or skilled labour).
    pub fn has_healthy_labour(&self) -> bool {
        self.people.iter().any(|p| p.health == "healthy" && matches!(p.labour, "ordinary" | "skilled"))
    }
}
