//! Pairing assistance and field work (结对帮扶, 走访): who helps (helpers, units, work teams), the
//! kinds of pairing with their two sides, and the kinds of activity recorded against them.

pub mod activity;
pub mod kinds;

pub use activity::ActivityKind;
pub use kinds::{HelperKind, PairingKind, PairingStatus, PartyKind, Rank, TeamRole, UnitKind};
