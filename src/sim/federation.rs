//! The console's sign-in endpoints, as the simulator serves them in place of
//! `https://signin.aws.amazon.com` (point `UO_AWS_TUI_ENDPOINT_URL_SIGNIN`
//! at the simulator):
//!
//! | request | answer |
//! | --- | --- |
//! | `GET` or `POST /federation` with `Action=getSigninToken&Session=<JSON>` (query or form body) | `{"SigninToken": "…"}` when `sessionId`, `sessionKey` and `sessionToken` are role credentials GetRoleCredentials (or STS AssumeRole) issued; else 400 |
//! | `GET /federation?Action=login&Destination=<URL>&SigninToken=<token>` | 200 with a small HTML page naming the role and destination; 400 for an unknown token |
//! | `GET /oauth?Action=logout[&redirect_uri=<URL>]` | 302 to `redirect_uri` when given, else 200 |
//!
//! Every call is kept, in order, as a [`FederationCall`]
//! ([`super::Simulator::federation_calls`]); the request log has them too.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

pub use super::federation_state::FederationCall;
use super::lock;
use super::state::{SimState, URL_SAFE_ALPHABET};
use super::wire::Params;

/// The sign-in routes.
pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/federation", get(federation_get).post(federation_post))
        .route("/oauth", get(oauth))
}

async fn federation_get(State(state): State<Arc<SimState>>, RawQuery(query): RawQuery) -> Response {
    federation(&state, query.as_deref())
}

async fn federation_post(
    State(state): State<Arc<SimState>>,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    // Form fields and query parameters both count, as on the real endpoint.
    let joined = match query.as_deref() {
        Some(q) if !q.is_empty() => format!("{q}&{body}"),
        _ => body,
    };
    federation(&state, Some(&joined))
}

fn bad_request(text: &str) -> Response {
    (StatusCode::BAD_REQUEST, text.to_string()).into_response()
}

fn federation(state: &SimState, raw: Option<&str>) -> Response {
    let fed = &state.federation;
    let Ok(params) = Params::parse(raw) else {
        return bad_request("malformed request");
    };
    let action = params.get("Action").unwrap_or_default().to_string();
    match action.as_str() {
        "getSigninToken" => {
            let session: Option<serde_json::Value> = params
                .get("Session")
                .and_then(|s| serde_json::from_str(s).ok());
            let field = |k: &str| {
                session
                    .as_ref()
                    .and_then(|s| s.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let key_id = field("sessionId");
            let known = key_id
                .as_ref()
                .and_then(|id| lock(&fed.issued).get(id).cloned());
            let accepted = known.as_ref().is_some_and(|issued| {
                field("sessionKey").as_deref() == Some(issued.secret_access_key.as_str())
                    && field("sessionToken").as_deref() == Some(issued.session_token.as_str())
            });
            fed.record(FederationCall {
                action,
                accepted,
                access_key_id: key_id.clone(),
                target: None,
            });
            if !accepted {
                return bad_request("the session credentials are not valid");
            }
            let token = state.secret("signin-token", 300, URL_SAFE_ALPHABET);
            lock(&fed.tokens).insert(token.clone(), key_id.unwrap_or_default());
            Json(json!({ "SigninToken": token })).into_response()
        }
        "login" => {
            let destination = params.get("Destination").map(str::to_string);
            let key_id = params
                .get("SigninToken")
                .and_then(|t| lock(&fed.tokens).get(t).cloned());
            let issued = key_id
                .as_ref()
                .and_then(|id| lock(&fed.issued).get(id).cloned());
            fed.record(FederationCall {
                action,
                accepted: issued.is_some(),
                access_key_id: key_id,
                target: destination.clone(),
            });
            let Some(issued) = issued else {
                return bad_request("the sign-in token is not valid");
            };
            let page = format!(
                "<!doctype html><title>AWS console (simulated)</title>\
                 <p>Signed in as {} in account {}; destination {}</p>",
                html(&issued.role),
                html(&issued.account_id),
                html(destination.as_deref().unwrap_or("(none)"))
            );
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
        }
        _ => {
            fed.record(FederationCall {
                action,
                accepted: false,
                access_key_id: None,
                target: None,
            });
            bad_request("unknown Action")
        }
    }
}

/// `GET /oauth?Action=logout[&redirect_uri=URL]`.
async fn oauth(State(state): State<Arc<SimState>>, RawQuery(query): RawQuery) -> Response {
    let Ok(params) = Params::parse(query.as_deref()) else {
        return bad_request("malformed request");
    };
    let action = params.get("Action").unwrap_or_default().to_string();
    let redirect = params.optional("redirect_uri").map(str::to_string);
    let accepted = action == "logout";
    state.federation.record(FederationCall {
        action,
        accepted,
        access_key_id: None,
        target: redirect.clone(),
    });
    if !accepted {
        return bad_request("unknown Action");
    }
    match redirect {
        Some(url) => match axum::http::HeaderValue::from_str(&url) {
            Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
            Err(_) => bad_request("redirect_uri is not a valid header value"),
        },
        None => (StatusCode::OK, "signed out").into_response(),
    }
}

/// `text` safe inside HTML.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
