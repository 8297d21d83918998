//! The sign-in service's `CreateOAuth2Token` for refreshing `aws login`
//! sessions, as the simulator serves it in place of
//! `https://{region}.signin.aws.amazon.com` (point `AWS_ENDPOINT_URL_SIGNIN`
//! at the simulator; botocore honours it too).
//!
//! Request: `POST /v1/token`, JSON `{"clientId", "grantType":
//! "refresh_token", "refreshToken"}` and a `DPoP` header: an ES256 JWT
//! whose header has `typ` `dpop+jwt` and the P-256 public key as `jwk`, and
//! whose claims have `htm` `POST`, `htu` the request's URL
//! (`http://HOST/v1/token`) and `iat` within 5 minutes of now; the signature
//! must verify with that key. A refresh token is bound to the key of its
//! first refresh. Answer: `{"accessToken": {"accessKeyId",
//! "secretAccessKey", "sessionToken"}, "tokenType": "aws_sigv4",
//! "expiresIn": 900, "refreshToken"}` with the refresh token rotated (the
//! old one stops working). Errors (rest-json, `x-amzn-errortype`):
//! 400 `ValidationException` `{"error": "INVALID_REQUEST"}` for another
//! grant type, a missing field or an invalid proof; 401
//! `AccessDeniedException` `{"error": "TOKEN_EXPIRED"}` for an unknown
//! refresh token or a client id it was not issued to. Every call is kept
//! ([`super::Simulator::login_token_calls`]). Logins are issued with
//! [`super::Simulator::issue_login`].

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::{json, Value};

use super::lock;
use super::signin_oauth_state::Grant;
pub use super::signin_oauth_state::{IssuedLogin, LoginTokenCall};
use super::state::{SimState, BASE64_ALPHABET, KEY_ID_ALPHABET, URL_SAFE_ALPHABET};

/// Seconds the issued credentials last (the service's maximum).
pub const EXPIRES_IN: u64 = 900;

/// How far a proof's `iat` may be from now, in seconds.
const IAT_WINDOW: i64 = 300;

/// The route: `POST /v1/token`.
pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new().route("/v1/token", post(create_token))
}

fn error(status: StatusCode, kind: &'static str, code: &str, message: &str) -> Response {
    let mut response = (status, Json(json!({"error": code, "message": message}))).into_response();
    response
        .headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(kind));
    response
}

/// Issues a login session for `account_id` to `client_id`: a refresh token
/// and its first credentials.
pub(crate) fn issue(state: &SimState, client_id: &str, account_id: &str) -> IssuedLogin {
    let refresh_token = state.secret("login-refresh-token", 48, URL_SAFE_ALPHABET);
    lock(&state.signin_oauth.grants).insert(
        refresh_token.clone(),
        Grant {
            client_id: client_id.to_string(),
            key: None,
        },
    );
    let (access_key_id, secret_access_key, session_token) = credentials(state);
    IssuedLogin {
        client_id: client_id.to_string(),
        account_id: account_id.to_string(),
        refresh_token,
        access_key_id,
        secret_access_key,
        session_token,
    }
}

fn credentials(state: &SimState) -> (String, String, String) {
    (
        format!(
            "ASIA{}",
            state.secret("login-access-key-id", 16, KEY_ID_ALPHABET)
        ),
        state.secret("login-secret-access-key", 40, BASE64_ALPHABET),
        state.secret("login-session-token", 300, BASE64_ALPHABET),
    )
}

async fn create_token(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let field = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut call = LoginTokenCall {
        grant_type: field("grantType"),
        client_id: field("clientId"),
        htu: None,
        accepted: false,
        refused: None,
    };
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let proof_text = headers.get("dpop").and_then(|h| h.to_str().ok());
    call.htu = proof_text.and_then(claimed_htu);
    let proof = proof_text
        .ok_or_else(|| "no DPoP header".to_string())
        .and_then(|p| verify_proof(p, &format!("http://{host}/v1/token")));
    let invalid = |call: &mut LoginTokenCall, reason: String| {
        call.refused = Some(format!("INVALID_REQUEST: {reason}"));
        error(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            "INVALID_REQUEST",
            &reason,
        )
    };
    let response = if call.grant_type != "refresh_token" {
        invalid(&mut call, "grantType must be refresh_token here".into())
    } else if call.client_id.is_empty() || field("refreshToken").is_empty() {
        invalid(&mut call, "clientId and refreshToken are required".into())
    } else {
        match proof {
            Err(reason) => invalid(&mut call, format!("invalid DPoP proof: {reason}")),
            Ok(key) => refresh(&state, &mut call, &field("refreshToken"), key),
        }
    };
    state.signin_oauth.record(call);
    response
}

