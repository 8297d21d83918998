//! The AWS console's federation endpoint: role credentials become a sign-in
//! token (`getSigninToken`), the token a sign-in URL (`Action=login` with
//! the destination), and the console's logout URL ends an older console
//! session first.
//!
//! The sign-in host is the partition's (from the region prefix: `us-gov-`
//! → aws-us-gov, `cn-` → aws-cn, else aws), or [`ENDPOINT_VAR`] when set
//! (the simulator in tests). A sign-in URL opens the console for 15 minutes
//! to whoever holds it: [`SigninUrl`] never shows it in `Debug`, and no
//! error here quotes it, the token or the credentials.

use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::network::PostError;
use super::role_credentials::RoleCredentials;

/// The sign-in endpoint override: a base URL such as `http://127.0.0.1:PORT`
/// that takes the place of the partition's `https://signin…` host.
pub const ENDPOINT_VAR: &str = "UO_AWS_TUI_ENDPOINT_URL_SIGNIN";

/// How long a `getSigninToken` call may take in all.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The sign-in endpoint override of this process ([`ENDPOINT_VAR`]); empty
/// counts as unset. `None` is the partition's own host.
pub fn endpoint_from_env() -> Option<String> {
    std::env::var(ENDPOINT_VAR)
        .ok()
        .map(|v| v.trim().trim_end_matches('/').to_string())
        .filter(|v| !v.is_empty())
}

/// An AWS partition, for its sign-in and console hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsUsGov,
    AwsCn,
}

impl Partition {
    /// The partition of `region`: `us-gov-…` → [`Partition::AwsUsGov`],
    /// `cn-…` → [`Partition::AwsCn`], anything else [`Partition::Aws`].
    pub fn of_region(region: &str) -> Partition {
        if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else if region.starts_with("cn-") {
            Partition::AwsCn
        } else {
            Partition::Aws
        }
    }

    /// The sign-in host's base URL, e.g. `https://signin.aws.amazon.com`.
    pub fn signin_base(self) -> &'static str {
        match self {
            Partition::Aws => "https://signin.aws.amazon.com",
            Partition::AwsUsGov => "https://signin.amazonaws-us-gov.com",
            Partition::AwsCn => "https://signin.amazonaws.cn",
        }
    }

    /// The console's base URL, e.g. `https://console.aws.amazon.com`.
    pub fn console_base(self) -> &'static str {
        match self {
            Partition::Aws => "https://console.aws.amazon.com",
            Partition::AwsUsGov => "https://console.amazonaws-us-gov.com",
            Partition::AwsCn => "https://console.amazonaws.cn",
        }
    }
}

/// Everything but unreserved characters is percent-encoded.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(s: &str) -> String {
    utf8_percent_encode(s, QUERY).to_string()
}

/// Where the console opens in `region` of `partition`: `url` when given
/// (an `https://` URL), else the home of `service` (letters, digits and
/// `-`), else the console home.
///
/// Errors: `url` is not `https://…`; `service` has other characters.
pub fn destination(
    partition: Partition,
    region: &str,
    service: Option<&str>,
    url: Option<&str>,
) -> Result<String, String> {
    if let Some(url) = url {
        if !url.starts_with("https://") || url.chars().any(|c| c.is_whitespace()) {
            return Err(format!(
                "--destination {}: an https:// URL of the console",
                crate::output::escape(url)
            ));
        }
        return Ok(url.to_string());
    }
    let service = service.unwrap_or("console");
    if service.is_empty()
        || !service
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "--service {}: a console service name such as s3, ec2 or cloudwatch",
            crate::output::escape(service)
        ));
    }
    Ok(format!(
        "{}/{service}/home?region={}",
        partition.console_base(),
        encode(region)
    ))
}

/// A URL that signs whoever opens it in to the console (valid 15 minutes).
/// `Debug` shows only that it is one.
#[derive(Clone, PartialEq, Eq)]
pub struct SigninUrl(String);

impl SigninUrl {
    /// The URL itself; keep it off command lines, logs and errors.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SigninUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigninUrl(<redacted>)")
    }
}

/// Why no sign-in URL could be had. Never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// The endpoint could not be reached (the reason from the HTTP client).
    #[error("getSigninToken at {url}: cannot reach it: {reason}")]
    Unreachable { url: String, reason: String },
    /// The endpoint answered with an error status.
    #[error("getSigninToken at {url}: HTTP {status}")]
    Status { url: String, status: u16 },
    /// A success answer without a sign-in token.
    #[error("getSigninToken at {url}: the answer has no SigninToken")]
    Malformed { url: String },
    /// No answer within [`CALL_TIMEOUT`].
    #[error("getSigninToken at {url}: no answer within {} s", CALL_TIMEOUT.as_secs())]
    Timeout { url: String },
}

