//! `uo-aws-tui status`: which logins are valid, from local files only: the
//! sso-sessions and legacy start URLs, then the `login_session`s of
//! `aws login` profiles.

use serde_json::{json, Value};
use time::OffsetDateTime;
use unicode_width::UnicodeWidthStr;

use crate::aws::config::{AwsFile, ConfigError, FileKind};
use crate::aws::paths::AwsPaths;
use crate::aws::token_cache::format_timestamp;
use crate::cli::StatusArgs;
use crate::exit::Exit;
use crate::sessions::{self, Discovery, LoginStatus, SessionStatus, TokenState};

/// What `status` prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The table or the JSON array, ending in a newline.
    pub stdout: String,
    /// Lines for stderr: unreadable cache files, a missing config.
    pub warnings: Vec<String>,
    /// 0 when every login is valid or refreshable, 1 otherwise (also when
    /// there is no login at all).
    pub code: u8,
}

/// The JSON object of one login: `kind` (`sso`), `session` (null for a
/// legacy start URL),
/// `start_url`, `region`, `state`, `expires_at` and
/// `registration_expires_at` (RFC 3339 UTC or null), `refreshable`,
/// `profiles` (how many use it), `profile_names`, `chained_profiles` (the
/// role-chained profiles that start from one of them, and so share this
/// login's state), `cache_file`, `problem` (why the token file is
/// unreadable, else null).
pub fn session_json(status: &SessionStatus) -> Value {
    json!({
        "kind": "sso",
        "session": status.session,
        "start_url": status.start_url,
        "region": status.region,
        "state": status.state.as_str(),
        "expires_at": status.expires_at.map(format_timestamp),
        "refreshable": status.refreshable,
        "registration_expires_at": status.registration_expires_at.map(format_timestamp),
        "profiles": status.profiles.len(),
        "profile_names": status.profiles,
        "chained_profiles": status.chained,
        "cache_file": status.cache_file.display().to_string(),
        "problem": status.problem,
    })
}

/// The JSON object of one `aws login` session: `kind` (`login`),
/// `login_session` (the ARN), `account_id`, `state`, `expires_at` (RFC 3339
/// UTC or null), `refreshable`, `profiles` (how many carry it),
/// `profile_names`, `cache_file`, `problem` (why the token file is
/// unreadable, else null).
pub fn login_json(status: &LoginStatus) -> Value {
    json!({
        "kind": "login",
        "login_session": status.login_session,
        "account_id": status.account_id,
        "state": status.state.as_str(),
        "expires_at": status.expires_at.map(format_timestamp),
        "refreshable": status.refreshable,
        "profiles": status.profiles.len(),
        "profile_names": status.profiles,
        "cache_file": status.cache_file.display().to_string(),
        "problem": status.problem,
    })
}

