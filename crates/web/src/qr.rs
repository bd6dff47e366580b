//! QR codes for printed public notices (公示): the notice's public address as an inline SVG.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Quiet zone the renderer adds on each side, in modules.
const QUIET_ZONE: u32 = 4;

/// An inline `<svg …>` QR code of `text`, `size_px` wide and high: black modules on white with the
/// standard 4-module quiet zone, error correction M (a creased or smudged printout still scans).
/// Text too long for any QR code gives a small SVG saying so instead of a code.
pub fn svg(text: &str, size_px: u32) -> String {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L));
    let Ok(code) = code else {
        return format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{size_px}" height="{size_px}" viewBox="0 0 100 100" role="img" aria-label="二维码生成失败"><rect width="100" height="100" fill="#fff" stroke="#000"/><text x="50" y="54" font-size="9" text-anchor="middle">内容过长，无法生成二维码</text></svg>"##
        );
    };
    // One unit per module; the width and height attributes then scale it to the requested size.
    let n = code.width() as u32 + 2 * QUIET_ZONE;
    let rendered = code
        .render::<svg::Color>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    let start = rendered.find("<svg").unwrap_or(0);
    rendered[start..].replacen(
        &format!(r#" width="{n}" height="{n}""#),
        &format!(r#" width="{size_px}" height="{size_px}" role="img" aria-label="二维码""#),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_an_inline_svg_of_the_requested_size() {
        let s = svg("https://bangfu.example/g/7K3PQ", 160);
        assert!(s.starts_with("<svg "), "{}", &s[..60.min(s.len())]);
        assert!(s.ends_with("</svg>"));
        assert!(s.contains(r#"width="160" height="160""#));
        assert!(s.contains(r##"fill="#fff""##) && s.contains(r##"fill="#000""##));
        // The code's modules plus the quiet zone on both sides.
        let modules = QrCode::with_error_correction_level("https://bangfu.example/g/7K3PQ", EcLevel::M).map(|c| c.width()).unwrap_or(0);
        let n = modules + 2 * QUIET_ZONE as usize;
        assert!(modules >= 21 && s.contains(&format!(r#"viewBox="0 0 {n} {n}""#)), "{s}");
        assert!(!s.contains("<?xml"));
    }

    #[test]
    fn different_texts_give_different_codes() {
        let a = svg("https://bangfu.example/g/AAAA1", 120);
        let b = svg("https://bangfu.example/g/AAAA2", 120);
        assert_ne!(a, b);
        assert_eq!(a, svg("https://bangfu.example/g/AAAA1", 120));
    }

    #[test]
    fn text_too_long_says_so() {
        let s = svg(&"长".repeat(3000), 100);
        assert!(s.starts_with("<svg ") && s.contains("无法生成二维码"));
    }
}
