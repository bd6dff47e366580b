//! Income lines by year (扶贫标准, 监测线): reference data with shipped national defaults that a
//! jurisdiction overrides; a year without its own value uses the latest earlier one.

/// Which line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// The current-price poverty (exit) line.
    Poverty,
    /// The relapse-prevention monitoring line.
    Monitoring,
}

impl LineKind {
    pub fn code(self) -> &'static str {
        match self {
            LineKind::Poverty => "poverty",
            LineKind::Monitoring => "monitoring",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            LineKind::Poverty => "扶贫标准（现价）",
            LineKind::Monitoring => "防返贫监测线",
        }
    }
    pub fn parse(code: &str) -> Option<LineKind> {
        match code {
            "poverty" => Some(LineKind::Poverty),
            "monitoring" => Some(LineKind::Monitoring),
            _ => None,
        }
    }
}

/// The shipped national defaults: (kind, year, 元, basis). From reference-data.md.
pub const NATIONAL_LINES: &[(LineKind, i64, i64, &str)] = &[
    (LineKind::Poverty, 2011, 2300, "2010 年不变价 2300 元 [S28]"),
    (LineKind::Poverty, 2015, 2855, "2015 年现价 [S2, S26c]"),
    (LineKind::Poverty, 2016, 3026, "2016 年现价 [S2, S26c]"),
    (LineKind::Poverty, 2020, 4000, "2020 年现价约 4000 元 [S26c]"),
    (LineKind::Monitoring, 2021, 6000, "2021 年全国监测线（扶贫标准的 1.5 倍）[S39a]"),
];

/// Lines by year in fen, ascending by year.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lines {
    poverty: Vec<(i64, i64)>,
    monitoring: Vec<(i64, i64)>,
}

impl Lines {
    pub fn national_defaults() -> Lines {
        let mut l = Lines::default();
        for (k, y, yuan, _) in NATIONAL_LINES {
            l.set(*k, *y, yuan * 100);
        }
        l
    }

    /// Sets (or replaces) a year's line, in fen.
    pub fn set(&mut self, kind: LineKind, year: i64, fen: i64) {
        let v = self.list_mut(kind);
        match v.binary_search_by_key(&year, |e| e.0) {
            Ok(i) => v[i].1 = fen,
            Err(i) => v.insert(i, (year, fen)),
        }
    }

    /// The line in force for `year` (the latest set at or before it), in fen.
    pub fn for_year(&self, kind: LineKind, year: i64) -> Option<i64> {
        let v = match kind {
            LineKind::Poverty => &self.poverty,
            LineKind::Monitoring => &self.monitoring,
        };
        v.iter().rev().find(|e| e.0 <= year).map(|e| e.1)
    }

    fn list_mut(&mut self, kind: LineKind) -> &mut Vec<(i64, i64)> {
        match kind {
            LineKind::Poverty => &mut self.poverty,
            LineKind::Monitoring => &mut self.monitoring,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_uses_the_latest_line_set_before_it() {
        let mut l = Lines::national_defaults();
        assert_eq!(l.for_year(LineKind::Poverty, 2015), Some(285_500));
        assert_eq!(l.for_year(LineKind::Poverty, 2025), Some(400_000));
        assert_eq!(l.for_year(LineKind::Monitoring, 2020), None);
        l.set(LineKind::Monitoring, 2024, 870_000);
        assert_eq!(l.for_year(LineKind::Monitoring, 2023), Some(600_000));
        assert_eq!(l.for_year(LineKind::Monitoring, 2025), Some(870_000));
    }
}
