//! The engine's rules, without IO: who may act on a case's current step, and what a decision does
//! (stay and wait for more approvals, move on, complete, return for revision, reject). The store
//! loads the case, calls [`decide`], and writes the outcome and the ledger entry in one transaction.

use super::definition::{FlowDefinition, StepKind};
use crate::access::Role;
use crate::region::{RegionCode, RegionScope};
use chrono::NaiveDate;

/// A case's state as the engine needs it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub status: CaseStatus,
    pub step_index: usize,
    /// Counts every step change; a decision names the one it was made on, so a stale form is refused.
    pub transition_no: i64,
    /// The user name that opened the case.
    pub applicant: String,
    pub step_due: Option<NaiveDate>,
    pub region: RegionCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    Open,
    Completed,
    Rejected,
    Withdrawn,
}

impl CaseStatus {
    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Completed => "completed",
            CaseStatus::Rejected => "rejected",
            CaseStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Open => "办理中",
            CaseStatus::Completed => "已办结",
            CaseStatus::Rejected => "未通过",
            CaseStatus::Withdrawn => "已撤回",
        }
    }

    pub fn parse(code: &str) -> Option<CaseStatus> {
        [CaseStatus::Open, CaseStatus::Completed, CaseStatus::Rejected, CaseStatus::Withdrawn].into_iter().find(|s| s.code() == code)
    }
}

/// Who is deciding: their user name, active role and scope.
#[derive(Debug, Clone)]
pub struct Decider {
    pub user: String,
    pub role: Role,
    pub scope: RegionScope,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionKind {
    Approve,
    /// Back for revision to an earlier step (by index).
    Return { to: usize },
    Reject,
}

impl DecisionKind {
    pub fn code(&self) -> &'static str {
        match self {
            DecisionKind::Approve => "approve",
            DecisionKind::Return { .. } => "return",
            DecisionKind::Reject => "reject",
        }
    }
}

/// A decision as submitted.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub kind: DecisionKind,
    /// The transition the decider saw (from the form).
    pub seen_transition: i64,
    pub comment: String,
    pub has_attachment: bool,
    pub verdict: Option<String>,
    /// Titles of failed blocking checks (refuse approval).
    pub blocking_failures: Vec<String>,
    /// Titles of failed non-blocking checks (approval needs an explanation).
    pub warnings: Vec<String>,
}

impl Attempt {
    pub fn approve(seen_transition: i64) -> Attempt {
        Attempt { kind: DecisionKind::Approve, seen_transition, comment: String::new(), has_attachment: false, verdict: None, blocking_failures: Vec::new(), warnings: Vec::new() }
    }
}

/// What a decision does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded; the step waits for more approvals (policy all / N of M).
    Waiting { have: usize, need: usize },
    /// The case moves to this step.
    MoveTo(usize),
    /// The last step is done: the case is completed and its effect applies.
    Completed,
    /// Back for revision to an earlier step.
    ReturnedTo(usize),
    Rejected,
}

/// Why a decision is refused. Messages are Chinese and say what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotOpen(CaseStatus),
    /// The case moved on since the form was loaded (someone else decided).
    Stale,
    Overdue(NaiveDate),
    OutOfScope,
    WrongRole(String),
    WrongLevel(&'static str),
    SelfApproval,
    AlreadyDecided,
    NotManual(StepKind),
    NeedsComment,
    NeedsExplanation(Vec<String>),
    ChecksFailed(Vec<String>),
    NeedsAttachment,
    NeedsVerdict,
    ReturnNotAllowed,
    BadReturnTarget,
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::NotOpen(s) => format!("该案件{}，不能再审批", s.label()),
            Refusal::Stale => "该案件已被他人处理、进入了其他环节：本次操作未记录，请刷新页面查看最新进度".into(),
            Refusal::Overdue(d) => format!("本环节的办理时限（{d}）已过，不能再审批：请联系县帮扶办延长时限"),
            Refusal::OutOfScope => "该案件不在您的管辖范围内".into(),
            Refusal::WrongRole(roles) => format!("本环节由{roles}办理，您当前的角色不能审批：如兼有该角色，请在“我的账户”切换角色"),
            Refusal::WrongLevel(l) => format!("本环节由{l}级办理，您的管辖范围不是{l}级"),
            Refusal::SelfApproval => "不能审批自己提交的申请：请由其他人员审批".into(),
            Refusal::AlreadyDecided => "您已在本环节审批过该案件，不能重复审批".into(),
            Refusal::NotManual(k) => format!("本环节是{}，由{}推进，不能单独审批", k.label(), match k {
                StepKind::Deliberation => "登记评议会议结果",
                StepKind::Notice => "公示期满结束公示",
                _ => "发布公告",
            }),
            Refusal::NeedsComment => "退回或不通过时必须填写理由".into(),
            Refusal::NeedsExplanation(w) => format!("以下核查项未通过，审批通过时必须填写说明：{}", w.join("；")),
            Refusal::ChecksFailed(f) => format!("以下核查项未通过，不能审批通过：{}", f.join("；")),
            Refusal::NeedsAttachment => "本环节须上传附件（如签字的认可书、会议记录）后才能审批通过".into(),
            Refusal::NeedsVerdict => "请选择核实结论".into(),
            Refusal::ReturnNotAllowed => "本环节不允许退回修改".into(),
            Refusal::BadReturnTarget => "只能退回到本环节之前的环节".into(),
        }
    }
}

