//! The reading side of an import (its own thread): open the file, find each sheet's header and role,
//! read rows into households and send them in batches.

use super::group::{GroupSettings, Grouped, Grouper};
use super::issue::RowIssue;
use super::rows::{parse_row, parse_row_cached, ParsedRow, RowCache};
use super::{ImportRequest, Msg, BATCH};
use crate::layout::{classify, is_known, map_columns, ColumnMap, SheetRole};
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::{IncomeRecord, INCOME_FIELDS};
use bangfu_sheets::{detect_header, FileKind, HeaderLayout, ReadOptions, SheetError, Workbook};
use bangfu_store::regions::Directory;
use bangfu_store::registry::diff::Present;
use std::collections::HashMap;
use std::sync::mpsc::SyncSender;

const PREVIEW_ROWS: usize = 60;

fn fatal(tx: &SyncSender<Msg>, e: &SheetError) {
    let _ = tx.send(Msg::Fatal(RowIssue::from_sheet_error(e)));
}

fn file_issue(sheet: &str, reason: String, fix: &str) -> RowIssue {
    RowIssue { sheet: sheet.to_string(), row: 0, column: String::new(), field: String::new(), value: String::new(), reason, fix: fix.to_string() }
}

struct SheetPlan {
    index: usize,
    name: String,
    layout: HeaderLayout,
    map: ColumnMap,
    role: SheetRole,
}

