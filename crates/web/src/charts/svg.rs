//! SVG building blocks shared by the charts: escaping, number formats, nice axis ticks, text widths, the frame.

use super::ChartOpts;
use std::fmt::Write;

/// The font stack: the system CJK fonts of macOS, Windows and Linux; nothing is downloaded.
pub const FONT_FAMILY: &str = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif";
/// Shown instead of a chart without data.
pub const NO_DATA: &str = "暂无数据";
pub const TEXT: &str = "#333";
pub const MUTED: &str = "#777";
pub const GRID: &str = "#e3e3e3";
/// Space around the plot, in viewBox units.
pub const PAD: f64 = 8.0;

/// Text escaped for XML content and attribute values alike; characters XML forbids are dropped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate: at most one decimal, no trailing zeros.
pub fn n(v: f64) -> String {
    let v = if v.is_finite() { (v * 10.0).round() / 10.0 } else { 0.0 };
    if v == v.trunc() {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A number with thousands separators and at most two decimals: 1234567 → "1,234,567".
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let text = format!("{:.2}", v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = frac.trim_end_matches('0');
    let mut out = String::with_capacity(text.len() + text.len() / 3 + 1);
    if v < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, d) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Short axis labels for large numbers: 150000 → "15万", 300000000 → "3亿"; smaller ones as [`format_number`].
pub fn format_compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e8 {
        format!("{}亿", format_number(v / 1e8))
    } else if a >= 1e5 {
        format!("{}万", format_number(v / 1e4))
    } else {
        format_number(v)
    }
}

/// A share as a percentage with one decimal: 0.375 → "37.5%".
pub fn format_percent(share: f64) -> String {
    if share.is_finite() {
        format!("{:.1}%", share * 100.0)
    } else {
        "–".into()
    }
}

/// The smallest step of the form 1, 2 or 5 × 10ⁿ that is at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let base = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * base).find(|s| *s >= raw * (1.0 - 1e-9)).unwrap_or(10.0 * base)
}

/// Axis ticks from 0 to at least `max` in about `target` nice steps (whole steps once `max` ≥ 1);
/// an empty or zero range gives 0 and 1.
pub fn nice_ticks(max: f64, target: usize) -> Vec<f64> {
    if !max.is_finite() || max <= 0.0 {
        return vec![0.0, 1.0];
    }
    let mut step = nice_step(max / target.max(1) as f64);
    if max >= 1.0 {
        step = step.max(1.0);
    }
    let count = ((max / step) - 1e-9).ceil().max(1.0) as usize;
    (0..=count).map(|i| i as f64 * step).collect()
}

/// Tick labels: compact (万/亿) once the axis reaches 100,000, else with separators.
pub fn tick_label(v: f64, axis_max: f64) -> String {
    if axis_max >= 1e5 {
        format_compact(v)
    } else {
        format_number(v)
    }
}

/// An estimate of the rendered width of `s`: CJK and other wide characters one em, ASCII about 0.6.
pub fn text_width(s: &str, font_size: f64) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 0.6 } else { 1.0 }).sum::<f64>() * font_size
}

