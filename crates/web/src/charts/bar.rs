//! Bar charts: horizontal bars (categories, regions) and vertical columns (e.g. counts by year),
//! each with its value written out and linked to the households behind it.

use super::svg::{clean, close, empty, esc, fit, format_number, link_close, link_open, n, nice_ticks, open, text_width, tick_label, GRID, MUTED, PAD};
use super::ChartOpts;
use std::fmt::Write;

/// One bar: its label, its value and, optionally, where its households are listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub href: Option<String>,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: f64) -> Bar {
        Bar { label: label.into(), value, href: None }
    }
    pub fn link(mut self, href: impl Into<String>) -> Bar {
        self.href = Some(href.into());
        self
    }
}

const FONT: f64 = 13.0;
const ROW: f64 = 26.0;
const BAR: f64 = 16.0;
const AXIS: f64 = 22.0;

fn value_text(v: f64, unit: &str) -> String {
    format!("{}{unit}", format_number(v))
}

/// Horizontal bars, top to bottom in the given order, with a value label after each bar and an axis below.
pub fn bar_chart(title: &str, bars: &[Bar], opts: &ChartOpts) -> String {
    if bars.is_empty() {
        return empty(title, opts);
    }
    let w = opts.width;
    let max = bars.iter().map(|b| clean(b.value)).fold(opts.axis_at_least, f64::max);
    let ticks = nice_ticks(max, 4);
    let axis_max = *ticks.last().unwrap_or(&1.0);
    let label_w = bars.iter().map(|b| text_width(&b.label, FONT)).fold(0.0, f64::max).min(w * 0.35);
    let value_w = bars.iter().map(|b| text_width(&value_text(clean(b.value), &opts.unit), FONT)).fold(0.0, f64::max) + 6.0;
    let x0 = PAD + label_w + 6.0;
    let plot_w = (w - PAD - value_w - x0).max(20.0);
    let height = super::svg::title_height(opts) + bars.len() as f64 * ROW + AXIS + PAD;
    let mut out = String::new();
    let top = open(&mut out, title, opts, height);
    let bottom = top + bars.len() as f64 * ROW;
    for t in &ticks {
        let x = x0 + t / axis_max * plot_w;
        let _ = write!(
            out,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{GRID}"/><text x="{x}" y="{}" font-size="11" fill="{MUTED}" text-anchor="middle">{}</text>"#,
            n(top),
            n(bottom),
            n(bottom + 15.0),
            esc(&tick_label(*t, axis_max)),
            x = n(x)
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let v = clean(b.value);
        let y = top + i as f64 * ROW + (ROW - BAR) / 2.0;
        let bw = v / axis_max * plot_w;
        let value = value_text(v, &opts.unit);
        link_open(&mut out, b.href.as_deref());
        let _ = write!(
            out,
            r#"<g><title>{}：{}</title><text x="{}" y="{ty}" text-anchor="end">{}</text><rect x="{}" y="{}" width="{}" height="{BAR}" fill="{}"/><text x="{}" y="{ty}">{}</text></g>"#,
            esc(&b.label),
            esc(&value),
            n(x0 - 6.0),
            esc(&fit(&b.label, label_w, FONT)),
            n(x0),
            n(y),
            n(bw),
            esc(&opts.color),
            n(x0 + bw + 4.0),
            esc(&value),
            ty = n(y + BAR - 3.0)
        );
        link_close(&mut out, b.href.as_deref());
    }
    close(&mut out);
    out
}

/// Vertical columns, left to right in the given order, with the value above each column and the
/// label below it; a value axis with grid lines on the left.
pub fn column_chart(title: &str, bars: &[Bar], opts: &ChartOpts) -> String {
    if bars.is_empty() {
        return empty(title, opts);
    }
    let w = opts.width;
    let plot_h = 180.0;
    let max = bars.iter().map(|b| clean(b.value)).fold(opts.axis_at_least, f64::max);
    let ticks = nice_ticks(max, 4);
    let axis_max = *ticks.last().unwrap_or(&1.0);
    let tick_w = ticks.iter().map(|t| text_width(&tick_label(*t, axis_max), 11.0)).fold(0.0, f64::max);
    let x0 = PAD + tick_w + 6.0;
    let slot = (w - PAD - x0) / bars.len() as f64;
    let height = super::svg::title_height(opts) + 16.0 + plot_h + AXIS + PAD;
    let mut out = String::new();
    let top = open(&mut out, title, opts, height) + 16.0;
    let bottom = top + plot_h;
    for t in &ticks {
        let y = bottom - t / axis_max * plot_h;
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{GRID}"/><text x="{}" y="{}" font-size="11" fill="{MUTED}" text-anchor="end">{}</text>"#,
            n(x0),
            n(w - PAD),
            n(x0 - 4.0),
            n(y + 4.0),
            esc(&tick_label(*t, axis_max)),
            y = n(y)
        );
    }
    let label_font = FONT.min(slot / 2.0).max(8.0);
    for (i, b) in bars.iter().enumerate() {
        let v = clean(b.value);
        let cx = x0 + (i as f64 + 0.5) * slot;
        let bh = v / axis_max * plot_h;
        let bw = slot * 0.7;
        let value = value_text(v, &opts.unit);
        let value_font = (slot / (text_width(&value, 1.0) + 0.2)).clamp(7.0, 12.0);
        link_open(&mut out, b.href.as_deref());
        let _ = write!(
            out,
            r#"<g><title>{}：{}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{}"/><text x="{cx}" y="{}" font-size="{}" text-anchor="middle">{}</text><text x="{cx}" y="{}" font-size="{}" text-anchor="middle">{}</text></g>"#,
            esc(&b.label),
            esc(&value),
            n(cx - bw / 2.0),
            n(bottom - bh),
            n(bw),
            n(bh),
            esc(&opts.color),
            n(bottom - bh - 4.0),
            n(value_font),
            esc(&value),
            n(bottom + 16.0),
            n(label_font),
            esc(&fit(&b.label, slot - 2.0, label_font)),
            cx = n(cx)
        );
        link_close(&mut out, b.href.as_deref());
    }
    close(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn villages() -> Vec<Bar> {
        vec![
            Bar::new("西田村", 1210.0).link("/households?region=431099101201&type=poor"),
            Bar::new("<script>alert(1)</script>", 35.0).link("/households?a=1&b=\"2\""),
            Bar::new("东山村", 0.0),
        ]
    }

    #[test]
    fn bars_are_an_accessible_svg_with_every_value_written_out() {
        let svg = bar_chart("各村户数", &villages(), &ChartOpts::unit("户"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title>各村户数</title>") && svg.contains("viewBox=\"0 0 480 "));
        assert!(svg.contains("Microsoft YaHei") && !svg.contains("@font-face") && !svg.contains("http://fonts"));
        assert!(svg.contains(">1,210户</text>") && svg.contains(">35户</text>") && svg.contains(">0户</text>"));
        assert_eq!(svg.matches("<rect").count(), 3);
    }

    #[test]
    fn labels_and_links_are_escaped() {
        let svg = bar_chart("<b>各村</b>", &villages(), &ChartOpts::default());
        assert!(!svg.contains("<script>") && !svg.contains("<b>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains(r#"<a href="/households?a=1&amp;b=&quot;2&quot;">"#));
        assert!(svg.contains("<title>&lt;b&gt;各村&lt;/b&gt;</title>"));
    }

    #[test]
    fn bars_with_a_link_are_wrapped_in_it_and_others_are_not() {
        let svg = bar_chart("各村户数", &villages(), &ChartOpts::default());
        assert_eq!(svg.matches("<a href=").count(), 2);
        assert!(svg.contains(r#"<a href="/households?region=431099101201&amp;type=poor"><g><title>西田村：1,210</title>"#));
        let a = svg.find("<a href=\"/households?region").unwrap();
        let close = a + svg[a..].find("</a>").unwrap();
        assert!(svg[a..close].contains(">西田村</text>") && svg[a..close].contains(">1,210</text>"), "label and value inside the link");
    }

    #[test]
    fn the_longest_bar_ends_at_the_axis_maximum() {
        let svg = bar_chart("t", &[Bar::new("a", 100.0), Bar::new("b", 50.0)], &ChartOpts::default());
        // ticks 0, 50, 100: the bar of 100 spans the whole plot, the bar of 50 half of it
        let widths: Vec<f64> = svg.split("<rect").skip(1).filter_map(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok()).collect();
        assert!((widths[0] - 2.0 * widths[1]).abs() < 0.2, "{widths:?}");
        assert!(svg.contains(">50</text>") && svg.contains(">100</text>"));
    }

    #[test]
    fn a_percentage_axis_reaches_100_even_when_every_bar_is_low() {
        let bars = [Bar::new("城关镇", 20.0), Bar::new("白沙镇", 0.0)];
        let width = |svg: &str| -> f64 { svg.split("<rect").nth(1).and_then(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok()).unwrap() };
        let percent = bar_chart("办结率", &bars, &ChartOpts { axis_at_least: 100.0, ..ChartOpts::unit("%") });
        let plain = bar_chart("办结率", &bars, &ChartOpts::unit("%"));
        assert!(percent.contains(">100</text>") && percent.contains(">20%</text>") && percent.contains(">0%</text>"), "{percent}");
        // without it the axis ends at 20 and the bar fills the plot
        assert!((width(&percent) * 5.0 - width(&plain)).abs() < 0.5, "20 is a fifth of a 0–100 axis: {} of {}", width(&percent), width(&plain));
    }

    #[test]
    fn empty_zero_and_huge_data_still_render() {
        for svg in [bar_chart("各村户数", &[], &ChartOpts::default()), column_chart("逐年", &[], &ChartOpts::default())] {
            assert!(svg.contains("暂无数据") && svg.contains("<title>") && !svg.contains("<rect"));
        }
        let zeros = bar_chart("t", &[Bar::new("a", 0.0), Bar::new("b", f64::NAN)], &ChartOpts::default());
        assert!(!zeros.contains("NaN") && !zeros.contains("inf") && zeros.contains(">0</text>"));
        let huge = bar_chart("t", &[Bar::new("全国", 1_234_567_890_123.0)], &ChartOpts::default());
        assert!(huge.contains(">1,234,567,890,123</text>") && huge.contains("亿</text>"), "{huge}");
    }

    #[test]
    fn columns_stand_on_a_value_axis_with_labels_below() {
        let years: Vec<Bar> = (2016..=2025).map(|y| Bar::new(y.to_string(), (y - 2015) as f64 * 1000.0).link(format!("/events?year={y}"))).collect();
        let svg = column_chart("历年新识别户数", &years, &ChartOpts::unit("户"));
        assert_eq!(svg.matches("<a href=\"/events?year=").count(), 10);
        assert!(svg.contains(">2016</text>") && svg.contains(">10,000户</text>"));
        assert!(svg.contains(">10,000</text>"), "the top tick");
        assert!(!svg.contains("NaN"));
    }
}
