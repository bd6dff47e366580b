//! Finding the header row(s) below title rows, including two-row (group / sub) headers.

use crate::RawRow;
use crate::error::SheetError;
use crate::header::{column_letter, normalize_header, normalize_header_full, variants};
use std::ops::RangeInclusive;

/// Where the header is and what its columns are called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLayout {
    /// Physical (1-based) numbers of the first and last header row.
    pub header_rows: RangeInclusive<u64>,
    /// Columns with a non-empty header, left to right.
    pub columns: Vec<HeaderColumn>,
    /// Index into the preview rows where the data begins (just after the last header row).
    pub data_start_index: usize,
}

/// One header column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderColumn {
    /// 0-based column index.
    pub index: usize,
    /// Excel column letter, "A".."XFD".
    pub letter: String,
    /// The header as shown, e.g. "家庭成员情况/姓名" for a two-row header.
    pub text: String,
    /// Normalised names to try, most specific first (see [`detect_header`]).
    pub candidates: Vec<String>,
}

fn cell(row: &RawRow, c: usize) -> &str {
    row.cells
        .get(c)
        .map_or("", |s| crate::cellfmt::trim_cell(s))
}

fn non_empty(row: &RawRow) -> usize {
    row.cells.iter().filter(|c| !cell_is_empty(c)).count()
}

fn cell_is_empty(c: &str) -> bool {
    crate::cellfmt::trim_cell(c).is_empty()
}

fn known(c: &str, is_known: &dyn Fn(&str) -> bool) -> bool {
    let [full, short] = variants(c);
    (!full.is_empty() && is_known(&full)) || (!short.is_empty() && is_known(&short))
}

fn score(row: &RawRow, is_known: &dyn Fn(&str) -> bool) -> usize {
    row.cells.iter().filter(|c| known(c, is_known)).count()
}

/// A cell of a title row: "填报单位：…", "XX村建档立卡贫困户花名册", long sentences.
fn title_like_cell(c: &str) -> bool {
    let n = normalize_header_full(c);
    const ENDINGS: [&str; 9] = ["表", "册", "单", "账", "簿", "汇总", "清单", "名单", "台账"];
    n.contains(':')
        || n.chars().count() > 20
        || (n.chars().count() >= 5 && ENDINGS.iter().any(|e| n.ends_with(e)))
}

fn title_like_row(row: &RawRow, is_known: &dyn Fn(&str) -> bool) -> bool {
    let cells: Vec<&String> = row.cells.iter().filter(|c| !cell_is_empty(c)).collect();
    if cells.len() == 1 && !known(cells[0], is_known) {
        return true;
    }
    cells.iter().all(|c| title_like_cell(c))
}

/// Is `upper` (just above the header row) a group row of a two-row header?
fn is_group_row_above(upper: &RawRow, is_known: &dyn Fn(&str) -> bool) -> bool {
    !title_like_row(upper, is_known) && (non_empty(upper) >= 2 || score(upper, is_known) >= 1)
}

/// Is `lower` (just below the header row `upper`) a row of sub-headers under merged
/// group cells? Every non-empty cell of `lower` must sit inside a group span: a run that
/// starts under a non-empty upper cell and continues under empty upper cells.
fn is_sub_row_below(upper: &RawRow, lower: &RawRow, is_known: &dyn Fn(&str) -> bool) -> bool {
    let width = upper.cells.len().max(lower.cells.len());
    let mut in_span = false; // inside a run started by a group cell
    let mut covered_under_empty = false;
    for c in 0..width {
        let (u, l) = (cell(upper, c), cell(lower, c));
        match (u.is_empty(), l.is_empty()) {
            (_, true) => in_span = false,
            (false, false) => {
                // Must start a group: the next column continues it.
                let next_u = cell(upper, c + 1);
                let next_l = cell(lower, c + 1);
                if !next_u.is_empty() || next_l.is_empty() {
                    return false;
                }
                in_span = true;
            }
            (true, false) => {
                if !in_span {
                    return false;
                }
                covered_under_empty = true;
            }
        }
    }
    if !covered_under_empty || title_like_row(lower, is_known) {
        return false;
    }
    score(lower, is_known) >= 1
        || lower
            .cells
            .iter()
            .all(|c| !c.chars().any(|ch| ch.is_ascii_digit()))
}

/// Builds the columns of a header made of `upper` (optional group row) and `lower`.
fn build_columns(upper: Option<&RawRow>, lower: &RawRow) -> Vec<HeaderColumn> {
    let width = upper.map_or(0, |u| u.cells.len()).max(lower.cells.len());
    let mut columns = Vec::new();
    let mut group: Option<&str> = None;
    for c in 0..width {
        let u = upper.map_or("", |r| cell(r, c));
        let l = cell(lower, c);
        let (text, candidates) = match (u.is_empty(), l.is_empty()) {
            (true, true) => {
                group = None;
                continue;
            }
            (false, true) => {
                group = None;
                single(u)
            }
            (false, false) => {
                group = Some(u);
                grouped(u, l)
            }
            (true, false) => match group {
                Some(g) => grouped(g, l),
                None => single(l),
            },
        };
        columns.push(HeaderColumn {
            index: c,
            letter: column_letter(c),
            text,
            candidates,
        });
    }
    columns
}

