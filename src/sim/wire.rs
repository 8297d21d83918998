//! What the simulator's services share on the wire: query parameters
//! ([`Params`]) and the shape of an error answer ([`error_response`]).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The error-type header (`x-amzn-ErrorType`; header names are case-insensitive
/// and travel lower-case).
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// A query string the services cannot read; the text says why. The portal
/// answers it with 400 `InvalidRequestException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadQuery(pub(crate) String);

/// An error answer as AWS services send them: `status`, `Content-Type:
/// application/json`, `x-amzn-ErrorType: <shape>` (the only place every SDK
/// reads the error type from) and `body`. Shared by the portal and OIDC errors.
pub(crate) fn error_response(
    status: StatusCode,
    shape: &'static str,
    body: &serde_json::Value,
) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(ERROR_TYPE_HEADER, HeaderValue::from_static(shape));
    response
}

/// Decoded query parameters, in any order.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Splits and percent-decodes a raw query string. `+` stays a literal `+`
    /// (role names may contain it; no portal value contains a space).
    ///
    /// Errors: [`BadQuery`] (a 400 `InvalidRequestException` on the portal)
    /// for a parameter given twice, a broken `%` escape or bytes that are
    /// not UTF-8.
    pub(crate) fn parse(raw: Option<&str>) -> Result<Params, BadQuery> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for piece in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            let key = percent_decode(key)?;
            let value = percent_decode(value)?;
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(BadQuery(format!(
                    "Query parameter {key} given more than once"
                )));
            }
            pairs.push((key, value));
        }
        Ok(Params(pairs))
    }

    /// The decoded value of `name`, if present (possibly empty).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, treating an empty value as absent.
    pub(crate) fn optional(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// The value of `name` (wire) / `member` (model).
    ///
    /// Errors: [`BadQuery`] when absent or empty.
    pub(crate) fn required(&self, name: &str, member: &str) -> Result<&str, BadQuery> {
        self.optional(name).ok_or_else(|| {
            BadQuery(format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy \
                 constraint: Member must not be null"
            ))
        })
    }
}

/// Decodes `%XX` escapes into UTF-8 text.
fn percent_decode(raw: &str) -> Result<String, BadQuery> {
    let bad = || BadQuery("Malformed query string".to_string());
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
            let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        let p = Params::parse(Some(
            "role_name=Read%3DOnly%2CAudit&account_id=012345678901&x",
        ))
        .expect("valid query");
        assert_eq!(p.get("role_name"), Some("Read=Only,Audit"));
        assert_eq!(p.get("account_id"), Some("012345678901"));
        assert_eq!(p.get("x"), Some(""));
        assert_eq!(p.optional("x"), None);
        let p = Params::parse(Some("role_name=Data+Science&k=%C3%A9")).expect("valid query");
        assert_eq!(p.get("role_name"), Some("Data+Science"));
        assert_eq!(p.get("k"), Some("é"));
        assert!(Params::parse(Some("a=%2")).is_err());
        assert!(Params::parse(Some("a=%zz")).is_err());
        assert!(Params::parse(Some("a=%FF")).is_err());
        assert!(Params::parse(Some("a=1&a=2")).is_err());
        assert!(Params::parse(None).expect("empty").get("a").is_none());
    }
}
