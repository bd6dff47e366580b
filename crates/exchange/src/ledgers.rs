//! The monthly ledgers offices print (台账), as xlsx: 走访台账 (every visit in a village that month:
//! date, household, head, helper, what was checked, problems, help given) and 帮扶工作台账 (each
//! helper's paired households with this month's visits and the measures). Each sheet has the
//! layout of the paper ledger: a title row with the place and month, the column header, the rows,
//! and the signature lines at the bottom. One sheet per village.
//!
//! Simplification: the title is the first row of the sheet (bold like a header) rather than a
//! merged cell, because the shared table writer writes one header row per sheet.

use bangfu_domain::compliance::Month;
use bangfu_sheets::{Cell, SheetError, TableWriter};
use bangfu_store::compliance::{VisitLedgerRow, WorkLedgerRow};
use std::path::Path;

pub const VISIT_LEDGER_HEADER: [&str; 12] =
    ["序号", "走访日期", "时间", "户编号", "户主", "帮扶责任人", "走访内容（核查事项）", "发现问题", "帮扶措施（解决情况）", "帮扶资金（元）", "帮扶物资", "户主签字"];

pub const WORK_LEDGER_HEADER: [&str; 11] =
    ["序号", "帮扶责任人", "工作单位", "职务", "结对户户编号", "户主", "结对时间", "本月走访次数", "最近走访日期", "帮扶措施", "备注"];

