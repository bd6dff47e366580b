//! Prints a few generated households as field: value lines: `cargo run -p bangfu-demo --example show [n] [seed]`.

use bangfu_demo::{DemoOptions, demo_county, generate};
use bangfu_domain::fields::{HouseholdField, MemberField};
use bangfu_domain::registry::INCOME_FIELDS;
use bangfu_domain::value::format_value;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().ok());
    let n = args.next().flatten().unwrap_or(3) as usize;
    let seed = args.next().flatten().unwrap_or(1);
    let county = demo_county();
    let opts = DemoOptions { households: 100_000, seed, ..DemoOptions::default() };
    for doc in generate(&county, &opts).step_by(997).take(n) {
        println!("——");
        for f in HouseholdField::ALL {
            let v = doc.get(f);
            if !v.is_null() {
                println!("{}: {}", f.def().label, format_value(f.def().kind, v));
            }
        }
        for (f, a) in INCOME_FIELDS.iter().zip(doc.incomes[0].amounts) {
            println!("{}: {}", f.def().label, format_value(f.def().kind, &bangfu_domain::Value::Int(a.unwrap_or(0))));
        }
        for m in &doc.members {
            let line: Vec<String> = MemberField::ALL
                .iter()
                .filter(|f| !m.get(**f).is_null())
                .map(|f| format!("{}={}", f.def().label, format_value(f.def().kind, m.get(*f))))
                .collect();
            println!("  {}", line.join(" "));
        }
    }
}
