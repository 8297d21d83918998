//! The picker's [`Services`]: listings through the session's limiter (stored
//! in the catalog cache), logins, session operations and the favourites file.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::app::{
    LoginUpdate, ServiceError, SessionOp, SessionOpResult, SessionSummary, SwitchResult,
};
use crate::aws::config::{AwsFile, FileKind};
use crate::aws::limiter::{Limiter, LimiterConfig};
use crate::aws::login::{self, Browser, Flow, LoginOptions, LoginStep, Oidc};
use crate::aws::portal::PriorityHints;
use crate::aws::sso_session::{load_session, SsoSession};
use crate::aws::token_cache::{format_timestamp, CachedToken};
use crate::cache::{self, CachedCatalog, Plan};
use crate::catalog::CatalogEvent;
use crate::env::Environment;
use crate::event_loop::Services;
use crate::favourites::{self, Favourite};
use crate::listing::{record_listing, start_listing_with};
use crate::token::{self, token_for, Policy};

/// The picker's link to the portal and to the favourites file.
pub struct PickServices {
    env: Environment,
    /// The listed session; `None` until one is chosen in the Sessions view.
    session: Option<SsoSession>,
    /// The access token listings use; replaced by a successful login.
    token: Arc<Mutex<Option<CachedToken>>>,
    /// The one limiter of every portal call of this session.
    limiter: Arc<Limiter>,
    /// Accounts to fetch first (fed from the picker's selection and query).
    hints: PriorityHints,
    favourites_path: PathBuf,
    browser: Browser,
    /// Events of a listing already made (by `--select-1`), replayed by the
    /// first [`Services::list`] instead of listing again.
    prefetched: Option<Vec<CatalogEvent>>,
    /// Where complete listings are stored, and the catalog last stored.
    cache: Option<(PathBuf, Arc<Mutex<Option<CachedCatalog>>>)>,
    /// Whether the catalog last stored is still only in its file (the
    /// picker's rows were made of the copy read at start): it is read again
    /// when a listing first needs it, not before the first frame.
    stored_on_disk: bool,
    /// Whether the portal may be called, and whether the first listing is
    /// skipped (a fresh cache is shown until Ctrl-r).
    plan: Plan,
}

impl PickServices {
    /// `[sso-session name]` from the config file as it is now.
    fn find_session(&self, name: &str) -> Result<SsoSession, ServiceError> {
        let config = AwsFile::load(&self.env.paths.config, FileKind::Config)
            .map_err(|e| ServiceError::Config(e.to_string()))?;
        load_session(&config, name).map_err(|e| ServiceError::Config(e.to_string()))
    }

    /// Services for `session`; `token` is `None` when a login must come first.
    pub fn new(
        env: &Environment,
        session: &SsoSession,
        token: Option<&CachedToken>,
        concurrency: usize,
    ) -> Self {
        PickServices {
            session: Some(session.clone()),
            token: Arc::new(Mutex::new(token.cloned())),
            ..PickServices::unchosen(env, concurrency)
        }
    }

    /// Services with no session listed yet (several sessions and none
    /// chosen): nothing is listed until [`Services::switch_session`] names one.
    pub fn unchosen(env: &Environment, concurrency: usize) -> Self {
        PickServices {
            env: env.clone(),
            session: None,
            token: Arc::new(Mutex::new(None)),
            limiter: Limiter::new(LimiterConfig::with_concurrency(concurrency)),
            hints: PriorityHints::default(),
            favourites_path: favourites::favourites_path(&env.dirs.data_dir),
            browser: Browser::from_env(),
            prefetched: None,
            cache: None,
            stored_on_disk: false,
            plan: Plan::Refresh,
        }
    }

    /// Whether `name` is the listed session.
    fn is_listed(&self, name: &str) -> bool {
        self.session.as_ref().is_some_and(|s| s.name == name)
    }

    /// Makes the first listing replay `events` (a complete listing pass).
    pub fn with_prefetched(mut self, events: Vec<CatalogEvent>) -> Self {
        self.prefetched = Some(events);
        self
    }

    /// Stores every complete listing at `path` (see [`crate::cache`]):
    /// `found` says whether `path` held a catalog (the one the picker's rows
    /// were made of), read again from `path` when a listing first needs it.
    /// `plan` says whether the first listing is skipped ([`Plan::UseCache`])
    /// or every one refused ([`Plan::Offline`]).
    pub fn with_cache_file(mut self, path: PathBuf, found: bool, plan: Plan) -> Self {
        self.cache = Some((path, Arc::new(Mutex::new(None))));
        self.stored_on_disk = found;
        self.plan = plan;
        self
    }

