//! The credentials of an `aws login` profile (`login_session`), served from
//! the AWS CLI's login cache and refreshed the way the AWS CLI refreshes
//! them, so tools that cannot read such profiles (terraform, older SDKs) get
//! them through `uo-aws-tui credentials PROFILE`.
//!
//! The cached `accessToken` holds temporary credentials that last at most
//! 15 minutes. While more than [`REFRESH_MARGIN`] is left they are served as
//! they are. Otherwise, under the credential-cache lock every process of
//! ours shares ([`super::role_credentials::lock`]), the file is read again
//! and, if still due, refreshed: the sign-in service's `CreateOAuth2Token`
//! (`POST /v1/token`, JSON body `{"clientId", "grantType":
//! "refresh_token", "refreshToken"}`, no SigV4) with a `DPoP` header, an
//! ES256 JWT signed by the file's `dpopKey` (RFC 9449: header `typ`
//! `dpop+jwt`, the public key as `jwk`; claims `htm` `POST`, `htu` the
//! request URL, `iat`, `jti`). The answer's credentials and rotated refresh
//! token replace `accessToken` (keeping its `accountId`, `expiresAt` =
//! now + `expiresIn`) and `refreshToken`; every other key and the key order
//! stay, the text is Python's `json.dumps` with its default separators, and
//! the file is replaced atomically with mode 0600 — the AWS CLI's own
//! rewrite (`LoginCredentialFetcher.refresh_credentials`).
//!
//! The endpoint is `AWS_ENDPOINT_URL_SIGNIN`, then `AWS_ENDPOINT_URL` (what
//! botocore honours for its `signin` client), else the region's
//! `https://{region}.signin.aws.amazon.com` (`.amazonaws-us-gov.com`,
//! `.amazonaws.cn` in those partitions: the service's endpoint rules). The
//! region is `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's.
//!
//! Sources (aws/aws-cli, branch `v2`): `awscli/botocore/credentials.py`
//! (`LoginCredentialFetcher`), `awscli/botocore/utils.py`
//! (`build_dpop_header`), `awscli/botocore/data/signin/2023-01-01/`
//! (`CreateOAuth2Token`, its errors and endpoint rules). No secret reaches
//! an error or a log.

use std::path::Path;
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::federation::Partition;
use super::login_cache::{token_path, REFRESH_KEYS};
use super::network::PostError;
use super::role_credentials::{lock, RoleCredentials};
use super::token_cache::{format_timestamp, parse_timestamp, to_python_json, write_private_file};
use crate::env::Environment;

/// Cached login credentials with less than this left are refreshed first.
/// They last 15 minutes; botocore's `credential_process` provider refuses
/// credentials with less than 10 minutes left, so what we serve always has
/// more than that.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(11 * 60);

/// The endpoint overrides, in order (empty values count as unset).
pub const ENDPOINT_VARS: [&str; 2] = ["AWS_ENDPOINT_URL_SIGNIN", "AWS_ENDPOINT_URL"];

/// How long one `CreateOAuth2Token` call may take in all.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// An `aws login` profile of the config: its name, `login_session` (the
/// ARN of who signed in) and `region`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginProfile {
    pub profile: String,
    pub login_session: String,
    pub region: Option<String>,
}

impl LoginProfile {
    /// The role name of an `assumed-role` session
    /// (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/NAME` → `ROLE`), else `None`
    /// (IAM users and the root user).
    pub fn role_name(&self) -> Option<&str> {
        let resource = self.login_session.splitn(6, ':').nth(5)?;
        let mut parts = resource.split('/');
        (parts.next()? == "assumed-role")
            .then(|| parts.next())
            .flatten()
            .filter(|r| !r.is_empty())
    }
}

