//! The AWS access portal API (service `SSO`): ListAccounts and
//! ListAccountRoles through the real `aws-sdk-sso` client, all pages, every
//! call through the session's adaptive [`Limiter`], streamed as
//! [`CatalogEvent`]s. Accounts named in the [`PriorityHints`] have their
//! roles fetched first.
//!
//! Every listing ends, whatever the portal answers ([`ListingLimits`]): a
//! `nextToken` seen before in the same listing stops it with an error naming
//! the call; so does a listing longer than its page cap, more accounts than
//! the account cap, or more roles in all than the role cap. Accounts and
//! (account, role) pairs that arrive twice are kept once.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use aws_sdk_sso::config::http::HttpResponse;
use aws_sdk_sso::config::retry::RetryConfig;
use aws_sdk_sso::config::{BehaviorVersion, Region};
use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use super::limiter::{Failure, Limiter, LimiterConfig};
use crate::catalog::{Account, CatalogEvent};

/// The largest page the portal accepts (`max_result` is 1..=100).
pub const MAX_PAGE_SIZE: i32 = 100;

/// How many ListAccountRoles calls run at once by default.
pub use super::limiter::DEFAULT_CONCURRENCY;

/// Bounds that end a listing whatever the portal answers, each far above
/// any real organisation (an AWS organisation has at most a few thousand
/// accounts by default and IAM Identity Center a few thousand permission
/// sets per instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingLimits {
    /// Pages of one ListAccounts listing. Default 10 000 (a million
    /// accounts at 100 a page).
    pub account_pages: usize,
    /// Pages of one account's ListAccountRoles listing. Default 200
    /// (20 000 roles in one account at 100 a page).
    pub role_pages: usize,
    /// Accounts in one listing. Default 100 000.
    pub accounts: usize,
    /// (account, role) rows in one listing, all accounts together.
    /// Default 1 000 000.
    pub roles: usize,
}

impl Default for ListingLimits {
    fn default() -> Self {
        ListingLimits {
            account_pages: 10_000,
            role_pages: 200,
            accounts: 100_000,
            roles: 1_000_000,
        }
    }
}

/// The `nextToken`s of one paged listing: ends it on a token seen before or
/// past the page cap.
struct Pages {
    /// The call and what it lists, for errors: `ListAccounts`,
    /// `ListAccountRoles of account 123456789012`.
    call: String,
    seen: HashSet<String>,
    pages: usize,
    max_pages: usize,
}

impl Pages {
    fn new(call: String, max_pages: usize) -> Pages {
        Pages {
            call,
            seen: HashSet::new(),
            pages: 0,
            max_pages: max_pages.max(1),
        }
    }

    /// Counts one page that answered with `next`; returns the token to ask
    /// for next (`None`: the listing is complete).
    ///
    /// Errors: `next` was seen before in this listing, or this page was the
    /// last the cap allows and the portal offers another.
    fn next(&mut self, next: Option<String>) -> Result<Option<String>, PortalError> {
        self.pages += 1;
        let Some(token) = next else {
            return Ok(None);
        };
        if !self.seen.insert(token.clone()) {
            return Err(self.stopped(format!(
                "the portal sent the same nextToken again after {} pages",
                self.pages
            )));
        }
        if self.pages >= self.max_pages {
            return Err(self.stopped(format!(
                "more than {} pages (the limit; no real organisation has that many)",
                self.max_pages
            )));
        }
        Ok(Some(token))
    }

    fn stopped(&self, why: String) -> PortalError {
        PortalError {
            kind: PortalErrorKind::Other,
            code: None,
            message: format!("{}: {why}; the listing stopped there", self.call),
        }
    }
}

/// The portal endpoint override our own code honours: `AWS_ENDPOINT_URL_SSO`,
/// then `AWS_ENDPOINT_URL` (the bare SDK crates read neither). Empty values
/// count as unset. `None` means the regional AWS endpoint.
pub fn endpoint_from_env() -> Option<String> {
    ["AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
}

/// What kind of failure a portal call met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalErrorKind {
    /// 401 `UnauthorizedException`: the access token is invalid or expired.
    Unauthorized,
    /// 429 `TooManyRequestsException`: throttled (never an authentication
    /// problem); retried by the limiter, which also slows down.
    Throttled,
    /// A 5xx answer, a timeout or a connection failure: retried by the limiter.
    Transient,
    /// Anything else (other 4xx errors): not retried.
    Other,
}

