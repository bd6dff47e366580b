//! A flow definition: the ordered steps of one procedure, each owned by roles at a region level,
//! with its policy, deadline, notice period, quorum, checks and what completing the case does.
//! Definitions are reference data (stored as JSON, versioned, per jurisdiction); this module
//! holds their shape and their validation, with Chinese messages an administrator can act on.

use crate::access::Role;
use crate::region::RegionLevel;
use serde::{Deserialize, Serialize};

/// What a case is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Household,
    Village,
}

/// What happens at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Someone decides: approve, return for revision, reject.
    Review,
    /// Like a review, but the procedure's checks run first: blocking failures refuse approval,
    /// other failures need the approver's explanation.
    Check,
    /// A village meeting (民主评议) decides many cases at once, with attendance and a quorum.
    Deliberation,
    /// A public notice (公示) lists cases for a period; objections stop it.
    Notice,
    /// The final announcement (公告): publishing it completes the step.
    Announcement,
}

impl StepKind {
    pub fn label(self) -> &'static str {
        match self {
            StepKind::Review => "审核",
            StepKind::Check => "核实",
            StepKind::Deliberation => "民主评议",
            StepKind::Notice => "公示",
            StepKind::Announcement => "公告",
        }
    }

    /// Steps decided one case at a time (or in bulk) by a person; the others are moved by their
    /// meeting, notice or announcement.
    pub fn is_manual(self) -> bool {
        matches!(self, StepKind::Review | StepKind::Check)
    }
}

/// The region level a step is owned at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Village,
    Township,
    County,
}

impl Level {
    pub fn region_level(self) -> RegionLevel {
        match self {
            Level::Village => RegionLevel::Village,
            Level::Township => RegionLevel::Township,
            Level::County => RegionLevel::County,
        }
    }

    pub fn label(self) -> &'static str {
        self.region_level().label()
    }

    pub fn digits(self) -> usize {
        self.region_level().digits()
    }
}

/// How many of the eligible people must approve before the step is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind", content = "n")]
pub enum Policy {
    /// Any one of them.
    #[default]
    Any,
    /// Every person holding the role in scope when the step is decided.
    All,
    /// At least n of them (N of M).
    AtLeast(u32),
}

impl Policy {
    pub fn label(self) -> String {
        match self {
            Policy::Any => "任一人审批".into(),
            Policy::All => "全部人员审批".into(),
            Policy::AtLeast(n) => format!("至少 {n} 人审批"),
        }
    }

    /// Approvals needed when `eligible` people may approve (never more than are eligible, never 0).
    pub fn needed(self, eligible: usize) -> usize {
        match self {
            Policy::Any => 1,
            Policy::All => eligible.max(1),
            Policy::AtLeast(n) => (n as usize).min(eligible.max(1)).max(1),
        }
    }
}

/// The period of a notice step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRule {
    /// Length of the notice in days (7 by default, 5 where configured).
    pub days: u32,
    /// Count working days (with the holiday calendar) instead of calendar days.
    #[serde(default)]
    pub working_days: bool,
    /// Where it is posted: in the village, or township-wide (village exit).
    pub posted_in: Level,
}

/// One step of a flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDef {
    /// Stable within the definition (`township_review`).
    pub key: String,
    pub title: String,
    pub kind: StepKind,
    /// Role codes (`access::Role::code`) that own the step.
    pub roles: Vec<String>,
    pub level: Level,
    #[serde(default)]
    pub policy: Policy,
    /// The case can be returned for revision to any earlier step.
    #[serde(default = "yes")]
    pub return_allowed: bool,
    /// Days to decide once the case reaches the step.
    #[serde(default)]
    pub deadline_days: Option<u32>,
    #[serde(default)]
    pub deadline_working_days: bool,
    /// The applicant may not decide this step on their own case.
    #[serde(default = "yes")]
    pub forbid_self: bool,
    #[serde(default)]
    pub notice: Option<NoticeRule>,
    /// Quorum of a deliberation as (numerator, denominator): 2/3 by default.
    #[serde(default)]
    pub quorum: Option<(u32, u32)>,
    /// The check set run before approval (`identification`, `household_exit`, `village_exit`).
    #[serde(default)]
    pub checks: Option<String>,
    /// Approval needs an attached document (the household's signed agreement, minutes …).
    #[serde(default)]
    pub requires_attachment: bool,
    /// Approval needs a verdict (dynamic-adjustment campaign).
    #[serde(default)]
    pub verdict: bool,
    /// Where an upheld objection sends the case (a step key); the first step by default.
    #[serde(default)]
    pub on_objection_return_to: Option<String>,
}

