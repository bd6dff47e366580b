//! Legacy .xls (BIFF) reading through calamine; the sheet is loaded into memory.

use crate::calamine_cell::{convert, error_message};
use crate::error::{SheetError, io_error};
use crate::xlsx_read::put;
use crate::{RawRow, ReadOptions};
use calamine::{Data, Range, Reader, Xls, XlsError};
use std::fs::File;
use std::io::BufReader;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

pub(crate) type XlsBook = Xls<BufReader<File>>;

const UNREADABLE: &str = "无法按 xls 格式读取这个文件：文件可能已损坏、设置了打开密码，或者其实是 Word 等其他 Office 文件。请在 Excel/WPS 中打开，取消密码后“另存为” xlsx 再导入";

fn xls_error(file: &str, e: &XlsError) -> SheetError {
    match e {
        XlsError::Io(io) => io_error(file, io),
        XlsError::Password => SheetError::new(
            file,
            "文件设置了打开密码，无法读取：请在 Excel/WPS 中取消密码后另存为 xlsx，再导入",
        ),
        _ => SheetError::new(file, UNREADABLE),
    }
}

fn guarded<T>(file: &str, f: impl FnOnce() -> Result<T, XlsError>) -> Result<T, SheetError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(xls_error(file, &e)),
        Err(_) => Err(SheetError::new(file, UNREADABLE)),
    }
}

/// Opens the workbook; calamine parses all sheets here.
pub(crate) fn open(path: &Path, file: &str) -> Result<XlsBook, SheetError> {
    let f = File::open(path).map_err(|e| io_error(file, &e))?;
    guarded(file, || Xls::new(BufReader::new(f)))
}

pub(crate) fn sheet_names(book: &XlsBook) -> Vec<String> {
    book.sheet_names()
}

/// The rows of one sheet.
pub(crate) fn rows(
    book: &mut XlsBook,
    file: &str,
    sheet: &str,
    opts: &ReadOptions,
) -> Result<XlsRows, SheetError> {
    let range = guarded(file, || book.worksheet_range(sheet)).map_err(|e| e.with_sheet(sheet))?;
    Ok(XlsRows {
        range,
        next: 0,
        file: file.to_string(),
        sheet: sheet.to_string(),
        max_columns: opts.max_columns,
        max_chars: opts.max_cell_chars,
        done: false,
    })
}

pub(crate) struct XlsRows {
    range: Range<Data>,
    next: usize,
    file: String,
    sheet: String,
    max_columns: usize,
    max_chars: usize,
    done: bool,
}

impl XlsRows {
    fn row(&self, idx: usize) -> Result<Option<RawRow>, SheetError> {
        let (start_row, start_col) = self.range.start().unwrap_or((0, 0));
        let number = u64::from(start_row) + idx as u64 + 1;
        let width = self.range.width();
        let mut cells = Vec::new();
        for j in 0..width {
            let Some(value) = self.range.get((idx, j)) else {
                continue;
            };
            let col = start_col as usize + j;
            let err = |msg: String| {
                SheetError::new(&self.file, msg)
                    .with_sheet(&self.sheet)
                    .with_row(number)
                    .with_column(col, None)
            };
            let text = convert(value).map_err(|e| err(error_message(&e)))?;
            if text.is_empty() {
                continue;
            }
            if text.chars().count() > self.max_chars {
                return Err(err(format!(
                    "单元格内容过长（超过 {} 个字符），请检查该单元格",
                    self.max_chars
                )));
            }
            if col >= self.max_columns {
                return Err(err(format!(
                    "列数太多：这一行超过了 {} 列的上限。请删除表格右侧多余的列后再导入",
                    self.max_columns
                )));
            }
            put(&mut cells, col, text);
        }
        Ok((!cells.is_empty()).then_some(RawRow { number, cells }))
    }
}

impl Iterator for XlsRows {
    type Item = Result<RawRow, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done && self.next < self.range.height() {
            let idx = self.next;
            self.next += 1;
            match self.row(idx) {
                Ok(Some(row)) => return Some(Ok(row)),
                Ok(None) => {}
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}
