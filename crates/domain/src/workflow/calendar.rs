//! The holiday calendar (节假日与调休) and the period arithmetic of public notices (公示期) and deadlines.
//!
//! A day is a working day when it is Monday–Friday and not a holiday, or when it is an extra
//! working day (调休上班, a weekend day worked in exchange for a holiday). Holiday lists are edited
//! as text, one date (or range) per line, and read with [`parse_holiday_lines`].

use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::BTreeSet;

/// Holidays and extra working days; every other day is worked Monday–Friday and free at weekends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    extra_workdays: BTreeSet<NaiveDate>,
}

/// Whether a listed day is free or worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// 放假: a day off, even if it falls on a weekday.
    Holiday,
    /// 调休上班: a weekend day that is worked.
    ExtraWorkday,
}

/// One day of an editable holiday list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayLine {
    pub date: NaiveDate,
    pub name: String,
    pub kind: DayKind,
}

/// Longest range one line may span (a typo like 2026-10-01~2026-12-07 is refused).
const MAX_RANGE_DAYS: i64 = 31;

impl Calendar {
    /// A calendar with these holidays and extra working days. A date in both lists is a working day.
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>, extra_workdays: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        Calendar { holidays: holidays.into_iter().collect(), extra_workdays: extra_workdays.into_iter().collect() }
    }

    /// Saturdays and Sundays off, no holidays.
    pub fn weekends_only() -> Calendar {
        Calendar::default()
    }

    /// The calendar of a parsed holiday list.
    pub fn from_lines(lines: &[HolidayLine]) -> Calendar {
        let pick = |k: DayKind| lines.iter().filter(move |l| l.kind == k).map(|l| l.date);
        Calendar::new(pick(DayKind::Holiday), pick(DayKind::ExtraWorkday))
    }

    /// The shipped national arrangements ([`china_holidays`]) for the years given.
    pub fn china(years: impl IntoIterator<Item = i32>) -> Calendar {
        let lines: Vec<HolidayLine> = years.into_iter().flat_map(china_holidays).collect();
        Calendar::from_lines(&lines)
    }

    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    pub fn extra_workdays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.extra_workdays.iter().copied()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.extra_workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// Whether `d` counts towards a period: every day, or only working days.
    fn counts(&self, d: NaiveDate, working_days: bool) -> bool {
        !working_days || self.is_working_day(d)
    }

    /// The next day after `d` that counts.
    fn next_counted(&self, d: NaiveDate, working_days: bool) -> NaiveDate {
        let mut n = next(d);
        while !self.counts(n, working_days) {
            n = next(n);
        }
        n
    }

    /// The last day of a notice that starts on `start` and lasts `days` days.
    ///
    /// Calendar days: `start` is day 1, so 7 days from Friday 3rd end on Thursday 9th. Working days:
    /// only working days count; a start on a weekend or holiday counts from the next working day,
    /// and the end is always a working day. `days` 0 is read as 1 (a notice is up at least a day).
    pub fn period_end(&self, start: NaiveDate, days: u32, working_days: bool) -> NaiveDate {
        let mut d = start;
        if !self.counts(d, working_days) {
            d = self.next_counted(d, working_days);
        }
        for _ in 1..days.max(1) {
            d = self.next_counted(d, working_days);
        }
        d
    }

    /// A deadline `days` days after `start` (start + days); in working days, the `days`-th working
    /// day after `start`. `days` 0 is `start` itself.
    pub fn add_days(&self, start: NaiveDate, days: u32, working_days: bool) -> NaiveDate {
        let mut d = start;
        for _ in 0..days {
            d = self.next_counted(d, working_days);
        }
        d
    }

    /// How long until `end`, seen on `today`: positive — the days (or working days) after today up to
    /// and including `end` (at least 1 while `end` is still ahead); 0 — `end` is today; negative —
    /// calendar days since `end` passed.
    pub fn days_left(&self, today: NaiveDate, end: NaiveDate, working_days: bool) -> i64 {
        if today > end {
            return -(today - end).num_days();
        }
        if today == end {
            return 0;
        }
        if !working_days {
            return (end - today).num_days();
        }
        let mut n = 0;
        let mut d = next(today);
        while d <= end {
            if self.is_working_day(d) {
                n += 1;
            }
            d = next(d);
        }
        n.max(1)
    }
}

fn next(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

/// Reads a date as officials type it: 2026-10-01, 2026/10/1, 2026.10.01.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let t: String = s.trim().chars().map(|c| if matches!(c, '/' | '.' | '／' | '．') { '-' } else { c }).collect();
    NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()
}

