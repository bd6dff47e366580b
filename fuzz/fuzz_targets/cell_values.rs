//! Fuzz the cell-value parsers (money, dates, areas, phones, accounts, region codes, yes/no):
//! never panic, and what they accept formats back to text that parses to the same value.
#![no_main]
use bangfu_domain::value::{format_value, parse_value, Kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    for kind in [Kind::Count, Kind::Year, Kind::Money, Kind::Hundredths, Kind::Date, Kind::Bool, Kind::Phone, Kind::BankAccount, Kind::Region] {
        if let Ok(v) = parse_value(kind, text, today) {
            let again = parse_value(kind, &format_value(kind, &v), today);
            assert_eq!(again.as_ref().ok(), Some(&v), "{kind:?} {text:?}");
        }
    }
});
