//! Property tests: arbitrary files never make the readers panic; normalisation is
//! idempotent; written files read back.

mod common;

use bangfu_sheets::{Cell, ReadOptions, csv_writer, normalize_header, xlsx_writer};
use common::*;
use proptest::prelude::*;
use std::sync::OnceLock;

fn small_opts() -> ReadOptions {
    ReadOptions {
        max_cell_chars: 2000,
        max_columns: 64,
        max_uncompressed_bytes: 64 * 1024 * 1024,
        max_html_bytes: 64 * 1024 * 1024,
        max_compression_ratio: 200,
    }
}

/// Opens `bytes` as a file and reads everything; only panics matter.
fn exercise(bytes: &[u8], name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), name, bytes);
    let _ = read_all(&p, &small_opts());
}

fn valid_xlsx() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.xlsx");
        let mut w = xlsx_writer(&p).unwrap();
        w.begin_table("表", &["姓名", "证件号码", "日期"]).unwrap();
        for i in 0..20 {
            w.write_row(&[
                Cell::Text(format!("人{i}")),
                Cell::Number(i as f64 * 1.5),
                Cell::Date(chrono::NaiveDate::from_ymd_opt(2024, 1, 1 + i).unwrap()),
            ])
            .unwrap();
        }
        w.finish().unwrap();
        std::fs::read(p).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_csv(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes, "a.csv");
    }

    #[test]
    fn csv_like_text(text in "[a-z,;\t\"'=\\r\\n 姓名\u{3000}]{0,400}") {
        exercise(text.as_bytes(), "t.csv");
    }

    #[test]
    fn arbitrary_html(body in "[<>/a-z=\"' &#;0-9x\u{4e00}]{0,600}") {
        let page = format!("<html><table><tr><td rowspan=3 colspan=2>{body}");
        exercise(page.as_bytes(), "h.xls");
    }

    #[test]
    fn html_tag_soup(parts in proptest::collection::vec(prop_oneof![
        Just("<table>"), Just("</table>"), Just("<tr>"), Just("</tr>"), Just("<td>"),
        Just("</td>"), Just("<th colspan=99999>"), Just("<td rowspan=0>"), Just("<td rowspan=70000>"),
        Just("<br>"), Just("x"), Just("&#x10FFFF;"), Just("&amp"), Just("<!--"), Just("<script>"),
        Just("<tbody>"), Just(" "),
    ], 0..120)) {
        exercise(parts.concat().as_bytes(), "soup.html");
    }

    #[test]
    fn ole_header_then_garbage(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut file = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        file.extend_from_slice(&bytes);
        exercise(&file, "o.xls");
    }

    #[test]
    fn mutated_xlsx(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                    cut in any::<prop::sample::Index>()) {
        let mut bytes = valid_xlsx().to_vec();
        for (i, b) in edits {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        let keep = bytes.len() - cut.index(bytes.len() / 4 + 1);
        bytes.truncate(keep.max(4));
        exercise(&bytes, "m.xlsx");
    }

    #[test]
    fn normalize_header_is_idempotent(s in "[ \u{3000}\u{a0}\n*※()（）【】\\[\\]亩元月人/是否km、a-z县姓名:：0-9位单]{0,24}") {
        let once = normalize_header(&s);
        prop_assert_eq!(normalize_header(&once), once);
    }

    #[test]
    fn normalize_header_is_idempotent_any(s in any::<String>()) {
        let once = normalize_header(&s);
        prop_assert_eq!(normalize_header(&once), once);
    }

    #[test]
    fn csv_round_trip(cells in proptest::collection::vec("[^\u{0}]{0,12}", 1..6)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        let mut w = csv_writer(&p).unwrap();
        w.begin_table("r", &["列1"]).unwrap();
        let row: Vec<Cell> = cells.iter().map(|c| Cell::Text(c.clone())).collect();
        w.write_row(&row).unwrap();
        w.finish().unwrap();
        let sheets = read_all(&p, &ReadOptions::default()).unwrap();
        let rows: Vec<_> = sheets[0].1.iter().map(|r| r.clone().unwrap()).collect();
        let mut expected: Vec<String> = cells
            .iter()
            .map(|c| c.trim_matches(|ch: char| ch.is_whitespace() || matches!(ch, '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}')).to_string())
            .collect();
        while expected.last().is_some_and(String::is_empty) {
            expected.pop();
        }
        if expected.is_empty() {
            prop_assert_eq!(rows.len(), 1);
        } else {
            prop_assert_eq!(&rows[1].cells, &expected);
        }
    }
}
