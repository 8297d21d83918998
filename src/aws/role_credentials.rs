//! Role credentials of one account × role of an sso-session, shared with the
//! AWS CLI v2 through its own role-credential cache (`~/.aws/cli/cache`):
//! the file [`role_credentials_path`] names, in the CLI's format, reused
//! until less than [`REFRESH_MARGIN`] is left, then GetRoleCredentials again.
//!
//! Every process of ours that fetches role credentials takes one advisory
//! lock first (the sidecar [`LOCK_NAME`] in the cache directory) and reads
//! the cache again under it, so concurrent callers (terraform runs
//! `credential_process` for many providers at once) make one
//! GetRoleCredentials call and share its answer. The secrets never reach a
//! log or an error; [`RoleCredentials`]' `Debug` redacts them.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::cli_cache::role_credentials_path;
use super::portal::{Portal, PortalErrorKind};
use super::sso_session::SsoSession;
use super::token_cache::{format_timestamp, parse_timestamp, to_python_json, write_private_file};
use crate::env::Environment;
use crate::token::{token_for, NeedsLogin, Policy};

/// Cached role credentials with less than this left are fetched again (the
/// AWS CLI's margin for its role-credential cache).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(15 * 60);

/// The lock file beside the cached credentials (never removed: removing it
/// would let two processes hold two different locks).
pub const LOCK_NAME: &str = ".uo-aws-tui.lock";

/// How long a process waits for another one holding the lock (which may be
/// in a browser login).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Temporary credentials of a role.
#[derive(Clone, PartialEq, Eq)]
pub struct RoleCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// When they stop working (UTC, whole seconds).
    pub expiration: OffsetDateTime,
    /// The account they belong to.
    pub account_id: String,
}

impl std::fmt::Debug for RoleCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .field("account_id", &self.account_id)
            .finish()
    }
}

impl RoleCredentials {
    /// The AWS CLI v2's cache file content: `{"ProviderType": "sso",
    /// "Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken",
    /// "Expiration": "YYYY-MM-DDTHH:MM:SSZ", "AccountId"}}` with Python
    /// `json.dumps` separators, on one line.
    pub fn to_cache_json(&self) -> String {
        to_python_json(&json!({
            "ProviderType": "sso",
            "Credentials": {
                "AccessKeyId": self.access_key_id,
                "SecretAccessKey": self.secret_access_key,
                "SessionToken": self.session_token,
                "Expiration": format_timestamp(self.expiration),
                "AccountId": self.account_id,
            }
        }))
    }

    /// Reads a cache file's text (ours or the AWS CLI's); `None` when it is
    /// not an `sso` entry with all four credential fields and a readable
    /// expiration. `AccountId` may be missing (then `account_id` is empty).
    pub fn from_cache_json(text: &str) -> Option<RoleCredentials> {
        let value: Value = serde_json::from_str(text).ok()?;
        if value.get("ProviderType").and_then(Value::as_str) != Some("sso") {
            return None;
        }
        let c = value.get("Credentials")?;
        let field = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
        Some(RoleCredentials {
            access_key_id: field("AccessKeyId").filter(|s| !s.is_empty())?,
            secret_access_key: field("SecretAccessKey").filter(|s| !s.is_empty())?,
            session_token: field("SessionToken").filter(|s| !s.is_empty())?,
            expiration: parse_timestamp(&field("Expiration")?).ok()?,
            account_id: field("AccountId").unwrap_or_default(),
        })
    }

