//! Charts as SVG rendered on the server (no JavaScript, print-friendly).
//!
//! Every chart is a function returning an inline `<svg>` string: `role="img"` with a `<title>`,
//! sized by its viewBox (it scales down to a 360 px phone and up for print), Chinese labels in the
//! system CJK fonts, every label XML-escaped (village names are user data), and each bar, bin or
//! slice wrapped in `<a href>` when it has a link, so every number leads to the households behind it.
//! Empty data renders "暂无数据".

pub mod bar;
pub mod donut;
pub mod histogram;
pub mod svg;

pub use bar::{bar_chart, column_chart, Bar};
pub use donut::{donut, Slice};
pub use histogram::{histogram, Bin};
pub use svg::{format_compact, format_number, nice_ticks};

/// Options shared by the charts.
#[derive(Debug, Clone)]
pub struct ChartOpts {
    /// Width of the viewBox; the height follows from the data. 480 keeps 13-unit text legible on a 360 px phone.
    pub width: f64,
    /// Appended to value labels, e.g. "户" or "人".
    pub unit: String,
    /// Fill of bars and bins (a CSS color).
    pub color: String,
    /// Draw the title inside the chart (it is always the accessible name).
    pub show_title: bool,
    /// Formats a histogram's bin edges (e.g. fen as 元); thousands separators, 万/亿 when large, by default.
    pub x_format: fn(f64) -> String,
    /// The value axis reaches at least this far (100 for percentages), whatever the data.
    pub axis_at_least: f64,
}

impl Default for ChartOpts {
    fn default() -> Self {
        ChartOpts { width: 480.0, unit: String::new(), color: "#2f6fb0".into(), show_title: true, x_format: svg::format_compact, axis_at_least: 0.0 }
    }
}

impl ChartOpts {
    /// Default options with a unit for the value labels.
    pub fn unit(unit: &str) -> ChartOpts {
        ChartOpts { unit: unit.into(), ..ChartOpts::default() }
    }
}
