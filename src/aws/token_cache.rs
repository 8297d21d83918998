//! The SSO token cache in `~/.aws/sso/cache`, shared with the AWS CLI v2,
//! botocore, the Rust SDK and the Go SDK.
//!
//! File names are `sha1(key).json` in lower-case hex, where the key is the
//! `sso-session` name, or the `sso_start_url` exactly as configured for legacy
//! profiles (no normalisation). Token files are written the way the AWS CLI v2
//! writes them: keys in the CLI's order, Python `json.dumps` separators, one
//! line, timestamps `YYYY-MM-DDTHH:MM:SSZ`, mode 0600, temp file + rename.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Lower-case hex SHA-1 of `key` (UTF-8) followed by `.json`.
///
/// `cache_file_name("corp")` is `ee0bfd2552fbd840c02cc48b6e823320543c450f.json`.
pub fn cache_file_name(key: &str) -> String {
    let digest = Sha1::digest(key.as_bytes());
    let mut name = String::with_capacity(45);
    for byte in digest {
        name.push_str(&format!("{byte:02x}"));
    }
    name.push_str(".json");
    name
}

/// The token file of `sso-session` `session` inside `sso_cache`.
pub fn token_path(sso_cache: &Path, session: &str) -> PathBuf {
    sso_cache.join(cache_file_name(session))
}

/// Errors reading a token file.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// No file: the session was never logged in here (or logged out).
    #[error("{}: no cached token", path.display())]
    NotFound { path: PathBuf },
    /// The file exists but cannot be read or is not a token file.
    #[error("{}: unreadable token file: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    /// Writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// An access token as cached by `aws sso login`.
///
/// `Debug` never shows the access token, refresh token or client secret.
#[derive(Clone, PartialEq)]
pub struct CachedToken {
    /// `startUrl`: the configured start URL.
    pub start_url: Option<String>,
    /// `region`: the SSO region (`sso_region`).
    pub region: Option<String>,
    /// `accessToken`: the bearer sent to the portal (`x-amz-sso_bearer_token`).
    pub access_token: String,
    /// `expiresAt`: when the access token expires (UTC instant).
    pub expires_at: OffsetDateTime,
    /// `clientId` of the client registration, when the file carries it.
    pub client_id: Option<String>,
    /// `clientSecret` of the client registration.
    pub client_secret: Option<String>,
    /// `registrationExpiresAt`: when the client registration expires.
    pub registration_expires_at: Option<OffsetDateTime>,
    /// `refreshToken`, only when CreateToken issued one.
    pub refresh_token: Option<String>,
    /// Every other key of the file, kept so a rewrite loses nothing.
    pub extra: Map<String, Value>,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("start_url", &self.start_url)
            .field("region", &self.region)
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("registration_expires_at", &self.registration_expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("extra_keys", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl CachedToken {
    /// True when `expires_at` is at or before `now`.
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at <= now
    }

    /// Parses the JSON text of a token file. Keys are matched exactly as the
    /// AWS CLI writes them; `accessToken` and `expiresAt` are required.
    ///
    /// Returns `Err(reason)` describing what is missing or malformed.
    pub fn from_json(text: &str) -> Result<CachedToken, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
        let Value::Object(mut map) = value else {
            return Err("not a JSON object".into());
        };
        let access_token = take_string(&mut map, "accessToken")?
            .ok_or_else(|| "no accessToken (a client registration, not a token)".to_string())?;
        let expires_raw =
            take_string(&mut map, "expiresAt")?.ok_or_else(|| "no expiresAt".to_string())?;
        let expires_at =
            parse_timestamp(&expires_raw).map_err(|e| format!("expiresAt {expires_raw:?}: {e}"))?;
        let registration_expires_at = match take_string(&mut map, "registrationExpiresAt")? {
            Some(raw) => Some(
                parse_timestamp(&raw).map_err(|e| format!("registrationExpiresAt {raw:?}: {e}"))?,
            ),
            None => None,
        };
        Ok(CachedToken {
            start_url: take_string(&mut map, "startUrl")?,
            region: take_string(&mut map, "region")?,
            access_token,
            expires_at,
            client_id: take_string(&mut map, "clientId")?,
            client_secret: take_string(&mut map, "clientSecret")?,
            registration_expires_at,
            refresh_token: take_string(&mut map, "refreshToken")?,
            extra: map,
        })
    }

    /// The file text as the AWS CLI v2 writes it: keys `startUrl, region,
    /// accessToken, expiresAt, clientId, clientSecret, registrationExpiresAt,
    /// refreshToken` (each only when present), then any extra keys;
    /// `", "`/`": "` separators; timestamps `YYYY-MM-DDTHH:MM:SSZ`; no
    /// trailing newline.
    pub fn to_json(&self) -> String {
        let mut map = Map::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                map.insert(k.to_string(), Value::String(v));
            }
        };
        put("startUrl", self.start_url.clone());
        put("region", self.region.clone());
        put("accessToken", Some(self.access_token.clone()));
        put("expiresAt", Some(format_timestamp(self.expires_at)));
        put("clientId", self.client_id.clone());
        put("clientSecret", self.client_secret.clone());
        put(
            "registrationExpiresAt",
            self.registration_expires_at.map(format_timestamp),
        );
        put("refreshToken", self.refresh_token.clone());
        for (k, v) in &self.extra {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
        to_python_json(&Value::Object(map))
    }
}

