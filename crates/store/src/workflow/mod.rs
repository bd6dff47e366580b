//! Workflows with public notice: stored flow definitions, cases, the decision ledger, single and
//! bulk decisions, the checks of each procedure, and the holiday calendar. Deliberations, notices,
//! objections and campaigns move cases through `advance`, like decisions do.

pub mod advance;
pub mod attachments;
pub mod calendar;
pub mod campaigns;
pub mod cases;
pub mod checks;
pub mod decide;
pub mod deliberation;
pub mod definitions;
pub mod seed;
pub mod notices;
pub mod objections;
pub mod open_many;
pub mod stats;

pub use cases::{Case, CaseFile, CaseFilter, LedgerEntry, NewCase};
pub use decide::{BulkInput, BulkReport, Decided, DecisionInput};
