//! Which logins exist and how long they last: every `[sso-session NAME]` of
//! the config, plus every distinct legacy start URL that profiles carry
//! themselves, each with the state of its cached token; and every
//! `login_session` of `aws login` profiles with the state of its cached
//! credentials ([`crate::aws::login_cache`]).
//!
//! Local files only: the config (already parsed) and the token caches.
//! Nothing here talks to the network, and the current time is a parameter so
//! the answers are deterministic. A login is found only through the config:
//! a token file is read only under the name the config gives it
//! (`sha1(session name)`, `sha1(start URL)`, `sha256(login_session)`), so
//! tokens other programs keep in the same cache (IDE toolkits, Amazon Q:
//! other scopes, other start URLs, no `startUrl`, registrations) are never
//! taken for ours.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;

use crate::aws::config::AwsFile;
use crate::aws::login;
use crate::aws::login_cache::{self, read_login_token, LoginTokenError};
use crate::aws::paths::AwsPaths;
use crate::aws::sso_session::session_names;
use crate::aws::token_cache::{cache_file_name, read_token, TokenError};

/// A token with less than this left is `expiring` (botocore refreshes then).
pub const EXPIRING_WINDOW: Duration = login::REFRESH_WINDOW;

/// The state of a login's cached token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenState {
    /// More than [`EXPIRING_WINDOW`] left.
    Valid,
    /// Less than [`EXPIRING_WINDOW`] left, not yet expired.
    Expiring,
    /// Expired.
    Expired,
    /// No token file.
    NotLoggedIn,
    /// A token file that cannot be read or parsed.
    Unreadable,
}

impl TokenState {
    /// The stable identifier used in JSON: `valid`, `expiring`, `expired`,
    /// `not_logged_in`, `unreadable`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Valid => "valid",
            TokenState::Expiring => "expiring",
            TokenState::Expired => "expired",
            TokenState::NotLoggedIn => "not_logged_in",
            TokenState::Unreadable => "unreadable",
        }
    }

    /// The state for people: the identifier with spaces (`not logged in`).
    pub fn label(self) -> &'static str {
        match self {
            TokenState::NotLoggedIn => "not logged in",
            other => other.as_str(),
        }
    }
}

impl std::fmt::Display for TokenState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a token that expires at `expires_at`, seen at `now`. The
/// Sessions view calls this on every tick for its countdowns.
pub fn state_at(expires_at: OffsetDateTime, now: OffsetDateTime) -> TokenState {
    if expires_at <= now {
        TokenState::Expired
    } else if expires_at - EXPIRING_WINDOW <= now {
        TokenState::Expiring
    } else {
        TokenState::Valid
    }
}

/// One login: an sso-session, or a legacy start URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStatus {
    /// The sso-session name; `None` for a legacy start URL.
    pub session: Option<String>,
    /// `sso_start_url` as configured (for a session without one: the
    /// token's `startUrl`, when there is a token).
    pub start_url: Option<String>,
    /// `sso_region` as configured (else the token's `region`).
    pub region: Option<String>,
    /// 1-based line in the config of the `[sso-session]` header, or of the
    /// first profile that carries this legacy start URL.
    pub line: usize,
    /// The token file: `sha1(session name)` or `sha1(start URL)` + `.json`.
    pub cache_file: PathBuf,
    pub state: TokenState,
    /// Why the token file is unreadable (state `Unreadable` only).
    pub problem: Option<String>,
    /// When the access token expires.
    pub expires_at: Option<OffsetDateTime>,
    /// A refresh token, client id and secret, and an unexpired client
    /// registration are all there. Legacy tokens are never refreshable.
    pub refreshable: bool,
    /// When the client registration in the token file expires.
    pub registration_expires_at: Option<OffsetDateTime>,
    /// The profiles that use this login, in config order, each once.
    pub profiles: Vec<String>,
    /// The chained profiles (`role_arn` + `source_profile`, see
    /// [`crate::chain`]) whose chain starts at one of [`Self::profiles`], in
    /// config order, each once.
    pub chained: Vec<String>,
}

