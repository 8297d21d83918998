//! The prompt segment: which profile is active, which login it uses, and
//! whether that login works for the next AWS command — from local files
//! only (the config and the SSO token cache), cheap enough for every prompt.
//!
//! A login is in one of three states: [`State::Valid`] (the access token
//! has time left), [`State::Refreshable`] (the access token expired, but
//! the refresh token and client registration still work, so the AWS CLI and
//! the SDKs refresh it themselves; the rule is [`login::refreshable`], the
//! one the token policy uses), or [`State::NeedsLogin`]. A profile that uses
//! no SSO login, a chained profile whose chain does not resolve, and a
//! profile neither the config nor the credentials file has, are each said
//! so.

use std::path::Path;

use serde::Serialize;
use time::OffsetDateTime;

use crate::aws::config::{AwsFile, ConfigError, FileKind};
use crate::aws::login;
use crate::aws::paths::AwsPaths;
use crate::aws::token_cache::{cache_file_name, format_timestamp, read_token, TokenError};

/// The login a profile signs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// `sso_session = NAME`: the token file is `sha1(NAME).json`.
    Session(String),
    /// A legacy profile with its own `sso_start_url` (never refreshed).
    StartUrl(String),
}

impl Login {
    /// The token cache key: the session name, or the start URL.
    pub fn cache_key(&self) -> &str {
        match self {
            Login::Session(name) => name,
            Login::StartUrl(url) => url,
        }
    }
}

/// Why a profile has no login to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoLogin {
    /// Neither file defines the profile.
    UnknownProfile,
    /// The profile is chained and its chain does not resolve (the
    /// message; `doctor` says the same with the file and line).
    BrokenChain(String),
}

/// Where profile `profile` gets its SSO login, reading the profiles of
/// `config` and `credentials` as botocore merges them
/// ([`crate::chain::Profiles`]): its `sso_session`, else its own
/// `sso_start_url`; a chained profile (`role_arn` + `source_profile`,
/// [`crate::chain`]) gets its root SSO profile's. `Ok(None)` for a profile
/// without SSO keys or a chain that starts elsewhere (static keys, a
/// `credential_source`); errors: the profile is in neither file, or its
/// chain does not resolve. The one place a profile is resolved to its
/// login.
pub fn login_of(
    config: &AwsFile,
    credentials: Option<&AwsFile>,
    profile: &str,
) -> Result<Option<Login>, NoLogin> {
    let profiles = crate::chain::Profiles::new(Some(config), credentials);
    if !profiles.exists(profile) {
        return Err(NoLogin::UnknownProfile);
    }
    if let Some(chain) = profiles.resolve(profile) {
        return match chain.map(|c| c.root) {
            Ok(crate::chain::Root::Sso {
                sso_session: Some(name),
                ..
            }) => Ok(Some(Login::Session(name))),
            Ok(crate::chain::Root::Sso {
                start_url: Some(url),
                ..
            }) => Ok(Some(Login::StartUrl(url))),
            Ok(_) => Ok(None),
            Err(e) => Err(NoLogin::BrokenChain(e.to_string())),
        };
    }
    if let Some(name) = profiles.get(profile, "sso_session") {
        return Ok(Some(Login::Session(name.to_string())));
    }
    Ok(profiles
        .get(profile, "sso_start_url")
        .map(|url| Login::StartUrl(url.to_string())))
}

/// The state of a login's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The access token is valid until `expires_at`.
    Valid { expires_at: OffsetDateTime },
    /// The access token expired, and the refresh token and client
    /// registration still work: the next AWS command refreshes it.
    Refreshable,
    /// Missing, unreadable, or expired and not refreshable: run a login.
    NeedsLogin,
    /// The profile uses no SSO login (static keys, a role, a process).
    NoSso,
    /// The profile is chained and its chain does not resolve: the next AWS
    /// command fails (`doctor` says why).
    BrokenChain,
    /// Neither the config nor the credentials file has the profile.
    UnknownProfile,
}