/// Whether `who` may act on the case's current step today (role, level, scope, deadline, self).
pub fn may_act(def: &FlowDefinition, case: &CaseView, who: &Decider, today: NaiveDate) -> Result<(), Refusal> {
    if case.status != CaseStatus::Open {
        return Err(Refusal::NotOpen(case.status));
    }
    let Some(step) = def.step(case.step_index) else { return Err(Refusal::Stale) };
    if !who.scope.contains(&case.region) {
        return Err(Refusal::OutOfScope);
    }
    if !step.role_list().contains(&who.role) {
        return Err(Refusal::WrongRole(step.role_labels()));
    }
    if who.scope.prefix().len() > step.level.digits() {
        return Err(Refusal::WrongLevel(step.level.label()));
    }
    if let Some(due) = case.step_due
        && today > due
    {
        return Err(Refusal::Overdue(due));
    }
    // meetings, notices and announcements decide many cases at once: the self rule is for decisions
    if step.forbid_self && step.kind.is_manual() && case.applicant == who.user {
        return Err(Refusal::SelfApproval);
    }
    Ok(())
}

/// The step after `index`, or completion.
pub fn next_after(def: &FlowDefinition, index: usize) -> Outcome {
    if index + 1 < def.steps.len() { Outcome::MoveTo(index + 1) } else { Outcome::Completed }
}

/// Decides a manual step. `approvals` is the number of approvals already recorded on this step
/// visit, `decided_by_me` whether `who` already decided it, `eligible` how many people may
/// approve (for the policy).
#[allow(clippy::too_many_arguments)]
pub fn decide(
    def: &FlowDefinition,
    case: &CaseView,
    who: &Decider,
    attempt: &Attempt,
    approvals: usize,
    decided_by_me: bool,
    eligible: usize,
    today: NaiveDate,
) -> Result<Outcome, Refusal> {
    if case.status == CaseStatus::Open && attempt.seen_transition != case.transition_no {
        return Err(Refusal::Stale);
    }
    may_act(def, case, who, today)?;
    let step = def.step(case.step_index).ok_or(Refusal::Stale)?;
    if !step.kind.is_manual() {
        return Err(Refusal::NotManual(step.kind));
    }
    if decided_by_me {
        return Err(Refusal::AlreadyDecided);
    }
    match attempt.kind {
        DecisionKind::Approve => {
            if !attempt.blocking_failures.is_empty() {
                return Err(Refusal::ChecksFailed(attempt.blocking_failures.clone()));
            }
            if !attempt.warnings.is_empty() && attempt.comment.trim().is_empty() {
                return Err(Refusal::NeedsExplanation(attempt.warnings.clone()));
            }
            if step.requires_attachment && !attempt.has_attachment {
                return Err(Refusal::NeedsAttachment);
            }
            if step.verdict && attempt.verdict.as_deref().is_none_or(|v| super::procedures::verdict_label(v).is_none()) {
                return Err(Refusal::NeedsVerdict);
            }
            let need = step.policy.needed(eligible);
            let have = approvals + 1;
            if have < need { Ok(Outcome::Waiting { have, need }) } else { Ok(next_after(def, case.step_index)) }
        }
        DecisionKind::Return { to } => {
            if attempt.comment.trim().is_empty() {
                return Err(Refusal::NeedsComment);
            }
            if !step.return_allowed {
                return Err(Refusal::ReturnNotAllowed);
            }
            if to >= case.step_index {
                return Err(Refusal::BadReturnTarget);
            }
            Ok(Outcome::ReturnedTo(to))
        }
        DecisionKind::Reject => {
            if attempt.comment.trim().is_empty() {
                return Err(Refusal::NeedsComment);
            }
            Ok(Outcome::Rejected)
        }
    }
}