    /// From a GetRoleCredentials answer (`expiration` in epoch
    /// milliseconds) of `account_id`.
    ///
    /// Errors: a field is missing or the expiration is out of range.
    pub fn from_portal(
        account_id: &str,
        c: &aws_sdk_sso::types::RoleCredentials,
    ) -> Result<RoleCredentials, String> {
        let field = |v: Option<&str>, name: &str| {
            v.filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("GetRoleCredentials: the answer has no {name}"))
        };
        // Values from the network reach shells and terminals: printable
        // ASCII only (what AWS keys and tokens are).
        let field = |v: Option<&str>, name: &str| {
            field(v, name).and_then(|v| {
                if v.bytes().all(|b| b.is_ascii_graphic()) {
                    Ok(v)
                } else {
                    Err(format!(
                        "GetRoleCredentials: the {name} is not printable ASCII"
                    ))
                }
            })
        };
        let expiration = OffsetDateTime::from_unix_timestamp(c.expiration / 1000)
            .map_err(|_| "GetRoleCredentials: the expiration is out of range".to_string())?;
        Ok(RoleCredentials {
            access_key_id: field(c.access_key_id(), "accessKeyId")?,
            secret_access_key: field(c.secret_access_key(), "secretAccessKey")?,
            session_token: field(c.session_token(), "sessionToken")?,
            expiration,
            account_id: account_id.to_string(),
        })
    }

    /// Whether they still have more than [`REFRESH_MARGIN`] at `now`.
    pub fn fresh_at(&self, now: OffsetDateTime) -> bool {
        self.expiration - now > REFRESH_MARGIN
    }
}

/// The role a native profile names: `sso_session`, `sso_account_id`,
/// `sso_role_name`, and its `region` when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRole {
    pub profile: String,
    pub sso_session: String,
    pub account_id: String,
    pub role: String,
    pub region: Option<String>,
}

impl ProfileRole {
    /// The role of profile `name` as botocore reads it (the credentials
    /// file's keys over the config's, [`crate::chain::Profiles`]), or why it
    /// has none (a missing profile, or one without the three sso-session
    /// keys).
    pub fn of_profile(
        profiles: &crate::chain::Profiles<'_>,
        name: &str,
    ) -> Result<ProfileRole, String> {
        let shown = crate::output::escape(name);
        if !profiles.exists(name) {
            return Err(format!(
                "no profile {shown} in the config or credentials file"
            ));
        }
        let key = |k: &str| profiles.get(name, k).map(str::to_string);
        match (
            key("sso_session"),
            key("sso_account_id"),
            key("sso_role_name"),
        ) {
            (Some(sso_session), Some(account_id), Some(role)) => Ok(ProfileRole {
                profile: name.to_string(),
                sso_session,
                account_id,
                role,
                region: key("region"),
            }),
            _ => Err(format!(
                "profile {shown} is not an sso-session profile (it needs sso_session, \
                 sso_account_id and sso_role_name)"
            )),
        }
    }
}

/// The cached credentials in `path` when they are still fresh at `now`.
pub fn read_fresh(path: &Path, now: OffsetDateTime) -> Option<RoleCredentials> {
    let text = crate::file_kind::read_to_string(path).ok()?;
    RoleCredentials::from_cache_json(&text).filter(|c| c.fresh_at(now))
}

/// The held lock of a cache directory; released when dropped.
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

