//! The resident ID number (公民身份号码, GB 11643-1999): a type that can only hold a valid number.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Sex as encoded by the 17th character of a resident ID (odd = male, even = female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// The Chinese label used in registers (男/女).
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
    /// Parses 男/女 (and 男性/女性, M/F).
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "男" | "男性" | "M" | "m" | "1" => Some(Sex::Male),
            "女" | "女性" | "F" | "f" | "2" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// Why a text is not a valid resident ID; each variant's message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("证件号码为空")]
    Empty,
    #[error("证件号码应为 18 位（或旧的 15 位），实际为 {0} 位，请核对是否多输或漏输")]
    Length(usize),
    #[error("证件号码含有非法字符“{0}”：只能是数字，最后一位可以是 X")]
    Character(char),
    #[error("证件号码前 6 位地区码“{0}”无效（省级代码应在 11–82 之间）")]
    Region(String),
    #[error("证件号码中的出生日期“{0}”不是真实日期")]
    BirthDate(String),
    #[error("证件号码中的出生日期 {0} 晚于今天")]
    FutureBirthDate(NaiveDate),
    #[error("证件号码校验位错误：最后一位应为“{expected}”，实际为“{actual}”，请核对号码是否录错")]
    CheckDigit { expected: char, actual: char },
    #[error("证件号码看起来被 Excel 当作数字保存，后几位已变成 0 或科学计数法（如 4.3E+17），请把该列设为文本后重新录入")]
    LostPrecision,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// An 18-character resident ID with a correct check digit and a real birth date.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId([u8; 18]);

impl ResidentId {
    /// Parses and normalises: trims spaces (also inside), full-width digits and Ｘ/x,
    /// upgrades a 15-digit legacy number to 18 digits. Birth dates are checked against `today`.
    pub fn parse_at(text: &str, today: NaiveDate) -> Result<ResidentId, ResidentIdError> {
        let normalized = normalize(text)?;
        let digits: Vec<u8> = match normalized.len() {
            18 => normalized.into_bytes(),
            15 => upgrade15(&normalized)?,
            0 => return Err(ResidentIdError::Empty),
            n => return Err(ResidentIdError::Length(n)),
        };
        if let Some(&c) = digits[..17].iter().find(|c| !c.is_ascii_digit()) {
            return Err(ResidentIdError::Character(c as char));
        }
        let last = digits[17];
        if !(last.is_ascii_digit() || last == b'X') {
            return Err(ResidentIdError::Character(last as char));
        }
        let province = (digits[0] - b'0') * 10 + (digits[1] - b'0');
        if !(11..=82).contains(&province) {
            return Err(ResidentIdError::Region(String::from_utf8_lossy(&digits[..6]).into()));
        }
        let date_text = std::str::from_utf8(&digits[6..14]).unwrap_or_default();
        let birth = yyyymmdd(&digits[6..14])
            .ok_or_else(|| ResidentIdError::BirthDate(date_text.to_string()))?;
        if birth.year() < 1850 {
            return Err(ResidentIdError::BirthDate(date_text.to_string()));
        }
        if birth > today {
            return Err(ResidentIdError::FutureBirthDate(birth));
        }
        let expected = check_char(&digits[..17]);
        if expected != last {
            if digits[15..18].iter().all(|&d| d == b'0') {
                return Err(ResidentIdError::LostPrecision);
            }
            return Err(ResidentIdError::CheckDigit { expected: expected as char, actual: last as char });
        }
        let mut out = [0u8; 18];
        out.copy_from_slice(&digits);
        Ok(ResidentId(out))
    }

    /// Parses against the system clock's date.
    pub fn parse(text: &str) -> Result<ResidentId, ResidentIdError> {
        ResidentId::parse_at(text, chrono::Local::now().date_naive())
    }

    /// Builds an ID from its first 17 digits, computing the check character (for generators).
    pub fn from_body(body17: &str) -> Result<ResidentId, ResidentIdError> {
        if body17.len() != 17 {
            return Err(ResidentIdError::Length(body17.len()));
        }
        let mut s = body17.to_string();
        s.push(check_char(body17.as_bytes()) as char);
        ResidentId::parse(&s)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Birth date encoded in characters 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        let s = &self.as_str()[6..14];
        yyyymmdd(s.as_bytes()).unwrap_or_default()
    }

    /// Sex encoded in the 17th character.
    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// The 6-digit region of first registration.
    pub fn region_prefix(&self) -> &str {
        &self.as_str()[..6]
    }

    /// Masked for display and logs: first 6 and last 4 kept (4301**********123X).
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}********{}", &s[..6], &s[14..])
    }
}

