//! Choosing the `[sso-session NAME]` to work with.

use std::path::PathBuf;

use super::config::{AwsFile, SectionName};

/// An `[sso-session NAME]` section of the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    /// The session name (the token cache key).
    pub name: String,
    /// `sso_start_url`, e.g. `https://d-1234567890.awsapps.com/start`.
    pub start_url: String,
    /// `sso_region`: where the portal and OIDC endpoints live, e.g. `us-west-2`.
    pub region: String,
    /// `sso_registration_scopes`, comma-separated as written, when present.
    pub registration_scopes: Option<String>,
    /// 1-based line of the section header.
    pub line: usize,
}

/// How to add the first sso-session, for a config file that is missing or
/// has none: two lines, each indented by two spaces.
pub const FIRST_SESSION_HINT: &str = "  add one: uo-aws-tui login --sso-session NAME --start-url \
     https://YOUR-PORTAL.awsapps.com/start --sso-region REGION\n  \
     or try uo-aws-tui without AWS: uo-aws-tui demo";

/// Why no session could be chosen. Every variant names the config file.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{}: no [sso-session NAME] section\n{FIRST_SESSION_HINT}", config.display())]
    NoSessions { config: PathBuf },
    #[error("{}: no [sso-session {name}]; sessions here: {}", config.display(), list(available))]
    NotFound {
        config: PathBuf,
        name: String,
        available: Vec<String>,
    },
    #[error("{}: several sso-sessions ({}); choose one with --sso-session NAME", config.display(), list(available))]
    Ambiguous {
        config: PathBuf,
        available: Vec<String>,
    },
    #[error("{}:{line}: [sso-session {name}] has no {key}", config.display())]
    MissingKey {
        config: PathBuf,
        line: usize,
        name: String,
        key: &'static str,
    },
    #[error("{}:{line}: [sso-session {name}] has sso_region {value:?}, which is not a region name such as us-west-2 (an inline comment or an indented next line is part of the value for the AWS CLI too); leave only the region on that line, or run `uo-aws-tui doctor --fix`", config.display())]
    BadRegion {
        config: PathBuf,
        line: usize,
        name: String,
        value: String,
    },
}

/// Whether `region` can name an AWS region: one DNS label of ASCII letters,
/// digits and `-`, not starting or ending with `-` (the SDK's endpoint rule).
pub fn is_region_name(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 63
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// Every `[sso-session]` of `config`, in file order (first of duplicates).
pub fn session_names(config: &AwsFile) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (name, _) in config.sso_sessions() {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// Reads `[sso-session name]` from `config`.
///
/// Returns `Err(SessionError::NotFound)` when there is no such section and
/// `Err(SessionError::MissingKey{line,..})` when `sso_start_url` or
/// `sso_region` is missing, `Err(SessionError::BadRegion{line,..})` (the
/// `sso_region` line) when the region is not a region name.
pub fn load_session(config: &AwsFile, name: &str) -> Result<SsoSession, SessionError> {
    let section = config
        .section(&SectionName::SsoSession(name.to_string()))
        .ok_or_else(|| SessionError::NotFound {
            config: config.path.clone(),
            name: name.to_string(),
            available: session_names(config),
        })?;
    let required = |key: &'static str| {
        section
            .get(key)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| SessionError::MissingKey {
                config: config.path.clone(),
                line: section.line,
                name: name.to_string(),
                key,
            })
    };
    let start_url = required("sso_start_url")?;
    let region = required("sso_region")?;
    if !is_region_name(&region) {
        let line = section
            .entries
            .iter()
            .chain(&section.inherited)
            .find(|e| e.key == "sso_region")
            .map_or(section.line, |e| e.line);
        return Err(SessionError::BadRegion {
            config: config.path.clone(),
            line,
            name: name.to_string(),
            value: region,
        });
    }
    Ok(SsoSession {
        name: name.to_string(),
        start_url,
        region,
        registration_scopes: section.get("sso_registration_scopes").map(str::to_string),
        line: section.line,
    })
}

/// Chooses the session: `requested` (`--sso-session`) when given; else the
/// `sso_session` of profile `aws_profile` (`AWS_PROFILE`) when it has one; else
/// the only session of the file; else `Err(SessionError::Ambiguous)` listing
/// them (or `NoSessions`).
pub fn choose_session(
    config: &AwsFile,
    requested: Option<&str>,
    aws_profile: Option<&str>,
) -> Result<SsoSession, SessionError> {
    if let Some(name) = requested {
        return load_session(config, name);
    }
    if let Some(session) = aws_profile
        .and_then(|p| config.profile(p))
        .and_then(|section| section.get("sso_session"))
    {
        return load_session(config, session);
    }
    let names = session_names(config);
    match names.as_slice() {
        [] => Err(SessionError::NoSessions {
            config: config.path.clone(),
        }),
        [only] => load_session(config, only),
        _ => Err(SessionError::Ambiguous {
            config: config.path.clone(),
            available: names,
        }),
    }
}
