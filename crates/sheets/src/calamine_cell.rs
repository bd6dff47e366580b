//! Converting calamine cell values (xlsx and xls) to the strings callers see.

use crate::cellfmt::{
    format_duration_days, format_iso_datetime, format_number, format_ymd_hms, trim_owned,
};
use calamine::{CellErrorType, Data, DataRef, ExcelDateTime};

/// A converted cell: its text, or the Excel error value it holds.
pub(crate) type Converted = Result<String, CellErrorType>;

fn datetime(dt: &ExcelDateTime) -> String {
    let v = dt.as_f64();
    if dt.is_duration() {
        return format_duration_days(v);
    }
    if !v.is_finite() {
        return format_number(v);
    }
    if (0.0..1.0).contains(&v) && v > 0.0 {
        // A time of day without a date.
        let (_, _, _, h, mi, s, _) = dt.to_ymd_hms_milli();
        return format!("{h:02}:{mi:02}:{s:02}");
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    format_ymd_hms(y, mo, d, h, mi, s)
}

fn bool_text(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.to_string()
}

/// Converts an xlsx cell value.
pub(crate) fn convert_ref(d: &DataRef<'_>) -> Converted {
    Ok(match d {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format_number(*f),
        DataRef::String(s) => trim_owned(s.clone()),
        DataRef::SharedString(s) => crate::cellfmt::trim_cell(s).to_string(),
        DataRef::Bool(b) => bool_text(*b),
        DataRef::DateTime(dt) => datetime(dt),
        DataRef::DateTimeIso(s) => format_iso_datetime(s),
        DataRef::DurationIso(s) => s.trim().to_string(),
        DataRef::Error(e) => return Err(e.clone()),
        DataRef::Empty => String::new(),
    })
}

/// Converts an xls cell value.
pub(crate) fn convert(d: &Data) -> Converted {
    Ok(match d {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_number(*f),
        Data::String(s) => crate::cellfmt::trim_cell(s).to_string(),
        Data::Bool(b) => bool_text(*b),
        Data::DateTime(dt) => datetime(dt),
        Data::DateTimeIso(s) => format_iso_datetime(s),
        Data::DurationIso(s) => s.trim().to_string(),
        Data::Error(e) => return Err(e.clone()),
        Data::Empty => String::new(),
    })
}

/// The message for a cell holding a formula error value.
pub(crate) fn error_message(e: &CellErrorType) -> String {
    format!("单元格是公式错误值 {e}，请在 Excel 中改正后再导出")
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn conversions() {
        assert_eq!(convert(&Data::Float(3.0)), Ok("3".into()));
        assert_eq!(convert(&Data::Bool(true)), Ok("TRUE".into()));
        assert_eq!(
            convert(&Data::String(" 张三\u{3000}".into())),
            Ok("张三".into())
        );
        let d = ExcelDateTime::new(45293.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(convert(&Data::DateTime(d)), Ok("2024-01-02".into()));
        let d = ExcelDateTime::new(45293.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(
            convert(&Data::DateTime(d)),
            Ok("2024-01-02 12:00:00".into())
        );
        let d = ExcelDateTime::new(0.25, ExcelDateTimeType::DateTime, false);
        assert_eq!(convert(&Data::DateTime(d)), Ok("06:00:00".into()));
        assert_eq!(
            convert(&Data::Error(CellErrorType::NA)),
            Err(CellErrorType::NA)
        );
        assert!(error_message(&CellErrorType::NA).contains("#N/A"));
    }
}
