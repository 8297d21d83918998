//! The output boundary (`src/output.rs`) cannot be bypassed: outside it,
//! `src/` prints nothing directly. Human-facing text goes through
//! `output::{error, warn, note, stdout, progress}`, which escape hidden
//! characters; the TUI draws through `ui`, whose `sanitize` is
//! `output::escape`.
//!
//! Rule checked on the source text of every `.rs` file under `src/` except
//! `src/output.rs`, comment lines skipped:
//! * no `print!`, `println!`, `eprint!`, `eprintln!`, `dbg!`;
//! * `std::io::stdout()` / `std::io::stderr()` only to ask `is_terminal()`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The lines of `source` (1-based) that print or take stdout/stderr for
/// anything but `is_terminal()`.
fn direct_prints(source: &str) -> Vec<(usize, String)> {
    const MACROS: [&str; 5] = ["print!(", "println!(", "eprint!(", "eprintln!(", "dbg!("];
    let mut found = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let printing = MACROS.iter().any(|m| {
            code.match_indices(m).any(|(at, _)| {
                // `eprint!(` contains `print!(`: only a macro name boundary counts.
                !code[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        });
        let stream = (code.contains("stdout()") || code.contains("stderr()"))
            && !code.contains("is_terminal()");
        if printing || stream {
            found.push((i + 1, line.to_string()));
        }
    }
    found
}

#[test]
fn only_the_output_module_prints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let boundary = src.join("output.rs");
    let mut offenders = Vec::new();
    for file in rust_files(&src) {
        if file == boundary {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        for (n, line) in direct_prints(&source) {
            offenders.push(format!("{}:{n}: {}", file.display(), line.trim()));
        }
    }
    assert!(
        offenders.is_empty(),
        "print through crate::output (error, warn, note, stdout, progress), \
         which escapes untrusted text:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_rule_sees_every_form() {
    for line in [
        "    eprintln!(\"{name}\");",
        "println!(\"x\")",
        "print!(\"{out}\");",
        "eprint!(\"x\")",
        "let _ = write!(std::io::stderr(), \"x\");",
        "let mut out = std::io::stdout().lock();",
        "dbg!(value);",
    ] {
        assert_eq!(direct_prints(line).len(), 1, "{line}");
    }
    for line in [
        "// eprintln!(\"x\")",
        "show: std::io::stderr().is_terminal(),",
        "crate::output::warn(warning);",
        "writeln!(f, \"x\")",
    ] {
        assert!(direct_prints(line).is_empty(), "{line}");
    }
}

#[test]
fn the_tui_escapes_with_the_same_function() {
    let hostile = "a\u{1b}]52;c;eA==\u{7}\u{202e}\u{200b}\u{9b}";
    assert_eq!(
        uo_aws_tui::ui::text::sanitize(hostile),
        uo_aws_tui::output::escape(hostile)
    );
    assert!(!uo_aws_tui::output::escape(hostile)
        .chars()
        .any(uo_aws_tui::output::is_hidden));
}
