//! The files releases ship beside the binary, checked against what the
//! code generates: the man pages and the shell completions.
//!
//! The man pages in `man/` are generated from the clap definitions
//! (clap_mangen), plus the sections a reader of `man uo-aws-tui` looks for:
//! KEYS (from the key table the picker uses), EXIT STATUS (from each
//! command's help), ENVIRONMENT and FILES (from the README's Environment
//! section). This test fails when a committed page is stale or missing, or
//! when `man/` holds a page nothing generates; regenerate with
//! `UO_AWS_TUI_UPDATE_SHIPPED=1 cargo test --test shipped_files`.
//!
//! The pages carry the crate version, not the commit, so they only change
//! when the interface does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use roff::{bold, roman, Roff};
use uo_aws_tui::cli::Cli;
use uo_aws_tui::keymap;

/// Set to rewrite `man/` and `completions/` from the code.
const UPDATE: &str = "UO_AWS_TUI_UPDATE_SHIPPED";

fn man_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("man")
}

/// The README section under `## heading`, up to the next `## `.
fn readme_section(heading: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("README has no `## {heading}` section"));
    let body = &readme[start + heading.len() + 5..];
    let end = body.find("\n## ").unwrap_or(body.len());
    body[..end].to_string()
}

/// Markdown inline text as roff: `code` in bold, the rest roman.
fn inline(text: &str) -> Vec<roff::Inline> {
    text.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| if i % 2 == 1 { bold(part) } else { roman(part) })
        .collect()
}

/// The rows of the first markdown table in `section`, header and rule
/// left out: each row's cells, trimmed.
fn table_rows(section: &str) -> Vec<Vec<String>> {
    section
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// A `.TP` entry: `tag` on its own line, `text` indented below.
fn entry(roff: &mut Roff, tag: Vec<roff::Inline>, text: Vec<roff::Inline>) {
    roff.control("TP", []);
    roff.text(tag);
    roff.text(text);
}

/// The pages' own sections after the generated ones.
fn extra_sections(cmd: &clap::Command) -> Roff {
    let mut roff = Roff::default();

    roff.control("SH", ["KEYS"]);
    roff.text([roman("In the picker's list:")]);
    for (keys, help) in keymap::help_rows() {
        entry(&mut roff, vec![bold(keys)], vec![roman(help)]);
    }
    roff.control("PP", []);
    roff.text([roman("In the Sessions view (Tab):")]);
    for (keys, help) in keymap::session_help_rows() {
        entry(&mut roff, vec![bold(keys)], vec![roman(help)]);
    }

    roff.control("SH", ["EXIT STATUS"]);
    let mut commands = vec![cmd];
    commands.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()));
    for c in commands {
        let help = c
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        let Some(at) = help.find("Exit codes:") else {
            continue;
        };
        let codes = help[at + "Exit codes:".len()..]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let name = if std::ptr::eq(c, cmd) {
            "uo-aws-tui".to_string()
        } else {
            format!("uo-aws-tui {}", c.get_name())
        };
        entry(&mut roff, vec![bold(name)], vec![roman(codes)]);
    }

    let environment = readme_section("Environment");
    roff.control("SH", ["ENVIRONMENT"]);
    for row in table_rows(&environment) {
        entry(&mut roff, inline(&row[0]), inline(&row[1]));
    }
    roff.control("SH", ["FILES"]);
    let files: Vec<&str> = environment
        .split("\n\n")
        .filter(|p| !p.trim().is_empty() && !p.trim_start().starts_with('|'))
        .collect();
    for paragraph in files {
        let text = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
        roff.control("PP", []);
        roff.text(inline(&text));
    }
    roff.control("PP", []);
    roff.text(inline(
        "The AWS files it reads and edits: `~/.aws/config`, `~/.aws/credentials`, the token \
         cache `~/.aws/sso/cache/` and the role-credential cache `~/.aws/cli/cache/` of the AWS CLI.",
    ));

    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        bold("aws"),
        roman("(1), "),
        bold("aws configure sso"),
        roman(", "),
        bold("aws sso login"),
        roman("; the README at https://github.com/uoregon/uo-aws-tui"),
    ]);
    roff
}

