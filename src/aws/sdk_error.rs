//! One line for a failed AWS SDK call (`aws-sdk-sso`, `aws-sdk-ssooidc`):
//! the URL, and either the HTTP status, error type and message of the answer
//! or why the request never got one. The SDK's full error chain goes to the
//! `--verbose` log ([`crate::details`]), never to the one line.

use std::error::Error;

use aws_sdk_sso::config::http::HttpResponse;
use aws_sdk_sso::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// What people read about `err`, a failed call to `url` (the endpoint the
/// client was built for, e.g. `https://portal.sso.us-west-2.amazonaws.com`):
///
/// - an answer: `URL answered HTTP 403: AccessDeniedException: message`;
/// - no connection: `cannot reach URL: connection refused (os error 111); check
///   the network and any proxy (HTTPS_PROXY, NO_PROXY)`;
/// - no answer in time: `no answer from URL in time; …`;
/// - a request that could not be built: `cannot build the request to URL: reason`.
///
/// One line, without the SDK's `Debug` text. The details are written to the
/// `--verbose` log (service answers as status, code, message and request id
/// only, so no response body is logged).
pub fn describe<E>(url: &str, err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
{
    const HINT: &str = "check the network and any proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)";
    match err {
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => {
            let status = err.raw_response().map(|r| r.status().as_u16());
            crate::details::log(|| {
                format!(
                    "{url}: HTTP {status:?}, error type {:?}, message {:?}, request id {:?}",
                    err.code(),
                    err.message(),
                    err.meta().extra("aws_request_id")
                )
            });
            let status = status.map_or_else(
                || "an unreadable answer".to_string(),
                |s| format!("HTTP {s}"),
            );
            match (err.code(), err.message()) {
                (Some(code), Some(message)) => {
                    format!("{url} answered {status}: {code}: {}", one_line(message))
                }
                (Some(code), None) => format!("{url} answered {status}: {code}"),
                (None, Some(message)) => format!("{url} answered {status}: {}", one_line(message)),
                (None, None) => format!("{url} answered {status}: {}", root_cause(err)),
            }
        }
        SdkError::DispatchFailure(_) => {
            crate::details::log(|| format!("{url}: {}", DisplayErrorContext(err)));
            format!("cannot reach {url}: {}; {HINT}", root_cause(err))
        }
        SdkError::TimeoutError(_) => {
            crate::details::log(|| format!("{url}: {}", DisplayErrorContext(err)));
            format!("no answer from {url} in time; {HINT}")
        }
        SdkError::ConstructionFailure(_) => {
            crate::details::log(|| format!("{url}: {}", DisplayErrorContext(err)));
            format!("cannot build the request to {url}: {}", root_cause(err))
        }
        _ => {
            crate::details::log(|| format!("{url}: {}", DisplayErrorContext(err)));
            format!("{url}: {}", root_cause(err))
        }
    }
}

/// The `Display` of the innermost error of `err`'s source chain (the
/// `io::Error`, TLS or parameter error that started it), on one line.
fn root_cause(err: &(dyn Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    one_line(&cause.to_string())
}

/// `text` with every run of whitespace (line breaks included) as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The regional portal URL the SDK calls for `region`, or `endpoint`.
pub fn portal_url(region: &str, endpoint: Option<&str>) -> String {
    endpoint.map_or_else(
        || format!("https://portal.sso.{region}.amazonaws.com"),
        str::to_string,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_collapses_to_one_line() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }

    #[test]
    fn portal_url_is_regional_unless_overridden() {
        assert_eq!(
            portal_url("eu-west-1", None),
            "https://portal.sso.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            portal_url("x", Some("http://127.0.0.1:1")),
            "http://127.0.0.1:1"
        );
    }
}
