//! `compare import`: read a department's list (any layout the registry importer reads: CSV in
//! UTF-8/GBK/UTF-16, XLSX, XLS, HTML-as-xls; title rows; two-row headers), find its ID column by
//! the headers departments use, normalise every ID (15 → 18 digits, full-width digits, lowercase x,
//! spaces), skip bad rows with their place and a fix, count repeated IDs once, and hand the rows to
//! `store::comparison` — which matches them with the registry and writes the work orders, all in
//! one transaction.

use crate::import::issue::{report_path, write_report, RowIssue};
use bangfu_domain::comparison::{normalize_name, Department, ListColumn, ListKind, MedicalThresholds};
use bangfu_domain::value::{parse_date, parse_value, Kind, Value};
use bangfu_domain::vocab::{DISABILITY_GRADE, HOUSING_GRADE};
use bangfu_domain::{RegionCode, RegionScope, ResidentId};
use bangfu_sheets::{column_letter, detect_header, normalize_header, normalize_header_full, FileKind, HeaderColumn, HeaderLayout, RawRow, ReadOptions, SheetError, Workbook};
use bangfu_store::audit::Actor;
use bangfu_store::comparison::{self, ImportOutcome, ListRow, NewList, ReadFigures};
use bangfu_store::{Store, StoreError};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;
use std::time::Instant;

/// What to compare and how.
#[derive(Debug, Clone)]
pub struct CompareRequest {
    pub path: PathBuf,
    pub department: Department,
    pub kind: ListKind,
    /// The caller's scope.
    pub scope: RegionScope,
    /// Compare for this region only (inside the scope); default: the whole scope.
    pub region: Option<RegionCode>,
    /// 全量名单: absence from the list is a finding (低保/特困, 学籍).
    pub complete: bool,
    pub thresholds: MedicalThresholds,
    pub today: NaiveDate,
    /// Write `<file>.错误报告.xlsx` beside the input when rows were skipped or repeated.
    pub write_report: bool,
}

/// What a comparison read and found.
#[derive(Debug, Clone)]
pub struct CompareReport {
    pub file: String,
    /// CSV, XLSX, XLS, HTML 表格（.xls）
    pub file_kind: String,
    pub encoding: Option<String>,
    pub sheet: String,
    /// The columns read: which list column, and the file's column as "C（公民身份号码）".
    pub columns: Vec<(ListColumn, String)>,
    /// The list, its figures and its findings as stored.
    pub outcome: ImportOutcome,
    /// Rows skipped (invalid ID, unreadable amount …), in file order.
    pub bad_rows: Vec<RowIssue>,
    /// Rows kept with a remark: repeated IDs (counted once), values that could not be read.
    pub notes: Vec<RowIssue>,
    pub warnings: Vec<String>,
    pub seconds: f64,
    pub report_path: Option<PathBuf>,
}

/// Problems that stop a comparison before anything is written.
#[derive(Debug)]
pub enum CompareError {
    /// The file cannot be read or has no ID column: the message says what to do.
    File(String),
    Store(StoreError),
}

impl std::fmt::Display for CompareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompareError::File(m) => f.write_str(m),
            CompareError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CompareError {}

impl From<StoreError> for CompareError {
    fn from(e: StoreError) -> Self {
        CompareError::Store(e)
    }
}

/// A file column read into a list column.
#[derive(Debug, Clone)]
struct Mapped {
    column: ListColumn,
    index: usize,
    letter: String,
    header: String,
}

impl Mapped {
    fn label(&self) -> String {
        format!("{}（{}）", self.letter, self.header)
    }
}

enum Msg {
    Layout { file_kind: String, encoding: Option<String>, sheet: String, columns: Vec<Mapped>, warnings: Vec<String> },
    Rows { rows: Vec<ListRow>, bad: Vec<RowIssue>, notes: Vec<RowIssue>, read: u64 },
    Fatal(String),
}

const BATCH: usize = 10_000;
const PREVIEW_ROWS: usize = 60;