impl SessionStatus {
    /// `valid`, or refreshable without a new sign-in.
    pub fn usable(&self) -> bool {
        self.state == TokenState::Valid || self.refreshable
    }

    /// A name for messages: `sso-session NAME` or `start URL URL`.
    pub fn describe(&self) -> String {
        match (&self.session, &self.start_url) {
            (Some(name), _) => format!("sso-session {name}"),
            (None, Some(url)) => format!("start URL {url}"),
            (None, None) => "a login".to_string(),
        }
    }
}

/// One `aws login` session: a `login_session` value (an IAM user, role
/// session or root ARN) that profiles carry, with its cached credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginStatus {
    /// The `login_session` value.
    pub login_session: String,
    /// 1-based line in the config of the first profile that carries it.
    pub line: usize,
    /// The token file: `<login cache>/<sha256(login_session)>.json`.
    pub cache_file: PathBuf,
    /// The state of the cached credentials (`Expiring` under
    /// [`EXPIRING_WINDOW`]; they last 15 minutes and are refreshed by the
    /// AWS CLI and SDKs that read them).
    pub state: TokenState,
    /// Why the token file is unreadable (state `Unreadable` only).
    pub problem: Option<String>,
    /// When the cached credentials expire (`accessToken.expiresAt`).
    pub expires_at: Option<OffsetDateTime>,
    /// `accessToken.accountId`.
    pub account_id: Option<String>,
    /// The refresh token, DPoP key and client id are there.
    pub refreshable: bool,
    /// The profiles that carry it, in config order, each once.
    pub profiles: Vec<String>,
}

impl LoginStatus {
    /// `valid`, or refreshable without a new sign-in.
    pub fn usable(&self) -> bool {
        self.state == TokenState::Valid || self.refreshable
    }
}

/// A file in the token cache that cannot be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheWarning {
    pub path: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for CacheWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: unreadable cache file: {}",
            self.path.display(),
            self.reason
        )
    }
}

/// Every login of a config and the problems met in the token cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The sso-sessions in config order, then the legacy start URLs in the
    /// order profiles first name them.
    pub sessions: Vec<SessionStatus>,
    /// The `login_session`s of `aws login` profiles, in the order profiles
    /// first name them.
    pub logins: Vec<LoginStatus>,
    /// Unreadable files in the token cache, by path (each once).
    pub warnings: Vec<CacheWarning>,
}

impl Discovery {
    /// Whether every login is usable (see [`SessionStatus::usable`],
    /// [`LoginStatus::usable`]).
    pub fn all_usable(&self) -> bool {
        self.sessions.iter().all(SessionStatus::usable)
            && self.logins.iter().all(LoginStatus::usable)
    }

    /// Whether the config has no login at all.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.logins.is_empty()
    }

    /// The login that profile `section` of the config uses, if any:
    /// its `sso_session`, else its own `sso_start_url`; for a chained
    /// profile, the login of the SSO profile its chain starts at.
    pub fn for_profile(&self, config: &AwsFile, profile: &str) -> Option<&SessionStatus> {
        session_of(&self.sessions, config, profile).map(|i| &self.sessions[i])
    }
}

/// The index in `sessions` of the login `profile` uses (see
/// [`Discovery::for_profile`]), by the one profile-to-login rule,
/// [`crate::prompt::login_of`].
fn session_of(sessions: &[SessionStatus], config: &AwsFile, profile: &str) -> Option<usize> {
    match crate::prompt::login_of(config, None, profile).ok()?? {
        crate::prompt::Login::Session(name) => sessions
            .iter()
            .position(|s| s.session.as_deref() == Some(name.as_str())),
        crate::prompt::Login::StartUrl(url) => sessions
            .iter()
            .position(|s| s.session.is_none() && s.start_url.as_deref() == Some(url.as_str())),
    }
}

