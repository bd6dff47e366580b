//! `import households`: read a file of households and members, check every row, write the valid
//! registry in one transaction (all or nothing by default), report every problem with its place.

mod group;
pub mod issue;
mod read;
mod rows;

pub use issue::{report_path, write_report, RowIssue};

use bangfu_domain::fields::FieldRef;
use bangfu_domain::RegionScope;
use bangfu_store::audit::Actor;
use bangfu_store::regions::Directory;
use bangfu_store::registry::diff::Present;
use bangfu_store::registry::{ImportOptions, ImportSession, SessionSummary, SourcedDoc};
use bangfu_store::{Store, StoreError};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub path: PathBuf,
    /// Write the valid households and report the rest (default: any problem → nothing written).
    pub accept_valid: bool,
    pub scope: RegionScope,
    pub today: NaiveDate,
    /// Household type for files without a 户类型 column.
    pub default_household_type: Option<&'static str>,
    /// Income year for files without a 收入年度 column.
    pub income_year: i64,
    /// Write `<file>.错误报告.xlsx` beside the input when there are problems.
    pub write_report: bool,
}

/// What an import found and did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub file: String,
    pub kind: String,
    pub encoding: Option<String>,
    pub households_in_file: u64,
    pub member_rows: u64,
    pub rejected_households: u64,
    pub written: SessionSummary,
    pub committed: bool,
    pub issues: Vec<RowIssue>,
    pub warnings: Vec<String>,
    pub seconds: f64,
    pub report_path: Option<PathBuf>,
}

/// Problems that stop an import before any row is considered.
#[derive(Debug)]
pub enum ImportError {
    File(String),
    Store(StoreError),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::File(m) => f.write_str(m),
            ImportError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

/// Messages from the reading thread to the writing one.
pub(crate) enum Msg {
    /// `labels`: each field's column as "C（证件号码）", for locating problems the store finds.
    Layout { kind: String, encoding: Option<String>, sheet: String, present: Present, warnings: Vec<String>, labels: HashMap<FieldRef, String> },
    Batch { docs: Vec<SourcedDoc>, issues: Vec<RowIssue>, rejected: u64, households: u64, member_rows: u64 },
    Fatal(RowIssue),
}

const BATCH: usize = 2000;

/// Imports a households file into the registry.
pub fn import_households(store: &mut Store, actor: Actor, req: &ImportRequest, progress: &mut dyn FnMut(u64)) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let file_name = req.path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let directory = Directory::load(&mut store.conn, &req.scope)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(4);
    let reader_req = req.clone();
    let reader = std::thread::spawn(move || read::read_file(&reader_req, &directory, &tx));
    let mut report = ImportReport { file: file_name.clone(), ..Default::default() };
    let main_sheet: String;
    let labels: HashMap<FieldRef, String>;
    // the layout comes first (or a fatal problem with the file)
    let first = rx.recv();
    let present = match first {
        Ok(Msg::Layout { kind, encoding, sheet, present, warnings, labels: l }) => {
            main_sheet = sheet;
            labels = l;
            report.kind = kind;
            report.encoding = encoding;
            report.warnings = warnings;
            present
        }
        Ok(Msg::Fatal(issue)) => {
            let _ = reader.join();
            return Err(ImportError::File(format!("{file_name}：{issue}")));
        }
        _ => {
            let _ = reader.join();
            return Err(ImportError::File(format!("{file_name}：读取失败")));
        }
    };
    let opts = ImportOptions { file_name: file_name.clone(), today: req.today, present, scope: req.scope.clone() };
    let mut session = ImportSession::begin(store, actor, opts)?;
    let mut fatal = None;
    let timing = std::env::var_os("BANGFU_TIMING").is_some();
    let (mut wait, mut write) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let result = (|| -> Result<(), StoreError> {
        loop {
            let t = Instant::now();
            let Ok(msg) = rx.recv() else { break };
            wait += t.elapsed();
            let t = Instant::now();
            match msg {
                Msg::Batch { docs, issues, rejected, households, member_rows } => {
                    report.households_in_file += households;
                    report.member_rows += member_rows;
                    report.rejected_households += rejected;
                    report.issues.extend(issues);
                    let conflicts = session.submit(docs)?;
                    report.rejected_households += conflicts.len() as u64;
                    report.issues.extend(conflicts.into_iter().map(|c| conflict_issue(&c, &main_sheet, &labels)));
                    progress(report.member_rows);
                    write += t.elapsed();
                }
                Msg::Fatal(issue) => {
                    fatal = Some(issue);
                    break;
                }
                Msg::Layout { .. } => {}
            }
        }
        if timing {
            eprintln!("[timing] writer waited {:.2}s for rows, wrote for {:.2}s", wait.as_secs_f64(), write.as_secs_f64());
        }
        let late = session.resolve(req.accept_valid)?;
        // one household may have several people registered elsewhere: count it once
        let late_households: std::collections::HashSet<u64> = late.iter().map(|c| c.household_row).collect();
        report.rejected_households += late_households.len() as u64;
        report.issues.extend(late.into_iter().map(|c| conflict_issue(&c, &main_sheet, &labels)));
        Ok(())
    })();
    drop(rx);
    if reader.join().is_err() && fatal.is_none() {
        // the reading side stopped unexpectedly: never commit a partly read file
        fatal = Some(RowIssue {
            sheet: main_sheet.clone(),
            row: 0,
            column: String::new(),
            field: String::new(),
            value: String::new(),
            reason: "读取文件时发生内部错误，文件未读完".into(),
            fix: "未写入任何数据；请把该文件另存为 xlsx 或 CSV 后重试，并把文件报告给系统管理员".into(),
        });
    }
    if let Err(e) = result {
        let _ = session.rollback();
        return Err(e.into());
    }
    report.issues.sort_by(|a, b| (a.sheet.as_str(), a.row).cmp(&(b.sheet.as_str(), b.row)));
    let can_commit = fatal.is_none() && (report.issues.is_empty() || req.accept_valid);
    report.seconds = started.elapsed().as_secs_f64();
    if let Some(f) = fatal {
        report.issues.push(f);
    }
    if can_commit {
        let t = Instant::now();
        report.written = session.commit(report.rejected_households, report.seconds)?;
        if timing {
            eprintln!("[timing] commit {:.2}s", t.elapsed().as_secs_f64());
        }
        report.committed = true;
    } else {
        report.written = SessionSummary::default();
        session.rollback()?;
    }
    if !report.issues.is_empty() && req.write_report {
        let path = report_path(&req.path);
        match write_report(&path, &file_name, &report.issues) {
            Ok(()) => report.report_path = Some(path),
            Err(e) => report.warnings.push(format!("错误报告未能写出：{e}")),
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn conflict_issue(c: &bangfu_store::registry::Conflict, sheet: &str, labels: &HashMap<FieldRef, String>) -> RowIssue {
    RowIssue {
        sheet: sheet.to_string(),
        row: c.row,
        column: c.field.map(|f: FieldRef| labels.get(&f).cloned().unwrap_or_else(|| f.def().label.to_string())).unwrap_or_default(),
        field: c.field.map(|f| f.def().label.to_string()).unwrap_or_default(),
        value: c.value.clone(),
        reason: c.reason.clone(),
        fix: c.fix.clone(),
    }
}

/// The file name part of a path, for messages.
pub fn display_name(p: &Path) -> String {
    p.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string())
}
