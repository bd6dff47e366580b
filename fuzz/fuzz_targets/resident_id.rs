//! Fuzz the resident ID parser: never panics; anything it accepts is 18 characters with a valid
//! check digit, re-parses to itself, and derives a birth date inside the number.
#![no_main]
use bangfu_domain::resident_id::{check_char, ResidentId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    if let Ok(id) = ResidentId::parse_at(text, today) {
        let s = id.as_str();
        assert_eq!(s.len(), 18);
        assert_eq!(check_char(&s.as_bytes()[..17]), s.as_bytes()[17]);
        assert_eq!(ResidentId::parse_at(s, today).unwrap(), id);
        assert!(id.birth_date() <= today);
        assert_eq!(id.birth_date().format("%Y%m%d").to_string(), s[6..14]);
        assert!(!id.masked().contains(&s[6..14]));
    }
});
