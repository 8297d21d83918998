//! OIDC error responses as the IAM Identity Center OIDC service sends them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::wire::error_response;

/// An OIDC (`SSO OIDC` service) error.
///
/// On the wire: the HTTP status, header `x-amzn-ErrorType: <shape>` (the only
/// thing SDKs read to type the error), `Content-Type: application/json` and the
/// body `{"error":"<oauth code>","error_description":"…"}` — no `__type`, no
/// `message`, as the real service answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcError {
    /// HTTP status (400, 401 for `InvalidClientException`, 500).
    pub status: StatusCode,
    /// Error shape name, e.g. `AuthorizationPendingException`.
    pub shape: &'static str,
    /// The OAuth-style `error` member, e.g. `authorization_pending`.
    pub error: &'static str,
    /// The `error_description` member.
    pub description: String,
}

impl OidcError {
    fn bad_request(shape: &'static str, error: &'static str, description: String) -> Self {
        OidcError {
            status: StatusCode::BAD_REQUEST,
            shape,
            error,
            description,
        }
    }

    /// 400 `AuthorizationPendingException`: the device code is not approved yet.
    pub fn authorization_pending() -> Self {
        Self::bad_request(
            "AuthorizationPendingException",
            "authorization_pending",
            "Authorization is still pending".into(),
        )
    }

    /// 400 `SlowDownException`: polled sooner than the interval allows.
    pub fn slow_down() -> Self {
        Self::bad_request(
            "SlowDownException",
            "slow_down",
            "Client is polling too quickly".into(),
        )
    }

    /// 400 `ExpiredTokenException`: the device code or authorization code expired.
    pub fn expired_token(description: impl Into<String>) -> Self {
        Self::bad_request("ExpiredTokenException", "expired_token", description.into())
    }

    /// 400 `AccessDeniedException`: the user denied the device authorization.
    pub fn access_denied() -> Self {
        Self::bad_request(
            "AccessDeniedException",
            "access_denied",
            "Authorization request was denied".into(),
        )
    }

    /// 400 `InvalidGrantException`: unknown, used, rotated or mismatched grant.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::bad_request("InvalidGrantException", "invalid_grant", description.into())
    }

    /// 401 `InvalidClientException`: unknown client id, wrong secret or an
    /// expired registration.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        OidcError {
            status: StatusCode::UNAUTHORIZED,
            shape: "InvalidClientException",
            error: "invalid_client",
            description: description.into(),
        }
    }

    /// 400 `InvalidRequestException`: a required member is missing or the body
    /// is not the expected JSON.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::bad_request(
            "InvalidRequestException",
            "invalid_request",
            description.into(),
        )
    }

    /// 400 `InvalidScopeException`: a scope outside the registration.
    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::bad_request("InvalidScopeException", "invalid_scope", description.into())
    }

    /// 400 `UnauthorizedClientException`: the registration does not allow this
    /// grant.
    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::bad_request(
            "UnauthorizedClientException",
            "unauthorized_client",
            description.into(),
        )
    }

    /// 400 `UnsupportedGrantTypeException`: a grant type the service does not know.
    pub fn unsupported_grant_type(grant_type: &str) -> Self {
        Self::bad_request(
            "UnsupportedGrantTypeException",
            "unsupported_grant_type",
            format!("Unsupported grant type: {grant_type}"),
        )
    }

    /// 400 `InvalidClientMetadataException`: RegisterClient with bad metadata.
    pub fn invalid_client_metadata(description: impl Into<String>) -> Self {
        Self::bad_request(
            "InvalidClientMetadataException",
            "invalid_client_metadata",
            description.into(),
        )
    }

    /// 400 `InvalidRedirectUriException`: RegisterClient with a redirect URI
    /// that is not an absolute http(s) URI.
    pub fn invalid_redirect_uri(description: impl Into<String>) -> Self {
        Self::bad_request(
            "InvalidRedirectUriException",
            "invalid_redirect_uri",
            description.into(),
        )
    }

    /// A missing required member, worded like the service's validation errors.
    pub(crate) fn missing(member: &str) -> Self {
        Self::invalid_request(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy \
             constraint: Member must not be null"
        ))
    }
}

impl std::fmt::Display for OidcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.shape,
            self.status.as_u16(),
            self.description
        )
    }
}

impl std::error::Error for OidcError {}

impl IntoResponse for OidcError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.error,
            "error_description": self.description,
        });
        error_response(self.status, self.shape, &body)
    }
}
