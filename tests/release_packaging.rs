//! The release packaging that can be checked without a release: the
//! Homebrew formula patch (`packaging/homebrew_formula.py`) on a formula
//! `dist` generated, and that what the release workflow and the formula
//! name exists in the repository. (`.ci/run` also lints the workflows with
//! actionlint and builds the crate from its package.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the formula patch on a copy of `formula`: (exit code, stderr, the
/// file afterwards).
fn patch(formula: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("uo-aws-tui.rb");
    std::fs::write(&path, formula).unwrap();
    let out = Command::new("python3")
        .arg(root().join("packaging/homebrew_formula.py"))
        .arg(&path)
        .output()
        .expect("python3 runs the formula patch");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        std::fs::read_to_string(&path).unwrap(),
    )
}

fn dist_formula() -> String {
    std::fs::read_to_string(root().join("tests/support/dist-homebrew-formula.rb")).unwrap()
}

#[test]
fn the_formula_installs_the_man_pages_and_completions_before_the_leftovers() {
    let (code, stderr, patched) = patch(&dist_formula());
    assert_eq!(code, 0, "{stderr}");
    let at = |needle: &str| {
        patched
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in\n{patched}"))
    };
    let leftovers = at("leftover_contents = Dir[\"*\"] - doc_files");
    for line in [
        "man1.install Dir[\"man/*.1\"]",
        "bash_completion.install \"completions/uo-aws-tui.bash\" => \"uo-aws-tui\"",
        "zsh_completion.install \"completions/_uo-aws-tui\"",
        "fish_completion.install \"completions/uo-aws-tui.fish\"",
    ] {
        assert!(at(line) < leftovers, "{line} comes after the leftovers");
        assert!(at(line) > at("bin.install"), "{line} before the binary");
    }
    // Everything else of dist's formula is kept.
    for line in dist_formula().lines() {
        assert!(patched.contains(line), "lost {line:?}");
    }
    // A second run changes nothing.
    let (code, _, again) = patch(&patched);
    assert_eq!(code, 0);
    assert_eq!(again, patched);
}

#[test]
fn a_formula_without_the_anchor_stops_the_release_and_stays_as_it_was() {
    let changed = dist_formula().replace("leftover_contents", "rest");
    let (code, stderr, after) = patch(&changed);
    assert_eq!(code, 2);
    assert!(stderr.contains("dist's template changed"), "{stderr}");
    assert_eq!(after, changed);
}

#[test]
fn what_the_formula_and_the_archives_name_exists() {
    let script = std::fs::read_to_string(root().join("packaging/homebrew_formula.py")).unwrap();
    for file in [
        "completions/uo-aws-tui.bash",
        "completions/_uo-aws-tui",
        "completions/uo-aws-tui.fish",
    ] {
        assert!(script.contains(file));
        assert!(root().join(file).is_file(), "{file} missing");
    }
    assert!(root().join("man/uo-aws-tui.1").is_file());
    let dist = std::fs::read_to_string(root().join("dist-workspace.toml")).unwrap();
    assert!(dist.contains(r#"include = ["man/", "completions/"]"#));
    // The release workflow's custom publish jobs are files of this repository.
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let calls: Vec<&str> = release
        .lines()
        .filter_map(|l| l.trim().strip_prefix("uses: ./"))
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    for call in calls {
        assert!(root().join(call).is_file(), "{call} missing");
    }
    assert!(
        !release.contains("uses: $/"),
        "put `./` back after `dist generate`"
    );
}