/// Every page: the main one, then one per visible subcommand
/// (`uo-aws-tui-use.1`, as git names its pages). File name → bytes.
fn pages() -> BTreeMap<String, Vec<u8>> {
    let mut cmd = Cli::command()
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_subcommand(true);
    cmd.build();
    let mut out = BTreeMap::new();

    let man = clap_mangen::Man::new(cmd.clone());
    let mut main = Vec::new();
    man.render(&mut main).unwrap();
    extra_sections(&cmd).to_writer(&mut main).unwrap();
    out.insert(man.get_filename(), main);

    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub = sub.clone().version(env!("CARGO_PKG_VERSION"));
        let man = clap_mangen::Man::new(sub);
        let mut page = Vec::new();
        man.render(&mut page).unwrap();
        out.insert(man.get_filename(), page);
    }
    out
}

#[test]
fn the_committed_man_pages_are_generated_from_the_cli() {
    let pages = pages();
    let dir = man_dir();
    if std::env::var_os(UPDATE).is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "1") {
                std::fs::remove_file(path).unwrap();
            }
        }
        for (name, bytes) in &pages {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (name, bytes) in &pages {
        match std::fs::read(dir.join(name)) {
            Ok(committed) if &committed == bytes => {}
            Ok(_) => stale.push(format!("{name} differs")),
            Err(_) => stale.push(format!("{name} is missing")),
        }
    }
    for entry in std::fs::read_dir(&dir).expect("man/ exists") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !pages.contains_key(&name) {
            stale.push(format!("{name} is generated by nothing"));
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?}; regenerate with {UPDATE}=1 cargo test --test shipped_files"
    );
}

#[test]
fn the_main_page_has_the_sections_a_reader_looks_for() {
    let pages = pages();
    let main = String::from_utf8(pages["uo-aws-tui.1"].clone()).unwrap();
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
        ".SH KEYS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
    ] {
        assert!(main.contains(section), "{section} missing");
    }
    assert!(main.contains(env!("CARGO_PKG_VERSION")));
    assert!(
        !main.contains("commit"),
        "the page carries the version, not the commit"
    );
    // Content from each source made it in.
    assert!(
        main.contains("AWS_CONFIG_FILE"),
        "the README's environment table"
    );
    assert!(main.contains("settings.ini"), "the README's files");
    assert!(main.contains("130 interrupted"), "the exit codes");
    assert!(main.contains("Ctrl\\-t"), "the key table");
    assert!(pages.contains_key("uo-aws-tui-use.1"));
}

#[test]
fn version_names_the_version_and_the_commit() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uo-aws-tui"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let expected_commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    assert_eq!(
        text.trim(),
        format!(
            "uo-aws-tui {} (commit {expected_commit})",
            env!("CARGO_PKG_VERSION")
        )
    );
}

/// The completion scripts in `completions/`, as `completions SHELL` prints
/// them, under the names each shell looks for (what the release archives
/// and the Homebrew formula install).
#[test]
fn the_committed_completions_are_what_the_binary_prints() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut stale = Vec::new();
    for (shell, name) in [
        ("bash", "uo-aws-tui.bash"),
        ("zsh", "_uo-aws-tui"),
        ("fish", "uo-aws-tui.fish"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_uo-aws-tui"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "completions {shell}");
        assert!(
            !out.stdout.is_empty(),
            "completions {shell} printed nothing"
        );
        let path = dir.join(name);
        if std::env::var_os(UPDATE).is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &out.stdout).unwrap();
        }
        if std::fs::read(&path).ok().as_deref() != Some(&out.stdout[..]) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} stale; regenerate with {UPDATE}=1 cargo test --test shipped_files"
    );
}
