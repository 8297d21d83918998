//! The simulator's shared state: organisation, options, issued bearer tokens,
//! paging cursors and the request log. One value behind an `Arc` is shared by
//! every handler and middleware; the OIDC service served from the same
//! endpoint keeps its state here too.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use sha1::{Digest, Sha1};

use super::delay::Delays;
use super::error::PortalError;
use super::federation_state::FederationState;
use super::oidc_state::OidcState;
use super::org::Org;
use super::signin_oauth_state::SigninOauthState;
use super::{lock, Exchange, RequestRecord, SimOptions};

/// The portal's bearer header (note the underscore).
pub const BEARER_HEADER: &str = "x-amz-sso_bearer_token";

/// Upper-case base32 letters, as in AWS access key ids.
pub(crate) const KEY_ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Standard base64 letters, as in secret keys and session tokens.
pub(crate) const BASE64_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// URL-safe base64 letters, for bearer tokens and paging tokens.
pub(crate) const URL_SAFE_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// What a paging token continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Listing {
    /// ListAccounts.
    Accounts,
    /// ListAccountRoles of one account id.
    Roles(String),
}

/// Where a paging token resumes.
#[derive(Debug, Clone)]
struct Cursor {
    listing: Listing,
    offset: usize,
    /// Whether the page at `offset` has been served once already
    /// ([`super::Paging::Duplicate`]).
    again: bool,
}

/// One finished request in the log.
struct Logged {
    /// Its arrival number (from the simulator's serial numbers).
    serial: u64,
    /// Its answer's number (from the same serial numbers).
    answer: u64,
    arrived: Duration,
    answered: Duration,
    record: RequestRecord,
}

/// The request log and its zero.
struct Timeline {
    /// Completed requests in arrival order, with their arrival number.
    log: Mutex<Vec<Logged>>,
    /// When the simulator started (the timeline's zero).
    started: Instant,
}

/// State shared by all requests of one simulator.
pub(crate) struct SimState {
    /// The organisation served.
    pub(crate) org: Org,
    /// The options the simulator was started with (page size at least 1).
    pub(crate) options: SimOptions,
    /// Bearer tokens the portal accepts, with their expiry (`None`: no expiry).
    tokens: Mutex<HashMap<String, Option<Instant>>>,
    /// Paging tokens handed out so far.
    cursors: Mutex<HashMap<String, Cursor>>,
    /// OIDC registrations, device codes, authorization codes and refresh tokens.
    pub(crate) oidc: OidcState,
    /// Role credentials issued, sign-in tokens and sign-in calls.
    pub(crate) federation: FederationState,
    /// `aws login` sessions and their refresh calls.
    pub(crate) signin_oauth: SigninOauthState,
    /// Completed requests in arrival order, and when the simulator started.
    timeline: Timeline,
    /// Arrival times of the requests admitted within the last second (rate cap).
    admitted: Mutex<VecDeque<Instant>>,
    /// Accounts whose ListAccountRoles answers 500.
    failing: Mutex<HashSet<String>>,
    /// Source of unique numbers (tokens, cursors, request ids).
    serial: AtomicU64,
    /// Per-instance salt so two simulators never hand out the same secrets.
    salt: u64,
    /// STS AssumeRole calls in arrival order.
    assume_role: Mutex<Vec<AssumeRoleCall>>,
    /// Precise waits for the latency knob.
    pub(crate) delays: Delays,
}

impl SimState {
    /// The state of a simulator serving `org`, or when `None` the
    /// organisation `options.accounts` chooses.
    pub(crate) fn new(mut options: SimOptions, org: Option<Org>) -> Self {
        options.page_size = options.page_size.max(1);
        let org = match (org, options.accounts) {
            (Some(org), _) => org,
            (None, Some(n)) => Org::with_accounts(n),
            (None, None) => Org::builtin(),
        };
        let salt = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default()
            ^ ((std::process::id() as u64) << 32);
        let failing = options.failing_accounts.iter().cloned().collect();
        SimState {
            org,
            options,
            tokens: Mutex::new(HashMap::new()),
            cursors: Mutex::new(HashMap::new()),
            oidc: OidcState::default(),
            federation: FederationState::default(),
            signin_oauth: SigninOauthState::default(),
            timeline: Timeline {
                log: Mutex::new(Vec::new()),
                started: Instant::now(),
            },
            admitted: Mutex::new(VecDeque::new()),
            failing: Mutex::new(failing),
            serial: AtomicU64::new(1),
            salt,
            assume_role: Mutex::new(Vec::new()),
            delays: Delays::default(),
        }
    }

    /// A number never returned before by this simulator.
    pub(crate) fn next_serial(&self) -> u64 {
        self.serial.fetch_add(1, Ordering::Relaxed)
    }

    /// `len` characters from `alphabet`, unique to this call and simulator.
    pub(crate) fn secret(&self, label: &str, len: usize, alphabet: &[u8]) -> String {
        let serial = self.next_serial();
        let mut out = String::with_capacity(len);
        let mut block = 0u32;
        while out.len() < len {
            let digest = Sha1::new()
                .chain_update(self.salt.to_le_bytes())
                .chain_update(serial.to_le_bytes())
                .chain_update(block.to_le_bytes())
                .chain_update(label.as_bytes())
                .finalize();
            for byte in digest {
                if out.len() == len {
                    break;
                }
                out.push(alphabet[byte as usize % alphabet.len()] as char);
            }
            block += 1;
        }
        out
    }

