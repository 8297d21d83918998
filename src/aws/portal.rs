//! The AWS access portal API (service `SSO`): ListAccounts and
//! ListAccountRoles through the real `aws-sdk-sso` client, all pages, with
//! bounded concurrency, streamed as [`CatalogEvent`]s.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sso::config::{BehaviorVersion, Region};
use aws_sdk_sso::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use crate::catalog::{Account, CatalogEvent};

/// The largest page the portal accepts (`max_result` is 1..=100).
pub const MAX_PAGE_SIZE: i32 = 100;

/// How many ListAccountRoles calls run at once by default.
pub const DEFAULT_CONCURRENCY: usize = 8;

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
    /// 429 `TooManyRequestsException`: throttled (never an authentication problem).
    Throttled,
    /// Anything else: other service errors, timeouts, connection failures.
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
    fn from_sdk<E, R>(operation: &str, err: &SdkError<E, R>) -> PortalError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let code = err.code().map(str::to_string);
        let kind = match code.as_deref() {
            Some("UnauthorizedException") => PortalErrorKind::Unauthorized,
            Some("TooManyRequestsException") => PortalErrorKind::Throttled,
            _ => PortalErrorKind::Other,
        };
        let message = match (kind, code.as_deref(), err.message()) {
            (PortalErrorKind::Unauthorized, _, _) => format!(
                "{operation}: the access token was rejected (UnauthorizedException): it is invalid or expired"
            ),
            (_, Some(code), Some(msg)) => format!("{operation}: {code}: {msg}"),
            (_, Some(code), None) => format!("{operation}: {code}"),
            _ => format!("{operation}: {}", DisplayErrorContext(err)),
        };
        PortalError {
            kind,
            code,
            message,
        }
    }
}

/// A portal client for one access token.
#[derive(Clone)]
pub struct Portal {
    client: aws_sdk_sso::Client,
    access_token: String,
    concurrency: usize,
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
            .field("access_token", &"<redacted>")
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

impl Portal {
    /// A client for the portal of `region` (the session's `sso_region`), or
    /// for `endpoint` when given (e.g. `http://127.0.0.1:PORT`), sending
    /// `access_token` as `x-amz-sso_bearer_token`; at most `concurrency`
    /// (at least 1) ListAccountRoles calls at once.
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
            );
        if let Some(endpoint) = endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Portal {
            client: aws_sdk_sso::Client::from_conf(builder.build()),
            access_token: access_token.to_string(),
            concurrency: concurrency.max(1),
        }
    }

    /// One page of ListAccounts (`max_result` 100). Returns the accounts and
    /// the next page's token (`None` at the last page; an empty token counts
    /// as none).
    pub async fn list_accounts_page(
        &self,
        next_token: Option<String>,
    ) -> Result<(Vec<Account>, Option<String>), PortalError> {
        let out = self
            .client
            .list_accounts()
            .access_token(&self.access_token)
            .max_results(MAX_PAGE_SIZE)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| PortalError::from_sdk("ListAccounts", &e))?;
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

    /// Every role of `account_id` (all pages of ListAccountRoles, `max_result` 100).
    pub async fn list_roles(&self, account_id: &str) -> Result<Vec<String>, PortalError> {
        let mut roles = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_account_roles()
                .access_token(&self.access_token)
                .account_id(account_id)
                .max_results(MAX_PAGE_SIZE)
                .set_next_token(next_token.take())
                .send()
                .await
                .map_err(|e| PortalError::from_sdk("ListAccountRoles", &e))?;
            roles.extend(
                out.role_list()
                    .iter()
                    .filter_map(|r| r.role_name().map(str::to_string)),
            );
            match non_empty(out.next_token()) {
                Some(t) if next_token.as_deref() != Some(t.as_str()) => next_token = Some(t),
                _ => break,
            }
        }
        Ok(roles)
    }

    /// Lists every account and every role, sending events to `tx` as they
    /// arrive: each ListAccounts page, then each account's roles (or its
    /// failure) while later pages are still loading; `Complete` at the end, or
    /// `Fatal` when ListAccounts itself fails. Stops early when `tx` is closed.
    pub async fn stream_catalog(&self, tx: mpsc::UnboundedSender<CatalogEvent>) {
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut tasks = JoinSet::new();
        let mut next_token = None;
        let mut total = 0usize;
        loop {
            let (accounts, next) = match self.list_accounts_page(next_token.take()).await {
                Ok(page) => page,
                Err(e) => {
                    let _ = tx.send(CatalogEvent::Fatal {
                        unauthorized: e.kind == PortalErrorKind::Unauthorized,
                        message: e.message,
                    });
                    tasks.abort_all();
                    return;
                }
            };
            total += accounts.len();
            let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
            if tx.send(CatalogEvent::Accounts(accounts)).is_err() {
                return;
            }
            for account_id in ids {
                let portal = self.clone();
                let permits = permits.clone();
                let tx = tx.clone();
                tasks.spawn(async move {
                    let Ok(_permit) = permits.acquire_owned().await else {
                        return;
                    };
                    let event = match portal.list_roles(&account_id).await {
                        Ok(roles) => CatalogEvent::Roles { account_id, roles },
                        Err(e) => CatalogEvent::RolesFailed {
                            account_id,
                            error: e.message,
                        },
                    };
                    let _ = tx.send(event);
                });
            }
            match next {
                Some(t) => next_token = Some(t),
                None => break,
            }
        }
        let _ = tx.send(CatalogEvent::AccountsComplete { total });
        while tasks.join_next().await.is_some() {}
        let _ = tx.send(CatalogEvent::Complete);
    }
}

fn non_empty(token: Option<&str>) -> Option<String> {
    token.filter(|t| !t.is_empty()).map(str::to_string)
}

impl Portal {
    /// Portal Logout: ends the access token's session on the service side.
    pub async fn logout(&self) -> Result<(), PortalError> {
        self.client
            .logout()
            .access_token(&self.access_token)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| PortalError::from_sdk("Logout", &e))
    }
}
