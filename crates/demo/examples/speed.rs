//! Measures generation speed: `cargo run --release -p bangfu-demo --example speed [households]`.

use bangfu_demo::{DemoOptions, demo_county, generate};
use std::time::Instant;

fn main() {
    let households: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let county = demo_county();
    let opts = DemoOptions { households, seed: 1, ..DemoOptions::default() };
    let start = Instant::now();
    let (mut n, mut members) = (0usize, 0usize);
    for doc in generate(&county, &opts) {
        n += 1;
        members += doc.members.len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} households, {members} members in {secs:.2} s: {:.0} households/s, {:.0} members/s",
        n as f64 / secs,
        members as f64 / secs
    );
}
