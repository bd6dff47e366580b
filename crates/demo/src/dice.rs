//! A small deterministic dice over ChaCha8: bounded integers, percentages and weighted picks.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The one random source of a generator; every draw goes through it, in a fixed order.
pub(crate) struct Dice(ChaCha8Rng);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2⁻²⁰ for every table used here).
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.0.next_u32()) * u64::from(n)) >> 32) as u32
    }

    /// Uniform in `lo..=hi`; `lo` when the range is empty.
    pub fn range(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as u32) as i32
    }

    /// True with probability `p` percent.
    pub fn pct(&mut self, p: u32) -> bool {
        self.below(100) < p
    }

    /// True with probability `p` per mille.
    pub fn permille(&mut self, p: u32) -> bool {
        self.below(1000) < p
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u32) as usize]
    }

    /// Picks from `(value, weight)` pairs (short tables; longer ones use [`Cumulative`]).
    pub fn weighted<T: Copy>(&mut self, xs: &[(T, u32)]) -> T {
        let total: u32 = xs.iter().map(|x| x.1).sum();
        let mut r = self.below(total);
        for &(v, w) in xs {
            if r < w {
                return v;
            }
            r -= w;
        }
        xs[xs.len() - 1].0
    }

    /// Picks from a table whose rows carry their own weight.
    pub fn weighted_by<T: Copy>(&mut self, xs: &[T], weight: impl Fn(&T) -> u32) -> T {
        let total: u32 = xs.iter().map(&weight).sum();
        let mut r = self.below(total);
        for x in xs {
            let w = weight(x);
            if r < w {
                return *x;
            }
            r -= w;
        }
        xs[xs.len() - 1]
    }

    /// Appends `n` random decimal digits.
    pub fn push_digits(&mut self, s: &mut String, n: usize) {
        for _ in 0..n {
            s.push(char::from(b'0' + self.below(10) as u8));
        }
    }
}

/// Cumulative weights of a long table, for picking by binary search.
pub(crate) struct Cumulative(Vec<u32>);

impl Cumulative {
    pub fn new(weights: impl IntoIterator<Item = u32>) -> Cumulative {
        let mut sum = 0;
        Cumulative(
            weights
                .into_iter()
                .map(|w| {
                    sum += w;
                    sum
                })
                .collect(),
        )
    }

    pub fn pick(&self, dice: &mut Dice) -> usize {
        let total = self.0.last().copied().unwrap_or(0);
        let r = dice.below(total);
        self.0.partition_point(|&c| c <= r)
    }
}

/// SplitMix64: a stateless mix for values derived from positions (helpers, sequence offsets).
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_bounds_and_weights_are_respected() {
        let mut d = Dice::new(7);
        for _ in 0..10_000 {
            assert!((3..=9).contains(&d.range(3, 9)));
            assert!(d.below(5) < 5);
        }
        let c = Cumulative::new([0, 10, 0, 90]);
        let mut counts = [0; 4];
        for _ in 0..10_000 {
            counts[c.pick(&mut d)] += 1;
        }
        assert_eq!((counts[0], counts[2]), (0, 0));
        assert!((700..1300).contains(&counts[1]), "{counts:?}");
        assert_eq!(d.weighted(&[("a", 0), ("b", 1)]), "b");
    }
}
