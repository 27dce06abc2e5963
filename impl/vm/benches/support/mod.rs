//! What the benches share: where criterion keeps its results, and how they print times.
//!
//! Included by `impl/vm/benches/{interp,proof}.rs` and, by path, `impl/rollup/benches/dispute.rs`.

#![allow(dead_code, reason = "each bench uses its own subset")]

use std::path::PathBuf;

/// Criterion's directory name for a benchmark id.
pub(crate) fn filename_safe(id: &str) -> String {
    id.chars().map(|c| if "?\"/\\*<>:|^".contains(c) { '_' } else { c }).collect()
}

/// A time in nanoseconds, in the unit that reads best.
pub(crate) fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Where criterion writes its estimates.
pub(crate) fn criterion_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(home));
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    // The bench runs as target/<profile>/deps/<name>-<hash>.
    Some(std::env::current_exe().ok()?.ancestors().nth(3)?.join("criterion"))
}
