//! A wire-compatible IAM Identity Center simulator (portal and OIDC APIs,
//! and STS `AssumeRole` for role chains: `sim::sts`), served over HTTP/1.1
//! in-process from one endpoint. `uo-aws-tui demo` and the
//! tests point real AWS clients at it; nothing else uses it.
//!
//! The console's sign-in endpoints (getSigninToken, the login URL and the
//! logout URL) are served too, for role credentials the portal issued; see
//! its own module. So is the sign-in service's `CreateOAuth2Token`, which
//! refreshes `aws login` sessions (`sim::signin_oauth`).
//!
//! The OIDC side (service `SSO OIDC`: RegisterClient, StartDeviceAuthorization,
//! CreateToken, plus `GET /authorize` for PKCE and `GET /device` to approve a
//! device code) is described in its own module; every access token it issues
//! works on the portal routes below.
//!
//! Served operations (service `SSO`, restJson1, bearer header
//! `x-amz-sso_bearer_token`):
//!
//! | operation | request | success body |
//! | --- | --- | --- |
//! | ListAccounts | `GET /assignment/accounts?next_token=&max_result=` | `{"accountList":[{"accountId","accountName","emailAddress"}],"nextToken"?}` |
//! | ListAccountRoles | `GET /assignment/roles?account_id=&next_token=&max_result=` | `{"roleList":[{"roleName","accountId"}],"nextToken"?}` |
//! | GetRoleCredentials | `GET /federation/credentials?role_name=&account_id=` | `{"roleCredentials":{"accessKeyId","secretAccessKey","sessionToken","expiration"}}` |
//! | Logout | `POST /logout` | empty |
//!
//! Errors carry the status, header `x-amzn-ErrorType: <Shape>` and the body
//! `{"message","__type":"com.amazonaws.switchboard.portal#<Shape>"}`:
//! 400 `InvalidRequestException`, 401 `UnauthorizedException`,
//! 403 `ForbiddenException`, 404 `ResourceNotFoundException`; unknown paths
//! answer 404 `UnknownOperationException`, wrong methods 405
//! `MethodNotAllowedException`. Injected faults: with
//! [`SimOptions::rps`], 429 `TooManyRequestsException` for any request beyond
//! the cap in a sliding one-second window; with
//! [`SimOptions::failing_accounts`], 500 `InternalServerException` for those
//! accounts' ListAccountRoles; with [`SimOptions::paging`], a `nextToken`
//! that repeats, never ends, or serves every page twice ([`Paging`]).
//!
//! The bearer is checked before anything else (401 even for a malformed
//! request). GetRoleCredentials answers 403 `ForbiddenException` "No access"
//! both for a role not assigned in the account and for an account that is not
//! the caller's. Query parameters are accepted in any order; paging tokens are
//! opaque, stay valid for the simulator's lifetime and only continue the
//! listing (ListAccounts, or ListAccountRoles of the same account) that issued
//! them; with the default [`Paging::Normal`] they never repeat.

mod delay;
mod error;
mod federation;
mod federation_state;
mod oidc;
mod oidc_error;
mod oidc_state;
mod org;
mod portal;
mod signin_oauth;
mod signin_oauth_state;
mod state;
mod sts;
mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use error::PortalError;
pub use federation::FederationCall;
pub use oidc::{pkce_s256, AUTHORIZATION_CODE_TTL};
pub use oidc_error::OidcError;
pub use oidc_state::{
    OidcClient, OidcCounts, AUTHORIZATION_CODE_GRANT, DEVICE_CODE_GRANT, REFRESH_TOKEN_GRANT,
};
pub use org::{Org, SimAccount};
pub use portal::ROLE_CREDENTIALS_TTL;
pub use signin_oauth::{IssuedLogin, LoginTokenCall};
pub use state::BEARER_HEADER;
pub use sts::{AssumeRoleCall, ASSUMED_ROLE_TTL};
pub use wire::ERROR_TYPE_HEADER;

