//! Same options give the same registry; another seed gives another.

mod common;

use bangfu_demo::{demo_county, generate};
use common::opts;

#[test]
fn same_seed_same_households_and_another_seed_differs() {
    let county = demo_county();
    let a: Vec<_> = generate(&county, &opts(1000, 42)).collect();
    let b: Vec<_> = generate(&county, &opts(1000, 42)).collect();
    assert_eq!(a.len(), 1000);
    assert!(a == b, "same seed must give identical households");
    let c: Vec<_> = generate(&county, &opts(1000, 43)).collect();
    assert!(a != c);
    assert_eq!(generate(&county, &opts(1000, 42)).size_hint(), (1000, Some(1000)));
}
