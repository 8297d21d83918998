//! The IAM Identity Center OIDC service (service `SSO OIDC`, restJson1), served
//! from the same endpoint as the portal: RegisterClient,
//! StartDeviceAuthorization, CreateToken, the browser side of the PKCE flow
//! (`GET /authorize`) and a device-approval page (`GET /device`).
//!
//! | operation | request | success |
//! | --- | --- | --- |
//! | RegisterClient | `POST /client/register` `{clientName,clientType,scopes?,redirectUris?,grantTypes?,issuerUrl?}` | `{clientId,clientSecret,clientIdIssuedAt,clientSecretExpiresAt,authorizationEndpoint?,tokenEndpoint?}` (times in epoch seconds) |
//! | StartDeviceAuthorization | `POST /device_authorization` `{clientId,clientSecret,startUrl}` | `{deviceCode,userCode,verificationUri,verificationUriComplete,expiresIn,interval}` |
//! | CreateToken | `POST /token` `{clientId,clientSecret,grantType,…}` | `{accessToken,tokenType:"Bearer",expiresIn,refreshToken?}` |
//! | authorize | `GET /authorize?response_type=code&client_id=&redirect_uri=&state=&code_challenge_method=S256&scopes=&code_challenge=` | `302 Found`, `Location: <redirect_uri>?code=…&state=…` |
//! | approve | `GET /device?user_code=ABCD-EFGH` | 200, a small HTML page; the device code is approved |
//!
//! Every OIDC error answers the status of its shape, `x-amzn-ErrorType:
//! <shape>`, `Content-Type: application/json` and
//! `{"error":"<oauth code>","error_description":"…"}` (see [`OidcError`]).
//! Checks run in this order: the body must be a JSON object
//! (`InvalidRequestException`), required members present
//! (`InvalidRequestException`), the client id and secret must name a live
//! registration (401 `InvalidClientException`), CreateToken's grant type must
//! be known (`UnsupportedGrantTypeException`) and allowed by the registration
//! (`UnauthorizedClientException`); then the grant itself is checked.
//!
//! Registrations: a registration that lists `grantTypes` may use exactly
//! those. One without `grantTypes` may use the device-code grant, plus
//! `refresh_token` when it has `scopes` (the sso-session style); a bare legacy
//! registration gets no refresh tokens. Refresh tokens are issued whenever the
//! registration may use the `refresh_token` grant.
//!
//! Device codes: pending until approved ([`SimOptions::auto_approve_device`],
//! `Simulator::approve_device`, or a `GET` of `verificationUriComplete`) or
//! denied (`Simulator::deny_device`). Polling answers
//! `AuthorizationPendingException` while pending, `AccessDeniedException`
//! once denied, `ExpiredTokenException` after `expiresIn`, and
//! `InvalidGrantException` for an unknown code, another client's code or a
//! code already redeemed. With [`SimOptions::slow_down`] a pending code polled
//! sooner than the interval after its previous poll answers
//! `SlowDownException` instead; the interval stays the same afterwards.
//!
//! Authorization codes: `/authorize` checks the client and the redirect URI
//! first (a failure is a 400 HTML page, never a redirect); the redirect URI
//! must equal a registered one in scheme, host and path, ports ignored (the
//! loopback rule: clients register `http://127.0.0.1/oauth/callback` and
//! redirect to a random port). Later failures redirect with `error=…` and the
//! `state`: `unsupported_response_type`, `unauthorized_client`,
//! `invalid_request` (no `code_challenge`, or a method other than `S256`),
//! `invalid_scope` (a scope the registration lacks) and `access_denied`
//! ([`SimOptions::deny_authorization`]). A code lasts
//! [`AUTHORIZATION_CODE_TTL`] and is spent by the first CreateToken of its own
//! client, successful or not. That CreateToken must repeat the exact
//! `redirect_uri` given to `/authorize` and send a `codeVerifier` whose
//! unpadded base64url SHA-256 equals the `code_challenge`; a mismatch, a
//! missing member, an unknown or spent code all answer
//! `InvalidGrantException`, an expired one `ExpiredTokenException`.
//!
//! Refresh tokens rotate: each refresh returns a new access token and a new
//! refresh token, and the old refresh token then answers
//! `InvalidGrantException` (as does every refresh with
//! [`SimOptions::reject_refresh_tokens`]). Every access token issued here is
//! accepted by the portal routes.
//!
//! [`SimOptions::auto_approve_device`]: super::SimOptions::auto_approve_device
//! [`SimOptions::slow_down`]: super::SimOptions::slow_down
//! [`SimOptions::deny_authorization`]: super::SimOptions::deny_authorization
//! [`SimOptions::reject_refresh_tokens`]: super::SimOptions::reject_refresh_tokens

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::lock;
use super::oidc_error::OidcError;
use super::oidc_state::{
    CodeGrant, Decision, DeviceGrant, DeviceStatus, Inner, OidcClient, AUTHORIZATION_CODE_GRANT,
    DEVICE_CODE_GRANT, REFRESH_TOKEN_GRANT,
};
use super::state::{SimState, URL_SAFE_ALPHABET};
use super::wire::Params;