/// A failed portal call: its kind, the service error code when there was one
/// (`x-amzn-ErrorType`), and a message for people (never the token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PortalError {
    pub kind: PortalErrorKind,
    pub code: Option<String>,
    pub message: String,
}

impl PortalError {
    /// What this error means to the [`Limiter`]: a throttle and a transient
    /// failure are retried, the rest is not.
    pub fn failure(&self) -> Failure {
        match self.kind {
            PortalErrorKind::Throttled => Failure::Throttled,
            PortalErrorKind::Transient => Failure::Transient,
            PortalErrorKind::Unauthorized | PortalErrorKind::Other => Failure::Fatal,
        }
    }

    fn from_sdk<E>(operation: &str, url: &str, err: &SdkError<E, HttpResponse>) -> PortalError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = err.code().map(str::to_string);
        let status = err.raw_response().map(|r| r.status().as_u16());
        let kind = match (code.as_deref(), status) {
            (Some("UnauthorizedException"), _) | (_, Some(401)) => PortalErrorKind::Unauthorized,
            (Some("TooManyRequestsException"), _) | (_, Some(429)) => PortalErrorKind::Throttled,
            (_, Some(500..=599)) => PortalErrorKind::Transient,
            _ if matches!(
                err,
                SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)
            ) =>
            {
                PortalErrorKind::Transient
            }
            _ => PortalErrorKind::Other,
        };
        let message = match (kind, code.as_deref()) {
            (PortalErrorKind::Unauthorized, _) => format!(
                "{operation}: the access token was rejected (UnauthorizedException): it is invalid or expired"
            ),
            // The portal's words with the URL and status, on one line
            // whatever they hold.
            (_, Some(_)) => format!(
                "{operation}: {}",
                crate::output::escape(&super::sdk_error::describe(url, err))
            ),
            // An answer without the portal's words: status, type, body excerpt.
            _ if err.raw_response().is_some() => {
                format!("{operation}: {}", failure_line(err, true))
            }
            // No answer: which URL could not be reached, and why.
            _ => format!(
                "{operation}: {}",
                crate::output::escape(&super::sdk_error::describe(url, err))
            ),
        };
        PortalError {
            kind,
            code,
            message,
        }
    }
}

/// One line for an SDK failure without a service error message: for a
/// response, its HTTP status, its error type (`x-amzn-ErrorType`) and, when
/// `quote_body`, at most the first 200 bytes of its body, escaped (never for
/// a service whose answers carry tokens); otherwise the causes, each once.
pub fn failure_line<E>(err: &SdkError<E, HttpResponse>, quote_body: bool) -> String
where
    E: std::error::Error + 'static,
{
    let Some(response) = err.raw_response() else {
        return crate::output::error_chain(err);
    };
    let status = response.status();
    let what = if status.is_success() || matches!(err, SdkError::ResponseError(_)) {
        "malformed response"
    } else {
        "error response"
    };
    let mut out = format!("{what}, HTTP {}", status.as_u16());
    if let Some(kind) = response.headers().get("x-amzn-errortype") {
        out.push_str(&format!(
            ", {}",
            crate::output::excerpt(kind.as_bytes(), 100)
        ));
    }
    match response.body().bytes() {
        _ if !quote_body => {}
        Some(body) if !body.is_empty() => {
            out.push_str(&format!(": {}", crate::output::excerpt(body, 200)))
        }
        _ => out.push_str(" (empty body)"),
    }
    out
}

/// Accounts whose roles should be fetched first: the selected row's account
/// and accounts matching the current query. The picker updates it as the
/// selection and the query change; a running [`Portal::stream_catalog`]
/// consults it each time it picks the next account. Cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct PriorityHints(Arc<Mutex<Hints>>);

#[derive(Debug, Default)]
struct Hints {
    selected: Option<String>,
    matching: Vec<String>,
}

impl PriorityHints {
    /// Replaces the hints: `selected` goes first, then `matching` in order
    /// (keep it short: the first few dozen matches are plenty).
    pub fn set(&self, selected: Option<String>, matching: Vec<String>) {
        let mut h = self.lock();
        h.selected = selected;
        h.matching = matching;
    }

