//! Progress on a terminal: a spinner with a count and rate; silent when output is not a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

pub fn spinner(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} {pos} ({per_sec}) {elapsed}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    pb.set_message(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}