/// The federation endpoint of one partition (or of the override).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Federation {
    base: String,
    partition: Partition,
}

impl Federation {
    /// The endpoint for `region`'s partition, or `endpoint` when given.
    pub fn new(region: &str, endpoint: Option<&str>) -> Federation {
        let partition = Partition::of_region(region);
        Federation {
            base: endpoint
                .map(|e| e.trim_end_matches('/').to_string())
                .unwrap_or_else(|| partition.signin_base().to_string()),
            partition,
        }
    }

    /// The partition the console belongs to.
    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// `BASE/federation`, named in errors.
    pub fn federation_url(&self) -> String {
        format!("{}/federation", self.base)
    }

    /// `getSigninToken` for `credentials` (sent as a form body, not in the
    /// URL), then the sign-in URL for `destination`:
    /// `BASE/federation?Action=login&Issuer=uo-aws-tui&Destination=…&SigninToken=…`.
    ///
    /// Errors: [`FederationError`] (never quoting the answer's body).
    pub async fn signin_url(
        &self,
        credentials: &RoleCredentials,
        destination: &str,
    ) -> Result<SigninUrl, FederationError> {
        let url = self.federation_url();
        let session = serde_json::json!({
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        })
        .to_string();
        let body = format!("Action=getSigninToken&Session={}", encode(&session));
        let headers = [
            (
                "content-type",
                "application/x-www-form-urlencoded".to_string(),
            ),
            ("accept", "application/json".to_string()),
        ];
        let (status, bytes) = super::network::post(&url, &headers, body, CALL_TIMEOUT)
            .await
            .map_err(|e| match e {
                PostError::Timeout => FederationError::Timeout { url: url.clone() },
                PostError::Unreachable(reason) => FederationError::Unreachable {
                    url: url.clone(),
                    reason,
                },
            })?;
        if !(200..300).contains(&status) {
            return Err(FederationError::Status {
                url: url.clone(),
                status,
            });
        }
        let token = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("SigninToken")?.as_str().map(str::to_string))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| FederationError::Malformed { url: url.clone() })?;
        Ok(SigninUrl(format!(
            "{}?Action=login&Issuer=uo-aws-tui&Destination={}&SigninToken={}",
            url,
            encode(destination),
            encode(&token)
        )))
    }

    /// The console's logout URL, which then forwards to `then`:
    /// `BASE/oauth?Action=logout&redirect_uri=…` (as secret as `then`).
    pub fn logout_then(&self, then: &SigninUrl) -> SigninUrl {
        SigninUrl(format!(
            "{}/oauth?Action=logout&redirect_uri={}",
            self.base,
            encode(then.expose())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_from_the_region() {
        for (region, host) in [
            ("us-east-1", "https://signin.aws.amazon.com"),
            ("eu-west-1", "https://signin.aws.amazon.com"),
            ("us-gov-west-1", "https://signin.amazonaws-us-gov.com"),
            ("cn-north-1", "https://signin.amazonaws.cn"),
        ] {
            assert_eq!(Partition::of_region(region).signin_base(), host);
            assert_eq!(
                Federation::new(region, None).federation_url(),
                format!("{host}/federation")
            );
        }
        assert_eq!(
            Federation::new("cn-north-1", Some("http://127.0.0.1:9/")).federation_url(),
            "http://127.0.0.1:9/federation"
        );
    }

    #[test]
    fn destinations() {
        let aws = Partition::Aws;
        assert_eq!(
            destination(aws, "eu-west-1", None, None).unwrap(),
            "https://console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            destination(Partition::AwsCn, "cn-north-1", Some("s3"), None).unwrap(),
            "https://console.amazonaws.cn/s3/home?region=cn-north-1"
        );
        assert_eq!(
            destination(aws, "x", None, Some("https://example.com/a")).unwrap(),
            "https://example.com/a"
        );
        assert!(destination(aws, "x", None, Some("javascript:alert(1)")).is_err());
        assert!(destination(aws, "x", Some("s3/../x"), None).is_err());
    }

    #[test]
    fn logout_forwards_to_the_encoded_signin_url() {
        let f = Federation::new("us-east-1", None);
        let signin = SigninUrl("https://signin.aws.amazon.com/federation?Action=login&A=b".into());
        assert_eq!(
            f.logout_then(&signin).expose(),
            "https://signin.aws.amazon.com/oauth?Action=logout&redirect_uri=https%3A%2F%2Fsignin.aws.amazon.com%2Ffederation%3FAction%3Dlogin%26A%3Db"
        );
        assert_eq!(format!("{signin:?}"), "SigninUrl(<redacted>)");
    }
}