/// How long a code issued by `GET /authorize` can be redeemed.
pub const AUTHORIZATION_CODE_TTL: Duration = Duration::from_secs(600);

/// Letters of user codes: consonants only, so no code spells a word.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// The OIDC operations and pages, at their wire paths.
pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/client/register", post(register_client))
        .route("/device_authorization", post(start_device_authorization))
        .route("/token", post(create_token))
        .route("/authorize", get(authorize))
        .route("/device", get(device_page))
}

/// RegisterClient request members the simulator reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterClientRequest {
    client_name: Option<String>,
    client_type: Option<String>,
    scopes: Option<Vec<String>>,
    redirect_uris: Option<Vec<String>>,
    grant_types: Option<Vec<String>>,
    issuer_url: Option<String>,
}

/// StartDeviceAuthorization request members.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartDeviceAuthorizationRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    start_url: Option<String>,
}

/// CreateToken request members the simulator reads (`scope` is ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTokenRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    grant_type: Option<String>,
    device_code: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

/// `POST /client/register`.
async fn register_client(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OidcError> {
    let req: RegisterClientRequest = parse_body(&body)?;
    let client_name = required(req.client_name, "clientName")?;
    let client_type = required(req.client_type, "clientType")?;
    if client_type != "public" {
        return Err(OidcError::invalid_client_metadata(format!(
            "Unsupported client type: {client_type}"
        )));
    }
    let grant_types = req.grant_types.unwrap_or_default();
    if let Some(unknown) = grant_types.iter().find(|g| !is_known_grant(g)) {
        return Err(OidcError::unsupported_grant_type(unknown));
    }
    let redirect_uris = req.redirect_uris.unwrap_or_default();
    if let Some(bad) = redirect_uris.iter().find(|u| UriParts::parse(u).is_none()) {
        return Err(OidcError::invalid_redirect_uri(format!(
            "Invalid redirect URI: {bad}"
        )));
    }
    let code_flow = grant_types.iter().any(|g| g == AUTHORIZATION_CODE_GRANT);
    if code_flow && redirect_uris.is_empty() {
        return Err(OidcError::invalid_request(
            "redirectUris are required for the authorization_code grant",
        ));
    }
    let issued_at = SystemTime::now();
    let client = OidcClient {
        client_id: state.secret("client-id", 22, URL_SAFE_ALPHABET),
        client_secret: state.secret("client-secret", 256, URL_SAFE_ALPHABET),
        client_name,
        client_type,
        scopes: req.scopes.unwrap_or_default(),
        redirect_uris,
        grant_types,
        issuer_url: req.issuer_url,
        issued_at,
        expires_at: issued_at + state.options.registration_ttl,
    };
    let mut body = json!({
        "clientId": client.client_id,
        "clientSecret": client.client_secret,
        "clientIdIssuedAt": epoch_seconds(client.issued_at),
        "clientSecretExpiresAt": epoch_seconds(client.expires_at),
    });
    if code_flow {
        let endpoint = endpoint(&headers);
        body["authorizationEndpoint"] = format!("{endpoint}/authorize").into();
        body["tokenEndpoint"] = format!("{endpoint}/token").into();
    }
    let mut inner = lock(&state.oidc.inner);
    inner.clients.push(client);
    inner.counts.register_client += 1;
    Ok(Json(body).into_response())
}

/// `POST /device_authorization`.
async fn start_device_authorization(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OidcError> {
    let req: StartDeviceAuthorizationRequest = parse_body(&body)?;
    let client_id = required(req.client_id, "clientId")?;
    let client_secret = required(req.client_secret, "clientSecret")?;
    required(req.start_url, "startUrl")?;
    let opts = &state.options;
    let mut inner = lock(&state.oidc.inner);
    let client = inner.authenticate(&client_id, &client_secret)?;
    if !client.allows(DEVICE_CODE_GRANT) {
        return Err(OidcError::unauthorized_client(
            "Client is not authorized for the device code grant",
        ));
    }
    let device_code = state.secret("device-code", 120, URL_SAFE_ALPHABET);
    let user_code = loop {
        let letters = state.secret("user-code", 8, USER_CODE_ALPHABET);
        let code = format!("{}-{}", &letters[..4], &letters[4..]);
        if !inner.devices.values().any(|g| g.user_code == code) {
            break code;
        }
    };
    let status = if opts.auto_approve_device {
        DeviceStatus::Approved
    } else {
        DeviceStatus::Pending
    };
    inner.devices.insert(
        device_code.clone(),
        DeviceGrant {
            client_id: client.client_id,
            user_code: user_code.clone(),
            expires: Instant::now() + opts.device_code_ttl,
            status,
            last_poll: None,
        },
    );
    inner.counts.start_device_authorization += 1;
    drop(inner);
    let verification_uri = format!("{}/device", endpoint(&headers));
    let body = json!({
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": verification_uri,
        "verificationUriComplete": format!("{verification_uri}?user_code={user_code}"),
        "expiresIn": whole_seconds(opts.device_code_ttl),
        "interval": whole_seconds(opts.device_poll_interval),
    });
    Ok(Json(body).into_response())
}

/// `POST /token`.
async fn create_token(
    State(state): State<Arc<SimState>>,
    body: Bytes,
) -> Result<Response, OidcError> {
    let req: CreateTokenRequest = parse_body(&body)?;
    let client_id = required(req.client_id.clone(), "clientId")?;
    let client_secret = required(req.client_secret.clone(), "clientSecret")?;
    let grant_type = required(req.grant_type.clone(), "grantType")?;
    let mut inner = lock(&state.oidc.inner);
    *inner
        .counts
        .create_token_calls
        .entry(grant_type.clone())
        .or_default() += 1;
    let client = inner.authenticate(&client_id, &client_secret)?;
    if !is_known_grant(&grant_type) {
        return Err(OidcError::unsupported_grant_type(&grant_type));
    }
    if !client.allows(&grant_type) {
        return Err(OidcError::unauthorized_client(format!(
            "Client is not authorized for the {grant_type} grant"
        )));
    }
    match grant_type.as_str() {
        DEVICE_CODE_GRANT => redeem_device_code(&state, &mut inner, &client, &req)?,
        AUTHORIZATION_CODE_GRANT => redeem_authorization_code(&mut inner, &client, &req)?,
        _ => redeem_refresh_token(&state, &mut inner, &client, &req)?,
    }
    let ttl = state.options.access_token_ttl;
    let mut body = json!({
        "accessToken": state.issue_access_token(ttl),
        "tokenType": "Bearer",
        "expiresIn": whole_seconds(ttl),
    });
    if client.gets_refresh_tokens() {
        let refresh = format!(
            "aor{}",
            state.secret("refresh-token", 189, URL_SAFE_ALPHABET)
        );
        inner
            .refresh_tokens
            .insert(refresh.clone(), client.client_id.clone());
        body["refreshToken"] = refresh.into();
    }
    *inner.counts.tokens_issued.entry(grant_type).or_default() += 1;
    Ok(Json(body).into_response())
}

/// Checks one poll of a device code; `Ok` means tokens are due (and the code
/// is now spent).
fn redeem_device_code(
    state: &SimState,
    inner: &mut Inner,
    client: &OidcClient,
    req: &CreateTokenRequest,
) -> Result<(), OidcError> {
    let device_code = required(req.device_code.clone(), "deviceCode")?;
    let invalid = || OidcError::invalid_grant("Invalid device code provided");
    let grant = inner.devices.get_mut(&device_code).ok_or_else(invalid)?;
    if grant.client_id != client.client_id || grant.status == DeviceStatus::Redeemed {
        return Err(invalid());
    }
    let now = Instant::now();
    if now >= grant.expires {
        return Err(OidcError::expired_token("Device code has expired"));
    }
    let previous = grant.last_poll.replace(now);
    match grant.status {
        DeviceStatus::Pending => {
            let too_soon = previous
                .is_some_and(|p| now.duration_since(p) < state.options.device_poll_interval);
            if state.options.slow_down && too_soon {
                Err(OidcError::slow_down())
            } else {
                Err(OidcError::authorization_pending())
            }
        }
        DeviceStatus::Denied => Err(OidcError::access_denied()),
        DeviceStatus::Approved => {
            grant.status = DeviceStatus::Redeemed;
            Ok(())
        }
        DeviceStatus::Redeemed => Err(invalid()),
    }
}

/// Checks a code from `/authorize` against the PKCE verifier and redirect URI;
/// the code is spent by any attempt of its own client.
fn redeem_authorization_code(
    inner: &mut Inner,
    client: &OidcClient,
    req: &CreateTokenRequest,
) -> Result<(), OidcError> {
    let code = required(req.code.clone(), "code")?;
    let invalid = || OidcError::invalid_grant("Invalid authorization code provided");
    match inner.codes.get(&code) {
        Some(grant) if grant.client_id == client.client_id => {}
        _ => return Err(invalid()),
    }
    let grant = inner.codes.remove(&code).ok_or_else(invalid)?;
    if Instant::now() >= grant.expires {
        return Err(OidcError::expired_token("Authorization code has expired"));
    }
    if req.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return Err(OidcError::invalid_grant(
            "Redirect URI does not match the authorization request",
        ));
    }
    let verifier = req.code_verifier.as_deref().unwrap_or_default();
    if pkce_s256(verifier) != grant.code_challenge {
        return Err(OidcError::invalid_grant(
            "Code verifier does not match the code challenge",
        ));
    }
    Ok(())
}

/// Checks and retires a refresh token.
fn redeem_refresh_token(
    state: &SimState,
    inner: &mut Inner,
    client: &OidcClient,
    req: &CreateTokenRequest,
) -> Result<(), OidcError> {
    let token = required(req.refresh_token.clone(), "refreshToken")?;
    let invalid = || OidcError::invalid_grant("Invalid refresh token provided");
    if state.options.reject_refresh_tokens {
        return Err(invalid());
    }
    match inner.refresh_tokens.get(&token) {
        Some(owner) if *owner == client.client_id => {
            inner.refresh_tokens.remove(&token);
            Ok(())
        }
        _ => Err(invalid()),
    }
}

/// `GET /authorize?response_type=code&client_id=&redirect_uri=&state=&code_challenge_method=S256&scopes=&code_challenge=`.
async fn authorize(State(state): State<Arc<SimState>>, RawQuery(query): RawQuery) -> Response {
    let Ok(params) = Params::parse(query.as_deref()) else {
        return html_page(StatusCode::BAD_REQUEST, "Malformed authorization request");
    };
    let mut inner = lock(&state.oidc.inner);
    let Some(client) = params
        .optional("client_id")
        .and_then(|id| inner.client(id))
        .cloned()
    else {
        return html_page(StatusCode::BAD_REQUEST, "Unknown or expired client");
    };
    let Some(redirect_uri) = params.optional("redirect_uri") else {
        return html_page(StatusCode::BAD_REQUEST, "Missing redirect_uri");
    };
    let registered = UriParts::parse(redirect_uri).is_some_and(|given| {
        client
            .redirect_uris
            .iter()
            .filter_map(|r| UriParts::parse(r))
            .any(|r| r.same_endpoint(&given))
    });
    if !registered {
        return html_page(
            StatusCode::BAD_REQUEST,
            "redirect_uri is not registered for this client",
        );
    }
    let oauth_state = params.get("state");
    let refuse = |error: &str| redirect(redirect_uri, &[("error", error)], oauth_state);
    if params.get("response_type") != Some("code") {
        return refuse("unsupported_response_type");
    }
    if !client.allows(AUTHORIZATION_CODE_GRANT) {
        return refuse("unauthorized_client");
    }
    let Some(challenge) = params.optional("code_challenge") else {
        return refuse("invalid_request");
    };
    if params.get("code_challenge_method") != Some("S256") {
        return refuse("invalid_request");
    }
    let scopes_ok = params
        .get("scopes")
        .unwrap_or_default()
        .split([' ', '+'])
        .filter(|s| !s.is_empty())
        .all(|s| client.scopes.iter().any(|r| r == s));
    if !scopes_ok {
        return refuse("invalid_scope");
    }
    if state.options.deny_authorization {
        return refuse("access_denied");
    }
    let code = state.secret("authorization-code", 64, URL_SAFE_ALPHABET);
    inner.codes.insert(
        code.clone(),
        CodeGrant {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.to_string(),
            code_challenge: challenge.to_string(),
            expires: Instant::now() + AUTHORIZATION_CODE_TTL,
        },
    );
    inner.counts.authorization_codes += 1;
    redirect(redirect_uri, &[("code", &code)], oauth_state)
}

/// `GET /device?user_code=…`: approves the device code and says so.
async fn device_page(State(state): State<Arc<SimState>>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.as_deref()).unwrap_or_default();
    let Some(user_code) = params.optional("user_code") else {
        return html_page(
            StatusCode::BAD_REQUEST,
            "No user_code given: open the verificationUriComplete address",
        );
    };
    match state.oidc.decide(user_code, true) {
        Decision::Done => html_page(
            StatusCode::OK,
            "Request approved. You can close this window.",
        ),
        Decision::AlreadyDecided => html_page(
            StatusCode::OK,
            "This request was already answered. You can close this window.",
        ),
        Decision::Expired => html_page(StatusCode::BAD_REQUEST, "This code has expired."),
        Decision::Unknown => html_page(StatusCode::NOT_FOUND, "Unknown code."),
    }
}

