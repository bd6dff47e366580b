//! Editing the registry one household at a time (the web forms): optimistic versions, refusals that
//! name the field, events and an audit entry, all in one transaction per save.
//!
//! Every save first takes the household's version (`UPDATE … SET version = version + 1 WHERE id = ?
//! AND version = ?`): a stale version — including one that went stale a moment ago in another
//! request — becomes [`SaveOutcome::Conflict`] with the stored record and the difference, and nothing
//! is written. Only [`SaveOutcome::Saved`] commits.

mod create;
mod event;
mod member;
mod write;

pub use create::create_household;
pub use event::{record_event, EventInput};
pub use member::{add_member, update_member};

use super::diff::{diff, DocDiff};
use super::read::{self, StoredHousehold};
use crate::audit::Actor;
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use crate::keyring::Keyring;
use bangfu_domain::fields::FieldRef;
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::value::{format_value, mask, Kind, Value};
use bangfu_domain::{RegionScope, ResidentId};
use chrono::NaiveDate;

/// Why a change is refused, in Chinese, and at which field (`None`: the record as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: Option<FieldRef>,
    pub message: String,
}

impl Refusal {
    pub fn at(field: FieldRef, message: impl Into<String>) -> Refusal {
        Refusal { field: Some(field), message: message.into() }
    }
    pub fn whole(message: impl Into<String>) -> Refusal {
        Refusal { field: None, message: message.into() }
    }
}

/// What a save did (one per request: the conflict's stored record is not worth a box).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum SaveOutcome {
    /// Written; the household now has this version.
    Saved { id: i64, version: i64 },
    /// The new version equals the stored one: nothing written, the version stays.
    Unchanged { id: i64, version: i64 },
    /// Someone saved first: the record as stored now, and how the submitted one differs from it
    /// (`before` = stored now, `after` = submitted). Nothing written.
    Conflict { current: StoredHousehold, changes: DocDiff },
    /// Not allowed as submitted (duplicate ID, a second head, …). Nothing written.
    Refused(Refusal),
}

impl SaveOutcome {
    pub fn is_saved(&self) -> bool {
        matches!(self, SaveOutcome::Saved { .. })
    }
}

/// The new version of a household built from the stored one.
pub(crate) struct Edit {
    pub merged: HouseholdDoc,
    /// Members whose resident ID is corrected: (index in the stored document, new ID).
    pub renamed: Vec<(usize, ResidentId)>,
}

pub(crate) fn not_found() -> StoreError {
    StoreError::NotFound("该户（或它不在您的管辖范围内）".into())
}

/// Takes the expected version of an active household in scope (bumping it); `false` when the
/// household is not there in that version.
pub(crate) fn take_version(conn: &mut Conn, scope: &RegionScope, id: i64, expected: i64) -> Result<bool> {
    let pattern = scope.like_pattern();
    let n = conn.execute(
        "UPDATE household SET version = version + 1 WHERE id = ? AND version = ? AND region_code LIKE ? AND status = 'active'",
        &[P::Int(id), P::Int(expected), P::Text(&pattern)],
    )?;
    Ok(n == 1)
}

/// Commits a `Saved` outcome, rolls back anything else (errors included).
pub(crate) fn finish(conn: &mut Conn, result: Result<SaveOutcome>) -> Result<SaveOutcome> {
    match result {
        Ok(o) if o.is_saved() => {
            conn.commit()?;
            Ok(o)
        }
        other => {
            let _ = conn.rollback();
            other
        }
    }
}

/// Saves a new version of one household (household fields and members as given; the region and
/// removals of members are refused here) if `expected_version` is still current.
#[allow(clippy::too_many_arguments)]
pub fn save_household(
    conn: &mut Conn,
    keys: &Keyring,
    actor: &Actor,
    scope: &RegionScope,
    id: i64,
    expected_version: i64,
    merged: &HouseholdDoc,
    today: NaiveDate,
) -> Result<SaveOutcome> {
    save_with(conn, keys, actor, scope, id, expected_version, today, |_| Ok(Edit { merged: merged.clone(), renamed: Vec::new() }))
}

/// The save path shared by every household and member edit: version, build, check, write, audit.
#[allow(clippy::too_many_arguments)]
pub(crate) fn save_with(
    conn: &mut Conn,
    keys: &Keyring,
    actor: &Actor,
    scope: &RegionScope,
    id: i64,
    expected: i64,
    today: NaiveDate,
    build: impl Fn(&StoredHousehold) -> std::result::Result<Edit, Refusal>,
) -> Result<SaveOutcome> {
    conn.begin()?;
    let result = (|| {
        let taken = take_version(conn, scope, id, expected)?;
        let stored = read::get(conn, keys, scope, id)?.ok_or_else(not_found)?;
        if !taken {
            let changes = build(&stored).map(|e| diff(&stored.doc, &e.merged)).unwrap_or_default();
            return Ok(SaveOutcome::Conflict { current: stored, changes });
        }
        match build(&stored) {
            Ok(edit) => write::write(conn, keys, actor, scope, &stored, expected, edit, today),
            Err(r) => Ok(SaveOutcome::Refused(r)),
        }
    })();
    finish(conn, result)
}

/// A value as the audit trail and event details show it: protected numbers and ID numbers masked.
pub fn shown(kind: Kind, v: &Value) -> String {
    match (kind, v) {
        (_, Value::Secret(s)) => s.masked(),
        (Kind::IdNumber, Value::Text(t)) => ResidentId::parse(t).map(|r| r.masked()).unwrap_or_else(|_| mask(t)),
        _ => format_value(kind, v),
    }
}