/// Reads a department's list and compares it with the registry (see the module documentation).
/// Nothing is written unless the whole list is read and compared.
pub fn import_list(store: &mut Store, actor: &Actor, req: &CompareRequest, progress: &mut dyn FnMut(u64)) -> Result<CompareReport, CompareError> {
    let started = Instant::now();
    let file = crate::import::display_name(&req.path);
    let region = match &req.region {
        Some(r) => {
            if !req.scope.contains(r) {
                return Err(CompareError::File(format!("区划 {} 不在您的管辖范围内：只能比对本辖区或其下级区划", r.as_str())));
            }
            RegionScope::of(r)
        }
        None => req.scope.clone(),
    };
    if req.complete && !req.kind.supports_complete() {
        return Err(CompareError::File(format!("“{}”不能按全量名单比对（全量比对只用于低保、特困和学籍名单）：请去掉 --complete", req.kind.label())));
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(4);
    let reader_req = req.clone();
    let reader = std::thread::spawn(move || read_list(&reader_req, &tx));
    let (file_kind, encoding, sheet, columns, warnings) = match rx.recv() {
        Ok(Msg::Layout { file_kind, encoding, sheet, columns, warnings }) => (file_kind, encoding, sheet, columns, warnings),
        Ok(Msg::Fatal(m)) => {
            let _ = reader.join();
            return Err(CompareError::File(m));
        }
        _ => {
            let _ = reader.join();
            return Err(CompareError::File(format!("{file}：读取失败，未写入任何数据；请另存为 xlsx 或 CSV 后重试")));
        }
    };
    let new = NewList { department: req.department, kind: req.kind, region, file_name: file.clone(), complete: req.complete, thresholds: req.thresholds };
    let mut session = comparison::begin_import(&mut store.conn, actor, &req.scope, &new)?;
    let (mut bad_rows, mut notes) = (Vec::new(), Vec::new());
    let mut fatal = None;
    let mut read_total = 0u64;
    let result = (|| -> Result<(), StoreError> {
        while let Ok(msg) = rx.recv() {
            match msg {
                Msg::Rows { rows, bad, notes: n, read } => {
                    session.add_rows(&rows)?;
                    bad_rows.extend(bad);
                    notes.extend(n);
                    read_total += read;
                    progress(read_total);
                }
                Msg::Fatal(m) => {
                    fatal = Some(m);
                    break;
                }
                Msg::Layout { .. } => {}
            }
        }
        Ok(())
    })();
    drop(rx);
    let reader_ok = reader.join().is_ok();
    if let Err(e) = result {
        let _ = session.rollback();
        return Err(e.into());
    }
    if let Some(m) = fatal {
        let _ = session.rollback();
        return Err(CompareError::File(format!("{m}（未写入任何数据）")));
    }
    if !reader_ok {
        let _ = session.rollback();
        return Err(CompareError::File(format!("{file}：读取文件时发生内部错误，文件未读完，未写入任何数据；请另存为 xlsx 或 CSV 后重试")));
    }
    let duplicates = notes.iter().filter(|n| n.field == DUPLICATE_FIELD).count() as u64;
    let outcome = session.finish(ReadFigures { bad_rows: bad_rows.len() as u64, duplicate_rows: duplicates })?;
    let mut report = CompareReport {
        file: file.clone(),
        file_kind,
        encoding,
        sheet,
        columns: columns.iter().map(|m| (m.column, m.label())).collect(),
        outcome,
        bad_rows,
        notes,
        warnings,
        seconds: 0.0,
        report_path: None,
    };
    if req.write_report && (!report.bad_rows.is_empty() || !report.notes.is_empty()) {
        let path = report_path(&req.path);
        let mut all: Vec<RowIssue> = report.bad_rows.iter().chain(report.notes.iter()).cloned().collect();
        all.sort_by_key(|i| i.row);
        match write_report(&path, &file, &all) {
            Ok(()) => report.report_path = Some(path),
            Err(e) => report.warnings.push(format!("错误报告未能写出：{e}")),
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The `field` of a note about a repeated ID (how duplicates are told from other notes).
const DUPLICATE_FIELD: &str = "身份证号（重复）";

fn is_known(kind: ListKind) -> impl Fn(&str) -> bool {
    move |h: &str| ListColumn::lookup(h, kind).is_some()
}

/// How specific a header is for its column (the position of the alias it matched; lower wins):
/// "身份证号" beats "户主身份证号", "姓名" beats "户主".
fn rank(column: ListColumn, candidates: &[String]) -> usize {
    let folded: Vec<String> = column.aliases().iter().map(|a| bangfu_domain::vocab::fold(a)).collect();
    candidates
        .iter()
        .filter_map(|c| {
            let c = bangfu_domain::vocab::fold(c);
            folded.iter().position(|a| *a == c)
        })
        .min()
        .unwrap_or(usize::MAX)
}

/// Resolves a header to list columns, the most specific column per kind of value.
fn map_columns(layout: &HeaderLayout, kind: ListKind, warnings: &mut Vec<String>, sheet: &str) -> Vec<Mapped> {
    let mut chosen: Vec<(Mapped, usize)> = Vec::new();
    for col in &layout.columns {
        let Some(column) = col.candidates.iter().find_map(|c| ListColumn::lookup(c, kind)) else { continue };
        let r = rank(column, &col.candidates);
        let m = Mapped { column, index: col.index, letter: col.letter.clone(), header: col.text.clone() };
        match chosen.iter_mut().find(|(x, _)| x.column == column) {
            Some((first, first_rank)) => {
                if r < *first_rank {
                    warnings.push(format!("工作表“{sheet}”的 {} 列“{}”和 {} 列“{}”都可作为“{}”，已按 {} 列比对", first.letter, first.header, m.letter, m.header, column.label(), m.letter));
                    *first = m;
                    *first_rank = r;
                } else {
                    warnings.push(format!("工作表“{sheet}”的 {} 列“{}”和 {} 列“{}”都可作为“{}”，已按 {} 列比对", first.letter, first.header, m.letter, m.header, column.label(), first.letter));
                }
            }
            None => chosen.push((m, r)),
        }
    }
    chosen.into_iter().map(|(m, _)| m).collect()
}

/// A one-row header built by hand: lists with an ID column and nothing else we know (the
/// detector wants two known columns).
fn single_row_layout(row: &RawRow) -> HeaderLayout {
    let columns = row
        .cells
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.trim().is_empty())
        .map(|(i, t)| {
            let mut candidates = vec![normalize_header_full(t), normalize_header(t)];
            candidates.dedup();
            HeaderColumn { index: i, letter: column_letter(i), text: t.trim().to_string(), candidates }
        })
        .collect();
    HeaderLayout { header_rows: row.number..=row.number, columns, data_start_index: 0 }
}

/// The headers a preview shows, for the message refusing a file without an ID column.
fn headers_seen(preview: &[RawRow]) -> String {
    let row = preview.iter().find(|r| r.cells.iter().filter(|c| !c.trim().is_empty()).count() >= 2).or(preview.first());
    match row {
        Some(r) => {
            let names: Vec<String> = r.cells.iter().enumerate().filter(|(_, c)| !c.trim().is_empty()).take(30).map(|(i, c)| format!("{}“{}”", column_letter(i), c.trim())).collect();
            format!("第 {} 行：{}", r.number, names.join("、"))
        }
        None => "（文件没有内容）".into(),
    }
}

fn sheet_error(e: &SheetError) -> String {
    e.to_string()
}

/// Runs on the reader thread; every outcome is sent on `tx`.
fn read_list(req: &CompareRequest, tx: &SyncSender<Msg>) {
    let mut wb = match Workbook::open(&req.path, &ReadOptions::default()) {
        Ok(wb) => wb,
        Err(e) => {
            let _ = tx.send(Msg::Fatal(sheet_error(&e)));
            return;
        }
    };
    let file = wb.file_name().to_string();
    let known = is_known(req.kind);
    let mut found: Option<(usize, String, HeaderLayout, Vec<Mapped>)> = None;
    let mut warnings = Vec::new();
    let mut seen = Vec::new();
    for (index, name) in wb.sheet_names().iter().enumerate() {
        let preview: Result<Vec<RawRow>, SheetError> = match wb.rows(index) {
            Ok(rows) => rows.take(PREVIEW_ROWS).collect(),
            Err(e) => Err(e),
        };
        let preview = match preview {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.send(Msg::Fatal(sheet_error(&e)));
                return;
            }
        };
        if preview.is_empty() {
            continue;
        }
        let layout = match detect_header(&preview, &known, &file, name) {
            Ok(l) => Some(l),
            // one known column is enough when it is the ID column
            Err(_) => preview
                .iter()
                .find(|r| r.cells.iter().any(|c| [normalize_header_full(c), normalize_header(c)].iter().any(|h| ListColumn::lookup(h, req.kind) == Some(ListColumn::ResidentId))))
                .map(single_row_layout),
        };
        let Some(layout) = layout else {
            seen.push(format!("工作表“{name}” {}", headers_seen(&preview)));
            continue;
        };
        let mut w = Vec::new();
        let columns = map_columns(&layout, req.kind, &mut w, name);
        if !columns.iter().any(|m| m.column == ListColumn::ResidentId) {
            let header_row = preview.iter().find(|r| r.number == *layout.header_rows.end());
            seen.push(format!("工作表“{name}” {}", header_row.map(|r| headers_seen(std::slice::from_ref(r))).unwrap_or_default()));
            continue;
        }
        warnings.extend(w);
        found = Some((index, name.clone(), layout, columns));
        break;
    }
    let Some((index, sheet, layout, columns)) = found else {
        let _ = tx.send(Msg::Fatal(format!(
            "{file}：没有找到身份证号列，无法比对。可识别的列名有：身份证号、身份证号码、公民身份号码、证件号码、身份证、证件号、户主身份证号 等。文件中的表头为 {}。请把身份证号所在列的表头改为“身份证号”后重新导入",
            if seen.is_empty() { "（没有可读的表头）".to_string() } else { seen.join("；") }
        )));
        return;
    };
    for required in req.kind.required() {
        if !columns.iter().any(|m| m.column == *required) {
            let names: Vec<String> = layout.columns.iter().map(|c| format!("{}“{}”", c.letter, c.text)).collect();
            let _ = tx.send(Msg::Fatal(format!(
                "{file}：{}缺少“{}”列（可识别的列名：{}）。文件中的表头为：{}。请加上该列或把表头改为“{}”后重新导入",
                req.kind.label(),
                required.label(),
                required.aliases().join("、"),
                names.join("、"),
                required.label()
            )));
            return;
        }
    }
    if !columns.iter().any(|m| m.column == ListColumn::Name) {
        warnings.push(format!("工作表“{sheet}”没有姓名列：只按身份证号比对，不核对姓名"));
    }
    let file_kind = match wb.kind() {
        FileKind::Csv => "CSV",
        FileKind::Xlsx => "XLSX",
        FileKind::Xls => "XLS",
        FileKind::Html => "HTML 表格（.xls）",
    };
    if tx
        .send(Msg::Layout { file_kind: file_kind.into(), encoding: wb.encoding().map(str::to_string), sheet: sheet.clone(), columns: columns.clone(), warnings })
        .is_err()
    {
        return;
    }
    let rows = match wb.rows(index) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Msg::Fatal(sheet_error(&e)));
            return;
        }
    };
    let last_header = *layout.header_rows.end();
    let mut first_row_of: HashMap<ResidentId, u64> = HashMap::new();
    let mut batch = Batch::default();
    for raw in rows {
        let raw = match raw {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Msg::Fatal(sheet_error(&e)));
                return;
            }
        };
        if raw.number <= last_header {
            continue;
        }
        batch.read += 1;
        match read_row(&raw, &columns, &sheet, req) {
            RowRead::Skip => {}
            RowRead::Bad(issue) => batch.bad.push(issue),
            RowRead::Row(row, notes) => {
                batch.notes.extend(notes);
                match first_row_of.get(&row.resident_id) {
                    Some(first) => {
                        let id = columns.iter().find(|m| m.column == ListColumn::ResidentId);
                        batch.notes.push(RowIssue {
                            sheet: sheet.clone(),
                            row: raw.number,
                            column: id.map(Mapped::label).unwrap_or_default(),
                            field: DUPLICATE_FIELD.into(),
                            value: row.resident_id.masked(),
                            reason: format!("与第 {first} 行的身份证号相同，只按第 {first} 行比对一次"),
                            fix: "无需处理；如是不同的人，请核对两行的身份证号".into(),
                        });
                    }
                    None => {
                        first_row_of.insert(row.resident_id.clone(), raw.number);
                        batch.rows.push(row);
                    }
                }
            }
        }
        if batch.rows.len() >= BATCH && !batch.send(tx) {
            return;
        }
    }
    batch.send(tx);
}

