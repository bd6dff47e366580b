//! Fuzz target: xlsx files. Inputs starting with `PK` are used as the whole file (zip
//! layer, bomb checks, damaged archives); any other input becomes the `<sheetData>` of an
//! otherwise valid workbook (calamine's XML parsing and our row assembly).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"PK") {
        bangfu_fuzz::exercise(data, "input.xlsx");
    } else {
        bangfu_fuzz::exercise(&bangfu_fuzz::xlsx_around(data), "input.xlsx");
    }
});
