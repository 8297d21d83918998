//! `uo-aws-tui doctor`: what in the AWS files and the environment will bite.

use serde_json::Value;
use time::OffsetDateTime;

use crate::aws::config::{AwsFile, ConfigError, FileKind};
use crate::aws::paths::AwsPaths;
use crate::cli::DoctorArgs;
use crate::doctor::{diagnose, has_errors, AwsEnv, Finding};
use crate::exit::Exit;

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
        let mut text = serde_json::to_string_pretty(&Value::Array(array))
            .expect("JSON values always serialise");
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

/// Runs `uo-aws-tui doctor` on this process's files and `AWS_*` variables.
pub fn run(args: &DoctorArgs) -> anyhow::Result<Exit> {
    let paths = AwsPaths::from_env()
        .ok_or_else(|| anyhow::anyhow!("cannot find the home directory (set HOME)"))?;
    let report = report(
        &paths,
        &AwsEnv::from_process(),
        args.json,
        OffsetDateTime::now_utc(),
    )?;
    super::status::print_and_exit(&report.stdout, report.code)
}
