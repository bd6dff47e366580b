//! Streaming CSV/TSV reader: encoding and delimiter detection, Excel-style row numbers,
//! bounded memory (a field never grows beyond `max_cell_chars`).

use crate::cellfmt::unneutralize;
use crate::error::{SheetError, io_error};
use crate::textenc::{self, DecodeReader};
use crate::{RawRow, ReadOptions};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// What `Workbook::open` learns about a CSV file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CsvSetup {
    pub encoding: &'static Encoding,
    pub bom_len: usize,
    pub delimiter: u8,
}

/// Probes encoding and delimiter from the first 64 KiB.
pub(crate) fn probe(path: &Path, file: &str) -> Result<CsvSetup, SheetError> {
    let mut f = File::open(path).map_err(|e| io_error(file, &e))?;
    let mut prefix = Vec::with_capacity(textenc::PROBE_LEN);
    (&mut f)
        .take(textenc::PROBE_LEN as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| io_error(file, &e))?;
    let complete = prefix.len() < textenc::PROBE_LEN;
    let (encoding, bom_len) = textenc::detect(&prefix, complete);
    let (text, _) = encoding.decode_without_bom_handling(&prefix[bom_len..]);
    let utf16 = encoding == UTF_16LE || encoding == UTF_16BE;
    let delimiter = detect_delimiter(&text, if utf16 { b'\t' } else { b',' });
    Ok(CsvSetup {
        encoding,
        bom_len,
        delimiter,
    })
}

const DELIMITERS: [u8; 3] = [b',', b'\t', b';'];