    /// Where listings are stored and the catalog stored last, read from its
    /// file first if only the file holds it.
    fn stored(&mut self, session: &str) -> Option<(PathBuf, Arc<Mutex<Option<CachedCatalog>>>)> {
        let (path, stored) = self.cache.clone()?;
        if std::mem::take(&mut self.stored_on_disk) {
            if let cache::Loaded::Found(c) = cache::load(&path, session) {
                *stored.lock().unwrap_or_else(|e| e.into_inner()) = Some(c);
            }
        }
        Some((path, stored))
    }

    /// Sends every portal call through `limiter` (tests use small delays).
    pub fn with_limiter(mut self, limiter: Arc<Limiter>) -> Self {
        self.limiter = limiter;
        self
    }

    /// The session's limiter: rate, retries and throttles for the status bar.
    pub fn limiter(&self) -> &Arc<Limiter> {
        &self.limiter
    }

    /// The priority hints listings consult; feed them with
    /// [`App::priority_hints`](crate::app::App::priority_hints).
    pub fn hints(&self) -> &PriorityHints {
        &self.hints
    }

    /// Uses `browser` to open login URLs (tests point `$BROWSER` at a fetcher).
    pub fn with_browser(mut self, browser: Browser) -> Self {
        self.browser = browser;
        self
    }
}

impl Services for PickServices {
    fn prioritize(&mut self, selected: Option<String>, matching: Vec<String>) {
        self.hints.set(selected, matching);
    }

    fn listing_stats(&self) -> Option<crate::aws::limiter::LimiterStats> {
        Some(self.limiter.stats())
    }

    fn list(&mut self) -> mpsc::UnboundedReceiver<CatalogEvent> {
        let Some(session) = self.session.clone() else {
            // No session chosen yet: nothing to list (the channel ends at once).
            return mpsc::unbounded_channel().1;
        };
        if let Some(events) = self.prefetched.take() {
            // The pass `--select-1` already made: replayed (and stored), not listed again.
            self.plan = Plan::Refresh;
            let (tx, rx) = mpsc::unbounded_channel();
            for event in events {
                let _ = tx.send(event);
            }
            drop(tx);
            return match self.stored(&session.name) {
                Some((path, stored)) => record_listing(rx, path, &session.name, stored),
                None => rx,
            };
        }
        match self.plan {
            Plan::Offline => {
                let has_cache = self.stored_on_disk
                    || self.cache.as_ref().is_some_and(|(_, c)| {
                        c.lock().unwrap_or_else(|e| e.into_inner()).is_some()
                    });
                let message = if has_cache {
                    "--offline: the portal is not contacted".to_string()
                } else {
                    format!(
                        "--offline: no cached catalog for sso-session {} (run once without --offline)",
                        session.name
                    )
                };
                let (tx, rx) = mpsc::unbounded_channel();
                let _ = tx.send(CatalogEvent::Fatal {
                    message,
                    unauthorized: false,
                });
                return rx;
            }
            Plan::UseCache => {
                // The fresh cache is on screen; Ctrl-r lists.
                self.plan = Plan::Refresh;
                return mpsc::unbounded_channel().1;
            }
            Plan::Refresh => {}
        }
        let token = self.token.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match token {
            Some(token) => {
                let rx =
                    start_listing_with(&self.env, &session, &token, &self.limiter, &self.hints);
                match self.stored(&session.name) {
                    Some((path, stored)) => record_listing(rx, path, &session.name, stored),
                    None => rx,
                }
            }
            None => {
                let (tx, rx) = mpsc::unbounded_channel();
                let _ = tx.send(CatalogEvent::Fatal {
                    message: format!("sso-session {} is not logged in", session.name),
                    unauthorized: true,
                });
                rx
            }
        }
    }

