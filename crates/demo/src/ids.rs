//! Resident IDs unique across a whole generated registry without remembering issued numbers.
//!
//! The 3-digit sequence of an ID is drawn from a counter per (birth date, sex), shared by all region
//! prefixes: the k-th person of a sex born on a day gets the k-th free slot of that day (odd
//! sequences for men, even for women), so (birth date, sequence) never repeats, whatever the prefix.
//! A full day (499 people of one sex) moves the birth date to the nearest day with room. The table
//! holds one counter per day since 1900 and sex (≈ 180 KB), independent of the registry's size.

use crate::dice::mix;
use bangfu_domain::{ResidentId, Sex};
use chrono::{Datelike, NaiveDate};

/// Sequences per (day, sex): men 001, 003 … 997; women 002, 004 … 998.
const SLOTS: u16 = 499;

pub(crate) struct IdAllocator {
    /// Day number (from CE) of 1900-01-01, the earliest birth date issued.
    first: i32,
    last: i32,
    today: NaiveDate,
    used: Vec<u16>,
}

impl IdAllocator {
    pub fn new(today: NaiveDate) -> IdAllocator {
        let first = NaiveDate::from_ymd_opt(1900, 1, 1).map_or(0, |d| d.num_days_from_ce());
        let last = today.num_days_from_ce().max(first);
        IdAllocator { first, last, today, used: vec![0; 2 * (last - first + 1) as usize] }
    }

    /// Issues an ID for a person of `sex` first registered in `region` (6 digits), born on or near
    /// day `wanted` (days from CE); returns it with the birth date it encodes.
    pub fn issue(&mut self, region: &[u8; 6], wanted: i32, sex: Sex) -> (ResidentId, NaiveDate) {
        let s = usize::from(sex == Sex::Female);
        let wanted = wanted.clamp(self.first, self.last);
        let (first, last) = (self.first, self.last);
        let used = &self.used;
        let day = (0..=last - first)
            .flat_map(|o| [wanted + o, wanted - o])
            .find(|&d| (first..=last).contains(&d) && used[2 * (d - first) as usize + s] < SLOTS)
            .unwrap_or_else(|| panic!("resident ID space exhausted"));
        let slot = &mut self.used[2 * (day - self.first) as usize + s];
        let k = *slot;
        *slot += 1;
        // Spread the sequences of a day so they do not all start at 001.
        let k = (k + (mix(day as u64) % u64::from(SLOTS)) as u16) % SLOTS;
        let seq = if sex == Sex::Male { 2 * k + 1 } else { 2 * k + 2 };
        let date = NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(self.today);
        let mut buf = [0u8; 18];
        buf[..6].copy_from_slice(region);
        write_digits(&mut buf[6..10], date.year() as u32);
        write_digits(&mut buf[10..12], date.month());
        write_digits(&mut buf[12..14], date.day());
        write_digits(&mut buf[14..17], u32::from(seq));
        buf[17] = check(&buf);
        let text = std::str::from_utf8(&buf).unwrap_or_default();
        let id =
            ResidentId::parse_at(text, self.today).unwrap_or_else(|e| panic!("generated ID {text} is invalid: {e}"));
        (id, date)
    }
}

/// The GB 11643 check character of the first 17 digits (what `resident_id::check_char` computes).
fn check(buf: &[u8; 18]) -> u8 {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = buf[..17].iter().zip(WEIGHTS).map(|(&b, w)| u32::from(b - b'0') * w).sum();
    b"10X98765432"[(sum % 11) as usize]
}

fn write_digits(out: &mut [u8], mut v: u32) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bangfu_domain::resident_id::check_char;
    use std::collections::HashSet;

    #[test]
    fn the_check_character_is_the_domains() {
        let mut buf = *b"11010519491231002X";
        assert_eq!(check(&buf), b'X');
        for i in 0..1000u32 {
            write_digits(&mut buf[14..17], i);
            assert_eq!(check(&buf), check_char(&buf[..17]));
        }
    }

    #[test]
    fn a_crowded_day_spills_to_neighbours_and_ids_stay_unique() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut a = IdAllocator::new(today);
        let day = NaiveDate::from_ymd_opt(1970, 5, 5).unwrap().num_days_from_ce();
        let mut seen = HashSet::new();
        for i in 0..3000 {
            let sex = if i % 3 == 0 { Sex::Female } else { Sex::Male };
            let region = if i % 2 == 0 { b"431099" } else { b"431002" };
            let (id, date) = a.issue(region, day, sex);
            assert_eq!(id.sex(), sex);
            assert_eq!(id.birth_date(), date);
            assert!((date.num_days_from_ce() - day).abs() <= 5);
            assert!(seen.insert(id.as_str()[6..17].to_string()), "{}", id.as_str());
        }
        let (id, date) = a.issue(b"431099", today.num_days_from_ce() + 10, Sex::Male);
        assert_eq!(date, today);
        assert!(id.as_str().starts_with("43109920260101"));
    }
}
