//! Portal error responses as the IAM Identity Center portal sends them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::wire::{error_response, BadQuery};

/// Namespace of portal error shapes in the `__type` body member.
const PORTAL_NAMESPACE: &str = "com.amazonaws.switchboard.portal";

/// A portal (`SSO` service) error.
///
/// On the wire: the HTTP status, header `x-amzn-ErrorType: <shape>`,
/// `Content-Type: application/json` and the body
/// `{"message":"…","__type":"com.amazonaws.switchboard.portal#<shape>"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalError {
    /// HTTP status.
    pub status: StatusCode,
    /// Error shape name, e.g. `UnauthorizedException`.
    pub shape: &'static str,
    /// Human-readable `message` member.
    pub message: String,
}

impl PortalError {
    fn new(status: StatusCode, shape: &'static str, message: impl Into<String>) -> Self {
        PortalError {
            status,
            shape,
            message: message.into(),
        }
    }

    /// 400 `InvalidRequestException`: a parameter is missing or out of range,
    /// or a `next_token` was not issued for this listing.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidRequestException", message)
    }

    /// 401 `UnauthorizedException`: bearer token missing, unknown, expired or
    /// logged out.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedException",
            "Session token not found or invalid",
        )
    }

    /// 403 `ForbiddenException` (unmodeled in the SDKs): the role is not
    /// assigned to the caller in that account.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "ForbiddenException", "No access")
    }

    /// 404 `ResourceNotFoundException`: the account is not one of the caller's.
    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
    }

    /// 429 `TooManyRequestsException`: more calls than the rate cap allows.
    pub fn too_many_requests() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Rate exceeded",
        )
    }

    /// 500 `InternalServerException`: the service failed (an injected fault).
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            "An internal error occurred",
        )
    }

    /// 404 `UnknownOperationException`: no portal operation at this path.
    pub fn unknown_operation() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "Unknown operation",
        )
    }

    /// 405 `MethodNotAllowedException`: a known path with the wrong method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowedException",
            "The request method is not supported for this resource",
        )
    }

    /// The `__type` body member: `com.amazonaws.switchboard.portal#<shape>`.
    pub fn type_name(&self) -> String {
        format!("{PORTAL_NAMESPACE}#{}", self.shape)
    }
}

impl std::fmt::Display for PortalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.shape,
            self.status.as_u16(),
            self.message
        )
    }
}

impl std::error::Error for PortalError {}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "message": self.message, "__type": self.type_name() });
        error_response(self.status, self.shape, &body)
    }
}

impl From<BadQuery> for PortalError {
    /// A malformed query is a 400 `InvalidRequestException`.
    fn from(bad: BadQuery) -> Self {
        PortalError::invalid_request(bad.0)
    }
}
