//! The simulator's sign-in state: the role credentials GetRoleCredentials
//! issued, the sign-in tokens made from them, and every call of the sign-in
//! endpoints ([`super::federation`] serves them).

use std::collections::HashMap;
use std::sync::Mutex;

use super::lock;

/// One call of the sign-in endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationCall {
    /// `getSigninToken`, `login` or `logout` (or what was asked).
    pub action: String,
    /// Whether the call was accepted (credentials or token known).
    pub accepted: bool,
    /// getSigninToken: the access key id sent; login: the one its token
    /// was issued for.
    pub access_key_id: Option<String>,
    /// login: the `Destination`; logout: the `redirect_uri`.
    pub target: Option<String>,
}

/// What GetRoleCredentials issued.
#[derive(Debug, Clone)]
pub(super) struct Issued {
    pub(super) secret_access_key: String,
    pub(super) session_token: String,
    pub(super) account_id: String,
    pub(super) role: String,
}

/// The sign-in side of the simulator's state.
#[derive(Debug, Default)]
pub(crate) struct FederationState {
    /// Role credentials by access key id.
    pub(super) issued: Mutex<HashMap<String, Issued>>,
    /// Sign-in tokens and the access key id each was issued for.
    pub(super) tokens: Mutex<HashMap<String, String>>,
    pub(super) calls: Mutex<Vec<FederationCall>>,
}

impl FederationState {
    /// Remembers role credentials GetRoleCredentials handed out.
    pub(crate) fn issued(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: &str,
        account_id: &str,
        role: &str,
    ) {
        lock(&self.issued).insert(
            access_key_id.to_string(),
            Issued {
                secret_access_key: secret_access_key.to_string(),
                session_token: session_token.to_string(),
                account_id: account_id.to_string(),
                role: role.to_string(),
            },
        );
    }

    /// The account id and role of credentials issued here (by
    /// GetRoleCredentials or AssumeRole), by their access key id.
    pub(crate) fn role_of(&self, access_key_id: &str) -> Option<(String, String)> {
        lock(&self.issued)
            .get(access_key_id)
            .map(|i| (i.account_id.clone(), i.role.clone()))
    }

    /// Every call so far, in arrival order.
    pub(crate) fn calls(&self) -> Vec<FederationCall> {
        lock(&self.calls).clone()
    }

    pub(super) fn record(&self, call: FederationCall) {
        lock(&self.calls).push(call);
    }
}
