//! STS `AssumeRole` (awsQuery protocol, version `2011-06-15`), for role
//! chains on top of the portal's role credentials, and `GetCallerIdentity`
//! (who a set of credentials issued here is: `Account`, `Arn`, `UserId`;
//! 403 `InvalidClientTokenId` for keys it did not issue), the check users
//! run after a login: clients reach it with `AWS_ENDPOINT_URL_STS` set to
//! the simulator's endpoint.
//!
//! Request: `POST /` with a form body
//! `Action=AssumeRole&Version=2011-06-15&RoleArn=…&RoleSessionName=…`
//! (optionally `ExternalId`, `DurationSeconds`), signed with SigV4 (only the
//! `Authorization` header's shape is checked: `AWS4-HMAC-SHA256
//! Credential=KEYID/DATE/REGION/sts/aws4_request, …`). Answer: `text/xml`
//! `AssumeRoleResponse` with `Credentials` (`AccessKeyId` `ASIA…`,
//! `SecretAccessKey`, `SessionToken`, `Expiration` in ISO 8601 UTC) and
//! `AssumedRoleUser`. Errors: `ErrorResponse` XML with `Type`, `Code` and
//! `Message`: 400 `ValidationError` (a missing or malformed `RoleArn`,
//! `RoleSessionName`, `DurationSeconds` outside 900..=3600: the one-hour
//! cap of roles assumed with role credentials), 400 `InvalidAction`
//! (another action or version), 403 `MissingAuthenticationToken` (no SigV4
//! header). Every call with its parameters is recorded
//! ([`super::Simulator::assume_role_calls`]); the credentials it issues
//! are accepted by the console's sign-in endpoints, as the portal's are.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

use super::state::{SimState, BASE64_ALPHABET, KEY_ID_ALPHABET};
use super::wire::Params;

/// The default and largest lifetime of assumed-role credentials here (the
/// one-hour limit of role chaining).
pub const ASSUMED_ROLE_TTL: Duration = Duration::from_secs(3600);

pub use super::state::AssumeRoleCall;

/// The STS route: `POST /`.
pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new().route("/", post(sts))
}

/// `POST /`: the action the form names.
async fn sts(state: State<Arc<SimState>>, headers: HeaderMap, body: String) -> Response {
    let is_identity = Params::parse(Some(&body))
        .ok()
        .is_some_and(|p| p.get("Action") == Some("GetCallerIdentity"));
    if is_identity {
        caller_identity(&state, &headers)
    } else {
        assume_role(state, headers, body).await
    }
}

/// `Action=GetCallerIdentity`: the account and role of the signing key.
fn caller_identity(state: &SimState, headers: &HeaderMap) -> Response {
    let request_id = state.request_id();
    let key = signing_key(headers);
    let Some((account, role)) = key.as_deref().and_then(|k| state.federation.role_of(k)) else {
        let (status, code, message) = match key {
            None => (
                StatusCode::FORBIDDEN,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
            Some(_) => (
                StatusCode::FORBIDDEN,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
        };
        return xml_response(status, error_xml(code, message, &request_id));
    };
    let user = "uo-aws-tui-demo";
    xml_response(
        StatusCode::OK,
        format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  \
             <GetCallerIdentityResult>\n    \
             <Arn>arn:aws:sts::{account}:assumed-role/{}/{user}</Arn>\n    \
             <UserId>AROA{}:{user}</UserId>\n    <Account>{account}</Account>\n  \
             </GetCallerIdentityResult>\n  <ResponseMetadata>\n    \
             <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n\
             </GetCallerIdentityResponse>\n",
            xml_escape(&role),
            state.secret("sts-role-id", 17, KEY_ID_ALPHABET),
        ),
    )
}

/// An STS `ErrorResponse` body.
fn error_xml(code: &str, message: &str, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    \
         <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
         <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
        xml_escape(message)
    )
}

/// An STS error: status, `Type` (`Sender`), `Code`, `Message`.
struct StsError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl StsError {
    fn validation(message: impl Into<String>) -> StsError {
        StsError {
            status: StatusCode::BAD_REQUEST,
            code: "ValidationError",
            message: message.into(),
        }
    }
}

/// `text` with `& < > " '` as XML entities.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

/// The access key id of a SigV4 `Authorization` header for service `sts`.
fn signing_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let scope = rest
        .split(',')
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    let mut fields = scope.split('/');
    let key = fields.next().filter(|k| !k.is_empty())?;
    let service = fields.nth(2)?;
    (service == "sts").then(|| key.to_string())
}

