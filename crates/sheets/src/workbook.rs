//! `Workbook`: one opened file of any supported kind, and `RowIter` over a sheet's rows.

use crate::csv_read::{self, CsvRows, CsvSetup};
use crate::error::{SheetError, display_name};
use crate::html_read::{self, HtmlTable};
use crate::sniff::{FileKind, sniff};
use crate::textenc;
use crate::{xls_read, xlsx_read};
use std::path::{Path, PathBuf};

/// Limits applied while reading untrusted files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Longest cell, in characters (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
    /// Most columns in a row that may hold content.
    pub max_columns: usize,
    /// Total declared uncompressed size of an xlsx (read as a stream, so this bounds time, not memory).
    pub max_uncompressed_bytes: u64,
    /// The largest HTML file (an HTML table is held in memory).
    pub max_html_bytes: u64,
    /// Largest uncompressed/compressed ratio of an xlsx entry over 10 MiB.
    pub max_compression_ratio: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_cell_chars: 32_767,
            max_columns: 1_024,
            max_uncompressed_bytes: 8 << 30,
            max_html_bytes: 512 << 20,
            max_compression_ratio: 200,
        }
    }
}

/// One row as read: its 1-based physical row number (as Excel/WPS shows it) and its cells,
/// trimmed of surrounding whitespace. Trailing empty cells are dropped and rows without
/// any content are skipped (their numbers are still counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// 1-based physical row number.
    pub number: u64,
    /// Cell texts, column A first.
    pub cells: Vec<String>,
}

enum Inner {
    Csv(CsvSetup),
    Xlsx(Box<xlsx_read::XlsxBook>),
    Xls(Box<xls_read::XlsBook>),
    Html(Vec<HtmlTable>),
}

/// An opened spreadsheet or CSV file.
pub struct Workbook {
    path: PathBuf,
    file: String,
    kind: FileKind,
    encoding: Option<&'static str>,
    sheets: Vec<String>,
    opts: ReadOptions,
    inner: Inner,
}

/// Iterator over the rows of one sheet. After an `Err` item it ends.
pub struct RowIter<'a> {
    inner: Box<dyn Iterator<Item = Result<RawRow, SheetError>> + 'a>,
}

impl Iterator for RowIter<'_> {
    type Item = Result<RawRow, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl Workbook {
    /// Opens a file, detecting its kind from its content.
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<Workbook, SheetError> {
        let file = display_name(path);
        let kind = sniff(path)?;
        let (inner, encoding, sheets) = match kind {
            FileKind::Csv => {
                let setup = csv_read::probe(path, &file)?;
                let stem = path
                    .file_stem()
                    .map_or_else(|| file.clone(), |s| s.to_string_lossy().into_owned());
                (
                    Inner::Csv(setup),
                    Some(textenc::display_name(setup.encoding)),
                    vec![stem],
                )
            }
            FileKind::Xlsx => {
                xlsx_read::check_zip(path, &file, opts)?;
                let book = xlsx_read::open(path, &file)?;
                let names = xlsx_read::sheet_names(&book);
                (Inner::Xlsx(Box::new(book)), None, names)
            }
            FileKind::Xls => {
                let book = xls_read::open(path, &file)?;
                let names = xls_read::sheet_names(&book);
                (Inner::Xls(Box::new(book)), None, names)
            }
            FileKind::Html => {
                let (enc, tables) = html_read::read(path, &file, opts)?;
                let names = (1..=tables.len()).map(|i| format!("表{i}")).collect();
                (Inner::Html(tables), Some(enc), names)
            }
        };
        if sheets.is_empty() {
            return Err(SheetError::new(
                &file,
                "文件里没有任何工作表：请用 Excel/WPS 打开检查后重新保存",
            ));
        }
        Ok(Workbook {
            path: path.to_path_buf(),
            file,
            kind,
            encoding,
            sheets,
            opts: opts.clone(),
            inner,
        })
    }

    /// What the file really is.
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// Text encoding for CSV and HTML ("UTF-8", "GB18030", "GBK", "UTF-16LE", …).
    pub fn encoding(&self) -> Option<&'static str> {
        self.encoding
    }

    /// Sheet names: CSV has one named after the file stem; HTML has "表1", "表2", … (one
    /// per table with content); xlsx/xls have their own names.
    pub fn sheet_names(&self) -> Vec<String> {
        self.sheets.clone()
    }

    /// The file name shown in messages.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The rows of sheet `sheet` (0-based index into [`Workbook::sheet_names`]). CSV and
    /// xlsx stream from disk; xls and HTML are already in memory.
    pub fn rows(&mut self, sheet: usize) -> Result<RowIter<'_>, SheetError> {
        let Some(name) = self.sheets.get(sheet).cloned() else {
            return Err(SheetError::new(
                &self.file,
                format!(
                    "没有第 {} 个工作表（文件里只有 {} 个）",
                    sheet.saturating_add(1),
                    self.sheets.len()
                ),
            ));
        };
        let file = self.file.clone();
        let inner: Box<dyn Iterator<Item = Result<RawRow, SheetError>> + '_> = match &mut self.inner
        {
            Inner::Csv(setup) => {
                let stream = csv_read::open_stream(&self.path, &file, setup)?;
                Box::new(CsvRows::new(stream, &file, &name, setup, &self.opts))
            }
            Inner::Xlsx(book) => Box::new(xlsx_read::rows(book, &file, &name, &self.opts)?),
            Inner::Xls(book) => Box::new(xls_read::rows(book, &file, &name, &self.opts)?),
            Inner::Html(tables) => {
                let Some(table) = tables.get(sheet) else {
                    return Ok(RowIter {
                        inner: Box::new(std::iter::empty()),
                    });
                };
                let error = table.error.clone().map(|(row, col, msg)| {
                    SheetError::new(&file, msg)
                        .with_sheet(&name)
                        .with_row(row)
                        .with_column(col, None)
                });
                Box::new(table.rows.iter().cloned().map(Ok).chain(error.map(Err)))
            }
        };
        Ok(RowIter { inner })
    }
}