fn take_string(map: &mut Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{key} is {}, expected a string", json_kind(&other))),
    }
}

/// What kind of JSON value `value` is, for errors that must not show it
/// (a token field may hold a secret whatever its type): `an array`,
/// `an object`, `a number`, `a boolean`, `a string`, `null`.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a cache timestamp. Accepts RFC 3339 with `Z` (optionally with a
/// fraction, `2023-03-16T15:11:53.540Z`), with an offset
/// (`2024-06-10T15:00:06-08:00`), and the old `2021-12-07T01:19:12UTC` form
/// written by early AWS CLI v2 releases.
///
/// Returns the instant in UTC, or `Err` with a short reason.
pub fn parse_timestamp(raw: &str) -> Result<OffsetDateTime, String> {
    let s = raw.trim();
    if let Some(base) = s.strip_suffix("UTC") {
        let format = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
        );
        return PrimitiveDateTime::parse(base.trim_end(), format)
            .map(|t| t.assume_utc())
            .map_err(|e| e.to_string());
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .map(|t| t.to_offset(time::UtcOffset::UTC))
        .map_err(|e| e.to_string())
}

/// Formats an instant as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds): the only
/// form every reader (botocore, Rust, Go) accepts.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(format).expect("a UTC timestamp always formats")
}

/// Serialises like Python's `json.dumps` with default separators: `", "`
/// between items and `": "` after keys, on one line.
pub fn to_python_json(value: &Value) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    serde::Serialize::serialize(value, &mut ser).expect("serialising a JSON value cannot fail");
    String::from_utf8(out).expect("JSON output is UTF-8")
}

struct PythonFormatter;