fn push_unique(out: &mut Vec<String>, v: String) {
    if !v.is_empty() && !out.contains(&v) {
        out.push(v);
    }
}

fn single(t: &str) -> (String, Vec<String>) {
    let mut out = Vec::new();
    for v in variants(t) {
        push_unique(&mut out, v);
    }
    (t.to_string(), out)
}

/// A column under a group: `group+sub` concatenated, then the sub-header, then the group.
fn grouped(g: &str, s: &str) -> (String, Vec<String>) {
    let mut out = Vec::new();
    push_unique(
        &mut out,
        format!("{}{}", normalize_header_full(g), normalize_header_full(s)),
    );
    push_unique(
        &mut out,
        format!("{}{}", normalize_header(g), normalize_header(s)),
    );
    for v in variants(s).into_iter().chain(variants(g)) {
        push_unique(&mut out, v);
    }
    (format!("{g}/{s}"), out)
}

/// Finds the header in the first rows of a sheet.
///
/// The header row is the earliest row with the most cells that `is_known` accepts (after
/// normalisation), and at least two. Title rows above it are skipped. A two-row header is
/// recognised when the row just above is a group row (not title-like, and ≥ 2 non-empty
/// or ≥ 1 known cells), or when the row just below holds sub-headers under merged group
/// cells. Merged group cells are filled forward across their span.
///
/// Candidates per column, most specific first, each in full and unit-stripped form,
/// deduplicated: for a column under a group, `group+sub` concatenated, then the sub-header,
/// then the group; otherwise the single header text.
pub fn detect_header(
    preview: &[RawRow],
    is_known: &dyn Fn(&str) -> bool,
    file: &str,
    sheet: &str,
) -> Result<HeaderLayout, SheetError> {
    if preview.is_empty() {
        return Err(
            SheetError::new(file, "工作表是空的：没有任何数据。请确认选对了文件和工作表")
                .with_sheet(sheet),
        );
    }
    let scores: Vec<usize> = preview.iter().map(|r| score(r, is_known)).collect();
    let mut best: Option<usize> = None;
    for (i, &s) in scores.iter().enumerate() {
        if s >= 2 && best.is_none_or(|b| s > scores[b]) {
            best = Some(i);
        }
    }
    let Some(h) = best else {
        return Err(no_header(preview, &scores, is_known, file, sheet));
    };
    let adjacent = |a: usize, b: usize| preview[b].number == preview[a].number.saturating_add(1);

    // Reverse case: the best row is the group row, sub-headers below it.
    if h + 1 < preview.len()
        && adjacent(h, h + 1)
        && is_sub_row_below(&preview[h], &preview[h + 1], is_known)
    {
        return Ok(HeaderLayout {
            header_rows: preview[h].number..=preview[h + 1].number,
            columns: build_columns(Some(&preview[h]), &preview[h + 1]),
            data_start_index: h + 2,
        });
    }
    if h > 0 && adjacent(h - 1, h) && is_group_row_above(&preview[h - 1], is_known) {
        return Ok(HeaderLayout {
            header_rows: preview[h - 1].number..=preview[h].number,
            columns: build_columns(Some(&preview[h - 1]), &preview[h]),
            data_start_index: h + 1,
        });
    }
    Ok(HeaderLayout {
        header_rows: preview[h].number..=preview[h].number,
        columns: build_columns(None, &preview[h]),
        data_start_index: h + 1,
    })
}

fn no_header(
    preview: &[RawRow],
    scores: &[usize],
    is_known: &dyn Fn(&str) -> bool,
    file: &str,
    sheet: &str,
) -> SheetError {
    let last = preview.last().map_or(0, |r| r.number);
    let mut msg = format!(
        "在前 {last} 行中没有找到表头行：至少需要两个可识别的列名，如“姓名”“证件号码”。请检查表头是否写错、是否选错了工作表"
    );
    if let Some((i, _)) = scores.iter().enumerate().find(|&(_, &s)| s == 1) {
        let names: Vec<String> = preview[i]
            .cells
            .iter()
            .filter(|c| known(c, is_known))
            .map(|c| format!("“{}”", normalize_header(c)))
            .collect();
        msg.push_str(&format!(
            "（第 {} 行只认出了 {} 一个列名）",
            preview[i].number,
            names.join("")
        ));
    }
    SheetError::new(file, msg).with_sheet(sheet)
}