/// Why no credentials could be had. Each message ends with the fix
/// (`aws login --profile P`, or the region to set); none quotes a secret.
#[derive(Debug, thiserror::Error)]
pub enum LoginRefreshError {
    /// No cache file for the login session.
    #[error(
        "{login_session} is not signed in here (no {file})\n  run: aws login --profile {profile}"
    )]
    NotSignedIn {
        login_session: String,
        file: String,
        profile: String,
    },
    /// The cache file cannot be read or lacks what is needed.
    #[error("{file}: {reason}\n  run: aws login --profile {profile}")]
    Unreadable {
        file: String,
        reason: String,
        profile: String,
    },
    /// The sign-in service refused the refresh (`TOKEN_EXPIRED`,
    /// `USER_CREDENTIALS_CHANGED`, `INSUFFICIENT_PERMISSIONS`, …).
    #[error("the sign-in service refused to refresh the login of profile {profile}: {reason}\n  run: aws login --profile {profile}")]
    Refused { profile: String, reason: String },
    /// The endpoint could not be reached, timed out, or answered something
    /// else than the operation's shapes.
    #[error("CreateOAuth2Token at {url}: {reason}")]
    Call { url: String, reason: String },
    /// No region to find the regional sign-in endpoint.
    #[error("profile {profile} has no region and AWS_REGION is not set: the sign-in service that refreshes its login is regional\n  set region in [profile {profile}] or AWS_REGION")]
    NoRegion { profile: String },
}

/// A login cache file as read: the whole JSON object, kept for the rewrite.
#[derive(Clone)]
pub struct LoginFile {
    object: Map<String, Value>,
}

impl std::fmt::Debug for LoginFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginFile(<redacted>)")
    }
}

/// What `CreateOAuth2Token` answered for a refresh.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenOutput {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// `expiresIn`: seconds the credentials last (at most 900).
    pub expires_in: u64,
    pub refresh_token: String,
}

impl std::fmt::Debug for TokenOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenOutput")
            .field("access_key_id", &self.access_key_id)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

fn printable(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic())
}

impl LoginFile {
    /// Parses a login cache file's text. Errors (never quoting a value):
    /// not a JSON object; no `accessToken` object.
    pub fn from_json(text: &str) -> Result<LoginFile, String> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object))
                if object.get("accessToken").is_some_and(Value::is_object) =>
            {
                Ok(LoginFile { object })
            }
            Ok(Value::Object(_)) => Err("no accessToken object".into()),
            Ok(_) => Err("not a JSON object".into()),
            Err(e) => Err(format!("not JSON ({e})")),
        }
    }

    /// The file's text as the AWS CLI writes it (`json.dumps`).
    pub fn to_json(&self) -> String {
        to_python_json(&Value::Object(self.object.clone()))
    }

    fn access(&self, key: &str) -> Option<&str> {
        self.object.get("accessToken")?.get(key)?.as_str()
    }

    fn top(&self, key: &str) -> Option<&str> {
        self.object.get(key)?.as_str().filter(|v| !v.is_empty())
    }

    /// The cached credentials (`accessToken.accessKeyId`, `secretAccessKey`,
    /// `sessionToken`, `expiresAt`, `accountId`). Errors: one is missing,
    /// not printable ASCII, or the expiry unreadable (named, never quoted).
    pub fn credentials(&self) -> Result<RoleCredentials, String> {
        let field = |key: &str| {
            self.access(key)
                .filter(|v| printable(v))
                .map(str::to_string)
                .ok_or_else(|| format!("accessToken.{key} is missing or not printable ASCII"))
        };
        let expires_at = field("expiresAt")?;
        Ok(RoleCredentials {
            access_key_id: field("accessKeyId")?,
            secret_access_key: field("secretAccessKey")?,
            session_token: field("sessionToken")?,
            expiration: parse_timestamp(&expires_at)
                .map_err(|e| format!("accessToken.expiresAt: {e}"))?,
            account_id: self.access("accountId").unwrap_or_default().to_string(),
        })
    }

    /// `clientId`, `refreshToken` and the DPoP key, or the first of them
    /// missing or unreadable.
    pub fn refresh_material(&self) -> Result<(String, String, SigningKey), String> {
        for key in REFRESH_KEYS {
            if self.top(key).is_none() {
                return Err(format!(
                    "{key} is missing, so the login cannot be refreshed"
                ));
            }
        }
        let key = dpop_key_from_pem(self.top("dpopKey").unwrap_or_default())?;
        Ok((
            self.top("clientId").unwrap_or_default().to_string(),
            self.top("refreshToken").unwrap_or_default().to_string(),
            key,
        ))
    }

    /// Puts a refresh's answer in: `accessToken` (keeping `accountId`,
    /// `expiresAt` = `now` + `expiresIn`) and `refreshToken`.
    pub fn apply(&mut self, output: &TokenOutput, now: OffsetDateTime) {
        let account_id = self.access("accountId").unwrap_or_default().to_string();
        let expires_at =
            now.replace_nanosecond(0).unwrap_or(now) + Duration::from_secs(output.expires_in);
        self.object.insert(
            "accessToken".into(),
            json!({
                "accessKeyId": output.access_key_id,
                "secretAccessKey": output.secret_access_key,
                "sessionToken": output.session_token,
                "accountId": account_id,
                "expiresAt": format_timestamp(expires_at),
            }),
        );
        self.object.insert(
            "refreshToken".into(),
            Value::String(output.refresh_token.clone()),
        );
    }
}