impl State {
    /// The stable identifier of JSON: `valid`, `refreshable`,
    /// `needs_login`, `no_sso`, `broken_chain`, `unknown_profile`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Valid { .. } => "valid",
            State::Refreshable => "refreshable",
            State::NeedsLogin => "needs_login",
            State::NoSso => "no_sso",
            State::BrokenChain => "broken_chain",
            State::UnknownProfile => "unknown_profile",
        }
    }
}

/// What the prompt shows about the active profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub profile: String,
    /// The login the profile uses, when it uses one.
    pub login: Option<Login>,
    pub state: State,
}

/// The state of the token of `login` in `sso_cache` at `now`: read from the
/// one token file, never the network. Legacy start-URL logins are never
/// refreshable (nothing refreshes them).
pub fn token_state(sso_cache: &Path, login: &Login, now: OffsetDateTime) -> State {
    let path = sso_cache.join(cache_file_name(login.cache_key()));
    let token = match read_token(&path) {
        Ok(token) => token,
        Err(
            TokenError::NotFound { .. } | TokenError::Unreadable { .. } | TokenError::Io { .. },
        ) => return State::NeedsLogin,
    };
    if !token.is_expired_at(now) {
        return State::Valid {
            expires_at: token.expires_at,
        };
    }
    match login {
        Login::Session(_) if login::refreshable(&token, now).is_ok() => State::Refreshable,
        _ => State::NeedsLogin,
    }
}

/// The segment for `profile` with the config already read (`None`: there is
/// no config file) at `now`.
pub fn segment_in(
    paths: &AwsPaths,
    config: Option<&AwsFile>,
    credentials: Option<&AwsFile>,
    profile: &str,
    now: OffsetDateTime,
) -> Segment {
    let empty;
    let config = match config {
        Some(config) => config,
        None => {
            empty = AwsFile::parse(&paths.config, FileKind::Config, "")
                .expect("an empty config parses");
            &empty
        }
    };
    let no_login = |state| Segment {
        profile: profile.to_string(),
        login: None,
        state,
    };
    let login = match login_of(config, credentials, profile) {
        Ok(login) => login,
        Err(NoLogin::UnknownProfile) => return no_login(State::UnknownProfile),
        Err(NoLogin::BrokenChain(_)) => return no_login(State::BrokenChain),
    };
    let state = match &login {
        Some(login) => token_state(&paths.sso_cache, login, now),
        None => State::NoSso,
    };
    Segment {
        profile: profile.to_string(),
        login,
        state,
    }
}

/// The segment for `profile`: reads the config and credentials files of
/// `paths` (a missing file has no profiles) and one token file, at `now`.
///
/// Errors: the config or credentials file cannot be read or parsed (the
/// message names the file and line).
pub fn segment(
    paths: &AwsPaths,
    profile: &str,
    now: OffsetDateTime,
) -> Result<Segment, ConfigError> {
    let config = AwsFile::load_optional(&paths.config, FileKind::Config)?;
    let credentials = credentials_file(&paths.credentials)?;
    Ok(segment_in(
        paths,
        config.as_ref(),
        credentials.as_ref(),
        profile,
        now,
    ))
}

/// The credentials file at `path` as botocore takes it: only a regular
/// file it can read counts (botocore skips a directory, a device, a
/// dangling or looping symlink, an unreadable file, as it skips a missing
/// one), so none of these stop the prompt. Errors: the file is read but
/// does not parse (botocore then fails every command too; the message names
/// the file and line and never quotes the line).
fn credentials_file(path: &Path) -> Result<Option<AwsFile>, ConfigError> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    match AwsFile::load(path, FileKind::Credentials) {
        Ok(file) => Ok(Some(file)),
        Err(ConfigError::Io { .. } | ConfigError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// How the segment is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `PROFILE valid 3h12m` / `PROFILE refreshable` / `PROFILE login`, for
    /// PS1, fish and tmux.
    Plain,
    /// One JSON object: `profile`, `session`, `start_url`, `state`,
    /// `expires_at` (RFC 3339 or null), `seconds_left` (or null).
    Json,
    /// Compact, for a starship `custom` module: `PROFILE 3h12m` /
    /// `PROFILE ↻` / `PROFILE ✗ login`.
    Starship,
}

#[derive(Serialize)]
struct JsonSegment<'a> {
    profile: &'a str,
    session: Option<&'a str>,
    start_url: Option<&'a str>,
    state: &'static str,
    expires_at: Option<String>,
    seconds_left: Option<i64>,
}

