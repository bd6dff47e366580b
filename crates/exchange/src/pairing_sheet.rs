//! The 对口帮扶任务分配表 (who helps which household) in and out: CSV/XLSX/XLS with columns like
//! 乡镇, 村, 户编号 / 户主姓名 / 户主身份证号, 帮扶责任人, 单位, 职务, 职级, 联系电话, 结对开始日期.
//!
//! Import: every row is checked first (household known and in scope, helper known or creatable,
//! rank and date readable, no household twice); problems come back per row with file, row,
//! column and what to do, and nothing is written unless every row is good (or `accept_valid`:
//! only the good rows). Missing helpers are created (by name + unit + phone, the unit too when
//! unknown); a household's existing helper pairing is ended with history. The write is one
//! set-based transaction (`store::pairing::assign::apply`). Export writes the same layout.

use crate::import::issue::{report_path, write_report, RowIssue};
use bangfu_domain::pairing::{Rank, UnitKind};
use bangfu_domain::value::parse_date;
use bangfu_domain::{RegionScope, ResidentId};
use bangfu_sheets::{column_letter, normalize_header, Cell, ReadOptions, Workbook};
use bangfu_store::audit::Actor;
use bangfu_store::pairing::assign::{self, Assignment, AssignmentBatch, AssignmentOutcome, HelperRef, HelperToCreate, UnitToCreate};
use bangfu_store::pairing::caseload::{self, CaseloadRow};
use bangfu_store::{Store, StoreError};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The header an export writes (and the import reads best).
pub const SHEET_HEADER: [&str; 11] = ["乡镇", "村", "户编号", "户主姓名", "户主身份证号", "帮扶责任人", "单位", "职务", "职级", "联系电话", "结对开始日期"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Township,
    Village,
    HouseholdNo,
    HeadName,
    HeadId,
    Helper,
    Unit,
    Position,
    Rank,
    Phone,
    Start,
}

impl Col {
    fn label(self) -> &'static str {
        SHEET_HEADER[self as usize]
    }
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Col::Township => &["乡镇", "乡（镇）", "乡镇名称", "所在乡镇", "乡镇（街道）"],
            Col::Village => &["村", "行政村", "村名", "所在村", "村（社区）"],
            Col::HouseholdNo => &["户编号", "户码", "家庭编号", "户号"],
            Col::HeadName => &["户主姓名", "户主", "帮扶对象", "贫困户姓名", "户主名", "帮扶对象姓名"],
            Col::HeadId => &["户主身份证号", "户主身份证号码", "户主证件号码", "户主证件号"],
            Col::Helper => &["帮扶责任人", "帮扶人", "帮扶责任人姓名", "帮扶干部", "结对帮扶人", "帮扶人姓名"],
            Col::Unit => &["单位", "帮扶单位", "工作单位", "帮扶责任人单位", "所在单位", "帮扶人单位"],
            Col::Position => &["职务", "职务/职级", "职务职级", "职务（职级）"],
            Col::Rank => &["职级"],
            Col::Phone => &["联系电话", "电话", "帮扶人电话", "帮扶责任人电话", "手机号码", "联系方式", "手机"],
            Col::Start => &["结对开始日期", "开始日期", "结对日期", "结对时间", "帮扶开始时间", "结对开始时间"],
        }
    }
    const ALL: [Col; 11] = [Col::Township, Col::Village, Col::HouseholdNo, Col::HeadName, Col::HeadId, Col::Helper, Col::Unit, Col::Position, Col::Rank, Col::Phone, Col::Start];
    fn lookup(header: &str) -> Option<Col> {
        let h = normalize_header(header);
        Col::ALL.iter().copied().find(|c| c.aliases().iter().any(|a| normalize_header(a) == h))
    }
}

/// What to import and how.
#[derive(Debug, Clone)]
pub struct PairingImportRequest {
    pub path: PathBuf,
    /// The caller's scope: households outside it are refused.
    pub scope: RegionScope,
    /// The date used when a row has no 结对开始日期.
    pub today: NaiveDate,
    /// Write the good rows even when others are bad.
    pub accept_valid: bool,
    /// Write `<file>.错误报告.xlsx` beside the input when rows are bad.
    pub write_report: bool,
}

/// What an import read, refused and wrote.
#[derive(Debug, Clone)]
pub struct PairingImportReport {
    pub file: String,
    pub sheet: String,
    /// Data rows read (blank rows skipped).
    pub rows: u64,
    pub issues: Vec<RowIssue>,
    /// `None`: nothing written (bad rows without `accept_valid`).
    pub outcome: Option<AssignmentOutcome>,
    /// Helpers over their caseload after the import (a warning).
    pub over_caseload: Vec<CaseloadRow>,
    pub report_path: Option<PathBuf>,
    pub seconds: f64,
}