/// `302 Found` to `base` with `pairs` and then `state` (if any) appended to
/// its query, values percent-encoded.
fn redirect(base: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut location = base.to_string();
    let mut separator = if base.contains('?') { '&' } else { '?' };
    let all = pairs.iter().copied().chain(state.map(|s| ("state", s)));
    for (key, value) in all {
        location.push(separator);
        location.push_str(key);
        location.push('=');
        location.push_str(&percent_encode(value));
        separator = '&';
    }
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// A tiny HTML page with one sentence (the text is ours, so no escaping).
fn html_page(status: StatusCode, text: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>IAM Identity Center \
         simulator</title></head><body><p>{text}</p></body></html>\n"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Parses a JSON object body; an empty body counts as `{}`.
///
/// Errors: 400 `InvalidRequestException` for anything else.
fn parse_body<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, OidcError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| OidcError::invalid_request(format!("Malformed request body: {e}")))
}

/// A required, non-empty string member.
fn required(value: Option<String>, member: &str) -> Result<String, OidcError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OidcError::missing(member))
}

fn is_known_grant(grant_type: &str) -> bool {
    matches!(
        grant_type,
        DEVICE_CODE_GRANT | AUTHORIZATION_CODE_GRANT | REFRESH_TOKEN_GRANT
    )
}

