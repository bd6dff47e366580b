//! Writing tables: the `Cell` value type, the `TableWriter` trait, and the CSV writer.

use crate::cellfmt::{format_number, neutralize};
use crate::error::{SheetError, display_name, io_error};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// A value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text, always written as text (never evaluated as a formula).
    Text(String),
    /// An integer (xlsx stores numbers as f64: beyond 15 digits Excel loses precision, so
    /// write IDs and account numbers as `Text`).
    Int(i64),
    /// A number.
    Number(f64),
    /// A date, written as a real Excel date formatted `yyyy-mm-dd` (CSV: `YYYY-MM-DD`).
    Date(chrono::NaiveDate),
}

/// Writes one or more tables to a file. Call `begin_table`, then `write_row` for each row,
/// then `finish` (nothing is guaranteed to be on disk before `finish` returns `Ok`).
pub trait TableWriter {
    /// Starts a table (an xlsx sheet) with a header row.
    fn begin_table(&mut self, name: &str, header: &[&str]) -> Result<(), SheetError>;
    /// Writes one data row of the current table.
    fn write_row(&mut self, row: &[Cell]) -> Result<(), SheetError>;
    /// Completes the file.
    fn finish(self: Box<Self>) -> Result<(), SheetError>;
}

/// Text of a cell in CSV: numbers like the readers render them, dates `YYYY-MM-DD`, text
/// passed through [`neutralize`].
pub(crate) fn csv_text(cell: &Cell) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match cell {
        Cell::Empty => Cow::Borrowed(""),
        Cell::Text(t) => neutralize(t),
        Cell::Int(i) => Cow::Owned(i.to_string()),
        Cell::Number(f) => Cow::Owned(format_number(*f)),
        Cell::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
    }
}

struct CsvTableWriter {
    file: String,
    out: csv::Writer<BufWriter<File>>,
    began: bool,
}

/// A CSV writer: UTF-8 with BOM (so Excel/WPS detect the encoding), CRLF line ends,
/// every field quoted, exactly one table (a second `begin_table` is an error).
pub fn csv_writer(path: &Path) -> Result<Box<dyn TableWriter>, SheetError> {
    let file = display_name(path);
    let f = File::create(path).map_err(|e| io_error(&file, &e))?;
    let mut buf = BufWriter::with_capacity(256 * 1024, f);
    buf.write_all(b"\xEF\xBB\xBF")
        .map_err(|e| io_error(&file, &e))?;
    let out = csv::WriterBuilder::new()
        .flexible(true)
        // Quoting every field keeps tabs/semicolons in text from confusing delimiter
        // detection when the file is read back.
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_writer(buf);
    Ok(Box::new(CsvTableWriter {
        file,
        out,
        began: false,
    }))
}

impl CsvTableWriter {
    fn write_err(&self, e: &csv::Error) -> SheetError {
        SheetError::new(
            &self.file,
            format!("写入 CSV 文件失败（{e}），请检查磁盘空间和写入权限"),
        )
    }
}

impl TableWriter for CsvTableWriter {
    fn begin_table(&mut self, _name: &str, header: &[&str]) -> Result<(), SheetError> {
        if self.began {
            return Err(SheetError::new(
                &self.file,
                "CSV 文件只能保存一张表；要导出多张表请选择 xlsx 格式",
            ));
        }
        self.began = true;
        let fields: Vec<_> = header.iter().map(|h| neutralize(h)).collect();
        self.out
            .write_record(fields.iter().map(|f| f.as_bytes()))
            .map_err(|e| self.write_err(&e))
    }

    fn write_row(&mut self, row: &[Cell]) -> Result<(), SheetError> {
        if !self.began {
            return Err(SheetError::new(
                &self.file,
                "程序错误：写入数据行之前没有先写表头（begin_table）",
            ));
        }
        let fields: Vec<_> = row.iter().map(csv_text).collect();
        self.out
            .write_record(fields.iter().map(|f| f.as_bytes()))
            .map_err(|e| self.write_err(&e))
    }

    fn finish(mut self: Box<Self>) -> Result<(), SheetError> {
        self.out.flush().map_err(|e| io_error(&self.file, &e))?;
        let buf = self
            .out
            .into_inner()
            .map_err(|e| io_error(&self.file, e.error()))?;
        let f = buf
            .into_inner()
            .map_err(|e| io_error(&self.file, e.error()))?;
        f.sync_all().map_err(|e| io_error(&self.file, &e))
    }
}
