//! Field work (走访, 签到, 工作日志, 支教/挂职, 培训, 会议, 捐赠, 消费扶贫, 分红), its photos, and the
//! assistance measures delivered to households (帮扶措施).
//!
//! [`record`] writes one activity, its `activity_helper` rows (one per helper, with the date and
//! kind copied for compliance scans) and an audit entry in one transaction. A form sent twice with
//! the same `client_uuid` is stored once (the second call answers the first's id). Every read and
//! write is scoped by region in SQL: an activity outside the caller's scope is "not found".

use crate::db::{Conn, P};
use crate::error::Result;
use chrono::NaiveDate;

pub mod measures;
mod photos;
mod query;
mod record;

pub use photos::*;
pub use query::*;
pub use record::*;

/// What a visit can check (走访内容), by code and label.
pub const CHECKS: &[(&str, &str)] = &[
    ("guarantees", "两不愁三保障"),
    ("income", "收入情况"),
    ("needs", "帮扶需求"),
    ("policy", "政策落实"),
    ("risk", "返贫致贫风险"),
    ("housing", "住房安全"),
    ("water", "饮水安全"),
];

/// Training levels (培训级别).
pub const TRAINING_LEVELS: &[&str] = &["国培", "省培", "州培", "县培"];

/// Stint kinds (支教/挂职).
pub const STINT_KINDS: &[&str] = &["支教", "挂职"];

/// The label of a check code (the code itself when unknown).
pub fn check_label(code: &str) -> &str {
    CHECKS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or(code)
}

/// Today in China (UTC+8): a visit dated after it is in the future.
pub fn today_china() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// The helper a user logs in as (`helper.user_id`), if any.
pub fn helper_of_user(conn: &mut Conn, user_id: i64) -> Result<Option<i64>> {
    Ok(conn.query_opt("SELECT id FROM helper WHERE user_id = ? ORDER BY id LIMIT 1", &[P::Int(user_id)])?.and_then(|r| r[0].int()))
}

/// Whether a helper is paired with a household (helper—household or leader—household) on a date.
pub fn is_paired(conn: &mut Conn, helper_id: i64, household_id: i64, on: NaiveDate) -> Result<bool> {
    let n = conn.query_int(
        "SELECT COUNT(*) FROM pairing WHERE beneficiary_kind = 'household' AND beneficiary_id = ? AND helper_kind = 'helper' AND helper_id = ? \
         AND started_on <= ? AND (ended_on IS NULL OR ended_on >= ?)",
        &[P::Int(household_id), P::Int(helper_id), P::Date(on), P::Date(on)],
    )?;
    Ok(n > 0)
}

/// The households a helper is paired with now (for a helper's own list).
pub fn paired_households(conn: &mut Conn, helper_id: i64) -> Result<Vec<i64>> {
    let rows = conn.query(
        "SELECT DISTINCT beneficiary_id FROM pairing WHERE beneficiary_kind = 'household' AND helper_kind = 'helper' AND helper_id = ? AND status = 'active' ORDER BY beneficiary_id",
        &[P::Int(helper_id)],
    )?;
    Ok(rows.iter().filter_map(|r| r[0].int()).collect())
}

pub(crate) fn opt_text(v: Option<&str>) -> P<'_> {
    v.map(P::Text).unwrap_or(P::Null)
}

pub(crate) fn opt_int(v: Option<i64>) -> P<'static> {
    v.map(P::Int).unwrap_or(P::Null)
}

pub(crate) fn opt_date(v: Option<NaiveDate>) -> P<'static> {
    v.map(P::Date).unwrap_or(P::Null)
}

/// A comma-separated list of integers for `IN (…)` (ids are integers, never text from a user).
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Runs `f` in a transaction: commit on success, roll back on error.
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
