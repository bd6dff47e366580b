//! The demo county: 湖南省 郴州市 青山县 (431099, fictional) with 12 townships and 150 villages.

use crate::dice::Dice;
use bangfu_domain::RegionCode;

/// A named region of the demo tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRegion {
    pub code: RegionCode,
    pub name: String,
}

/// An administrative village with its villager groups and poverty-village status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoVillage {
    pub region: DemoRegion,
    /// "1组".."N组".
    pub groups: Vec<String>,
    /// A registered poverty village (贫困村).
    pub poor_village: bool,
    /// The year a poverty village exited (出列).
    pub exit_year: Option<i32>,
}

/// The demo county with its ancestors, townships and villages (villages ordered by code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCounty {
    pub province: DemoRegion,
    pub city: DemoRegion,
    pub county: DemoRegion,
    pub townships: Vec<DemoRegion>,
    pub villages: Vec<DemoVillage>,
}

impl DemoCounty {
    /// Province, city, county, townships and villages, sorted by code (each township before its villages).
    pub fn all_regions(&self) -> Vec<DemoRegion> {
        let mut out = vec![self.province.clone(), self.city.clone(), self.county.clone()];
        out.extend(self.townships.iter().cloned());
        out.extend(self.villages.iter().map(|v| v.region.clone()));
        out.sort_by_key(|r| r.code);
        out
    }

    /// The township a village belongs to.
    pub fn township_of(&self, village: &DemoVillage) -> Option<&DemoRegion> {
        let parent = village.region.code.parent()?;
        self.townships.iter().find(|t| t.code == parent)
    }
}

/// Townships with their number of villages (150 in all).
const TOWNSHIPS: [(&str, u32); 12] = [
    ("城关镇", 18),
    ("龙海镇", 15),
    ("牌楼乡", 9),
    ("石桥镇", 12),
    ("白沙镇", 14),
    ("永和乡", 8),
    ("竹山乡", 13),
    ("新田镇", 11),
    ("大坪乡", 16),
    ("金溪镇", 10),
    ("黄茅乡", 12),
    ("长塘镇", 12),
];

const VILLAGE_FIRST: &str = "黄石龙马桃杨高新田竹枫长大上下东西南北白青金银花松柏梅李塘岭坪溪水中太平和兴安福乐桐樟荷";
const VILLAGE_SECOND: &str = "岭门塘坪冲湾溪山田源桥坑洞江口头背陂铺林村寨庄垅";

fn region(code: &str, name: &str) -> DemoRegion {
    let code = RegionCode::parse(code).unwrap_or_else(|e| panic!("demo region code {code}: {e}"));
    DemoRegion { code, name: name.to_string() }
}

/// The n-th character of a string of 3-byte (CJK) characters.
fn cjk(s: &str, n: usize) -> &str {
    &s[3 * n..3 * n + 3]
}

/// Builds the demo county; always the same tree.
pub fn demo_county() -> DemoCounty {
    let mut dice = Dice::new(431_099);
    let mut townships = Vec::new();
    let mut villages: Vec<DemoVillage> = Vec::new();
    let (firsts, seconds) = (VILLAGE_FIRST.len() / 3, VILLAGE_SECOND.len() / 3);
    for (t, (tname, count)) in TOWNSHIPS.iter().enumerate() {
        let tcode = format!("431099{:03}", 101 + t);
        townships.push(region(&tcode, tname));
        for v in 0..*count {
            let name = loop {
                let a = cjk(VILLAGE_FIRST, dice.below(firsts as u32) as usize);
                let b = cjk(VILLAGE_SECOND, dice.below(seconds as u32) as usize);
                if a == b {
                    continue;
                }
                let name = format!("{a}{b}村");
                if !villages.iter().any(|x| x.region.name == name) {
                    break name;
                }
            };
            let groups = (1..=dice.range(4, 12)).map(|g| format!("{g}组")).collect();
            let poor_village = dice.pct(22);
            let exit_year = poor_village.then(|| dice.range(2016, 2020));
            villages.push(DemoVillage {
                region: region(&format!("{tcode}{:03}", 201 + v), &name),
                groups,
                poor_village,
                exit_year,
            });
        }
    }
    DemoCounty {
        province: region("43", "湖南省"),
        city: region("4310", "郴州市"),
        county: region("431099", "青山县"),
        townships,
        villages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bangfu_domain::RegionLevel;
    use std::collections::HashSet;

    #[test]
    fn codes_are_valid_and_nested_and_names_unique_within_townships() {
        let c = demo_county();
        assert_eq!(c.county.code.as_str(), "431099000000");
        assert_eq!(c.townships.len(), 12);
        assert_eq!(c.villages.len(), 150);
        for t in &c.townships {
            assert_eq!(t.code.level(), RegionLevel::Township);
            assert!(c.county.code.contains(&t.code));
            let names: Vec<&str> =
                c.villages.iter().filter(|v| t.code.contains(&v.region.code)).map(|v| v.region.name.as_str()).collect();
            assert!((8..=18).contains(&names.len()), "{}", t.name);
            assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len());
        }
        for v in &c.villages {
            assert_eq!(v.region.code.level(), RegionLevel::Village);
            assert_eq!(RegionCode::parse(v.region.code.as_str()), Ok(v.region.code));
            assert!(c.township_of(v).is_some());
            assert!((4..=12).contains(&v.groups.len()));
            assert_eq!(v.groups[0], "1组");
            assert_eq!(v.poor_village, v.exit_year.is_some());
            assert!(&v.region.code.as_str()[9..] >= "201");
        }
        let all = c.all_regions();
        assert_eq!(all.len(), 3 + 12 + 150);
        assert!(all.windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(all[3].code.as_str(), "431099101000");
        assert_eq!(all[4].code.as_str(), "431099101201");
        assert_eq!(demo_county(), c);
    }
}