    /// No account is preferred.
    pub fn clear(&self) {
        self.set(None, Vec::new());
    }

    fn lock(&self) -> MutexGuard<'_, Hints> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the next account out of `queue`: a hinted one when queued, else
    /// the oldest.
    fn pick(&self, queue: &mut Queue) -> Option<String> {
        let h = self.lock();
        let hinted = h
            .selected
            .iter()
            .chain(h.matching.iter())
            .find(|id| queue.queued.contains(*id))
            .cloned();
        drop(h);
        let id = match hinted {
            Some(id) => {
                let at = queue.order.iter().position(|x| *x == id)?;
                queue.order.remove(at)?
            }
            None => queue.order.pop_front()?,
        };
        queue.queued.remove(&id);
        Some(id)
    }
}

/// Accounts waiting for their roles, in listing order.
#[derive(Debug, Default)]
struct Queue {
    order: VecDeque<String>,
    queued: HashSet<String>,
}

/// A portal client for one access token.
#[derive(Clone)]
pub struct Portal {
    client: aws_sdk_sso::Client,
    /// The endpoint calls go to (named in errors).
    url: String,
    access_token: String,
    concurrency: usize,
    limiter: Arc<Limiter>,
    hints: PriorityHints,
    limits: ListingLimits,
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
            .field("access_token", &"<redacted>")
            .field("concurrency", &self.concurrency)
            .field("limiter", &self.limiter.stats())
            .finish()
    }
}

impl Portal {
    /// A client for the portal of `region` (the session's `sso_region`), or
    /// for `endpoint` when given (e.g. `http://127.0.0.1:PORT`), sending
    /// `access_token` as `x-amz-sso_bearer_token`; at most `concurrency`
    /// (at least 1) calls at once, through a new [`Limiter`] with the default
    /// rates (share one across listings with [`Portal::with_limiter`]). The
    /// SDK's own retries are off: the limiter retries, and sees every 429.
    pub fn new(
        region: &str,
        endpoint: Option<&str>,
        access_token: &str,
        concurrency: usize,
    ) -> Portal {
        let mut builder = aws_sdk_sso::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .timeout_config(
                aws_sdk_sso::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            )
            .retry_config(RetryConfig::disabled())
            .http_client(super::network::http_client());
        if let Some(endpoint) = endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Portal {
            client: aws_sdk_sso::Client::from_conf(builder.build()),
            url: super::sdk_error::portal_url(region, endpoint),
            access_token: access_token.to_string(),
            concurrency: concurrency.max(1),
            limiter: Limiter::new(LimiterConfig::with_concurrency(concurrency)),
            hints: PriorityHints::default(),
            limits: ListingLimits::default(),
        }
    }

    /// The same client ending its listings at `limits` instead of the
    /// defaults.
    pub fn with_limits(mut self, limits: ListingLimits) -> Portal {
        self.limits = limits;
        self
    }

    /// The same client sending every call through `limiter` (one per
    /// session, kept across listing passes); its concurrency bounds the
    /// calls in flight.
    pub fn with_limiter(mut self, limiter: Arc<Limiter>) -> Portal {
        self.concurrency = limiter.config().concurrency.max(1);
        self.limiter = limiter;
        self
    }

    /// The same client taking its priorities from `hints`.
    pub fn with_hints(mut self, hints: PriorityHints) -> Portal {
        self.hints = hints;
        self
    }

    /// The limiter every call goes through (rate, retries, throttles).
    pub fn limiter(&self) -> &Arc<Limiter> {
        &self.limiter
    }

    /// The hints [`Portal::stream_catalog`] consults.
    pub fn hints(&self) -> &PriorityHints {
        &self.hints
    }