/// `http://<Host header>`, the base of the URLs the service hands out.
fn endpoint(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// Seconds since the epoch.
fn epoch_seconds(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A duration in whole seconds, rounded up.
fn whole_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// The PKCE S256 challenge of `verifier`: unpadded base64url of its SHA-256.
pub fn pkce_s256(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// Unpadded base64url (RFC 4648 §5).
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(URL_SAFE_ALPHABET[index as usize] as char);
        }
    }
    out
}

/// Percent-encodes everything but `A-Z a-z 0-9 - . _ ~`.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The parts of an absolute http(s) URI that redirect matching compares.
#[derive(Debug, PartialEq, Eq)]
struct UriParts {
    scheme: String,
    host: String,
    path: String,
}

impl UriParts {
    /// Splits `scheme://[userinfo@]host[:port][/path][?query][#fragment]`;
    /// `None` unless the scheme is http or https and the host is not empty.
    fn parse(uri: &str) -> Option<UriParts> {
        let (scheme, rest) = uri.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(end);
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if let Some(bracketed) = host_port.strip_prefix('[') {
            format!("[{}]", bracketed.split_once(']')?.0)
        } else {
            host_port
                .split_once(':')
                .map_or(host_port, |(h, _)| h)
                .to_string()
        };
        if host.is_empty() || host == "[]" {
            return None;
        }
        let path_end = rest.find(['?', '#']).unwrap_or(rest.len());
        let path = match &rest[..path_end] {
            "" => "/",
            p => p,
        };
        Some(UriParts {
            scheme,
            host: host.to_ascii_lowercase(),
            path: path.to_string(),
        })
    }

