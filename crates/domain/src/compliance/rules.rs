//! Pure computations of the rules: months, working days, what a team member owes, stints and
//! exchanges, and where a household stands.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=2200).contains(&year)).then_some(Month { year, month })
    }
    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }
    /// "2025-06", "2025-6", "2025年6月", "202506".
    pub fn parse(text: &str) -> Option<Month> {
        let t = text.trim().trim_end_matches('月');
        let (y, m) = if let Some((y, m)) = t.split_once(['-', '/', '年', '.']) {
            (y.trim().parse().ok()?, m.trim().parse().ok()?)
        } else if t.len() == 6 && t.chars().all(|c| c.is_ascii_digit()) {
            (t[..4].parse().ok()?, t[4..].parse().ok()?)
        } else {
            return None;
        };
        Month::new(y, m)
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }
    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { year: self.year, month: self.month + 1 } }
    }
    pub fn minus(self, months: u32) -> Month {
        let idx = self.year * 12 + self.month as i32 - 1 - months as i32;
        Month { year: idx.div_euclid(12), month: idx.rem_euclid(12) as u32 + 1 }
    }
    /// The day the month is judged at: its last day, or `today` while it is running.
    pub fn as_of(self, today: NaiveDate) -> NaiveDate {
        if today < self.last_day() && today >= self.first_day() { today } else { self.last_day() }
    }
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// Monday to Friday in the month (public holidays and swapped workdays are not known: a simplification).
pub fn working_days(m: Month) -> i64 {
    let mut d = m.first_day();
    let mut n = 0;
    while d <= m.last_day() {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
        d += Duration::days(1);
    }
    n
}

/// Days a work-team member must be in the village: the fixed number, or, when a share is set,
/// that share of the month's working days rounded up.
pub fn team_days_required(m: Month, fixed_days: i64, share_pct: i64) -> i64 {
    if share_pct > 0 { (working_days(m) * share_pct + 99) / 100 } else { fixed_days }
}

/// met / due as a percentage with one decimal; 100 when nothing is due.
pub fn rate(met: i64, due: i64) -> f64 {
    if due <= 0 { 100.0 } else { (met as f64 * 1000.0 / due as f64).round() / 10.0 }
}

/// Whether a household counts as not visited for too long on `as_of`: never visited, or last visited
/// more than `days` days before.
pub fn overdue(last_visit: Option<NaiveDate>, as_of: NaiveDate, days: i64) -> bool {
    match last_visit {
        None => true,
        Some(d) => (as_of - d).num_days() > days,
    }
}

/// Days since the last visit on `as_of`.
pub fn days_since(last_visit: Option<NaiveDate>, as_of: NaiveDate) -> Option<i64> {
    last_visit.map(|d| (as_of - d).num_days())
}

/// A school semester: spring (February–July) or autumn (August–January).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Semester {
    /// The calendar year the semester starts in.
    pub year: i32,
    pub autumn: bool,
}

impl Semester {
    pub fn of(d: NaiveDate) -> Semester {
        match d.month() {
            1 => Semester { year: d.year() - 1, autumn: true },
            2..=7 => Semester { year: d.year(), autumn: false },
            _ => Semester { year: d.year(), autumn: true },
        }
    }
    pub fn label(self) -> String {
        if self.autumn { format!("{}年秋季学期", self.year) } else { format!("{}年春季学期", self.year) }
    }
}

/// The school year (September–August) a date falls in, named by its first calendar year.
pub fn school_year(d: NaiveDate) -> i32 {
    if d.month() >= 9 { d.year() } else { d.year() - 1 }
}

/// One stint (支教/挂职) of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stint {
    pub helper_id: i64,
    pub started_on: NaiveDate,
    pub ended_on: NaiveDate,
}

impl Stint {
    /// Days including both ends.
    pub fn days(&self) -> i64 {
        (self.ended_on - self.started_on).num_days() + 1
    }
}

/// A problem found in stints: too short (STN-01) or too little in a semester (STN-02).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StintIssue {
    TooShort { helper_id: i64, started_on: NaiveDate, days: i64 },
    SemesterShort { helper_id: i64, semester: Semester, days: i64 },
}

