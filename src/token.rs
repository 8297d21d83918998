//! The one token policy: which cached token of an sso-session a command may
//! use, when it is refreshed first, and why a login is needed when there is
//! none ([`NeedsLogin`], whose `Display` ends with the one
//! `run: uo-aws-tui login --sso-session NAME` hint).

use std::path::PathBuf;

use time::OffsetDateTime;

use crate::aws::login::{self, LoginError, Oidc};
use crate::aws::sso_session::SsoSession;
use crate::aws::token_cache::{format_timestamp, read_token, token_path, CachedToken, TokenError};
use crate::env::Environment;

/// How [`token_for`] treats the cached token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The token as the cache file has it, never refreshed: refused when
    /// missing, unreadable or expired at `now`.
    Stored,
    /// Ready for listing: refreshed first when less than
    /// [`login::REFRESH_WINDOW`] is left and it can be (an expired one is
    /// refreshed too). A refresh that fails keeps a still-valid token.
    Usable,
    /// Refreshed now, whatever is left (the Sessions view's `r`).
    Refreshed,
}

/// Why an sso-session has no usable token.
#[derive(Debug, thiserror::Error)]
pub enum Reason {
    /// No token file.
    #[error("sso-session {session} is not logged in: no token at {}", path.display())]
    NotLoggedIn { session: String, path: PathBuf },
    /// The file cannot be read or is not a token file.
    #[error("sso-session {session}: {error}")]
    Unreadable { session: String, error: TokenError },
    /// The token expired ([`Policy::Stored`]).
    #[error(
        "the access token of sso-session {session} expired at {} ({})",
        format_timestamp(*at),
        path.display()
    )]
    Expired {
        session: String,
        at: OffsetDateTime,
        path: PathBuf,
    },
    /// The token expired and lacks what a refresh needs.
    #[error("the access token of sso-session {session} expired and cannot be refreshed ({why})")]
    NotRefreshable { session: String, why: &'static str },
    /// The service rejected the refresh token.
    #[error("sso-session {session}: the session ended, login required")]
    SessionEnded { session: String },
    /// The refresh failed otherwise and no valid token is left.
    #[error("sso-session {session}: refreshing the token failed: {error}")]
    RefreshFailed { session: String, error: LoginError },
    /// The portal refused the token (`UnauthorizedException`); the portal's message.
    #[error("sso-session {session}: {message}")]
    Rejected { session: String, message: String },
}

/// No usable token for an sso-session: the [`Reason`], and the login
/// command that fixes it.
#[derive(Debug, thiserror::Error)]
#[error("{reason}\n  run: uo-aws-tui login --sso-session {session}")]
pub struct NeedsLogin {
    /// The sso-session's name.
    pub session: String,
    pub reason: Reason,
}

impl NeedsLogin {
    fn new(session: &SsoSession, reason: Reason) -> NeedsLogin {
        NeedsLogin {
            session: session.name.clone(),
            reason,
        }
    }

    /// The portal refused `session`'s token with `message`.
    pub fn rejected(session: &SsoSession, message: impl Into<String>) -> NeedsLogin {
        let reason = Reason::Rejected {
            session: session.name.clone(),
            message: message.into(),
        };
        NeedsLogin::new(session, reason)
    }

    /// When the refused token expired, for a token that is there but expired.
    pub fn expired_at(&self) -> Option<OffsetDateTime> {
        match self.reason {
            Reason::Expired { at, .. } => Some(at),
            _ => None,
        }
    }
}

/// The cached token of `session` as the file has it (any expiry), or why
/// there is none.
fn read(env: &Environment, session: &SsoSession) -> Result<CachedToken, NeedsLogin> {
    let path = token_path(&env.paths.sso_cache, &session.name);
    read_token(&path).map_err(|error| {
        let name = session.name.clone();
        let reason = match error {
            TokenError::NotFound { path } => Reason::NotLoggedIn {
                session: name,
                path,
            },
            error => Reason::Unreadable {
                session: name,
                error,
            },
        };
        NeedsLogin::new(session, reason)
    })
}