/// Takes the lock of `cli_cache` (creating the directory, mode 0700, and the
/// lock file when missing), waiting up to [`LOCK_TIMEOUT`] for its holder.
///
/// Errors: the lock file cannot be created or locked, or the wait timed out;
/// each names the lock file.
pub async fn lock(cli_cache: &Path) -> anyhow::Result<CacheLock> {
    let path = cli_cache.join(LOCK_NAME);
    let failed = |e: std::io::Error| anyhow::anyhow!("{}: cannot lock: {e}", path.display());
    create_private_dir(cli_cache).map_err(&failed)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(&failed)?;
    let locking = tokio::task::spawn_blocking(move || file.lock().map(|()| file));
    match tokio::time::timeout(LOCK_TIMEOUT, locking).await {
        Ok(Ok(Ok(file))) => Ok(CacheLock { _file: file }),
        Ok(Ok(Err(e))) => Err(failed(e)),
        Ok(Err(e)) => Err(anyhow::anyhow!("{}: cannot lock: {e}", path.display())),
        Err(_) => Err(anyhow::anyhow!(
            "{}: still locked after {} s by another uo-aws-tui; try again",
            path.display(),
            LOCK_TIMEOUT.as_secs()
        )),
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Where the credentials of `account_id` × `role` of `session` are cached.
pub fn cache_path(env: &Environment, session: &str, account_id: &str, role: &str) -> PathBuf {
    role_credentials_path(&env.paths.cli_cache, account_id, role, session)
}

/// The credentials of `role` in `account_id` through `session`: the cached
/// ones while fresh; else, under the cache lock, the cache read again, then
/// GetRoleCredentials with the session's token ([`token_for`],
/// [`Policy::Usable`]) at `env.portal_endpoint`, written to the cache
/// (mode 0600, atomically) before they are returned. When there is no
/// usable token (or the portal rejects it), `sign_in` is called once with
/// the [`NeedsLogin`] error, still under the lock, so concurrent callers
/// wait for that one login; `Ok` from it means "try again".
///
/// Errors: what `sign_in` returns (pass `|e| async { Err(e) }` to get the
/// [`NeedsLogin`] as is); the lock; the portal's error; the cache file
/// cannot be written.
pub async fn role_credentials<F, Fut>(
    env: &Environment,
    session: &SsoSession,
    account_id: &str,
    role: &str,
    sign_in: F,
) -> anyhow::Result<RoleCredentials>
where
    F: FnOnce(anyhow::Error) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let path = cache_path(env, &session.name, account_id, role);
    if let Some(c) = read_fresh(&path, OffsetDateTime::now_utc()) {
        return Ok(c);
    }
    let _lock = lock(&env.paths.cli_cache).await?;
    if let Some(c) = read_fresh(&path, OffsetDateTime::now_utc()) {
        return Ok(c);
    }
    let credentials = match fetch(env, session, account_id, role).await {
        Err(e) if e.is::<NeedsLogin>() => {
            sign_in(e).await?;
            fetch(env, session, account_id, role).await?
        }
        other => other?,
    };
    write_private_file(&path, credentials.to_cache_json().as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    Ok(credentials)
}

/// GetRoleCredentials with the session's usable token; a missing or
/// rejected token is a [`NeedsLogin`].
async fn fetch(
    env: &Environment,
    session: &SsoSession,
    account_id: &str,
    role: &str,
) -> anyhow::Result<RoleCredentials> {
    let token = token_for(env, session, Policy::Usable, OffsetDateTime::now_utc()).await?;
    let portal = Portal::new(
        &session.region,
        env.portal_endpoint.as_deref(),
        &token.access_token,
        1,
    );
    let answer = match portal.role_credentials(account_id, role).await {
        Ok(answer) => answer,
        Err(e) if e.kind == PortalErrorKind::Unauthorized => {
            return Err(NeedsLogin::rejected(session, e.message).into())
        }
        Err(e) => return Err(e.into()),
    };
    RoleCredentials::from_portal(account_id, &answer).map_err(anyhow::Error::msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn sample() -> RoleCredentials {
        RoleCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: "token".into(),
            expiration: datetime!(2026-12-02 01:00:00 UTC),
            account_id: "111122223333".into(),
        }
    }

    #[test]
    fn cache_json_is_the_clis() {
        let text = sample().to_cache_json();
        assert_eq!(
            text,
            r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret", "SessionToken": "token", "Expiration": "2026-12-02T01:00:00Z", "AccountId": "111122223333"}}"#
        );
        assert_eq!(RoleCredentials::from_cache_json(&text), Some(sample()));
        assert_eq!(
            RoleCredentials::from_cache_json(r#"{"ProviderType": "assume-role"}"#),
            None
        );
    }

    #[test]
    fn fresh_until_the_margin() {
        let c = sample();
        assert!(c.fresh_at(datetime!(2026-12-02 00:44:59 UTC)));
        assert!(!c.fresh_at(datetime!(2026-12-02 00:45:00 UTC)));
    }

    #[test]
    fn debug_hides_the_secrets() {
        let shown = format!("{:?}", sample());
        assert!(
            !shown.contains("secret\"") && !shown.contains("\"token\""),
            "{shown}"
        );
    }
}
