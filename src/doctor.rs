//! `doctor`: what in the AWS files and the environment will make one tool
//! disagree with another, or fail outright. Each [`Finding`] has a stable
//! [`Code`], a [`Severity`], the file and line where there is one, and a
//! one-line fix.
//!
//! Pure over its inputs: the parsed files, the token cache (through
//! [`sessions::discover`]), the `AWS_*` variables passed in as an
//! [`AwsEnv`], and the current time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::aws::config::{is_secret_key, shown_line, shown_value, AwsFile, Section, SectionName};
use crate::aws::paths::AwsPaths;
use crate::sessions::{self, Discovery, TokenState};

/// How bad a finding is. Ordered: errors first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Some tool fails, or tools use different credentials.
    Error,
    /// Something will likely bite later, or reads differently in some tool.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The kind of a finding; [`Code::as_str`] is stable for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// Static keys in the credentials file under the name of an SSO profile.
    CredentialsShadow,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` set.
    EnvCredentials,
    /// `AWS_PROFILE` or `AWS_DEFAULT_PROFILE` names no profile.
    ProfileMissing,
    /// `AWS_PROFILE` and `AWS_DEFAULT_PROFILE` both set, and different.
    ProfileEnvConflict,
    /// A profile's `sso_session` names no `[sso-session]`.
    SessionMissing,
    /// A profile has `sso_session` and its own `sso_start_url`/`sso_region`.
    SessionMismatch,
    /// A section appears twice in one file.
    DuplicateSection,
    /// A key appears twice in one section.
    DuplicateKey,
    /// Both `[default]` and `[profile default]` exist.
    DefaultAmbiguous,
    /// A profile or session name outside `[A-Za-z0-9_\-/.%@:+]`.
    NameNotPortable,
    /// A value with ` #` or ` ;`, which tools read differently.
    InlineComment,
    /// An indented `key = value` line under a key with a value: every tool
    /// reads it as more of that value, not as its own key.
    ContinuedKey,
    /// Any other indented line under a key with a value: every tool reads
    /// the value with that line in it (`sso_account_id` of two lines).
    ContinuedValue,
    /// A login that profiles use is expired and cannot be refreshed.
    TokenExpired,
    /// A login's token file cannot be read.
    TokenUnreadable,
    /// Another file in the token cache is not JSON or a broken token.
    CacheUnreadable,
    /// A profile signs in with `aws login` (`login_session`), which some
    /// tools cannot read.
    LoginSession,
    /// An `aws login` session that profiles carry is not signed in here,
    /// expired without a way to refresh, or its cache file is unreadable.
    LoginExpired,
    /// A companion profile (`credential_process` through `uo-aws-tui
    /// credentials`): when to use it, and whether its profile exists.
    Companion,
    /// A role chain's `source_profile` links loop back.
    ChainLoop,
    /// A chained profile's `source_profile` names no profile or a profile
    /// without credentials, or it has neither `source_profile` nor
    /// `credential_source`.
    ChainSourceMissing,
    /// A chained profile has both `source_profile` and `credential_source`.
    ChainSourceConflict,
    /// A chained profile's `credential_source` is no source botocore knows.
    ChainCredentialSource,
    /// A role chain starts from long-lived static keys.
    ChainStaticKeys,
    /// A role chain has more than [`crate::chain::MAX_LINKS`] role links.
    ChainTooDeep,
    /// A chained profile's `role_arn` is no IAM role ARN.
    ChainRoleArn,
    /// An SSO profile's keys are read otherwise than the config says: the
    /// credentials file's section of the same name sets an SSO key or the
    /// region to another value, or `web_identity_token_file`, which
    /// botocore tries before SSO.
    SsoOverridden,
    /// A key both an SSO profile and its sso-session have (either one's
    /// own or from `[DEFAULT]`) differs: botocore rejects the profile.
    SessionKeyConflict,
}

impl Code {
    /// The stable identifier, e.g. `credentials-shadow`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::CredentialsShadow => "credentials-shadow",
            Code::EnvCredentials => "env-credentials",
            Code::ProfileMissing => "profile-missing",
            Code::ProfileEnvConflict => "profile-env-conflict",
            Code::SessionMissing => "session-missing",
            Code::SessionMismatch => "session-mismatch",
            Code::DuplicateSection => "duplicate-section",
            Code::DuplicateKey => "duplicate-key",
            Code::DefaultAmbiguous => "default-ambiguous",
            Code::NameNotPortable => "name-not-portable",
            Code::InlineComment => "inline-comment",
            Code::ContinuedKey => "continued-key",
            Code::ContinuedValue => "continued-value",
            Code::TokenExpired => "token-expired",
            Code::TokenUnreadable => "token-unreadable",
            Code::CacheUnreadable => "cache-unreadable",
            Code::LoginSession => "login-session",
            Code::LoginExpired => "login-expired",
            Code::Companion => "companion",
            Code::ChainLoop => "chain-loop",
            Code::ChainSourceMissing => "chain-source-missing",
            Code::ChainSourceConflict => "chain-source-conflict",
            Code::ChainCredentialSource => "chain-credential-source",
            Code::ChainStaticKeys => "chain-static-keys",
            Code::ChainTooDeep => "chain-too-deep",
            Code::ChainRoleArn => "chain-role-arn",
            Code::SsoOverridden => "sso-overridden",
            Code::SessionKeyConflict => "session-key-conflict",
        }
    }
}

impl Code {
    /// Whether a finding of this code (at error severity) makes the AWS CLI
    /// and botocore reject the whole file: a section or a key given twice.
    pub fn rejects_file(self) -> bool {
        matches!(self, Code::DuplicateSection | Code::DuplicateKey)
    }
}

