//! Statistical division codes (统计用区划代码): 12 digits, five levels, prefix scopes.

use std::fmt;

/// The five levels of the division tree; 街道/社区 count as township/village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegionLevel {
    Province,
    City,
    County,
    Township,
    Village,
}

impl RegionLevel {
    /// Number of significant leading digits at this level.
    pub fn digits(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "市",
            RegionLevel::County => "县",
            RegionLevel::Township => "乡镇",
            RegionLevel::Village => "村",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Township => "township",
            RegionLevel::Village => "village",
        }
    }
    pub fn all() -> [RegionLevel; 5] {
        use RegionLevel::*;
        [Province, City, County, Township, Village]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("区划代码应为 12 位数字（可省略末尾的 0），实际为“{0}”")]
    Format(String),
    #[error("区划代码“{0}”的层级不连续：下级代码不为 0 时上级代码不能为 0")]
    Gap(String),
}

/// A 12-digit division code that knows its level.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode([u8; 12]);

impl RegionCode {
    /// Parses 12 digits, or a shorter code of 2/4/6/9 digits padded with zeros
    /// (national lists often give counties as 6 digits).
    pub fn parse(text: &str) -> Result<RegionCode, RegionCodeError> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if !t.bytes().all(|b| b.is_ascii_digit()) || !matches!(t.len(), 2 | 4 | 6 | 9 | 12) {
            return Err(RegionCodeError::Format(text.trim().chars().take(30).collect()));
        }
        let mut out = [b'0'; 12];
        out[..t.len()].copy_from_slice(t.as_bytes());
        let code = RegionCode(out);
        if &out[..2] == b"00" {
            return Err(RegionCodeError::Format(t));
        }
        // a zero segment may not be followed by a non-zero one
        let bounds = [0, 2, 4, 6, 9, 12];
        let deepest = RegionLevel::all().iter().position(|l| *l == code.level()).unwrap_or(0);
        for w in bounds.windows(2).take(deepest + 1) {
            if out[w[0]..w[1]].iter().all(|&b| b == b'0') {
                return Err(RegionCodeError::Gap(t));
            }
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The deepest level whose segment is non-zero.
    pub fn level(&self) -> RegionLevel {
        let s = &self.0;
        let zero = |r: std::ops::Range<usize>| s[r].iter().all(|&b| b == b'0');
        if !zero(9..12) {
            RegionLevel::Village
        } else if !zero(6..9) {
            RegionLevel::Township
        } else if !zero(4..6) {
            RegionLevel::County
        } else if !zero(2..4) {
            RegionLevel::City
        } else {
            RegionLevel::Province
        }
    }

    /// The significant prefix: every code below this one starts with it.
    pub fn prefix(&self) -> &str {
        &self.as_str()[..self.level().digits()]
    }

    /// The inclusive range of 12-digit codes inside this region (for range scans).
    pub fn range(&self) -> (String, String) {
        let p = self.prefix();
        (format!("{p:0<12}"), format!("{p:9<12}"))
    }

    /// The code of the enclosing region, `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        let digits = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::City => 2,
            RegionLevel::County => 4,
            RegionLevel::Township => 6,
            RegionLevel::Village => 9,
        };
        let mut out = [b'0'; 12];
        out[..digits].copy_from_slice(&self.0[..digits]);
        Some(RegionCode(out))
    }

    /// The ancestor at `level` (itself when equal), `None` if deeper than this code.
    pub fn at_level(&self, level: RegionLevel) -> Option<RegionCode> {
        if level > self.level() {
            return None;
        }
        let mut out = [b'0'; 12];
        out[..level.digits()].copy_from_slice(&self.0[..level.digits()]);
        Some(RegionCode(out))
    }

    /// Whether `other` lies in this region (or is it).
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.as_str().starts_with(self.prefix())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.as_str())
    }
}

/// What part of the division tree a caller may see: a code prefix ("" = the whole country).
/// Every read path in the store takes one and applies it in SQL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegionScope(String);

impl RegionScope {
    /// The whole country (system administrators, national tools).
    pub fn all() -> RegionScope {
        RegionScope(String::new())
    }
    pub fn of(region: &RegionCode) -> RegionScope {
        RegionScope(region.prefix().to_string())
    }
    pub fn prefix(&self) -> &str {
        &self.0
    }
    /// A LIKE pattern matching every code in scope.
    pub fn like_pattern(&self) -> String {
        format!("{}%", self.0)
    }
    pub fn contains(&self, code: &RegionCode) -> bool {
        code.as_str().starts_with(&self.0)
    }
}

/// A region of the tree as stored: code, name, and for villages the poverty-village status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_village_code_knows_its_level_prefix_and_ancestors() {
        let v = RegionCode::parse("431023105201").unwrap();
        assert_eq!(v.level(), RegionLevel::Village);
        assert_eq!(v.parent().unwrap().as_str(), "431023105000");
        assert_eq!(v.at_level(RegionLevel::County).unwrap().prefix(), "431023");
        let county = RegionCode::parse("431023").unwrap();
        assert_eq!(county.as_str(), "431023000000");
        assert!(county.contains(&v));
        assert_eq!(county.range(), ("431023000000".into(), "431023999999".into()));
        assert!(RegionScope::of(&county).contains(&v));
        assert!(!RegionScope::of(&RegionCode::parse("431024").unwrap()).contains(&v));
    }

    #[test]
    fn malformed_codes_are_rejected_with_a_reason() {
        assert!(matches!(RegionCode::parse("43102"), Err(RegionCodeError::Format(_))));
        assert!(matches!(RegionCode::parse("4310231a5201"), Err(RegionCodeError::Format(_))));
        assert!(matches!(RegionCode::parse("431000105201"), Err(RegionCodeError::Gap(_))));
        assert!(matches!(RegionCode::parse("000000000000"), Err(RegionCodeError::Format(_))));
    }
}
