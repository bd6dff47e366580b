//! Charts as SVG rendered on the server (no JavaScript, print-friendly).