/// Discovers every login of `config` and reads its token from
/// `paths.sso_cache` at `now`. Never fails: a missing cache directory means
/// nothing is logged in; an unreadable token makes its login `Unreadable`
/// and adds a warning; other files that are not JSON, or that look like a
/// token but cannot be read, add a warning too. Client registrations and
/// other JSON files in the cache are never listed as logins.
pub fn discover(paths: &AwsPaths, config: &AwsFile, now: OffsetDateTime) -> Discovery {
    let mut sessions = Vec::new();
    for name in session_names(config) {
        let section = config.sso_session(&name).expect("a listed session exists");
        let profiles = unique(
            config
                .profiles()
                .filter(|(_, s)| s.get("sso_session") == Some(name.as_str()))
                .map(|(p, _)| p),
        );
        let status = read_status(
            &paths.sso_cache,
            Some(name.clone()),
            section.get("sso_start_url").map(str::to_string),
            section.get("sso_region").map(str::to_string),
            section.line,
            profiles,
            now,
        );
        sessions.push(status);
    }
    for (url, line, region) in legacy_start_urls(config) {
        let profiles = unique(
            config
                .profiles()
                .filter(|(_, s)| {
                    s.get("sso_session").is_none() && s.get("sso_start_url") == Some(url.as_str())
                })
                .map(|(p, _)| p),
        );
        sessions.push(read_status(
            &paths.sso_cache,
            None,
            Some(url),
            region,
            line,
            profiles,
            now,
        ));
    }
    let mut warnings: Vec<CacheWarning> = sessions
        .iter()
        .filter_map(|s| {
            Some(CacheWarning {
                path: s.cache_file.clone(),
                reason: s.problem.clone()?,
            })
        })
        .collect();
    let known: BTreeSet<&Path> = sessions.iter().map(|s| s.cache_file.as_path()).collect();
    for warning in scan_cache(&paths.sso_cache) {
        if !known.contains(warning.path.as_path()) {
            warnings.push(warning);
        }
    }
    warnings.sort_by(|a, b| a.path.cmp(&b.path));
    for name in crate::chain::Profiles::new(Some(config), None).chained() {
        if let Some(i) = session_of(&sessions, config, &name) {
            sessions[i].chained.push(name);
        }
    }
    let logins = discover_logins(&paths.login_cache, config, now);
    Discovery {
        sessions,
        logins,
        warnings,
    }
}

/// Every distinct `login_session` of the config's profiles, with the state
/// of its token in `login_cache` at `now` (read only).
fn discover_logins(login_cache: &Path, config: &AwsFile, now: OffsetDateTime) -> Vec<LoginStatus> {
    let mut out: Vec<LoginStatus> = Vec::new();
    for (profile, section) in config.profiles() {
        let Some(arn) = section.get("login_session").filter(|v| !v.is_empty()) else {
            continue;
        };
        if let Some(known) = out.iter_mut().find(|l| l.login_session == arn) {
            if !known.profiles.iter().any(|p| p == profile) {
                known.profiles.push(profile.to_string());
            }
            continue;
        }
        let cache_file = login_cache::token_path(login_cache, arn);
        let mut status = LoginStatus {
            login_session: arn.to_string(),
            line: section.line,
            cache_file,
            state: TokenState::NotLoggedIn,
            problem: None,
            expires_at: None,
            account_id: None,
            refreshable: false,
            profiles: vec![profile.to_string()],
        };
        match read_login_token(&status.cache_file) {
            Ok(token) => {
                status.state = state_at(token.expires_at, now);
                status.expires_at = Some(token.expires_at);
                status.account_id = token.account_id;
                status.refreshable = token.refreshable;
            }
            Err(LoginTokenError::NotFound { .. }) => {}
            Err(LoginTokenError::Unreadable { reason, .. }) => {
                status.state = TokenState::Unreadable;
                status.problem = Some(reason);
            }
        }
        out.push(status);
    }
    out
}

