//! What the simulated OIDC service remembers: client registrations, device
//! codes, authorization codes, refresh tokens and the call counters. Kept
//! apart from the handlers ([`super::oidc`]) so the shared simulator state
//! can own it without depending on them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use super::lock;
use super::oidc_error::OidcError;

/// `grantType` of the device-code grant.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// `grantType` of the authorization-code (PKCE) grant.
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";
/// `grantType` of the refresh-token grant.
pub const REFRESH_TOKEN_GRANT: &str = "refresh_token";

/// One OIDC client registration, as the simulator remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcClient {
    /// `clientId` handed out.
    pub client_id: String,
    /// `clientSecret` handed out.
    pub client_secret: String,
    /// `clientName` as registered.
    pub client_name: String,
    /// `clientType` as registered (always `public`).
    pub client_type: String,
    /// `scopes` as registered (empty when not sent).
    pub scopes: Vec<String>,
    /// `redirectUris` as registered (empty when not sent).
    pub redirect_uris: Vec<String>,
    /// `grantTypes` as registered (empty when not sent).
    pub grant_types: Vec<String>,
    /// `issuerUrl` as registered.
    pub issuer_url: Option<String>,
    /// `clientIdIssuedAt`.
    pub issued_at: SystemTime,
    /// `clientSecretExpiresAt`; the registration stops working then.
    pub expires_at: SystemTime,
}

impl OidcClient {
    /// Whether this registration may use `grant_type` (see the module notes).
    pub fn allows(&self, grant_type: &str) -> bool {
        if !self.grant_types.is_empty() {
            return self.grant_types.iter().any(|g| g == grant_type);
        }
        match grant_type {
            DEVICE_CODE_GRANT => true,
            REFRESH_TOKEN_GRANT => !self.scopes.is_empty(),
            _ => false,
        }
    }

    /// Whether CreateToken hands this registration refresh tokens.
    pub fn gets_refresh_tokens(&self) -> bool {
        self.allows(REFRESH_TOKEN_GRANT)
    }
}

/// How often the OIDC operations were used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OidcCounts {
    /// Successful RegisterClient calls.
    pub register_client: u64,
    /// Successful StartDeviceAuthorization calls.
    pub start_device_authorization: u64,
    /// `GET /authorize` requests answered with a code.
    pub authorization_codes: u64,
    /// CreateToken calls per `grantType` as sent, whatever their outcome
    /// (calls without a `grantType` are not counted).
    pub create_token_calls: BTreeMap<String, u64>,
    /// Access tokens issued per `grantType`.
    pub tokens_issued: BTreeMap<String, u64>,
}

impl OidcCounts {
    /// CreateToken calls with this `grantType`.
    pub fn calls(&self, grant_type: &str) -> u64 {
        self.create_token_calls
            .get(grant_type)
            .copied()
            .unwrap_or(0)
    }

    /// Access tokens issued for this `grantType`.
    pub fn issued(&self, grant_type: &str) -> u64 {
        self.tokens_issued.get(grant_type).copied().unwrap_or(0)
    }
}

/// Where a device code stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    Redeemed,
}

/// A device code issued by StartDeviceAuthorization.
#[derive(Debug)]
pub(crate) struct DeviceGrant {
    pub(crate) client_id: String,
    /// `ABCD-EFGH`.
    pub(crate) user_code: String,
    pub(crate) expires: Instant,
    pub(crate) status: DeviceStatus,
    pub(crate) last_poll: Option<Instant>,
}

/// A code issued by `GET /authorize`.
#[derive(Debug)]
pub(crate) struct CodeGrant {
    pub(crate) client_id: String,
    /// Exactly as given to `/authorize`.
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: String,
    pub(crate) expires: Instant,
}

/// What a user-code decision ([`OidcState::decide`]) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The code was pending and is now approved or denied.
    Done,
    /// The code was already approved, denied or redeemed.
    AlreadyDecided,
    /// The code's lifetime is over.
    Expired,
    /// No such user code.
    Unknown,
}

/// OIDC state of one simulator.
#[derive(Debug, Default)]
pub(crate) struct OidcState {
    pub(crate) inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
pub(crate) struct Inner {
    /// Registrations in the order they were made.
    pub(crate) clients: Vec<OidcClient>,
    /// Device codes by `deviceCode`.
    pub(crate) devices: HashMap<String, DeviceGrant>,
    /// Unredeemed authorization codes by `code`.
    pub(crate) codes: HashMap<String, CodeGrant>,
    /// Live refresh tokens, with the client id they belong to.
    pub(crate) refresh_tokens: HashMap<String, String>,
    pub(crate) counts: OidcCounts,
}

impl Inner {
    /// The live registration `client_id` / `client_secret` names.
    ///
    /// Errors: 401 `InvalidClientException` for an unknown id, a wrong secret
    /// or an expired registration.
    pub(crate) fn authenticate(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<OidcClient, OidcError> {
        let client = self
            .clients
            .iter()
            .find(|c| c.client_id == client_id && c.client_secret == client_secret)
            .ok_or_else(|| OidcError::invalid_client("Invalid client credentials"))?;
        if SystemTime::now() >= client.expires_at {
            return Err(OidcError::invalid_client("Client registration has expired"));
        }
        Ok(client.clone())
    }

    /// The live registration with this id (no secret: the browser side).
    pub(crate) fn client(&self, client_id: &str) -> Option<&OidcClient> {
        self.clients
            .iter()
            .find(|c| c.client_id == client_id && SystemTime::now() < c.expires_at)
    }
}

impl OidcState {
    /// Every registration so far, oldest first.
    pub(crate) fn registrations(&self) -> Vec<OidcClient> {
        lock(&self.inner).clients.clone()
    }

    /// The counters so far.
    pub(crate) fn counts(&self) -> OidcCounts {
        lock(&self.inner).counts.clone()
    }

    /// Approves (`approve`) or denies the pending device code with this user
    /// code; case, spaces and dashes in `user_code` do not matter.
    pub(crate) fn decide(&self, user_code: &str, approve: bool) -> Decision {
        let wanted = normalize_user_code(user_code);
        if wanted.is_empty() {
            return Decision::Unknown;
        }
        let mut inner = lock(&self.inner);
        let Some(grant) = inner
            .devices
            .values_mut()
            .find(|g| normalize_user_code(&g.user_code) == wanted)
        else {
            return Decision::Unknown;
        };
        if Instant::now() >= grant.expires {
            return Decision::Expired;
        }
        if grant.status != DeviceStatus::Pending {
            return Decision::AlreadyDecided;
        }
        grant.status = if approve {
            DeviceStatus::Approved
        } else {
            DeviceStatus::Denied
        };
        Decision::Done
    }

    /// Approves a pending device code; false when no pending, unexpired code
    /// has this user code.
    pub(crate) fn approve_device(&self, user_code: &str) -> bool {
        self.decide(user_code, true) == Decision::Done
    }

    /// Denies a pending device code; false when no pending, unexpired code
    /// has this user code.
    pub(crate) fn deny_device(&self, user_code: &str) -> bool {
        self.decide(user_code, false) == Decision::Done
    }
}

/// Upper-case letters and digits only.
pub(crate) fn normalize_user_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_compare_loosely() {
        assert_eq!(normalize_user_code(" abcd-efgh "), "ABCDEFGH");
    }
}
