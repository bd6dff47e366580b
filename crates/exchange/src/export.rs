//! `export households`: the registry in scope, filtered, as xlsx or CSV in the importer's layout
//! (one row per member, household columns repeated), so that export → import gives the same registry.

use crate::layout::{export_columns, income_sheet_columns};
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, Storage};
use bangfu_domain::registry::{HouseholdDoc, IncomeRecord};
use bangfu_domain::value::{Kind, Value};
use bangfu_domain::{RegionCode, RegionScope};
use bangfu_sheets::{Cell, SheetError, TableWriter};
use bangfu_store::regions::Directory;
use bangfu_store::registry::query::{matching_ids, FieldFilter};
use bangfu_store::registry::read;
use bangfu_store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// From a file name's extension (xlsx by default).
    pub fn from_path(p: &Path) -> Format {
        match p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => Format::Csv,
            _ => Format::Xlsx,
        }
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub path: PathBuf,
    pub format: Format,
    pub scope: RegionScope,
    pub region: Option<RegionCode>,
    pub filters: Vec<FieldFilter>,
    /// Full phone numbers and bank accounts (otherwise masked, and the file cannot be re-imported as is).
    pub include_protected: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ExportReport {
    pub households: u64,
    pub rows: u64,
    pub seconds: f64,
    pub path: PathBuf,
}

#[derive(Debug)]
pub enum ExportError {
    Store(StoreError),
    Sheet(SheetError),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Store(e) => write!(f, "{e}"),
            ExportError::Sheet(e) => write!(f, "{e}"),
        }
    }
}
impl std::error::Error for ExportError {}
impl From<StoreError> for ExportError {
    fn from(e: StoreError) -> Self {
        ExportError::Store(e)
    }
}
impl From<SheetError> for ExportError {
    fn from(e: SheetError) -> Self {
        ExportError::Sheet(e)
    }
}

/// Writes households as rows of the import layout.
pub struct DocWriter {
    out: Box<dyn TableWriter>,
    columns: Vec<FieldRef>,
    mask: bool,
    pub rows: u64,
}

impl DocWriter {
    pub fn create(path: &Path, format: Format, mask: bool) -> Result<DocWriter, SheetError> {
        let mut out = match format {
            Format::Xlsx => bangfu_sheets::xlsx_writer(path)?,
            Format::Csv => bangfu_sheets::csv_writer(path)?,
        };
        let columns = export_columns();
        let header: Vec<&str> = columns.iter().map(|c| c.def().label).collect();
        out.begin_table("户成员", &header)?;
        Ok(DocWriter { out, columns, mask, rows: 0 })
    }

    /// The header labels, in order (for tests and defect injection).
    pub fn header(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.def().label).collect()
    }

    /// Cells of every member row of a household, before writing (used by defect injection).
    pub fn rows_of(&self, doc: &HouseholdDoc, names: &[String; 5]) -> Vec<Vec<Cell>> {
        let income = doc.latest_income();
        let head = doc.head();
        doc.members
            .iter()
            .map(|m| {
                self.columns
                    .iter()
                    .map(|f| match f {
                        FieldRef::Household(hf) | FieldRef::InvertedHousehold(hf) => match hf {
                            HF::ProvinceName => text(&names[0]),
                            HF::CityName => text(&names[1]),
                            HF::CountyName => text(&names[2]),
                            HF::TownshipName => text(&names[3]),
                            HF::VillageName => text(&names[4]),
                            HF::HeadName => head.map(|h| text(h.name())).unwrap_or(Cell::Empty),
                            HF::HeadId => head.map(|h| Cell::Text(h.resident_id.as_str().to_string())).unwrap_or(Cell::Empty),
                            HF::IncomeYear => income.map(|i| Cell::Int(i.year)).unwrap_or(Cell::Empty),
                            f if f.def().storage == Storage::Income => income.and_then(|i| i.amount(*f)).map(hundredths).unwrap_or(Cell::Empty),
                            f => cell(f.def().kind, doc.get(*f), self.mask),
                        },
                        FieldRef::Member(mf) => cell(mf.def().kind, m.get(*mf), self.mask),
                    })
                    .collect()
            })
            .collect()
    }

    pub fn write_rows(&mut self, rows: &[Vec<Cell>]) -> Result<(), SheetError> {
        for r in rows {
            self.out.write_row(r)?;
            self.rows += 1;
        }
        Ok(())
    }

    pub fn write_doc(&mut self, doc: &HouseholdDoc, names: &[String; 5]) -> Result<(), SheetError> {
        let rows = self.rows_of(doc, names);
        self.write_rows(&rows)
    }

    /// Adds the income-history sheet (xlsx only).
    pub fn begin_income_sheet(&mut self) -> Result<(), SheetError> {
        let header: Vec<&str> = income_sheet_columns().iter().map(|c| c.def().label).collect();
        self.out.begin_table("历年收入", &header)
    }

    pub fn write_income(&mut self, doc: &HouseholdDoc, inc: &IncomeRecord) -> Result<(), SheetError> {
        let mut row = vec![
            doc.get(HF::HouseholdNo).as_text().map(text).unwrap_or(Cell::Empty),
            doc.head().map(|h| Cell::Text(h.resident_id.as_str().to_string())).unwrap_or(Cell::Empty),
            Cell::Int(inc.year),
        ];
        row.extend(inc.amounts.iter().map(|a| a.map(hundredths).unwrap_or(Cell::Empty)));
        self.out.write_row(&row)
    }

    pub fn finish(self) -> Result<(), SheetError> {
        self.out.finish()
    }
}

