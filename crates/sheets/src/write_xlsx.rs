//! The xlsx writer: constant-memory worksheets, bold frozen header, text never evaluated,
//! real dates, and splitting into "<name>(2)", "<name>(3)" sheets when a sheet is full.

use crate::error::{SheetError, display_name};
use crate::write::{Cell, TableWriter};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::path::{Path, PathBuf};

/// Data rows per sheet in Excel (1,048,576 rows minus the header).
pub const MAX_DATA_ROWS_PER_SHEET: u32 = 1_048_575;
/// Columns per sheet in Excel.
const MAX_COLUMNS: usize = 16_384;
const MAX_SHEET_NAME: usize = 31;

/// An xlsx writer; every table becomes a sheet (more if it exceeds Excel's row limit).
pub fn xlsx_writer(path: &Path) -> Result<Box<dyn TableWriter>, SheetError> {
    xlsx_writer_with_limit(path, MAX_DATA_ROWS_PER_SHEET)
}

/// Like [`xlsx_writer`] with a smaller number of data rows per sheet (for tests, or to
/// keep sheets small). `rows_per_sheet` is clamped to `1..=MAX_DATA_ROWS_PER_SHEET`.
pub fn xlsx_writer_with_limit(
    path: &Path,
    rows_per_sheet: u32,
) -> Result<Box<dyn TableWriter>, SheetError> {
    let file = display_name(path);
    // Fail early (and without leaving a workbook in memory) if the target is not writable.
    std::fs::File::create(path).map_err(|e| crate::error::io_error(&file, &e))?;
    Ok(Box::new(XlsxTableWriter {
        path: path.to_path_buf(),
        file,
        book: Workbook::new(),
        limit: rows_per_sheet.clamp(1, MAX_DATA_ROWS_PER_SHEET),
        header_fmt: Format::new().set_bold(),
        quote_fmt: Format::new().set_quote_prefix(),
        date_fmt: Format::new().set_num_format("yyyy-mm-dd"),
        table: None,
        used_names: Vec::new(),
    }))
}

struct Table {
    base: String,
    header: Vec<String>,
    part: u32,
    sheet_index: usize,
    rows_in_part: u32,
    widths: Vec<f64>,
}

struct XlsxTableWriter {
    path: PathBuf,
    file: String,
    book: Workbook,
    limit: u32,
    header_fmt: Format,
    quote_fmt: Format,
    date_fmt: Format,
    table: Option<Table>,
    /// Lower-cased sheet names already used (Excel compares case-insensitively).
    used_names: Vec<String>,
}

/// Display width of text in Excel character units (CJK counts double).
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x1100 { 1.0 } else { 2.0 })
        .sum()
}

fn sanitize_sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').to_string();
    if cleaned.is_empty() {
        "Sheet".to_string()
    } else {
        cleaned
    }
}

fn with_suffix(base: &str, suffix: &str) -> String {
    let room = MAX_SHEET_NAME.saturating_sub(suffix.chars().count());
    let mut name: String = base.chars().take(room).collect();
    name = name.trim_end_matches('\'').to_string();
    name.push_str(suffix);
    name
}

impl XlsxTableWriter {
    fn err(&self, e: &XlsxError) -> SheetError {
        let msg = match e {
            XlsxError::MaxStringLengthExceeded => {
                "单元格内容超过 Excel 的上限（32767 个字符），无法写入 xlsx；请改用 CSV 导出"
                    .to_string()
            }
            XlsxError::IoError(io) => {
                format!("写入 xlsx 文件失败（{io}），请检查磁盘空间和写入权限")
            }
            other => format!("写入 xlsx 文件失败（{other}）"),
        };
        SheetError::new(&self.file, msg)
    }

    fn unique_name(&mut self, base: &str, part: u32) -> String {
        let mut n = 1u32;
        loop {
            let suffix = match (part, n) {
                (1, 1) => String::new(),
                (p, 1) => format!("({p})"),
                (1, k) => format!("_{k}"),
                (p, k) => format!("({p})_{k}"),
            };
            let name = with_suffix(base, &suffix);
            let key = name.to_lowercase();
            if !self.used_names.contains(&key) {
                self.used_names.push(key);
                return name;
            }
            n += 1;
        }
    }