use state::SimState;

/// A complete catalog of exactly `rows` rows (or fewer, when `rows` is not
/// reached by whole accounts) from the generated organisation, as the
/// benchmarks use it.
pub fn org_catalog(rows: usize) -> crate::catalog::Catalog {
    // Generated accounts hold 2.5 roles on average.
    let org = Org::with_accounts(rows / 2 + 10);
    let mut taken = 0;
    let accounts = org
        .accounts
        .into_iter()
        .take_while(|a| {
            let fits = taken + a.roles.len() <= rows;
            taken += a.roles.len();
            fits
        })
        .map(|a| {
            let account = crate::catalog::Account {
                id: a.account_id,
                name: a.account_name,
                email: a.email_address,
            };
            (account, Ok(a.roles))
        })
        .collect();
    crate::catalog::Catalog::restore(accounts, time::OffsetDateTime::now_utc())
}

/// Locks a mutex, carrying on with the data if a holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How long [`Simulator::shutdown`] waits for open requests before it stops
/// serving them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Knobs of a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Number of accounts: `None` serves `assets/sim/org.json` as is;
    /// `Some(n)` serves [`Org::with_accounts`]`(n)` (truncated or extended
    /// deterministically).
    pub accounts: Option<usize>,
    /// The largest page the service returns (items per ListAccounts /
    /// ListAccountRoles page); a smaller `max_result` makes a page smaller.
    /// Default 20; 0 counts as 1.
    pub page_size: usize,
    /// Delay before answering each request. Default zero.
    pub latency: Duration,
    /// How long an OIDC client registration lasts (`clientSecretExpiresAt`);
    /// an expired one gets `InvalidClientException`. Default 90 days.
    pub registration_ttl: Duration,
    /// Lifetime of access tokens issued by CreateToken (`expiresIn`).
    /// Default 8 hours.
    pub access_token_ttl: Duration,
    /// Lifetime of a device code (`expiresIn` of StartDeviceAuthorization,
    /// rounded up to whole seconds on the wire). Default 600 s.
    pub device_code_ttl: Duration,
    /// Polling interval for device codes (`interval`, rounded up to whole
    /// seconds on the wire). Default 1 s.
    pub device_poll_interval: Duration,
    /// When set, a device-code CreateToken for a still pending code that comes
    /// sooner than `device_poll_interval` after the previous poll of the same
    /// code gets `SlowDownException` (the first poll never does). Default off.
    pub slow_down: bool,
    /// Approve every device code as soon as StartDeviceAuthorization issues
    /// it. Default off.
    pub auto_approve_device: bool,
    /// `GET /authorize` redirects with `error=access_denied` instead of a code.
    /// Default off.
    pub deny_authorization: bool,
    /// Every refresh-token grant fails with `InvalidGrantException`.
    /// Default off.
    pub reject_refresh_tokens: bool,
    /// Rate cap: a request arriving when `n` requests were already admitted
    /// within the last second (a sliding window) is answered 429
    /// `TooManyRequestsException` (and not admitted). `None`: no cap.
    pub rps: Option<u32>,
    /// Accounts whose ListAccountRoles answers 500 `InternalServerException`
    /// (changeable while running with [`Simulator::set_failing_accounts`]).
    pub failing_accounts: Vec<String>,
    /// How ListAccounts and ListAccountRoles hand out `nextToken`s.
    /// Default: both [`Paging::Normal`].
    pub paging: PagingFaults,
}

/// How each paged call hands out `nextToken`s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PagingFaults {
    /// ListAccounts.
    pub accounts: Paging,
    /// ListAccountRoles (of every account).
    pub roles: Paging,
}

