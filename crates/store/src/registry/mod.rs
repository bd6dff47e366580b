//! The household registry (建档立卡, 一户一档): writing, reading, updating and querying households.

pub mod apply;
pub mod columns;
pub mod dashboard;
pub mod diff;
pub mod edit;
pub mod moves;
pub mod query;
pub mod read;
pub mod session;
pub mod write;
mod write_sqlite;

pub use read::StoredHousehold;
pub use session::{Conflict, ImportOptions, ImportSession, SessionSummary, SourcedDoc};
