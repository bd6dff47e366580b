//! Compliance of field work (考核/台账): monthly rates per helper, unit, team, village and township
//! with the overdue lists (`monthly`), a helper's own "what is due" (`due`), the rows of the
//! monthly ledgers (`ledger`), and the parameters per jurisdiction (`settings`). Everything reads
//! the pairing and activity tables in SQL; nothing here depends on the pairing or activity writers.

pub mod dashboard;
pub mod due;
pub mod ledger;
pub mod monthly;
mod names;
pub mod settings;
pub mod stints;

pub use dashboard::{dashboard_counts, DashboardCounts};
pub use due::{due, helper_of_user, Due, DueItem};
pub use ledger::{visit_ledger, work_ledger, VisitLedgerRow, WorkLedgerRow};
pub use monthly::{monthly, AreaRow, HelperRow, LeaderRow, Monthly, MonthlyRequest, Tally, TeamRow, UnitRow};
pub use settings::StoredParam;
pub use stints::{stints, ExchangeLine, StintLine, StintReport};

use bangfu_domain::compliance::Partition;
use chrono::NaiveDate;

/// A household in an overdue list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdLine {
    pub household_id: i64,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    pub village_code: String,
    pub village_name: Option<String>,
    pub helper_id: Option<i64>,
    pub helper_name: Option<String>,
    /// Visits by this helper this month.
    pub visits_month: i64,
    /// Last visit by anyone up to the day the month is judged at.
    pub last_visit: Option<NaiveDate>,
    pub days_since: Option<i64>,
}

/// `col LIKE 'prefix%' AND NOT (col LIKE 'except%') …` for a partition, with its parameters.
pub(crate) fn filter(col: &str, part: &Partition) -> (String, Vec<String>) {
    let mut sql = format!("{col} LIKE ?");
    let mut params = vec![format!("{}%", part.prefix)];
    for e in &part.except {
        sql.push_str(&format!(" AND {col} NOT LIKE ?"));
        params.push(format!("{e}%"));
    }
    (sql, params)
}