/// How a paged call hands out `nextToken`s: correctly, or one of the faults
/// a client must survive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Paging {
    /// A next token only while items remain; each token is new.
    #[default]
    Normal,
    /// The first page's next token is answered with itself forever: every
    /// call made with a token gets that same token back (and the page it
    /// names), so the listing never moves on.
    Repeat,
    /// Every page has a new next token, forever: after the last page the
    /// listing starts over from the first item.
    Endless,
    /// Every page is served twice, under two different tokens, then the
    /// listing ends normally: each item arrives twice.
    Duplicate,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            accounts: None,
            page_size: 20,
            latency: Duration::ZERO,
            registration_ttl: Duration::from_secs(90 * 24 * 3600),
            access_token_ttl: Duration::from_secs(8 * 3600),
            device_code_ttl: Duration::from_secs(600),
            device_poll_interval: Duration::from_secs(1),
            slow_down: false,
            auto_approve_device: false,
            deny_authorization: false,
            reject_refresh_tokens: false,
            rps: None,
            failing_accounts: Vec::new(),
            paging: PagingFaults::default(),
        }
    }
}

/// One request the simulator answered, as the request log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Request path without the query, e.g. `/assignment/accounts`.
    pub path: String,
    /// Raw query string as sent (still percent-encoded, without `?`); empty if none.
    pub query: String,
    /// Whether the request carried an `x-amz-sso_bearer_token` header (valid or not).
    pub bearer: bool,
    /// HTTP status of the response.
    pub status: u16,
}

/// When one request arrived and when its answer was ready, as the
/// simulator's timeline keeps them ([`Simulator::exchanges`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request as the request log keeps it.
    pub request: RequestRecord,
    /// When it arrived, as an event number: arrivals and answers of one
    /// simulator are numbered on one counter, so a request arrived before
    /// another's answer was ready exactly when its `arrival` is smaller than
    /// that `answer`.
    pub arrival: u64,
    /// When its answer was ready, as an event number (see `arrival`).
    pub answer: u64,
    /// When it arrived, since the simulator started.
    pub arrived: Duration,
    /// When its answer was ready (after the latency knob), since the
    /// simulator started.
    pub answered: Duration,
}

/// A running simulator. [`Simulator::shutdown`] stops it and waits; dropping it
/// asks the server to stop without waiting.
pub struct Simulator {
    state: Arc<SimState>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds `addr` (use `127.0.0.1:0` for a free port) and serves until
    /// shutdown. Must be called inside a Tokio runtime.
    ///
    /// Errors: the bind error (address in use, permission denied, …).
    pub async fn start(opts: SimOptions, addr: SocketAddr) -> std::io::Result<Simulator> {
        Simulator::start_serving(opts, None, addr).await
    }

    /// Like [`Simulator::start`], serving `org` (tests use it for untrusted
    /// names) instead of the organisation `opts.accounts` chooses.
    pub async fn start_with_org(
        opts: SimOptions,
        org: Org,
        addr: SocketAddr,
    ) -> std::io::Result<Simulator> {
        Simulator::start_serving(opts, Some(org), addr).await
    }

