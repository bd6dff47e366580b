//! The catalogue of compliance rules (考核): every rule of field work with a stable code, its Chinese
//! title, what it is counted over, its parameters with shipped defaults and the document each
//! default comes from (`reference-data.md`, "Field-work rules"). Parameters are overridden per
//! jurisdiction in `reference_param` (area `compliance`, key = the parameter key).

/// What a rule is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A paired household (帮扶责任人—户).
    Household,
    /// A helper (帮扶责任人 / 帮扶干部).
    Helper,
    /// A member of a unit's leadership (单位领导).
    Leader,
    /// A unit paired with a village (帮扶单位).
    Unit,
    /// A work-team member (驻村工作队队员).
    TeamMember,
    /// A teacher's stint (支教) or a school pairing.
    School,
}

impl Subject {
    pub fn label(self) -> &'static str {
        match self {
            Subject::Household => "结对户",
            Subject::Helper => "帮扶干部",
            Subject::Leader => "单位领导",
            Subject::Unit => "帮扶单位",
            Subject::TeamMember => "工作队队员",
            Subject::School => "学校结对",
        }
    }
}

/// One parameter: a whole number in the unit its label names.
#[derive(Debug)]
pub struct ParamDef {
    /// The key in `reference_param` (area `compliance`); unique across the catalogue.
    pub key: &'static str,
    pub label: &'static str,
    pub default: i64,
    pub min: i64,
    pub max: i64,
    /// Where the shipped default comes from.
    pub basis: &'static str,
}

/// One rule.
#[derive(Debug)]
pub struct RuleDef {
    pub code: &'static str,
    pub title: &'static str,
    pub subject: Subject,
    pub params: &'static [ParamDef],
    /// How it is counted, in a sentence officials understand.
    pub counted: &'static str,
}

const fn p(key: &'static str, label: &'static str, default: i64, min: i64, max: i64, basis: &'static str) -> ParamDef {
    ParamDef { key, label, default, min, max, basis }
}

macro_rules! rules {
    ($($variant:ident => $code:literal, $subject:ident, $title:literal, params [$($param:expr),*], counted $counted:literal;)*) => {
        /// A compliance rule; `RULES[rule as usize]` is its definition.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule { $($variant),* }
        pub const RULE_COUNT: usize = [$($code),*].len();
        pub static RULES: [RuleDef; RULE_COUNT] = [$(RuleDef {
            code: $code, title: $title, subject: Subject::$subject, params: &[$($param),*], counted: $counted,
        }),*];
        impl Rule {
            pub const ALL: [Rule; RULE_COUNT] = [$(Rule::$variant),*];
        }
    };
}

