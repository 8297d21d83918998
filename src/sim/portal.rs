//! The IAM Identity Center portal API (service `SSO`, restJson1): ListAccounts,
//! ListAccountRoles, GetRoleCredentials and Logout.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::error::PortalError;
use super::state::{Listing, SimState, BASE64_ALPHABET, KEY_ID_ALPHABET};
use super::wire::Params;
use super::Paging;

/// Lifetime of role credentials handed out by GetRoleCredentials.
pub const ROLE_CREDENTIALS_TTL: Duration = Duration::from_secs(3600);

/// The four portal operations, at their wire paths.
pub(crate) fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/assignment/accounts", get(list_accounts))
        .route("/assignment/roles", get(list_account_roles))
        .route("/federation/credentials", get(get_role_credentials))
        .route("/logout", post(logout))
}

/// `GET /assignment/accounts?next_token=&max_result=`
/// → `{"accountList":[{"accountId","accountName","emailAddress"}],"nextToken"?}`.
async fn list_accounts(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PortalError> {
    state.authorize(&headers)?;
    let params = Params::parse(query.as_deref())?;
    let limit = page_limit(&state, &params)?;
    page(
        &state,
        &params,
        Listing::Accounts,
        state.options.paging.accounts,
        &state.org.accounts,
        limit,
        "accountList",
        |a| {
            json!({
                "accountId": a.account_id,
                "accountName": a.account_name,
                "emailAddress": a.email_address,
            })
        },
    )
}

/// One page of `items` (from the `next_token` cursor, at most `limit`) as
/// `{"<member>":[…],"nextToken"?}`. With [`Paging::Normal`], a next token
/// only when more remain; the other modes are the faults described at
/// [`Paging`].
#[allow(clippy::too_many_arguments)]
fn page<T>(
    state: &SimState,
    params: &Params,
    listing: Listing,
    paging: Paging,
    items: &[T],
    limit: usize,
    member: &str,
    item_json: impl Fn(&T) -> serde_json::Value,
) -> Result<Response, PortalError> {
    let given = params.optional("next_token");
    let (start, again) = match given {
        Some(token) => state.resume(token, &listing)?,
        None => (0, false),
    };
    let end = items.len().min(start + limit);
    let list: Vec<_> = items[start.min(end)..end].iter().map(item_json).collect();
    let mut body = json!({ member: list });
    let next = match paging {
        Paging::Normal => (end < items.len()).then(|| state.issue_cursor(listing, end, false)),
        Paging::Repeat => Some(match given {
            Some(token) => token.to_string(),
            None => state.issue_cursor(listing, end, false),
        }),
        Paging::Endless => {
            let at = if end < items.len() { end } else { 0 };
            Some(state.issue_cursor(listing, at, false))
        }
        Paging::Duplicate if !again => Some(state.issue_cursor(listing, start, true)),
        Paging::Duplicate => (end < items.len()).then(|| state.issue_cursor(listing, end, false)),
    };
    if let Some(token) = next {
        body["nextToken"] = token.into();
    }
    Ok(Json(body).into_response())
}

/// `GET /assignment/roles?account_id=&next_token=&max_result=`
/// → `{"roleList":[{"roleName","accountId"}],"nextToken"?}`.
async fn list_account_roles(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PortalError> {
    state.authorize(&headers)?;
    let params = Params::parse(query.as_deref())?;
    let account_id = params.required("account_id", "accountId")?;
    let limit = page_limit(&state, &params)?;
    if state.is_failing(account_id) {
        return Err(PortalError::internal());
    }
    let account = state
        .org
        .account(account_id)
        .ok_or_else(|| PortalError::resource_not_found("Account not found"))?;
    let listing = Listing::Roles(account.account_id.clone());
    page(
        &state,
        &params,
        listing,
        state.options.paging.roles,
        &account.roles,
        limit,
        "roleList",
        |role| json!({ "roleName": role, "accountId": account.account_id }),
    )
}

/// `GET /federation/credentials?role_name=&account_id=`
/// → `{"roleCredentials":{"accessKeyId","secretAccessKey","sessionToken","expiration"}}`,
/// `expiration` in epoch milliseconds, one hour from now.
async fn get_role_credentials(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PortalError> {
    state.authorize(&headers)?;
    let params = Params::parse(query.as_deref())?;
    let role_name = params.required("role_name", "roleName")?;
    let account_id = params.required("account_id", "accountId")?;
    let assigned = state
        .org
        .account(account_id)
        .is_some_and(|a| a.roles.iter().any(|r| r == role_name));
    if !assigned {
        return Err(PortalError::forbidden());
    }
    let expiration = SystemTime::now()
        .checked_add(ROLE_CREDENTIALS_TTL)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let access_key_id = format!("ASIA{}", state.secret("access-key-id", 16, KEY_ID_ALPHABET));
    let secret_access_key = state.secret("secret-access-key", 40, BASE64_ALPHABET);
    let session_token = state.secret("session-token", 356, BASE64_ALPHABET);
    state.federation.issued(
        &access_key_id,
        &secret_access_key,
        &session_token,
        account_id,
        role_name,
    );
    let body = json!({
        "roleCredentials": {
            "accessKeyId": access_key_id,
            "secretAccessKey": secret_access_key,
            "sessionToken": session_token,
            "expiration": expiration,
        }
    });
    Ok(Json(body).into_response())
}

/// `POST /logout` → 200 with an empty body; the bearer token stops working.
async fn logout(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let token = state.authorize(&headers)?;
    state.revoke(&token);
    Ok(StatusCode::OK.into_response())
}

/// Items on this page: `min(max_result, page_size)`, or `page_size` without
/// `max_result`.
///
/// Errors: 400 `InvalidRequestException` when `max_result` is not an integer
/// in `1..=100`.
fn page_limit(state: &SimState, params: &Params) -> Result<usize, PortalError> {
    let largest = state.options.page_size;
    let Some(raw) = params.get("max_result") else {
        return Ok(largest);
    };
    match raw.parse::<i64>() {
        Ok(n) if (1..=100).contains(&n) => Ok(largest.min(n as usize)),
        Ok(n) if n < 1 => Err(PortalError::invalid_request(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy \
             constraint: Member must have value greater than or equal to 1"
        ))),
        Ok(n) => Err(PortalError::invalid_request(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy \
             constraint: Member must have value less than or equal to 100"
        ))),
        Err(_) => Err(PortalError::invalid_request(format!(
            "Invalid value for max_result: '{raw}' is not an integer"
        ))),
    }
}
