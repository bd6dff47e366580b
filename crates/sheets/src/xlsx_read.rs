//! xlsx reading: a zip-bomb check before calamine sees the file, then streaming rows from
//! calamine's cell reader (memory independent of the sheet's declared dimensions).

use crate::calamine_cell::{convert_ref, error_message};
use crate::error::{SheetError, io_error};
use crate::{RawRow, ReadOptions};
use calamine::{Reader, Xlsx, XlsxCellReader, XlsxError};
use std::fs::File;
use std::io::BufReader;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

pub(crate) type XlsxBook = Xlsx<BufReader<File>>;

const CORRUPT: &str = "文件不完整或已损坏（无法按 xlsx 打开）：请重新导出或另存为 xlsx 后再试";
/// Entries at most this big are never called a bomb, whatever their ratio.
const BOMB_MIN_ENTRY: u64 = 10 * 1024 * 1024;

/// Checks the zip directory: declared sizes against the limits (the zip reader enforces
/// declared sizes while decompressing, so they bound what calamine can inflate).
pub(crate) fn check_zip(path: &Path, file: &str, opts: &ReadOptions) -> Result<(), SheetError> {
    let f = File::open(path).map_err(|e| io_error(file, &e))?;
    let archive =
        zip::ZipArchive::new(BufReader::new(f)).map_err(|_| SheetError::new(file, CORRUPT))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_data(i)
            .map_err(|_| SheetError::new(file, CORRUPT))?;
        let size = entry.size();
        let compressed = entry.compressed_size();
        total = total.saturating_add(size);
        let bomb_ratio =
            size > BOMB_MIN_ENTRY && size / compressed.max(1) > opts.max_compression_ratio;
        if bomb_ratio {
            return Err(SheetError::new(
                file,
                format!(
                    "疑似压缩炸弹：文件中的一部分解压后有 {} MB，压缩比超过 {} 倍，出于安全原因拒绝打开。请在 Excel 中打开后另存为新的 xlsx 再试",
                    size / (1024 * 1024),
                    opts.max_compression_ratio
                ),
            ));
        }
        if total > opts.max_uncompressed_bytes {
            return Err(SheetError::new(
                file,
                format!(
                    "文件解压后超过 {} MB 的上限（可能是压缩炸弹或表格过大），拒绝打开。请把数据拆成几个较小的文件再导入",
                    opts.max_uncompressed_bytes / (1024 * 1024)
                ),
            ));
        }
    }
    Ok(())
}

fn xlsx_error(file: &str, e: &XlsxError) -> SheetError {
    match e {
        XlsxError::Io(io) => io_error(file, io),
        XlsxError::Password => SheetError::new(
            file,
            "文件设置了打开密码，无法读取：请在 Excel/WPS 中取消密码后另存，再导入",
        ),
        _ => SheetError::new(file, CORRUPT),
    }
}

/// Runs calamine code, turning a panic inside it into an error.
fn guarded<T>(file: &str, f: impl FnOnce() -> Result<T, XlsxError>) -> Result<T, SheetError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(xlsx_error(file, &e)),
        Err(_) => Err(SheetError::new(file, CORRUPT)),
    }
}

/// Opens the workbook (after [`check_zip`]).
pub(crate) fn open(path: &Path, file: &str) -> Result<XlsxBook, SheetError> {
    let f = File::open(path).map_err(|e| io_error(file, &e))?;
    guarded(file, || Xlsx::new(BufReader::new(f)))
}

pub(crate) fn sheet_names(book: &XlsxBook) -> Vec<String> {
    book.sheet_names()
}

/// Streams the rows of one sheet.
pub(crate) fn rows<'a>(
    book: &'a mut XlsxBook,
    file: &str,
    sheet: &str,
    opts: &ReadOptions,
) -> Result<XlsxRows<'a>, SheetError> {
    let reader =
        guarded(file, || book.worksheet_cells_reader(sheet)).map_err(|e| e.with_sheet(sheet))?;
    Ok(XlsxRows {
        reader,
        file: file.to_string(),
        sheet: sheet.to_string(),
        max_columns: opts.max_columns,
        max_chars: opts.max_cell_chars,
        current: None,
        pending_error: None,
        done: false,
    })
}

