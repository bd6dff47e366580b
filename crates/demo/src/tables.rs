//! Reference tables of the demo: distributions and value pools (places, banks, units, vocab codes).

/// County codes (湖南省) where members born outside the demo county were first registered.
pub(crate) const OTHER_COUNTIES: [&[u8; 6]; 12] = [
    b"431002", b"431003", b"431021", b"431022", b"431023", b"431024", b"431025", b"431026", b"431027", b"431028",
    b"430421", b"431121",
];

/// Household size distribution in per mille (mean ≈ 3.3).
pub(crate) const SIZES: [(usize, u32); 8] =
    [(1, 150), (2, 220), (3, 200), (4, 200), (5, 130), (6, 60), (7, 30), (8, 10)];

/// Main poverty causes of registered households (per mille).
pub(crate) const CAUSES: [(&str, u32); 12] = [
    ("illness", 400),
    ("disability", 180),
    ("schooling", 90),
    ("lack_labour", 80),
    ("lack_capital", 70),
    ("lack_skills", 60),
    ("disaster", 30),
    ("lack_land", 25),
    ("poor_transport", 20),
    ("lack_motivation", 20),
    ("lack_water", 10),
    ("other", 15),
];

/// Main risks of monitored households.
pub(crate) const RISKS: [(&str, u32); 11] = [
    ("illness", 380),
    ("disability", 150),
    ("high_living_cost", 100),
    ("unstable_employment", 100),
    ("schooling", 70),
    ("lack_labour", 60),
    ("accident", 50),
    ("disaster", 40),
    ("industry_failure", 20),
    ("unsafe_housing", 10),
    ("other", 20),
];

/// Secondary causes.
pub(crate) const SECOND_CAUSES: [(&str, u32); 10] = [
    ("lack_skills", 200),
    ("lack_capital", 200),
    ("lack_labour", 180),
    ("illness", 120),
    ("schooling", 80),
    ("disability", 60),
    ("poor_transport", 60),
    ("lack_land", 50),
    ("lack_motivation", 30),
    ("disaster", 20),
];

pub(crate) const ETHNICITIES: [(&str, u32); 6] =
    [("汉族", 920), ("瑶族", 40), ("苗族", 18), ("土家族", 14), ("侗族", 5), ("畲族", 3)];

pub(crate) const DISABILITY_GRADES: [(u8, u32); 4] = [(1, 15), (2, 25), (3, 30), (4, 30)];
pub(crate) const DISABILITY_CATEGORIES: [(&str, u32); 7] = [
    ("physical", 45),
    ("visual", 12),
    ("hearing", 12),
    ("intellectual", 12),
    ("mental", 10),
    ("speech", 4),
    ("multiple", 5),
];

/// Where migrants work: (place, county or district, weight); `None` = inside the demo county.
pub(crate) const PLACES: [(&str, Option<&str>, u32); 18] = [
    ("广东省东莞市", Some("东莞市"), 20),
    ("广东省深圳市", Some("宝安区"), 14),
    ("广东省深圳市", Some("龙岗区"), 8),
    ("广东省广州市", Some("白云区"), 10),
    ("广东省广州市", Some("番禺区"), 5),
    ("广东省佛山市", Some("南海区"), 7),
    ("广东省中山市", Some("中山市"), 4),
    ("广东省惠州市", Some("惠阳区"), 4),
    ("浙江省宁波市", Some("鄞州区"), 4),
    ("浙江省温州市", Some("瓯海区"), 3),
    ("浙江省杭州市", Some("萧山区"), 3),
    ("福建省厦门市", Some("湖里区"), 3),
    ("江苏省苏州市", Some("昆山市"), 3),
    ("上海市", Some("闵行区"), 2),
    ("湖南省长沙市", Some("雨花区"), 6),
    ("湖南省长沙市", Some("岳麓区"), 3),
    ("湖南省郴州市", Some("北湖区"), 5),
    ("湖南省郴州市", None, 6),
];