/// The P-256 key of a `dpopKey` PEM, read as botocore reads it: the lines
/// between `-----BEGIN`/`-----END` joined and base64-decoded, then SEC1
/// (`EC PRIVATE KEY`, what the AWS CLI writes) or PKCS#8 DER.
pub fn dpop_key_from_pem(pem: &str) -> Result<SigningKey, String> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----BEGIN") && !l.starts_with("-----END"))
        .collect::<String>()
        .trim()
        .to_string();
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|_| "dpopKey is not base64 PEM".to_string())?;
    use p256::pkcs8::DecodePrivateKey as _;
    p256::SecretKey::from_sec1_der(&der)
        .or_else(|_| p256::SecretKey::from_pkcs8_der(&der))
        .map(SigningKey::from)
        .map_err(|_| "dpopKey is not a P-256 private key".to_string())
}

/// The public key of `key` as the JWK a DPoP header carries.
pub fn public_jwk(key: &SigningKey) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    let coordinate = |c: Option<&p256::FieldBytes>| {
        URL_SAFE_NO_PAD.encode(c.map(|b| b.as_slice()).unwrap_or_default())
    };
    json!({
        "kty": "EC",
        "x": coordinate(point.x()),
        "y": coordinate(point.y()),
        "crv": "P-256",
    })
}

/// A DPoP proof for `POST url`: `header.payload.signature`, each base64url
/// without padding, the JSON compact (botocore's `build_dpop_header`);
/// `iat` in Unix seconds, `jti` a fresh UUID v4.
pub fn dpop_proof(key: &SigningKey, url: &str, iat: i64) -> String {
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(key)});
    let payload = json!({"htm": "POST", "htu": url, "iat": iat, "jti": super::login::uuid4()});
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string().as_bytes());
    let signing_input = format!("{}.{}", encode(&header), encode(&payload));
    let signature: Signature = key.sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

