//! OIDC client registrations cached the way the AWS CLI v2 caches them, so
//! `aws sso login` and uo-aws-tui reuse each other's registration.
//!
//! File: `~/.aws/sso/cache/<sha1>.json` where the SHA-1 input is Python's
//! `json.dumps({"tool": "botocore", "startUrl": …, "region": …, "scopes":
//! <list or null>, "session_name": <name or null>}, sort_keys=True)`.
//! Content: `{"clientId", "clientSecret", "expiresAt", "scopes"?, "grantTypes"?}`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::token_cache::{
    cache_file_name, format_timestamp, parse_timestamp, to_python_json, write_private_file,
};

/// A registration is reused only while more than this is left before it expires.
pub const REUSE_MARGIN: Duration = Duration::from_secs(15 * 60);

/// The two login flows, which need differently registered clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    /// Authorization code with PKCE (`grantTypes` has `authorization_code`).
    AuthorizationCode,
    /// Device authorization (no `authorization_code` grant).
    DeviceCode,
}

/// A registered OIDC client (RegisterClient's answer).
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: String,
    /// When the client secret expires (RegisterClient `clientSecretExpiresAt`,
    /// epoch seconds on the wire).
    pub expires_at: OffsetDateTime,
    /// The scopes registered, when any were sent.
    pub scopes: Option<Vec<String>>,
    /// The grant types registered (PKCE registrations only).
    pub grant_types: Option<Vec<String>>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("grant_types", &self.grant_types)
            .finish()
    }
}

impl Registration {
    /// Which flow this registration serves.
    pub fn grant_kind(&self) -> GrantKind {
        let pkce = self
            .grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == "authorization_code"));
        if pkce {
            GrantKind::AuthorizationCode
        } else {
            GrantKind::DeviceCode
        }
    }

    /// Whether a login of kind `kind` at `now` may reuse it: the same grant
    /// kind, and more than [`REUSE_MARGIN`] before it expires.
    pub fn reusable_for(&self, kind: GrantKind, now: OffsetDateTime) -> bool {
        self.grant_kind() == kind && self.expires_at - REUSE_MARGIN > now
    }

    /// The file content as the AWS CLI v2 writes it.
    pub fn to_json(&self) -> String {
        let mut map = Map::new();
        map.insert("clientId".into(), json!(self.client_id));
        map.insert("clientSecret".into(), json!(self.client_secret));
        map.insert("expiresAt".into(), json!(format_timestamp(self.expires_at)));
        if let Some(scopes) = &self.scopes {
            map.insert("scopes".into(), json!(scopes));
        }
        if let Some(grants) = &self.grant_types {
            map.insert("grantTypes".into(), json!(grants));
        }
        to_python_json(&Value::Object(map))
    }

    /// Parses a registration file; `None` when it is not one.
    pub fn from_json(text: &str) -> Option<Registration> {
        let v: Value = serde_json::from_str(text).ok()?;
        let strings = |key: &str| -> Option<Vec<String>> {
            v.get(key)?
                .as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        if v.get("accessToken").is_some() {
            return None;
        }
        Some(Registration {
            client_id: v.get("clientId")?.as_str()?.to_string(),
            client_secret: v.get("clientSecret")?.as_str()?.to_string(),
            expires_at: parse_timestamp(v.get("expiresAt")?.as_str()?).ok()?,
            scopes: strings("scopes"),
            grant_types: strings("grantTypes"),
        })
    }
}

/// Python `json.dumps` escapes every non-ASCII character (`ensure_ascii`).
pub fn ensure_ascii(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// The registration cache file for a session, as the AWS CLI v2 names it.
/// `scopes` are the configured `sso_registration_scopes` (`None` when not
/// configured); `session` is the sso-session name (`None` for legacy profiles).
pub fn registration_path(
    sso_cache: &Path,
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session: Option<&str>,
) -> PathBuf {
    // Keys in sorted order, as `sort_keys=True` gives.
    let mut key = Map::new();
    key.insert("region".into(), json!(region));
    key.insert("scopes".into(), json!(scopes));
    key.insert("session_name".into(), json!(session));
    key.insert("startUrl".into(), json!(start_url));
    key.insert("tool".into(), json!("botocore"));
    let text = ensure_ascii(&to_python_json(&Value::Object(key)));
    sso_cache.join(cache_file_name(&text))
}

/// Reads the registration at `path`; `None` when missing or not a registration.
pub fn read_registration(path: &Path) -> Option<Registration> {
    Registration::from_json(&crate::file_kind::read_to_string(path).ok()?)
}

/// Writes `registration` to `path` (0600, temp file + rename).
pub fn write_registration(path: &Path, registration: &Registration) -> std::io::Result<()> {
    write_private_file(path, registration.to_json().as_bytes())
}

/// `sso_registration_scopes` as the CLI reads it: split on `,`, trimmed,
/// empty parts dropped.
pub fn parse_scopes(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn cache_names_match_the_cli() {
        let cache = Path::new("/c");
        let url = "https://d-1234567890.awsapps.com/start";
        let scopes = vec!["sso:account:access".to_string()];
        assert_eq!(
            registration_path(cache, url, "us-east-1", Some(&scopes), Some("my-sso")),
            Path::new("/c/a8343d65418848d0bc13a5f25cbb32508ceec5d1.json")
        );
        assert_eq!(
            registration_path(cache, url, "us-east-1", None, Some("my-sso")),
            Path::new("/c/8b2cedd020fb181ad4cf906d1d27b232fd31557e.json")
        );
    }

    #[test]
    fn reuse_needs_the_same_grant_kind_and_a_margin() {
        let now = datetime!(2026-11-30 12:00 UTC);
        let mut reg = Registration {
            client_id: "id".into(),
            client_secret: "secret".into(),
            expires_at: now + Duration::from_secs(16 * 60),
            scopes: Some(vec!["sso:account:access".into()]),
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
        };
        assert!(reg.reusable_for(GrantKind::AuthorizationCode, now));
        assert!(!reg.reusable_for(GrantKind::DeviceCode, now));
        reg.expires_at = now + Duration::from_secs(14 * 60);
        assert!(!reg.reusable_for(GrantKind::AuthorizationCode, now));
        reg.grant_types = None;
        reg.expires_at = now + Duration::from_secs(3600);
        assert!(reg.reusable_for(GrantKind::DeviceCode, now));
    }

    #[test]
    fn file_round_trip_in_cli_format() {
        let reg = Registration {
            client_id: "cid".into(),
            client_secret: "sec".into(),
            expires_at: datetime!(2027-02-28 12:00 UTC),
            scopes: Some(vec!["sso:account:access".into()]),
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
        };
        assert_eq!(
            reg.to_json(),
            r#"{"clientId": "cid", "clientSecret": "sec", "expiresAt": "2027-02-28T12:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#
        );
        assert_eq!(Registration::from_json(&reg.to_json()), Some(reg.clone()));
        assert!(!format!("{reg:?}").contains("sec\""));
        assert_eq!(parse_scopes(" a:b , c ,,"), vec!["a:b", "c"]);
    }
}
