//! The shipped procedures: identification (两公示一公告), household exit, village exit, the annual
//! dynamic-adjustment campaign, monitoring identification and risk elimination. Each is a
//! definition (data) plus a named check set and an effect; a new procedure needs no engine code.

use super::definition::{Effect, FlowDefinition, Level, NoticeRule, Policy, StepDef, StepKind, SubjectKind};

const VILLAGE: &[&str] = &["village_cadre", "first_secretary"];
const TOWNSHIP: &[&str] = &["township_staff"];
const COUNTY: &[&str] = &["county_office"];

fn step(key: &str, title: &str, kind: StepKind, roles: &[&str], level: Level) -> StepDef {
    StepDef {
        key: key.into(),
        title: title.into(),
        kind,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        level,
        policy: Policy::Any,
        return_allowed: true,
        deadline_days: None,
        deadline_working_days: false,
        forbid_self: true,
        notice: None,
        quorum: None,
        checks: None,
        requires_attachment: false,
        verdict: false,
        on_objection_return_to: None,
    }
}

fn review(key: &str, title: &str, roles: &[&str], level: Level, deadline: u32) -> StepDef {
    StepDef { deadline_days: Some(deadline), ..step(key, title, StepKind::Review, roles, level) }
}

fn check(key: &str, title: &str, checks: &str, deadline: u32) -> StepDef {
    StepDef { checks: Some(checks.into()), deadline_days: Some(deadline), ..step(key, title, StepKind::Check, VILLAGE, Level::Village) }
}

fn deliberation(key: &str) -> StepDef {
    StepDef { quorum: Some((2, 3)), ..step(key, "民主评议", StepKind::Deliberation, VILLAGE, Level::Village) }
}

fn notice(key: &str, title: &str, roles: &[&str], owner: Level, posted_in: Level, days: u32, back_to: &str) -> StepDef {
    StepDef {
        notice: Some(NoticeRule { days, working_days: false, posted_in }),
        on_objection_return_to: Some(back_to.into()),
        ..step(key, title, StepKind::Notice, roles, owner)
    }
}

fn announcement(title: &str) -> StepDef {
    step("announcement", title, StepKind::Announcement, COUNTY, Level::County)
}

/// 贫困户识别: 申请 → 民主评议 → 村核实 + 比对 → 第一次公示 → 乡审核 → 第二次公示 → 县复审 → 公告.
pub fn identification() -> FlowDefinition {
    FlowDefinition {
        procedure: "identification".into(),
        title: "贫困户识别纳入（两公示一公告）".into(),
        subject: SubjectKind::Household,
        steps: vec![
            StepDef { forbid_self: false, ..review("accept", "村级受理申请", VILLAGE, Level::Village, 10) },
            deliberation("deliberation"),
            check("verify", "村级核实与数据比对", "identification", 15),
            notice("first_notice", "第一次公示（村内）", VILLAGE, Level::Village, Level::Village, 7, "deliberation"),
            review("township_review", "乡镇审核", TOWNSHIP, Level::Township, 15),
            notice("second_notice", "第二次公示（村内）", TOWNSHIP, Level::Township, Level::Village, 7, "township_review"),
            review("county_review", "县级复审", COUNTY, Level::County, 15),
            announcement("县级公告"),
        ],
        effect: Effect::HouseholdType { event: "newly_identified".into(), type_after: "poor".into() },
        basis: "国开办发〔2014〕24号《扶贫开发建档立卡工作方案》".into(),
    }
}

/// 贫困户退出: 一超两不愁三保障 核查 → 民主评议 → 户认可签字 → 村内公示 → 乡核查 → 县审批 → 退出公告.
pub fn household_exit() -> FlowDefinition {
    FlowDefinition {
        procedure: "household_exit".into(),
        title: "贫困户退出".into(),
        subject: SubjectKind::Household,
        steps: vec![
            StepDef { forbid_self: false, ..check("checklist", "拟退出核查（一超两不愁三保障）", "household_exit", 15) },
            deliberation("deliberation"),
            StepDef { requires_attachment: true, forbid_self: false, ..review("agreement", "贫困户认可签字", VILLAGE, Level::Village, 10) },
            notice("village_notice", "村内公示", VILLAGE, Level::Village, Level::Village, 7, "deliberation"),
            review("township_review", "乡镇逐户核查", TOWNSHIP, Level::Township, 15),
            review("county_review", "县级审批", COUNTY, Level::County, 15),
            announcement("退出公告"),
        ],
        effect: Effect::HouseholdType { event: "exit".into(), type_after: "exited".into() },
        basis: "厅字〔2016〕16号《关于建立贫困退出机制的意见》".into(),
    }
}

