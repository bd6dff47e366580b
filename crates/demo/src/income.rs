//! The household's income of the income year, built from members' work, land and transfers.

use crate::generate::State;
use crate::member::{HouseholdFacts, Money};
use bangfu_domain::registry::IncomeRecord;

/// Land in hundredths of a 亩.
pub(crate) struct Land {
    pub cultivated: i64,
    pub orchard: i64,
    pub forest: i64,
}

/// Where the per-capita income should end up (元 per person per year).
pub(crate) enum Goal {
    /// Exited and risk-eliminated households: mostly at least 8,000 (topped up when below).
    Floor,
    /// Below the monitoring line: brought into `lo..=hi`.
    Below(i32, i32),
    /// As earned, but at least about 5,000 (assistance covers the rest).
    Free,
}

impl State {
    pub fn income(
        &mut self,
        size: usize,
        land: &Land,
        facts: &HouseholdFacts,
        money: &Money,
        goal: Goal,
        has_labour: bool,
    ) -> IncomeRecord {
        let d = &mut self.dice;
        let n = size.max(1) as i64;
        let r = |d: &mut crate::dice::Dice, lo: i32, hi: i32| i64::from(d.range(lo, hi));
        let mut wage = money.wage;
        let livestock = if has_labour && d.pct(40) { r(d, 1000, 8000) } else { 0 };
        let farmed = land.cultivated * r(d, 300, 1000) / 100
            + land.orchard * r(d, 800, 2500) / 100
            + land.forest * r(d, 20, 80) / 100;
        // without labour the land is mostly rented out: little produce, some rent
        let mut business = if has_labour { farmed } else { farmed / 5 } + livestock;
        let rent = if has_labour { 0 } else { land.cultivated * r(d, 100, 300) / 100 };
        let mut property = rent + if d.pct(45) { r(d, 200, 2500) } else { 0 };
        let mut transfer = money.transfer + land.cultivated * r(d, 100, 130) / 100;
        if facts.dibao {
            transfer += n * r(d, 3600, 4800);
        }
        if facts.tekun {
            transfer += n * r(d, 6500, 8000);
        }
        if d.pct(15) {
            transfer += r(d, 500, 3000);
        }
        let mut expense = business * r(d, 20, 40) / 100;
        let net = wage + business + property + transfer - expense;
        // top up to `target` (per person), from work where there is labour, else from transfers
        let (lo, hi) = match goal {
            Goal::Floor if d.pct(92) => (8000, 11000),
            Goal::Floor => (6000, 8000),
            Goal::Below(lo, hi) => (lo, hi),
            Goal::Free => (5000, 7000),
        };
        let target = r(d, lo, hi) * n;
        if net < lo as i64 * n {
            if has_labour { wage += target - net } else { transfer += target - net }
        } else if matches!(goal, Goal::Below(..)) && net > target && wage * target / net >= money.migrant {
            // brought down to the target, but never below what members earned away from home
            // (a household whose migrant earnings alone exceed the target is simply not below it)
            for x in [&mut wage, &mut business, &mut property, &mut transfer, &mut expense] {
                *x = *x * target / net;
            }
        }
        let fen = [wage, business, property, transfer, expense].map(|x| x * 100);
        let net = fen[0] + fen[1] + fen[2] + fen[3] - fen[4];
        let per_capita = (2 * net + n).div_euclid(2 * n);
        IncomeRecord {
            year: i64::from(self.year),
            amounts: [
                Some(fen[0]),
                Some(fen[1]),
                Some(fen[2]),
                Some(fen[3]),
                Some(fen[4]),
                Some(net),
                Some(per_capita),
            ],
        }
    }
}