fn yes() -> bool {
    true
}

impl StepDef {
    /// The roles, parsed (validation guarantees they parse).
    pub fn role_list(&self) -> Vec<Role> {
        self.roles.iter().filter_map(|r| Role::parse(r)).collect()
    }

    pub fn role_labels(&self) -> String {
        self.role_list().iter().map(|r| r.label()).collect::<Vec<_>>().join("、")
    }

    pub fn quorum_or_default(&self) -> (u32, u32) {
        self.quorum.unwrap_or((2, 3))
    }
}

/// What completing a case does to the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Effect {
    /// Nothing beyond the ledger.
    #[default]
    None,
    /// An adjustment event on the household and its type after it (`event::EventType` code,
    /// `vocab::HOUSEHOLD_TYPE` code).
    HouseholdType { event: String, type_after: String },
    /// The village is marked as exited (出列) in the year the case completes.
    VillageExit,
    /// The village's verdict on the household is recorded as the campaign's result.
    CampaignVerdict,
}

/// The known check sets.
pub const CHECK_SETS: [(&str, &str); 3] = [("identification", "识别核实与比对"), ("household_exit", "一超两不愁三保障"), ("village_exit", "一低五有")];

/// A versioned procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowDefinition {
    /// Procedure code (`identification`, `household_exit` …).
    pub procedure: String,
    pub title: String,
    pub subject: SubjectKind,
    pub steps: Vec<StepDef>,
    #[serde(default)]
    pub effect: Effect,
    /// The document the flow follows.
    #[serde(default)]
    pub basis: String,
}

