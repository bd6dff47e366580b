//! The streaming generator: options, the per-village plan and the iterator over households.

use crate::compose::Person;
use crate::county::DemoCounty;
use crate::dice::{Dice, mix};
use crate::household::Helper;
use crate::ids::IdAllocator;
use crate::names::Names;
use crate::rule_defects::{PlantedDefect, Planter, defect_plan};
use bangfu_domain::registry::HouseholdDoc;
use chrono::{Datelike, NaiveDate};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    pub households: usize,
    pub seed: u64,
    /// The income year (default: the year before `today`).
    pub year: i32,
    /// The date the registry is "as of": ages, school grades and the latest dates are relative to it.
    pub today: NaiveDate,
    /// Share of households (0–1) given one planted rule defect each; 0 (the default) gives a clean
    /// registry on which no logic rule fires. See [`crate::generate_with_defects`].
    pub rule_defects: f64,
}

impl Default for DemoOptions {
    /// 1,000 households, seed 1, as of the system clock's date with the income of the year before, clean.
    fn default() -> DemoOptions {
        let today = chrono::Local::now().date_naive();
        DemoOptions { households: 1000, seed: 1, year: today.year() - 1, today, rule_defects: 0.0 }
    }
}

/// Generates `opts.households` households spread over the county's villages (by number of groups),
/// village after village. Deterministic in `opts`; streams (memory does not grow with the count).
/// With `opts.rule_defects` > 0 some of them carry a planted defect (which one:
/// [`crate::generate_with_defects`]).
pub fn generate(county: &DemoCounty, opts: &DemoOptions) -> impl Iterator<Item = HouseholdDoc> + use<> {
    Generator::new(county, opts).map(|(doc, _)| doc)
}

/// A village as the generator needs it.
pub(crate) struct VillagePlan {
    pub index: usize,
    pub code: String,
    pub township: String,
    pub groups: Vec<String>,
    pub quota: usize,
}

/// Everything a household is drawn from; the household modules add methods to it.
pub(crate) struct State {
    pub dice: Dice,
    pub ids: IdAllocator,
    pub names: Names,
    pub seed: u64,
    pub today: NaiveDate,
    pub today_ce: i32,
    pub year: i32,
    pub county_prefix: [u8; 6],
    pub county_name: String,
    /// The number of the household being generated within the registry (from 0).
    pub serial: u64,
    /// The members of the household being generated (reused).
    pub people: Vec<Person>,
    pub helper: Option<Helper>,
}

pub(crate) struct Generator {
    state: State,
    villages: Vec<VillagePlan>,
    village: usize,
    seq: usize,
    width: usize,
    total: usize,
    remaining: usize,
    rule_defects: f64,
    /// Present when defects are planted.
    planter: Option<Planter>,
}

impl Generator {
    pub(crate) fn new(county: &DemoCounty, opts: &DemoOptions) -> Generator {
        let weights: Vec<usize> = county.villages.iter().map(|v| v.groups.len().max(1)).collect();
        let total: usize = weights.iter().sum::<usize>().max(1);
        let n = opts.households as u128;
        let mut cum = 0usize;
        let mut villages = Vec::with_capacity(county.villages.len());
        for (i, v) in county.villages.iter().enumerate() {
            let before = (n * cum as u128 / total as u128) as usize;
            cum += weights[i];
            let quota = (n * cum as u128 / total as u128) as usize - before;
            let township = county.township_of(v).map(|t| t.name.clone()).unwrap_or_default();
            villages.push(VillagePlan {
                index: i,
                code: v.region.code.as_str().to_string(),
                township,
                groups: v.groups.clone(),
                quota,
            });
        }
        let max_quota = villages.iter().map(|v| v.quota).max().unwrap_or(0);
        let width = max_quota.to_string().len().max(4);
        let mut county_prefix = [0u8; 6];
        county_prefix.copy_from_slice(&county.county.code.as_str().as_bytes()[..6]);
        let state = State {
            dice: Dice::new(opts.seed),
            ids: IdAllocator::new(opts.today),
            names: Names::new(),
            seed: opts.seed,
            today: opts.today,
            today_ce: opts.today.num_days_from_ce(),
            year: opts.year,
            county_prefix,
            county_name: county.county.name.clone(),
            serial: 0,
            people: Vec::with_capacity(12),
            helper: None,
        };
        let rule_defects = if opts.rule_defects > 0.0 { opts.rule_defects.min(1.0) } else { 0.0 };
        let planter = (rule_defects > 0.0).then(|| Planter::new(opts.today));
        Generator {
            state,
            villages,
            village: 0,
            seq: 0,
            width,
            total: opts.households,
            remaining: opts.households,
            rule_defects,
            planter,
        }
    }
}

impl State {
    /// Another household in place of number `seq` of `village`, drawn from a dice of its own (the
    /// `attempt`-th for this serial number), so the main sequence stays as it is. Used to find a
    /// household a planned defect fits; IDs still come from the one allocator, so they stay unique.
    pub(crate) fn alternative(&mut self, village: &VillagePlan, seq: usize, width: usize, attempt: u64) -> HouseholdDoc {
        let side = Dice::new(mix(self.seed ^ mix((self.serial << 20) ^ attempt)));
        let main = std::mem::replace(&mut self.dice, side);
        let doc = self.household(village, seq, width);
        self.dice = main;
        doc
    }
}

impl Iterator for Generator {
    type Item = (HouseholdDoc, Option<PlantedDefect>);

    fn next(&mut self) -> Option<(HouseholdDoc, Option<PlantedDefect>)> {
        while self.villages.get(self.village).is_some_and(|v| self.seq >= v.quota) {
            self.village += 1;
            self.seq = 0;
        }
        let village = self.villages.get(self.village)?;
        let index = self.total - self.remaining;
        self.state.serial = index as u64;
        let mut doc = self.state.household(village, self.seq, self.width);
        let mut planted = None;
        if let Some(planter) = &mut self.planter {
            if let Some(rule) = defect_plan(self.rule_defects, index) {
                let (state, seq, width) = (&mut self.state, self.seq, self.width);
                if let Some((d, p)) = planter.plant(rule, &doc, |attempt| state.alternative(village, seq, width, attempt)) {
                    doc = d;
                    planted = Some(p);
                }
            }
            if planted.is_none() {
                planter.remember(&doc);
            }
        }
        self.seq += 1;
        self.remaining -= 1;
        Some((doc, planted))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Generator {}