/// One thing `doctor` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The file the finding is in; `None` for the environment.
    pub file: Option<PathBuf>,
    /// 1-based line in `file`, where there is one.
    pub line: Option<usize>,
    /// What is wrong and what it does, in one sentence.
    pub message: String,
    /// What to do about it, in one line.
    pub fix: String,
    /// The profiles this finding concerns (for the picker's badge); empty
    /// for findings about the environment or the files as a whole.
    pub profiles: Vec<String>,
}

impl Finding {
    /// `file:line`, `file`, or `environment`.
    pub fn location(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => format!("{}:{line}", file.display()),
            (Some(file), None) => file.display().to_string(),
            (None, _) => "environment".to_string(),
        }
    }

    /// The finding as a JSON object: `code`, `severity`, `file`, `line`,
    /// `message`, `fix`, `profiles`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.code.as_str(),
            "severity": self.severity.as_str(),
            "file": self.file.as_ref().map(|f| f.display().to_string()),
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
            "profiles": self.profiles,
        })
    }
}

impl std::fmt::Display for Finding {
    /// One line: `error credentials-shadow FILE:LINE: message. fix: …`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}: {} — fix: {}",
            self.severity.as_str(),
            self.code.as_str(),
            self.location(),
            self.message,
            self.fix
        )
    }
}

/// The `AWS_*` environment variables `doctor` looks at, passed in so tests
/// never touch the process environment. Empty values count as unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsEnv {
    vars: BTreeMap<String, String>,
}

impl AwsEnv {
    /// The `AWS_*` variables of this process (values that are not UTF-8 are
    /// skipped).
    pub fn from_process() -> AwsEnv {
        AwsEnv::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| k.starts_with("AWS_")),
        )
    }

    /// An environment of the given `(name, value)` pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> AwsEnv {
        AwsEnv {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value of `name`, `None` when unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The characters every AWS SDK accepts in profile and session names.
pub fn is_portable_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

/// Everything `doctor` finds in `config` and `credentials` (either may be
/// missing), the token cache under `paths`, and `env`, at `now`. Sorted by
/// severity, then file and line.
pub fn diagnose(
    paths: &AwsPaths,
    config: Option<&AwsFile>,
    credentials: Option<&AwsFile>,
    env: &AwsEnv,
    now: OffsetDateTime,
) -> Vec<Finding> {
    let mut out = Vec::new();
    check_environment(config, credentials, env, &mut out);
    for file in [config, credentials].into_iter().flatten() {
        check_duplicates(config, file, &mut out);
        check_names(config, file, &mut out);
        check_inline_comments(config, file, &mut out);
        check_continued_keys(config, file, &mut out);
    }
    check_chains(config, credentials, &mut out);
    if let Some(config) = config {
        check_default(config, &mut out);
        check_profile_sessions(config, &mut out);
        check_sso_reads(config, credentials, &mut out);
        check_companions(config, &mut out);
        if let Some(credentials) = credentials {
            check_shadow(config, credentials, &mut out);
        }
        let discovery = sessions::discover(paths, config, now);
        check_tokens(config, &discovery, now, &mut out);
        check_logins(config, &discovery, now, &mut out);
    }
    out.sort_by(|a, b| {
        (a.severity, &a.file, a.line, a.code).cmp(&(b.severity, &b.file, b.line, b.code))
    });
    out
}

/// The findings of `config` and `credentials` (either may be missing) that
/// make the AWS CLI and botocore reject a whole file ([`Code::rejects_file`]
/// at error severity), in file and line order. The file checks only: no
/// token cache, no environment.
pub fn file_rejections(config: Option<&AwsFile>, credentials: Option<&AwsFile>) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in [config, credentials].into_iter().flatten() {
        check_duplicates(config, file, &mut out);
    }
    out.retain(|f| f.severity == Severity::Error && f.code.rejects_file());
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out
}

/// The AWS files of `paths` would be rejected by the AWS CLI and botocore;
/// carries the findings ([`file_rejections`]). Its message names each
/// finding's file:line and fix, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub findings: Vec<Finding>,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the AWS CLI and botocore reject this file as it is, so nothing was written or run; fix it first (`uo-aws-tui doctor` lists every finding):"
        )?;
        for finding in &self.findings {
            write!(f, "\n  {finding}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rejected {}

/// The one check every writing or activating path makes before it writes
/// the config file, prints an activation or runs a command: reads the
/// config and credentials files of `paths` and refuses when
/// [`file_rejections`] finds anything.
///
/// Errors: [`Rejected`] with the findings; a file that cannot be read or
/// parsed (its [`crate::aws::config::ConfigError`], naming file and line).
/// Missing files are fine.
pub fn ensure_accepted(paths: &AwsPaths) -> anyhow::Result<()> {
    use crate::aws::config::FileKind;
    let config = AwsFile::load_optional(&paths.config, FileKind::Config)?;
    let credentials = AwsFile::load_optional(&paths.credentials, FileKind::Credentials)?;
    let findings = file_rejections(config.as_ref(), credentials.as_ref());
    if findings.is_empty() {
        Ok(())
    } else {
        Err(Rejected { findings }.into())
    }
}

/// The error findings that concern profile `profile` (a stale static key
/// in the credentials file shadowing it, a missing sso-session, a
/// duplicate…): what makes the next command with that profile fail in some
/// tool. Diagnoses the files of `paths` with the process's `AWS_*`
/// variables; findings about the environment alone concern no profile and
/// are left out. A file that cannot be read gives no findings (the caller
/// has already read it).
pub fn profile_errors(paths: &AwsPaths, profile: &str) -> Vec<Finding> {
    use crate::aws::config::FileKind;
    let load = |path: &Path, kind| AwsFile::load_optional(path, kind).ok().flatten();
    let config = load(&paths.config, FileKind::Config);
    let credentials = load(&paths.credentials, FileKind::Credentials);
    let findings = diagnose(
        paths,
        config.as_ref(),
        credentials.as_ref(),
        &AwsEnv::from_process(),
        OffsetDateTime::now_utc(),
    );
    findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error && f.profiles.iter().any(|p| p == profile))
        .collect()
}

/// Says on stderr, one line each (`uo-aws-tui: error CODE FILE:LINE:
/// message — fix: …`), what [`profile_errors`] finds about `profile`; every
/// activation path (the picker's Enter, `pick --select-1`, `use`, `exec`)
/// calls it once the profile is chosen and written.
///
/// Errors: with `strict`, any such finding (the activation stops: exit 2,
/// nothing on stdout, no command run).
pub fn warn_about_profile(paths: &AwsPaths, profile: &str, strict: bool) -> anyhow::Result<()> {
    let findings = profile_errors(paths, profile);
    for finding in &findings {
        crate::output::error(finding);
    }
    if strict && !findings.is_empty() {
        anyhow::bail!(
            "profile {profile} has {} error finding(s) above; not activated (--strict)",
            findings.len()
        );
    }
    Ok(())
}

/// The findings that concern profile `profile` (its badge and details in
/// the picker). Findings about the environment or whole files are left out.
pub fn findings_for_profile<'a>(findings: &'a [Finding], profile: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.profiles.iter().any(|p| p == profile))
        .collect()
}

