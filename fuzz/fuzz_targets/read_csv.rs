//! Fuzz target: arbitrary bytes opened as a CSV file (content sniffing decides the reader).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bangfu_fuzz::exercise(data, "input.csv");
});
