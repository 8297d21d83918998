//! The `aws login` token cache of the AWS CLI ≥ 2.32, read only.
//!
//! `aws login` signs in with console credentials and writes
//! `login_session = ARN` (the JWT `sub` of the sign-in: an IAM user, a role
//! session or the root user) into the profile, and the token to
//! `<login cache>/<sha256 hex of the ARN>.json`; the directory is
//! `AWS_LOGIN_CACHE_DIRECTORY` or `~/.aws/login/cache`. The file holds:
//!
//! ```json
//! {"accessToken": {"accessKeyId": "…", "secretAccessKey": "…", "sessionToken": "…",
//!                  "accountId": "123456789012", "expiresAt": "2026-12-01T23:15:00Z"},
//!  "tokenType": "…", "clientId": "arn:aws:signin:::devtools/same-device",
//!  "refreshToken": "…", "idToken": "…", "dpopKey": "-----BEGIN EC PRIVATE KEY-----…"}
//! ```
//!
//! Sources (aws/aws-cli, branch `v2`): `awscli/customizations/login/utils.py`
//! (the token written after sign-in), `awscli/botocore/utils.py`
//! (`generate_login_cache_key`, `get_login_token_cache_directory`,
//! `JSONFileCache`), `awscli/botocore/credentials.py` (`LoginProvider`,
//! `LoginCredentialFetcher`: the keys it requires, refresh 5 minutes before
//! `expiresAt`). See `docs/aws-login.md`.
//!
//! This module only reads. The `login_session` profiles are never written;
//! a cache file is rewritten only when `credentials` refreshes it, the way
//! the AWS CLI does ([`crate::aws::login_refresh`]).

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::aws::token_cache::parse_timestamp;

/// The keys the AWS CLI's `LoginCredentialFetcher` requires before it uses
/// a cached login (besides `accessToken`): without them it cannot refresh.
pub const REFRESH_KEYS: [&str; 3] = ["refreshToken", "dpopKey", "clientId"];

/// `<sha256 hex of login_session>.json`, the AWS CLI's file name for the
/// token of `login_session`.
pub fn cache_file_name(login_session: &str) -> String {
    let digest = Sha256::digest(login_session.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.json")
}

/// The token file of `login_session` in `login_cache`.
pub fn token_path(login_cache: &Path, login_session: &str) -> PathBuf {
    login_cache.join(cache_file_name(login_session))
}

/// What we read of a cached `aws login` token (never its secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginToken {
    /// `accessToken.expiresAt`: when the temporary credentials expire
    /// (the AWS CLI writes 15 minutes after each sign-in or refresh).
    pub expires_at: OffsetDateTime,
    /// `accessToken.accountId`.
    pub account_id: Option<String>,
    /// `refreshToken`, `dpopKey` and `clientId` are all there, so the AWS CLI
    /// and SDKs can refresh the credentials without a new sign-in (the
    /// refresh token's own lifetime is not in the file).
    pub refreshable: bool,
}

/// Why a login token could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoginTokenError {
    /// No file: the login session is not signed in here.
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },
    /// The file cannot be read, is not JSON, or lacks `accessToken` /
    /// `accessToken.expiresAt`; `reason` never quotes a secret.
    #[error("{}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
}

impl LoginToken {
    /// Parses the text of a login token file. Errors: not JSON, not an
    /// object, no `accessToken` object, no or a malformed
    /// `accessToken.expiresAt` (any form [`parse_timestamp`] reads).
    pub fn from_json(text: &str) -> Result<LoginToken, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
        let Value::Object(map) = value else {
            return Err("not a JSON object".into());
        };
        let Some(Value::Object(access)) = map.get("accessToken") else {
            return Err("no accessToken object".into());
        };
        let raw = access
            .get("expiresAt")
            .and_then(Value::as_str)
            .ok_or_else(|| "no accessToken.expiresAt".to_string())?;
        let expires_at = parse_timestamp(raw).map_err(|e| format!("accessToken.expiresAt: {e}"))?;
        Ok(LoginToken {
            expires_at,
            account_id: access
                .get("accountId")
                .and_then(Value::as_str)
                .map(str::to_string),
            refreshable: REFRESH_KEYS.iter().all(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| !v.is_empty())
            }),
        })
    }
}

/// Reads the token file at `path` (read only; any file kind we cannot read
/// is an error, never a wait: [`crate::file_kind::read_to_string`]).
pub fn read_login_token(path: &Path) -> Result<LoginToken, LoginTokenError> {
    let text = match crate::file_kind::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoginTokenError::NotFound {
                path: path.to_path_buf(),
            })
        }
        Err(e) => {
            return Err(LoginTokenError::Unreadable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
    };
    LoginToken::from_json(&text).map_err(|reason| LoginTokenError::Unreadable {
        path: path.to_path_buf(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn file_name_is_sha256_of_the_session_arn() {
        // sha256("arn:aws:iam::0123456789012:user/Admin"), as
        // botocore's generate_login_cache_key computes it.
        assert_eq!(
            cache_file_name("arn:aws:iam::0123456789012:user/Admin"),
            "36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json"
        );
        assert_eq!(cache_file_name("").len(), 64 + ".json".len());
    }

    #[test]
    fn reads_expiry_account_and_refresh_keys() {
        let text = r#"{"accessToken": {"accessKeyId": "AKIA", "secretAccessKey": "s", "sessionToken": "t", "accountId": "123456789012", "expiresAt": "2026-12-01T23:15:00Z"}, "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "r", "idToken": "i", "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n"}"#;
        let t = LoginToken::from_json(text).unwrap();
        assert_eq!(t.expires_at, datetime!(2026-12-01 23:15 UTC));
        assert_eq!(t.account_id.as_deref(), Some("123456789012"));
        assert!(t.refreshable);
        let no_key = text.replace("\"dpopKey\"", "\"other\"");
        assert!(!LoginToken::from_json(&no_key).unwrap().refreshable);
        assert!(LoginToken::from_json(r#"{"accessToken": "flat"}"#)
            .unwrap_err()
            .contains("no accessToken object"));
        assert!(LoginToken::from_json(r#"{"accessToken": {}}"#)
            .unwrap_err()
            .contains("expiresAt"));
        let bad = LoginToken::from_json(
            r#"{"accessToken": {"secretAccessKey": "SECRET", "expiresAt": "soon"}}"#,
        )
        .unwrap_err();
        assert!(!bad.contains("SECRET") && !bad.contains("soon"), "{bad}");
    }
}
