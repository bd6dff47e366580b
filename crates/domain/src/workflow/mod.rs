//! Workflows with public notice (流程, 公示公告): versioned flow definitions, the pure engine that
//! decides what a decision does to a case, the shipped procedures and their checks.

pub mod calendar;
pub mod checks;
pub mod definition;
pub mod engine;
pub mod procedures;

pub use definition::{Effect, FlowDefinition, Level, NoticeRule, Policy, StepDef, StepKind, SubjectKind};
pub use engine::{Attempt, CaseView, DecisionKind, Decider, Outcome, Refusal};
