//! `uo-aws-tui doctor`: what in the AWS files and the environment will bite.

use serde_json::Value;
use time::OffsetDateTime;

use std::path::Path;

use super::populate::unified_diff;
use crate::aws::config::{read_text, AwsFile, ConfigError, FileKind};
use crate::aws::config_write::{ConfigWriter, WriteOutcome};
use crate::aws::paths::AwsPaths;
use crate::cli::DoctorArgs;
use crate::doctor::{diagnose, has_errors, AwsEnv, Code, Finding};
use crate::exit::Exit;
use crate::repair::{comment_out_sections, safe_fixes, Applied};

/// What `doctor` prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// One finding per line, or a JSON array of finding objects.
    pub stdout: String,
    /// 0 with no `error` finding, 1 otherwise.
    pub code: u8,
}

/// Diagnoses the files of `paths` with the variables of `env` at `now`.
/// Errors: a file that cannot be read or parsed (naming file and line).
/// Missing files are normal.
pub fn report(
    paths: &AwsPaths,
    env: &AwsEnv,
    json: bool,
    now: OffsetDateTime,
) -> Result<Report, ConfigError> {
    let config = AwsFile::load_optional(&paths.config, FileKind::Config)?;
    let credentials = AwsFile::load_optional(&paths.credentials, FileKind::Credentials)?;
    let findings = diagnose(paths, config.as_ref(), credentials.as_ref(), env, now);
    let stdout = if json {
        let array: Vec<Value> = findings.iter().map(Finding::to_json).collect();
        let mut text =
            crate::output::json(&Value::Array(array), true).expect("JSON values always serialise");
        text.push('\n');
        text
    } else if findings.is_empty() {
        format!(
            "No problems found in {}, {} or the environment.\n",
            paths.config.display(),
            paths.credentials.display()
        )
    } else {
        findings.iter().map(|f| format!("{f}\n")).collect()
    };
    let code = if has_errors(&findings) { 1 } else { 0 };
    Ok(Report {
        findings,
        stdout,
        code,
    })
}

/// Runs `uo-aws-tui doctor` on this process's files and `AWS_*` variables;
/// with `--fix`, [`fix`] first (with `--dry-run`, only its diffs, exit 0).
pub fn run(args: &DoctorArgs) -> anyhow::Result<Exit> {
    let paths = AwsPaths::from_env()?;
    let mut fixed = String::new();
    if args.fix {
        fixed = fix(&paths, args)?;
        if args.dry_run {
            return super::status::print_and_exit(&fixed, 0);
        }
    }
    let report = report(
        &paths,
        &AwsEnv::from_process(),
        args.json,
        OffsetDateTime::now_utc(),
    )?;
    fixed.push_str(&report.stdout);
    let mut code = report.code;
    // The settings file stops every other command, so it is reported here.
    if let Some(dirs) = crate::dirs::AppDirs::from_env() {
        if let Err(e) = crate::settings::Settings::load(&dirs) {
            crate::output::error(format!("error: {e}"));
            code = code.max(1);
        }
    }
    super::status::print_and_exit(&fixed, code)
}

/// What one file's fixes changed, for the output: a line per change, the
/// unified diff, and `backup: PATH` once written.
fn describe_fixes(path: &Path, applied: &[Applied], old: &str, new: &str) -> String {
    let mut out = String::new();
    for a in applied {
        out.push_str(&format!("fix {}:{}: {}\n", path.display(), a.line, a.what));
    }
    out.push_str(&unified_diff(path, old, new));
    out
}

/// Whether the user confirms commenting out `names` in `path` on the
/// terminal (`/dev/tty`); `false` without one.
fn confirm(path: &Path, names: &[String]) -> bool {
    use std::io::{BufRead as _, Write as _};
    if !crate::token::can_sign_in_inline() {
        return false;
    }
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return false;
    };
    let shown: Vec<String> = names
        .iter()
        .map(|n| format!("[{}]", crate::output::escape(n)))
        .collect();
    let mut writer = &tty;
    let _ = write!(
        writer,
        "Comment out {} in {}? Every tool then uses the SSO login. [y/N] ",
        shown.join(" "),
        path.display()
    );
    let mut answer = String::new();
    let _ = std::io::BufReader::new(&tty).read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}

/// `doctor --fix`: the safe fixes of [`crate::repair::safe_fixes`] on the
/// config and credentials files, then (with `--yes` or a confirmation on
/// the terminal) the credentials sections that shadow an SSO profile
/// commented out. Each changed file is written through [`ConfigWriter`]
/// (locked, backed up, atomic) unless `--dry-run`. Returns the text to
/// print: per file, what changed, the diff and the backup.
///
/// Errors: a file cannot be read, locked, backed up or written.
pub fn fix(paths: &AwsPaths, args: &DoctorArgs) -> anyhow::Result<String> {
    let env = crate::env::Environment::from_process()?;
    let mut out = String::new();
    for (path, kind) in [
        (&paths.config, FileKind::Config),
        (&paths.credentials, FileKind::Credentials),
    ] {
        let text = match read_text(path) {
            Ok(text) => text,
            Err(ConfigError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        let (mut new, mut applied) = safe_fixes(&text);
        let mut shadows = Vec::new();
        if kind == FileKind::Credentials {
            shadows = shadowing_sections(paths, &new);
            if !shadows.is_empty() {
                // --dry-run shows what --yes would do.
                if args.yes || args.dry_run || confirm(path, &shadows) {
                    let (commented, more) = comment_out_sections(&new, &shadows);
                    new = commented;
                    applied.extend(more);
                } else {
                    out.push_str(&format!(
                        "not changed: {} in {} shadows an SSO profile; run `uo-aws-tui doctor --fix --yes` to comment it out\n",
                        shadows.iter().map(|n| format!("[{n}]")).collect::<Vec<_>>().join(" "),
                        path.display()
                    ));
                    shadows.clear();
                }
            }
        }
        if applied.is_empty() {
            continue;
        }
        out.push_str(&describe_fixes(path, &applied, &text, &new));
        if args.dry_run {
            continue;
        }
        let outcome = ConfigWriter::new(path, &env.dirs).apply(|current| {
            let (fixed, _) = safe_fixes(current);
            Ok(if shadows.is_empty() {
                fixed
            } else {
                comment_out_sections(&fixed, &shadows).0
            })
        })?;
        if let WriteOutcome::Written {
            backup: Some(backup),
            ..
        } = outcome
        {
            out.push_str(&format!("backup: {}\n", backup.display()));
        }
    }
    if out.is_empty() {
        out.push_str("Nothing to fix.\n");
    }
    Ok(out)
}

/// The sections of the credentials file (its text `credentials`, after the
/// safe fixes) that doctor finds shadowing an SSO profile of the config.
fn shadowing_sections(paths: &AwsPaths, credentials: &str) -> Vec<String> {
    // The config as its own fixes leave it (a BOM makes it unreadable).
    let Ok(config) = read_text(&paths.config)
        .and_then(|t| AwsFile::parse(&paths.config, FileKind::Config, &safe_fixes(&t).0))
    else {
        return Vec::new();
    };
    let Ok(credentials) = AwsFile::parse(&paths.credentials, FileKind::Credentials, credentials)
    else {
        return Vec::new();
    };
    diagnose(
        paths,
        Some(&config),
        Some(&credentials),
        &AwsEnv::default(),
        OffsetDateTime::now_utc(),
    )
    .into_iter()
    .filter(|f| f.code == Code::CredentialsShadow)
    .flat_map(|f| f.profiles)
    .collect()
}
