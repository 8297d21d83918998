//! The details log: what `--verbose` (or `UO_AWS_TUI_LOG=debug`) adds to
//! stderr about failures, such as the SDK's whole error chain. Off by
//! default; callers never pass tokens, secrets or response bodies.

use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Turns the log on for the rest of the process (`--verbose`).
pub fn enable() {
    VERBOSE.store(true, Ordering::Relaxed);
}

/// Whether details are written: after [`enable`], or when the environment
/// has `UO_AWS_TUI_LOG=debug`.
pub fn enabled() -> bool {
    VERBOSE.load(Ordering::Relaxed)
        || std::env::var("UO_AWS_TUI_LOG").is_ok_and(|v| v.eq_ignore_ascii_case("debug"))
}

/// Writes `uo-aws-tui: debug: TEXT` to stderr when the log is on; `text` is
/// only computed then.
pub fn log(text: impl FnOnce() -> String) {
    if enabled() {
        crate::output::note(format!("uo-aws-tui: debug: {}", text()));
    }
}
