//! Data-quality runs (逻辑校验): rules over a region, the whole registry or one household, stored
//! per run with counts by rule and village, compared with the previous run, and the settings and
//! income lines each jurisdiction sets.

mod cross;
mod one;
mod report;
mod run;
mod scan;
mod settings;

pub use one::check_household;
pub use report::{FindingFilter, FindingRow, FindingState, RegionCount, RuleCount, RunDetail, findings, latest_errors, latest_for_household, run_detail, runs, work_list};
pub use run::{RunRequest, RunSummary, run, run_parallel};
pub use settings::{RuleSettings, StoredLine, StoredSetting, delete_setting, lines, save_line, save_setting, settings, stored_settings};
