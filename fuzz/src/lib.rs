//! Shared harness for the bangfu-sheets fuzz targets: write the input to a file, open it
//! with `Workbook::open`, and read every row of every sheet.

use bangfu_sheets::{ReadOptions, Workbook, detect_header};
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A per-process scratch directory (inputs are written to a file because the readers
/// work on paths).
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("bangfu-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    })
}

/// Limits small enough that the fuzzer does not spend its time on huge allocations, but
/// still exercising every limit check.
fn options() -> ReadOptions {
    ReadOptions {
        max_cell_chars: 4096,
        max_columns: 256,
        max_uncompressed_bytes: 64 * 1024 * 1024,
        max_html_bytes: 64 * 1024 * 1024,
        max_compression_ratio: 200,
    }
}

/// libfuzzer-sys aborts on every panic. bangfu-sheets runs calamine inside
/// `catch_unwind` and turns its panics (e.g. integer overflow on absurd cell references,
/// which only panics where overflow checks are on) into a "file damaged" error; such a
/// panic is not a bug of this crate. This hook lets panics raised inside calamine unwind
/// to that guard and keeps aborting on every other panic.
fn install_panic_filter() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            if in_calamine {
                let n = CALAMINE_PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n < 20 {
                    // Visible in the fuzz log, so upstream panics can be reported.
                    eprintln!("caught calamine panic #{}: {info}", n + 1);
                }
            } else {
                fuzzer_hook(info);
            }
        }));
    });
}

/// How many calamine panics were caught (and turned into errors) in this process.
pub static CALAMINE_PANICS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Writes `data` to `name` in the scratch directory and reads it completely. Also runs
/// header detection on the first rows of every sheet.
pub fn exercise(data: &[u8], name: &str) {
    install_panic_filter();
    let path = scratch().join(name);
    {
        let mut f = std::fs::File::create(&path).expect("create input file");
        f.write_all(data).expect("write input file");
    }
    let Ok(mut wb) = Workbook::open(&path, &options()) else {
        return;
    };
    let _ = (wb.kind(), wb.encoding(), wb.file_name().len());
    let names = wb.sheet_names();
    for (i, sheet) in names.iter().enumerate() {
        let Ok(rows) = wb.rows(i) else { continue };
        let mut preview = Vec::new();
        for row in rows {
            match row {
                Ok(r) => {
                    if preview.len() < 60 {
                        preview.push(r);
                    }
                }
                Err(e) => {
                    let _ = e.to_string();
                    break;
                }
            }
        }
        let known = |s: &str| s.chars().count() == 2 || s.starts_with('a');
        if let Ok(layout) = detect_header(&preview, &known, "fuzz", sheet) {
            assert!(layout.data_start_index <= preview.len());
        }
    }
}

/// Wraps `sheet_xml` (the fuzz input) into a minimal, valid xlsx container with stored
/// (uncompressed) entries, so mutations reach calamine's XML parsing and our row assembly
/// instead of failing in the zip layer.
pub fn xlsx_around(sheet_xml: &[u8]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let parts: [(&str, &[u8]); 6] = [
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
            ("_rels/.rels", ROOT_RELS.as_bytes()),
            ("xl/workbook.xml", WORKBOOK.as_bytes()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
            ("xl/sharedStrings.xml", SHARED.as_bytes()),
            ("xl/styles.xml", STYLES.as_bytes()),
        ];
        for (name, body) in parts {
            if z.start_file(name, opts).is_err() || z.write_all(body).is_err() {
                return Vec::new();
            }
        }
        if z.start_file("xl/worksheets/sheet1.xml", opts).is_err()
            || z.write_all(SHEET_HEAD.as_bytes()).is_err()
            || z.write_all(sheet_xml).is_err()
            || z.write_all(SHEET_TAIL.as_bytes()).is_err()
            || z.finish().is_err()
        {
            return Vec::new();
        }
    }
    out.into_inner()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="表1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHARED: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3"><si><t>姓名</t></si><si><t>证件号码</t></si><si><r><t>户主</t></r><r><t>姓名</t></r></si></sst>"#;
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" xfId="0"/><xf numFmtId="164" xfId="0" applyNumberFormat="1"/><xf numFmtId="46" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#;
const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_TAIL: &str = "</sheetData></worksheet>";