    /// One page of ListAccounts (`max_result` 100). Returns the accounts and
    /// the next page's token (`None` at the last page; an empty token counts
    /// as none).
    pub async fn list_accounts_page(
        &self,
        next_token: Option<String>,
    ) -> Result<(Vec<Account>, Option<String>), PortalError> {
        let out = self
            .limiter
            .run(PortalError::failure, || async {
                self.client
                    .list_accounts()
                    .access_token(&self.access_token)
                    .max_results(MAX_PAGE_SIZE)
                    .set_next_token(next_token.clone())
                    .send()
                    .await
                    .map_err(|e| PortalError::from_sdk("ListAccounts", &self.url, &e))
            })
            .await?;
        let accounts = out
            .account_list()
            .iter()
            .filter_map(|a| {
                Some(Account {
                    id: a.account_id()?.to_string(),
                    name: a.account_name().unwrap_or_default().to_string(),
                    email: a.email_address().unwrap_or_default().to_string(),
                })
            })
            .collect();
        Ok((accounts, non_empty(out.next_token())))
    }

    /// Every role of `account_id` (all pages of ListAccountRoles, `max_result`
    /// 100), each page through the limiter, each role once in the order
    /// first seen.
    ///
    /// Errors: the call's own, after the limiter's retries; a `nextToken`
    /// seen before in this listing, or more pages than
    /// [`ListingLimits::role_pages`] (the message names the call and the
    /// account).
    pub async fn list_roles(&self, account_id: &str) -> Result<Vec<String>, PortalError> {
        let mut roles = Vec::new();
        let mut known = HashSet::new();
        let mut pages = Pages::new(
            format!("ListAccountRoles of account {account_id}"),
            self.limits.role_pages,
        );
        let mut next_token: Option<String> = None;
        loop {
            let out = self
                .limiter
                .run(PortalError::failure, || async {
                    self.client
                        .list_account_roles()
                        .access_token(&self.access_token)
                        .account_id(account_id)
                        .max_results(MAX_PAGE_SIZE)
                        .set_next_token(next_token.clone())
                        .send()
                        .await
                        .map_err(|e| PortalError::from_sdk("ListAccountRoles", &self.url, &e))
                })
                .await?;
            for role in out.role_list().iter().filter_map(|r| r.role_name()) {
                if known.insert(role.to_string()) {
                    roles.push(role.to_string());
                }
            }
            match pages.next(non_empty(out.next_token()))? {
                Some(t) => next_token = Some(t),
                None => break,
            }
        }
        Ok(roles)
    }

