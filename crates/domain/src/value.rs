//! Typed field values and the parsers that turn officials' cell text into them.

use crate::vocab::{fold, Vocabulary};
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// How a field's text is read, stored and written back.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Free text (names, places).
    Text,
    /// A whole count (people, months).
    Count,
    /// A calendar year.
    Year,
    /// Money in 元 with decimals, stored as integer fen.
    Money,
    /// A decimal quantity with two places (亩, m², km), stored as hundredths.
    Hundredths,
    Date,
    Bool,
    Vocab(&'static Vocabulary),
    /// A 12-digit division code.
    Region,
    /// A phone number: stored protected, masked on display.
    Phone,
    /// A bank account number: stored protected, masked on display.
    BankAccount,
    /// An identity document number (resident ID or disability certificate).
    IdNumber,
}

/// A protected value (phone, bank account): Debug and Display show it masked.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret(String);

impl Secret {
    pub fn new(plain: String) -> Secret {
        Secret(plain)
    }
    /// The full value: call only where the caller is entitled to it (storage, export with rights).
    pub fn reveal(&self) -> &str {
        &self.0
    }
    /// Keeps the first 3 and last 4 characters.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks the middle of a number: 138****5678, 6228********1234.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n <= 4 {
        return "*".repeat(n);
    }
    let keep_head = if n >= 11 { 3 } else { 1 };
    let head: String = chars[..keep_head].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - keep_head - 4))
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}
impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// A field's value. Vocabulary values hold the term's code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Value {
    #[default]
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Code(&'static str),
    Secret(Secret),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_code(&self) -> Option<&'static str> {
        match self {
            Value::Code(c) => Some(c),
            _ => None,
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

/// Why a cell could not be read, with what to do about it (both in Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub reason: String,
    pub fix: String,
}

impl ValueError {
    fn new(reason: impl Into<String>, fix: impl Into<String>) -> ValueError {
        ValueError { reason: reason.into(), fix: fix.into() }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}（{}）", self.reason, self.fix)
    }
}

/// Reads a cell. Empty text is `Null`; `today` bounds dates.
pub fn parse_value(kind: Kind, raw: &str, today: NaiveDate) -> Result<Value, ValueError> {
    let text = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.is_empty() || text == "-" || text == "/" || text == "—" || text == "无数据" {
        return Ok(Value::Null);
    }
    match kind {
        Kind::Text => Ok(Value::Text(text.to_string())),
        Kind::Count => parse_count(text).map(Value::Int),
        Kind::Year => parse_year(text, today).map(Value::Int),
        Kind::Money => parse_decimal(text, &["万元", "元"], true).map(Value::Int).map_err(|_| {
            ValueError::new(format!("“{}”不是金额", short(text)), "请填写以元为单位的数字，如 12345.67")
        }),
        Kind::Hundredths => match parse_decimal(text, &["亩", "平方米", "㎡", "m2", "公里", "km", "千米"], false) {
            Ok(v) if v >= 0 => Ok(Value::Int(v)),
            _ => Err(ValueError::new(format!("“{}”不是非负数", short(text)), "请填写数字，最多两位小数，如 2.5")),
        },
        Kind::Date => parse_date(text, today).map(Value::Date),
        Kind::Bool => parse_bool(text).map(Value::Bool),
        Kind::Vocab(v) => v.parse(text).map(|t| Value::Code(t.code)).ok_or_else(|| {
            ValueError::new(format!("“{}”不是有效的{}", short(text), v.name), format!("可选值：{}", v.labels()))
        }),
        Kind::Region => crate::region::RegionCode::parse(text)
            .map(|c| Value::Text(c.as_str().to_string()))
            .map_err(|e| ValueError::new(e.to_string(), "请填写 12 位统计用区划代码")),
        Kind::Phone => parse_phone(text).map(|p| Value::Secret(Secret::new(p))),
        Kind::BankAccount => parse_bank_account(text).map(|p| Value::Secret(Secret::new(p))),
        Kind::IdNumber => Ok(Value::Text(text.to_string())),
    }
}