/// Picks the delimiter whose per-line count is most consistent over the first lines.
/// Counting ignores delimiters inside double quotes; lines without any candidate (title
/// rows) do not vote.
pub(crate) fn detect_delimiter(text: &str, default: u8) -> u8 {
    let mut per_line: Vec<[usize; 3]> = Vec::new();
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for b in text.bytes() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => {
                if counts.iter().any(|&c| c > 0) {
                    per_line.push(counts);
                }
                counts = [0; 3];
                if per_line.len() >= 50 {
                    break;
                }
            }
            _ if !in_quotes => {
                if let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    if counts.iter().any(|&c| c > 0) && per_line.len() < 50 {
        per_line.push(counts);
    }
    // Score: (lines sharing the most common non-zero count, that count).
    let mut best: Option<(usize, usize, u8)> = None;
    for (i, &d) in DELIMITERS.iter().enumerate() {
        let mut freq: Vec<(usize, usize)> = Vec::new();
        for line in &per_line {
            let c = line[i];
            if c == 0 {
                continue;
            }
            match freq.iter_mut().find(|(v, _)| *v == c) {
                Some((_, n)) => *n += 1,
                None => freq.push((c, 1)),
            }
        }
        let Some(&(value, lines)) = freq.iter().max_by_key(|&&(v, n)| (n, v)) else {
            continue;
        };
        if best.is_none_or(|(bl, bv, _)| (lines, value) > (bl, bv)) {
            best = Some((lines, value, d));
        }
    }
    best.map_or(default, |(_, _, d)| d)
}

/// Opens the decoded byte stream of a CSV file (positioned after the BOM).
pub(crate) fn open_stream(
    path: &Path,
    file: &str,
    setup: &CsvSetup,
) -> Result<BufReader<DecodeReader<File>>, SheetError> {
    let mut f = File::open(path).map_err(|e| io_error(file, &e))?;
    f.seek(SeekFrom::Start(setup.bom_len as u64))
        .map_err(|e| io_error(file, &e))?;
    Ok(BufReader::with_capacity(
        64 * 1024,
        DecodeReader::new(f, setup.encoding),
    ))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    StartField,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Fixed parameters of a CSV parse.
struct Ctx {
    file: String,
    sheet: String,
    delimiter: u8,
    max_chars: usize,
    max_columns: usize,
    /// Validate UTF-8 per field (the file was detected as UTF-8).
    utf8_input: bool,
}

/// Row iterator over a CSV byte stream (UTF-8 after decoding).
pub(crate) struct CsvRows<R> {
    input: R,
    ctx: Ctx,
    /// Physical row (Excel row) of the record being parsed.
    row: u64,
    /// After a CR that ended a record, a following LF belongs to it.
    skip_lf: bool,
    done: bool,
    emitted: bool,
    /// The current cell's bytes (reused from cell to cell).
    field: Vec<u8>,
    /// Cells in the previous record (to size the next one).
    width_hint: usize,
}

impl Ctx {
    fn err(&self, row: u64, msg: impl Into<String>) -> SheetError {
        SheetError::new(&self.file, msg)
            .with_sheet(&self.sheet)
            .with_row(row)
    }

    fn finish_field(
        &self,
        fields: &mut Vec<String>,
        field: &mut Vec<u8>,
        overflow: bool,
        row: u64,
    ) -> Result<(), SheetError> {
        let col = fields.len();
        if overflow {
            return Err(self
                .err(
                    row,
                    format!(
                        "单元格内容过长（超过 {} 个字符），请检查是否有引号不配对或内容粘贴错误",
                        self.max_chars
                    ),
                )
                .with_column(col, None));
        }
        // one allocation per cell: the field buffer is reused, the text copied once, trimmed
        let lossy;
        let text: &str = if self.utf8_input {
            match std::str::from_utf8(field) {
                Ok(s) => s,
                Err(_) => {
                    return Err(self.err(row,
                        "这一行含有不是 UTF-8 编码的文字（文件开头是 UTF-8，后面却混入了 GBK 等其他编码）。请用 WPS/Excel 打开文件，“另存为”CSV UTF-8 格式后再导入",
                    ).with_column(col, None));
                }
            }
        } else {
            // Decoded by encoding_rs, always valid.
            lossy = String::from_utf8_lossy(field);
            &lossy
        };
        // Undo our writer's formula guard first: it may precede a tab that trimming removes.
        let text = crate::cellfmt::trim_cell(unneutralize(text)).to_string();
        field.clear();
        if col >= self.max_columns {
            if text.is_empty() {
                return Ok(()); // padding commas beyond the limit are harmless
            }
            return Err(self
                .err(
                    row,
                    format!(
                        "列数太多：这一行超过了 {} 列。请删除表格右侧多余的列后再导入",
                        self.max_columns
                    ),
                )
                .with_column(col, None));
        }
        fields.push(text);
        Ok(())
    }
}

impl<R: BufRead> CsvRows<R> {
    pub(crate) fn new(
        input: R,
        file: &str,
        sheet: &str,
        setup: &CsvSetup,
        opts: &ReadOptions,
    ) -> Self {
        CsvRows {
            input,
            ctx: Ctx {
                file: file.to_string(),
                sheet: sheet.to_string(),
                delimiter: setup.delimiter,
                max_chars: opts.max_cell_chars,
                max_columns: opts.max_columns,
                utf8_input: setup.encoding == UTF_8,
            },
            row: 1,
            skip_lf: false,
            done: false,
            emitted: false,
            field: Vec::with_capacity(256),
            width_hint: 16,
        }
    }

    /// Parses one record. `Ok(None)` at end of input.
    fn next_record(&mut self) -> Result<Option<(u64, Vec<String>)>, SheetError> {
        let start_row = self.row;
        let mut fields: Vec<String> = Vec::with_capacity(self.width_hint);
        let field = &mut self.field;
        field.clear();
        let mut chars = 0usize;
        let mut overflow = false; // field exceeded max_chars: keep scanning, store nothing
        let mut state = State::StartField;
        // Excel shows a record with embedded line breaks as one row, so an open quote
        // always belongs to the row where the record starts.
        let quote_row = start_row;
        let mut any_byte = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(&self.ctx.file, &e).with_sheet(&self.ctx.sheet)),
            };
            if buf.is_empty() {
                // End of input.
                if state == State::Quoted {
                    return Err(self.ctx.err(
                        quote_row,
                        format!("引号不配对：从第 {quote_row} 行开始的带引号字段直到文件末尾都没有结束引号，请检查该行"),
                    ));
                }
                if !any_byte {
                    return Ok(None);
                }
                self.ctx
                    .finish_field(&mut fields, field, overflow, start_row)?;
                self.row += 1;
                self.width_hint = fields.len();
                return Ok(Some((start_row, fields)));
            }
            let mut used = 0;
            let mut record_done = false;
            for &b in buf {
                used += 1;
                if self.skip_lf {
                    self.skip_lf = false;
                    if b == b'\n' {
                        continue;
                    }
                }
                any_byte = true;
                let mut push = false;
                match state {
                    State::StartField | State::Unquoted => {
                        if state == State::StartField && b == b'"' {
                            state = State::Quoted;
                        } else if b == self.ctx.delimiter {
                            self.ctx
                                .finish_field(&mut fields, field, overflow, start_row)?;
                            (chars, overflow, state) = (0, false, State::StartField);
                        } else if b == b'\n' || b == b'\r' {
                            self.skip_lf = b == b'\r';
                            record_done = true;
                            break;
                        } else {
                            state = State::Unquoted;
                            push = true;
                        }
                    }
                    State::Quoted => {
                        if b == b'"' {
                            state = State::QuoteInQuoted;
                        } else {
                            push = true;
                        }
                    }
                    State::QuoteInQuoted => {
                        if b == b'"' {
                            state = State::Quoted;
                            push = true;
                        } else if b == self.ctx.delimiter {
                            self.ctx
                                .finish_field(&mut fields, field, overflow, start_row)?;
                            (chars, overflow, state) = (0, false, State::StartField);
                        } else if b == b'\n' || b == b'\r' {
                            self.skip_lf = b == b'\r';
                            record_done = true;
                            break;
                        } else {
                            // Text after a closing quote is kept literally (like the csv crate).
                            state = State::Unquoted;
                            push = true;
                        }
                    }
                }
                if push && !overflow {
                    if b & 0xC0 != 0x80 {
                        chars += 1;
                    }
                    if chars > self.ctx.max_chars {
                        overflow = true;
                        field.clear();
                    } else {
                        field.push(b);
                    }
                }
            }
            self.input.consume(used);
            if record_done {
                self.ctx
                    .finish_field(&mut fields, field, overflow, start_row)?;
                self.row += 1;
                self.width_hint = fields.len();
                return Ok(Some((start_row, fields)));
            }
        }
    }
}

