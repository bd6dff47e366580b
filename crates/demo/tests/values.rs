//! Every generated value is what the domain's parsers read back, and records pass its checks.

mod common;

use bangfu_demo::{demo_county, generate};
use bangfu_domain::Value;
use bangfu_domain::fields::{HouseholdField, MemberField};
use bangfu_domain::registry::{INCOME_FIELDS, check_household, resolve_member};
use bangfu_domain::value::{format_value, parse_value};
use common::{opts, today};

fn round_trips(kind: bangfu_domain::Kind, v: &Value, what: &str) {
    if v.is_null() {
        return;
    }
    let text = format_value(kind, v);
    assert_eq!(parse_value(kind, &text, today()).as_ref(), Ok(v), "{what}: {text:?}");
}

#[test]
fn values_round_trip_through_the_domain_parsers() {
    let county = demo_county();
    for doc in generate(&county, &opts(3000, 5)) {
        assert!(check_household(&doc).is_empty(), "{:?}", check_household(&doc));
        for f in HouseholdField::ALL {
            round_trips(f.def().kind, doc.get(f), f.def().key);
        }
        let income = &doc.incomes[0];
        assert_eq!(income.year, 2025);
        for (f, amount) in INCOME_FIELDS.iter().zip(income.amounts) {
            round_trips(f.def().kind, &Value::Int(amount.unwrap()), f.def().key);
        }
        for m in &doc.members {
            for f in MemberField::ALL {
                round_trips(f.def().kind, m.get(f), f.def().key);
            }
            let mut values = m.values.clone();
            assert_eq!(resolve_member(&mut values, today()).as_ref(), Ok(&m.resident_id));
            assert_eq!(values, m.values);
        }
    }
}
