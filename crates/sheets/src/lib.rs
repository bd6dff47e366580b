//! bangfu-sheets: reads and writes the spreadsheets and CSV files county officials use.
//!
//! The crate knows nothing about the database or what columns mean: callers supply a
//! header matcher to [`detect_header`]. Every cell is read as a string. Errors are
//! [`SheetError`]s with Simplified Chinese messages naming file, sheet, row and column.
//! No input makes this crate panic; bad input yields an error.
//!
//! Reading: [`Workbook::open`] detects the kind from content ([`sniff`]): CSV/TSV (UTF-8,
//! GB18030/GBK, UTF-16), xlsx, xls, and HTML tables saved as ".xls".
//! Writing: [`xlsx_writer`] and [`csv_writer`] implement [`TableWriter`].

mod calamine_cell;
mod cellfmt;
mod csv_read;
mod error;
mod header;
mod header_detect;
mod html_read;
mod html_tok;
mod sniff;
mod textenc;
mod workbook;
mod write;
mod write_xlsx;
mod xls_read;
mod xlsx_read;

pub use cellfmt::{format_number, neutralize};
pub use error::SheetError;
pub use header::{column_letter, normalize_header, normalize_header_full};
pub use header_detect::{HeaderColumn, HeaderLayout, detect_header};
pub use sniff::{FileKind, sniff};
pub use workbook::{RawRow, ReadOptions, RowIter, Workbook};
pub use write::{Cell, TableWriter, csv_writer};
pub use write_xlsx::{MAX_DATA_ROWS_PER_SHEET, xlsx_writer, xlsx_writer_with_limit};