fn text(s: &str) -> Cell {
    if s.is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) }
}

fn hundredths(v: i64) -> Cell {
    if v % 100 == 0 { Cell::Int(v / 100) } else { Cell::Number(v as f64 / 100.0) }
}

/// A value as a spreadsheet cell: numbers as numbers, codes as their Chinese labels.
fn cell(kind: Kind, v: &Value, mask: bool) -> Cell {
    match (kind, v) {
        (_, Value::Null) => Cell::Empty,
        (Kind::Money | Kind::Hundredths, Value::Int(i)) => hundredths(*i),
        (_, Value::Int(i)) => Cell::Int(*i),
        (_, Value::Date(d)) => Cell::Date(*d),
        (_, Value::Secret(s)) => Cell::Text(if mask { s.masked() } else { s.reveal().to_string() }),
        (k, v) => text(&bangfu_domain::value::format_value(k, v)),
    }
}

/// Exports the households in scope that match the filters.
pub fn export_households(store: &mut Store, req: &ExportRequest, progress: &mut dyn FnMut(u64)) -> Result<ExportReport, ExportError> {
    let started = Instant::now();
    let directory = Directory::load(&mut store.conn, &req.scope)?;
    let mut w = DocWriter::create(&req.path, req.format, !req.include_protected)?;
    let mut households = 0u64;
    let mut multi_year = false;
    each_household(store, req, |h| {
        let names = h.doc.region_code().map(|c| directory.path_names(&c)).unwrap_or_default();
        multi_year |= h.doc.incomes.len() > 1;
        w.write_doc(&h.doc, &names)?;
        households += 1;
        if households.is_multiple_of(1000) {
            progress(households);
        }
        Ok(())
    })?;
    progress(households);
    if multi_year && req.format == Format::Xlsx {
        w.begin_income_sheet()?;
        each_household(store, req, |h| {
            for inc in &h.doc.incomes {
                w.write_income(&h.doc, inc)?;
            }
            Ok(())
        })?;
    }
    let rows = w.rows;
    w.finish()?;
    Ok(ExportReport { households, rows, seconds: started.elapsed().as_secs_f64(), path: req.path.clone() })
}

/// Calls `f` for every household the request selects, loading them 1,000 at a time in id order.
fn each_household(store: &mut Store, req: &ExportRequest, mut f: impl FnMut(&read::StoredHousehold) -> Result<(), ExportError>) -> Result<(), ExportError> {
    let mut after = 0i64;
    loop {
        let ids = matching_ids(&mut store.conn, &req.scope, req.region.as_ref(), &req.filters, after, 1000)?;
        let Some(last) = ids.last() else { return Ok(()) };
        after = *last;
        for h in read::load(&mut store.conn, &store.keys, &req.scope, &ids)? {
            f(&h)?;
        }
    }
}