/// The sign-in service's base URL for `region`, or the first of
/// [`ENDPOINT_VARS`] set (read through `var`).
pub fn endpoint(region: &str, var: impl Fn(&str) -> Option<String>) -> String {
    for name in ENDPOINT_VARS {
        if let Some(v) = var(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        {
            return v.trim_end_matches('/').to_string();
        }
    }
    let suffix = match Partition::of_region(region) {
        Partition::Aws => "signin.aws.amazon.com",
        Partition::AwsUsGov => "signin.amazonaws-us-gov.com",
        Partition::AwsCn => "signin.amazonaws.cn",
    };
    format!("https://{region}.{suffix}")
}

/// `CreateOAuth2Token` with `grantType` `refresh_token` at `base`.
///
/// Errors: [`LoginRefreshError::Refused`] for an `AccessDeniedException`
/// (its `error` code and `message`, which carry no secret) or another 4xx
/// with an `error` code; [`LoginRefreshError::Call`] otherwise.
pub async fn create_token(
    base: &str,
    profile: &str,
    client_id: &str,
    refresh_token: &str,
    key: &SigningKey,
) -> Result<TokenOutput, LoginRefreshError> {
    let url = format!("{base}/v1/token");
    let call_error = |reason: String| LoginRefreshError::Call {
        url: url.clone(),
        reason,
    };
    let body = json!({
        "clientId": client_id,
        "grantType": "refresh_token",
        "refreshToken": refresh_token,
    })
    .to_string();
    let proof = dpop_proof(key, &url, OffsetDateTime::now_utc().unix_timestamp());
    let headers = [
        ("content-type", "application/json".to_string()),
        ("accept", "application/json".to_string()),
        ("dpop", proof),
    ];
    let (status, bytes) = super::network::post(&url, &headers, body, CALL_TIMEOUT)
        .await
        .map_err(|e| match e {
            PostError::Timeout => {
                call_error(format!("no answer within {} s", CALL_TIMEOUT.as_secs()))
            }
            PostError::Unreachable(reason) => call_error(format!("cannot reach it: {reason}")),
        })?;
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if (400..500).contains(&status) {
        if let Some(code) = answer.get("error").and_then(Value::as_str) {
            let message = answer.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(LoginRefreshError::Refused {
                profile: profile.to_string(),
                reason: crate::output::escape(&format!("HTTP {status} {code}: {message}")),
            });
        }
    }
    if !(200..300).contains(&status) {
        return Err(call_error(format!("HTTP {status}")));
    }
    token_output(&answer)
        .ok_or_else(|| call_error("the answer lacks accessToken, expiresIn or refreshToken".into()))
}

fn token_output(answer: &Value) -> Option<TokenOutput> {
    let access = answer.get("accessToken")?;
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .filter(|s| printable(s))
            .map(str::to_string)
    };
    Some(TokenOutput {
        access_key_id: text(access.get("accessKeyId"))?,
        secret_access_key: text(access.get("secretAccessKey"))?,
        session_token: text(access.get("sessionToken"))?,
        expires_in: answer.get("expiresIn")?.as_u64()?,
        refresh_token: text(answer.get("refreshToken"))?,
    })
}

fn read_file(path: &Path, profile: &LoginProfile) -> Result<LoginFile, LoginRefreshError> {
    let text = match crate::file_kind::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoginRefreshError::NotSignedIn {
                login_session: crate::output::escape(&profile.login_session),
                file: path.display().to_string(),
                profile: crate::output::escape(&profile.profile),
            })
        }
        Err(e) => return Err(unreadable(path, profile, e.to_string())),
    };
    LoginFile::from_json(&text).map_err(|reason| unreadable(path, profile, reason))
}

fn unreadable(path: &Path, profile: &LoginProfile, reason: String) -> LoginRefreshError {
    LoginRefreshError::Unreadable {
        file: path.display().to_string(),
        reason,
        profile: crate::output::escape(&profile.profile),
    }
}

/// The cached credentials of `file` when more than [`REFRESH_MARGIN`] is
/// left at `now`.
fn fresh(file: &LoginFile, now: OffsetDateTime) -> Option<RoleCredentials> {
    file.credentials()
        .ok()
        .filter(|c| c.expiration - now > REFRESH_MARGIN)
}

