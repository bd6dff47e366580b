//! Header normalisation and column letters.
//!
//! Normalisation rules (see [`normalize_header`]):
//! 1. remove all whitespace, including line breaks inside a cell, U+3000 and NBSP, and
//!    zero-width characters;
//! 2. full-width ASCII (`（）：，［］` …) becomes half-width, `【】` becomes `[]`;
//! 3. leading/trailing required-markers `*` and `※` are removed;
//! 4. a trailing parenthesised *unit or remark* is removed if something remains. A part
//!    counts as a unit when it is at most 6 characters, contains no `、`, and (after an
//!    optional `单位:` prefix) consists of known units joined by `/` (`亩`, `元`, `万元`,
//!    `月`, `人`, `km`, `公里`, `是/否`, `元/月` …), an `N位` length hint, or `必填`/`选填`.
//!    So `耕地面积（亩）` → `耕地面积`, but `县(市、区、旗)` and `公益性岗位(月数)` stay.
//!
//! Steps 3 and 4 repeat until nothing changes, which makes the function idempotent.
//! [`normalize_header_full`] applies steps 1–3 only.

use crate::cellfmt::is_trim_char;

/// Excel column letter for a 0-based index: 0 → "A", 25 → "Z", 26 → "AA", 16383 → "XFD".
pub fn column_letter(index: usize) -> String {
    let mut n = index as u128 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn is_marker(c: char) -> bool {
    matches!(c, '*' | '※')
}

/// Steps 1–3 of the rules: whitespace removed, full-width folded, markers removed. Keeps
/// any unit in parentheses.
pub fn normalize_header_full(s: &str) -> String {
    let folded: String = s
        .chars()
        .filter(|&c| !is_trim_char(c))
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' => '[',
            '】' => ']',
            _ => c,
        })
        .collect();
    folded.trim_matches(is_marker).to_string()
}

/// Normalises a header cell for matching (all rules, see the module documentation).
/// Examples: `"耕地面积（亩）"` → `"耕地面积"`, `" 户主\n姓名 "` → `"户主姓名"`,
/// `"证件号码*"` → `"证件号码"`, `"县(市、区、旗)"` → `"县(市、区、旗)"`.
pub fn normalize_header(s: &str) -> String {
    let mut cur = normalize_header_full(s);
    loop {
        let next = match strip_unit(&cur) {
            Some(rest) => rest.trim_matches(is_marker).to_string(),
            None => return cur,
        };
        if next.is_empty() || next == cur {
            return cur;
        }
        cur = next;
    }
}

const UNITS: &[&str] = &[
    "亩",
    "元",
    "万元",
    "千元",
    "百元",
    "月",
    "个月",
    "人",
    "户",
    "个",
    "岁",
    "周岁",
    "年",
    "天",
    "日",
    "次",
    "间",
    "套",
    "座",
    "台",
    "头",
    "只",
    "株",
    "棵",
    "公里",
    "千米",
    "米",
    "厘米",
    "km",
    "m",
    "cm",
    "m2",
    "m²",
    "㎡",
    "平方米",
    "平米",
    "公顷",
    "kg",
    "公斤",
    "斤",
    "千克",
    "吨",
    "%",
    "‰",
    "是",
    "否",
    "有",
    "无",
    "y",
    "n",
    "小时",
    "分钟",
    "kw",
    "kwh",
    "度",
    "立方米",
    "m3",
    "m³",
    "份",
    "项",
    "张",
    "本",
    "辆",
    "元/人",
    "必填",
    "选填",
    "可选",
];

fn is_unit(inner: &str) -> bool {
    let inner = inner
        .strip_prefix("单位:")
        .or_else(|| inner.strip_prefix("单位"))
        .unwrap_or(inner);
    let count = inner.chars().count();
    if count == 0 || count > 6 || inner.contains('、') {
        return false;
    }
    if let Some(digits) = inner.strip_suffix('位')
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        return true;
    }
    inner.split('/').all(|part| {
        let lower = part.to_ascii_lowercase();
        UNITS.contains(&lower.as_str())
    })
}

/// Removes one trailing `(unit)` / `[unit]`; `None` if there is none.
fn strip_unit(s: &str) -> Option<&str> {
    let (open, close) = if s.ends_with(')') {
        ('(', ')')
    } else if s.ends_with(']') {
        ('[', ']')
    } else {
        return None;
    };
    let body = &s[..s.len() - close.len_utf8()];
    let start = body.rfind(open)?;
    let inner = &body[start + open.len_utf8()..];
    let rest = &body[..start];
    (!rest.is_empty() && is_unit(inner)).then_some(rest)
}

/// Normalised names to try for one header text, most specific first: the full form, then
/// the form without a unit.
pub(crate) fn variants(text: &str) -> [String; 2] {
    [normalize_header_full(text), normalize_header(text)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16383), "XFD");
        assert!(!column_letter(usize::MAX).is_empty());
    }

    #[test]
    fn normalisation_examples() {
        assert_eq!(normalize_header("耕地面积（亩）"), "耕地面积");
        assert_eq!(normalize_header(" 户主\n姓名 "), "户主姓名");
        assert_eq!(normalize_header("证件号码*"), "证件号码");
        assert_eq!(normalize_header("※ 证件号码"), "证件号码");
        assert_eq!(normalize_header("县(市、区、旗)"), "县(市、区、旗)");
        assert_eq!(normalize_header("县（市、区、旗）"), "县(市、区、旗)");
        assert_eq!(normalize_header("务工时间（月）"), "务工时间");
        assert_eq!(normalize_header("人均纯收入（元）"), "人均纯收入");
        assert_eq!(normalize_header("与村主干路距离(km)"), "与村主干路距离");
        assert_eq!(normalize_header("与村主干路距离（公里）"), "与村主干路距离");
        assert_eq!(normalize_header("是否危房户(是/否)"), "是否危房户");
        assert_eq!(normalize_header("家庭人数(人)"), "家庭人数");
        assert_eq!(normalize_header("公益性岗位(月数)"), "公益性岗位(月数)");
        assert_eq!(normalize_header("住房面积（单位：平方米）"), "住房面积");
        assert_eq!(normalize_header("身份证号码(18位)*"), "身份证号码");
        assert_eq!(normalize_header("(元)"), "(元)");
        assert_eq!(normalize_header("【户编号】"), "[户编号]");
        assert_eq!(normalize_header("\u{3000}姓\u{a0}名\r\n"), "姓名");
        assert_eq!(normalize_header_full("耕地面积（亩）"), "耕地面积(亩)");
    }

    #[test]
    fn idempotent_on_tricky_inputs() {
        for s in [
            "a(亩)(元)",
            "*(元)*",
            "x*(元)",
            "**",
            "※(亩)※",
            "a[亩]",
            "(",
            ")",
            "a()",
        ] {
            let once = normalize_header(s);
            assert_eq!(normalize_header(&once), once, "{s:?}");
        }
    }
}
