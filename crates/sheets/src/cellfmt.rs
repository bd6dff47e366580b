//! Cell text helpers shared by readers and writers: trimming, number and date rendering,
//! and the CSV formula neutraliser.

use std::borrow::Cow;

/// Characters trimmed around every cell: Unicode whitespace (includes U+3000 ideographic
/// space and U+00A0 no-break space) plus zero-width characters Excel users paste in.
pub(crate) fn is_trim_char(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}')
}

/// Trims surrounding whitespace (see [`is_trim_char`]).
pub(crate) fn trim_cell(s: &str) -> &str {
    s.trim_matches(is_trim_char)
}

/// Trims in place without reallocating when nothing changes.
pub(crate) fn trim_owned(s: String) -> String {
    let t = trim_cell(&s);
    if t.len() == s.len() { s } else { t.to_string() }
}

/// Characters that make a spreadsheet treat text as a formula (or a DDE trigger).
fn is_formula_trigger(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// True when [`neutralize`] would prefix this text.
fn needs_quote(text: &str) -> bool {
    text.trim_start_matches('\'')
        .chars()
        .next()
        .is_some_and(is_formula_trigger)
}

/// Makes text safe to put into a CSV cell that a spreadsheet will open: prefixes `'` when it
/// starts with `=`, `+`, `-`, `@`, tab or carriage return (and, so that reading back is
/// exact, when it is apostrophes followed by one of those). Readers of this crate strip the
/// prefix again.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    if needs_quote(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Undoes [`neutralize`] on a value read from CSV.
pub(crate) fn unneutralize(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => text,
    }
}

/// Renders a number the way Excel shows it in a wide "General" cell, but never in
/// scientific notation: at most 15 significant digits, no trailing zeros, integers without
/// ".0". An 18-digit ID typed as a number therefore reads as its lossy digits
/// (`4.30102197001011e17` → `"430102197001011000"`).
pub fn format_number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f == 0.0 {
        return "0".to_string();
    }
    // 15 significant digits: d.dddddddddddddde±x
    let sci = format!("{:.14e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let point = exp + 1; // digits before the decimal point
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    let len = digits.len() as i64;
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else if point >= len {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (point - len) as usize));
    } else {
        let (int, frac) = digits.split_at(point as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Renders an Excel date/time (already split into components).
pub(crate) fn format_ymd_hms(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> String {
    if h == 0 && mi == 0 && s == 0 {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

/// Renders a duration given in days as `H:MM:SS` (hours may exceed 24).
pub(crate) fn format_duration_days(days: f64) -> String {
    if !days.is_finite() {
        return format_number(days);
    }
    let total = (days * 86_400.0).round();
    let neg = total < 0.0;
    let total = total.abs().min(9.0e15) as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    format!("{}{h}:{m:02}:{s:02}", if neg { "-" } else { "" })
}

/// Normalises an ISO 8601 date/time text from a cell: `2024-01-02T00:00:00` → `2024-01-02`,
/// otherwise `T` becomes a space.
pub(crate) fn format_iso_datetime(s: &str) -> String {
    let s = s.trim();
    match s.split_once('T') {
        Some((date, time)) => {
            let time = time.trim_end_matches('Z');
            if time.trim_start_matches(['0', ':', '.']).is_empty() {
                date.to_string()
            } else {
                format!("{date} {time}")
            }
        }
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(4.30102197001011e17), "430102197001011000");
        assert_eq!(format_number(430102197001011234.0), "430102197001011000");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(1.5), "1.5");
        assert_eq!(format_number(123.456), "123.456");
        assert_eq!(format_number(0.000012), "0.000012");
        assert_eq!(format_number(-2.25e-3), "-0.00225");
        assert_eq!(format_number(1e20), "100000000000000000000");
        assert_eq!(format_number(13800138000.0), "13800138000");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert!(!format_number(f64::MAX).contains('e'));
        assert!(!format_number(f64::MIN_POSITIVE).contains('e'));
    }

    #[test]
    fn neutralizer_round_trips() {
        for t in [
            "=1+1", "+86 138", "-5", "@x", "\tx", "'=x", "''+", "'", "a=b", "", "'abc",
        ] {
            let n = neutralize(t);
            assert_eq!(unneutralize(&n), t, "{t:?}");
        }
        assert_eq!(neutralize("=1+1"), "'=1+1");
        assert_eq!(neutralize("abc"), "abc");
        assert_eq!(neutralize("'abc"), "'abc");
    }

    #[test]
    fn trims_wide_spaces() {
        assert_eq!(trim_cell("\u{3000} 张三\u{a0}\t"), "张三");
    }

    #[test]
    fn dates() {
        assert_eq!(format_ymd_hms(2024, 1, 2, 0, 0, 0), "2024-01-02");
        assert_eq!(format_ymd_hms(2024, 1, 2, 3, 4, 5), "2024-01-02 03:04:05");
        assert_eq!(format_iso_datetime("2024-01-02T00:00:00"), "2024-01-02");
        assert_eq!(
            format_iso_datetime("2024-01-02T10:30:00"),
            "2024-01-02 10:30:00"
        );
        assert_eq!(format_duration_days(1.5), "36:00:00");
    }
}
