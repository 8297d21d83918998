//! Rules of the module map (docs/architecture.md) that the compiler does
//! not enforce, checked on the source text.
//!
//! * Modules under `src/commands/` are entry points: only `main.rs` (and
//!   `commands` itself) may import them. Shared behaviour lives in library
//!   modules the commands call.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted.
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

/// The lines of `source` (1-based numbers) that import or name a module
/// under `crate::commands`: `use crate::commands…`, a `crate::commands::`
/// path, or `commands` inside a `use crate::{…}` group. Comment lines (doc
/// links included) are skipped.
fn command_imports(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut in_crate_group = false;
    for (i, line) in source.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let code = code.split("//").next().unwrap_or_default();
        if code.contains("use crate::{") {
            in_crate_group = true;
        }
        let names_commands = code.contains("crate::commands")
            || (in_crate_group
                && code
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| word == "commands"));
        if names_commands {
            found.push((i + 1, line.trim().to_string()));
        }
        if in_crate_group && code.contains("};") {
            in_crate_group = false;
        }
    }
    found
}

#[test]
fn the_checker_sees_every_form_of_import() {
    for bad in [
        "use crate::commands::logout;\n",
        "use crate::commands;\n",
        "let r = crate::commands::logout::run(&a);\n",
        "use crate::{\n    aws::config,\n    commands::exec,\n};\n",
        "use crate::{commands, env};\n",
    ] {
        assert_eq!(command_imports(bad).len(), 1, "{bad}");
    }
    for good in [
        "//! see [`crate::commands::logout`]\n",
        "use crate::env::Environment; // not crate::commands\n",
        "use crate::{aws, env};\nlet commands = 1;\n",
        "pub mod commands;\n",
    ] {
        assert!(command_imports(good).is_empty(), "{good}");
    }
}

#[test]
fn only_main_imports_the_command_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let commands = src.join("commands");
    let mut offenders = Vec::new();
    for file in rust_files(&src) {
        if file == src.join("main.rs") || file.starts_with(&commands) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, code) in command_imports(&text) {
            offenders.push(format!("{}:{line}: {code}", file.display()));
        }
    }
    assert!(
        offenders.is_empty(),
        "library modules must not import src/commands/ (move the shared code into a library module):\n{}",
        offenders.join("\n")
    );
}