/// Lines of cells padded into columns, each line's trailing spaces cut.
fn columns<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(widths[i] - cell.width() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The table of `aws login` sessions: login session, account, state,
/// expiry, refreshable, profiles; then how to sign in again where needed.
/// Empty when there is none.
fn render_logins(logins: &[LoginStatus], now: OffsetDateTime) -> String {
    if logins.is_empty() {
        return String::new();
    }
    let header = [
        "LOGIN SESSION",
        "ACCOUNT",
        "STATE",
        "EXPIRES",
        "REFRESH",
        "PROFILES",
    ];
    let mut rows: Vec<[String; 6]> = vec![header.map(str::to_string)];
    for l in logins {
        rows.push([
            crate::output::escape(&l.login_session),
            l.account_id
                .as_deref()
                .map_or_else(|| "-".to_string(), crate::output::escape),
            l.state.label().to_string(),
            match (l.state, l.expires_at) {
                (TokenState::Unreadable, _) | (_, None) => "-".to_string(),
                (_, Some(t)) => crate::duration::expiry_phrase(t, now),
            },
            if l.refreshable { "yes" } else { "no" }.to_string(),
            l.profiles.len().to_string(),
        ]);
    }
    let mut out = columns(&rows);
    for l in logins.iter().filter(|l| !l.usable()) {
        if let Some(profile) = l.profiles.first() {
            out.push_str(&format!(
                "login_session {}: run aws login --profile {}\n",
                crate::output::escape(&l.login_session),
                crate::output::escape(profile)
            ));
        }
    }
    out
}

/// The table for people: session, start URL, region, state, expiry,
/// refreshable, profiles; then the role-chained profiles of each login with
/// its state; then how to log in where one is needed; then the
/// `aws login` sessions, when there are any, after a blank line.
pub fn render_table(discovery: &Discovery, now: OffsetDateTime) -> String {
    let logins = render_logins(&discovery.logins, now);
    if discovery.sessions.is_empty() {
        return logins;
    }
    let header = [
        "SESSION",
        "START URL",
        "REGION",
        "STATE",
        "EXPIRES",
        "REFRESH",
        "PROFILES",
    ];
    let mut rows: Vec<[String; 7]> = vec![header.map(str::to_string)];
    for s in &discovery.sessions {
        rows.push([
            s.session.clone().unwrap_or_else(|| "(legacy)".to_string()),
            s.start_url.clone().unwrap_or_else(|| "-".to_string()),
            s.region.clone().unwrap_or_else(|| "-".to_string()),
            s.state.label().to_string(),
            match (s.state, s.expires_at) {
                (TokenState::Unreadable, _) | (_, None) => "-".to_string(),
                (_, Some(t)) => crate::duration::expiry_phrase(t, now),
            },
            if s.refreshable { "yes" } else { "no" }.to_string(),
            s.profiles.len().to_string(),
        ]);
    }
    let mut out = columns(&rows);
    for s in discovery.sessions.iter().filter(|s| !s.chained.is_empty()) {
        let names: Vec<String> = s.chained.iter().map(|p| crate::output::escape(p)).collect();
        out.push_str(&format!(
            "{} ({}): chained profiles: {}\n",
            crate::output::escape(&s.describe()),
            s.state.label(),
            names.join(", ")
        ));
    }
    for s in discovery.sessions.iter().filter(|s| !s.usable()) {
        let hint = match (&s.session, s.profiles.first()) {
            (Some(name), _) => format!("uo-aws-tui login --sso-session {name}"),
            (None, Some(profile)) => format!("aws sso login --profile {profile}"),
            (None, None) => continue,
        };
        out.push_str(&format!("{}: run {hint}\n", s.describe()));
    }
    if !logins.is_empty() {
        out.push('\n');
        out.push_str(&logins);
    }
    out
}

/// Builds the `status` report for the config and token cache of `paths` at
/// `now`. Errors: the config cannot be read or parsed (the message names
/// the file and line). A missing config is no error: it has no logins.
pub fn report(paths: &AwsPaths, json: bool, now: OffsetDateTime) -> Result<Report, ConfigError> {
    let mut warnings = Vec::new();
    let discovery = match AwsFile::load(&paths.config, FileKind::Config) {
        Ok(config) => sessions::discover(paths, &config, now),
        Err(ConfigError::NotFound { path }) => {
            warnings.push(format!("{}: no config file", path.display()));
            Discovery::default()
        }
        Err(e) => return Err(e),
    };
    if discovery.is_empty() && warnings.is_empty() {
        warnings.push(format!(
            "{}: no [sso-session] and no profile with sso_start_url or login_session",
            paths.config.display()
        ));
    }
    warnings.extend(discovery.warnings.iter().map(|w| w.to_string()));
    let stdout = if json {
        let array: Vec<Value> = (discovery.sessions.iter().map(session_json))
            .chain(discovery.logins.iter().map(login_json))
            .collect();
        let mut text =
            crate::output::json(&Value::Array(array), true).expect("JSON values always serialise");
        text.push('\n');
        text
    } else {
        render_table(&discovery, now)
    };
    let ok = !discovery.is_empty() && discovery.all_usable();
    Ok(Report {
        stdout,
        warnings,
        code: if ok { 0 } else { 1 },
    })
}

/// Runs `uo-aws-tui status`: prints the report itself (it is printed with
/// exit 1 too) and returns the exit.
pub fn run(args: &StatusArgs) -> anyhow::Result<Exit> {
    let paths = AwsPaths::from_env()?;
    let report = report(&paths, args.json, OffsetDateTime::now_utc())?;
    for warning in &report.warnings {
        crate::output::warn(warning);
    }
    print_and_exit(&report.stdout, report.code)
}

/// Writes `stdout` and maps `code` (0 or 1) to an [`Exit`] whose own text is
/// empty, so nothing is printed twice.
pub(crate) fn print_and_exit(stdout: &str, code: u8) -> anyhow::Result<Exit> {
    crate::output::stdout(stdout)?;
    Ok(if code == 0 {
        Exit::Done(String::new())
    } else {
        Exit::Cancelled
    })
}
