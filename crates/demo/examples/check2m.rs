//! Scratch: uniqueness at 2M households.
use bangfu_demo::{demo_county, generate, DemoOptions};
use bangfu_domain::fields::HouseholdField as HF;
use std::collections::HashSet;
fn main() {
    let county = demo_county();
    let opts = DemoOptions { households: 2_000_000, seed: 9, year: 2025, today: chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap() };
    let mut ids: HashSet<[u8; 18]> = HashSet::with_capacity(7_000_000);
    let mut nos: HashSet<String> = HashSet::with_capacity(2_000_000);
    let mut n = 0;
    for doc in generate(&county, &opts) {
        assert!(nos.insert(doc.get(HF::HouseholdNo).as_text().unwrap().to_string()));
        for m in &doc.members {
            let mut k = [0u8; 18];
            k.copy_from_slice(m.resident_id.as_str().as_bytes());
            assert!(ids.insert(k));
            n += 1;
        }
    }
    println!("{} households, {n} members, all unique; sample no {}", nos.len(), nos.iter().next().unwrap());
}