/// Runs on the reader thread; every outcome is sent on `tx`.
pub(crate) fn read_file(req: &ImportRequest, directory: &Directory, tx: &SyncSender<Msg>) {
    let mut wb = match Workbook::open(&req.path, &ReadOptions::default()) {
        Ok(wb) => wb,
        Err(e) => return fatal(tx, &e),
    };
    let names = wb.sheet_names();
    let mut plans = Vec::new();
    let mut warnings = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let preview: Result<Vec<_>, SheetError> = match wb.rows(index) {
            Ok(rows) => rows.take(PREVIEW_ROWS).collect(),
            Err(e) => Err(e),
        };
        let preview = match preview {
            Ok(p) => p,
            Err(e) => return fatal(tx, &e),
        };
        if preview.is_empty() {
            continue;
        }
        let Ok(layout) = detect_header(&preview, &|h| is_known(h), wb.file_name(), name) else {
            if names.len() > 1 {
                warnings.push(format!("工作表“{name}”中没有找到可识别的表头，已跳过"));
            }
            continue;
        };
        let map = map_columns(&layout);
        let role = classify(&map);
        plans.push(SheetPlan { index, name: name.clone(), layout, map, role });
    }
    let members: Vec<&SheetPlan> = plans.iter().filter(|p| p.role == SheetRole::Members).collect();
    if members.is_empty() {
        let sheet = names.first().cloned().unwrap_or_default();
        let reason = if plans.is_empty() {
            "在前 60 行中没有找到表头行：至少需要“姓名”“证件号码”“与户主关系”等可识别的列名".to_string()
        } else {
            "没有找到成员信息：表中缺少“证件号码”（身份证号）列".to_string()
        };
        let _ = tx.send(Msg::Fatal(file_issue(&sheet, reason, "请使用带有成员证件号码列的花名册，列名参见导入说明")));
        return;
    }
    for p in &members {
        let mut missing = Vec::new();
        if !p.map.has(FieldRef::Member(MF::Relation)) {
            missing.push("与户主关系");
        }
        let has_region = p.map.has(FieldRef::Household(HF::RegionCode)) || p.map.has(FieldRef::Household(HF::VillageName));
        let households_sheet_has_region = plans.iter().any(|x| x.role == SheetRole::Households && (x.map.has(FieldRef::Household(HF::RegionCode)) || x.map.has(FieldRef::Household(HF::VillageName))));
        if !has_region && !households_sheet_has_region {
            missing.push("区划代码（或 乡、村）");
        }
        if !missing.is_empty() {
            let _ = tx.send(Msg::Fatal(file_issue(&p.name, format!("缺少必需的列：{}", missing.join("、")), "请在表头中加上这些列后再导入")));
            return;
        }
    }
    // warnings about the header: unknown and duplicate columns are reported, not fatal
    for p in &plans {
        if !p.map.unknown.is_empty() {
            let list: Vec<String> = p.map.unknown.iter().map(|(l, h)| format!("{l}“{h}”")).collect();
            warnings.push(format!("工作表“{}”有未识别的列（已忽略）：{}", p.name, list.join("、")));
        }
        for (l, h, first) in &p.map.duplicates {
            warnings.push(format!("工作表“{}”的 {l} 列“{h}”与 {first} 列重复，已按 {first} 列导入", p.name));
        }
    }
    let mut present = Present::default();
    for p in &plans {
        present.fields.extend(p.map.columns.iter().map(|c| c.field));
    }
    let mut labels: HashMap<FieldRef, String> = HashMap::new();
    for p in plans.iter().rev() {
        for c in &p.map.columns {
            labels.insert(c.field, c.label());
        }
    }
    let kind = match wb.kind() {
        FileKind::Csv => "CSV",
        FileKind::Xlsx => "XLSX",
        FileKind::Xls => "XLS",
        FileKind::Html => "HTML 表格（.xls）",
    };
    let main_sheet = members[0].name.clone();
    let member_plans: Vec<(usize, String, HeaderLayout, ColumnMap)> = members.iter().map(|p| (p.index, p.name.clone(), p.layout.clone(), p.map.clone())).collect();
    let side: Vec<(usize, String, HeaderLayout, ColumnMap, SheetRole)> = plans
        .iter()
        .filter(|p| matches!(p.role, SheetRole::Households | SheetRole::Incomes))
        .map(|p| (p.index, p.name.clone(), p.layout.clone(), p.map.clone(), p.role))
        .collect();
    if tx.send(Msg::Layout { kind: kind.into(), encoding: wb.encoding().map(str::to_string), sheet: main_sheet, present, warnings, labels: labels.clone() }).is_err() {
        return;
    }
    // side sheets are small: read them whole
    let mut household_rows = HashMap::new();
    let mut incomes: HashMap<String, Vec<IncomeRecord>> = HashMap::new();
    let mut side_issues = Vec::new();
    for (index, name, layout, map, role) in &side {
        let rows = match data_rows(&mut wb, *index, layout) {
            Ok(r) => r,
            Err(e) => return fatal(tx, &e),
        };
        for raw in rows {
            let row = parse_row(map, name, raw.number, &raw.cells, req.today);
            side_issues.extend(row.issues.iter().cloned());
            let text = |f: HF| row.household.iter().find(|(x, _)| *x == f).and_then(|(_, v)| v.as_text().map(str::to_string));
            match role {
                SheetRole::Incomes => {
                    let (Some(no), Some(year)) = (text(HF::HouseholdNo), row.household.iter().find(|(x, _)| *x == HF::IncomeYear).and_then(|(_, v)| v.as_int())) else { continue };
                    let mut inc = IncomeRecord { year, amounts: [None; 7] };
                    for (i, f) in INCOME_FIELDS.iter().enumerate() {
                        inc.amounts[i] = row.household.iter().find(|(x, _)| x == f).and_then(|(_, v)| v.as_int());
                    }
                    incomes.entry(no).or_default().push(inc);
                }
                _ => {
                    if let Some(k) = text(HF::HouseholdNo).or_else(|| text(HF::HeadId).map(|i| bangfu_domain::ResidentId::parse(&i).map(|r| r.as_str().to_string()).unwrap_or(i))) {
                        household_rows.insert(k, row);
                    }
                }
            }
        }
    }
    for list in incomes.values_mut() {
        list.sort_by_key(|i| i.year);
    }
    let settings = GroupSettings { directory, today: req.today, income_year: req.income_year, default_household_type: req.default_household_type, labels, household_rows, incomes };
    let mut batch = Batch::default();
    batch.issues = side_issues;
    let mut grouper = Grouper::new();
    for (index, name, layout, map) in &member_plans {
        let mut cache = RowCache::default();
        let rows = match wb.rows(*index) {
            Ok(r) => r,
            Err(e) => return fatal(tx, &e),
        };
        let last_header = *layout.header_rows.end();
        for raw in rows {
            let raw = match raw {
                Ok(r) => r,
                Err(e) => return fatal(tx, &e),
            };
            if raw.number <= last_header {
                continue;
            }
            let row: ParsedRow = parse_row_cached(map, name, raw.number, &raw.cells, req.today, &mut cache);
            if row.member.is_none() && row.household.is_empty() && row.issues.is_empty() {
                continue;
            }
            batch.member_rows += 1;
            if let Some(g) = grouper.push(row, &settings) {
                batch.add(g);
                if batch.docs.len() >= BATCH && !batch.send(tx) {
                    return;
                }
            }
        }
    }
    if let Some(g) = grouper.finish(&settings) {
        batch.add(g);
    }
    batch.send(tx);
}

fn data_rows(wb: &mut Workbook, index: usize, layout: &HeaderLayout) -> Result<Vec<bangfu_sheets::RawRow>, SheetError> {
    let last = *layout.header_rows.end();
    wb.rows(index)?.filter(|r| r.as_ref().map(|r| r.number > last).unwrap_or(true)).collect()
}

#[derive(Default)]
struct Batch {
    docs: Vec<bangfu_store::registry::SourcedDoc>,
    issues: Vec<RowIssue>,
    rejected: u64,
    households: u64,
    member_rows: u64,
}

impl Batch {
    fn add(&mut self, g: Grouped) {
        self.households += 1;
        match g {
            Grouped::Valid(d) => self.docs.push(d),
            Grouped::Rejected { issues, .. } => {
                self.rejected += 1;
                self.issues.extend(issues);
            }
        }
    }
    /// Sends and empties the batch; false when the writer has gone.
    fn send(&mut self, tx: &SyncSender<Msg>) -> bool {
        let b = std::mem::take(self);
        tx.send(Msg::Batch { docs: b.docs, issues: b.issues, rejected: b.rejected, households: b.households, member_rows: b.member_rows }).is_ok()
    }
}