/// Whether a deliberation's attendance meets the step's quorum (present/total ≥ n/d).
pub fn quorum_met(present: u32, total: u32, quorum: (u32, u32)) -> bool {
    total > 0 && present <= total && (present as u64) * (quorum.1 as u64) >= (total as u64) * (quorum.0 as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::definition::Policy;
    use crate::workflow::procedures;

    fn village() -> RegionCode {
        RegionCode::parse("610102001001").expect("code")
    }

    fn case_at(step_index: usize) -> CaseView {
        CaseView { status: CaseStatus::Open, step_index, transition_no: 3, applicant: "cadre1".into(), step_due: None, region: village() }
    }

    fn who(user: &str, role: Role, scope: &str) -> Decider {
        Decider { user: user.into(), role, scope: RegionScope::of(&RegionCode::parse(scope).expect("scope")) }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    const TOWNSHIP_REVIEW: usize = 4;

    #[test]
    fn a_township_review_moves_the_case_to_the_second_notice() {
        let d = procedures::identification();
        let out = decide(&d, &case_at(TOWNSHIP_REVIEW), &who("zhang", Role::TownshipStaff, "610102001000"), &Attempt::approve(3), 0, false, 1, today());
        assert_eq!(out, Ok(Outcome::MoveTo(5)));
    }

    #[test]
    fn out_of_order_wrong_role_wrong_scope_and_stale_forms_are_refused() {
        let d = procedures::identification();
        let c = case_at(TOWNSHIP_REVIEW);
        // a county officer cannot act on the township's step (later level before earlier)
        let county = who("li", Role::CountyOffice, "610102000000");
        assert!(matches!(decide(&d, &c, &county, &Attempt::approve(3), 0, false, 1, today()), Err(Refusal::WrongRole(_))));
        // another township
        let other = who("wang", Role::TownshipStaff, "610102002000");
        assert_eq!(decide(&d, &c, &other, &Attempt::approve(3), 0, false, 1, today()), Err(Refusal::OutOfScope));
        // the form was loaded before the case moved
        let t = who("zhang", Role::TownshipStaff, "610102001000");
        assert_eq!(decide(&d, &c, &t, &Attempt::approve(2), 0, false, 1, today()), Err(Refusal::Stale));
        // a village cadre scoped to the village cannot do a township's step even with the role list extended
        let mut d2 = d.clone();
        d2.steps[TOWNSHIP_REVIEW].roles.push("village_cadre".into());
        let v = who("zhao", Role::VillageCadre, "610102001001");
        assert_eq!(decide(&d2, &c, &v, &Attempt::approve(3), 0, false, 1, today()), Err(Refusal::WrongLevel("乡镇")));
    }

    #[test]
    fn nobody_approves_their_own_application_and_nobody_decides_twice() {
        let d = procedures::identification();
        let mut c = case_at(TOWNSHIP_REVIEW);
        c.applicant = "zhang".into();
        let t = who("zhang", Role::TownshipStaff, "610102001000");
        assert_eq!(decide(&d, &c, &t, &Attempt::approve(3), 0, false, 1, today()), Err(Refusal::SelfApproval));
        c.applicant = "cadre1".into();
        assert_eq!(decide(&d, &c, &t, &Attempt::approve(3), 0, true, 1, today()), Err(Refusal::AlreadyDecided));
        c.status = CaseStatus::Completed;
        assert_eq!(decide(&d, &c, &t, &Attempt::approve(3), 0, false, 1, today()), Err(Refusal::NotOpen(CaseStatus::Completed)));
    }

    #[test]
    fn overdue_steps_are_refused_with_the_date() {
        let d = procedures::identification();
        let mut c = case_at(TOWNSHIP_REVIEW);
        c.step_due = NaiveDate::from_ymd_opt(2026, 11, 20);
        let r = decide(&d, &c, &who("zhang", Role::TownshipStaff, "610102001000"), &Attempt::approve(3), 0, false, 1, today());
        assert!(matches!(&r, Err(Refusal::Overdue(_))));
        assert!(r.unwrap_err().message().contains("2026-11-20"));
    }

    #[test]
    fn all_and_n_of_m_policies_wait_for_enough_approvals() {
        let mut d = procedures::identification();
        d.steps[TOWNSHIP_REVIEW].policy = Policy::AtLeast(2);
        let c = case_at(TOWNSHIP_REVIEW);
        let t = who("zhang", Role::TownshipStaff, "610102001000");
        assert_eq!(decide(&d, &c, &t, &Attempt::approve(3), 0, false, 3, today()), Ok(Outcome::Waiting { have: 1, need: 2 }));
        assert_eq!(decide(&d, &c, &t, &Attempt::approve(3), 1, false, 3, today()), Ok(Outcome::MoveTo(5)));
        d.steps[TOWNSHIP_REVIEW].policy = Policy::All;
        assert_eq!(decide(&d, &c, &t, &Attempt::approve(3), 1, false, 3, today()), Ok(Outcome::Waiting { have: 2, need: 3 }));
    }

    #[test]
    fn returns_need_a_reason_and_an_earlier_step() {
        let d = procedures::identification();
        let c = case_at(TOWNSHIP_REVIEW);
        let t = who("zhang", Role::TownshipStaff, "610102001000");
        let mut a = Attempt::approve(3);
        a.kind = DecisionKind::Return { to: 2 };
        assert_eq!(decide(&d, &c, &t, &a, 0, false, 1, today()), Err(Refusal::NeedsComment));
        a.comment = "收入核算有误".into();
        assert_eq!(decide(&d, &c, &t, &a, 0, false, 1, today()), Ok(Outcome::ReturnedTo(2)));
        a.kind = DecisionKind::Return { to: 6 };
        assert_eq!(decide(&d, &c, &t, &a, 0, false, 1, today()), Err(Refusal::BadReturnTarget));
    }

    #[test]
    fn checks_block_or_need_an_explanation_and_meetings_are_not_approved_one_by_one() {
        let d = procedures::identification();
        let v = who("zhao", Role::VillageCadre, "610102001001");
        let mut a = Attempt::approve(3);
        a.blocking_failures = vec!["已是贫困户".into()];
        assert!(matches!(decide(&d, &case_at(2), &v, &a, 0, false, 1, today()), Err(Refusal::ChecksFailed(_))));
        a.blocking_failures.clear();
        a.warnings = vec!["家庭成员名下有车辆".into()];
        assert!(matches!(decide(&d, &case_at(2), &v, &a, 0, false, 1, today()), Err(Refusal::NeedsExplanation(_))));
        a.comment = "车辆已于 2025 年报废，有报废证明".into();
        assert_eq!(decide(&d, &case_at(2), &v, &a, 0, false, 1, today()), Ok(Outcome::MoveTo(3)));
        assert_eq!(decide(&d, &case_at(1), &v, &Attempt::approve(3), 0, false, 1, today()), Err(Refusal::NotManual(StepKind::Deliberation)));
    }

    #[test]
    fn the_households_agreement_needs_its_signed_document_and_the_campaign_a_verdict() {
        let d = procedures::household_exit();
        let v = who("zhao", Role::VillageCadre, "610102001001");
        assert_eq!(decide(&d, &case_at(2), &v, &Attempt::approve(3), 0, false, 1, today()), Err(Refusal::NeedsAttachment));
        let mut a = Attempt::approve(3);
        a.has_attachment = true;
        assert_eq!(decide(&d, &case_at(2), &v, &a, 0, false, 1, today()), Ok(Outcome::MoveTo(3)));
        let c = procedures::adjustment();
        assert_eq!(decide(&c, &case_at(0), &v, &Attempt::approve(3), 0, false, 1, today()), Err(Refusal::NeedsVerdict));
        let mut a = Attempt::approve(3);
        a.verdict = Some("unchanged".into());
        assert_eq!(decide(&c, &case_at(0), &v, &a, 0, false, 1, today()), Ok(Outcome::MoveTo(1)));
        let t = who("zhang", Role::TownshipStaff, "610102001000");
        assert_eq!(decide(&c, &case_at(1), &t, &Attempt::approve(3), 0, false, 1, today()), Ok(Outcome::Completed));
    }

    #[test]
    fn quorum_is_two_thirds_by_default() {
        assert!(quorum_met(20, 30, (2, 3)));
        assert!(!quorum_met(19, 30, (2, 3)));
        assert!(!quorum_met(0, 0, (2, 3)));
        assert!(!quorum_met(31, 30, (2, 3)));
    }
}