    /// A request id shaped like a UUID (`x-amzn-RequestId`).
    pub(crate) fn request_id(&self) -> String {
        let h = self.secret("request-id", 32, b"0123456789abcdef");
        format!(
            "{}-{}-4{}-8{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    /// A new bearer token accepted until `now + ttl`.
    pub(crate) fn issue_access_token(&self, ttl: Duration) -> String {
        let token = format!("aoa{}", self.secret("access-token", 189, URL_SAFE_ALPHABET));
        let expiry = Instant::now().checked_add(ttl);
        lock(&self.tokens).insert(token.clone(), expiry);
        token
    }

    /// The bearer token of a request, if the portal currently accepts it.
    ///
    /// Errors: 401 `UnauthorizedException` when the header is missing, not a
    /// token this simulator issued, expired or logged out.
    pub(crate) fn authorize(&self, headers: &HeaderMap) -> Result<String, PortalError> {
        let token = headers
            .get(BEARER_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(PortalError::unauthorized)?;
        let mut tokens = lock(&self.tokens);
        match tokens.get(token) {
            Some(None) => Ok(token.to_string()),
            Some(Some(expiry)) if Instant::now() < *expiry => Ok(token.to_string()),
            Some(Some(_)) => {
                tokens.remove(token);
                Err(PortalError::unauthorized())
            }
            None => Err(PortalError::unauthorized()),
        }
    }

    /// Stops accepting `token` (portal Logout).
    pub(crate) fn revoke(&self, token: &str) {
        lock(&self.tokens).remove(token);
    }

    /// A fresh paging token that resumes `listing` at `offset`; `again`
    /// marks a page served a second time ([`super::Paging::Duplicate`]).
    pub(crate) fn issue_cursor(&self, listing: Listing, offset: usize, again: bool) -> String {
        let token = self.secret("next-token", 64, URL_SAFE_ALPHABET);
        lock(&self.cursors).insert(
            token.clone(),
            Cursor {
                listing,
                offset,
                again,
            },
        );
        token
    }

    /// The offset a paging token resumes at, and whether that page was
    /// served once already.
    ///
    /// Errors: 400 `InvalidRequestException` when the token was not issued by
    /// this simulator for this very listing.
    pub(crate) fn resume(
        &self,
        token: &str,
        listing: &Listing,
    ) -> Result<(usize, bool), PortalError> {
        match lock(&self.cursors).get(token) {
            Some(cursor) if cursor.listing == *listing => Ok((cursor.offset, cursor.again)),
            _ => Err(PortalError::invalid_request("Invalid pagination token")),
        }
    }

    /// Whether a request arriving now is within the rate cap (and counts it
    /// when it is): at most `rps` admitted requests in any one second.
    pub(crate) fn admit(&self) -> bool {
        let Some(cap) = self.options.rps else {
            return true;
        };
        let now = Instant::now();
        let mut window = lock(&self.admitted);
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            window.pop_front();
        }
        if window.len() >= cap as usize {
            return false;
        }
        window.push_back(now);
        true
    }

    /// Replaces the accounts whose ListAccountRoles answers 500.
    pub(crate) fn set_failing_accounts(&self, accounts: &[String]) {
        *lock(&self.failing) = accounts.iter().cloned().collect();
    }

    /// Whether ListAccountRoles of `account_id` answers 500.
    pub(crate) fn is_failing(&self, account_id: &str) -> bool {
        lock(&self.failing).contains(account_id)
    }

    /// Time since the simulator started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.timeline.started.elapsed()
    }

    /// Adds a finished request to the log under its arrival number, with
    /// when it arrived (since the start) and, as now, when it was answered.
    pub(crate) fn record(&self, arrival: u64, arrived: Duration, record: RequestRecord) {
        let answered = self.elapsed();
        let answer = self.next_serial();
        let mut log = lock(&self.timeline.log);
        let at = log.partition_point(|l| l.serial < arrival);
        log.insert(
            at,
            Logged {
                serial: arrival,
                answer,
                arrived,
                answered,
                record,
            },
        );
    }

    /// Records an STS AssumeRole call.
    pub(crate) fn record_assume_role(&self, call: AssumeRoleCall) {
        lock(&self.assume_role).push(call);
    }

    /// The STS AssumeRole calls so far, in order.
    pub(crate) fn assume_role_calls(&self) -> Vec<AssumeRoleCall> {
        lock(&self.assume_role).clone()
    }

    /// Finished requests in arrival order.
    pub(crate) fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.timeline.log)
            .iter()
            .map(|l| l.record.clone())
            .collect()
    }

    /// Finished requests in arrival order, with their timeline.
    pub(crate) fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.timeline.log)
            .iter()
            .map(|l| Exchange {
                request: l.record.clone(),
                arrival: l.serial,
                answer: l.answer,
                arrived: l.arrived,
                answered: l.answered,
            })
            .collect()
    }
}

/// One `AssumeRole` call as the simulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleCall {
    /// The access key id of the SigV4 `Credential=` scope (the caller's).
    pub access_key_id: Option<String>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration_seconds: Option<String>,
    /// The access key id handed out, when the call succeeded.
    pub issued_access_key_id: Option<String>,
    /// The HTTP status of the answer.
    pub status: u16,
}
