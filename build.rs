//! Records the commit the binary is built from, for `--version`:
//! `UO_AWS_TUI_COMMIT` is the git commit of the source tree (from `git`
//! in a checkout, or from the `.cargo_vcs_info.json` that `cargo package`
//! writes into a published crate), or `unknown`.

use std::path::Path;
use std::process::Command;

fn main() {
    let commit = from_git()
        .or_else(from_vcs_info)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=UO_AWS_TUI_COMMIT={commit}");
    // Only a file that exists: cargo takes a missing one as changed and
    // would build the crate again every time.
    if Path::new(".cargo_vcs_info.json").exists() {
        println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
    }
    // HEAD moves: a checkout, a commit (refs), a gc (packed-refs).
    let dirs = if Path::new(".git").exists() {
        &["--git-dir", "--git-common-dir"][..]
    } else {
        &[]
    };
    for dir in dirs {
        if let Some(dir) = git_output(&["rev-parse", dir]) {
            for name in ["HEAD", "refs", "packed-refs"] {
                let path = Path::new(&dir).join(name);
                if path.exists() {
                    println!("cargo:rerun-if-changed={}", path.display());
                }
            }
        }
    }
}

/// The short commit of HEAD in a checkout of this crate (not of a
/// repository around it, as when built from a package inside one).
fn from_git() -> Option<String> {
    if !Path::new(".git").exists() {
        return None;
    }
    git_output(&["rev-parse", "--short=12", "HEAD"])
}

/// The commit `cargo package` recorded (`{"git": {"sha1": "…"}}`).
fn from_vcs_info() -> Option<String> {
    let text = std::fs::read_to_string(".cargo_vcs_info.json").ok()?;
    let start = text.find("\"sha1\"")?;
    let rest = &text[start + "\"sha1\"".len()..];
    let open = rest.find('"')? + 1;
    let len = rest[open..].find('"')?;
    let sha = &rest[open..open + len];
    (sha.len() >= 12 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then(|| sha[..12].to_string())
}

fn git_output(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}