/// Whether any finding is an error (doctor's exit 1).
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

fn finding(
    code: Code,
    severity: Severity,
    file: Option<&Path>,
    line: Option<usize>,
    message: String,
    fix: String,
    profiles: Vec<String>,
) -> Finding {
    Finding {
        code,
        severity,
        file: file.map(Path::to_path_buf),
        line,
        message,
        fix,
        profiles,
    }
}

/// The profile name a section of `file` defines, if it is a profile.
fn profile_name(section: &Section) -> Option<&str> {
    match &section.name {
        SectionName::Default => Some("default"),
        SectionName::Profile(name) => Some(name),
        _ => None,
    }
}

/// The profiles that use sso-session `name`.
fn session_users(config: &AwsFile, name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (profile, section) in config.profiles() {
        if section.get("sso_session") == Some(name) && !out.iter().any(|p| p == profile) {
            out.push(profile.to_string());
        }
    }
    out
}

/// The profiles a section concerns: its own name for a profile, the users of
/// a session.
fn concerned(config: Option<&AwsFile>, section: &Section) -> Vec<String> {
    match (&section.name, config) {
        (SectionName::SsoSession(name), Some(config)) => session_users(config, name),
        _ => profile_name(section)
            .map(str::to_string)
            .into_iter()
            .collect(),
    }
}

/// A section header as the user wrote it.
fn shown_header(section: &Section) -> String {
    format!("[{}]", section.header)
}

fn profile_exists(config: Option<&AwsFile>, credentials: Option<&AwsFile>, name: &str) -> bool {
    [config, credentials]
        .into_iter()
        .flatten()
        .any(|f| f.profile(name).is_some())
}

fn check_environment(
    config: Option<&AwsFile>,
    credentials: Option<&AwsFile>,
    env: &AwsEnv,
    out: &mut Vec<Finding>,
) {
    let keys: Vec<&str> = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ]
    .into_iter()
    .filter(|v| env.get(v).is_some())
    .collect();
    if !keys.is_empty() {
        let profile_note = match env.get("AWS_PROFILE") {
            Some(p) => format!(", so AWS_PROFILE={p} is not used for credentials"),
            None => String::new(),
        };
        out.push(finding(
            Code::EnvCredentials,
            Severity::Warning,
            None,
            None,
            format!(
                "{} set in the environment: the AWS CLI and every SDK use these keys before any profile{profile_note}",
                keys.join(", ")
            ),
            format!("unset {}", keys.join(" ")),
            Vec::new(),
        ));
    }
    let mut named = Vec::new();
    for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
        let Some(name) = env.get(var) else { continue };
        named.push(name.to_string());
        if name != "default" && !profile_exists(config, credentials, name) {
            let looked_in: Vec<String> = [config, credentials]
                .into_iter()
                .flatten()
                .map(|f| f.path.display().to_string())
                .collect();
            let looked_in = if looked_in.is_empty() {
                "no config or credentials file exists".to_string()
            } else {
                format!("not in {}", looked_in.join(" or "))
            };
            out.push(finding(
                Code::ProfileMissing,
                Severity::Error,
                None,
                None,
                format!("{var}={name} names no profile ({looked_in}); every AWS tool fails with \"profile not found\""),
                format!("unset {var}, or set it to an existing profile (uo-aws-tui writes one when you pick a role)"),
                Vec::new(),
            ));
        }
    }
    if let (Some(profile), Some(default_profile)) =
        (env.get("AWS_PROFILE"), env.get("AWS_DEFAULT_PROFILE"))
    {
        if profile != default_profile {
            out.push(finding(
                Code::ProfileEnvConflict,
                Severity::Warning,
                None,
                None,
                format!(
                    "AWS_PROFILE={profile} and AWS_DEFAULT_PROFILE={default_profile}: botocore (boto3, AWS CLI v1) uses {default_profile}, the AWS CLI v2 and the SDKs use {profile}"
                ),
                "unset AWS_DEFAULT_PROFILE and use AWS_PROFILE alone".to_string(),
                named,
            ));
        }
    }
}

