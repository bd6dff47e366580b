//! Pairing assistance (结对帮扶): units with sub-units, helpers, work teams with their members,
//! pairings of every kind (one effective-dated model: a helper side and a beneficiary side),
//! hand-over when a helper leaves, caseload limits by rank per jurisdiction, and coverage gaps.
//!
//! Every read is scoped by a [`RegionScope`] in SQL (units and helpers by their unit's region,
//! pairings by the beneficiary's place); every change is audited in the same transaction.
//! Bulk paths ([`handover::hand_over`], the import in `bangfu-exchange`) are set-based: one
//! statement per step, whatever the number of rows.

#[allow(unused_imports)]
use crate::audit::{self, Actor};
#[allow(unused_imports)]
use crate::db::{Cell, Conn, Row, P};
#[allow(unused_imports)]
use crate::error::{Result, StoreError};
#[allow(unused_imports)]
use bangfu_domain::pairing::{HelperKind, PairingKind, PairingStatus, PartyKind, Rank, TeamRole, UnitKind};
#[allow(unused_imports)]
use bangfu_domain::RegionScope;
#[allow(unused_imports)]
use chrono::NaiveDate;

pub mod assign;
pub mod caseload;
pub mod coverage;
pub mod handover;
pub mod helpers;
pub mod pairings;
pub mod teams;
pub mod units;

pub use caseload::{CaseloadRow, Limits};
pub use coverage::{CoverageSummary, SchoolGap, StudentGap, VillageGap, HouseholdGap};
pub use helpers::{Helper, HelperFilter, NewHelper};
pub use pairings::{NewPairing, Pairing, PairingCreated, PairingFilter, Party};
pub use teams::{NewTeam, Team, TeamMember};
pub use units::{NewUnit, Unit};

/// Household types that are registered (建档立卡): 贫困户, 脱贫户, 监测户.
pub const REGISTERED_TYPES_SQL: &str = "('poor', 'exited', 'monitored')";

pub(crate) fn opt_str(v: Option<&str>) -> P<'_> {
    v.map(P::Text).unwrap_or(P::Null)
}

pub(crate) fn opt_int<'a>(v: Option<i64>) -> P<'a> {
    v.map(P::Int).unwrap_or(P::Null)
}

/// A trimmed, non-empty text.
pub(crate) fn clean(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// A region code padded to 12 digits (audit chains need at least the county).
pub(crate) fn padded(code: &str) -> String {
    format!("{code:0<12}")
}

/// Runs `f` in a transaction: committed on Ok, rolled back on Err.
pub(crate) fn in_tx<T>(conn: &mut Conn, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
    conn.begin()?;
    match f(conn) {
        Ok(v) => {
            conn.commit()?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.rollback();
            Err(e)
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn record(conn: &mut Conn, actor: &Actor, region: &str, entity: &str, id: i64, action: &str, before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> Result<()> {
    audit::record(
        conn,
        actor,
        audit::Entry { region_code: Some(region), entity, entity_id: Some(id.to_string()), action, before: before.map(|v| v.to_string()), after: after.map(|v| v.to_string()) },
    )
}

/// Masks an ID number for display (first 4 and last 4 kept).
pub fn mask_id(id: &str) -> String {
    bangfu_domain::value::mask(id)
}