/// What a visit checked, from the stored codes to the words on the paper form.
pub fn checked_label(codes: &str) -> String {
    codes
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| match c {
            "guarantees" => "两不愁三保障",
            "income" => "收入情况",
            "needs" => "帮扶需求",
            "policies" => "政策落实",
            "housing" => "住房安全",
            "water" => "饮水安全",
            "medical" => "基本医疗",
            "education" => "义务教育",
            "employment" => "就业务工",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn text(s: Option<&str>) -> Cell {
    match s {
        Some(t) if !t.trim().is_empty() => Cell::Text(t.to_string()),
        _ => Cell::Empty,
    }
}

fn title_header(title: String, width: usize) -> Vec<String> {
    let mut v = vec![title];
    v.resize(width, String::new());
    v
}

fn header_row(h: &[&str]) -> Vec<Cell> {
    h.iter().map(|s| Cell::Text(s.to_string())).collect()
}

fn signatures(w: &mut dyn TableWriter, lines: &[&str]) -> Result<(), SheetError> {
    w.write_row(&[Cell::Empty])?;
    for l in lines {
        w.write_row(&[Cell::Text(l.to_string())])?;
    }
    Ok(())
}

/// Writes the 走访台账 of `place` (the scope's name, e.g. a township) for a month. Returns the sheets.
pub fn write_visit_ledger(path: &Path, place: &str, month: Month, rows: &[VisitLedgerRow]) -> Result<usize, SheetError> {
    let mut w = bangfu_sheets::xlsx_writer(path)?;
    let n = visit_ledger_to(&mut *w, place, month, rows)?;
    w.finish()?;
    Ok(n)
}

/// The 走访台账 into any table writer (rows ordered by village).
pub fn visit_ledger_to(w: &mut dyn TableWriter, place: &str, month: Month, rows: &[VisitLedgerRow]) -> Result<usize, SheetError> {
    let mut sheets = 0;
    let mut i = 0;
    while i < rows.len() || (sheets == 0 && i == 0) {
        let village = rows.get(i).map(|r| (r.village_code.clone(), r.village_name.clone()));
        let (code, name) = village.clone().unwrap_or_default();
        let title = format!("{place}{name}{}帮扶责任人走访台账", month.label());
        let headers = title_header(title, VISIT_LEDGER_HEADER.len());
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        w.begin_table(if name.is_empty() { "走访台账" } else { &name }, &refs)?;
        w.write_row(&header_row(&VISIT_LEDGER_HEADER))?;
        sheets += 1;
        let mut n = 0;
        while i < rows.len() && rows[i].village_code == code {
            let r = &rows[i];
            n += 1;
            let time = match (&r.start_time, &r.end_time) {
                (Some(a), Some(b)) => Some(format!("{a}–{b}")),
                (Some(a), None) => Some(a.clone()),
                _ => None,
            };
            w.write_row(&[
                Cell::Int(n),
                Cell::Date(r.occurred_on),
                text(time.as_deref()),
                text(r.household_no.as_deref()),
                text(r.head_name.as_deref()),
                text(Some(&r.helpers)),
                text(r.checked.as_deref().map(checked_label).as_deref()),
                text(r.problems.as_deref()),
                text(r.help_given.as_deref()),
                r.money_fen.map(|f| Cell::Number(f as f64 / 100.0)).unwrap_or(Cell::Empty),
                text(r.goods.as_deref()),
                Cell::Empty,
            ])?;
            i += 1;
        }
        signatures(w, &[&format!("本月走访 {n} 次。"), "填表人：　　　　　　村（社区）负责人：　　　　　　驻村第一书记：　　　　　　", "乡镇审核人：　　　　　　（盖章）　　　　　　日期：　　　年　　月　　日"])?;
        if village.is_none() {
            break;
        }
    }
    Ok(sheets)
}

/// Writes the 帮扶工作台账 of `place` for a month (rows ordered by helper). Returns the sheets.
pub fn write_work_ledger(path: &Path, place: &str, month: Month, rows: &[WorkLedgerRow]) -> Result<usize, SheetError> {
    let mut w = bangfu_sheets::xlsx_writer(path)?;
    let n = work_ledger_to(&mut *w, place, month, rows)?;
    w.finish()?;
    Ok(n)
}

/// The 帮扶工作台账 into any table writer: one sheet per village, rows grouped by helper.
pub fn work_ledger_to(w: &mut dyn TableWriter, place: &str, month: Month, rows: &[WorkLedgerRow]) -> Result<usize, SheetError> {
    let mut by_village: std::collections::BTreeMap<(&str, &str), Vec<&WorkLedgerRow>> = Default::default();
    for r in rows {
        by_village.entry((r.village_code.as_str(), r.village_name.as_str())).or_default().push(r);
    }
    if by_village.is_empty() {
        by_village.insert(("", ""), Vec::new());
    }
    let mut sheets = 0;
    for ((_, name), list) in by_village {
        let title = format!("{place}{name}{}帮扶工作台账", month.label());
        let headers = title_header(title, WORK_LEDGER_HEADER.len());
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        w.begin_table(if name.is_empty() { "帮扶工作台账" } else { name }, &refs)?;
        w.write_row(&header_row(&WORK_LEDGER_HEADER))?;
        sheets += 1;
        let (mut visits, mut helpers) = (0, std::collections::BTreeSet::new());
        for (i, r) in list.iter().enumerate() {
            visits += r.visits_month;
            helpers.insert(r.helper_id);
            w.write_row(&[
                Cell::Int(i as i64 + 1),
                Cell::Text(r.helper_name.clone()),
                text(r.unit_name.as_deref()),
                text(r.position.as_deref()),
                text(r.household_no.as_deref()),
                text(r.head_name.as_deref()),
                r.paired_since.map(Cell::Date).unwrap_or(Cell::Empty),
                Cell::Int(r.visits_month),
                r.last_visit.map(Cell::Date).unwrap_or(Cell::Empty),
                text(Some(&r.measures)),
                if r.visits_month == 0 { Cell::Text("本月未走访".into()) } else { Cell::Empty },
            ])?;
        }
        signatures(w, &[
            &format!("帮扶责任人 {} 人，结对户 {} 户，本月走访 {visits} 次。", helpers.len(), list.len()),
            "帮扶责任人签字：　　　　　　帮扶单位负责人：　　　　　　",
            "村（社区）审核：　　　　　　乡镇审核：　　　　　　日期：　　　年　　月　　日",
        ])?;
    }
    Ok(sheets)
}