    /// Adds a sheet for the current table's next part and writes its header.
    fn new_sheet(&mut self) -> Result<(), SheetError> {
        let Some(table) = self.table.as_ref() else {
            return Ok(());
        };
        let (base, part) = (table.base.clone(), table.part);
        let name = self.unique_name(&base, part);
        let header_fmt = self.header_fmt.clone();
        let sheet = self
            .book
            .add_worksheet_with_constant_memory()
            .map_err(|e| {
                SheetError::new(&self.file, format!("无法创建临时文件来写 xlsx（{e}）"))
            })?;
        let header = self
            .table
            .as_ref()
            .map(|t| t.header.clone())
            .unwrap_or_default();
        let result = (|| -> Result<(), XlsxError> {
            sheet.set_name(&name)?;
            for (c, h) in header.iter().enumerate() {
                let col = c as u16;
                let width = (text_width(h) + 2.0).clamp(8.0, 50.0);
                sheet.set_column_width(col, width)?;
                sheet.write_string_with_format(0, col, h, &header_fmt)?;
            }
            if !header.is_empty() {
                sheet.set_freeze_panes(1, 0)?;
            }
            Ok(())
        })();
        result.map_err(|e| self.err(&e))?;
        let index = self.book.worksheets().len().saturating_sub(1);
        if let Some(t) = self.table.as_mut() {
            t.sheet_index = index;
            t.rows_in_part = 0;
            t.widths = header
                .iter()
                .map(|h| (text_width(h) + 2.0).clamp(8.0, 50.0))
                .collect();
        }
        Ok(())
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    quote_fmt: &Format,
    date_fmt: &Format,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(t) if t.starts_with(['=', '+', '-', '@']) => {
            sheet.write_string_with_format(row, col, t, quote_fmt)?;
        }
        Cell::Text(t) => {
            sheet.write_string(row, col, t)?;
        }
        Cell::Int(i) => {
            sheet.write_number(row, col, *i as f64)?;
        }
        Cell::Number(f) if f.is_finite() => {
            sheet.write_number(row, col, *f)?;
        }
        Cell::Number(f) => {
            sheet.write_string(row, col, f.to_string())?;
        }
        Cell::Date(d) => {
            use chrono::Datelike;
            let excel = u16::try_from(d.year())
                .ok()
                .and_then(|y| ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok());
            match excel {
                Some(dt) => sheet.write_datetime_with_format(row, col, dt, date_fmt)?,
                // Before 1900 or after 9999: Excel has no such date, keep it readable.
                None => sheet.write_string(row, col, d.format("%Y-%m-%d").to_string())?,
            };
        }
    }
    Ok(())
}

fn cell_width(cell: &Cell) -> f64 {
    match cell {
        Cell::Empty => 0.0,
        Cell::Text(t) => text_width(t),
        Cell::Int(i) => i.to_string().len() as f64,
        Cell::Number(f) => crate::cellfmt::format_number(*f).len() as f64,
        Cell::Date(_) => 10.0,
    }
}

impl TableWriter for XlsxTableWriter {
    fn begin_table(&mut self, name: &str, header: &[&str]) -> Result<(), SheetError> {
        if header.len() > MAX_COLUMNS {
            return Err(SheetError::new(
                &self.file,
                format!(
                    "列数太多：xlsx 最多 {MAX_COLUMNS} 列，这张表有 {} 列",
                    header.len()
                ),
            ));
        }
        self.table = Some(Table {
            base: sanitize_sheet_name(name),
            header: header.iter().map(|h| h.to_string()).collect(),
            part: 1,
            sheet_index: 0,
            rows_in_part: 0,
            widths: Vec::new(),
        });
        self.new_sheet()
    }

    fn write_row(&mut self, row: &[Cell]) -> Result<(), SheetError> {
        if row.len() > MAX_COLUMNS {
            return Err(SheetError::new(
                &self.file,
                format!(
                    "列数太多：xlsx 最多 {MAX_COLUMNS} 列，这一行有 {} 列",
                    row.len()
                ),
            ));
        }
        let full = match self.table.as_ref() {
            None => {
                return Err(SheetError::new(
                    &self.file,
                    "程序错误：写入数据行之前没有先写表头（begin_table）",
                ));
            }
            Some(t) => t.rows_in_part >= self.limit,
        };
        if full {
            if let Some(t) = self.table.as_mut() {
                t.part += 1;
            }
            self.new_sheet()?;
        }
        let Some(table) = self.table.as_mut() else {
            return Ok(());
        };
        let r = table.rows_in_part + 1;
        let first_row = table.rows_in_part == 0;
        table.rows_in_part += 1;
        let index = table.sheet_index;
        let mut widths = std::mem::take(&mut table.widths);
        let (quote_fmt, date_fmt) = (&self.quote_fmt, &self.date_fmt);
        let sheet = match self.book.worksheet_from_index(index) {
            Ok(s) => s,
            Err(e) => {
                return Err(SheetError::new(
                    &self.file,
                    format!("写入 xlsx 文件失败（{e}）"),
                ));
            }
        };
        let mut result = Ok(());
        for (c, cell) in row.iter().enumerate() {
            if first_row {
                // Widen columns to fit the first data row (cheap, no scan of the data).
                let w = (cell_width(cell) + 2.0).min(60.0);
                if widths.len() <= c {
                    widths.resize(c + 1, 8.0);
                }
                if w > widths[c] {
                    widths[c] = w;
                    let _ = sheet.set_column_width(c as u16, w);
                }
            }
            result = write_cell(sheet, r, c as u16, cell, quote_fmt, date_fmt);
            if result.is_err() {
                break;
            }
        }
        if let Some(t) = self.table.as_mut() {
            t.widths = widths;
        }
        result.map_err(|e| self.err(&e).with_row(u64::from(r) + 1))
    }

    fn finish(mut self: Box<Self>) -> Result<(), SheetError> {
        if self.book.worksheets().is_empty()
            && let Err(e) = self.book.add_worksheet_with_constant_memory()
        {
            return Err(self.err(&e));
        }
        let path = self.path.clone();
        self.book.save(&path).map_err(|e| self.err(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names() {
        assert_eq!(sanitize_sheet_name("a/b:c"), "a_b_c");
        assert_eq!(sanitize_sheet_name("  "), "Sheet");
        let long = "一".repeat(40);
        let n = with_suffix(&long, "(2)");
        assert_eq!(n.chars().count(), 31);
        assert!(n.ends_with("(2)"));
    }
}
