//! The data-quality work list (问题整改清单) as xlsx: one sheet per village, what is wrong, how to
//! fix it, and blank columns for the village to record what it did.

use bangfu_sheets::{Cell, SheetError, TableWriter};
use bangfu_store::quality::FindingRow;
use std::path::Path;

pub const WORK_LIST_HEADER: [&str; 14] =
    ["序号", "乡镇", "村", "户编号", "户主", "成员", "规则编号", "问题类别", "严重程度", "问题", "改正方法", "状态", "整改情况", "核实人及日期"];

/// The cells of one finding in the work list (without the running number).
pub fn work_list_cells(r: &FindingRow) -> Vec<Cell> {
    let text = |s: &str| if s.is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) };
    let def = r.rule().map(|x| x.def());
    vec![
        text(&r.township_name),
        text(&r.village_name),
        text(r.household_no.as_deref().unwrap_or_default()),
        text(r.head_name.as_deref().unwrap_or_default()),
        text(r.member_name.as_deref().unwrap_or_default()),
        text(&r.rule_code),
        text(def.map(|d| d.group).unwrap_or_default()),
        text(r.severity.label()),
        text(&format!("{}：{}", def.map(|d| d.title).unwrap_or_default(), r.message)),
        text(def.map(|d| d.fix).unwrap_or_default()),
        text(r.state.label()),
        Cell::Empty,
        Cell::Empty,
    ]
}

/// Writes `rows` (ordered by region) to an xlsx file, one sheet per village. Returns the number of sheets.
pub fn write_work_list(path: &Path, rows: &[FindingRow]) -> Result<usize, SheetError> {
    let mut w = bangfu_sheets::xlsx_writer(path)?;
    let sheets = write_to(&mut *w, rows)?;
    w.finish()?;
    Ok(sheets)
}

/// Writes the work list into any table writer.
pub fn write_to(w: &mut dyn TableWriter, rows: &[FindingRow]) -> Result<usize, SheetError> {
    let mut sheets = 0;
    let mut current: Option<&str> = None;
    let mut n = 0i64;
    for r in rows {
        if current != Some(r.region_code.as_str()) {
            current = Some(&r.region_code);
            sheets += 1;
            n = 0;
            let name = if r.village_name.is_empty() { r.region_code.clone() } else { format!("{}{}", r.township_name, r.village_name) };
            w.begin_table(&name, &WORK_LIST_HEADER)?;
        }
        n += 1;
        let mut cells = vec![Cell::Int(n)];
        cells.extend(work_list_cells(r));
        w.write_row(&cells)?;
    }
    if sheets == 0 {
        w.begin_table("问题整改清单", &WORK_LIST_HEADER)?;
        sheets = 1;
    }
    Ok(sheets)
}
