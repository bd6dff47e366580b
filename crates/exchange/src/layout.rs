//! Column layouts: which field each header names (import) and the column order written (export).

use bangfu_domain::fields::{lookup_header, FieldRef, HouseholdField as HF, MemberField as MF, Storage};
use bangfu_sheets::HeaderLayout;

/// A column of the file and the field it holds.
#[derive(Debug, Clone)]
pub struct MappedColumn {
    pub index: usize,
    pub letter: String,
    pub header: String,
    pub field: FieldRef,
}

impl MappedColumn {
    /// "C（证件号码）" for messages.
    pub fn label(&self) -> String {
        format!("{}（{}）", self.letter, self.header)
    }
}

/// The header of one sheet resolved to fields.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    pub columns: Vec<MappedColumn>,
    /// Columns no field answers to: (letter, header).
    pub unknown: Vec<(String, String)>,
    /// Columns naming a field an earlier column already holds: (letter, header, first letter).
    pub duplicates: Vec<(String, String, String)>,
}

/// Whether a normalised header names a known field (for header detection).
pub fn is_known(normalized: &str) -> bool {
    lookup_header(normalized).is_some()
}

pub fn map_columns(layout: &HeaderLayout) -> ColumnMap {
    let mut map = ColumnMap::default();
    for col in &layout.columns {
        let found = col.candidates.iter().find_map(|c| lookup_header(c));
        match found {
            Some(field) => match map.columns.iter().find(|m| m.field == field) {
                Some(first) => map.duplicates.push((col.letter.clone(), col.text.clone(), first.letter.clone())),
                None => map.columns.push(MappedColumn { index: col.index, letter: col.letter.clone(), header: col.text.clone(), field }),
            },
            None => map.unknown.push((col.letter.clone(), col.text.clone())),
        }
    }
    map
}

impl ColumnMap {
    pub fn has(&self, f: FieldRef) -> bool {
        self.columns.iter().any(|c| c.field == f)
    }
    fn has_member_fields(&self) -> bool {
        self.has(FieldRef::Member(MF::IdNumber))
    }
    fn has_income(&self) -> bool {
        self.columns.iter().any(|c| matches!(c.field, FieldRef::Household(f) if f.def().storage == Storage::Income && f != HF::IncomeYear))
    }
}

/// What a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetRole {
    /// One row per member (household fields repeated, only on the head's row, or absent).
    Members,
    /// One row per household, linked to a members sheet by 户编号 or 户主证件号码.
    Households,
    /// Incomes by year: 户编号, 收入年度 and components.
    Incomes,
    Unknown,
}

pub fn classify(map: &ColumnMap) -> SheetRole {
    if map.has_member_fields() {
        SheetRole::Members
    } else if map.has(FieldRef::Household(HF::IncomeYear)) && map.has_income() && map.has(FieldRef::Household(HF::HouseholdNo)) && !map.has(FieldRef::Household(HF::HouseholdType)) {
        SheetRole::Incomes
    } else if map.has(FieldRef::Household(HF::HouseholdNo)) || map.has(FieldRef::Household(HF::HeadId)) {
        SheetRole::Households
    } else {
        SheetRole::Unknown
    }
}

/// Columns of the export (and of the demo files): the importer reads every one of them back.
pub fn export_columns() -> Vec<FieldRef> {
    let mut cols: Vec<FieldRef> = HF::ALL
        .iter()
        .filter(|f| f.def().storage != Storage::Income)
        .map(|f| FieldRef::Household(*f))
        .collect();
    cols.extend(MF::ALL.iter().map(|f| FieldRef::Member(*f)));
    cols.extend(HF::ALL.iter().filter(|f| f.def().storage == Storage::Income).map(|f| FieldRef::Household(*f)));
    cols
}

/// Columns of the income-history sheet of an xlsx export.
pub fn income_sheet_columns() -> Vec<FieldRef> {
    let mut cols = vec![FieldRef::Household(HF::HouseholdNo), FieldRef::Household(HF::HeadId)];
    cols.extend(HF::ALL.iter().filter(|f| f.def().storage == Storage::Income).map(|f| FieldRef::Household(*f)));
    cols
}