    async fn start_serving(
        opts: SimOptions,
        org: Option<Org>,
        addr: SocketAddr,
    ) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        // Each answer leaves at once instead of waiting for the client's
        // delayed ACK of the previous segment.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let state = Arc::new(SimState::new(opts, org));
        let app = router(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            // The server only ends on shutdown or a listener failure; the
            // latter leaves nothing to report to.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        Ok(Simulator {
            state,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The bound address (with the actual port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL for the SDKs' endpoint override, e.g. `http://127.0.0.1:41234`
    /// (no trailing slash).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A new bearer token the portal accepts until now + `ttl` (or until
    /// Logout). Opaque, URL-safe, about 190 characters, starting `aoa`.
    pub fn issue_access_token(&self, ttl: Duration) -> String {
        self.state.issue_access_token(ttl)
    }

    /// Approves the pending device code whose user code is `user_code` (case,
    /// spaces and dashes ignored), as the user would in the browser. False
    /// when no pending, unexpired device code has that user code.
    pub fn approve_device(&self, user_code: &str) -> bool {
        self.state.oidc.approve_device(user_code)
    }

    /// Denies the pending device code whose user code is `user_code`; its
    /// next poll answers `AccessDeniedException`. False when no pending,
    /// unexpired device code has that user code.
    pub fn deny_device(&self, user_code: &str) -> bool {
        self.state.oidc.deny_device(user_code)
    }

    /// Every OIDC client registration so far, oldest first.
    pub fn registrations(&self) -> Vec<OidcClient> {
        self.state.oidc.registrations()
    }

    /// How often the OIDC operations were used so far.
    pub fn oidc_counts(&self) -> OidcCounts {
        self.state.oidc.counts()
    }

    /// The organisation served.
    pub fn org(&self) -> &Org {
        &self.state.org
    }

    /// The options in effect (`page_size` at least 1).
    pub fn options(&self) -> &SimOptions {
        &self.state.options
    }

    /// Makes ListAccountRoles of exactly these accounts answer 500 from now on.
    pub fn set_failing_accounts(&self, accounts: &[String]) {
        self.state.set_failing_accounts(accounts);
    }

    /// Every request answered so far, in arrival order (a request still being
    /// answered appears once its response is ready).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests()
    }

    /// Every call of the console's sign-in endpoints (getSigninToken, login,
    /// logout) so far, in arrival order.
    pub fn federation_calls(&self) -> Vec<FederationCall> {
        self.state.federation.calls()
    }

    /// Issues an `aws login` session of `account_id` to `client_id` (e.g.
    /// `arn:aws:signin:::devtools/same-device`): its refresh token and
    /// first credentials, for a login cache file (see `sim::signin_oauth`).
    pub fn issue_login(&self, client_id: &str, account_id: &str) -> IssuedLogin {
        signin_oauth::issue(&self.state, client_id, account_id)
    }

    /// Every `CreateOAuth2Token` call (`POST /v1/token`) so far, in order.
    pub fn login_token_calls(&self) -> Vec<LoginTokenCall> {
        self.state.signin_oauth.calls()
    }

    /// The STS AssumeRole calls received so far, in order (see `sim::sts`).
    pub fn assume_role_calls(&self) -> Vec<AssumeRoleCall> {
        self.state.assume_role_calls()
    }

    /// Every request answered so far with when it arrived and when its
    /// answer was ready, in arrival order (a request still being answered
    /// appears once its response is ready).
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.state.exchanges()
    }

    /// Stops accepting connections, lets open requests finish (up to five
    /// seconds), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .field("options", &self.state.options)
            .field("accounts", &self.state.org.accounts.len())
            .finish()
    }
}

/// All routes, with the request log and latency around them.
fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .merge(portal::routes())
        .merge(oidc::routes())
        .merge(federation::routes())
        .merge(signin_oauth::routes())
        .merge(sts::routes())
        .fallback(unknown_operation)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), serve_request))
        .with_state(state)
}

/// Wraps every request: applies the rate cap at arrival, waits the latency
/// knob, answers, stamps a request id and logs the outcome.
async fn serve_request(
    State(state): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    let answer_at = std::time::Instant::now() + state.options.latency;
    let arrival = state.next_serial();
    let arrived = state.elapsed();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let bearer = request.headers().contains_key(BEARER_HEADER);
    let admitted = state.admit();
    if !state.options.latency.is_zero() {
        state.delays.until(answer_at).await;
    }
    let mut response = if admitted {
        next.run(request).await
    } else {
        PortalError::too_many_requests().into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&state.request_id()) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    let status = response.status().as_u16();
    state.record(
        arrival,
        arrived,
        RequestRecord {
            method,
            path,
            query,
            bearer,
            status,
        },
    );
    response
}

async fn unknown_operation() -> Response {
    PortalError::unknown_operation().into_response()
}

async fn method_not_allowed() -> Response {
    PortalError::method_not_allowed().into_response()
}