impl<R: BufRead> Iterator for CsvRows<R> {
    type Item = Result<RawRow, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.next_record() {
                Ok(Some((number, mut cells))) => {
                    while cells.last().is_some_and(String::is_empty) {
                        cells.pop();
                    }
                    if cells.is_empty() {
                        continue;
                    }
                    self.emitted = true;
                    return Some(Ok(RawRow { number, cells }));
                }
                Ok(None) => {
                    self.done = true;
                    if !self.emitted {
                        return Some(Err(SheetError::new(
                            &self.ctx.file,
                            "文件是空的：没有任何有内容的行。请确认选对了文件",
                        )
                        .with_sheet(&self.ctx.sheet)));
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, opts: &ReadOptions) -> Vec<Result<RawRow, SheetError>> {
        let setup = CsvSetup {
            encoding: UTF_8,
            bom_len: 0,
            delimiter: detect_delimiter(text, b','),
        };
        CsvRows::new(text.as_bytes(), "t.csv", "t", &setup, opts).collect()
    }

    fn ok(text: &str) -> Vec<(u64, Vec<String>)> {
        rows(text, &ReadOptions::default())
            .into_iter()
            .map(|r| {
                let r = r.unwrap();
                (r.number, r.cells)
            })
            .collect()
    }

    #[test]
    fn basic_and_row_numbers() {
        let got = ok("a,b\r\n\r\n\"x\ny\",z\n c ,\"d\"\"e\"\n");
        assert_eq!(got[0], (1, vec!["a".into(), "b".into()]));
        assert_eq!(got[1], (3, vec!["x\ny".into(), "z".into()]));
        assert_eq!(got[2], (4, vec!["c".into(), "d\"e".into()]));
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("标题\na\tb\tc\n1\t2,5\t3\n", b','), b'\t');
        assert_eq!(detect_delimiter("a;b;c\n1;2;3\n", b','), b';');
        assert_eq!(detect_delimiter("\"a,b\";c;d\n1;2;3\n", b','), b';');
        assert_eq!(detect_delimiter("abc\n", b','), b',');
    }

    #[test]
    fn unterminated_quote() {
        let got = rows("a,b\n1,\"open\n2,3\n", &ReadOptions::default());
        let e = got.last().unwrap().as_ref().unwrap_err();
        assert_eq!(e.row, Some(2));
        assert!(e.message.contains("引号不配对"), "{e}");
    }

    #[test]
    fn too_long_and_too_wide() {
        let opts = ReadOptions {
            max_cell_chars: 5,
            max_columns: 3,
            ..ReadOptions::default()
        };
        let got = rows("a,b\n1,\"123456\"\n", &opts);
        let e = got[1].as_ref().unwrap_err();
        assert!(e.message.contains("过长"));
        assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("B")));
        let got = rows("a,b,c,d\n", &opts);
        assert!(got[0].as_ref().unwrap_err().message.contains("列数太多"));
        assert_eq!(ok("a,b,c,,,,\n").len(), 1);
    }

    #[test]
    fn quote_prefix_stripped() {
        let got = ok("'=1+1,'+86 138,'abc,''=x\n");
        assert_eq!(got[0].1, vec!["=1+1", "+86 138", "'abc", "'=x"]);
    }

    #[test]
    fn invalid_utf8_names_row() {
        let mut bytes = b"a,b\n1,2\n".to_vec();
        bytes.extend_from_slice(b"3,\xD5\xC5\n");
        let setup = CsvSetup {
            encoding: UTF_8,
            bom_len: 0,
            delimiter: b',',
        };
        let got: Vec<_> =
            CsvRows::new(&bytes[..], "t.csv", "t", &setup, &ReadOptions::default()).collect();
        let e = got[2].as_ref().unwrap_err();
        assert_eq!(e.row, Some(3));
        assert!(e.message.contains("UTF-8"));
    }

    #[test]
    fn only_blank_lines_is_empty() {
        let got = rows(",,\n\n", &ReadOptions::default());
        assert!(got[0].as_ref().unwrap_err().message.contains("文件是空的"));
    }
}