fn weekday_label(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// Reads an editable holiday list. Each non-empty line is a date or a range and a name:
/// `2026-10-01 国庆节`, `2026-10-01~2026-10-07 国庆节` (also `至`), and an extra working day is
/// written `2026-10-10 调休上班` (any name containing 上班 or 补班) or with a leading `+`.
/// Lines starting with `#` are comments. Errors name the line and say how to fix it, in Chinese.
pub fn parse_holiday_lines(text: &str) -> Result<Vec<HolidayLine>, Vec<String>> {
    let mut out: Vec<HolidayLine> = Vec::new();
    let mut seen: std::collections::HashMap<NaiveDate, (usize, DayKind)> = std::collections::HashMap::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (plus, line) = match line.strip_prefix('+').or_else(|| line.strip_prefix('＋')) {
            Some(rest) => (true, rest.trim_start()),
            None => (false, line),
        };
        let (when, name) = match line.split_once(char::is_whitespace) {
            Some((w, n)) => (w, n.trim()),
            None => (line, ""),
        };
        // "2026-10-01 至 2026-10-07 国庆节": the range word may stand apart.
        let (when, name) = match name.split_once(char::is_whitespace) {
            Some(("至" | "~" | "～" | "到", rest)) => {
                let (to, n) = rest.trim().split_once(char::is_whitespace).unwrap_or((rest.trim(), ""));
                (format!("{when}~{to}"), n.trim())
            }
            _ => (when.to_string(), name),
        };
        let kind = if plus || name.contains("上班") || name.contains("补班") { DayKind::ExtraWorkday } else { DayKind::Holiday };
        let parts: Vec<&str> = when.split(['~', '～', '至']).filter(|p| !p.is_empty()).collect();
        let bad_date = |s: &str| format!("第 {no} 行：日期“{s}”无法识别，请写成 2026-10-01 这样的格式");
        let (from, to) = match parts.as_slice() {
            [one] => match parse_date(one) {
                Some(d) => (d, d),
                None => {
                    errors.push(bad_date(one));
                    continue;
                }
            },
            [a, b] => match (parse_date(a), parse_date(b)) {
                (Some(x), Some(y)) => (x, y),
                (None, _) => {
                    errors.push(bad_date(a));
                    continue;
                }
                (_, None) => {
                    errors.push(bad_date(b));
                    continue;
                }
            },
            _ => {
                errors.push(format!("第 {no} 行：“{when}”无法识别，请写一个日期如 2026-10-01，或一段日期如 2026-10-01~2026-10-07"));
                continue;
            }
        };
        if to < from {
            errors.push(format!("第 {no} 行：结束日期 {to} 早于开始日期 {from}，请把早的日期写在前面"));
            continue;
        }
        if (to - from).num_days() >= MAX_RANGE_DAYS {
            errors.push(format!("第 {no} 行：{from}~{to} 超过 {MAX_RANGE_DAYS} 天，请核对日期是否写错"));
            continue;
        }
        let mut d = from;
        loop {
            if kind == DayKind::ExtraWorkday && !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                errors.push(format!("第 {no} 行：{d} 是{}，本来就是工作日；调休上班只用于星期六、星期日，请核对日期", weekday_label(d)));
            } else if let Some((first, k)) = seen.get(&d) {
                if *k != kind {
                    let was = if *k == DayKind::Holiday { "放假" } else { "调休上班" };
                    errors.push(format!("第 {no} 行：{d} 在第 {first} 行已写为{was}，两行矛盾，请删去其中一行"));
                }
            } else {
                seen.insert(d, (no, kind));
                out.push(HolidayLine { date: d, name: name.to_string(), kind });
            }
            if d >= to {
                break;
            }
            d = next(d);
        }
    }
    if errors.is_empty() {
        out.sort_by_key(|l| l.date);
        Ok(out)
    } else {
        Err(errors)
    }
}

/// 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）.
const CHINA_2025: &str = "\
2025-01-01 元旦
2025-01-28~2025-02-04 春节
2025-01-26 春节调休上班
2025-02-08 春节调休上班
2025-04-04~2025-04-06 清明节
2025-05-01~2025-05-05 劳动节
2025-04-27 劳动节调休上班
2025-05-31~2025-06-02 端午节
2025-10-01~2025-10-08 国庆节、中秋节
2025-09-28 国庆节调休上班
2025-10-11 国庆节调休上班
";

/// 国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）.
const CHINA_2026: &str = "\
2026-01-01~2026-01-03 元旦
2026-01-04 元旦调休上班
2026-02-15~2026-02-23 春节
2026-02-14 春节调休上班
2026-02-28 春节调休上班
2026-04-04~2026-04-06 清明节
2026-05-01~2026-05-05 劳动节
2026-05-09 劳动节调休上班
2026-06-19~2026-06-21 端午节
2026-09-25~2026-09-27 中秋节
2026-10-01~2026-10-07 国庆节
2026-09-20 国庆节调休上班
2026-10-10 国庆节调休上班
";