fn check_duplicates(config: Option<&AwsFile>, file: &AwsFile, out: &mut Vec<Finding>) {
    for (index, section) in file.sections.iter().enumerate() {
        if let Some(first) = file.sections[..index]
            .iter()
            .find(|s| s.name == section.name)
        {
            let (severity, effect) = if first.header == section.header {
                (
                    Severity::Error,
                    "the AWS CLI and botocore reject the whole file, every profile in it"
                        .to_string(),
                )
            } else {
                (
                    Severity::Warning,
                    format!(
                        "botocore uses only the later one, the Rust SDK merges both ({} and {} read as the same section)",
                        shown_header(first),
                        shown_header(section)
                    ),
                )
            };
            out.push(finding(
                Code::DuplicateSection,
                severity,
                Some(&file.path),
                Some(section.line),
                format!(
                    "{} appears again (first at line {}): {effect}",
                    shown_header(section),
                    first.line
                ),
                format!(
                    "merge the two {} sections into one",
                    section.name.header(file.kind)
                ),
                concerned(config, section),
            ));
        }
        for (i, entry) in section.entries.iter().enumerate() {
            if let Some(first) = section.entries[..i].iter().find(|e| e.key == entry.key) {
                out.push(finding(
                    Code::DuplicateKey,
                    Severity::Error,
                    Some(&file.path),
                    Some(entry.line),
                    format!(
                        "{} in {} is set again (first at line {}): the AWS CLI and botocore reject the whole file, the Rust SDK uses the later value",
                        entry.key,
                        shown_header(section),
                        first.line
                    ),
                    format!("keep one {} line", entry.key),
                    concerned(config, section),
                ));
            }
        }
    }
}

