//! HTML "xls" files: charset detection and turning each `<table>` into a sheet of rows,
//! expanding colspan/rowspan like calamine does for merged cells (value in the first
//! position, empty strings in the covered ones).

use crate::cellfmt::trim_cell;
use crate::error::{SheetError, io_error};
use crate::html_tok::{Token, Tokenizer, decode_entities};
use crate::textenc;
use crate::{RawRow, ReadOptions};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
use std::path::Path;

/// A parsed table: its non-empty rows, and the error that stopped it, if any.
#[derive(Debug, Clone)]
pub(crate) struct HtmlTable {
    pub rows: Vec<RawRow>,
    /// (row number, 0-based column, message)
    pub error: Option<(u64, usize, String)>,
}

const MAX_NESTING: usize = 64;
const MAX_ROWSPAN: u64 = 65_534;
const MAX_COLSPAN: usize = 1_000;

/// Reads and decodes the file, returning its encoding name and tables.
pub(crate) fn read(
    path: &Path,
    file: &str,
    opts: &ReadOptions,
) -> Result<(&'static str, Vec<HtmlTable>), SheetError> {
    let len = std::fs::metadata(path)
        .map_err(|e| io_error(file, &e))?
        .len();
    if len > opts.max_html_bytes {
        return Err(SheetError::new(
            file,
            format!(
                "文件太大（超过 {} MB），请把数据拆成几个较小的文件再导入",
                opts.max_html_bytes / (1024 * 1024)
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(file, &e))?;
    let enc = detect_charset(&bytes);
    let (text, _, _) = enc.decode(&bytes); // BOM, if any, wins and is removed
    let tables = parse_tables(&text, opts);
    if tables.is_empty() {
        return Err(SheetError::new(
            file,
            "这个网页格式的文件里没有找到任何有内容的表格（<table>）：请确认导出的是数据表，或用 Excel 打开后另存为 xlsx 再导入",
        ));
    }
    Ok((textenc::display_name(enc), tables))
}

/// BOM, then `charset=` / `encoding=` in the first 4 KiB, then UTF-8/GB18030 detection.
pub(crate) fn detect_charset(bytes: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = textenc::bom(bytes) {
        return enc;
    }
    let head = &bytes[..bytes.len().min(4096)];
    for key in [&b"charset"[..], &b"encoding"[..]] {
        if let Some(enc) = declared(head, key) {
            // A document without a BOM cannot really be UTF-16 (HTML spec: use UTF-8).
            return if enc == UTF_16LE || enc == UTF_16BE {
                UTF_8
            } else {
                enc
            };
        }
    }
    let probe = &bytes[..bytes.len().min(textenc::PROBE_LEN)];
    textenc::detect(probe, probe.len() == bytes.len()).0
}

/// Finds `key = "label"` (case-insensitive) and resolves the label.
fn declared(head: &[u8], key: &[u8]) -> Option<&'static Encoding> {
    let mut from = 0;
    while let Some(p) = head[from..]
        .windows(key.len())
        .position(|w| w.eq_ignore_ascii_case(key))
    {
        let mut i = from + p + key.len();
        from = i;
        while head.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if head.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while head
            .get(i)
            .is_some_and(|c| c.is_ascii_whitespace() || *c == b'"' || *c == b'\'')
        {
            i += 1;
        }
        let start = i;
        while head
            .get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
        {
            i += 1;
        }
        if let Some(enc) = Encoding::for_label(&head[start..i]) {
            return Some(enc);
        }
    }
    None
}

struct CellState {
    text: String,
    col: usize,
    colspan: usize,
    rowspan: u64,
    chars: usize,
    overflow: bool,
}

#[derive(Default)]
struct TableState {
    rows: Vec<RawRow>,
    /// Rows started so far (1-based number of the current row).
    row_number: u64,
    row: Option<Vec<String>>,
    cell: Option<CellState>,
    /// Per column: the first row number no longer covered by a rowspan above.
    busy_until: Vec<u64>,
    cursor: usize,
    error: Option<(u64, usize, String)>,
}

impl TableState {
    fn start_row(&mut self) {
        self.end_row(None);
        self.row_number += 1;
        self.row = Some(Vec::new());
        self.cursor = 0;
    }

    fn open_cell(&mut self, attrs: &[(String, String)], opts: &ReadOptions) {
        self.close_cell(opts);
        if self.row.is_none() {
            self.start_row();
        }
        let span = |name: &str| -> Option<u64> {
            let (_, v) = attrs.iter().find(|(n, _)| n == name)?;
            let digits: String = v.trim().chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok().filter(|&n| n > 0)
        };
        let colspan = span("colspan").unwrap_or(1).min(MAX_COLSPAN as u64) as usize;
        let rowspan = span("rowspan").unwrap_or(1).min(MAX_ROWSPAN);
        let mut col = self.cursor;
        while self
            .busy_until
            .get(col)
            .is_some_and(|&until| until > self.row_number)
        {
            col += 1;
        }
        self.cell = Some(CellState {
            text: String::new(),
            col,
            colspan,
            rowspan,
            chars: 0,
            overflow: false,
        });
    }

    fn push_text(&mut self, raw: &str, opts: &ReadOptions) {
        let Some(cell) = self.cell.as_mut() else {
            return;
        };
        if cell.overflow {
            return;
        }
        let mut decoded = String::new();
        decode_entities(raw, &mut decoded);
        for c in decoded.chars() {
            if c.is_ascii_whitespace() {
                if !cell.text.is_empty() && !cell.text.ends_with([' ', '\n']) {
                    cell.text.push(' ');
                }
                continue;
            }
            cell.chars += 1;
            if cell.chars > opts.max_cell_chars {
                cell.overflow = true;
                cell.text.clear();
                return;
            }
            cell.text.push(c);
        }
    }

    fn line_break(&mut self) {
        if let Some(cell) = self.cell.as_mut() {
            while cell.text.ends_with(' ') {
                cell.text.pop();
            }
            cell.text.push('\n');
        }
    }

    fn close_cell(&mut self, opts: &ReadOptions) {
        let Some(cell) = self.cell.take() else {
            return;
        };
        let row_number = self.row_number;
        let text: Vec<&str> = cell.text.split('\n').map(|l| l.trim_matches(' ')).collect();
        let text = trim_cell(&text.join("\n")).to_string();
        if self.error.is_none() {
            if cell.overflow {
                self.error = Some((
                    row_number,
                    cell.col,
                    format!(
                        "单元格内容过长（超过 {} 个字符），请检查该单元格",
                        opts.max_cell_chars
                    ),
                ));
            } else if !text.is_empty() && cell.col >= opts.max_columns {
                self.error = Some((
                    row_number,
                    cell.col,
                    format!(
                        "列数太多：这一行超过了 {} 列的上限。请删除表格右侧多余的列后再导入",
                        opts.max_columns
                    ),
                ));
            } else if !text.is_empty()
                && let Some(row) = self.row.as_mut()
            {
                crate::xlsx_read::put(row, cell.col, text);
            }
        }
        let end = cell.col.saturating_add(cell.colspan).min(opts.max_columns);
        if cell.rowspan > 1 && end > cell.col {
            if self.busy_until.len() < end {
                self.busy_until.resize(end, 0);
            }
            for until in &mut self.busy_until[cell.col..end] {
                *until = row_number + cell.rowspan;
            }
        }
        self.cursor = cell.col.saturating_add(cell.colspan);
    }

    fn end_row(&mut self, opts: Option<&ReadOptions>) {
        if let Some(opts) = opts {
            self.close_cell(opts);
        }
        if let Some(mut cells) = self.row.take() {
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            if !cells.is_empty() && self.error.is_none() {
                self.rows.push(RawRow {
                    number: self.row_number,
                    cells,
                });
            }
        }
    }

    fn finish(mut self, opts: &ReadOptions) -> HtmlTable {
        self.end_row(Some(opts));
        HtmlTable {
            rows: self.rows,
            error: self.error,
        }
    }
}

/// Splits the document into tables. Tables without any content are dropped.
pub(crate) fn parse_tables(text: &str, opts: &ReadOptions) -> Vec<HtmlTable> {
    let mut out = Vec::new();
    let mut stack: Vec<TableState> = Vec::new();
    let mut ignored_depth = 0usize; // tables nested deeper than MAX_NESTING
    for tok in Tokenizer::new(text) {
        match tok {
            Token::Start { name, attrs } => match name.as_str() {
                "table" if stack.len() >= MAX_NESTING => ignored_depth += 1,
                "table" => stack.push(TableState::default()),
                _ => {
                    let Some(t) = stack.last_mut() else { continue };
                    match name.as_str() {
                        "tr" => {
                            t.end_row(Some(opts));
                            t.start_row();
                        }
                        "td" | "th" => t.open_cell(&attrs, opts),
                        "br" => t.line_break(),
                        "thead" | "tbody" | "tfoot" => t.end_row(Some(opts)),
                        _ => {}
                    }
                }
            },
            Token::End { name } => {
                if name == "table" {
                    if ignored_depth > 0 {
                        ignored_depth -= 1;
                    } else if let Some(t) = stack.pop() {
                        close_table(t, &mut stack, &mut out, opts);
                    }
                    continue;
                }
                let Some(t) = stack.last_mut() else { continue };
                match name.as_str() {
                    "td" | "th" => t.close_cell(opts),
                    "tr" | "thead" | "tbody" | "tfoot" => t.end_row(Some(opts)),
                    "p" | "div" | "li" => t.line_break(),
                    _ => {}
                }
            }
            Token::Text(raw) => {
                if let Some(t) = stack.last_mut() {
                    t.push_text(raw, opts);
                }
            }
        }
    }
    while let Some(t) = stack.pop() {
        close_table(t, &mut stack, &mut out, opts);
    }
    out
}

/// Finishes a table: a nested one becomes text of the enclosing cell, a top-level one a
/// sheet.
fn close_table(
    t: TableState,
    stack: &mut [TableState],
    out: &mut Vec<HtmlTable>,
    opts: &ReadOptions,
) {
    let table = t.finish(opts);
    if let Some(parent) = stack.last_mut() {
        if parent.cell.is_none() {
            return;
        }
        parent.push_text(" ", opts);
        for (i, r) in table.rows.iter().enumerate() {
            if i > 0 {
                parent.line_break();
            }
            let cells: Vec<&str> = r
                .cells
                .iter()
                .map(String::as_str)
                .filter(|c| !c.is_empty())
                .collect();
            // The text is already decoded: protect '&' from a second decoding.
            parent.push_text(&cells.join(" ").replace('&', "&amp;"), opts);
        }
        parent.push_text(" ", opts);
    } else if !table.rows.is_empty() || table.error.is_some() {
        out.push(table);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(t: &HtmlTable) -> Vec<(u64, Vec<&str>)> {
        t.rows
            .iter()
            .map(|r| (r.number, r.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn spans_and_missing_end_tags() {
        let html = "<table><tr><th rowspan=2>户主<th colspan=2>家庭成员<tr><td>姓名<td>性别\
                    <tr><td>张三<td>李四<br>（妻）<td>女</table>";
        let t = parse_tables(html, &ReadOptions::default());
        assert_eq!(t.len(), 1);
        assert_eq!(
            cells(&t[0]),
            vec![
                (1, vec!["户主", "家庭成员"]),
                (2, vec!["", "姓名", "性别"]),
                (3, vec!["张三", "李四\n（妻）", "女"]),
            ]
        );
    }

    #[test]
    fn nested_tables_and_empty_tables() {
        let html =
            "<table></table><table><tr><td>a<table><tr><td>x<td>y</table></td><td>b</tr></table>";
        let t = parse_tables(html, &ReadOptions::default());
        assert_eq!(t.len(), 1);
        assert_eq!(cells(&t[0]), vec![(1, vec!["a x y", "b"])]);
    }

    #[test]
    fn charset_detection() {
        assert_eq!(
            detect_charset(b"<meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">"),
            encoding_rs::GBK
        );
        assert_eq!(detect_charset(b"<meta charset='utf-8'>"), UTF_8);
        assert_eq!(detect_charset(b"<table><td>\xD5\xC5"), encoding_rs::GB18030);
    }

    #[test]
    fn too_many_columns_is_an_error() {
        let opts = ReadOptions {
            max_columns: 2,
            ..ReadOptions::default()
        };
        let t = parse_tables("<table><tr><td>a<td>b<td>c</table>", &opts);
        assert_eq!(t[0].error.as_ref().map(|e| (e.0, e.1)), Some((1, 2)));
    }
}
