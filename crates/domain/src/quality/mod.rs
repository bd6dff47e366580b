//! Data quality (逻辑校验): the rule catalogue, rule settings per jurisdiction and the checks of one household.
//!
//! Rules over one household live here as pure functions, so the same code checks one household after
//! an edit and a million in a bulk run; rules across households (duplicate IDs, one phone in two
//! households) are set-based queries in the store. Thresholds, ranges and required-field lists are
//! parameters resolved per jurisdiction from reference data, never literals in the checks.

pub mod catalog;
pub mod evaluate;
pub mod ids;
pub mod lines;
pub mod measures;
pub mod settings;

mod check_composition;
mod check_household;
mod check_income;
mod check_member;
mod facts;

pub use catalog::{ParamDef, ParamKind, Rule, RuleDef, RULES, RULE_COUNT};
pub use evaluate::{CheckContext, evaluate};
pub use lines::{LineKind, Lines};
pub use measures::{MeasureFact, MeasureKind};
pub use settings::{ParamValue, ResolvedRules, RuleOverride};

/// How serious a finding is: errors must be fixed before a deadline, warnings verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
    pub fn parse(code: &str) -> Option<Severity> {
        match code {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            _ => None,
        }
    }
}

/// What a rule looks at: one member, one household, or the registry across households.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Member,
    Household,
    Registry,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Member => "成员",
            Level::Household => "户",
            Level::Registry => "跨户",
        }
    }
}

/// Data a rule needs beyond the registry; the rule stays off (and says why) until that data exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requires {
    Registry,
    /// Assistance measures (帮扶措施): switched on once measures are recorded.
    Measures,
}

/// One problem found: the rule, the member it concerns (index into the household's members) and a
/// specific sentence naming the values found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub member: Option<usize>,
    pub message: String,
}