/// [`Policy::Stored`], for callers that cannot wait: the token of `session`
/// unless it is missing, unreadable or expired at `now`.
pub fn stored(
    env: &Environment,
    session: &SsoSession,
    now: OffsetDateTime,
) -> Result<CachedToken, NeedsLogin> {
    let token = read(env, session)?;
    if token.is_expired_at(now) {
        let reason = Reason::Expired {
            session: session.name.clone(),
            at: token.expires_at,
            path: token_path(&env.paths.sso_cache, &session.name),
        };
        return Err(NeedsLogin::new(session, reason));
    }
    Ok(token)
}

/// The token of `session` under `policy` at `now`; refreshing talks to the
/// OIDC service at `env.oidc_endpoint` and rewrites the token file.
///
/// Errors: [`NeedsLogin`] with the reason (no file, unreadable, expired and
/// not refreshable, refresh token rejected, refresh failed with no valid
/// token left).
pub async fn token_for(
    env: &Environment,
    session: &SsoSession,
    policy: Policy,
    now: OffsetDateTime,
) -> Result<CachedToken, NeedsLogin> {
    let token = match policy {
        Policy::Stored => return stored(env, session, now),
        Policy::Usable | Policy::Refreshed => read(env, session)?,
    };
    let expired = token.is_expired_at(now);
    if policy == Policy::Usable {
        if !login::needs_refresh(&token, now) {
            return Ok(token);
        }
        if let Err(why) = login::refreshable(&token, now) {
            if !expired {
                return Ok(token);
            }
            let reason = Reason::NotRefreshable {
                session: session.name.clone(),
                why,
            };
            return Err(NeedsLogin::new(session, reason));
        }
    }
    let oidc = Oidc::new(&session.region, env.oidc_endpoint.as_deref());
    match login::refresh(&env.paths.sso_cache, session, &token, &oidc).await {
        Ok(fresh) => Ok(fresh),
        Err(LoginError::SessionEnded) => Err(NeedsLogin::new(
            session,
            Reason::SessionEnded {
                session: session.name.clone(),
            },
        )),
        Err(_) if policy == Policy::Usable && !expired => Ok(token),
        Err(error) => Err(NeedsLogin::new(
            session,
            Reason::RefreshFailed {
                session: session.name.clone(),
                error,
            },
        )),
    }
}

/// Whether a profile of `session` works for the next AWS command without a
/// login, judged from the cache file alone at `now` (no network): the
/// token is valid, or expired but refreshable (the AWS CLI and the SDKs
/// refresh it themselves).
///
/// Errors: [`NeedsLogin`] as [`token_for`] gives it for a missing,
/// unreadable, or expired and not refreshable token.
pub fn check_usable(
    env: &Environment,
    session: &SsoSession,
    now: OffsetDateTime,
) -> Result<(), NeedsLogin> {
    let token = read(env, session)?;
    if !token.is_expired_at(now) {
        return Ok(());
    }
    login::refreshable(&token, now).map_err(|why| {
        NeedsLogin::new(
            session,
            Reason::NotRefreshable {
                session: session.name.clone(),
                why,
            },
        )
    })
}

/// When the cached token of `session` expires (or expired), whatever its
/// state; `None` when there is no readable token file. For the status bar,
/// which shows the session's state also when the token cannot be used.
pub fn stored_expiry(env: &Environment, session: &SsoSession) -> Option<OffsetDateTime> {
    read(env, session).ok().map(|t| t.expires_at)
}

/// Whether this process has a controlling terminal (`/dev/tty` opens), where
/// the picker draws.
pub fn has_terminal() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok()
}

/// Whether a login can run inline, as `uo-aws-tui login` does: a
/// controlling terminal, and stderr (where the URL and code go) is a
/// terminal. Without one, commands exit 2 with the [`NeedsLogin`] hint.
pub fn can_sign_in_inline() -> bool {
    use std::io::IsTerminal as _;
    has_terminal() && std::io::stderr().is_terminal()
}
