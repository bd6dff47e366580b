//! A household's record: status and history, causes, land, housing, guarantees, contacts, helper.

use crate::dice::{Dice, mix};
use crate::generate::{State, VillagePlan};
use crate::income::{Goal, Land};
use crate::member::{HouseholdFacts, Money};
use crate::tables::*;
use bangfu_domain::Value;
use bangfu_domain::fields::{HOUSEHOLD_FIELD_COUNT, HouseholdField as HF};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::value::Secret;
use chrono::{Datelike, NaiveDate};

fn day(y: i32, m: u32, d: u32) -> i32 {
    NaiveDate::from_ymd_opt(y, m, d).map_or(0, |x| x.num_days_from_ce())
}

fn date(days: i32) -> Value {
    NaiveDate::from_num_days_from_ce_opt(days).map_or(Value::Null, Value::Date)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// The village code followed by the number within the village, zero-padded to `width` digits.
fn household_no(village: &str, n: usize, width: usize) -> String {
    let mut s = String::with_capacity(village.len() + width);
    s.push_str(village);
    let digits = n.checked_ilog10().unwrap_or(0) as usize + 1;
    s.extend(std::iter::repeat_n('0', width.saturating_sub(digits)));
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
    s
}

/// A mobile number: a real operator prefix and 8 random digits.
pub(crate) fn mobile(d: &mut Dice) -> String {
    let mut s = String::with_capacity(11);
    s.push_str(d.pick(&MOBILE_PREFIXES));
    d.push_digits(&mut s, 8);
    s
}

/// The household's own mobile number: a real operator prefix and 8 digits that are a bijection of
/// the household's serial number, so no two households of a registry share a phone (below 10⁸).
fn household_mobile(d: &mut Dice, seed: u64, serial: u64) -> String {
    const M: u64 = 100_000_000;
    let x = (serial % M * 61_803_397 + mix(seed) % M) % M;
    let mut s = String::with_capacity(11);
    s.push_str(d.pick(&MOBILE_PREFIXES));
    s.push_str(&format!("{x:08}"));
    s
}

/// The helper (帮扶责任人) of the current block of households.
pub(crate) struct Helper {
    block: (usize, usize),
    name: String,
    unit: String,
    phone: String,
}

impl State {
    /// 贫困户属性 by household size: 特困 mostly for people living alone.
    fn attribute(&mut self, size: usize) -> &'static str {
        let (tekun, dibao) = match size {
            1 => (450, 300),
            2 => (50, 260),
            _ => (5, 200),
        };
        match self.dice.below(1000) {
            r if r < tekun => "tekun",
            r if r < tekun + dibao => "dibao",
            _ => "general",
        }
    }

    /// A secondary cause different from those already given and agreeing with the members.
    fn other_cause(&mut self, taken: &[&str]) -> Option<&'static str> {
        for _ in 0..4 {
            let c = self.dice.weighted(&SECOND_CAUSES);
            let fits = match c {
                "illness" => self.people.iter().any(|p| p.is_sick()),
                "disability" => self.people.iter().any(|p| p.grade > 0),
                "schooling" => self.people.iter().any(|p| p.is_student()),
                "lack_labour" => self.short_of_labour(),
                _ => true,
            };
            if fits && !taken.contains(&c) {
                return Some(c);
            }
        }
        None
    }

    /// The next household of `village`, number `seq` (from 0) within it.
    pub fn household(&mut self, village: &VillagePlan, seq: usize, width: usize) -> HouseholdDoc {
        let size = self.dice.weighted(&SIZES);
        let attribute = self.attribute(size);
        let htype = match self.dice.below(1000) {
            0..890 => "exited",
            890..980 => "monitored",
            _ => "poor",
        };
        let category = (htype == "monitored")
            .then(|| self.dice.weighted(&[("unstable_exited", 55), ("edge_at_risk", 32), ("sudden_hardship", 13)]));
        let registered = match category {
            Some("edge_at_risk") => false,
            Some("sudden_hardship") => self.dice.pct(40),
            _ => true,
        };
        let tekun = attribute == "tekun";
        self.compose(size, attribute);
        self.draw_health(tekun);
        let mut cause1 = self.main_cause(htype == "monitored");
        self.draw_labour(tekun);
        let has_labour = self.has_labour();
        if cause1 == "lack_labour" && !self.short_of_labour() {
            // most members can work after all: the cause is another one that needs no member to fit
            let neutral: &[&'static str] = if htype == "monitored" {
                &["high_living_cost", "unstable_employment"]
            } else {
                &["lack_capital", "lack_skills", "lack_motivation"]
            };
            cause1 = self.dice.pick(neutral);
        }

        let values = (0..HOUSEHOLD_FIELD_COUNT).map(|_| Value::Null).collect();
        let mut doc = HouseholdDoc { values, members: Vec::new(), incomes: Vec::with_capacity(1) };
        let mut set = |f: HF, v: Value| doc.values[f as usize] = v;
        set(HF::RegionCode, text(&village.code));
        let group = seq * village.groups.len() / village.quota.max(1);
        set(HF::VillagerGroup, text(&village.groups[group.min(village.groups.len() - 1)]));
        set(HF::HouseholdNo, Value::Text(household_no(&village.code, seq + 1, width)));
        set(HF::StatedSize, Value::Int(size as i64));
        set(HF::HouseholdType, Value::Code(htype));
        set(HF::PovertyAttribute, Value::Code(attribute));
        if let Some(c) = category {
            set(HF::MonitoringCategory, Value::Code(c));
        }
        if registered {
            let standard = self.dice.weighted(&[("national", 93), ("provincial", 6), ("municipal", 1)]);
            set(HF::IdentificationStandard, Value::Code(standard));
            let reg = self.dice.weighted(&[(2014, 650), (2015, 120), (2016, 100), (2017, 60), (2018, 40), (2019, 30)]);
            set(HF::RegistrationYear, Value::Int(i64::from(reg)));
            if htype != "poor" {
                set(HF::ExitYear, Value::Int(i64::from(self.dice.range((reg + 1).max(2016), 2020))));
            }
        }
        let mut eliminated = false;
        if category.is_some() {
            let last = day(2025, 12, 31).min(self.today_ce);
            let identified = self.dice.range(day(2021, 1, 1).min(last), last);
            set(HF::MonitoringIdentifiedOn, date(identified));
            // at least six calendar months (184 days at most) after identification
            let mut on = identified + 185 + self.dice.below(720) as i32;
            eliminated = has_labour && on <= self.today_ce && self.dice.pct(55);
            let year_ago = self.today.checked_sub_months(chrono::Months::new(12)).map_or(0, |d| d.num_days_from_ce());
            if !eliminated && identified < year_ago && self.has_healthy_labour() {
                // a household with healthy labour is not left monitored for over a year
                eliminated = true;
                on = self.dice.range(identified + 185, self.today_ce);
            }
            set(HF::RiskEliminated, Value::Bool(eliminated));
            if eliminated {
                let method = if self.dice.pct(85) { "assisted" } else { "natural" };
                set(HF::RiskEliminationMethod, Value::Code(method));
                set(HF::RiskEliminatedOn, date(on));
            }
        }
        set(HF::Cause1, Value::Code(cause1));
        let c2 = if self.dice.pct(40) { self.other_cause(&[cause1]) } else { None };
        if let Some(c2) = c2 {
            set(HF::Cause2, Value::Code(c2));
            let c3 = if self.dice.pct(20) { self.other_cause(&[cause1, c2]) } else { None };
            if let Some(c3) = c3 {
                set(HF::Cause3, Value::Code(c3));
            }
        }
        let land = self.land(&mut set);
        // exited and risk-eliminated households have every guarantee met; an unsafe-housing risk
        // that is still open means a dangerous house
        let all_secure = htype == "exited" || eliminated;
        let unsafe_housing = !all_secure && cause1 == "unsafe_housing";
        self.housing(size, all_secure, unsafe_housing, &mut set);

        let facts = HouseholdFacts { dibao: attribute == "dibao", tekun, ethnicity: self.dice.weighted(&ETHNICITIES) };
        let mut money = Money::default();
        let people = std::mem::take(&mut self.people);
        doc.members = people.iter().map(|p| self.member(p, &facts, &mut money)).collect();
        self.people = people;

        let goal = match (htype, eliminated) {
            ("exited", _) | (_, true) => Goal::Floor,
            ("poor", _) if self.dice.pct(80) => Goal::Below(4000, 7000),
            ("monitored", _) if self.dice.pct(35) => Goal::Below(5500, 7400),
            _ => Goal::Free,
        };
        doc.incomes.push(self.income(size, &land, &facts, &money, goal, has_labour));
        self.contacts(village, seq, &mut doc);
        doc
    }

    fn land(&mut self, set: &mut impl FnMut(HF, Value)) -> Land {
        let d = &mut self.dice;
        let cultivated = match d.below(100) {
            0..55 => d.range(50, 300),
            55..85 => d.range(300, 500),
            _ => d.range(500, 800),
        } as i64;
        let forest = if d.pct(45) { d.range(100, 3000) } else { 0 } as i64;
        let orchard = if d.pct(10) { d.range(50, 500) } else { 0 } as i64;
        set(HF::CultivatedLand, Value::Int(cultivated));
        set(HF::IrrigatedLand, Value::Int(cultivated * i64::from(d.range(40, 100)) / 100));
        set(HF::ForestLand, Value::Int(forest));
        set(HF::ReturnedFarmland, Value::Int(if d.pct(12) { d.range(50, 500) } else { 0 } as i64));
        set(HF::OrchardLand, Value::Int(orchard));
        set(HF::Grassland, Value::Int(0));
        set(HF::WaterSurface, Value::Int(if d.pct(4) { d.range(20, 200) } else { 0 } as i64));
        Land { cultivated, orchard, forest }
    }

    fn housing(&mut self, size: usize, all_secure: bool, unsafe_housing: bool, set: &mut impl FnMut(HF, Value)) {
        let d = &mut self.dice;
        let area = (d.range(40, 90) + 12 * size as i32).min(200) * 100 + d.range(0, 99);
        set(HF::HousingArea, Value::Int(i64::from(area)));
        let dangerous = (d.permille(10) || unsafe_housing) && !all_secure;
        set(HF::DangerousHouse, Value::Bool(dangerous));
        let grade = if dangerous {
            d.pick(&["C", "D"])
        } else if d.pct(60) {
            "A"
        } else {
            "B"
        };
        set(HF::HousingGrade, Value::Code(grade));
        set(HF::HasElectricity, Value::Bool(d.permille(999)));
        set(HF::HasBroadcastTv, Value::Bool(d.pct(98)));
        let road = d.weighted(&ROAD_TYPES);
        set(HF::RoadHardened, Value::Bool(matches!(road, "水泥路" | "柏油路")));
        set(HF::RoadType, text(road));
        set(HF::DistanceToRoad, Value::Int(i64::from(d.range(0, 300))));
        set(HF::HasSanitaryToilet, Value::Bool(d.pct(88)));
        set(HF::MainFuel, text(d.weighted(&FUELS)));
        set(HF::CooperativeMember, Value::Bool(d.pct(30)));
        set(HF::FoodClothingSecure, Value::Bool(d.permille(995) || all_secure));
        set(HF::EducationSecure, Value::Bool(d.permille(995) || all_secure));
        set(HF::MedicalSecure, Value::Bool(d.permille(992) || all_secure));
        set(HF::HousingSecure, Value::Bool(!dangerous && (d.permille(998) || all_secure)));
        set(HF::SafeDrinkingWater, Value::Bool(d.permille(992) || all_secure));
    }

    /// Phone, bank account and the helper (one helper per five neighbouring households).
    fn contacts(&mut self, village: &VillagePlan, seq: usize, doc: &mut HouseholdDoc) {
        let d = &mut self.dice;
        if d.pct(93) {
            doc.set(HF::Phone, Value::Secret(Secret::new(household_mobile(d, self.seed, self.serial))));
        }
        if d.pct(97) {
            let (bank, prefix, len, _) = d.weighted_by(&BANKS, |b| b.3);
            let mut account = String::with_capacity(len);
            account.push_str(prefix);
            d.push_digits(&mut account, len - prefix.len());
            doc.set(HF::BankName, text(bank));
            doc.set(HF::BankAccount, Value::Secret(Secret::new(account)));
        }
        let block = (village.index, seq / 5);
        if self.helper.as_ref().is_none_or(|h| h.block != block) {
            self.helper = Some(self.new_helper(village, block));
        }
        if let Some(h) = &self.helper {
            doc.set(HF::HelperName, text(&h.name));
            doc.set(HF::HelperUnit, text(&h.unit));
            doc.set(HF::HelperPhone, text(&h.phone));
        }
    }

    /// The helper of a block of five households: drawn from the block's own dice, so the main
    /// sequence does not depend on how helpers are cached.
    fn new_helper(&self, village: &VillagePlan, block: (usize, usize)) -> Helper {
        let mut h = Dice::new(mix(self.seed ^ ((block.0 as u64) << 40) ^ block.1 as u64));
        let surname = self.names.surname(&mut h);
        let male = h.pct(60);
        let born = h.range(1965, 1998);
        let name = self.names.full(&mut h, surname, male, born);
        let unit = match h.below(100) {
            0..40 => format!("{}人民政府", village.township),
            40..48 => format!("{}中心学校", village.township),
            _ => h.pick(&COUNTY_UNITS).to_string(),
        };
        Helper { block, name, unit, phone: mobile(&mut h) }
    }
}
