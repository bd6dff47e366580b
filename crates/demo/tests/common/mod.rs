//! Shared helpers of the integration tests.

use bangfu_demo::DemoOptions;
use chrono::NaiveDate;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
}

pub fn opts(households: usize, seed: u64) -> DemoOptions {
    DemoOptions { households, seed, year: 2025, today: today(), rule_defects: 0.0 }
}
