//! A large generated registry: sizes, unique and valid IDs, one head, unique household numbers.

mod common;

use bangfu_demo::{demo_county, generate};
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::{ResidentId, Sex};
use common::{opts, today};
use std::collections::HashSet;

#[test]
fn three_hundred_thousand_households_have_unique_valid_ids() {
    let n = 300_000;
    let county = demo_county();
    let mut ids: HashSet<[u8; 18]> = HashSet::with_capacity(1_100_000);
    let mut numbers: HashSet<String> = HashSet::with_capacity(n);
    let (mut households, mut members) = (0usize, 0usize);
    for doc in generate(&county, &opts(n, 7)) {
        households += 1;
        members += doc.members.len();
        assert_eq!(doc.members.iter().filter(|m| m.is_head()).count(), 1);
        assert!(doc.members[0].is_head());
        let no = doc.get(HF::HouseholdNo).as_text().unwrap();
        assert_eq!(no.len(), 16);
        assert!(no.starts_with(doc.get(HF::RegionCode).as_text().unwrap()));
        assert!(numbers.insert(no.to_string()), "duplicate household number {no}");
        for m in &doc.members {
            let text = m.get(MF::IdNumber).as_text().unwrap();
            let id = ResidentId::parse_at(text, today()).unwrap();
            assert_eq!(id, m.resident_id);
            let sex = if m.get(MF::Sex).as_code() == Some("male") { Sex::Male } else { Sex::Female };
            assert_eq!(id.sex(), sex);
            assert_eq!(Some(id.birth_date()), m.get(MF::BirthDate).as_date());
            assert!(id.region_prefix().starts_with("43"));
            let mut key = [0u8; 18];
            key.copy_from_slice(text.as_bytes());
            assert!(ids.insert(key), "duplicate ID {text}");
        }
    }
    assert_eq!(households, n);
    let mean = members as f64 / n as f64;
    assert!((3.0..=3.6).contains(&mean), "mean size {mean}");
    let local = ids.iter().filter(|k| k.starts_with(b"431099")).count();
    assert!(local as f64 > 0.8 * members as f64);
}

#[test]
fn household_numbers_widen_when_a_village_has_more_than_9999_households() {
    let county = demo_county();
    let groups: usize = county.villages.iter().map(|v| v.groups.len()).sum();
    let max_groups = county.villages.iter().map(|v| v.groups.len()).max().unwrap();
    // the smallest registry whose biggest village passes 9,999 households
    let n = 10_000 * groups / max_groups + groups;
    let first = generate(&county, &opts(n, 1)).next().unwrap();
    assert_eq!(first.get(HF::HouseholdNo).as_text().unwrap().len(), 17);
}