/// The segment as `format` prints it, ending in a newline; every name
/// escaped ([`crate::output::escape`], JSON through [`crate::output::json`]).
pub fn render(segment: &Segment, format: Format, now: OffsetDateTime) -> String {
    let profile = crate::output::escape(&segment.profile);
    let left = |at: OffsetDateTime| crate::duration::humanize((at - now).unsigned_abs());
    let line = match (format, segment.state) {
        (Format::Json, state) => {
            let expires_at = match state {
                State::Valid { expires_at } => Some(expires_at),
                _ => None,
            };
            let value = JsonSegment {
                profile: &segment.profile,
                session: match &segment.login {
                    Some(Login::Session(name)) => Some(name),
                    _ => None,
                },
                start_url: match &segment.login {
                    Some(Login::StartUrl(url)) => Some(url),
                    _ => None,
                },
                state: state.as_str(),
                expires_at: expires_at.map(format_timestamp),
                seconds_left: expires_at.map(|at| (at - now).whole_seconds()),
            };
            crate::output::json(&value, false).expect("a segment always serialises")
        }
        (Format::Plain, State::Valid { expires_at }) => {
            format!("{profile} valid {}", left(expires_at))
        }
        (Format::Plain, State::Refreshable) => format!("{profile} refreshable"),
        (Format::Plain, State::NeedsLogin) => format!("{profile} login"),
        (Format::Plain, State::NoSso) => profile,
        (Format::Plain, State::BrokenChain) => format!("{profile} broken"),
        (Format::Plain, State::UnknownProfile) => format!("{profile} unknown"),
        (Format::Starship, State::Valid { expires_at }) => {
            format!("{profile} {}", left(expires_at))
        }
        (Format::Starship, State::Refreshable) => format!("{profile} ↻"),
        (Format::Starship, State::NeedsLogin) => format!("{profile} ✗ login"),
        (Format::Starship, State::NoSso) => profile,
        (Format::Starship, State::BrokenChain) => format!("{profile} ✗ chain"),
        (Format::Starship, State::UnknownProfile) => format!("{profile} ?"),
    };
    format!("{line}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn config(text: &str) -> AwsFile {
        AwsFile::parse(Path::new("config"), FileKind::Config, text).unwrap()
    }

    #[test]
    fn profiles_resolve_to_their_login() {
        let c = config(
            "[profile a]\nsso_session = uo\n[profile b]\nsso_start_url = https://x/start\n\
             [profile c]\nregion = us-west-2\n",
        );
        assert_eq!(
            login_of(&c, None, "a"),
            Ok(Some(Login::Session("uo".into())))
        );
        assert_eq!(
            login_of(&c, None, "b"),
            Ok(Some(Login::StartUrl("https://x/start".into())))
        );
        assert_eq!(login_of(&c, None, "c"), Ok(None));
        assert_eq!(login_of(&c, None, "d"), Err(NoLogin::UnknownProfile));
    }

    #[test]
    fn chained_profiles_resolve_to_their_root_login() {
        let c = config(
            "[profile root]\nsso_session = uo\nsso_account_id = 111111111111\nsso_role_name = R\n\
             [profile deploy]\nrole_arn = arn:aws:iam::222222222222:role/Deploy\nsource_profile = root\n\
             [profile audit]\nrole_arn = arn:aws:iam::333333333333:role/Audit\nsource_profile = deploy\n\
             [profile keys]\naws_access_key_id = AKIA\naws_secret_access_key = s\n\
             [profile fromkeys]\nrole_arn = arn:aws:iam::444444444444:role/X\nsource_profile = keys\n\
             [profile loop]\nrole_arn = arn:aws:iam::555555555555:role/L\nsource_profile = loop\n",
        );
        let uo = Ok(Some(Login::Session("uo".into())));
        assert_eq!(login_of(&c, None, "deploy"), uo);
        assert_eq!(login_of(&c, None, "audit"), uo, "two links");
        assert_eq!(
            login_of(&c, None, "fromkeys"),
            Ok(None),
            "starts at static keys"
        );
        assert!(
            matches!(login_of(&c, None, "loop"), Err(NoLogin::BrokenChain(m)) if m.contains("loops back")),
            "does not resolve"
        );
    }

    #[test]
    fn the_credentials_file_counts_as_botocore_merges_it() {
        let c = config(
            "[profile deploy]\nrole_arn = arn:aws:iam::222222222222:role/Deploy\nsource_profile = iam\n\
             [profile orphan]\nrole_arn = arn:aws:iam::333333333333:role/O\nsource_profile = gone\n",
        );
        let creds = AwsFile::parse(
            Path::new("credentials"),
            FileKind::Credentials,
            "[iam]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
        )
        .unwrap();
        // A chain rooted at keys of the credentials file, and a profile that
        // only the credentials file has, are not broken or unknown.
        assert_eq!(login_of(&c, Some(&creds), "deploy"), Ok(None));
        assert_eq!(login_of(&c, Some(&creds), "iam"), Ok(None));
        assert!(matches!(
            login_of(&c, None, "deploy"),
            Err(NoLogin::BrokenChain(_))
        ));
        assert!(matches!(
            login_of(&c, Some(&creds), "orphan"),
            Err(NoLogin::BrokenChain(m)) if m.contains("gone")
        ));
        let paths = AwsPaths::under_home(Path::new("/nonexistent"));
        let now = datetime!(2026-01-01 12:00 UTC);
        let state = |profile| segment_in(&paths, Some(&c), Some(&creds), profile, now).state;
        assert_eq!(state("deploy"), State::NoSso);
        assert_eq!(state("iam"), State::NoSso);
        assert_eq!(state("orphan"), State::BrokenChain);
        assert_eq!(state("nobody"), State::UnknownProfile);
        assert_eq!(
            segment_in(&paths, None, None, "deploy", now).state,
            State::UnknownProfile
        );
    }

    #[test]
    fn renders_every_state_escaped() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let seg = |state| Segment {
            profile: "p\u{1b}[31m".into(),
            login: Some(Login::Session("uo".into())),
            state,
        };
        let valid = seg(State::Valid {
            expires_at: now + time::Duration::minutes(192),
        });
        assert_eq!(
            render(&valid, Format::Plain, now),
            "p\\x1b[31m valid 3h12m\n"
        );
        assert_eq!(render(&valid, Format::Starship, now), "p\\x1b[31m 3h12m\n");
        assert_eq!(
            render(&valid, Format::Json, now),
            "{\"profile\":\"p\\u001b[31m\",\"session\":\"uo\",\"start_url\":null,\
             \"state\":\"valid\",\"expires_at\":\"2026-01-01T15:12:00Z\",\"seconds_left\":11520}\n"
        );
        assert_eq!(
            render(&seg(State::Refreshable), Format::Plain, now),
            "p\\x1b[31m refreshable\n"
        );
        assert_eq!(
            render(&seg(State::NeedsLogin), Format::Starship, now),
            "p\\x1b[31m ✗ login\n"
        );
        assert_eq!(
            render(&seg(State::BrokenChain), Format::Plain, now),
            "p\\x1b[31m broken\n"
        );
        assert_eq!(
            render(&seg(State::BrokenChain), Format::Starship, now),
            "p\\x1b[31m ✗ chain\n"
        );
    }
}
