//! The picker's model stays pure: no file of the `app` module (src/app.rs,
//! src/app/**) reaches tokio, crossterm's terminal functions, the drawing
//! code, the event loop, the terminal, or an `aws` module that does I/O.
//! Plain data types (`aws::login::{Flow, LoginStep}`,
//! `aws::limiter::LimiterStats`, crossterm's key types) may be used.
//!
//! Every `use` tree is expanded to full paths, and every `crate::`,
//! `tokio::` and `crossterm::` path written inline is read too.

use std::path::{Path, PathBuf};

/// Paths no file of `app` may name (a path equal to one, or under one).
const FORBIDDEN: &[&str] = &[
    "tokio",
    "crate::ui",
    "crate::event_loop",
    "crate::terminal",
    "crate::commands",
    "crate::pick",
    "crate::aws::config_write",
    "crate::aws::config_edit",
    "crate::aws::portal",
    "crate::aws::registration",
    "crate::aws::token_cache",
    "crate::aws::cli_cache",
];

/// Modules with I/O whose plain data types may be named, item by item.
const DATA_ONLY: &[(&str, &[&str])] = &[
    ("crate::aws::login", &["Flow", "LoginStep"]),
    ("crate::aws::limiter", &["LimiterStats"]),
    (
        "crossterm::event",
        &[
            "KeyEvent",
            "KeyCode",
            "KeyModifiers",
            "KeyEventKind",
            "KeyEventState",
            "Event",
        ],
    ),
];

/// Why `path` may not appear in the app module, or `None` when it may.
fn violation(path: &str) -> Option<String> {
    let path = path.trim_start_matches("::");
    let under = |root: &str| path == root || path.starts_with(&format!("{root}::"));
    if let Some(root) = FORBIDDEN.iter().find(|r| under(r)) {
        return Some(format!("`{path}` is under `{root}`"));
    }
    for (module, items) in DATA_ONLY {
        if under(module) {
            let item = path[module.len()..].trim_start_matches("::");
            let first = item.split("::").next().unwrap_or("");
            if !items.contains(&first) {
                return Some(format!(
                    "`{path}`: only {items:?} of `{module}` may be used"
                ));
            }
        }
    }
    if path.starts_with("crossterm") && !under("crossterm::event") {
        return Some(format!("`{path}`: only crossterm's key types may be used"));
    }
    // A parent of a forbidden module would let the code reach it by a short path.
    let external = ["crate", "tokio", "crossterm"]
        .iter()
        .any(|root| path == *root || path.starts_with(&format!("{root}::")));
    let glob_or_parent = external && path.ends_with("::*")
        || FORBIDDEN
            .iter()
            .chain(DATA_ONLY.iter().map(|(m, _)| m))
            .any(|f| f.starts_with(&format!("{path}::")));
    if glob_or_parent {
        return Some(format!(
            "`{path}` imports a module that contains forbidden ones; import items"
        ));
    }
    None
}