/// Writes a value back as the text the importer reads (vocabulary labels, 元 with decimals).
pub fn format_value(kind: Kind, value: &Value) -> String {
    match (kind, value) {
        (_, Value::Null) => String::new(),
        (Kind::Money, Value::Int(fen)) => format_hundredths(*fen),
        (Kind::Hundredths, Value::Int(h)) => format_hundredths(*h),
        (_, Value::Int(i)) => i.to_string(),
        (_, Value::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
        (_, Value::Date(d)) => d.format("%Y-%m-%d").to_string(),
        (Kind::Vocab(v), Value::Code(c)) => v.by_code(c).map(|t| t.label).unwrap_or(c).to_string(),
        (_, Value::Code(c)) => c.to_string(),
        (_, Value::Text(t)) => t.clone(),
        (_, Value::Secret(s)) => s.reveal().to_string(),
    }
}

/// 12345 hundredths → "123.45"; 100 → "1"; 150 → "1.5".
pub fn format_hundredths(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let (whole, frac) = (a / 100, a % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

fn short(s: &str) -> String {
    let mut t: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        t.push('…');
    }
    t
}

fn parse_count(text: &str) -> Result<i64, ValueError> {
    let t = text.trim_end_matches(['人', '口', '个', '月', '户']);
    let t = t.strip_suffix(".0").unwrap_or(t);
    t.parse::<i64>()
        .ok()
        .filter(|v| (0..=100_000).contains(v))
        .ok_or_else(|| ValueError::new(format!("“{}”不是整数", short(text)), "请填写不带小数的数字，如 4"))
}

fn parse_year(text: &str, today: NaiveDate) -> Result<i64, ValueError> {
    let t = text.trim_end_matches('年').trim_end_matches("年度");
    let t = t.strip_suffix(".0").unwrap_or(t);
    let year = t.parse::<i64>().ok().or_else(|| parse_date(text, today).ok().map(|d| d.year() as i64));
    match year {
        Some(y) if (1949..=today.year() as i64 + 1).contains(&y) => Ok(y),
        _ => Err(ValueError::new(format!("“{}”不是有效年份", short(text)), "请填写四位年份，如 2019")),
    }
}

/// The largest amount accepted, in hundredths (fen): 1 万亿 元 less a fen.
pub const MAX_HUNDREDTHS: i64 = 99_999_999_999_999;

/// Decimal text → hundredths (fen for money). Accepts thousands separators and a unit suffix.
pub fn parse_decimal(text: &str, units: &[&str], allow_negative: bool) -> Result<i64, ()> {
    let mut t: String = fold(text).replace(',', "");
    let mut scale: i64 = 1;
    for u in units {
        if let Some(s) = t.strip_suffix(u) {
            if *u == "万元" {
                scale = 10_000;
            }
            t = s.to_string();
            break;
        }
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    if neg && !allow_negative {
        return Err(());
    }
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 13 {
        return Err(());
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| ())? };
    // round half up at two places
    let mut f2: i64 = 0;
    let digits: Vec<i64> = frac.bytes().map(|b| (b - b'0') as i64).collect();
    for i in 0..2 {
        f2 = f2 * 10 + digits.get(i).copied().unwrap_or(0);
    }
    if digits.get(2).copied().unwrap_or(0) >= 5 {
        f2 += 1;
    }
    let v = (w * 100 + f2).checked_mul(scale).ok_or(())?;
    // no registry amount or area comes near a trillion; larger values are typing errors
    if v > MAX_HUNDREDTHS {
        return Err(());
    }
    Ok(if neg { -v } else { v })
}

/// Dates as officials type them: 2021-03-05, 2021/3/5, 2021.3.5, 20210305, 2021年3月5日,
/// 2021-03 (first of the month), or an Excel serial number (1900 system).
pub fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate, ValueError> {
    let bad = || ValueError::new(format!("“{}”不是有效日期", short(text)), "请填写如 2021-03-05 的日期");
    let first = text.trim().split(|c: char| c.is_whitespace() || c == 'T').next().unwrap_or_default();
    let folded = fold(first);
    let t = folded.as_str();
    let serial_text = match t.split_once('.') {
        Some((w, f)) if !f.contains('.') && f.bytes().all(|b| b.is_ascii_digit()) && w.len() == 5 => w,
        _ => t,
    };
    let date = if serial_text.bytes().all(|b| b.is_ascii_digit()) {
        if serial_text.len() == 8 {
            NaiveDate::parse_from_str(serial_text, "%Y%m%d").ok()
        } else if let (5, Ok(serial)) = (serial_text.len(), serial_text.parse::<i64>()) {
            // Excel serial: day 1 = 1900-01-01, with the fictitious 1900-02-29
            if (1..=2_958_465).contains(&serial) {
                NaiveDate::from_ymd_opt(1899, 12, 30).and_then(|d| d.checked_add_signed(chrono::Duration::days(serial)))
            } else {
                None
            }
        } else {
            None
        }
    } else {
        let norm: String = t
            .replace("年", "-")
            .replace("月", "-")
            .replace("日", "")
            .replace(['/', '.'], "-");
        let norm = norm.trim_end_matches('-');
        let parts: Vec<&str> = norm.split('-').collect();
        let nums: Option<Vec<u32>> = parts.iter().map(|p| p.parse::<u32>().ok()).collect();
        match nums.as_deref() {
            Some([y, m, d]) if *y >= 1000 => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
            Some([y, m]) if *y >= 1000 => NaiveDate::from_ymd_opt(*y as i32, *m, 1),
            _ => None,
        }
    };
    match date {
        Some(d) if d.year() >= 1850 && d <= today + chrono::Duration::days(366) => Ok(d),
        _ => Err(bad()),
    }
}

fn parse_bool(text: &str) -> Result<bool, ValueError> {
    match fold(text).as_str() {
        "是" | "有" | "Y" | "y" | "YES" | "Yes" | "yes" | "√" | "1" | "TRUE" | "true" | "已" | "已解决" | "已消除" | "通" => Ok(true),
        "否" | "无" | "N" | "n" | "NO" | "No" | "no" | "×" | "0" | "FALSE" | "false" | "未" | "未解决" | "未消除" | "不通" => Ok(false),
        _ => Err(ValueError::new(format!("“{}”不是“是/否”", short(text)), "请填写“是”或“否”")),
    }
}

fn parse_phone(text: &str) -> Result<String, ValueError> {
    if text.contains('*') {
        return Err(ValueError::new("电话号码是脱敏后的值（含 *）", "脱敏值不能导入，请使用含完整号码的原始表格"));
    }
    let mut t: String = fold(text).chars().filter(|c| !matches!(c, ' ' | '(' | ')')).collect();
    if let Some(s) = t.strip_prefix("+86") {
        t = s.to_string();
    }
    let digits: String = t.chars().filter(|c| *c != '-').collect();
    let ok_mobile = digits.len() == 11 && digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9');
    let ok_landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    if digits.bytes().all(|b| b.is_ascii_digit()) && (ok_mobile || ok_landline) {
        if ok_landline && t.contains('-') { Ok(t) } else { Ok(digits) }
    } else {
        Err(ValueError::new(
            format!("“{}”不是有效电话号码", short(text)),
            "手机号为 1 开头的 11 位数字；固定电话写作区号-号码，如 0731-84512345",
        ))
    }
}

fn parse_bank_account(text: &str) -> Result<String, ValueError> {
    if text.contains('*') {
        return Err(ValueError::new("银行账号是脱敏后的值（含 *）", "脱敏值不能导入，请使用含完整账号的原始表格"));
    }
    let digits: String = fold(text).chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if (8..=32).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(ValueError::new(
            format!("“{}”不是有效银行账号", short(text)),
            "银行账号应为 8–32 位数字；若显示为科学计数法，请把该列设为文本后重新录入",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn money_is_read_into_fen_and_written_back() {
        assert_eq!(parse_value(Kind::Money, "12,345.678", today()), Ok(Value::Int(1_234_568)));
        assert_eq!(parse_value(Kind::Money, "-30.5元", today()), Ok(Value::Int(-3050)));
        assert_eq!(parse_value(Kind::Money, "1.2万元", today()), Ok(Value::Int(1_200_000)));
        assert_eq!(format_value(Kind::Money, &Value::Int(1_234_568)), "12345.68");
        assert_eq!(format_value(Kind::Money, &Value::Int(-3050)), "-30.5");
        assert!(parse_value(Kind::Money, "abc", today()).is_err());
        assert!(parse_value(Kind::Hundredths, "-2", today()).is_err());
    }

    #[test]
    fn a_fuzzer_found_amount_in_wan_yuan_beyond_the_limit_is_refused() {
        assert!(parse_value(Kind::Money, "444444444442万元\n\n", today()).is_err());
        assert_eq!(parse_value(Kind::Money, "999999999999.99", today()), Ok(Value::Int(MAX_HUNDREDTHS)));
    }

    #[test]
    fn dates_in_every_common_spelling() {
        let d = NaiveDate::from_ymd_opt(2021, 3, 5).unwrap();
        for s in ["2021-03-05", "2021/3/5", "2021.3.5", "20210305", "2021年3月5日", "44260", "2021-03-05 00:00:00"] {
            assert_eq!(parse_date(s, today()), Ok(d), "{s}");
        }
        assert_eq!(parse_date("2021-03", today()), Ok(NaiveDate::from_ymd_opt(2021, 3, 1).unwrap()));
        assert!(parse_date("2021-02-30", today()).is_err());
        assert!(parse_date("昨天", today()).is_err());
    }

    #[test]
    fn phones_are_normalised_and_masked_values_refused() {
        assert_eq!(parse_phone("+86 138-0000-1234"), Ok("13800001234".into()));
        assert_eq!(parse_phone("0731-84512345"), Ok("0731-84512345".into()));
        assert!(parse_phone("138****1234").unwrap_err().reason.contains("脱敏"));
        assert!(parse_phone("12345").is_err());
        assert_eq!(Secret::new("13800001234".into()).masked(), "138****1234");
        assert_eq!(format!("{:?}", Secret::new("6228480012345678".into())), "Secret(622*********5678)");
    }

    #[test]
    fn yes_no_years_and_counts() {
        assert_eq!(parse_value(Kind::Bool, "是", today()), Ok(Value::Bool(true)));
        assert_eq!(parse_value(Kind::Bool, "×", today()), Ok(Value::Bool(false)));
        assert_eq!(parse_value(Kind::Year, "2019年", today()), Ok(Value::Int(2019)));
        assert!(parse_value(Kind::Year, "2099", today()).is_err());
        assert_eq!(parse_value(Kind::Count, "4人", today()), Ok(Value::Int(4)));
        assert_eq!(parse_value(Kind::Count, "", today()), Ok(Value::Null));
    }

    proptest::proptest! {
        #[test]
        fn huge_amounts_are_refused_not_mangled(v in 1_000_000_000_000_000i64..9_000_000_000_000_000) {
            proptest::prop_assert!(parse_decimal(&v.to_string(), &[], true).is_err());
        }

        #[test]
        fn hundredths_round_trip(v in -10_000_000_000i64..10_000_000_000) {
            let text = format_hundredths(v);
            proptest::prop_assert_eq!(parse_decimal(&text, &[], true), Ok(v));
        }

        #[test]
        fn no_cell_text_panics_any_parser(s in ".{0,40}") {
            for k in [Kind::Count, Kind::Year, Kind::Money, Kind::Hundredths, Kind::Date, Kind::Bool, Kind::Phone, Kind::BankAccount, Kind::Region] {
                let _ = parse_value(k, &s, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
            }
        }
    }
}
