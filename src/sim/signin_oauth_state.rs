//! The simulator's `aws login` state: the login sessions it issued (by
//! refresh token, each bound to the DPoP key of its first refresh) and every
//! `CreateOAuth2Token` call ([`super::signin_oauth`] serves them).

use std::collections::HashMap;
use std::sync::Mutex;

use super::lock;

/// One `POST /v1/token` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTokenCall {
    /// The body's `grantType`.
    pub grant_type: String,
    /// The body's `clientId`.
    pub client_id: String,
    /// The DPoP proof's `htu` (the URL the client signed), when it parsed.
    pub htu: Option<String>,
    /// Whether new credentials were issued.
    pub accepted: bool,
    /// Why not: the `error` code answered (`TOKEN_EXPIRED`,
    /// `INVALID_REQUEST`), with the reason for an invalid proof.
    pub refused: Option<String>,
}

/// A login session as issued: what a login cache file holds of it.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedLogin {
    pub client_id: String,
    pub account_id: String,
    pub refresh_token: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

impl std::fmt::Debug for IssuedLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedLogin")
            .field("client_id", &self.client_id)
            .field("account_id", &self.account_id)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// A live refresh token's session.
#[derive(Debug, Clone)]
pub(super) struct Grant {
    pub(super) client_id: String,
    /// The JWK (`x.y`) of the first refresh's DPoP proof; later refreshes
    /// must prove the same key.
    pub(super) key: Option<String>,
}

/// The `aws login` side of the simulator's state.
#[derive(Debug, Default)]
pub(crate) struct SigninOauthState {
    pub(super) grants: Mutex<HashMap<String, Grant>>,
    pub(super) calls: Mutex<Vec<LoginTokenCall>>,
}

impl SigninOauthState {
    /// Every call so far, in arrival order.
    pub(crate) fn calls(&self) -> Vec<LoginTokenCall> {
        lock(&self.calls).clone()
    }

    pub(super) fn record(&self, call: LoginTokenCall) {
        lock(&self.calls).push(call);
    }
}