pub(crate) const EMPLOYERS: [&str; 10] = [
    "鸿达电子厂",
    "永兴制衣厂",
    "宏远建筑工程公司",
    "顺通物流公司",
    "华美鞋业有限公司",
    "新城家具厂",
    "金盛五金制品厂",
    "明辉玩具厂",
    "个体经营",
    "鑫源食品有限公司",
];
pub(crate) const CHANNELS: [(&str, u32); 4] = [("自主就业", 60), ("亲友介绍", 25), ("政府组织", 10), ("劳务中介", 5)];
pub(crate) const WELFARE_POSTS: [&str; 6] = ["护林员", "保洁员", "护路员", "巡河员", "防贫监测信息员", "水管员"];

/// Banks with account prefix and length.
pub(crate) const BANKS: [(&str, &str, usize, u32); 6] = [
    ("农村商业银行", "621449", 19, 45),
    ("中国农业银行", "622848", 19, 20),
    ("中国邮政储蓄银行", "621799", 19, 20),
    ("中国建设银行", "621700", 19, 7),
    ("中国工商银行", "62122", 19, 5),
    ("中国银行", "6217", 16, 3),
];
pub(crate) const MOBILE_PREFIXES: [&str; 24] = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "157", "158",
    "159", "173", "177", "180", "182", "187", "189", "199",
];

/// Helper units; a township's government and school are added by name.
pub(crate) const COUNTY_UNITS: [&str; 14] = [
    "县教育局",
    "县人民医院",
    "县财政局",
    "县农业农村局",
    "县自然资源局",
    "县住房和城乡建设局",
    "县人力资源和社会保障局",
    "县卫生健康局",
    "县交通运输局",
    "县水利局",
    "县林业局",
    "县民政局",
    "县乡村振兴局",
    "县供电公司",
];

pub(crate) const ROAD_TYPES: [(&str, u32); 4] = [("水泥路", 80), ("砂石路", 12), ("柏油路", 5), ("泥土路", 3)];
pub(crate) const FUELS: [(&str, u32); 4] = [("柴草", 35), ("电", 33), ("液化气", 25), ("煤炭", 7)];

pub(crate) const PRIMARY: [&str; 6] = ["primary_1", "primary_2", "primary_3", "primary_4", "primary_5", "primary_6"];
pub(crate) const JUNIOR: [&str; 3] = ["junior_7", "junior_8", "junior_9"];
pub(crate) const SENIOR: [&str; 3] = ["senior_1", "senior_2", "senior_3"];
pub(crate) const VOCATIONAL: [&str; 3] = ["vocational_1", "vocational_2", "vocational_3"];
pub(crate) const HIGHER_VOCATIONAL: [&str; 3] = ["higher_vocational_1", "higher_vocational_2", "higher_vocational_3"];

#[cfg(test)]
mod tests {
    use super::*;
    use bangfu_domain::vocab::*;

    #[test]
    fn every_code_in_the_tables_is_a_vocabulary_code() {
        for (c, _) in CAUSES.iter().chain(&RISKS).chain(&SECOND_CAUSES) {
            assert!(POVERTY_CAUSE.by_code(c).is_some(), "{c}");
        }
        for (c, _) in DISABILITY_CATEGORIES {
            assert!(DISABILITY_CATEGORY.by_code(c).is_some(), "{c}");
        }
        for c in PRIMARY.iter().chain(&JUNIOR).chain(&SENIOR).chain(&VOCATIONAL).chain(&HIGHER_VOCATIONAL) {
            assert!(SCHOOL_STATUS.by_code(c).is_some(), "{c}");
        }
        assert_eq!(SIZES.iter().map(|s| s.1).sum::<u32>(), 1000);
        assert_eq!(CAUSES.iter().map(|s| s.1).sum::<u32>(), 1000);
    }
}