fn refresh(
    state: &SimState,
    call: &mut LoginTokenCall,
    refresh_token: &str,
    key: String,
) -> Response {
    let mut grants = lock(&state.signin_oauth.grants);
    let grant = match grants.get(refresh_token) {
        Some(g) if g.client_id == call.client_id => g.clone(),
        _ => {
            call.refused = Some("TOKEN_EXPIRED".into());
            return error(
                StatusCode::UNAUTHORIZED,
                "AccessDeniedException",
                "TOKEN_EXPIRED",
                "The refresh token has expired or is not valid.",
            );
        }
    };
    if grant.key.as_ref().is_some_and(|bound| *bound != key) {
        call.refused =
            Some("INVALID_REQUEST: the DPoP key is not the one the token is bound to".into());
        return error(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            "INVALID_REQUEST",
            "The DPoP proof's key does not match the refresh token.",
        );
    }
    grants.remove(refresh_token);
    let rotated = state.secret("login-refresh-token", 48, URL_SAFE_ALPHABET);
    grants.insert(
        rotated.clone(),
        Grant {
            key: Some(key),
            ..grant
        },
    );
    drop(grants);
    let (access_key_id, secret_access_key, session_token) = credentials(state);
    call.accepted = true;
    Json(json!({
        "accessToken": {
            "accessKeyId": access_key_id,
            "secretAccessKey": secret_access_key,
            "sessionToken": session_token,
        },
        "tokenType": "aws_sigv4",
        "expiresIn": EXPIRES_IN,
        "refreshToken": rotated,
    }))
    .into_response()
}

/// The `htu` claim of a proof, unverified (for the call log).
fn claimed_htu(proof: &str) -> Option<String> {
    let payload = proof.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    Some(claims.get("htu")?.as_str()?.to_string())
}

/// Checks a DPoP proof for `POST url`; `Ok` is its key (`x.y` of the JWK).
fn verify_proof(proof: &str, url: &str) -> Result<String, String> {
    let parts: Vec<&str> = proof.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err("not a JWT".into());
    };
    let decode = |part: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| "a part is not base64url".to_string())?;
        serde_json::from_slice(&bytes).map_err(|_| "a part is not JSON".to_string())
    };
    let (header_json, claims) = (decode(header)?, decode(payload)?);
    if header_json["typ"] != "dpop+jwt" || header_json["alg"] != "ES256" {
        return Err("typ must be dpop+jwt and alg ES256".into());
    }
    let jwk = &header_json["jwk"];
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return Err("jwk must be an EC P-256 key".into());
    }
    let coordinate = |name: &str| {
        jwk[name]
            .as_str()
            .and_then(|c| URL_SAFE_NO_PAD.decode(c).ok())
            .filter(|c| c.len() == 32)
            .ok_or_else(|| format!("jwk.{name} is not a 32-byte coordinate"))
    };
    let (x, y) = (coordinate("x")?, coordinate("y")?);
    let point = p256::EncodedPoint::from_affine_coordinates(
        p256::FieldBytes::from_slice(&x),
        p256::FieldBytes::from_slice(&y),
        false,
    );
    let key = VerifyingKey::from_encoded_point(&point).map_err(|_| "jwk is not on P-256")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or("the signature is not 64 bytes of r and s")?;
    key.verify(format!("{header}.{payload}").as_bytes(), &signature)
        .map_err(|_| "the signature does not verify with the jwk")?;
    let htu = claims["htu"].as_str().unwrap_or("").to_string();
    if claims["htm"] != "POST" {
        return Err("htm must be POST".into());
    }
    if htu != url {
        return Err(format!("htu {htu:?} is not {url:?}"));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match claims["iat"].as_i64() {
        Some(iat) if (iat - now).abs() <= IAT_WINDOW => {}
        _ => return Err("iat is missing or not within 5 minutes of now".into()),
    }
    if claims["jti"].as_str().is_none_or(str::is_empty) {
        return Err("jti is missing".into());
    }
    Ok(format!("{}.{}", jwk["x"], jwk["y"]))
}