fn check_names(config: Option<&AwsFile>, file: &AwsFile, out: &mut Vec<Finding>) {
    for section in &file.sections {
        let (what, name) = match &section.name {
            SectionName::Profile(name) => ("profile", name),
            SectionName::SsoSession(name) => ("sso-session", name),
            _ => continue,
        };
        if is_portable_name(name) {
            continue;
        }
        let suggestion: String = name
            .chars()
            .map(|c| {
                if is_portable_name(&c.to_string()) {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        out.push(finding(
            Code::NameNotPortable,
            Severity::Warning,
            Some(&file.path),
            Some(section.line),
            format!(
                "{what} name {name:?} has characters outside [A-Za-z0-9_-/.%@:+]: the Rust SDK ignores the section, botocore reads it"
            ),
            format!("rename it, e.g. to {suggestion:?}, and update what refers to it"),
            concerned(config, section),
        ));
    }
}

/// Whether `line` (trimmed) reads as `key = value`: a key of letters,
/// digits and `_`, then `=`.
pub fn looks_like_key_line(line: &str) -> bool {
    line.split_once('=').is_some_and(|(key, _)| {
        let key = key.trim();
        !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn check_continued_keys(config: Option<&AwsFile>, file: &AwsFile, out: &mut Vec<Finding>) {
    for section in &file.sections {
        for entry in &section.entries {
            let mut lines = entry.value.split('\n');
            // A parent with an empty value opens a nested block (`s3 =`),
            // whose indented `k = v` lines are meant.
            if lines.next().is_none_or(|first| first.trim().is_empty()) {
                continue;
            }
            for (offset, line) in lines.enumerate() {
                // Under a secret, any indented line is more of the secret:
                // no key to un-indent, and nothing of it is shown.
                if !looks_like_key_line(line.trim()) || is_secret_key(&entry.key) {
                    if !line.trim().is_empty() {
                        out.push(finding(
                            Code::ContinuedValue,
                            Severity::Error,
                            Some(&file.path),
                            Some(entry.line + offset + 1),
                            format!(
                                "{} is indented, so the AWS CLI, botocore and the SDKs read {} as \
                                 {} (a value of several lines)",
                                crate::output::escape(shown_value(&entry.key, line.trim())),
                                crate::output::escape(&entry.key),
                                crate::output::escape(shown_value(&entry.key, &entry.value))
                            ),
                            format!(
                                "remove that line, or make it a comment (`# …`) at the start of the \
                                 line; {} then reads as its first line",
                                crate::output::escape(&entry.key)
                            ),
                            concerned(config, section),
                        ));
                    }
                    continue;
                }
                out.push(finding(
                    Code::ContinuedKey,
                    Severity::Error,
                    Some(&file.path),
                    Some(entry.line + offset + 1),
                    format!(
                        "{:?} is indented, so the AWS CLI, botocore and the SDKs read it as more of {}'s value, not as its own key",
                        shown_line(line.trim()),
                        entry.key
                    ),
                    "remove the indentation (`uo-aws-tui doctor --fix` does)".to_string(),
                    concerned(config, section),
                ));
            }
        }
    }
}

/// Whether `value` has a space or tab followed by `#` or `;`.
fn has_inline_comment(value: &str) -> bool {
    value
        .as_bytes()
        .windows(2)
        .any(|w| (w[0] == b' ' || w[0] == b'\t') && (w[1] == b'#' || w[1] == b';'))
}

fn check_inline_comments(config: Option<&AwsFile>, file: &AwsFile, out: &mut Vec<Finding>) {
    for section in &file.sections {
        for entry in &section.entries {
            if !has_inline_comment(&entry.value) {
                continue;
            }
            let cut = entry
                .value
                .char_indices()
                .find(|&(i, c)| (c == '#' || c == ';') && entry.value[..i].ends_with([' ', '\t']))
                .map_or(entry.value.as_str(), |(i, _)| entry.value[..i].trim_end());
            out.push(finding(
                Code::InlineComment,
                Severity::Warning,
                Some(&file.path),
                Some(entry.line),
                format!(
                    "{} = {:?}: the AWS CLI and botocore read the whole text, the Rust SDK reads {:?}",
                    entry.key,
                    shown_value(&entry.key, &entry.value),
                    shown_value(&entry.key, cut)
                ),
                "move the comment to a line of its own".to_string(),
                concerned(config, section),
            ));
        }
    }
}

fn check_default(config: &AwsFile, out: &mut Vec<Finding>) {
    let plain = config.section(&SectionName::Default);
    let prefixed = config.section(&SectionName::Profile("default".into()));
    if let (Some(plain), Some(prefixed)) = (plain, prefixed) {
        let later = if plain.line > prefixed.line {
            plain
        } else {
            prefixed
        };
        out.push(finding(
            Code::DefaultAmbiguous,
            Severity::Warning,
            Some(&config.path),
            Some(later.line),
            format!(
                "both [default] (line {}) and [profile default] (line {}) exist: botocore and the AWS CLI use {} (the later one), the Rust SDK uses [profile default]",
                plain.line,
                prefixed.line,
                shown_header(later)
            ),
            "keep one of them, as [default]".to_string(),
            vec!["default".to_string()],
        ));
    }
}

/// Companion profiles of ours (`credential_process = "…" credentials NAME
/// --format process`): an info finding saying when to use them, or a
/// warning when NAME is no sso-session profile any more.
fn check_companions(config: &AwsFile, out: &mut Vec<Finding>) {
    for (profile, section) in config.profiles() {
        let Some(entry) = section
            .entries
            .iter()
            .rfind(|e| e.key == "credential_process")
        else {
            continue;
        };
        if !crate::ownership::is_ours(section) {
            continue;
        }
        let words: Vec<&str> = entry.value.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| *w == "credentials") else {
            continue;
        };
        let Some(target) = words.get(at + 1).map(|w| w.trim_matches('\'')) else {
            continue;
        };
        let native = config
            .profile(target)
            .is_some_and(|s| s.get("sso_session").is_some());
        let profiles = vec![profile.to_string()];
        // Names from the file, shown escaped.
        let (profile, target) = (
            crate::output::escape(profile),
            crate::output::escape(target),
        );
        let finding = if native {
            finding(
                Code::Companion,
                Severity::Info,
                Some(&config.path),
                Some(entry.line),
                format!(
                    "profile {profile} is the companion of {target}: the same role through credential_process, for tools that cannot read sso_session profiles (terraform AWS providers built on older Go SDKs, terragrunt, the JetBrains toolkit); everything else should use {target}"
                ),
                format!("use profile = \"{profile}\" only in those tools; uo-aws-tui populate --companion writes companions"),
                profiles,
            )
        } else {
            finding(
                Code::Companion,
                Severity::Warning,
                Some(&config.path),
                Some(entry.line),
                format!(
                    "profile {profile} runs uo-aws-tui credentials {target}, but {target} is not an sso-session profile: it fails"
                ),
                format!("remove [profile {profile}], or write {target} again (uo-aws-tui populate)"),
                profiles,
            )
        };
        out.push(finding);
    }
}

fn check_profile_sessions(config: &AwsFile, out: &mut Vec<Finding>) {
    for (profile, section) in config.profiles() {
        let Some(session_name) = section.get("sso_session") else {
            continue;
        };
        let session_line = section
            .entries
            .iter()
            .find(|e| e.key == "sso_session")
            .map(|e| e.line);
        let Some(session) = config.sso_session(session_name) else {
            out.push(finding(
                Code::SessionMissing,
                Severity::Error,
                Some(&config.path),
                session_line,
                format!(
                    "profile {profile} uses sso_session = {session_name}, but there is no [sso-session {session_name}]: every tool fails for this profile"
                ),
                format!("add [sso-session {session_name}] (uo-aws-tui login --sso-session {session_name} --start-url URL), or name an existing session"),
                vec![profile.to_string()],
            ));
            continue;
        };
        let own: Vec<_> = section
            .entries
            .iter()
            .filter(|e| e.key == "sso_start_url" || e.key == "sso_region")
            .collect();
        let Some(first) = own.first() else { continue };
        let differing: Vec<String> = own
            .iter()
            .filter(|e| session.get(&e.key) != Some(e.value.as_str()))
            .map(|e| {
                format!(
                    "{} = {} (the session has {})",
                    e.key,
                    e.value,
                    session.get(&e.key).unwrap_or("none")
                )
            })
            .collect();
        let keys: Vec<&str> = own.iter().map(|e| e.key.as_str()).collect();
        let (severity, effect) = if differing.is_empty() {
            (
                Severity::Warning,
                "the values match the session, so the AWS CLI accepts it, but the Rust SDK rejects the profile".to_string(),
            )
        } else {
            (
                Severity::Error,
                format!(
                    "{}: the AWS CLI and botocore reject the profile, and so does the Rust SDK",
                    differing.join(", ")
                ),
            )
        };
        out.push(finding(
            Code::SessionMismatch,
            severity,
            Some(&config.path),
            Some(first.line),
            format!(
                "profile {profile} has sso_session = {session_name} and its own {}; {effect}",
                keys.join(" and ")
            ),
            format!(
                "delete {} from [profile {profile}]; [sso-session {session_name}] holds them",
                keys.join(" and ")
            ),
            vec![profile.to_string()],
        ));
    }
}

/// The keys of an SSO profile whose value in the credentials file's
/// section of the same name botocore reads over the config's.
const SSO_READ_KEYS: [&str; 6] = [
    "sso_session",
    "sso_account_id",
    "sso_role_name",
    "sso_start_url",
    "sso_region",
    "region",
];

/// Where `entry` of `section` comes from, for a message: `` or ` (from
/// [DEFAULT])`.
fn inherited_note(section: &Section, entry: &crate::aws::config::Entry) -> &'static str {
    if section.entries.iter().any(|e| std::ptr::eq(e, entry)) {
        ""
    } else {
        " (from [DEFAULT])"
    }
}

/// SSO profiles of `config` that botocore reads otherwise than their
/// section says ([`Code::SsoOverridden`]) or rejects for a key their
/// sso-session has with another value ([`Code::SessionKeyConflict`]).
fn check_sso_reads(config: &AwsFile, credentials: Option<&AwsFile>, out: &mut Vec<Finding>) {
    let merged = crate::chain::Profiles::new(Some(config), credentials);
    for (name, section) in config.profiles() {
        let Some(session_name) = section.get("sso_session") else {
            continue;
        };
        let profiles = vec![name.to_string()];
        let override_section = credentials.and_then(|c| c.profile(name).map(|s| (c, s)));
        if let Some((credentials, over)) = override_section {
            for key in SSO_READ_KEYS {
                let Some(entry) = over.entry(key) else {
                    continue;
                };
                if section.get(key) == Some(entry.value.as_str()) {
                    continue;
                }
                out.push(finding(
                    Code::SsoOverridden,
                    Severity::Error,
                    Some(&credentials.path),
                    Some(entry.line),
                    format!(
                        "{}{} sets {key} = {}, which botocore and the AWS CLI read over profile \
                         {name}'s {key} = {} in {} (line {}): the profile is not the one its \
                         section says",
                        shown_header(over),
                        inherited_note(over, entry),
                        entry.value,
                        section.get(key).unwrap_or("(none)"),
                        config.path.display(),
                        section.line
                    ),
                    format!(
                        "delete {key} from {} in {}",
                        shown_header(over),
                        credentials.path.display()
                    ),
                    profiles.clone(),
                ));
            }
        }
        // A role_arn (here, in the credentials file or from [DEFAULT])
        // makes botocore assume that role: the SSO keys are not used.
        if let Some((path, line)) = merged.role_arn_at(name) {
            out.push(finding(
                Code::SsoOverridden,
                Severity::Warning,
                Some(path),
                Some(line),
                format!(
                    "profile {name} has role_arn as well as its SSO settings: botocore and the \
                     SDKs assume that role (a role chain) and never use role {} in account {}",
                    section.get("sso_role_name").unwrap_or("(none)"),
                    section.get("sso_account_id").unwrap_or("(none)"),
                ),
                "keep the SSO settings and the chain in two profiles (uo-aws-tui chain writes \
                 one on top of an SSO profile), or delete role_arn"
                    .to_string(),
                profiles.clone(),
            ));
        }
        let web_identity = override_section
            .and_then(|(c, s)| s.entry("web_identity_token_file").map(|e| (c, s, e)))
            .or_else(|| {
                section
                    .entry("web_identity_token_file")
                    .map(|e| (config, section, e))
            });
        if let Some((file, at, entry)) = web_identity {
            out.push(finding(
                Code::SsoOverridden,
                Severity::Error,
                Some(&file.path),
                Some(entry.line),
                format!(
                    "profile {name} has web_identity_token_file{}, which botocore and the SDKs \
                     try before its SSO settings: they assume a role with that token file (or \
                     refuse the profile without a role_arn), not role {} in account {}",
                    inherited_note(at, entry),
                    section.get("sso_role_name").unwrap_or("(none)"),
                    section.get("sso_account_id").unwrap_or("(none)"),
                ),
                format!(
                    "delete web_identity_token_file from {} in {}",
                    shown_header(at),
                    file.path.display()
                ),
                profiles.clone(),
            ));
        }
        let Some(session) = config.sso_session(session_name) else {
            continue;
        };
        // A profile's own sso_start_url / sso_region are session-mismatch.
        let own = |key: &str| section.entries.iter().any(|e| e.key == key);
        let mut seen: Vec<&str> = Vec::new();
        for entry in session.entries.iter().chain(&session.inherited) {
            if seen.contains(&entry.key.as_str()) {
                continue;
            }
            seen.push(&entry.key);
            if matches!(entry.key.as_str(), "sso_start_url" | "sso_region") && own(&entry.key) {
                continue;
            }
            let mine = override_section
                .and_then(|(c, s)| s.entry(&entry.key).map(|e| (c, e)))
                .or_else(|| section.entry(&entry.key).map(|e| (config, e)));
            let Some((file, mine)) = mine else {
                continue;
            };
            if mine.value == entry.value {
                continue;
            }
            out.push(finding(
                Code::SessionKeyConflict,
                Severity::Error,
                Some(&file.path),
                Some(mine.line),
                format!(
                    "profile {name} has {} = {} and [sso-session {session_name}] has {} = {}{} \
                     (line {}): botocore and the AWS CLI reject the profile (the value is \
                     inconsistent between profile and sso-session)",
                    entry.key,
                    shown_value(&entry.key, &mine.value),
                    entry.key,
                    shown_value(&entry.key, &entry.value),
                    inherited_note(session, entry),
                    entry.line
                ),
                if inherited_note(session, entry).is_empty() {
                    format!(
                        "give both the same {0}, or delete {0} from [sso-session {session_name}]",
                        entry.key
                    )
                } else {
                    format!(
                        "give both the same {0}, or delete {0} from [DEFAULT]",
                        entry.key
                    )
                },
                profiles.clone(),
            ));
        }
    }
}

fn check_shadow(config: &AwsFile, credentials: &AwsFile, out: &mut Vec<Finding>) {
    for section in &credentials.sections {
        let Some(name) = profile_name(section) else {
            continue;
        };
        if section
            .get("aws_access_key_id")
            .is_none_or(|k| k.is_empty())
        {
            continue;
        }
        let Some(profile) = config.profile(name) else {
            continue;
        };
        let sso = [
            "sso_session",
            "sso_start_url",
            "sso_account_id",
            "sso_role_name",
        ]
        .iter()
        .any(|k| profile.get(k).is_some());
        if !sso {
            continue;
        }
        out.push(finding(
            Code::CredentialsShadow,
            Severity::Error,
            Some(&credentials.path),
            Some(section.line),
            format!(
                "{} has static keys and profile {name} in {} (line {}) signs in with SSO: the AWS CLI, botocore and the Rust SDK use the SSO login, the Go SDK (terraform) uses these keys — old keys give 403s there",
                shown_header(section),
                config.path.display(),
                profile.line
            ),
            format!(
                "delete {} from {} (or rename it) so every tool uses SSO",
                shown_header(section),
                credentials.path.display()
            ),
            vec![name.to_string()],
        ));
    }
}

fn check_tokens(
    config: &AwsFile,
    discovery: &Discovery,
    now: OffsetDateTime,
    out: &mut Vec<Finding>,
) {
    for warning in &discovery.warnings {
        if discovery
            .sessions
            .iter()
            .any(|s| s.cache_file == warning.path)
        {
            continue;
        }
        out.push(finding(
            Code::CacheUnreadable,
            Severity::Info,
            Some(&warning.path),
            None,
            format!(
                "a file in the SSO token cache cannot be read ({}); no configured login uses it",
                warning.reason
            ),
            "delete it if no tool of yours wrote it on purpose".to_string(),
            Vec::new(),
        ));
    }
    for status in &discovery.sessions {
        if status.profiles.is_empty() {
            continue;
        }
        let login = match &status.session {
            Some(name) => format!("uo-aws-tui login --sso-session {name}"),
            None => format!("aws sso login --profile {}", status.profiles[0]),
        };
        match status.state {
            TokenState::Expired if !status.refreshable => {
                let when = status
                    .expires_at
                    .map(|t| crate::duration::expiry_phrase(t, now))
                    .unwrap_or_else(|| "expired".to_string());
                out.push(finding(
                    Code::TokenExpired,
                    Severity::Warning,
                    Some(&config.path),
                    Some(status.line),
                    format!(
                        "the token of {} {when} and cannot be refreshed; {} profile(s) use it ({})",
                        status.describe(),
                        status.profiles.len(),
                        status.cache_file.display()
                    ),
                    login.clone(),
                    status.profiles.clone(),
                ));
            }
            TokenState::Unreadable => {
                out.push(finding(
                    Code::TokenUnreadable,
                    Severity::Warning,
                    Some(&status.cache_file),
                    None,
                    format!(
                        "the token file of {} cannot be read ({}); {} profile(s) use it",
                        status.describe(),
                        status.problem.as_deref().unwrap_or("unknown reason"),
                        status.profiles.len()
                    ),
                    format!("delete the file, then {login}"),
                    status.profiles.clone(),
                ));
            }
            _ => {}
        }
    }
}

/// Tools that cannot read `login_session` profiles (see docs/aws-login.md
/// for the sources).
pub const LOGIN_UNREADERS: &str = "terraform (hashicorp/aws-sdk-go-base#1433), \
aws-sdk-go-v2 before v1.40.0, the AWS SDK for Java 2.x before 2.39.1 or without its signin \
module, the JavaScript SDK v3 before 3.936.0, botocore and boto3 (so AWS CLI v1) without \
their `crt` extra or from before their login provider, the JetBrains toolkit";

/// `aws login` profiles: which tools cannot read them and the companion
/// that serves those (info, one per profile), and logins that need a new
/// `aws login` (warning). Never a fix that rewrites them.
fn check_logins(
    config: &AwsFile,
    discovery: &Discovery,
    now: OffsetDateTime,
    out: &mut Vec<Finding>,
) {
    for login in &discovery.logins {
        let arn = crate::output::escape(&login.login_session);
        for profile in &login.profiles {
            let line = config.profile(profile).map(|s| s.line);
            out.push(finding(
                Code::LoginSession,
                Severity::Info,
                Some(&config.path),
                line,
                format!(
                    "profile {profile} signs in with `aws login` (login_session = {arn}): the AWS \
                     CLI ≥ 2.32 and current SDKs read it, but not {LOGIN_UNREADERS}"
                ),
                format!(
                    "for those tools add a companion profile with `credential_process = \
                     uo-aws-tui credentials {profile} --format process` (the credentials \
                     companion; `aws configure export-credentials --profile {profile} --format \
                     process` is the AWS CLI's own); {profile} and its cached login stay as \
                     `aws login` wrote them"
                ),
                vec![profile.clone()],
            ));
        }
        if login.usable() {
            continue;
        }
        let relogin = format!("aws login --profile {}", login.profiles[0]);
        let (message, fix) = match login.state {
            TokenState::Unreadable => (
                format!(
                    "the cached `aws login` of {arn} cannot be read ({}); {} profile(s) use it",
                    login.problem.as_deref().unwrap_or("unknown reason"),
                    login.profiles.len()
                ),
                relogin,
            ),
            TokenState::NotLoggedIn => (
                format!(
                    "{arn} is not signed in here (no {}); {} profile(s) use it",
                    login.cache_file.display(),
                    login.profiles.len()
                ),
                relogin,
            ),
            _ => (
                format!(
                    "the cached `aws login` of {arn} {} and cannot be refreshed; {} profile(s) use it",
                    login
                        .expires_at
                        .map(|t| crate::duration::expiry_phrase(t, now))
                        .unwrap_or_else(|| "expired".to_string()),
                    login.profiles.len()
                ),
                relogin,
            ),
        };
        out.push(finding(
            Code::LoginExpired,
            Severity::Warning,
            Some(&config.path),
            Some(login.line),
            message,
            fix,
            login.profiles.clone(),
        ));
    }
}

/// Role chains ([`crate::chain`]): one finding per place a chain breaks
/// (loop, missing source, `source_profile` with `credential_source`: the
/// errors botocore raises) and per root of static keys or chain deeper than
/// [`crate::chain::MAX_LINKS`] (warnings), each naming every chained profile
/// concerned.
fn check_chains(config: Option<&AwsFile>, credentials: Option<&AwsFile>, out: &mut Vec<Finding>) {
    use crate::chain::{ChainError, Profiles, Root, MAX_LINKS};
    let profiles = Profiles::new(config, credentials);
    let located = |profile: &str| {
        [config, credentials]
            .into_iter()
            .flatten()
            .find_map(|f| Some((f.path.as_path(), f.profile(profile)?.line)))
    };
    // (code, profile where it is, message, fix) → concerned profiles
    let mut found: BTreeMap<(Code, String, String, String), Vec<String>> = BTreeMap::new();
    for name in profiles.chained() {
        let Some(resolved) = profiles.resolve(&name) else {
            continue;
        };
        let shown = |p: &str| crate::output::escape(p);
        match resolved {
            Err(error) => {
                let at = error.at().to_string();
                let (code, fix) = match &error {
                    ChainError::Loop { .. } => (
                        Code::ChainLoop,
                        format!(
                            "point source_profile of {} at a profile with credentials (an SSO \
                             profile), outside the loop",
                            shown(&at)
                        ),
                    ),
                    ChainError::MissingSource {
                        source_profile: Some(_),
                        ..
                    } => (
                        Code::ChainSourceMissing,
                        format!(
                            "add the source profile, or set source_profile of {} to an existing \
                             profile",
                            shown(&at)
                        ),
                    ),
                    ChainError::MissingSource {
                        source_profile: None,
                        ..
                    } => (
                        Code::ChainSourceMissing,
                        format!(
                            "add source_profile (or credential_source) to {0}, or remove its \
                             role_arn line if {0} is not meant to assume a role",
                            shown(&at)
                        ),
                    ),

                    ChainError::SourceConflict { .. } => (
                        Code::ChainSourceConflict,
                        format!(
                            "keep one of source_profile and credential_source in {}",
                            shown(&at)
                        ),
                    ),
                    ChainError::UnknownCredentialSource { .. } => (
                        Code::ChainCredentialSource,
                        format!(
                            "set credential_source of {} to Environment, Ec2InstanceMetadata or \
                             EcsContainer, or use source_profile",
                            shown(&at)
                        ),
                    ),
                    ChainError::PartialKeys { .. } => (
                        Code::ChainSourceMissing,
                        format!(
                            "give {} both aws_access_key_id and aws_secret_access_key, or \
                             remove them",
                            shown(&at)
                        ),
                    ),
                    ChainError::WebIdentityWithoutRole { .. } => (
                        Code::ChainSourceMissing,
                        format!(
                            "remove web_identity_token_file from {0}, or add the role_arn it \
                             assumes",
                            shown(&at)
                        ),
                    ),
                    ChainError::NoCredentials { .. } => (
                        Code::ChainSourceMissing,
                        format!(
                            "give {} credentials (sso_session, sso_account_id and sso_role_name \
                             for an SSO profile), or point the chain at a profile that has them",
                            shown(&at)
                        ),
                    ),
                };
                let message = format!(
                    "{}: botocore and the SDKs refuse it",
                    crate::output::escape(&error.to_string())
                );
                found
                    .entry((code, at, message, fix))
                    .or_default()
                    .push(name);
            }
            Ok(chain) => {
                for link in &chain.links {
                    let arn = profiles.get(link, "role_arn").unwrap_or_default();
                    if crate::chain::role_parts(arn).is_none() {
                        let message = format!(
                            "role_arn = {} of profile {} is no IAM role ARN (arn:aws:iam::ACCOUNTID:role/NAME, a 12-digit account): \
                             STS refuses to assume it",
                            shown(arn),
                            shown(link)
                        );
                        let fix = format!(
                            "set role_arn of {} to arn:aws:iam::ACCOUNTID:role/NAME",
                            shown(link)
                        );
                        found
                            .entry((Code::ChainRoleArn, link.clone(), message, fix))
                            .or_default()
                            .push(name.clone());
                    }
                }
                if let Root::StaticKeys { profile } = &chain.root {
                    let message = format!(
                        "the role chain of {} starts from the long-lived static keys of \
                         profile {}",
                        shown(&name),
                        shown(profile)
                    );
                    let fix = format!(
                        "set source_profile of {} to an SSO profile (uo-aws-tui chain SSO_PROFILE \
                         --role-arn ARN writes one), and remove the keys",
                        shown(chain.links.last().expect("never empty"))
                    );
                    found
                        .entry((Code::ChainStaticKeys, profile.clone(), message, fix))
                        .or_default()
                        .push(name.clone());
                }
                if chain.links.len() > MAX_LINKS {
                    let message = format!(
                        "profile {} assumes {} roles in a row to reach {}: each is one more STS \
                         AssumeRole call, and roles assumed with role credentials get one-hour \
                         sessions at most",
                        shown(&name),
                        chain.links.len(),
                        shown(chain.root.profile())
                    );
                    let fix = format!(
                        "keep chains to {MAX_LINKS} roles or fewer: point source_profile nearer \
                         the root"
                    );
                    found
                        .entry((Code::ChainTooDeep, name.clone(), message, fix))
                        .or_default()
                        .push(name);
                }
            }
        }
    }
    for ((code, at, message, fix), concerned) in found {
        let severity = match code {
            Code::ChainStaticKeys | Code::ChainTooDeep => Severity::Warning,
            _ => Severity::Error,
        };
        let (file, line) = located(&at).map_or((None, None), |(f, l)| (Some(f), Some(l)));
        out.push(finding(code, severity, file, line, message, fix, concerned));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_names() {
        assert!(is_portable_name("123456789012_Admin"));
        assert!(is_portable_name("a-b/c.d%e@f:g+h"));
        assert!(!is_portable_name("a b"));
        assert!(!is_portable_name("a=b"));
        assert!(!is_portable_name("ü"));
        assert!(!is_portable_name(""));
    }

    #[test]
    fn inline_comments() {
        assert!(has_inline_comment("us-west-2 # prod"));
        assert!(has_inline_comment("x\t;y"));
        assert!(!has_inline_comment("a#b"));
        assert!(!has_inline_comment("https://x/#frag"));
    }

    #[test]
    fn env_ignores_empty_values() {
        let env = AwsEnv::from_pairs([("AWS_PROFILE", ""), ("AWS_REGION", "x")]);
        assert_eq!(env.get("AWS_PROFILE"), None);
        assert_eq!(env.get("AWS_REGION"), Some("x"));
    }
}
