//! STS `AssumeRole` through `aws-sdk-sts`: the credentials of a chained
//! profile's role from the credentials of its source (for the SSO root, the
//! portal's role credentials).

use std::time::Duration;

use aws_sdk_sts::config::{BehaviorVersion, Credentials, Region};
use time::OffsetDateTime;

/// The STS endpoint override: `AWS_ENDPOINT_URL_STS`, then
/// `AWS_ENDPOINT_URL` (as the SDKs read them); `None` is the regional
/// endpoint.
pub fn endpoint_from_env() -> Option<String> {
    ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
}

/// Temporary AWS credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct RoleCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// When they expire.
    pub expiration: OffsetDateTime,
}

impl std::fmt::Debug for RoleCredentials {
    /// The access key id and expiry only; never the secret or the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// What to assume: the role and the optional keys of a chained profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole<'a> {
    /// `role_arn`.
    pub role_arn: &'a str,
    /// `role_session_name` (STS requires one: 2 to 64 of `[\w+=,.@-]`).
    pub role_session_name: &'a str,
    /// `external_id`.
    pub external_id: Option<&'a str>,
    /// `duration_seconds` (STS default one hour; at most one hour for a role
    /// assumed with role credentials).
    pub duration: Option<Duration>,
}

/// Assumes `role` with `source` credentials through STS in `region` (or at
/// `endpoint`, the `AWS_ENDPOINT_URL_STS` override), through the program's
/// one HTTP client ([`super::network::http_client`]), SDK retries off, 30 s
/// per attempt.
///
/// Errors: the call failed or was refused (one line from
/// [`super::sdk_error::describe`] naming the URL, status, error code and
/// message); the answer had no credentials.
pub async fn assume_role(
    source: &RoleCredentials,
    role: &AssumeRole<'_>,
    region: &str,
    endpoint: Option<&str>,
) -> anyhow::Result<RoleCredentials> {
    let mut builder = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(
            source.access_key_id.clone(),
            source.secret_access_key.clone(),
            Some(source.session_token.clone()),
            None,
            "uo-aws-tui source profile",
        ))
        .timeout_config(
            aws_sdk_sts::config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        )
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .http_client(super::network::http_client());
    let url = match endpoint {
        Some(endpoint) => {
            builder = builder.endpoint_url(endpoint);
            endpoint.to_string()
        }
        None => format!("https://sts.{region}.amazonaws.com"),
    };
    let client = aws_sdk_sts::Client::from_conf(builder.build());
    let answer = client
        .assume_role()
        .role_arn(role.role_arn)
        .role_session_name(role.role_session_name)
        .set_external_id(role.external_id.map(str::to_string))
        .set_duration_seconds(role.duration.map(|d| d.as_secs() as i32))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(super::sdk_error::describe(&url, &e)))?;
    let credentials = answer
        .credentials
        .ok_or_else(|| anyhow::anyhow!("{url}: AssumeRole answered without credentials"))?;
    let expiration = OffsetDateTime::from_unix_timestamp(credentials.expiration.secs())?;
    Ok(RoleCredentials {
        access_key_id: credentials.access_key_id,
        secret_access_key: credentials.secret_access_key,
        session_token: credentials.session_token,
        expiration,
    })
}
