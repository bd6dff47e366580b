//! The checks a procedure runs before a case may go on (退出、纳入、出列): each item says what was
//! checked, whether it passed, the values found, and whether a failure blocks the case or only
//! needs the approver's explanation.

pub mod household_exit;
pub mod identification;
pub mod village_exit;

pub use household_exit::household_exit;
pub use identification::{identification, RedLineHit};
pub use village_exit::{village_exit, VillageFacts};

/// One checked item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Stable code, e.g. `EXIT-INC`.
    pub code: &'static str,
    /// What is checked, in Chinese.
    pub title: String,
    pub passed: bool,
    /// The values found, in a Chinese sentence.
    pub detail: String,
    /// A failure stops the case; a non-blocking failure needs the approver's explanation.
    pub blocking: bool,
}

impl CheckResult {
    /// A blocking item.
    pub fn blocking(code: &'static str, title: &str, passed: bool, detail: impl Into<String>) -> CheckResult {
        CheckResult { code, title: title.into(), passed, detail: detail.into(), blocking: true }
    }

    /// An item whose failure only needs an explanation.
    pub fn advisory(code: &'static str, title: &str, passed: bool, detail: impl Into<String>) -> CheckResult {
        CheckResult { code, title: title.into(), passed, detail: detail.into(), blocking: false }
    }

    /// A failure that stops the case.
    pub fn blocks(&self) -> bool {
        self.blocking && !self.passed
    }
}

/// Whether no item blocks.
pub fn all_clear(results: &[CheckResult]) -> bool {
    !results.iter().any(CheckResult::blocks)
}

/// The failed items, blocking ones first.
pub fn failures(results: &[CheckResult]) -> Vec<&CheckResult> {
    let mut v: Vec<&CheckResult> = results.iter().filter(|r| !r.passed).collect();
    v.sort_by_key(|r| !r.blocking);
    v
}

/// Fen as 元 with two decimals and thousands separators: 351200 → "3,512.00".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let whole = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", a % 100)
}

/// The label of a household type code (贫困户 …), or 未填.
pub(crate) fn type_label(code: Option<&str>) -> &'static str {
    code.and_then(|c| crate::vocab::HOUSEHOLD_TYPE.by_code(c)).map(|t| t.label).unwrap_or("未填")
}

#[cfg(test)]
pub(crate) mod testdoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_has_separators_and_two_decimals() {
        assert_eq!(yuan(351_200), "3,512.00");
        assert_eq!(yuan(400_000), "4,000.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(123_456_789), "1,234,567.89");
        assert_eq!(yuan(-100_050), "-1,000.50");
        assert_eq!(yuan(99_900), "999.00");
    }

    #[test]
    fn failures_put_blocking_first_and_all_clear_ignores_advisory() {
        let r = vec![
            CheckResult::advisory("A", "甲", false, ""),
            CheckResult::blocking("B", "乙", true, ""),
            CheckResult::blocking("C", "丙", false, ""),
        ];
        assert!(!all_clear(&r));
        assert_eq!(failures(&r).iter().map(|c| c.code).collect::<Vec<_>>(), vec!["C", "A"]);
        assert!(all_clear(&r[..2]));
    }
}
