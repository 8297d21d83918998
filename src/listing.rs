//! Listing the portal: a background listing pass as a channel of
//! [`CatalogEvent`]s (through one [`Limiter`] per session, with priority
//! hints), the same pass folded into a [`Catalog`] for commands without a
//! terminal, storing complete passes in the catalog cache, and matching a
//! query against the listed rows with the picker's [`Searcher`].

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::aws::limiter::{Limiter, LimiterConfig};
use crate::aws::portal::{Portal, PriorityHints};
use crate::aws::sso_session::SsoSession;
use crate::aws::token_cache::CachedToken;
use crate::cache::{self, CachedCatalog, Plan, Recorder};
use crate::catalog::{Catalog, CatalogEvent, Row};
use crate::env::Environment;
use crate::search::{Resolution, Searcher};

/// Starts listing the portal in the background with `concurrency`
/// ListAccountRoles calls at once; events arrive on the returned channel.
pub fn start_listing(
    env: &Environment,
    session: &SsoSession,
    token: &CachedToken,
    concurrency: usize,
) -> mpsc::UnboundedReceiver<CatalogEvent> {
    let limiter = Limiter::new(LimiterConfig::with_concurrency(concurrency));
    start_listing_with(env, session, token, &limiter, &PriorityHints::default())
}

/// Like [`start_listing`], with every call through `limiter` (one per
/// session, kept across passes) and the accounts in `hints` fetched first.
pub fn start_listing_with(
    env: &Environment,
    session: &SsoSession,
    token: &CachedToken,
    limiter: &Arc<Limiter>,
    hints: &PriorityHints,
) -> mpsc::UnboundedReceiver<CatalogEvent> {
    let portal = Portal::new(
        &session.region,
        env.portal_endpoint.as_deref(),
        &token.access_token,
        limiter.config().concurrency,
    )
    .with_limiter(limiter.clone())
    .with_hints(hints.clone());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move { portal.stream_catalog(tx).await });
    rx
}

/// Lists the whole catalog without a terminal: every event of one listing
/// pass, in order, and the catalog folded from them. `progress` sees the
/// catalog after each event but the last (`Complete` or `Fatal`).
pub async fn list_catalog(
    env: &Environment,
    session: &SsoSession,
    token: &CachedToken,
    concurrency: usize,
    mut progress: impl FnMut(&Catalog),
) -> (Vec<CatalogEvent>, Catalog) {
    let mut rx = start_listing(env, session, token, concurrency);
    let mut events = Vec::new();
    let mut catalog = Catalog::default();
    while let Some(event) = rx.recv().await {
        let last = matches!(event, CatalogEvent::Complete | CatalogEvent::Fatal { .. });
        catalog.apply(event.clone());
        events.push(event);
        if last {
            break;
        }
        progress(&catalog);
    }
    (events, catalog)
}

/// A listing's progress line on stderr, only for a person watching a
/// terminal: redrawn at most every 100 ms ([`crate::progress::progress_line`]),
/// erased when dropped.
pub struct StderrProgress {
    show: bool,
    shown_at: Instant,
}

impl StderrProgress {
    /// Shows progress when stderr is a terminal.
    pub fn new() -> StderrProgress {
        StderrProgress {
            show: std::io::stderr().is_terminal(),
            shown_at: Instant::now(),
        }
    }

    /// Redraws the line for `catalog` when 100 ms passed since the last one.
    pub fn show(&mut self, catalog: &Catalog) {
        if self.show && self.shown_at.elapsed() >= Duration::from_millis(100) {
            self.shown_at = Instant::now();
            let line = crate::progress::progress_line(
                catalog.progress(),
                catalog.rows().len(),
                catalog.account_count(),
                None,
                None,
            );
            crate::output::progress(Some(&line));
        }
    }
}

impl Default for StderrProgress {
    fn default() -> Self {
        StderrProgress::new()
    }
}

impl Drop for StderrProgress {
    fn drop(&mut self) {
        if self.show {
            crate::output::progress(None);
        }
    }
}

/// Passes `rx` on, storing the pass in the cache at `path` when it
/// completes (before `Complete` is passed on); `stored` holds the catalog
/// last stored.
pub fn record_listing(
    mut rx: mpsc::UnboundedReceiver<CatalogEvent>,
    path: PathBuf,
    session: &str,
    stored: Arc<Mutex<Option<CachedCatalog>>>,
) -> mpsc::UnboundedReceiver<CatalogEvent> {
    let previous = stored.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut recorder = Recorder::new(path, session, previous.as_ref());
    let (tx, out) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if let Some(Ok(cached)) = recorder.record(&event) {
                *stored.lock().unwrap_or_else(|e| e.into_inner()) = Some(cached);
            }
            if tx.send(event).is_err() {
                return;
            }
        }
    });
    out
}

/// The cached catalog of `session`, the plan for the network (`refresh`:
/// `--refresh`, `offline`: `--offline`), and a note when a cache file was
/// ignored.
pub fn load_cache(
    env: &Environment,
    session: &SsoSession,
    refresh: bool,
    offline: bool,
) -> (Option<CachedCatalog>, Plan, Option<String>) {
    let path = cache::catalog_path(&env.dirs, &session.name);
    let (cached, note) = match cache::load(&path, &session.name) {
        cache::Loaded::Found(c) => (Some(c), None),
        cache::Loaded::Missing => (None, None),
        cache::Loaded::Unusable(why) => (
            None,
            Some(format!("cached catalog ignored and rebuilt: {why}")),
        ),
    };
    let plan = Plan::decide(
        cached.as_ref(),
        OffsetDateTime::now_utc(),
        cache::DEFAULT_TTL,
        refresh,
        offline,
    );
    (cached, plan, note)
}

/// The rows `query` matches, as indices into `rows`, best first: the
/// picker's ranking ([`Searcher::rank_named`], with `name` giving each
/// row's profile name), the one rule every command matches a query with.
pub fn matches(query: &str, rows: &[Row], name: &dyn Fn(&Row) -> String) -> Vec<usize> {
    Searcher::default().rank_named(query, rows, name)
}

/// The one row `query` selects for `--select-1`: the strict resolution of
/// scripts ([`Searcher::resolve`]; `name` gives each row's profile name).
pub fn single_match<'a>(
    query: &str,
    rows: &'a [Row],
    name: &dyn Fn(&Row) -> String,
) -> Option<&'a Row> {
    match Searcher::default().resolve(query, rows, name) {
        Resolution::One(i) => Some(&rows[i]),
        _ => None,
    }
}