/// The source without comments (line, doc and block) and string literals'
/// contents, so that text in them is not read as paths.
fn strip(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push('"');
            }
            '\'' => {
                // A char literal ('x', '\n') or a lifetime ('a).
                out.push('\'');
                let rest: String = chars.clone().take(4).collect();
                if let Some(end) = rest.find('\'') {
                    if end > 0 {
                        for _ in 0..=end {
                            chars.next();
                        }
                        out.push('\'');
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The full paths a use tree names: `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    // Renames (`x as y`) name the same path: drop ` as y`.
    let mut kept = Vec::new();
    let mut words = tree.split_whitespace();
    while let Some(word) = words.next() {
        if word == "as" {
            let alias = words.next().unwrap_or("");
            kept.push(alias.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_'));
        } else {
            kept.push(word);
        }
    }
    let tree = kept.concat();
    let mut out = Vec::new();
    expand_into("", &tree, &mut out);
    out
}

fn expand_into(prefix: &str, tree: &str, out: &mut Vec<String>) {
    for part in split_top(tree) {
        match part.find('{') {
            Some(open) => {
                let head = part[..open].trim_end_matches("::");
                let inner = &part[open + 1..part.rfind('}').unwrap_or(part.len())];
                expand_into(&join(prefix, head), inner, out);
            }
            None if part.is_empty() => {}
            None if part == "self" => out.push(prefix.to_string()),
            None => out.push(join(prefix, part)),
        }
    }
}

fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}::{rest}"),
    }
}

/// `a, b::{c, d}, e` split at the commas outside braces.
fn split_top(tree: &str) -> Vec<&str> {
    let (mut depth, mut start, mut parts) = (0, 0, Vec::new());
    for (i, c) in tree.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&tree[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tree[start..]);
    parts
}

/// Every path `source` names: its use trees, expanded, and the `crate::`,
/// `tokio::` and `crossterm::` paths written inline.
fn paths(source: &str) -> Vec<String> {
    let code = strip(source);
    let mut out = Vec::new();
    // The code outside use statements, for the paths written inline.
    let mut inline = String::with_capacity(code.len());
    let mut rest = code.as_str();
    while let Some(at) = find_word(rest, "use") {
        inline.push_str(&rest[..at]);
        let body = &rest[at + 3..];
        let end = body.find(';').unwrap_or(body.len());
        out.extend(expand(&body[..end]));
        rest = &body[end..];
    }
    inline.push_str(rest);
    for root in ["crate::", "tokio::", "crossterm::"] {
        let mut rest = inline.as_str();
        while let Some(at) = find_word(rest, root) {
            let path: String = rest[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(path.trim_end_matches(':').to_string());
            rest = &rest[at + root.len()..];
        }
    }
    out
}

/// The byte offset of `word` in `text` where it does not continue an identifier.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let starts = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        let ends = word.ends_with(':') || !after.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if starts && ends {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// Every violation in `source`.
fn violations(source: &str) -> Vec<String> {
    paths(source).iter().filter_map(|p| violation(p)).collect()
}

fn app_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let single = root.join("src/app.rs");
    if single.exists() {
        files.push(single);
    }
    let mut dirs = vec![root.join("src/app")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_app_module_does_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = app_files(root);
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("src/app/mod.rs") || f.ends_with("src/app.rs")),
        "no app module found in {files:?}"
    );
    let mut found = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for v in violations(&source) {
            found.push(format!(
                "{}: {v}",
                file.strip_prefix(root).unwrap().display()
            ));
        }
    }
    assert!(
        found.is_empty(),
        "the app module must stay pure:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_each_kind_of_import() {
    let bad = [
        "use tokio::sync::mpsc;",
        "use crossterm::terminal::enable_raw_mode;",
        "use crossterm::{event::KeyEvent, execute};",
        "use crossterm::event::EventStream;",
        "use crate::ui;",
        "use crate::ui::draw;",
        "use crate::aws::{config_write::ConfigWriter, login::LoginStep};",
        "use crate::aws::portal::{\n    Portal,\n    PriorityHints,\n};",
        "use crate::aws::login::{self, Flow};",
        "use crate::aws::portal as listing;",
        "use crate::aws::login::login;",
        "use crate::aws::login::*;",
        "use crate::aws;",
        "use crate::*;",
        "use crate::{aws::portal, catalog::Row};",
        "fn f() { let _ = crate::aws::portal::DEFAULT_CONCURRENCY; }",
        "fn f() { tokio::spawn(async {}); }",
        "fn f() { crossterm::terminal::size(); }",
        "pub(crate) use crate::event_loop::Services;",
    ];
    for source in bad {
        assert!(!violations(source).is_empty(), "not caught: {source}");
    }
    let good = [
        "use crate::aws::login::{Flow, LoginStep};",
        "use crate::aws::login::{Flow as LoginFlow, LoginStep};",
        "use crate::aws::limiter::LimiterStats;",
        "use crate::catalog::{Row as ClassRow, Catalog};",
        "use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};",
        "use crate::catalog::{Catalog, CatalogEvent};\nuse super::errors::ServiceError;",
        "// use tokio::sync::mpsc;\n/// [`crate::ui::draw`] reads this\nfn f() {}",
        "fn f() -> &'static str { \"tokio::spawn crate::ui\" }",
        "fn f(c: char) -> bool { c == ':' || c == '{' }",
    ];
    for source in good {
        assert_eq!(violations(source), Vec::<String>::new(), "{source}");
    }
}