/// Checks stints: each at least `min_days` long; per teacher and semester (by start date, for the
/// semesters the teacher has any stint in) at least `semester_days` in total.
pub fn check_stints(stints: &[Stint], min_days: i64, semester_days: i64) -> Vec<StintIssue> {
    let mut out = Vec::new();
    let mut per: std::collections::BTreeMap<(i64, Semester), i64> = Default::default();
    for s in stints {
        let d = s.days();
        if d < min_days {
            out.push(StintIssue::TooShort { helper_id: s.helper_id, started_on: s.started_on, days: d });
        }
        *per.entry((s.helper_id, Semester::of(s.started_on))).or_default() += d.max(0);
    }
    for ((helper_id, semester), days) in per {
        if days < semester_days {
            out.push(StintIssue::SemesterShort { helper_id, semester, days });
        }
    }
    out
}

/// Teachers exchanged per school year (distinct teachers with a stint starting in it); years
/// below `required` are returned with their count.
pub fn exchange_shortfalls(stints: &[Stint], years: &[i32], required: i64) -> Vec<(i32, i64)> {
    years
        .iter()
        .map(|y| {
            let mut t: Vec<i64> = stints.iter().filter(|s| school_year(s.started_on) == *y).map(|s| s.helper_id).collect();
            t.sort_unstable();
            t.dedup();
            (*y, t.len() as i64)
        })
        .filter(|(_, n)| *n < required)
        .collect()
}

/// Whether a leader counts as the unit's main leader (主要领导): a position without 副.
/// Simplification: the helper record has no separate flag, the position text decides.
pub fn is_main_leader(position: Option<&str>) -> bool {
    matches!(position, Some(p) if !p.trim().is_empty() && !p.contains('副'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_parse_and_bound() {
        let m = Month::parse("2025-06").unwrap();
        assert_eq!(Month::parse("2025年6月"), Some(m));
        assert_eq!(Month::parse("202506"), Some(m));
        assert_eq!(Month::parse("2025-13"), None);
        assert_eq!(m.last_day(), d(2025, 6, 30));
        assert_eq!(Month::parse("2024-02").unwrap().last_day(), d(2024, 2, 29));
        assert_eq!(m.minus(6), Month { year: 2024, month: 12 });
        assert_eq!(m.as_of(d(2025, 6, 10)), d(2025, 6, 10));
        assert_eq!(m.as_of(d(2025, 9, 1)), d(2025, 6, 30));
    }

    #[test]
    fn team_days_by_share_of_working_days() {
        assert_eq!(working_days(Month::parse("2025-06").unwrap()), 21);
        assert_eq!(team_days_required(Month::parse("2025-06").unwrap(), 20, 0), 20);
        assert_eq!(team_days_required(Month::parse("2025-06").unwrap(), 20, 67), 15); // 21 × 0.67 = 14.07 → 15
    }

    #[test]
    fn overdue_and_rate() {
        assert!(overdue(None, d(2025, 6, 30), 45));
        assert!(!overdue(Some(d(2025, 5, 16)), d(2025, 6, 30), 45));
        assert!(overdue(Some(d(2025, 5, 15)), d(2025, 6, 30), 45));
        assert_eq!(rate(2, 3), 66.7);
        assert_eq!(rate(0, 0), 100.0);
    }

    #[test]
    fn stints_and_exchanges() {
        let s = |h, a: NaiveDate, b: NaiveDate| Stint { helper_id: h, started_on: a, ended_on: b };
        let stints = [s(1, d(2025, 3, 1), d(2025, 3, 5)), s(1, d(2025, 4, 1), d(2025, 4, 30)), s(2, d(2025, 9, 1), d(2025, 10, 15))];
        let issues = check_stints(&stints, 7, 30);
        assert_eq!(issues, vec![StintIssue::TooShort { helper_id: 1, started_on: d(2025, 3, 1), days: 5 }]);
        assert_eq!(exchange_shortfalls(&stints, &[2024, 2025], 2), vec![(2024, 1), (2025, 1)]);
        assert!(is_main_leader(Some("局长")) && !is_main_leader(Some("副局长")) && !is_main_leader(None));
    }
}