/// Writes Python's item separator `", "` before every item but the first.
fn python_separator<W: ?Sized + io::Write>(w: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        w.write_all(b", ")
    }
}

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        python_separator(w, first)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        python_separator(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

/// Reads and parses the token file at `path`.
///
/// Returns `Err(TokenError::NotFound)` when there is no file and
/// `Err(TokenError::Unreadable)` when it cannot be read or parsed.
pub fn read_token(path: &Path) -> Result<CachedToken, TokenError> {
    let text = match crate::file_kind::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(TokenError::NotFound {
                path: path.to_path_buf(),
            })
        }
        Err(e) => {
            return Err(TokenError::Unreadable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
    };
    CachedToken::from_json(&text).map_err(|reason| TokenError::Unreadable {
        path: path.to_path_buf(),
        reason,
    })
}

/// Writes `token` to `path` atomically (temp file in the same directory,
/// fsync, rename), mode 0600, creating the cache directory with mode 0700
/// when missing. An existing file is replaced only once the new bytes are
/// safely on disk.
pub fn write_token(path: &Path, token: &CachedToken) -> Result<(), TokenError> {
    write_private_file(path, token.to_json().as_bytes()).map_err(|source| TokenError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `path` with mode 0600 through
/// [`crate::atomic_file::write_atomic`] (temp file, fsync, rename); the
/// parent directory is created with mode 0700 when missing. Token and
/// registration files always get 0600, as the AWS CLI writes them.
pub fn write_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    crate::atomic_file::write_atomic(path, bytes, crate::atomic_file::Mode::Exactly(0o600))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn field_errors_name_the_type_never_the_value() {
        for (field, value, kind) in [
            ("accessToken", r#"["SECRETVALUE"]"#, "an array"),
            ("accessToken", r#"{"t":"SECRETVALUE"}"#, "an object"),
            ("refreshToken", "1234567890123", "a number"),
            ("clientSecret", r#"["SECRETVALUE"]"#, "an array"),
            ("startUrl", "true", "a boolean"),
        ] {
            let mut text =
                String::from(r#"{"accessToken": "tok", "expiresAt": "2030-01-01T00:00:00Z""#);
            text = text.replace(&format!(r#""{field}": "tok", "#), "");
            text.push_str(&format!(r#", "{field}": {value}}}"#));
            let reason = CachedToken::from_json(&text).unwrap_err();
            assert_eq!(reason, format!("{field} is {kind}, expected a string"));
            assert!(!reason.contains("SECRETVALUE") && !reason.contains("1234567890123"));
        }
    }

    #[test]
    fn file_names_follow_the_sha1_rule() {
        assert_eq!(
            cache_file_name("corp"),
            "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"
        );
        assert_eq!(
            cache_file_name("my-sso"),
            "0ad374308c5a4e22f723adf10145eafad7c4031c.json"
        );
        assert_eq!(
            cache_file_name("https://d-1234567890.awsapps.com/start"),
            "7487b5b67d5fa1132cf33fa93ae51ef38cc37752.json"
        );
    }

    #[test]
    fn timestamps_in_every_cached_form() {
        let cases = [
            ("2021-12-07T01:19:12UTC", datetime!(2021-12-07 01:19:12 UTC)),
            ("2023-03-04T03:39:48Z", datetime!(2023-03-04 03:39:48 UTC)),
            (
                "2023-03-16T15:11:53.540Z",
                datetime!(2023-03-16 15:11:53.540 UTC),
            ),
            (
                "2022-02-23T21:56:47+00:00",
                datetime!(2022-02-23 21:56:47 UTC),
            ),
            (
                "2024-06-10T15:00:06-08:00",
                datetime!(2024-06-10 23:00:06 UTC),
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_timestamp(raw).unwrap(), want, "{raw}");
        }
        assert!(parse_timestamp("tomorrow").is_err());
        assert!(parse_timestamp("2023-03-04T03:39:48").is_err(), "no zone");
    }

    #[test]
    fn writes_the_cli_key_order_and_separators() {
        let token = CachedToken {
            start_url: Some("https://d-1234567890.awsapps.com/start".into()),
            region: Some("us-west-2".into()),
            access_token: "tok".into(),
            expires_at: datetime!(2026-08-01 20:15:42.5 UTC),
            client_id: None,
            client_secret: None,
            registration_expires_at: None,
            refresh_token: None,
            extra: Map::new(),
        };
        assert_eq!(
            token.to_json(),
            r#"{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-west-2", "accessToken": "tok", "expiresAt": "2026-08-01T20:15:42Z"}"#
        );
        let back = CachedToken::from_json(&token.to_json()).unwrap();
        assert_eq!(back.expires_at, datetime!(2026-08-01 20:15:42 UTC));
    }

    #[test]
    fn debug_hides_secrets() {
        let mut token = CachedToken::from_json(
            r#"{"accessToken":"SECRET-A","expiresAt":"2030-01-01T00:00:00Z","refreshToken":"SECRET-R","clientSecret":"SECRET-C"}"#,
        )
        .unwrap();
        token.client_id = Some("cid".into());
        let shown = format!("{token:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }

    #[test]
    fn registration_files_are_not_tokens() {
        let err = CachedToken::from_json(
            r#"{"clientId":"x","clientSecret":"y","expiresAt":"2030-01-01T00:00:00Z"}"#,
        )
        .unwrap_err();
        assert!(err.contains("accessToken"), "{err}");
    }
}
