//! Shares of a whole (e.g. households by type) as a donut with a legend giving each count and percentage.

use super::svg::{clean, close, empty, esc, fit, format_number, format_percent, link_close, link_open, n, open, text_width, PAD};
use super::ChartOpts;
use std::f64::consts::PI;
use std::fmt::Write;

/// One share: label, value, optional link and color (a palette color otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub label: String,
    pub value: f64,
    pub href: Option<String>,
    pub color: Option<String>,
}

impl Slice {
    pub fn new(label: impl Into<String>, value: f64) -> Slice {
        Slice { label: label.into(), value, href: None, color: None }
    }
    pub fn link(mut self, href: impl Into<String>) -> Slice {
        self.href = Some(href.into());
        self
    }
}

/// Distinguishable in color and in grey print.
pub const PALETTE: [&str; 10] = ["#2f6fb0", "#e08a2e", "#3f9b5a", "#c44e52", "#8172b3", "#8c6d46", "#d17ab5", "#7f7f7f", "#b8a935", "#4fa9c4"];

const R: f64 = 70.0;
const THICK: f64 = 26.0;
const ROW: f64 = 22.0;

/// A donut of the slices in the given order, clockwise from the top, with a legend
/// (swatch, label, value, percentage) beside it; zero slices appear only in the legend.
pub fn donut(title: &str, slices: &[Slice], opts: &ChartOpts) -> String {
    let total: f64 = slices.iter().map(|s| clean(s.value)).sum();
    if slices.is_empty() || total <= 0.0 {
        return empty(title, opts);
    }
    let w = opts.width;
    let legend_h = slices.len() as f64 * ROW;
    let body = (2.0 * R + 2.0 * PAD).max(legend_h + PAD);
    let height = super::svg::title_height(opts) + body + PAD;
    let mut out = String::new();
    let top = open(&mut out, title, opts, height);
    let (cx, cy) = (PAD + R, top + body / 2.0);
    let mid = R - THICK / 2.0;
    let circumference = 2.0 * PI * mid;
    let _ = write!(out, r##"<circle cx="{}" cy="{}" r="{}" fill="none" stroke="#eee" stroke-width="{THICK}"/>"##, n(cx), n(cy), n(mid));
    let legend_x = cx + R + 3.0 * PAD;
    let legend_top = cy - legend_h / 2.0;
    let mut start = 0.0;
    for (i, s) in slices.iter().enumerate() {
        let v = clean(s.value);
        let color = s.color.clone().unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_string());
        let share = v / total;
        let amount = format!("{}{}", format_number(v), opts.unit);
        let numbers = format!("{amount}（{}）", format_percent(share));
        link_open(&mut out, s.href.as_deref());
        let _ = write!(out, "<g><title>{}：{}</title>", esc(&s.label), esc(&numbers));
        if v > 0.0 {
            // one dash of the slice's length on a circle turned to start at the top
            let len = share * circumference;
            let _ = write!(
                out,
                r#"<circle cx="{}" cy="{}" r="{}" fill="none" stroke="{}" stroke-width="{THICK}" stroke-dasharray="{} {}" stroke-dashoffset="{}" transform="rotate(-90 {} {})"/>"#,
                n(cx),
                n(cy),
                n(mid),
                esc(&color),
                n3(len),
                n3(circumference - len + 0.001),
                n3(-start),
                n(cx),
                n(cy)
            );
            start += len;
        }
        let y = legend_top + i as f64 * ROW;
        let numbers_w = text_width(&numbers, 12.0);
        let label_w = (w - PAD - legend_x - 18.0 - numbers_w - 8.0).max(24.0);
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}">{}</text><text x="{}" y="{}" font-size="12" text-anchor="end">{}</text></g>"#,
            n(legend_x),
            n(y + 4.0),
            esc(&color),
            n(legend_x + 18.0),
            n(y + 15.0),
            esc(&fit(&s.label, label_w, 13.0)),
            n(w - PAD),
            n(y + 15.0),
            esc(&numbers)
        );
        link_close(&mut out, s.href.as_deref());
    }
    let _ = write!(out, r#"<text x="{}" y="{}" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"#, n(cx), n(cy + 5.0), esc(&format!("{}{}", format_number(total), opts.unit)));
    close(&mut out);
    out
}

/// Dash lengths keep three decimals (a tiny share must not round to nothing).
fn n3(v: f64) -> String {
    let t = format!("{:.3}", if v.is_finite() { v } else { 0.0 });
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> Vec<Slice> {
        vec![
            Slice::new("脱贫户", 266_952.0).link("/households?type=exited"),
            Slice::new("监测户", 27_026.0).link("/households?type=monitored"),
            Slice::new("贫困户", 6_022.0),
            Slice::new("未登记", 0.0),
        ]
    }

    #[test]
    fn slices_show_counts_and_percentages_and_link_to_their_households() {
        let svg = donut("户类型", &types(), &ChartOpts::unit("户"));
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title>户类型</title>"));
        assert!(svg.contains("266,952户（89.0%）") && svg.contains("6,022户（2.0%）") && svg.contains("0户（0.0%）"));
        assert!(svg.contains(">300,000户</text>"), "the total in the middle");
        assert_eq!(svg.matches("<a href=").count(), 2);
        assert_eq!(svg.matches("stroke-dasharray").count(), 3, "the zero slice draws no arc");
    }

    #[test]
    fn the_dashes_add_up_to_the_whole_circle() {
        let svg = donut("户类型", &types(), &ChartOpts::default());
        let dashes: Vec<f64> = svg.split("stroke-dasharray=\"").skip(1).map(|s| s.split(' ').next().unwrap().parse().unwrap()).collect();
        let circumference = 2.0 * PI * (R - THICK / 2.0);
        assert!((dashes.iter().sum::<f64>() - circumference).abs() < 0.01, "{dashes:?}");
        let single = donut("t", &[Slice::new("全部", 5.0)], &ChartOpts::default());
        assert!(single.contains(&format!("stroke-dasharray=\"{} 0.001\"", n3(circumference))), "{single}");
    }

    #[test]
    fn labels_colors_and_links_are_escaped_and_nothing_to_show_is_said() {
        let mut s = Slice::new("<script>alert(1)</script>", 3.0).link("/x?a=1&b=2");
        s.color = Some("red\" onload=\"x".into());
        let svg = donut("t", &[s], &ChartOpts::default());
        assert!(!svg.contains("<script>") && !svg.contains("\" onload"), "{svg}");
        assert!(svg.contains("href=\"/x?a=1&amp;b=2\""));
        assert!(donut("户类型", &[], &ChartOpts::default()).contains("暂无数据"));
        assert!(donut("户类型", &[Slice::new("a", 0.0), Slice::new("b", f64::NAN)], &ChartOpts::default()).contains("暂无数据"));
    }
}