    /// Lists every account and every role, sending events to `tx` as they
    /// arrive: each ListAccounts page, then each account's roles (or its
    /// failure, after the limiter's retries) while later pages are still
    /// loading; `Complete` at the end, or `Fatal` when ListAccounts itself
    /// fails or the listing passes a [`ListingLimits`] bound (nothing after
    /// it then). `concurrency` workers take accounts from one queue, hinted
    /// accounts ([`Portal::hints`]) first; an account listed twice is
    /// fetched once. Stops early when `tx` is closed.
    pub async fn stream_catalog(&self, tx: mpsc::UnboundedSender<CatalogEvent>) {
        let queue = Arc::new(Mutex::new(Queue::default()));
        // Roles received so far (all accounts), and whether a bound stopped
        // the listing.
        let role_count = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicBool::new(false));
        // One permit per queued account, plus one per worker once
        // ListAccounts is done (a worker that finds the queue empty then stops).
        let ready = Arc::new(Semaphore::new(0));
        let mut workers = JoinSet::new();
        for _ in 0..self.concurrency {
            let portal = self.clone();
            let queue = queue.clone();
            let ready = ready.clone();
            let tx = tx.clone();
            let role_count = role_count.clone();
            let stopped = stopped.clone();
            workers.spawn(async move {
                loop {
                    let Ok(permit) = ready.acquire().await else {
                        return;
                    };
                    permit.forget();
                    let next = {
                        let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
                        portal.hints.pick(&mut q)
                    };
                    let Some(account_id) = next else { return };
                    let event = match portal.list_roles(&account_id).await {
                        Ok(roles) => {
                            let total = role_count.fetch_add(roles.len(), Ordering::SeqCst)
                                + roles.len();
                            if total > portal.limits.roles {
                                if !stopped.swap(true, Ordering::SeqCst) {
                                    let _ = tx.send(CatalogEvent::Fatal {
                                        unauthorized: false,
                                        message: format!(
                                            "ListAccountRoles: more than {} roles in all (the limit; no real organisation has that many); the listing stopped there",
                                            portal.limits.roles
                                        ),
                                    });
                                }
                                return;
                            }
                            CatalogEvent::Roles { account_id, roles }
                        }
                        Err(e) => CatalogEvent::RolesFailed {
                            account_id,
                            error: e.message,
                        },
                    };
                    if stopped.load(Ordering::SeqCst) || tx.send(event).is_err() {
                        return;
                    }
                }
            });
        }
        let fatal = |e: PortalError| CatalogEvent::Fatal {
            unauthorized: e.kind == PortalErrorKind::Unauthorized,
            message: e.message,
        };
        let mut next_token = None;
        let mut pages = Pages::new("ListAccounts".to_string(), self.limits.account_pages);
        // Every account id listed so far: one listed again is not fetched
        // again.
        let mut listed: HashSet<String> = HashSet::new();
        loop {
            let (accounts, next) = match self.list_accounts_page(next_token.take()).await {
                Ok(page) => page,
                Err(e) => {
                    workers.abort_all();
                    let _ = tx.send(fatal(e));
                    return;
                }
            };
            let accounts: Vec<Account> = accounts
                .into_iter()
                .filter(|a| listed.insert(a.id.clone()))
                .collect();
            if listed.len() > self.limits.accounts {
                workers.abort_all();
                let _ = tx.send(fatal(pages.stopped(format!(
                    "more than {} accounts (the limit; no real organisation has that many)",
                    self.limits.accounts
                ))));
                return;
            }
            let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
            if !accounts.is_empty() && tx.send(CatalogEvent::Accounts(accounts)).is_err() {
                workers.abort_all();
                return;
            }
            let added = {
                let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
                let mut added = 0;
                for id in ids {
                    if q.queued.insert(id.clone()) {
                        q.order.push_back(id);
                        added += 1;
                    }
                }
                added
            };
            ready.add_permits(added);
            if stopped.load(Ordering::SeqCst) {
                workers.abort_all();
                return;
            }
            match pages.next(next) {
                Ok(Some(t)) => next_token = Some(t),
                Ok(None) => break,
                Err(e) => {
                    workers.abort_all();
                    let _ = tx.send(fatal(e));
                    return;
                }
            }
        }
        let _ = tx.send(CatalogEvent::AccountsComplete {
            total: listed.len(),
        });
        ready.add_permits(self.concurrency);
        while workers.join_next().await.is_some() {}
        if !stopped.load(Ordering::SeqCst) {
            let _ = tx.send(CatalogEvent::Complete);
        }
    }
}

fn non_empty(token: Option<&str>) -> Option<String> {
    token.filter(|t| !t.is_empty()).map(str::to_string)
}

impl Portal {
    /// Portal Logout: ends the access token's session on the service side.
    pub async fn logout(&self) -> Result<(), PortalError> {
        self.limiter
            .run(PortalError::failure, || async {
                self.client
                    .logout()
                    .access_token(&self.access_token)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| PortalError::from_sdk("Logout", &self.url, &e))
            })
            .await
    }
}

impl Portal {
    /// GetRoleCredentials: temporary credentials of `role` in `account_id`
    /// for this access token, through the limiter (throttles retried).
    ///
    /// Errors: the portal's error (`Unauthorized` for a rejected token,
    /// `ForbiddenException` for a role not assigned). A malformed success
    /// answer is described without its body, which carries secrets.
    pub async fn role_credentials(
        &self,
        account_id: &str,
        role: &str,
    ) -> Result<aws_sdk_sso::types::RoleCredentials, PortalError> {
        const CALL: &str = "GetRoleCredentials";
        self.limiter
            .run(PortalError::failure, || async {
                let out = self
                    .client
                    .get_role_credentials()
                    .access_token(&self.access_token)
                    .account_id(account_id)
                    .role_name(role)
                    .send()
                    .await
                    .map_err(|e| {
                        let mut error = PortalError::from_sdk(CALL, &self.url, &e);
                        if e.raw_response().is_some_and(|r| r.status().is_success()) {
                            error.message = format!("{CALL}: {}", failure_line(&e, false));
                        }
                        error
                    })?;
                out.role_credentials.ok_or_else(|| PortalError {
                    kind: PortalErrorKind::Other,
                    code: None,
                    message: format!("{CALL}: the answer has no roleCredentials"),
                })
            })
            .await
    }
}