/// `POST /` with `Action=AssumeRole`: new credentials for the role.
async fn assume_role(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let params = Params::parse(Some(&body));
    let get = |name: &str| {
        params
            .as_ref()
            .ok()
            .and_then(|p| p.optional(name))
            .map(str::to_string)
    };
    let mut call = AssumeRoleCall {
        access_key_id: signing_key(&headers),
        role_arn: get("RoleArn"),
        role_session_name: get("RoleSessionName"),
        external_id: get("ExternalId"),
        duration_seconds: get("DurationSeconds"),
        issued_access_key_id: None,
        status: 200,
    };
    let request_id = state.request_id();
    let response = match answer(&state, &params, &call) {
        Ok((key, xml)) => {
            call.issued_access_key_id = Some(key);
            xml_response(StatusCode::OK, xml)
        }
        Err(e) => xml_response(e.status, error_xml(e.code, &e.message, &request_id)),
    };
    call.status = response.status().as_u16();
    state.record_assume_role(call);
    response
}

/// The issued access key id and the XML answer, or the error.
fn answer(
    state: &SimState,
    params: &Result<Params, super::wire::BadQuery>,
    call: &AssumeRoleCall,
) -> Result<(String, String), StsError> {
    let params = params
        .as_ref()
        .map_err(|e| StsError::validation(e.0.clone()))?;
    if params.get("Action") != Some("AssumeRole") || params.get("Version") != Some("2011-06-15") {
        return Err(StsError {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidAction",
            message: "Could not find operation for this Action and Version".to_string(),
        });
    }
    if call.access_key_id.is_none() {
        return Err(StsError {
            status: StatusCode::FORBIDDEN,
            code: "MissingAuthenticationToken",
            message: "Request is missing Authentication Token".to_string(),
        });
    }
    let null = |member: &str| {
        StsError::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy \
             constraint: Member must not be null"
        ))
    };
    let arn = call.role_arn.as_deref().ok_or_else(|| null("roleArn"))?;
    let session = call
        .role_session_name
        .as_deref()
        .ok_or_else(|| null("roleSessionName"))?;
    let (account, role) = crate::chain::role_parts(arn)
        .ok_or_else(|| StsError::validation(format!("{arn} is invalid")))?;
    let valid_session = (2..=64).contains(&session.len())
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !valid_session {
        return Err(StsError::validation(
            "1 validation error detected: Value at 'roleSessionName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ));
    }
    let ttl = match call.duration_seconds.as_deref() {
        None => ASSUMED_ROLE_TTL,
        Some(text) => match text.parse::<u64>() {
            Ok(s) if (900..=ASSUMED_ROLE_TTL.as_secs()).contains(&s) => Duration::from_secs(s),
            Ok(s) if s > ASSUMED_ROLE_TTL.as_secs() => {
                return Err(StsError::validation(
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles \
                     assumed by role chaining.",
                ))
            }
            _ => {
                return Err(StsError::validation(format!(
                    "Value '{text}' at 'durationSeconds' failed to satisfy constraint"
                )))
            }
        },
    };
    let expiration = time::OffsetDateTime::now_utc() + ttl;
    let key = format!(
        "ASIA{}",
        state.secret("sts-access-key-id", 16, KEY_ID_ALPHABET)
    );
    let secret = state.secret("sts-secret-access-key", 40, BASE64_ALPHABET);
    let token = state.secret("sts-session-token", 356, BASE64_ALPHABET);
    let role_id = format!("AROA{}", state.secret("sts-role-id", 17, KEY_ID_ALPHABET));
    // Assumed-role credentials sign in to the console like the portal's.
    state
        .federation
        .issued(&key, &secret, &token, account, role);
    let xml = format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  \
         <AssumeRoleResult>\n    <Credentials>\n      <AccessKeyId>{key}</AccessKeyId>\n      \
         <SecretAccessKey>{secret}</SecretAccessKey>\n      <SessionToken>{token}</SessionToken>\n      \
         <Expiration>{}</Expiration>\n    </Credentials>\n    <AssumedRoleUser>\n      \
         <AssumedRoleId>{role_id}:{session}</AssumedRoleId>\n      \
         <Arn>arn:aws:sts::{account}:assumed-role/{}/{session}</Arn>\n    </AssumedRoleUser>\n  \
         </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  \
         </ResponseMetadata>\n</AssumeRoleResponse>\n",
        crate::aws::token_cache::format_timestamp(expiration),
        xml_escape(role),
        state.request_id()
    );
    Ok((key, xml))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_keys_and_escapes() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261202/us-west-2/sts/aws4_request, \
                 SignedHeaders=host, Signature=00",
            ),
        );
        assert_eq!(signing_key(&headers).as_deref(), Some("ASIAEXAMPLE"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261202/us-west-2/s3/aws4_request",
            ),
        );
        assert_eq!(signing_key(&headers), None);
        assert_eq!(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