impl fmt::Display for ResidentId {
    /// Displays masked: a full number is only ever obtained through `as_str`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

/// Eight ASCII digits as a date (the general formatter is slow when IDs are read by the million).
fn yyyymmdd(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0'));
    NaiveDate::from_ymd_opt(n(0..4) as i32, n(4..6), n(6..8))
}

/// The check character for 17 body digits.
pub fn check_char(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(d, w)| (d.wrapping_sub(b'0') as u32 % 10) * w).sum();
    CHECK[(sum % 11) as usize]
}

fn normalize(text: &str) -> Result<String, ResidentIdError> {
    let mut out = String::with_capacity(18);
    for c in text.chars() {
        let c = match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'x' | 'Ｘ' | 'ｘ' => 'X',
            c if c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}' || c == '\'' => continue,
            c => c,
        };
        if out.len() > 40 {
            return Err(ResidentIdError::Length(text.chars().count()));
        }
        if !(c.is_ascii_digit() || c == 'X') {
            if matches!(c, 'E' | 'e' | '.' | '+') {
                return Err(ResidentIdError::LostPrecision);
            }
            return Err(ResidentIdError::Character(c));
        }
        out.push(c);
    }
    Ok(out)
}

fn upgrade15(s: &str) -> Result<Vec<u8>, ResidentIdError> {
    if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
        return Err(ResidentIdError::Character(c));
    }
    let mut body = Vec::with_capacity(18);
    body.extend_from_slice(&s.as_bytes()[..6]);
    body.extend_from_slice(b"19");
    body.extend_from_slice(&s.as_bytes()[6..15]);
    let check = check_char(&body);
    body.push(check);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn the_standards_own_example_is_valid_and_derives_birth_and_sex() {
        let id = ResidentId::parse_at("11010519491231002X", day()).unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id}"), "110105********002X");
    }

    #[test]
    fn full_width_digits_lowercase_x_and_spaces_are_normalised() {
        let id = ResidentId::parse_at(" １１０１０５ 19491231002x ", day()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn a_wrong_check_digit_names_the_expected_one() {
        let err = ResidentId::parse_at("110105194912310021", day()).unwrap_err();
        assert_eq!(err, ResidentIdError::CheckDigit { expected: 'X', actual: '1' });
        assert!(err.to_string().contains("应为“X”"));
    }

    #[test]
    fn fifteen_digit_numbers_upgrade_to_eighteen() {
        let id = ResidentId::parse_at("110105491231002", day()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn impossible_and_future_birth_dates_are_rejected() {
        let body = "43010219990230001";
        let s = format!("{body}{}", check_char(body.as_bytes()) as char);
        assert!(matches!(ResidentId::parse_at(&s, day()), Err(ResidentIdError::BirthDate(_))));
        let body = "43010220300101001";
        let s = format!("{body}{}", check_char(body.as_bytes()) as char);
        assert!(matches!(ResidentId::parse_at(&s, day()), Err(ResidentIdError::FutureBirthDate(_))));
    }

    #[test]
    fn excel_scientific_notation_is_reported_as_lost_precision() {
        assert_eq!(ResidentId::parse_at("4.30102E+17", day()), Err(ResidentIdError::LostPrecision));
        assert_eq!(ResidentId::parse_at("430102197001010000", day()), Err(ResidentIdError::LostPrecision));
    }

    #[test]
    fn wrong_lengths_and_characters_are_explained() {
        assert_eq!(ResidentId::parse_at("1234", day()), Err(ResidentIdError::Length(4)));
        assert_eq!(ResidentId::parse_at("", day()), Err(ResidentIdError::Empty));
        assert!(matches!(ResidentId::parse_at("11010519491231002Y", day()), Err(ResidentIdError::Character('Y'))));
        assert!(matches!(ResidentId::parse_at("99010519491231002X", day()), Err(ResidentIdError::Region(_))));
    }

    proptest::proptest! {
        #[test]
        fn parsing_arbitrary_text_never_panics(s in ".{0,64}") {
            let _ = ResidentId::parse_at(&s, day());
        }

        #[test]
        fn every_generated_body_round_trips(region in 110000u32..820000, y in 1900i32..2026, doy in 0u32..365, seq in 0u32..1000) {
            let date = NaiveDate::from_yo_opt(y, doy + 1).unwrap();
            let body = format!("{region:06}{}{seq:03}", date.format("%Y%m%d"));
            let id = ResidentId::from_body(&body).unwrap();
            proptest::prop_assert_eq!(id.birth_date(), date);
            let again = ResidentId::parse_at(&id.as_str().to_lowercase(), day()).unwrap();
            proptest::prop_assert_eq!(again, id);
        }
    }
}
