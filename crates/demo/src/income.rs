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
    /// Exited and risk-eliminated households: at least ~8,000 (topped up when below).
    Floor,
    /// Below the monitoring line: scaled into `lo..=hi` when above it.
    Below(i32, i32),
    Free,
}

impl State {
    pub fn income(&mut self, size: usize, land: &Land, facts: &HouseholdFacts, money: &Money, goal: Goal, has_labour: bool) -> IncomeRecord {
        let d = &mut self.dice;
        let n = size.max(1) as i64;
        let r = |d: &mut crate::dice::Dice, lo: i32, hi: i32| i64::from(d.range(lo, hi));
        let mut wage = money.wage;
        let livestock = if d.pct(40) { r(d, 1000, 8000) } else { 0 };
        let mut business = land.cultivated * r(d, 300, 1000) / 100 + land.orchard * r(d, 800, 2500) / 100 + land.forest * r(d, 20, 80) / 100 + livestock;
        let mut property = if d.pct(45) { r(d, 200, 2500) } else { 0 };
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
        match goal {
            Goal::Floor if net < 8000 * n && d.pct(92) => {
                let add = r(d, 8000, 11000) * n - net;
                if has_labour { wage += add } else { transfer += add }
            }
            Goal::Below(lo, hi) => {
                let target = r(d, lo, hi) * n;
                if net > target {
                    for x in [&mut wage, &mut business, &mut property, &mut transfer, &mut expense] {
                        *x = *x * target / net;
                    }
                }
            }
            _ => {}
        }
        let fen = [wage, business, property, transfer, expense].map(|x| x * 100);
        let net = fen[0] + fen[1] + fen[2] + fen[3] - fen[4];
        let per_capita = (2 * net + n).div_euclid(2 * n);
        IncomeRecord {
            year: i64::from(self.year),
            amounts: [Some(fen[0]), Some(fen[1]), Some(fen[2]), Some(fen[3]), Some(fen[4]), Some(net), Some(per_capita)],
        }
    }
}