    /// Same scheme, host and path (ports and queries are not compared).
    fn same_endpoint(&self, other: &UriParts) -> bool {
        self == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_matches_rfc_7636_example() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn base64url_lengths_and_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn redirect_uris_match_without_ports() {
        let registered = UriParts::parse("http://127.0.0.1/oauth/callback").expect("valid");
        let given = UriParts::parse("http://127.0.0.1:53117/oauth/callback").expect("valid");
        assert!(registered.same_endpoint(&given));
        for other in [
            "https://127.0.0.1:53117/oauth/callback",
            "http://localhost:53117/oauth/callback",
            "http://127.0.0.1:53117/oauth/callback/",
            "http://127.0.0.1:53117/other",
        ] {
            let other = UriParts::parse(other).expect("valid");
            assert!(!registered.same_endpoint(&other), "{other:?}");
        }
        let v6 = UriParts::parse("http://[::1]:8080/cb?x=1").expect("valid");
        assert_eq!(v6.host, "[::1]");
        assert_eq!(v6.path, "/cb");
        assert!(UriParts::parse("ftp://host/x").is_none());
        assert!(UriParts::parse("http:///x").is_none());
        assert!(UriParts::parse("not a uri").is_none());
    }

    #[test]
    fn state_values_are_percent_encoded() {
        assert_eq!(percent_encode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
        let response = redirect("http://127.0.0.1:9/cb", &[("code", "xyz")], Some("s t&ate"));
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(
            response.headers()[header::LOCATION],
            "http://127.0.0.1:9/cb?code=xyz&state=s%20t%26ate"
        );
    }

    #[test]
    fn durations_round_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::ZERO), 0);
        assert_eq!(whole_seconds(Duration::from_millis(200)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(600)), 600);
    }
}