    fn login(&mut self, name: &str) -> mpsc::UnboundedReceiver<LoginUpdate> {
        let (tx, rx) = mpsc::unbounded_channel();
        let session = match self.find_session(name) {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(LoginUpdate::Failed(e));
                return rx;
            }
        };
        let flow = match self.browser.usable() {
            Ok(()) => Flow::Pkce,
            Err(_) => Flow::DeviceCode,
        };
        let options = LoginOptions {
            flow,
            open_browser: true,
            redirect_port: None,
            pkce_timeout: login::PKCE_TIMEOUT,
            browser: self.browser.clone(),
        };
        let oidc = Oidc::new(&session.region, self.env.oidc_endpoint.as_deref());
        let cache = self.env.paths.sso_cache.clone();
        // Only the listed session's token feeds the listings.
        let slot = self.is_listed(&session.name).then(|| self.token.clone());
        tokio::spawn(async move {
            let steps = tx.clone();
            let report = move |step: LoginStep| {
                let _ = steps.send(LoginUpdate::Step(step));
            };
            match login::login(&cache, &session, &oidc, &options, &report).await {
                Ok(token) => {
                    if let Some(slot) = slot {
                        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(token);
                    }
                    let _ = tx.send(LoginUpdate::Succeeded);
                }
                Err(e) => {
                    let _ = tx.send(LoginUpdate::Failed(ServiceError::Login(e.to_string())));
                }
            }
        });
        rx
    }

    fn sessions(&mut self) -> Vec<SessionSummary> {
        session_summaries(&self.env, OffsetDateTime::now_utc())
    }

    fn session_op(
        &mut self,
        op: SessionOp,
        name: &str,
    ) -> mpsc::UnboundedReceiver<SessionOpResult> {
        let (tx, rx) = mpsc::unbounded_channel();
        let session = match self.find_session(name) {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(e));
                return rx;
            }
        };
        let env = self.env.clone();
        let slot = self.is_listed(&session.name).then(|| self.token.clone());
        tokio::spawn(async move {
            let result = match op {
                SessionOp::Refresh => refresh_session(&env, &session).await,
                SessionOp::Logout => logout_session(&env, &session).await,
            };
            if let (Some(slot), Ok(token)) = (slot, &result) {
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = token.1.clone();
            }
            let _ = tx.send(result.map(|(message, _)| message));
        });
        rx
    }

    fn switch_session(&mut self, name: &str) -> SwitchResult {
        let session = self.find_session(name)?;
        let (usable, expires_at) =
            match token::stored(&self.env, &session, OffsetDateTime::now_utc()) {
                Ok(token) => {
                    let expires_at = token.expires_at;
                    (Some(token), Some(expires_at))
                }
                Err(needs) => (None, needs.expired_at()),
            };
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = usable;
        let region = session.region.clone();
        // Its listings are stored in its own cache file, and listed (a
        // fresh cache of the first session is no reason to skip this one's).
        let path = cache::catalog_path(&self.env.dirs, &session.name);
        let previous = match cache::load(&path, &session.name) {
            cache::Loaded::Found(c) => Some(c),
            _ => None,
        };
        self.cache = Some((path, Arc::new(Mutex::new(previous))));
        self.stored_on_disk = false;
        if self.plan == Plan::UseCache {
            self.plan = Plan::Refresh;
        }
        self.prefetched = None;
        self.session = Some(session);
        Ok((region, expires_at))
    }

    fn save_favourites(&mut self, favourites: &BTreeSet<Favourite>) -> Result<(), ServiceError> {
        favourites::save(&self.favourites_path, favourites).map_err(|e| ServiceError::File {
            path: self.favourites_path.clone(),
            message: e.to_string(),
        })
    }
}

/// Refreshes `session`'s token now (Sessions view `r`): the message, and the new token.
async fn refresh_session(
    env: &Environment,
    session: &SsoSession,
) -> Result<(String, Option<CachedToken>), ServiceError> {
    let fresh = token_for(env, session, Policy::Refreshed, OffsetDateTime::now_utc())
        .await
        .map_err(|e| ServiceError::Token(e.reason.to_string()))?;
    Ok((
        format!(
            "refreshed {}: valid until {}",
            session.name,
            format_timestamp(fresh.expires_at)
        ),
        Some(fresh),
    ))
}

/// Logs out of `session` (Sessions view `o`).
async fn logout_session(
    env: &Environment,
    session: &SsoSession,
) -> Result<(String, Option<CachedToken>), ServiceError> {
    let config = AwsFile::load(&env.paths.config, FileKind::Config)
        .map_err(|e| ServiceError::Config(e.to_string()))?;
    let removed = crate::aws::logout::logout_session(
        &env.paths,
        env.portal_endpoint.as_deref(),
        &config,
        &session.name,
        &session.region,
    )
    .await
    .map_err(|e| ServiceError::Aws {
        session: session.name.clone(),
        message: e.to_string(),
    })?;
    Ok((
        format!(
            "logged out of {} ({} token, {} cached credential files removed)",
            session.name,
            removed.tokens.len(),
            removed.role_credentials.len()
        ),
        None,
    ))
}

/// The Sessions view's rows: every sso-session and legacy start URL with
/// its token's state ([`crate::sessions::discover`]); none without a
/// readable config.
pub fn session_summaries(env: &Environment, now: OffsetDateTime) -> Vec<SessionSummary> {
    let Ok(config) = AwsFile::load(&env.paths.config, FileKind::Config) else {
        return Vec::new();
    };
    crate::sessions::discover(&env.paths, &config, now)
        .sessions
        .iter()
        .map(SessionSummary::from_status)
        .collect()
}
