//! The streaming generator: options, the per-village plan and the iterator over households.

use crate::compose::Person;
use crate::county::DemoCounty;
use crate::dice::Dice;
use crate::household::Helper;
use crate::ids::IdAllocator;
use crate::names::Names;
use bangfu_domain::registry::HouseholdDoc;
use chrono::{Datelike, NaiveDate};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    pub households: usize,
    pub seed: u64,
    /// The income year (default 2025).
    pub year: i32,
    /// The date the registry is "as of": ages, school grades and the latest dates are relative to it.
    pub today: NaiveDate,
}

impl Default for DemoOptions {
    /// 1,000 households, seed 1, income year 2025, as of the system clock's date.
    fn default() -> DemoOptions {
        DemoOptions { households: 1000, seed: 1, year: 2025, today: chrono::Local::now().date_naive() }
    }
}

/// Generates `opts.households` households spread over the county's villages (by number of groups),
/// village after village. Deterministic in `opts`; streams (memory does not grow with the count).
pub fn generate(county: &DemoCounty, opts: &DemoOptions) -> impl Iterator<Item = HouseholdDoc> + use<> {
    Generator::new(county, opts)
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

struct Generator {
    state: State,
    villages: Vec<VillagePlan>,
    village: usize,
    seq: usize,
    width: usize,
    total: usize,
    remaining: usize,
}

impl Generator {
    fn new(county: &DemoCounty, opts: &DemoOptions) -> Generator {
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
        Generator { state, villages, village: 0, seq: 0, width, total: opts.households, remaining: opts.households }
    }
}

impl Iterator for Generator {
    type Item = HouseholdDoc;

    fn next(&mut self) -> Option<HouseholdDoc> {
        while self.villages.get(self.village).is_some_and(|v| self.seq >= v.quota) {
            self.village += 1;
            self.seq = 0;
        }
        let village = self.villages.get(self.village)?;
        self.state.serial = (self.total - self.remaining) as u64;
        let doc = self.state.household(village, self.seq, self.width);
        self.seq += 1;
        self.remaining -= 1;
        Some(doc)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Generator {}
