//! Fuzz target: HTML "xls" exports. Inputs that do not start with `<` get a `<table>`
//! prefix so nearly every input reaches the HTML reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.first() == Some(&b'<') {
        bangfu_fuzz::exercise(data, "input.xls");
    } else {
        let mut page = b"<table><tr><td>".to_vec();
        page.extend_from_slice(data);
        bangfu_fuzz::exercise(&page, "input.xls");
    }
});