/// Names in first-seen order, each once.
fn unique<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// Every distinct `sso_start_url` of profiles without `sso_session`, with
/// the line of the first profile that names it and the first `sso_region`
/// given with it.
fn legacy_start_urls(config: &AwsFile) -> Vec<(String, usize, Option<String>)> {
    let mut out: Vec<(String, usize, Option<String>)> = Vec::new();
    for (_, section) in config.profiles() {
        if section.get("sso_session").is_some() {
            continue;
        }
        let Some(url) = section.get("sso_start_url").filter(|u| !u.is_empty()) else {
            continue;
        };
        let region = section
            .get("sso_region")
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        match out.iter_mut().find(|(u, _, _)| u == url) {
            Some(existing) => {
                if existing.2.is_none() {
                    existing.2 = region;
                }
            }
            None => out.push((url.to_string(), section.line, region)),
        }
    }
    out
}

fn read_status(
    sso_cache: &Path,
    session: Option<String>,
    start_url: Option<String>,
    region: Option<String>,
    line: usize,
    profiles: Vec<String>,
    now: OffsetDateTime,
) -> SessionStatus {
    let key = session.as_deref().or(start_url.as_deref()).unwrap_or("");
    let cache_file = sso_cache.join(cache_file_name(key));
    let mut status = SessionStatus {
        session,
        start_url: start_url.filter(|u| !u.is_empty()),
        region: region.filter(|r| !r.is_empty()),
        line,
        cache_file,
        state: TokenState::NotLoggedIn,
        problem: None,
        expires_at: None,
        refreshable: false,
        registration_expires_at: None,
        profiles,
        chained: Vec::new(),
    };
    match read_token(&status.cache_file) {
        Ok(token) => {
            status.state = state_at(token.expires_at, now);
            status.expires_at = Some(token.expires_at);
            status.registration_expires_at = token.registration_expires_at;
            status.refreshable =
                status.session.is_some() && login::refreshable(&token, now).is_ok();
            if status.start_url.is_none() {
                status.start_url = token.start_url;
            }
            if status.region.is_none() {
                status.region = token.region;
            }
        }
        Err(TokenError::NotFound { .. }) => {}
        Err(TokenError::Unreadable { reason, .. }) => {
            status.state = TokenState::Unreadable;
            status.problem = Some(reason);
        }
        Err(TokenError::Io { source, .. }) => {
            status.state = TokenState::Unreadable;
            status.problem = Some(source.to_string());
        }
    }
    status
}

/// Problems with the `*.json` files of the token cache: a file that cannot
/// be read, is not JSON, or has an `accessToken` but is not a readable
/// token. Registrations and other JSON are fine. A missing directory has no
/// problems; one that cannot be listed is one.
fn scan_cache(sso_cache: &Path) -> Vec<CacheWarning> {
    let entries = match std::fs::read_dir(sso_cache) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            return vec![CacheWarning {
                path: sso_cache.to_path_buf(),
                reason: format!("cannot list the directory: {e}"),
            }]
        }
    };
    let mut warnings = Vec::new();
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.extension().is_none_or(|x| x != "json") || !path.is_file() {
            continue;
        }
        let reason = match crate::file_kind::read_to_string(&path) {
            Err(e) => Some(e.to_string()),
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Err(e) => Some(format!("not JSON ({e})")),
                Ok(value) if value.get("accessToken").is_some() => {
                    crate::aws::token_cache::CachedToken::from_json(&text).err()
                }
                Ok(_) => None,
            },
        };
        if let Some(reason) = reason {
            warnings.push(CacheWarning { path, reason });
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn states_by_time_left() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let at = |minutes: i64| now + time::Duration::minutes(minutes);
        assert_eq!(state_at(at(60), now), TokenState::Valid);
        assert_eq!(state_at(at(16), now), TokenState::Valid);
        assert_eq!(state_at(at(15), now), TokenState::Expiring);
        assert_eq!(state_at(at(1), now), TokenState::Expiring);
        assert_eq!(state_at(at(0), now), TokenState::Expired);
        assert_eq!(state_at(at(-1), now), TokenState::Expired);
    }
}