#[derive(Default)]
struct Batch {
    rows: Vec<ListRow>,
    bad: Vec<RowIssue>,
    notes: Vec<RowIssue>,
    read: u64,
}

impl Batch {
    fn send(&mut self, tx: &SyncSender<Msg>) -> bool {
        let b = std::mem::take(self);
        tx.send(Msg::Rows { rows: b.rows, bad: b.bad, notes: b.notes, read: b.read }).is_ok()
    }
}

enum RowRead {
    /// A total line (合计) or a row without anything we read.
    Skip,
    Bad(RowIssue),
    Row(ListRow, Vec<RowIssue>),
}

fn cell<'a>(raw: &'a RawRow, m: &Mapped) -> &'a str {
    raw.cells.get(m.index).map(|s| s.trim()).unwrap_or("")
}

fn text(v: &str) -> Option<String> {
    let t = v.trim();
    (!t.is_empty() && t != "-" && t != "/" && t != "—").then(|| t.to_string())
}

/// 一级 / 1级 / 1 / 视力一级 → '1'..'4'.
fn disability_grade(v: &str) -> Option<&'static str> {
    if let Some(t) = DISABILITY_GRADE.parse(v) {
        return Some(t.code);
    }
    let chars: Vec<char> = v.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let g = match c {
            '1' | '一' | '壹' => "1",
            '2' | '二' | '贰' => "2",
            '3' | '三' | '叁' => "3",
            '4' | '四' | '肆' => "4",
            _ => continue,
        };
        if chars.get(i + 1) == Some(&'级') {
            return Some(g);
        }
    }
    None
}

