//! A histogram (e.g. households by per-capita net income) with an optional marked value, such as
//! the poverty or monitoring line, drawn as a labelled vertical line.

use super::svg::{close, empty, esc, fit, format_number, link_close, link_open, n, nice_ticks, open, text_width, tick_label, GRID, MUTED, PAD};
use super::ChartOpts;
use std::fmt::Write;

/// One bin `[from, to)` and its count; `from` may be −∞ and `to` +∞ for open-ended bins.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub count: i64,
    pub href: Option<String>,
}

const MARKER: &str = "#c0392b";

/// How a bin reads in its tooltip: "4,000–6,000", "低于 4,000", "20,000 及以上".
fn range_text(b: &Bin, f: fn(f64) -> String) -> String {
    match (b.from.is_finite(), b.to.is_finite()) {
        (true, true) => format!("{}–{}", f(b.from), f(b.to)),
        (false, true) => format!("低于 {}", f(b.to)),
        (true, false) => format!("{} 及以上", f(b.from)),
        (false, false) => "全部".into(),
    }
}

/// Bins drawn side by side as equal-width slots in the given order (open-ended and uneven bins
/// stay readable), the count above each, the edges labelled below; `marker` is `(value, label)`.
pub fn histogram(title: &str, bins: &[Bin], marker: Option<(f64, &str)>, opts: &ChartOpts) -> String {
    if bins.is_empty() || bins.iter().all(|b| b.count <= 0) {
        return empty(title, opts);
    }
    let w = opts.width;
    let plot_h = 170.0;
    let max = bins.iter().map(|b| b.count.max(0) as f64).fold(0.0, f64::max);
    let ticks = nice_ticks(max, 4);
    let axis_max = *ticks.last().unwrap_or(&1.0);
    let tick_w = ticks.iter().map(|t| text_width(&tick_label(*t, axis_max), 11.0)).fold(0.0, f64::max);
    let x0 = PAD + tick_w + 6.0;
    let slot = (w - PAD - x0) / bins.len() as f64;
    let marker_band = if marker.is_some() { 18.0 } else { 0.0 };
    let height = super::svg::title_height(opts) + marker_band + 16.0 + plot_h + 22.0 + PAD;
    let mut out = String::new();
    let top = open(&mut out, title, opts, height) + marker_band + 16.0;
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
    for (i, b) in bins.iter().enumerate() {
        let c = b.count.max(0);
        let x = x0 + i as f64 * slot;
        let bh = c as f64 / axis_max * plot_h;
        let value = format!("{}{}", format_number(c as f64), opts.unit);
        let font = (slot / (text_width(&value, 1.0) + 0.2)).clamp(7.0, 12.0);
        link_open(&mut out, b.href.as_deref());
        let _ = write!(
            out,
            r#"<g><title>{}：{}</title><rect x="{}" y="{}" width="{}" height="{}" fill="{}"/><text x="{}" y="{}" font-size="{}" text-anchor="middle">{}</text></g>"#,
            esc(&range_text(b, opts.x_format)),
            esc(&value),
            n(x + 0.5),
            n(bottom - bh),
            n((slot - 1.0).max(0.5)),
            n(bh),
            esc(&opts.color),
            n(x + slot / 2.0),
            n(bottom - bh - 4.0),
            n(font),
            esc(&value)
        );
        link_close(&mut out, b.href.as_deref());
    }
    edge_labels(&mut out, bins, x0, slot, bottom, opts.x_format);
    if let Some((value, label)) = marker {
        draw_marker(&mut out, bins, value, label, x0, slot, top - 16.0, bottom, w);
    }
    close(&mut out);
    out
}