/// The years [`china_holidays`] knows.
pub const CHINA_HOLIDAY_YEARS: &[i32] = &[2025, 2026];

/// The national holiday arrangement (放假调休安排) of `year`, as published by the 国务院办公厅.
///
/// Shipped for 2025 and 2026 only. 2027 and later are not shipped: their arrangement is published
/// each November and was not known when this list was written — add it through the editable
/// holiday list. An unknown year gives an empty list (weekends only).
pub fn china_holidays(year: i32) -> Vec<HolidayLine> {
    let text = match year {
        2025 => CHINA_2025,
        2026 => CHINA_2026,
        _ => return Vec::new(),
    };
    parse_holiday_lines(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test date")
    }

    fn china() -> Calendar {
        Calendar::china(CHINA_HOLIDAY_YEARS.iter().copied())
    }

    #[test]
    fn shipped_arrangements_parse_and_fall_on_the_right_weekdays() {
        for y in CHINA_HOLIDAY_YEARS {
            assert!(parse_holiday_lines(if *y == 2025 { CHINA_2025 } else { CHINA_2026 }).is_ok());
            let lines = china_holidays(*y);
            assert!(lines.iter().all(|l| l.date.year() == *y));
            for l in lines.iter().filter(|l| l.kind == DayKind::ExtraWorkday) {
                assert!(matches!(l.date.weekday(), Weekday::Sat | Weekday::Sun), "{l:?}");
            }
        }
        assert_eq!(china_holidays(2026).iter().filter(|l| l.kind == DayKind::Holiday).count(), 3 + 9 + 3 + 5 + 3 + 3 + 7);
        assert_eq!(china_holidays(2025).iter().filter(|l| l.kind == DayKind::Holiday).count(), 1 + 8 + 3 + 5 + 3 + 8);
        assert!(china_holidays(2027).is_empty());
        assert!(china_holidays(2024).is_empty());
    }

    #[test]
    fn working_days_follow_weekends_holidays_and_swapped_saturdays() {
        let c = china();
        assert!(c.is_working_day(d(2026, 11, 23))); // Monday
        assert!(!c.is_working_day(d(2026, 11, 22))); // Sunday
        assert!(!c.is_working_day(d(2026, 10, 1))); // 国庆, Thursday
        assert!(c.is_working_day(d(2026, 10, 10))); // 调休 Saturday
        assert!(c.is_working_day(d(2026, 9, 20))); // 调休 Sunday
        assert!(!c.is_working_day(d(2026, 2, 23))); // 春节, Monday
        let w = Calendar::weekends_only();
        assert!(w.is_working_day(d(2026, 10, 1)));
        assert!(!w.is_working_day(d(2026, 10, 10)));
        let both = Calendar::new([d(2026, 10, 10)], [d(2026, 10, 10)]);
        assert!(both.is_working_day(d(2026, 10, 10)));
    }

    #[test]
    fn a_notice_starting_friday() {
        let w = Calendar::weekends_only();
        let fri = d(2026, 11, 20);
        // Calendar days: Friday is day 1; seven days end on Thursday.
        assert_eq!(w.period_end(fri, 7, false), d(2026, 11, 26));
        assert_eq!(w.period_end(fri, 1, false), fri);
        // Working days: Fri, Mon, Tue, Wed, Thu.
        assert_eq!(w.period_end(fri, 5, true), d(2026, 11, 26));
        assert_eq!(w.period_end(fri, 7, true), d(2026, 11, 30));
        assert_eq!(w.period_end(fri, 0, true), fri);
    }

    #[test]
    fn a_notice_starting_at_the_weekend_counts_from_monday() {
        let w = Calendar::weekends_only();
        assert_eq!(w.period_end(d(2026, 11, 21), 5, true), d(2026, 11, 27));
        assert_eq!(w.period_end(d(2026, 11, 22), 1, true), d(2026, 11, 23));
        // Calendar days count the weekend.
        assert_eq!(w.period_end(d(2026, 11, 21), 5, false), d(2026, 11, 25));
    }

    #[test]
    fn a_notice_over_national_day_skips_the_holiday_and_works_the_swapped_saturday() {
        let c = china();
        // Posted Tuesday 2026-09-29: 29, 30, then 1–7 October off, then Thursday 8, Friday 9, Saturday 10 (调休).
        assert_eq!(c.period_end(d(2026, 9, 29), 5, true), d(2026, 10, 10));
        assert_eq!(c.period_end(d(2026, 9, 29), 7, true), d(2026, 10, 13));
        // Calendar days ignore holidays.
        assert_eq!(c.period_end(d(2026, 9, 29), 7, false), d(2026, 10, 5));
        // Posted on the holiday itself: counting starts Thursday 8 October.
        assert_eq!(c.period_end(d(2026, 10, 3), 1, true), d(2026, 10, 8));
        assert_eq!(c.period_end(d(2026, 10, 3), 5, true), d(2026, 10, 13));
        // 2025: 1–8 October off, Saturday 11 worked.
        assert_eq!(c.period_end(d(2025, 9, 30), 5, true), d(2025, 10, 13));
    }

    #[test]
    fn a_notice_over_spring_festival_2026() {
        let c = china();
        // Friday 13 February, Saturday 14 (调休), then 15–23 off, Tuesday 24 …
        assert_eq!(c.period_end(d(2026, 2, 13), 3, true), d(2026, 2, 24));
        assert_eq!(c.period_end(d(2026, 2, 14), 1, true), d(2026, 2, 14));
    }

    #[test]
    fn deadlines_add_days_after_the_start() {
        let c = china();
        let fri = d(2026, 11, 20);
        assert_eq!(c.add_days(fri, 5, false), d(2026, 11, 25));
        assert_eq!(c.add_days(fri, 5, true), d(2026, 11, 27));
        assert_eq!(c.add_days(fri, 0, true), fri);
        assert_eq!(c.add_days(d(2026, 9, 30), 1, true), d(2026, 10, 8));
        assert_eq!(c.add_days(d(2026, 10, 9), 1, true), d(2026, 10, 10));
    }

    #[test]
    fn days_left_counts_ahead_and_calendar_days_overdue() {
        let c = china();
        let end = d(2026, 11, 26); // Thursday
        assert_eq!(c.days_left(end, end, true), 0);
        assert_eq!(c.days_left(d(2026, 11, 25), end, true), 1);
        assert_eq!(c.days_left(d(2026, 11, 20), end, true), 4); // Mon, Tue, Wed, Thu
        assert_eq!(c.days_left(d(2026, 11, 20), end, false), 6);
        assert_eq!(c.days_left(d(2026, 11, 28), end, true), -2);
        // Only holidays between today and a non-working end: still ahead.
        assert_eq!(c.days_left(d(2026, 10, 2), d(2026, 10, 4), true), 1);
        assert_eq!(c.days_left(d(2026, 9, 30), d(2026, 10, 8), true), 1);
    }

    #[test]
    fn parser_reads_holidays_ranges_workdays_and_comments() {
        let text = "# 本县 2027 年\n\n2027-10-01~2027-10-03 国庆节\n2027-10-04 至 2027-10-05 国庆节\n2027-10-09 调休上班\n+2027-10-10\n2027/5/3 劳动节\n";
        let lines = parse_holiday_lines(text).expect("valid list");
        assert_eq!(lines.len(), 3 + 2 + 2 + 1);
        assert_eq!(lines[0], HolidayLine { date: d(2027, 5, 3), name: "劳动节".into(), kind: DayKind::Holiday });
        let c = Calendar::from_lines(&lines);
        assert!(!c.is_working_day(d(2027, 10, 5)));
        assert!(c.is_working_day(d(2027, 10, 9)));
        assert!(c.is_working_day(d(2027, 10, 10)));
        assert!(!c.is_working_day(d(2027, 5, 3)));
    }

    #[test]
    fn parser_errors_name_the_line_and_the_fix() {
        let text = "2026-10-01 国庆节\n\n2026-13-01 国庆节\n2026-10-07~2026-10-01 国庆节\n2026-10-12 调休上班\n+2026-10-01\n2026-01-01~2026-03-01 寒假\n";
        let errs = parse_holiday_lines(text).expect_err("bad list");
        assert_eq!(errs[0], "第 3 行：日期“2026-13-01”无法识别，请写成 2026-10-01 这样的格式");
        assert!(errs[1].starts_with("第 4 行：结束日期 2026-10-01 早于开始日期 2026-10-07"), "{}", errs[1]);
        assert!(errs[2].starts_with("第 5 行：2026-10-12 是星期一"), "{}", errs[2]);
        assert_eq!(errs[3], "第 6 行：2026-10-01 是星期四，本来就是工作日；调休上班只用于星期六、星期日，请核对日期");
        assert!(errs[4].starts_with("第 7 行："), "{}", errs[4]);
        assert_eq!(errs.len(), 5);
        let conflict = parse_holiday_lines("2026-10-10 国庆节\n2026-10-10 调休上班").expect_err("conflict");
        assert_eq!(conflict, vec!["第 2 行：2026-10-10 在第 1 行已写为放假，两行矛盾，请删去其中一行".to_string()]);
        assert!(parse_holiday_lines("国庆节 2026-10-01").is_err());
    }
}
