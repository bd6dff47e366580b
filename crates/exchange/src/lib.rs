//! Moving the registry in and out of the files officials use: household import (CSV, XLSX, XLS,
//! HTML-as-xls) with row-level errors, export in the same layout, and demo files with defects.
//! Shared by the command line and (later) the web upload.

pub mod compare;
pub mod defects;
pub mod export;
pub mod import;
pub mod layout;
pub mod ledgers;
pub mod pairing_sheet;
pub mod worklist;

pub use import::{import_households, ImportReport, ImportRequest, RowIssue};