impl FlowDefinition {
    pub fn step(&self, index: usize) -> Option<&StepDef> {
        self.steps.get(index)
    }

    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.key == key)
    }

    /// Where an upheld objection on `notice_index` sends a case.
    pub fn objection_target(&self, notice_index: usize) -> usize {
        self.steps
            .get(notice_index)
            .and_then(|s| s.on_objection_return_to.as_deref())
            .and_then(|k| self.index_of(k))
            .filter(|i| *i < notice_index)
            .unwrap_or(0)
    }

    /// Every problem, in Chinese, naming the step; empty when the definition can be used.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.procedure.trim().is_empty() {
            out.push("流程代码不能为空".to_string());
        }
        if self.title.trim().is_empty() {
            out.push("流程名称不能为空".to_string());
        }
        if self.steps.is_empty() {
            out.push("流程至少要有一个环节".to_string());
        }
        for (i, s) in self.steps.iter().enumerate() {
            let at = format!("第 {} 环节“{}”", i + 1, s.title);
            if s.key.trim().is_empty() || !s.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push(format!("{at}：环节代码“{}”只能由英文字母、数字和下划线组成", s.key));
            }
            if self.steps[..i].iter().any(|o| o.key == s.key) {
                out.push(format!("{at}：环节代码“{}”与前面的环节重复", s.key));
            }
            if s.title.trim().is_empty() {
                out.push(format!("第 {} 环节：环节名称不能为空", i + 1));
            }
            if s.roles.is_empty() {
                out.push(format!("{at}：请指定负责的角色"));
            }
            for r in &s.roles {
                if Role::parse(r).is_none() {
                    out.push(format!("{at}：角色“{r}”不存在，可用的角色代码如 village_cadre、township_staff、county_office"));
                }
            }
            if let Policy::AtLeast(0) = s.policy {
                out.push(format!("{at}：至少审批人数必须大于 0"));
            }
            if s.deadline_days == Some(0) {
                out.push(format!("{at}：办理时限必须大于 0 天（不设时限请留空）"));
            }
            match (s.kind, &s.notice) {
                (StepKind::Notice, None) => out.push(format!("{at}：公示环节必须设置公示天数和张贴范围")),
                (StepKind::Notice, Some(n)) if n.days == 0 || n.days > 60 => out.push(format!("{at}：公示天数 {} 不合理，应为 1 到 60 天（常用 5 或 7 天）", n.days)),
                (k, Some(_)) if k != StepKind::Notice => out.push(format!("{at}：只有公示环节可以设置公示期")),
                _ => {}
            }
            if let Some((n, d)) = s.quorum {
                if s.kind != StepKind::Deliberation {
                    out.push(format!("{at}：只有民主评议环节可以设置到会比例"));
                } else if d == 0 || n == 0 || n > d {
                    out.push(format!("{at}：到会比例 {n}/{d} 不合理（默认 2/3）"));
                }
            }
            if let Some(c) = &s.checks
                && !CHECK_SETS.iter().any(|(code, _)| code == c)
            {
                out.push(format!("{at}：核查项“{c}”不存在，可选 identification、household_exit、village_exit"));
            }
            if s.kind == StepKind::Check && s.checks.is_none() {
                out.push(format!("{at}：核实环节必须指定核查项"));
            }
            if let Some(k) = &s.on_objection_return_to {
                match self.index_of(k) {
                    Some(j) if j < i => {}
                    _ => out.push(format!("{at}：异议成立后退回的环节“{k}”必须是本环节之前的环节")),
                }
            }
        }
        if let Effect::HouseholdType { event, type_after } = &self.effect {
            if crate::event::EventType::from_code(event).is_none() {
                out.push(format!("办结效果中的调整类型“{event}”不存在（如 newly_identified、exit、monitoring_included、risk_eliminated）"));
            }
            if crate::vocab::HOUSEHOLD_TYPE.by_code(type_after).is_none() {
                out.push(format!("办结效果中的户类型“{type_after}”不存在（poor、exited、monitored、ordinary）"));
            }
        }
        if let Some(first) = self.steps.first()
            && !first.kind.is_manual()
        {
            out.push(format!("第 1 环节“{}”必须是审核或核实环节（案件由申请进入第一个环节）", first.title));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::procedures;

    #[test]
    fn shipped_definitions_are_valid_and_round_trip_through_json() {
        for d in procedures::shipped() {
            assert!(d.problems().is_empty(), "{}: {:?}", d.procedure, d.problems());
        }
    }

    #[test]
    fn problems_name_the_step_and_what_to_do() {
        let mut d = procedures::shipped().into_iter().next().expect("a definition");
        d.steps[1].roles = vec!["mayor".into()];
        d.steps[2].key = d.steps[0].key.clone();
        let p = d.problems();
        assert!(p.iter().any(|m| m.contains("第 2 环节") && m.contains("角色“mayor”不存在")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("第 3 环节") && m.contains("重复")), "{p:?}");
    }

    #[test]
    fn a_notice_needs_its_period() {
        let mut d = procedures::shipped().into_iter().next().expect("a definition");
        let i = d.steps.iter().position(|s| s.kind == StepKind::Notice).expect("a notice step");
        d.steps[i].notice = None;
        assert!(d.problems().iter().any(|m| m.contains("公示环节必须设置公示天数")));
    }

    #[test]
    fn policies_count_what_is_needed() {
        assert_eq!(Policy::Any.needed(5), 1);
        assert_eq!(Policy::All.needed(5), 5);
        assert_eq!(Policy::All.needed(0), 1);
        assert_eq!(Policy::AtLeast(2).needed(3), 2);
        assert_eq!(Policy::AtLeast(4).needed(3), 3);
    }
}