/// `s` cut to fit `width` (with "…"), or unchanged when it fits.
pub fn fit(s: &str, width: f64, font_size: f64) -> String {
    if text_width(s, font_size) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = font_size; // the ellipsis
    for c in s.chars() {
        w += text_width(c.encode_utf8(&mut [0; 4]), font_size);
        if w > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Opens the `<svg>` (viewBox sized, scaling to its container) with its accessible name and the visible title;
/// returns the y where the plot may start.
pub fn open(out: &mut String, title: &str, opts: &ChartOpts, height: f64) -> f64 {
    let t = esc(title);
    let w = opts.width;
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" width="100%" style="max-width:{}px;height:auto" role="img" aria-label="{t}" font-family="{FONT_FAMILY}" font-size="13" fill="{TEXT}"><title>{t}</title>"#,
        n(w),
        n(height),
        n(w * 1.5)
    );
    if opts.show_title {
        let _ = write!(out, r#"<text x="{}" y="18" font-size="15" font-weight="bold">{}</text>"#, n(PAD), esc(&fit(title, w - 2.0 * PAD, 15.0)));
        30.0
    } else {
        PAD
    }
}

/// The space the title takes (see [`open`]).
pub fn title_height(opts: &ChartOpts) -> f64 {
    if opts.show_title {
        30.0
    } else {
        PAD
    }
}

pub fn close(out: &mut String) {
    out.push_str("</svg>");
}

/// A chart frame holding only "暂无数据".
pub fn empty(title: &str, opts: &ChartOpts) -> String {
    let mut out = String::new();
    let top = open(&mut out, title, opts, title_height(opts) + 60.0);
    let _ = write!(out, r#"<text x="{}" y="{}" text-anchor="middle" fill="{MUTED}">{NO_DATA}</text>"#, n(opts.width / 2.0), n(top + 34.0));
    close(&mut out);
    out
}

/// `<a href>` around what follows when there is a link.
pub fn link_open(out: &mut String, href: Option<&str>) {
    if let Some(h) = href {
        let _ = write!(out, r#"<a href="{}">"#, esc(h));
    }
}

pub fn link_close(out: &mut String, href: Option<&str>) {
    if href.is_some() {
        out.push_str("</a>");
    }
}

/// A value that is safe to draw: not NaN, not infinite, not negative.
pub fn clean(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(esc(r#"<script>alert("x")</script> & 'y'"#), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
        assert_eq!(esc("a\u{0}b\nc"), "ab c");
        assert_eq!(esc("西田村"), "西田村");
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(999.0), "999");
        assert_eq!(format_number(1000.0), "1,000");
        assert_eq!(format_number(1234567.0), "1,234,567");
        assert_eq!(format_number(-1234.5), "-1,234.5");
        assert_eq!(format_number(0.126), "0.13");
        assert_eq!(format_number(-0.001), "0");
        assert_eq!(format_number(1e15), "1,000,000,000,000,000");
        assert_eq!(format_number(f64::NAN), "–");
        assert_eq!(format_compact(150_000.0), "15万");
        assert_eq!(format_compact(250_000_000.0), "2.5亿");
        assert_eq!(format_compact(9_999.0), "9,999");
        assert_eq!(format_percent(0.375), "37.5%");
    }

    #[test]
    fn ticks_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_ticks(0.0, 4), vec![0.0, 1.0]);
        assert_eq!(nice_ticks(f64::NAN, 4), vec![0.0, 1.0]);
        assert_eq!(nice_ticks(3.0, 4), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_ticks(1.0, 4), vec![0.0, 1.0]);
        assert_eq!(nice_ticks(97.0, 4), vec![0.0, 50.0, 100.0]);
        assert_eq!(nice_ticks(100.0, 4), vec![0.0, 50.0, 100.0]);
        assert_eq!(nice_ticks(101.0, 4), vec![0.0, 50.0, 100.0, 150.0]);
        assert_eq!(nice_ticks(7_300.0, 5), vec![0.0, 2000.0, 4000.0, 6000.0, 8000.0]);
        assert_eq!(nice_ticks(0.37, 4), vec![0.0, 0.1, 0.2, 0.30000000000000004, 0.4]);
        let big = nice_ticks(3.2e12, 4);
        assert_eq!(big.last(), Some(&4e12));
        assert_eq!(big[1], 1e12);
        for (max, target) in [(1.0, 3), (12.0, 4), (987_393.0, 4), (55.5, 6), (1e18, 4)] {
            let t = nice_ticks(max, target);
            let step = t[1] - t[0];
            let mantissa = step / 10f64.powf(step.log10().floor());
            assert!([1.0, 2.0, 5.0].iter().any(|m| (m - mantissa).abs() < 1e-6), "{max}: step {step}");
            assert!(*t.last().unwrap() >= max && t.len() <= target * 2 + 2, "{max}: {t:?}");
        }
        assert_eq!(tick_label(200_000.0, 600_000.0), "20万");
        assert_eq!(tick_label(20_000.0, 60_000.0), "20,000");
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(fit("西田村", 100.0, 13.0), "西田村");
        let cut = fit("一个名字非常非常长的村民委员会", 60.0, 13.0);
        assert!(cut.ends_with('…') && text_width(&cut, 13.0) <= 60.0, "{cut}");
    }
}