pub(crate) struct XlsxRows<'a> {
    reader: XlsxCellReader<'a, BufReader<File>>,
    file: String,
    sheet: String,
    max_columns: usize,
    max_chars: usize,
    /// The row being assembled: 0-based row index and its cells.
    current: Option<(u32, Vec<String>)>,
    /// An error to report after the row that preceded it.
    pending_error: Option<SheetError>,
    done: bool,
}

impl XlsxRows<'_> {
    fn err(&self, row0: u32, col: Option<usize>, msg: impl Into<String>) -> SheetError {
        let mut e = SheetError::new(&self.file, msg)
            .with_sheet(&self.sheet)
            .with_row(u64::from(row0) + 1);
        if let Some(c) = col {
            e = e.with_column(c, None);
        }
        e
    }

    /// Reads the next cell that has content: `Ok(None)` at the end of the sheet.
    fn next_cell(&mut self) -> Result<Option<(u32, u32, String)>, SheetError> {
        loop {
            let reader = &mut self.reader;
            let cell = match catch_unwind(AssertUnwindSafe(|| {
                reader
                    .next_cell()
                    .map(|c| c.map(|c| (c.get_position(), convert_ref(c.get_value()))))
            })) {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => return Err(xlsx_error(&self.file, &e).with_sheet(&self.sheet)),
                Err(_) => {
                    return Err(SheetError::new(&self.file, CORRUPT).with_sheet(&self.sheet));
                }
            };
            let Some(((r, c), value)) = cell else {
                return Ok(None);
            };
            let text = match value {
                Ok(t) => t,
                Err(e) => return Err(self.err(r, Some(c as usize), error_message(&e))),
            };
            if text.is_empty() {
                continue;
            }
            if text.chars().count() > self.max_chars {
                return Err(self.err(
                    r,
                    Some(c as usize),
                    format!(
                        "单元格内容过长（超过 {} 个字符），请检查该单元格",
                        self.max_chars
                    ),
                ));
            }
            if c as usize >= self.max_columns {
                return Err(self.err(
                    r,
                    Some(c as usize),
                    format!(
                        "列数太多：这一行在第 {} 列还有内容，超过了 {} 列的上限。请删除表格右侧多余的列后再导入",
                        u64::from(c) + 1,
                        self.max_columns
                    ),
                ));
            }
            return Ok(Some((r, c, text)));
        }
    }
}

impl Iterator for XlsxRows<'_> {
    type Item = Result<RawRow, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.next_cell() {
                Ok(Some((r, c, text))) => {
                    let finished = match &mut self.current {
                        Some((cur, cells)) if *cur == r => {
                            put(cells, c as usize, text);
                            None
                        }
                        Some((cur, _)) if r < *cur => {
                            let cur = *cur;
                            self.done = true;
                            return Some(Err(self.err(r, None, format!(
                                "工作表中的行顺序混乱（第 {} 行的数据出现在第 {} 行之后），请用 Excel 打开后另存为 xlsx 再导入",
                                u64::from(r) + 1,
                                u64::from(cur) + 1
                            ))));
                        }
                        _ => {
                            let mut cells = Vec::new();
                            put(&mut cells, c as usize, text);
                            self.current.replace((r, cells))
                        }
                    };
                    if let Some((row0, cells)) = finished {
                        return Some(Ok(RawRow {
                            number: u64::from(row0) + 1,
                            cells,
                        }));
                    }
                }
                Ok(None) => {
                    self.done = true;
                    if let Some((row0, cells)) = self.current.take() {
                        return Some(Ok(RawRow {
                            number: u64::from(row0) + 1,
                            cells,
                        }));
                    }
                }
                Err(e) => {
                    self.done = true;
                    // Rows completed before the failing row come first.
                    if let Some((row0, cells)) = self.current.take() {
                        let number = u64::from(row0) + 1;
                        if e.row.is_some_and(|r| r > number) {
                            self.pending_error = Some(e);
                            return Some(Ok(RawRow { number, cells }));
                        }
                    }
                    return Some(Err(e));
                }
            }
        }
        self.pending_error.take().map(Err)
    }
}

/// Stores a cell value at column `c` (callers guarantee `c < max_columns`).
pub(crate) fn put(cells: &mut Vec<String>, c: usize, text: String) {
    if cells.len() <= c {
        cells.resize(c + 1, String::new());
    }
    cells[c] = text;
}