/// The credentials of `profile`: the cached ones while fresh, else
/// refreshed (see the module docs) and written back before they are
/// returned.
///
/// Errors: [`LoginRefreshError`] (not signed in here, an unreadable or
/// unrefreshable file, no region, the service's refusal or an unreachable
/// endpoint), the lock, or the file cannot be written (named).
pub async fn login_credentials(
    env: &Environment,
    profile: &LoginProfile,
) -> anyhow::Result<RoleCredentials> {
    let path = token_path(&env.paths.login_cache, &profile.login_session);
    if let Some(c) = fresh(&read_file(&path, profile)?, OffsetDateTime::now_utc()) {
        return Ok(c);
    }
    let _lock = lock(&env.paths.cli_cache).await?;
    let mut file = read_file(&path, profile)?;
    if let Some(c) = fresh(&file, OffsetDateTime::now_utc()) {
        return Ok(c);
    }
    let (client_id, refresh_token, key) = file.refresh_material().map_err(|reason| {
        // Say first what is wrong with the credentials, when something is.
        let reason = match file.credentials() {
            Err(why) => format!("{why}, and {reason}"),
            Ok(_) => reason,
        };
        unreadable(&path, profile, reason)
    })?;
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .or_else(|| profile.region.clone())
        .ok_or_else(|| LoginRefreshError::NoRegion {
            profile: crate::output::escape(&profile.profile),
        })?;
    let base = endpoint(&region, var);
    let output = create_token(&base, &profile.profile, &client_id, &refresh_token, &key).await?;
    file.apply(&output, OffsetDateTime::now_utc());
    write_private_file(&path, file.to_json().as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    file.credentials().map_err(anyhow::Error::msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier as _;
    use p256::ecdsa::VerifyingKey;
    use time::macros::datetime;

    fn key() -> SigningKey {
        SigningKey::from_slice(&[7u8; 32]).unwrap()
    }

    fn pem(key: &SigningKey) -> String {
        let secret = p256::SecretKey::from(key);
        secret
            .to_sec1_pem(p256::pkcs8::LineEnding::LF)
            .unwrap()
            .to_string()
    }

    const FILE: &str = r#"{"accessToken": {"accessKeyId": "ASIAOLD", "secretAccessKey": "old", "sessionToken": "oldtoken", "accountId": "123456789012", "expiresAt": "2026-12-02T01:00:00Z"}, "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "r1", "idToken": "a.b.c", "dpopKey": "PEM"}"#;

    #[test]
    fn a_refresh_rewrites_only_the_credentials_and_refresh_token() {
        let mut file = LoginFile::from_json(FILE).unwrap();
        assert_eq!(file.to_json(), FILE, "read and written unchanged");
        file.apply(
            &TokenOutput {
                access_key_id: "ASIANEW".into(),
                secret_access_key: "new".into(),
                session_token: "newtoken".into(),
                expires_in: 900,
                refresh_token: "r2".into(),
            },
            datetime!(2026-12-02 02:00:00.5 UTC),
        );
        let expected = FILE
            .replace("ASIAOLD", "ASIANEW")
            .replace("\"old\"", "\"new\"")
            .replace("oldtoken", "newtoken")
            .replace("2026-12-02T01:00:00Z", "2026-12-02T02:15:00Z")
            .replace("\"r1\"", "\"r2\"");
        assert_eq!(file.to_json(), expected);
        let c = file.credentials().unwrap();
        assert_eq!(c.access_key_id, "ASIANEW");
        assert_eq!(c.account_id, "123456789012");
        assert_eq!(c.expiration, datetime!(2026-12-02 02:15:00 UTC));
    }

    #[test]
    fn the_dpop_proof_verifies_with_its_own_jwk() {
        let key = key();
        let proof = dpop_proof(&key, "http://127.0.0.1:9/v1/token", 1_700_000_000);
        let parts: Vec<&str> = proof.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        let payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(payload["htm"], "POST");
        assert_eq!(payload["htu"], "http://127.0.0.1:9/v1/token");
        assert_eq!(payload["iat"], 1_700_000_000);
        assert_eq!(payload["jti"].as_str().unwrap().len(), 36);
        let x = URL_SAFE_NO_PAD
            .decode(header["jwk"]["x"].as_str().unwrap())
            .unwrap();
        let y = URL_SAFE_NO_PAD
            .decode(header["jwk"]["y"].as_str().unwrap())
            .unwrap();
        let point = p256::EncodedPoint::from_affine_coordinates(
            p256::FieldBytes::from_slice(&x),
            p256::FieldBytes::from_slice(&y),
            false,
        );
        let verifying = VerifyingKey::from_encoded_point(&point).unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        verifying.verify(input.as_bytes(), &signature).unwrap();
        assert!(verifying.verify(b"other", &signature).is_err());
    }

    #[test]
    fn reads_the_pem_the_aws_cli_writes() {
        let key = key();
        let text = pem(&key);
        assert!(
            text.starts_with("-----BEGIN EC PRIVATE KEY-----\n"),
            "{text}"
        );
        assert_eq!(dpop_key_from_pem(&text).unwrap(), key);
        let file =
            LoginFile::from_json(&FILE.replace("\"PEM\"", &serde_json::to_string(&text).unwrap()))
                .unwrap();
        let (client, refresh, got) = file.refresh_material().unwrap();
        assert_eq!(
            (client.as_str(), refresh.as_str()),
            ("arn:aws:signin:::devtools/same-device", "r1")
        );
        assert_eq!(got, key);
        assert!(dpop_key_from_pem("-----BEGIN EC PRIVATE KEY-----\nnot base64!\n").is_err());
        // A key awscrt generated and exported as the AWS CLI does (SEC1 with
        // the curve's OID and the public key).
        let cli = "-----BEGIN EC PRIVATE KEY-----\n\
            MHcCAQEEIFsEVHvRQxK2N66/Lhjm1XGyECAaiBWfXAlv8vRAjpa9oAoGCCqGSM49\n\
            AwEHoUQDQgAE/RexMNPLq7Ca8ZjIEvQzp/4LU6C6Prgc2qpGgjSq8ZcXWSF4d6ey\n\
            N8IMOdc2se0f1go2j3O74GnJz37z/8aBlQ==\n\
            -----END EC PRIVATE KEY-----\n";
        let from_cli = dpop_key_from_pem(cli).unwrap();
        assert_eq!(
            public_jwk(&from_cli)["x"],
            URL_SAFE_NO_PAD.encode([
                0xfd, 0x17, 0xb1, 0x30, 0xd3, 0xcb, 0xab, 0xb0, 0x9a, 0xf1, 0x98, 0xc8, 0x12, 0xf4,
                0x33, 0xa7, 0xfe, 0x0b, 0x53, 0xa0, 0xba, 0x3e, 0xb8, 0x1c, 0xda, 0xaa, 0x46, 0x82,
                0x34, 0xaa, 0xf1, 0x97
            ])
        );
        let without = LoginFile::from_json(&FILE.replace("\"refreshToken\"", "\"other\"")).unwrap();
        assert!(without
            .refresh_material()
            .unwrap_err()
            .starts_with("refreshToken is missing"));
    }

    #[test]
    fn endpoints_follow_the_variables_then_the_partition() {
        let none = |_: &str| None;
        assert_eq!(
            endpoint("us-west-2", none),
            "https://us-west-2.signin.aws.amazon.com"
        );
        assert_eq!(
            endpoint("us-gov-west-1", none),
            "https://us-gov-west-1.signin.amazonaws-us-gov.com"
        );
        assert_eq!(
            endpoint("cn-north-1", none),
            "https://cn-north-1.signin.amazonaws.cn"
        );
        let both = |name: &str| Some(format!("http://{name}/"));
        assert_eq!(
            endpoint("us-west-2", both),
            "http://AWS_ENDPOINT_URL_SIGNIN"
        );
        let global = |name: &str| (name == "AWS_ENDPOINT_URL").then(|| "http://g".to_string());
        assert_eq!(endpoint("us-west-2", global), "http://g");
    }

    #[test]
    fn role_names_of_assumed_role_sessions() {
        let p = |arn: &str| LoginProfile {
            profile: "p".into(),
            login_session: arn.into(),
            region: None,
        };
        assert_eq!(
            p("arn:aws:sts::210987654321:assumed-role/Admin/bob").role_name(),
            Some("Admin")
        );
        assert_eq!(p("arn:aws:iam::123456789012:user/alice").role_name(), None);
        assert_eq!(p("arn:aws:iam::123456789012:root").role_name(), None);
    }

    #[test]
    fn errors_never_quote_secrets() {
        let bad = LoginFile::from_json(
            r#"{"accessToken": {"accessKeyId": "ASIA", "secretAccessKey": "SECRET\u0007", "sessionToken": "t", "expiresAt": "2026-12-02T01:00:00Z"}}"#,
        )
        .unwrap()
        .credentials()
        .unwrap_err();
        assert!(!bad.contains("SECRET"), "{bad}");
        assert!(format!("{:?}", LoginFile::from_json(FILE).unwrap()).contains("redacted"));
    }
}