/// A级 / C / C级危房 / D 级 → 'A'..'D'.
fn housing_grade(v: &str) -> Option<&'static str> {
    if let Some(t) = HOUSING_GRADE.parse(v) {
        return Some(t.code);
    }
    let upper: String = v.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    ["A", "B", "C", "D"].into_iter().find(|g| upper.starts_with(g) || upper.contains(&format!("{g}级")))
}

/// Splits a 20-character 残疾人证号 (18-character ID, category digit 1–7, grade digit 1–4) into the
/// ID and the grade; anything else is returned whole.
fn certificate(text: &str) -> (&str, Option<&'static str>) {
    let t = text.trim();
    if t.len() == 20 && t.is_ascii() {
        let (id, tail) = t.split_at(18);
        let b = tail.as_bytes();
        if (b'1'..=b'7').contains(&b[0]) && (b'1'..=b'4').contains(&b[1]) {
            return (id, ["1", "2", "3", "4"].get((b[1] - b'1') as usize).copied());
        }
    }
    (t, None)
}

fn read_row(raw: &RawRow, columns: &[Mapped], sheet: &str, req: &CompareRequest) -> RowRead {
    let issue = |m: &Mapped, value: &str, reason: String, fix: &str| RowIssue {
        sheet: sheet.to_string(),
        row: raw.number,
        column: m.label(),
        field: m.column.label().to_string(),
        value: value.chars().take(40).collect(),
        reason,
        fix: fix.to_string(),
    };
    let Some(id_col) = columns.iter().find(|m| m.column == ListColumn::ResidentId) else { return RowRead::Skip };
    let id_text = cell(raw, id_col);
    if id_text.is_empty() {
        let joined: String = raw.cells.concat();
        if ["合计", "总计", "小计", "共计"].iter().any(|t| joined.contains(t)) {
            return RowRead::Skip;
        }
        if columns.iter().all(|m| cell(raw, m).is_empty()) {
            // a row with content only in columns we do not read (remarks below the table …)
            return RowRead::Skip;
        }
        return RowRead::Bad(issue(id_col, "", "身份证号为空".into(), "该行未比对；请补上身份证号后重新导入"));
    }
    // a 残疾人证号 is the ID followed by the category and grade digits (20 characters)
    let (id_part, certificate_grade) = certificate(id_text);
    let id = match ResidentId::parse_at(id_part, req.today) {
        Ok(id) => id,
        Err(e) => return RowRead::Bad(issue(id_col, id_text, e.to_string(), "该行未比对；请核对身份证号后重新导入")),
    };
    let mut row = ListRow::new(raw.number, id);
    if req.kind == ListKind::Disability {
        row.disability_grade = certificate_grade;
    }
    let mut notes = Vec::new();
    for m in columns {
        let v = cell(raw, m);
        if v.is_empty() {
            continue;
        }
        match m.column {
            ListColumn::ResidentId => {}
            ListColumn::Name => {
                let n = normalize_name(v);
                row.name = (!n.is_empty()).then_some(n);
            }
            ListColumn::Amount => match parse_value(Kind::Money, v, req.today) {
                Ok(Value::Int(fen)) if fen >= 0 => row.amount_fen = Some(fen),
                Ok(Value::Null) => {}
                Ok(_) => return RowRead::Bad(issue(m, v, format!("“{v}”是负数，不是个人自付金额"), "该行未比对；请核对金额（元）后重新导入")),
                Err(e) => return RowRead::Bad(issue(m, v, e.reason.clone(), "该行未比对；请填写以元为单位的数字，如 12345.67")),
            },
            ListColumn::DisabilityGrade => match disability_grade(v) {
                Some(g) => row.disability_grade = Some(g),
                None => notes.push(issue(m, v, format!("“{v}”不是残疾等级"), "该行已比对，但不核对等级；等级应为 一级/二级/三级/四级")),
            },
            ListColumn::HousingGrade => match housing_grade(v) {
                Some(g) => row.housing_grade = Some(g),
                None => notes.push(issue(m, v, format!("“{v}”不是危房等级"), "该行已比对；等级应为 A/B/C/D 级")),
            },
            ListColumn::EventDate => match parse_date(v, req.today) {
                Ok(d) => row.event_date = Some(d),
                Err(e) => notes.push(issue(m, v, e.reason.clone(), "该行已比对，日期未记录；请填写如 2024-05-01 的日期")),
            },
            ListColumn::School => row.school = text(v),
            ListColumn::SchoolGrade => row.school_grade = text(v),
            ListColumn::Plate => row.plate = text(v),
            ListColumn::VehicleType => row.vehicle_type = text(v),
            ListColumn::CompanyName => row.company_name = text(v),
            ListColumn::CreditCode => row.credit_code = text(v),
            ListColumn::CompanyRole => row.company_role = text(v),
            ListColumn::WorkUnit => row.work_unit = text(v),
            ListColumn::Detail => row.detail = text(v),
        }
    }
    if req.kind.required().contains(&ListColumn::Amount)
        && row.amount_fen.is_none()
        && let Some(m) = columns.iter().find(|m| m.column == ListColumn::Amount)
    {
        return RowRead::Bad(issue(m, "", "个人自付金额为空".into(), "该行未比对；请填写以元为单位的金额后重新导入"));
    }
    RowRead::Row(row, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_are_read_from_the_ways_lists_write_them() {
        assert_eq!(disability_grade("二级"), Some("2"));
        assert_eq!(disability_grade("3级"), Some("3"));
        assert_eq!(disability_grade("4"), Some("4"));
        assert_eq!(disability_grade("肢体一级"), Some("1"));
        assert_eq!(disability_grade("重度"), None);
        assert_eq!(housing_grade("C级危房"), Some("C"));
        assert_eq!(housing_grade("d"), Some("D"));
        assert_eq!(housing_grade("危房"), None);
        assert_eq!(certificate("11010519491231002X42"), ("11010519491231002X", Some("2")));
        assert_eq!(certificate("11010519491231002X"), ("11010519491231002X", None));
    }
}