/// The edges under the slot boundaries, thinned out so that they do not overlap.
fn edge_labels(out: &mut String, bins: &[Bin], x0: f64, slot: f64, bottom: f64, f: fn(f64) -> String) {
    let edges: Vec<(usize, f64)> = bins.iter().enumerate().map(|(i, b)| (i, b.from)).chain([(bins.len(), bins[bins.len() - 1].to)]).collect();
    let widest = edges.iter().filter(|(_, v)| v.is_finite()).map(|(_, v)| text_width(&f(*v), 11.0)).fold(0.0, f64::max);
    let every = ((widest + 4.0) / slot).ceil().max(1.0) as usize;
    for (i, v) in edges {
        if v.is_finite() && i % every == 0 {
            let _ = write!(out, r#"<text x="{}" y="{}" font-size="11" fill="{MUTED}" text-anchor="middle">{}</text>"#, n(x0 + i as f64 * slot), n(bottom + 15.0), esc(&f(v)));
        }
    }
}

/// Where a value falls on the slots: proportionally inside its bin (the middle of an open one),
/// at the ends when outside every bin.
fn marker_x(bins: &[Bin], value: f64, x0: f64, slot: f64) -> f64 {
    for (i, b) in bins.iter().enumerate() {
        if value >= b.from && value < b.to {
            let frac = if b.from.is_finite() && b.to.is_finite() && b.to > b.from { (value - b.from) / (b.to - b.from) } else { 0.5 };
            return x0 + (i as f64 + frac) * slot;
        }
    }
    if value < bins[0].from {
        x0
    } else {
        x0 + bins.len() as f64 * slot
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_marker(out: &mut String, bins: &[Bin], value: f64, label: &str, x0: f64, slot: f64, band: f64, bottom: f64, w: f64) {
    if !value.is_finite() {
        return;
    }
    let x = marker_x(bins, value, x0, slot);
    let right = x > w * 0.6;
    let room = if right { x - PAD - 4.0 } else { w - PAD - x - 4.0 };
    let _ = write!(
        out,
        r#"<g class="marker"><line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{MARKER}" stroke-width="1.5" stroke-dasharray="4 3"/><text x="{}" y="{}" font-size="12" fill="{MARKER}" text-anchor="{}">{}</text></g>"#,
        n(band - 2.0),
        n(bottom),
        n(if right { x - 4.0 } else { x + 4.0 }),
        n(band + 8.0),
        if right { "end" } else { "start" },
        esc(&fit(label, room, 12.0)),
        x = n(x)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(fen: f64) -> String {
        format_number(fen / 100.0)
    }

    fn income_bins() -> Vec<Bin> {
        let edges = [400_000.0, 600_000.0, 800_000.0, 1_000_000.0];
        let counts = [12, 340, 1_250, 980, 4_300];
        (0..=edges.len())
            .map(|i| Bin {
                from: if i == 0 { f64::NEG_INFINITY } else { edges[i - 1] },
                to: edges.get(i).copied().unwrap_or(f64::INFINITY),
                count: counts[i],
                href: Some(format!("/households?income_bin={i}&year=2025")),
            })
            .collect()
    }

    fn opts() -> ChartOpts {
        ChartOpts { x_format: yuan, unit: "户".into(), ..ChartOpts::default() }
    }

    #[test]
    fn bins_carry_counts_links_and_range_tooltips() {
        let svg = histogram("人均纯收入分布（2025年）", &income_bins(), None, &opts());
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title>人均纯收入分布（2025年）</title>"));
        assert_eq!(svg.matches("<a href=\"/households?income_bin=").count(), 5);
        assert!(svg.contains("&amp;year=2025"));
        assert!(svg.contains("<title>低于 4,000：12户</title>") && svg.contains("<title>6,000–8,000：1,250户</title>") && svg.contains("<title>10,000 及以上：4,300户</title>"));
        assert!(svg.contains(">4,300户</text>") && svg.contains(">4,000</text>") && svg.contains(">10,000</text>"));
        assert!(!svg.contains("inf") && !svg.contains("NaN") && !svg.contains("class=\"marker\""));
    }

    #[test]
    fn the_marker_is_a_labelled_line_inside_its_bin() {
        let svg = histogram("收入", &income_bins(), Some((700_000.0, "监测线 7,000元")), &opts());
        assert!(svg.contains("class=\"marker\"") && svg.contains(">监测线 7,000元</text>"));
        // 7,000 元 is halfway through the third slot (6,000–8,000)
        let bins = income_bins();
        let x0 = 100.0;
        assert_eq!(marker_x(&bins, 700_000.0, x0, 10.0), x0 + 25.0);
        assert_eq!(marker_x(&bins, 100.0, x0, 10.0), x0 + 5.0, "middle of the open first bin");
        let closed = [Bin { from: 10.0, to: 20.0, count: 1, href: None }];
        assert_eq!(marker_x(&closed, 5.0, x0, 10.0), x0);
        assert_eq!(marker_x(&closed, 25.0, x0, 10.0), x0 + 10.0);
        let hostile = histogram("收入", &income_bins(), Some((700_000.0, "<script>x</script>")), &opts());
        assert!(!hostile.contains("<script>") && hostile.contains("&lt;script&gt;"));
    }

    #[test]
    fn no_households_means_no_data() {
        assert!(histogram("收入", &[], None, &opts()).contains("暂无数据"));
        let zero = [Bin { from: 0.0, to: 10.0, count: 0, href: None }];
        assert!(histogram("收入", &zero, Some((5.0, "线")), &opts()).contains("暂无数据"));
    }

    #[test]
    fn crowded_edges_are_thinned_out() {
        let bins: Vec<Bin> = (0..40).map(|i| Bin { from: i as f64 * 100_000.0, to: (i + 1) as f64 * 100_000.0, count: 1_000 + i, href: None }).collect();
        let svg = histogram("收入", &bins, None, &ChartOpts { x_format: yuan, ..ChartOpts::default() });
        let edge_labels = svg.matches("text-anchor=\"middle\">").count() - 40; // minus the 40 count labels
        assert!((5..41).contains(&edge_labels), "{edge_labels}");
    }
}