rules! {
    HouseholdMonthlyVisit => "VIS-01", Household, "帮扶责任人每月走访结对户",
        params [p("visit_per_household_month", "每户每月至少走访（次）", 1, 1, 31, "seed 001 L21；seed 002 L243；seed 000 L667：帮扶责任人每月至少走访一次结对户")],
        counted "本月在帮的帮扶责任人—户结对，结对人本人本月对该户的走访次数达到要求即为达标";
    NoVisitDays => "VIS-02", Household, "结对户超过规定天数未走访",
        params [p("no_visit_days", "超过多少天未走访即列入（天）", 45, 7, 366, "县级督查通报口径：45 天未入户走访（可调）")],
        counted "结对户最近一次走访（任何帮扶人）距月末（当月为今天）超过规定天数，或从未走访";
    CadreMonthlyVisits => "VIS-03", Helper, "帮扶干部每月到村走访",
        params [p("cadre_visits_month", "帮扶干部每月至少走访（次）", 3, 1, 31, "seed 003 L499：帮扶干部每月到村开展帮扶不少于 3 次")],
        counted "本月有在帮结对户的帮扶干部（干部、领导干部），本月走访记录次数达到要求即为达标";
    MainLeaderDays => "LDR-01", Leader, "帮扶单位主要领导每月到村",
        params [p("main_leader_days_month", "主要领导每月到村至少（天）", 1, 0, 31, "seed 003 L499：单位主要领导每月到村不少于 1 天")],
        counted "与村结对单位的主要领导（职务不含“副”的领导干部）本月在结对村有活动记录的天数";
    LeadershipDays => "LDR-02", Leader, "帮扶单位班子成员每月到村",
        params [p("leadership_days_month", "班子成员每月到村至少（天）", 2, 0, 31, "seed 003 L499：班子成员每月到村不少于 2 天")],
        counted "与村结对单位的其他领导干部（职务含“副”或未填）本月在结对村有活动记录的天数";
    UnitAbsentQuarter => "UNIT-01", Unit, "帮扶单位一个季度未到村（报乡镇）",
        params [p("unit_absent_months", "连续多少个月未到村即报告（月）", 3, 1, 12, "seed 003 L219：一个季度未到村的帮扶单位报乡镇党委")],
        counted "单位—村结对在帮，单位的任何人员截至本月末连续若干个月在结对村没有活动记录";
    TeamDays => "TEAM-01", TeamMember, "驻村工作队队员每月在村天数",
        params [
            p("team_days_month", "每月在村至少（天）", 20, 0, 31, "S67–S70：驻村工作队队员每月驻村不少于 20 天"),
            p("team_working_share_pct", "或按工作日比例（%，0 = 按天数）", 0, 0, 100, "S67–S70：部分地方按不少于工作日的 2/3 计（填 67）")
        ],
        counted "在队队员本月驻村签到或工作日志的不同日期数；按比例时要求为本月工作日（周一至周五）数乘比例，向上取整";
    StintLength => "STN-01", School, "支教每次连续时间",
        params [p("stint_min_days", "每次连续至少（天）", 7, 1, 366, "seed 000 L31、L59：支教教师每次连续不少于 1 周")],
        counted "每条支教记录的起止日期（含首尾）天数";
    StintSemester => "STN-02", School, "支教每学期累计时间",
        params [p("stint_semester_days", "每学期累计至少（天）", 30, 1, 183, "seed 000 L31、L59：每学期累计不少于 1 个月")],
        counted "一名教师在一个学期（春季 2–7 月，秋季 8 月–次年 1 月）内支教天数之和";
    TeacherExchange => "EXC-01", School, "每学年交流教师人数",
        params [p("teachers_exchanged_year", "每学年至少交流教师（人）", 2, 0, 50, "seed 000 L59：结对学校每学年互派交流教师不少于 2 人")],
        counted "一对结对学校在一个学年（9 月–次年 8 月）内有支教记录的不同教师人数";
}

impl Rule {
    pub fn def(self) -> &'static RuleDef {
        &RULES[self as usize]
    }
    pub fn code(self) -> &'static str {
        self.def().code
    }
    pub fn title(self) -> &'static str {
        self.def().title
    }
    pub fn from_code(code: &str) -> Option<Rule> {
        let c = code.trim();
        Rule::ALL.iter().copied().find(|r| r.code().eq_ignore_ascii_case(c))
    }
}

/// The rule and parameter a key belongs to.
pub fn param_by_key(key: &str) -> Option<(Rule, &'static ParamDef)> {
    let k = key.trim();
    Rule::ALL.iter().find_map(|r| r.def().params.iter().find(|p| p.key == k || p.label == k).map(|p| (*r, p)))
}

/// Every parameter key, in catalogue order.
pub fn all_params() -> impl Iterator<Item = (Rule, &'static ParamDef)> {
    Rule::ALL.iter().flat_map(|r| r.def().params.iter().map(move |p| (*r, p)))
}

/// Reads a parameter as typed ("3", "3次", "45 天", "67%"); the error says what is wrong in Chinese.
pub fn parse_param(def: &ParamDef, text: &str) -> Result<i64, String> {
    let t = text.trim().trim_end_matches(['次', '天', '日', '月', '人', '%', '％']).trim();
    let v: i64 = t.parse().map_err(|_| format!("参数“{}”应为整数，实际为“{}”", def.label, text.trim()))?;
    if v < def.min || v > def.max {
        return Err(format!("参数“{}”应在 {}–{} 之间，实际为 {}", def.label, def.min, def.max, v));
    }
    Ok(v)
}
