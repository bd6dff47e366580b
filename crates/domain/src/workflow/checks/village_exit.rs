//! Village exit (出列, 一低五有): poverty incidence below the threshold, and a culture room, a
//! clinic, a network connection, a hardened road and a collective economy. Every item blocks.

use super::CheckResult;

/// The national threshold: incidence below 2%.
pub const DEFAULT_THRESHOLD_PERMILLE: i64 = 20;
/// The threshold in the western region: below 3%.
pub const WEST_THRESHOLD_PERMILLE: i64 = 30;

/// What a village exit is judged on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VillageFacts {
    /// 农业户籍人口.
    pub rural_population: i64,
    /// Registered poor persons not yet exited.
    pub poor_persons: i64,
    /// 有综合性文化服务中心（文化室）.
    pub culture_room: bool,
    /// 有标准化卫生室.
    pub clinic: bool,
    /// 通宽带网络.
    pub network: bool,
    /// 通硬化路.
    pub hardened_road: bool,
    /// 有集体经济收入.
    pub collective_economy: bool,
}

/// Hundredths of a percent as "1.23%".
fn percent(hundredths: i64) -> String {
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}

/// Per mille as a percentage without trailing zeros: 20 → "2%", 25 → "2.5%".
fn threshold_text(permille: i64) -> String {
    if permille % 10 == 0 { format!("{}%", permille / 10) } else { format!("{}.{}%", permille / 10, permille % 10) }
}

/// The incidence item: poor ÷ rural population strictly below `threshold_permille` ‰.
fn incidence(f: &VillageFacts, threshold_permille: i64) -> CheckResult {
    let title = format!("贫困发生率低于 {}", threshold_text(threshold_permille));
    let (pop, poor) = (f.rural_population, f.poor_persons);
    let fail = |detail: String| CheckResult { code: "VEX-INC", title: title.clone(), passed: false, detail, blocking: true };
    if pop <= 0 {
        return fail(format!("农业户籍人口为 {pop}，无法计算贫困发生率；请填写全村农业户籍人口"));
    }
    if poor < 0 || poor > pop {
        return fail(format!("贫困人口 {poor} 人、农业户籍人口 {pop} 人，数字不合理，请核对"));
    }
    // Rounded half up to hundredths of a percent.
    let hundredths = (poor * 20_000 + pop) / (2 * pop);
    let passed = poor * 1000 < threshold_permille * pop;
    let cmp = if passed { "低于" } else { "未低于" };
    let detail = format!("贫困人口 {poor} 人 ÷ 农业户籍人口 {pop} 人 = {}，{cmp} {}", percent(hundredths), threshold_text(threshold_permille));
    CheckResult { code: "VEX-INC", title, passed, detail, blocking: true }
}

fn facility(code: &'static str, title: &str, has: bool, missing: &str) -> CheckResult {
    let detail = if has { "有".to_string() } else { format!("{missing}，须补齐后再申请出列") };
    CheckResult::blocking(code, title, has, detail)
}

/// The village exit checklist with the incidence threshold in per mille
/// ([`DEFAULT_THRESHOLD_PERMILLE`] 20‰, [`WEST_THRESHOLD_PERMILLE`] 30‰ in the west).
pub fn village_exit(f: &VillageFacts, threshold_permille: i64) -> Vec<CheckResult> {
    vec![
        incidence(f, threshold_permille),
        facility("VEX-CULT", "有综合性文化服务中心（文化室）", f.culture_room, "没有文化室"),
        facility("VEX-CLINIC", "有标准化卫生室", f.clinic, "没有标准化卫生室"),
        facility("VEX-NET", "通宽带网络", f.network, "未通宽带网络"),
        facility("VEX-ROAD", "通硬化路", f.hardened_road, "未通硬化路"),
        facility("VEX-COLL", "有集体经济收入", f.collective_economy, "没有集体经济收入"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn village(pop: i64, poor: i64) -> VillageFacts {
        VillageFacts { rural_population: pop, poor_persons: poor, culture_room: true, clinic: true, network: true, hardened_road: true, collective_economy: true }
    }

    #[test]
    fn a_village_below_two_percent_with_five_facilities_passes() {
        let r = village_exit(&village(1_523, 27), DEFAULT_THRESHOLD_PERMILLE);
        assert_eq!(r.iter().map(|c| c.code).collect::<Vec<_>>(), ["VEX-INC", "VEX-CULT", "VEX-CLINIC", "VEX-NET", "VEX-ROAD", "VEX-COLL"]);
        assert!(r.iter().all(|c| c.passed && c.blocking), "{r:#?}");
        assert_eq!(r[0].title, "贫困发生率低于 2%");
        assert_eq!(r[0].detail, "贫困人口 27 人 ÷ 农业户籍人口 1523 人 = 1.77%，低于 2%");
    }

    #[test]
    fn exactly_the_threshold_is_not_below_it() {
        let r = village_exit(&village(1_000, 20), DEFAULT_THRESHOLD_PERMILLE);
        assert!(!r[0].passed);
        assert_eq!(r[0].detail, "贫困人口 20 人 ÷ 农业户籍人口 1000 人 = 2.00%，未低于 2%");
        let r = village_exit(&village(1_000, 20), WEST_THRESHOLD_PERMILLE);
        assert!(r[0].passed);
        assert_eq!(r[0].title, "贫困发生率低于 3%");
        assert_eq!(village_exit(&village(1_000, 0), 25)[0].title, "贫困发生率低于 2.5%");
    }

    #[test]
    fn percentages_round_half_up_to_two_decimals() {
        // 2 ÷ 300 = 0.6667%
        assert!(village_exit(&village(300, 2), 20)[0].detail.contains("= 0.67%"));
        // 1 ÷ 8 = 12.5%
        assert!(village_exit(&village(8, 1), 20)[0].detail.contains("= 12.50%"));
    }

    #[test]
    fn zero_population_and_impossible_counts_fail_clearly() {
        let r = village_exit(&village(0, 0), 20);
        assert!(!r[0].passed && r[0].blocking);
        assert_eq!(r[0].detail, "农业户籍人口为 0，无法计算贫困发生率；请填写全村农业户籍人口");
        assert!(!village_exit(&village(10, 11), 20)[0].passed);
        assert!(!village_exit(&village(10, -1), 20)[0].passed);
    }

    #[test]
    fn each_missing_facility_blocks() {
        let mut f = village(1_000, 5);
        f.clinic = false;
        f.collective_economy = false;
        let r = village_exit(&f, 20);
        let failed: Vec<&str> = r.iter().filter(|c| !c.passed).map(|c| c.code).collect();
        assert_eq!(failed, ["VEX-CLINIC", "VEX-COLL"]);
        assert_eq!(r[2].detail, "没有标准化卫生室，须补齐后再申请出列");
        assert_eq!(r[1].detail, "有");
    }
}