/// 贫困村出列: 一低五有 核查 → 乡审核 → 乡镇范围公示 → 县审定 → 出列公告.
pub fn village_exit() -> FlowDefinition {
    FlowDefinition {
        procedure: "village_exit".into(),
        title: "贫困村出列".into(),
        subject: SubjectKind::Village,
        steps: vec![
            StepDef { forbid_self: false, ..check("checklist", "出列核查（一低五有）", "village_exit", 15) },
            review("township_review", "乡镇审核", TOWNSHIP, Level::Township, 15),
            notice("township_notice", "乡镇范围内公示", TOWNSHIP, Level::Township, Level::Township, 7, "township_review"),
            review("county_review", "县级审定", COUNTY, Level::County, 15),
            announcement("出列公告"),
        ],
        effect: Effect::VillageExit,
        basis: "厅字〔2016〕16号《关于建立贫困退出机制的意见》".into(),
    }
}

/// 动态调整: one case per household; the village gives a verdict, the township confirms.
pub fn adjustment() -> FlowDefinition {
    FlowDefinition {
        procedure: "adjustment".into(),
        title: "年度动态调整".into(),
        subject: SubjectKind::Household,
        steps: vec![
            StepDef { verdict: true, forbid_self: false, return_allowed: false, ..step("village_verify", "村级逐户核实", StepKind::Review, VILLAGE, Level::Village) },
            StepDef { forbid_self: false, ..step("township_confirm", "乡镇确认", StepKind::Review, TOWNSHIP, Level::Township) },
        ],
        effect: Effect::CampaignVerdict,
        basis: "年度动态管理工作方案（县级）".into(),
    }
}

/// 监测对象识别 (§4.5): 入户核实 → 村级评议 → 村内公示 5 天 → 乡审核 → 县审批 → 公告.
pub fn monitoring_identification() -> FlowDefinition {
    FlowDefinition {
        procedure: "monitoring_identification".into(),
        title: "防返贫监测对象识别".into(),
        subject: SubjectKind::Household,
        steps: vec![
            StepDef { forbid_self: false, ..review("home_visit", "入户核实", VILLAGE, Level::Village, 5) },
            deliberation("deliberation"),
            notice("village_notice", "村内公示", VILLAGE, Level::Village, Level::Village, 5, "deliberation"),
            review("township_review", "乡镇审核", TOWNSHIP, Level::Township, 5),
            review("county_review", "县级审批", COUNTY, Level::County, 5),
            announcement("结果公告"),
        ],
        effect: Effect::HouseholdType { event: "monitoring_included".into(), type_after: "monitored".into() },
        basis: "中农发〔2021〕…《关于健全防止返贫动态监测和帮扶机制的指导意见》；林州市七步法（S41、S45）".into(),
    }
}

/// Every shipped procedure.
pub fn shipped() -> Vec<FlowDefinition> {
    vec![identification(), household_exit(), village_exit(), adjustment(), monitoring_identification()]
}

/// The shipped definition of a procedure.
pub fn shipped_for(procedure: &str) -> Option<FlowDefinition> {
    shipped().into_iter().find(|d| d.procedure == procedure)
}

/// The verdicts a village gives in the dynamic-adjustment campaign.
pub const VERDICTS: [(&str, &str); 6] = [
    ("unchanged", "无变化"),
    ("info_changed", "信息变更"),
    ("propose_identification", "拟新识别/纳入监测"),
    ("propose_exit", "拟退出/风险消除"),
    ("propose_removal", "拟清退（错评）"),
    ("member_change", "人口自然增减"),
];

pub fn verdict_label(code: &str) -> Option<&'static str> {
    VERDICTS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}
