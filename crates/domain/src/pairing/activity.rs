//! Kinds of field work recorded (走访, 签到, 工作日志, 支教/挂职, 培训, 会议, 捐赠, 消费扶贫, 分红).

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivityKind {
    Visit,
    SignIn,
    WorkLog,
    Stint,
    Training,
    Meeting,
    Donation,
    Purchase,
    Dividend,
}

impl ActivityKind {
    pub const ALL: &'static [ActivityKind] = &[
        ActivityKind::Visit,
        ActivityKind::SignIn,
        ActivityKind::WorkLog,
        ActivityKind::Stint,
        ActivityKind::Training,
        ActivityKind::Meeting,
        ActivityKind::Donation,
        ActivityKind::Purchase,
        ActivityKind::Dividend,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::Visit => "visit",
            ActivityKind::SignIn => "sign_in",
            ActivityKind::WorkLog => "work_log",
            ActivityKind::Stint => "stint",
            ActivityKind::Training => "training",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Donation => "donation",
            ActivityKind::Purchase => "purchase",
            ActivityKind::Dividend => "dividend",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Visit => "走访（入户）",
            ActivityKind::SignIn => "驻村签到",
            ActivityKind::WorkLog => "工作日志",
            ActivityKind::Stint => "支教/挂职",
            ActivityKind::Training => "培训",
            ActivityKind::Meeting => "会议",
            ActivityKind::Donation => "捐赠",
            ActivityKind::Purchase => "消费扶贫",
            ActivityKind::Dividend => "分红",
        }
    }
    pub fn parse(text: &str) -> Option<ActivityKind> {
        let t = text.trim();
        Self::ALL.iter().copied().find(|k| k.code() == t || k.label() == t)
    }
}