/// Problems that stop an import before anything is written.
#[derive(Debug)]
pub enum PairingImportError {
    File(String),
    Store(StoreError),
}

impl std::fmt::Display for PairingImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PairingImportError::File(m) => f.write_str(m),
            PairingImportError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PairingImportError {}

impl From<StoreError> for PairingImportError {
    fn from(e: StoreError) -> Self {
        PairingImportError::Store(e)
    }
}

fn guess_unit_kind(name: &str) -> UnitKind {
    if name.contains("大学") || name.contains("学院") {
        UnitKind::University
    } else if name.contains("学校") || name.contains("中学") || name.contains("小学") || name.contains("幼儿园") {
        UnitKind::School
    } else if name.contains("医院") || name.contains("卫生院") {
        UnitKind::Hospital
    } else if name.contains("公司") || name.contains("集团") || name.contains("厂") || name.contains("银行") {
        UnitKind::Enterprise
    } else {
        UnitKind::Government
    }
}

/// Reads a 对口帮扶任务分配表 and assigns helpers to households (see the module documentation).
pub fn import_pairings(store: &mut Store, actor: &Actor, req: &PairingImportRequest) -> Result<PairingImportReport, PairingImportError> {
    let started = Instant::now();
    let file = crate::import::display_name(&req.path);
    let mut wb = Workbook::open(&req.path, &ReadOptions::default()).map_err(|e| PairingImportError::File(e.to_string()))?;
    let sheet = wb.sheet_names().first().cloned().unwrap_or_default();
    let sheet_error = |e: bangfu_sheets::SheetError| PairingImportError::File(format!("{e}（未写入任何数据）"));
    // rows are streamed: the first 30 are kept to find the header
    let mut iter = wb.rows(0).map_err(sheet_error)?;
    let mut rows: Vec<bangfu_sheets::RawRow> = Vec::new();
    while rows.len() < 30 {
        match iter.next() {
            Some(r) => rows.push(r.map_err(sheet_error)?),
            None => break,
        }
    }
    // the header: the first row (of the first 30) naming the helper and a household column
    let mut header = None;
    for (i, r) in rows.iter().take(30).enumerate() {
        let cols: Vec<(usize, Col)> = r.cells.iter().enumerate().filter_map(|(j, c)| Col::lookup(c).map(|k| (j, k))).collect();
        let has = |k: Col| cols.iter().any(|(_, c)| *c == k);
        if has(Col::Helper) && (has(Col::HouseholdNo) || has(Col::HeadId)) {
            header = Some((i, cols));
            break;
        }
    }
    let Some((header_index, cols)) = header else {
        let seen = rows.iter().find(|r| r.cells.iter().filter(|c| !c.trim().is_empty()).count() >= 2).map(|r| r.cells.iter().filter(|c| !c.trim().is_empty()).take(15).cloned().collect::<Vec<_>>().join("、")).unwrap_or_default();
        return Err(PairingImportError::File(format!(
            "{file}：找不到表头。帮扶任务分配表需要“帮扶责任人”列和“户编号”（或“户主身份证号”）列；文件中看到的是：{seen}。请改表头后重试（未写入任何数据）"
        )));
    };
    let mut at: HashMap<Col, usize> = HashMap::new();
    for (j, c) in &cols {
        at.entry(*c).or_insert(*j);
    }
    let header_cells = rows[header_index].cells.clone();
    let letter = |c: Col| at.get(&c).map(|j| format!("{}（{}）", column_letter(*j), header_cells[*j].trim())).unwrap_or_default();

    let conn = &mut store.conn;
    let households = assign::household_index(conn, &req.scope, at.contains_key(&Col::HeadId))?;
    let helpers = assign::helper_index(conn)?;
    let units = assign::unit_index(conn)?;

    let mut batch = AssignmentBatch { file_name: file.clone(), ..Default::default() };
    let mut new_units: HashMap<String, usize> = HashMap::new();
    let mut new_helpers: HashMap<(String, String, String), usize> = HashMap::new();
    let mut seen_households: HashMap<i64, u64> = HashMap::new();
    let mut issues = Vec::new();
    let mut data_rows = 0u64;
    for item in rows.into_iter().skip(header_index + 1).map(Ok).chain(iter) {
        let owned = item.map_err(sheet_error)?;
        let r = &owned;
        let get = |c: Col| at.get(&c).and_then(|j| r.cells.get(*j)).map(|s| s.trim()).filter(|s| !s.is_empty());
        if r.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        data_rows += 1;
        let issue = |c: Col, value: &str, reason: String, fix: &str| RowIssue {
            sheet: sheet.clone(),
            row: r.number,
            column: letter(c),
            field: c.label().to_string(),
            value: value.to_string(),
            reason,
            fix: fix.to_string(),
        };
        let before = issues.len();
        // the household
        let household = match (get(Col::HouseholdNo), get(Col::HeadId)) {
            (Some(no), _) => match households.by_no.get(no) {
                Some(h) => Some(h.clone()),
                None => {
                    let outside = assign::household_exists(conn, no)?;
                    let (reason, fix) = if outside {
                        (format!("户编号 {no} 不在您的管辖范围内"), "请删除此行，或由该户所在地的管理员导入")
                    } else {
                        (format!("户编号 {no} 在系统中不存在"), "请核对户编号（应与一户一档中的户编号一致），或先导入该户")
                    };
                    issues.push(issue(Col::HouseholdNo, no, reason, fix));
                    None
                }
            },
            (None, Some(id)) => {
                let normal = ResidentId::parse(id).map(|r| r.as_str().to_string()).unwrap_or_else(|_| id.to_string());
                match households.by_head_id.get(&normal) {
                    Some(h) => Some(h.clone()),
                    None => {
                        issues.push(issue(Col::HeadId, id, format!("户主身份证号 {} 找不到对应的户", bangfu_domain::value::mask(id)), "请核对户主身份证号，或改填户编号"));
                        None
                    }
                }
            }
            (None, None) => {
                issues.push(issue(Col::HouseholdNo, "", "没有户编号，也没有户主身份证号".into(), "请填写户编号（或户主身份证号）"));
                None
            }
        };
        if let Some((hid, _)) = &household
            && let Some(first) = seen_households.get(hid) {
                let no = get(Col::HouseholdNo).or(get(Col::HeadId)).unwrap_or_default();
                issues.push(issue(Col::HouseholdNo, no, format!("同一户在第 {first} 行已分配帮扶责任人"), "一户一名帮扶责任人：请删除重复的行"));
            }
        // date, rank
        let started_on = match get(Col::Start) {
            None => Some(req.today),
            Some(t) => match parse_date(t, req.today) {
                Ok(d) if d > req.today => {
                    issues.push(issue(Col::Start, t, format!("结对开始日期 {d} 晚于今天"), "请填写实际开始结对的日期"));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    issues.push(issue(Col::Start, t, format!("“{t}”不是有效日期：{}", e.reason), "请填写如 2024-03-01 的日期"));
                    None
                }
            },
        };
        let rank_text = get(Col::Rank);
        let rank = match rank_text {
            Some(t) => match Rank::parse(t) {
                Some(rk) => Some(rk),
                None => {
                    let names: Vec<&str> = Rank::ALL.iter().map(|r| r.label()).collect();
                    issues.push(issue(Col::Rank, t, format!("职级“{t}”无法识别"), &format!("请填写 {} 之一", names.join("、"))));
                    None
                }
            },
            None => get(Col::Position).and_then(Rank::parse),
        };
        // the helper
        let helper = match get(Col::Helper) {
            None => {
                issues.push(issue(Col::Helper, "", "没有填写帮扶责任人".into(), "请填写帮扶责任人姓名"));
                None
            }
            Some(name) => {
                let unit = get(Col::Unit);
                let phone = get(Col::Phone);
                let mut candidates: Vec<&assign::HelperKey> = helpers.get(name).map(|v| v.iter().filter(|h| h.active).collect()).unwrap_or_default();
                if let Some(u) = unit {
                    candidates.retain(|h| h.unit_name.as_deref() == Some(u));
                }
                if candidates.len() > 1
                    && let Some(p) = phone {
                        candidates.retain(|h| h.phone.as_deref() == Some(p));
                    }
                match candidates.len() {
                    1 => Some(HelperRef::Existing(candidates[0].id)),
                    0 if unit.is_none() => {
                        issues.push(issue(Col::Helper, name, format!("帮扶责任人 {name} 不在系统中"), "请填写其单位和联系电话（导入时将新建该帮扶责任人），或核对姓名"));
                        None
                    }
                    0 => {
                        let unit = unit.unwrap_or_default();
                        let key = (name.to_string(), unit.to_string(), phone.unwrap_or_default().to_string());
                        let county = household.as_ref().map(|(_, v)| format!("{:0<12}", &v[..6.min(v.len())])).unwrap_or_default();
                        if household.is_some() {
                            let index = match new_helpers.get(&key) {
                                Some(i) => *i,
                                None => {
                                    let (unit_id, new_unit) = match units.get(unit) {
                                        Some(id) => (Some(*id), None),
                                        None => {
                                            let i = *new_units.entry(unit.to_string()).or_insert_with(|| {
                                                batch.new_units.push(UnitToCreate { name: unit.to_string(), kind: guess_unit_kind(unit), region_code: county.clone() });
                                                batch.new_units.len() - 1
                                            });
                                            (None, Some(i))
                                        }
                                    };
                                    let position = get(Col::Position).filter(|p| Rank::parse(p).is_none() || rank_text.is_some()).map(str::to_string);
                                    batch.new_helpers.push(HelperToCreate { name: name.to_string(), unit_id, new_unit, rank, position, phone: phone.map(str::to_string), region_code: county });
                                    new_helpers.insert(key, batch.new_helpers.len() - 1);
                                    batch.new_helpers.len() - 1
                                }
                            };
                            Some(HelperRef::New(index))
                        } else {
                            None
                        }
                    }
                    n => {
                        let where_ = unit.map(|u| format!("（单位 {u}）")).unwrap_or_default();
                        issues.push(issue(Col::Helper, name, format!("系统中有 {n} 名同名的帮扶责任人 {name}{where_}，无法确定是哪一位"), "请填写单位和联系电话以区分"));
                        None
                    }
                }
            }
        };
        if issues.len() == before
            && let (Some((hid, region)), Some(helper), Some(started_on)) = (household, helper, started_on) {
                seen_households.insert(hid, r.number);
                batch.rows.push(Assignment { household_id: hid, region_code: region, helper, started_on });
            }
    }
    let mut report = PairingImportReport { file: file.clone(), sheet, rows: data_rows, issues, outcome: None, over_caseload: Vec::new(), report_path: None, seconds: 0.0 };
    if report.issues.is_empty() || req.accept_valid {
        // helpers and units only referenced by refused rows are not created
        if !report.issues.is_empty() {
            prune(&mut batch);
        }
        let outcome = assign::apply(&mut store.conn, actor, &req.scope, &batch)?;
        report.outcome = Some(outcome);
        report.over_caseload = caseload::over_caseload(&mut store.conn, &req.scope)?;
    }
    if req.write_report && !report.issues.is_empty() {
        let path = report_path(&req.path);
        if write_report(&path, &file, &report.issues).is_ok() {
            report.report_path = Some(path);
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Drops new helpers no kept row refers to, and new units no kept helper refers to (renumbering).
fn prune(batch: &mut AssignmentBatch) {
    let used: std::collections::BTreeSet<usize> = batch.rows.iter().filter_map(|a| if let HelperRef::New(i) = a.helper { Some(i) } else { None }).collect();
    let mut helper_map = HashMap::new();
    let old_helpers = std::mem::take(&mut batch.new_helpers);
    for (i, h) in old_helpers.into_iter().enumerate() {
        if used.contains(&i) {
            helper_map.insert(i, batch.new_helpers.len());
            batch.new_helpers.push(h);
        }
    }
    for a in &mut batch.rows {
        if let HelperRef::New(i) = a.helper {
            a.helper = HelperRef::New(helper_map[&i]);
        }
    }
    let used_units: std::collections::BTreeSet<usize> = batch.new_helpers.iter().filter_map(|h| h.new_unit).collect();
    let mut unit_map = HashMap::new();
    let old_units = std::mem::take(&mut batch.new_units);
    for (i, u) in old_units.into_iter().enumerate() {
        if used_units.contains(&i) {
            unit_map.insert(i, batch.new_units.len());
            batch.new_units.push(u);
        }
    }
    for h in &mut batch.new_helpers {
        h.new_unit = h.new_unit.map(|i| unit_map[&i]);
    }
}

/// Writes the active helper pairings of households in the scope in the import layout (xlsx, or
/// CSV when the name ends in .csv). Returns the number of rows. ID numbers are masked (the
/// import finds households by 户编号).
pub fn export_pairings(store: &mut Store, scope: &RegionScope, path: &Path) -> Result<usize, PairingImportError> {
    let rows = assign::sheet_rows(&mut store.conn, scope)?;
    let csv = path.extension().map(|e| e.eq_ignore_ascii_case("csv")).unwrap_or(false);
    let mut w = if csv { bangfu_sheets::csv_writer(path) } else { bangfu_sheets::xlsx_writer(path) }.map_err(|e| PairingImportError::File(e.to_string()))?;
    let text = |v: &Option<String>| v.as_ref().map(|s| Cell::Text(s.clone())).unwrap_or(Cell::Empty);
    let fail = |e: bangfu_sheets::SheetError| PairingImportError::File(e.to_string());
    w.begin_table("对口帮扶任务分配表", &SHEET_HEADER).map_err(fail)?;
    for r in &rows {
        w.write_row(&[
            text(&r.township),
            text(&r.village),
            text(&r.household_no),
            text(&r.head_name),
            text(&r.head_id_masked),
            Cell::Text(r.helper_name.clone()),
            text(&r.unit_name),
            text(&r.position),
            r.rank.map(|k| Cell::Text(k.label().into())).unwrap_or(Cell::Empty),
            text(&r.phone),
            Cell::Date(r.started_on),
        ])
        .map_err(fail)?;
    }
    w.finish().map_err(fail)?;
    Ok(rows.len())
}
