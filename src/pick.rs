//! The main job: choose the sso-session, load its token, list the portal
//! into the picker, and on Enter write the native profile and say how to
//! activate it.

use std::path::Path;

use anyhow::Context as _;
use crossterm::event::EventStream;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use std::sync::{Arc, Mutex};

use crate::app::{
    App, ExistingProfile, LoginUpdate, Outcome, ProfileNote, SessionOp, SessionOpResult,
    SessionSummary,
};
use crate::aws::config::{AwsFile, FileKind, SectionName};
use crate::aws::config_edit::upsert_section;
use crate::aws::config_write::ConfigWriter;
use crate::aws::limiter::{Limiter, LimiterConfig};
use crate::aws::login::{self, Browser, Flow, LoginError, LoginOptions, LoginStep, Oidc};
use crate::aws::paths::AwsPaths;
use crate::aws::portal::{self, Portal, PriorityHints};
use crate::aws::sso_session::{choose_session, load_session, SsoSession};
use crate::aws::token_cache::{format_timestamp, read_token, token_path, CachedToken, TokenError};
use crate::cache::{self, CachedCatalog, Plan, Recorder};
use crate::catalog::{Catalog, CatalogEvent, ProfileTemplate, Row};
use crate::dirs::AppDirs;
use crate::event_loop;
use crate::event_loop::Services;
use crate::favourites::{self, Favourite};
use crate::search::Searcher;
use crate::shell::{render, Choice, Emit};
use crate::terminal::TerminalGuard;

/// Where the program looks for things: the AWS files, the profile named by
/// `AWS_PROFILE`, and the portal endpoint override.
#[derive(Debug, Clone)]
pub struct Environment {
    pub paths: AwsPaths,
    /// The program's own directories (favourites, backups, caches).
    pub dirs: AppDirs,
    /// `AWS_PROFILE`: its `sso_session` is the default session.
    pub aws_profile: Option<String>,
    /// Portal endpoint (`AWS_ENDPOINT_URL_SSO`, then `AWS_ENDPOINT_URL`);
    /// `None` is the regional AWS endpoint.
    pub portal_endpoint: Option<String>,
    /// OIDC endpoint (`AWS_ENDPOINT_URL_SSO_OIDC`, then `AWS_ENDPOINT_URL`).
    pub oidc_endpoint: Option<String>,
}

impl Environment {
    /// The environment of this process.
    pub fn from_process() -> anyhow::Result<Environment> {
        let paths = AwsPaths::from_env().context("cannot find the home directory (set HOME)")?;
        let dirs = AppDirs::from_env().context("cannot find the home directory (set HOME)")?;
        Ok(Environment {
            paths,
            dirs,
            aws_profile: std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()),
            portal_endpoint: portal::endpoint_from_env(),
            oidc_endpoint: login::endpoint_from_env(),
        })
    }
}

/// What `pick` was asked for.
#[derive(Debug, Clone)]
pub struct PickRequest {
    /// `--sso-session NAME`.
    pub sso_session: Option<String>,
    /// The initial query.
    pub query: String,
    /// `--emit`.
    pub emit: Emit,
    /// How many ListAccountRoles calls run at once.
    pub concurrency: usize,
    /// `--region`: the region written and exported instead of the session's `sso_region`.
    pub region: Option<String>,
    /// `--no-write`: print the result without touching the config file.
    pub no_write: bool,
    /// `--select-1`: when exactly one row matches the query once the whole
    /// catalog is listed, choose it without drawing.
    pub select_1: bool,
    /// How the written profile is named (`profile_template` in settings.ini).
    pub template: ProfileTemplate,
    /// `--refresh`: list the portal even when the cached catalog is fresh.
    pub refresh: bool,
    /// `--offline`: never contact the portal; pick from the cached catalog.
    pub offline: bool,
}

/// How a run ended, for the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Exit 0; the text goes to stdout.
    Done(String),
    /// Exit 1, stdout empty.
    Cancelled,
    /// Exit 130, stdout empty.
    Interrupted,
    /// Exit 1, stdout empty, the message on stderr: a non-interactive
    /// command found nothing, or more than one row, for its query.
    NoChoice(String),
    /// The exit status of a command `exec` ran (its output was its own).
    Status(u8),
}

impl Exit {
    pub fn code(&self) -> u8 {
        match self {
            Exit::Done(_) => 0,
            Exit::Cancelled | Exit::NoChoice(_) => 1,
            Exit::Interrupted => 130,
            Exit::Status(code) => *code,
        }
    }
}

/// Loads the config, chooses the session and reads its token.
///
/// Errors name the file (and line) that failed; a missing, unreadable or
/// expired token tells the user how to log in.
pub fn prepare(
    env: &Environment,
    requested: Option<&str>,
    now: OffsetDateTime,
) -> anyhow::Result<(SsoSession, CachedToken)> {
    let config = AwsFile::load(&env.paths.config, FileKind::Config)?;
    let session = choose_session(&config, requested, env.aws_profile.as_deref())?;
    let token = load_valid_token(&env.paths.sso_cache, &session, now)?;
    Ok((session, token))
}

/// Reads the token of `session`; refuses a missing or expired one with a
/// message naming the session and the file.
pub fn load_valid_token(
    sso_cache: &Path,
    session: &SsoSession,
    now: OffsetDateTime,
) -> anyhow::Result<CachedToken> {
    let path = token_path(sso_cache, &session.name);
    let login = format!("uo-aws-tui login --sso-session {}", session.name);
    let token = match read_token(&path) {
        Ok(t) => t,
        Err(TokenError::NotFound { path }) => anyhow::bail!(
            "sso-session {} is not logged in: no token at {}\n  run: {login}",
            session.name,
            path.display()
        ),
        Err(e) => anyhow::bail!("sso-session {}: {e}\n  run: {login}", session.name),
    };
    if token.is_expired_at(now) {
        anyhow::bail!(
            "the access token of sso-session {} expired at {} ({})\n  run: {login}",
            session.name,
            format_timestamp(token.expires_at),
            path.display()
        );
    }
    Ok(token)
}

/// The session's token ready for listing: refreshed first when less than 15
/// minutes are left and it can be (an expired one is refreshed too); `Err`
/// with the reason when a login is needed (no file, unreadable, expired and
/// not refreshable, or the refresh token was rejected). A refresh that fails
/// otherwise keeps a still-valid token.
pub async fn usable_token(env: &Environment, session: &SsoSession) -> Result<CachedToken, String> {
    let path = token_path(&env.paths.sso_cache, &session.name);
    let token = match read_token(&path) {
        Ok(t) => t,
        Err(TokenError::NotFound { .. }) => {
            return Err(format!("sso-session {} is not logged in", session.name))
        }
        Err(e) => return Err(e.to_string()),
    };
    let now = OffsetDateTime::now_utc();
    if !login::needs_refresh(&token, now) {
        return Ok(token);
    }
    if let Err(why) = login::refreshable(&token, now) {
        return if token.is_expired_at(now) {
            Err(format!(
                "the access token of sso-session {} expired and cannot be refreshed ({why})",
                session.name
            ))
        } else {
            Ok(token)
        };
    }
    let oidc = Oidc::new(&session.region, env.oidc_endpoint.as_deref());
    match login::refresh(&env.paths.sso_cache, session, &token, &oidc).await {
        Ok(fresh) => Ok(fresh),
        Err(LoginError::SessionEnded) => Err(format!(
            "sso-session {}: the session ended, login required",
            session.name
        )),
        Err(e) if token.is_expired_at(now) => Err(format!("refreshing the token failed: {e}")),
        Err(_) => Ok(token),
    }
}

/// Starts listing the portal in the background; events arrive on the
/// returned channel.
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
/// pass, in order, and the catalog folded from them.
pub async fn list_catalog(
    env: &Environment,
    session: &SsoSession,
    token: &CachedToken,
    concurrency: usize,
) -> (Vec<CatalogEvent>, Catalog) {
    use std::io::{IsTerminal, Write};
    let mut rx = start_listing(env, session, token, concurrency);
    let mut events = Vec::new();
    let mut catalog = Catalog::default();
    // A progress line on stderr, only for a person watching a terminal.
    let mut stderr = std::io::stderr();
    let show = stderr.is_terminal();
    let mut shown_at = std::time::Instant::now();
    while let Some(event) = rx.recv().await {
        let last = matches!(event, CatalogEvent::Complete | CatalogEvent::Fatal { .. });
        catalog.apply(event.clone());
        events.push(event);
        if last {
            break;
        }
        if show && shown_at.elapsed() >= std::time::Duration::from_millis(100) {
            shown_at = std::time::Instant::now();
            let line =
                crate::progress::progress_line(catalog.progress(), catalog.rows().len(), None);
            let _ = write!(stderr, "\r\x1b[2K{line}");
        }
    }
    if show {
        let _ = write!(stderr, "\r\x1b[2K");
    }
    (events, catalog)
}

/// The picker's matches for `query` (its ranking, [`Searcher::rank_named`],
/// with `name` giving each row's profile name), as indices into `rows`,
/// best first.
pub fn matches(query: &str, rows: &[Row], name: &dyn Fn(&Row) -> String) -> Vec<usize> {
    Searcher::default().rank_named(query, rows, name)
}

/// The one row `query` selects for `--select-1`: the strict resolution of
/// scripts ([`Searcher::resolve`]).
pub fn single_match<'a>(
    query: &str,
    rows: &'a [Row],
    name: &dyn Fn(&Row) -> String,
) -> Option<&'a Row> {
    match Searcher::default().resolve(query, rows, name) {
        crate::search::Resolution::One(i) => Some(&rows[i]),
        _ => None,
    }
}

/// Writes (inserts or updates) the native profile of `row` into the config
/// file through [`ConfigWriter`] (locked, backed up under `dirs`) and
/// returns the choice. `rows` are all rows known, to refuse a
/// profile name that two rows map to.
///
/// New section keys in order: `sso_session`, `sso_account_id`,
/// `sso_role_name`, `region` (the session's `sso_region`). Only differing
/// keys of an existing section change; nothing else in the file does.
pub fn write_profile(
    paths: &AwsPaths,
    dirs: &AppDirs,
    session: &SsoSession,
    row: &Row,
    rows: &[Row],
) -> anyhow::Result<Choice> {
    let choice = choose(
        session,
        &session.region,
        row,
        rows,
        &ProfileTemplate::default(),
    )?;
    upsert_profile(paths, dirs, &choice)?;
    Ok(choice)
}

/// The choice for `row`: its profile name (made with `template`) and what
/// activates it, with `region` written and exported. `rows` are all rows
/// known: a profile name that two rows map to is refused, naming both.
pub fn choose(
    session: &SsoSession,
    region: &str,
    row: &Row,
    rows: &[Row],
    template: &ProfileTemplate,
) -> anyhow::Result<Choice> {
    let role = row
        .role()
        .context("this account's roles could not be listed")?;
    let name = template.name(&row.account, role, &session.name);
    if let Some(other) = rows.iter().find(|r| {
        r.role().is_some_and(|other_role| {
            template.name(&r.account, other_role, &session.name) == name
                && (r.account.id != row.account.id || other_role != role)
        })
    }) {
        anyhow::bail!(
            "profile name {name} is shared by role {role:?} and role {:?} of account {}; rename one of the permission sets or write the profile by hand",
            other.role().unwrap_or_default(),
            other.account.id
        );
    }
    Ok(Choice {
        profile: name,
        account_id: row.account.id.clone(),
        account_name: row.account.name.clone(),
        role_name: role.to_string(),
        region: region.to_string(),
        sso_session: session.name.clone(),
    })
}

/// The key that marks a profile section as written by uo-aws-tui: `populate
/// --prune` removes only sections that carry it. The AWS CLI, the SDKs and
/// terraform ignore keys they do not know.
pub const OWNER_KEY: &str = "uo_aws_tui_managed";

/// The value of [`OWNER_KEY`].
pub const OWNER_VALUE: &str = "true";

/// Whether a profile section carries the ownership marker.
pub fn is_ours(section: &crate::aws::config::Section) -> bool {
    section.get(OWNER_KEY) == Some(OWNER_VALUE)
}

/// The keys of the profile of `choice`, in the order a new section gets
/// them: `sso_session`, `sso_account_id`, `sso_role_name`, `region`, and
/// the ownership marker when `mark` (only for a section we create, so a
/// profile the user wrote never becomes ours).
pub fn profile_keys(choice: &Choice, mark: bool) -> Vec<(&'static str, &str)> {
    let mut keys = vec![
        ("sso_session", choice.sso_session.as_str()),
        ("sso_account_id", choice.account_id.as_str()),
        ("sso_role_name", choice.role_name.as_str()),
        ("region", choice.region.as_str()),
    ];
    if mark {
        keys.push((OWNER_KEY, OWNER_VALUE));
    }
    keys
}

/// Inserts or updates `[profile NAME]` of `choice` in the config file:
/// `sso_session`, `sso_account_id`, `sso_role_name`, `region` (in that order
/// for a new section, followed by the ownership marker [`OWNER_KEY`]); only
/// differing keys of an existing section change, and an existing section
/// never gets the marker.
pub fn upsert_profile(paths: &AwsPaths, dirs: &AppDirs, choice: &Choice) -> anyhow::Result<()> {
    ConfigWriter::new(&paths.config, dirs).apply(|text| {
        let current = AwsFile::parse(&paths.config, FileKind::Config, text)?;
        let mark = current.profile(&choice.profile).is_none();
        upsert_section(
            &paths.config,
            FileKind::Config,
            text,
            &SectionName::Profile(choice.profile.clone()),
            &profile_keys(choice, mark),
        )
    })?;
    Ok(())
}

/// Profiles the config file has, by name, for the details pane.
pub fn existing_profiles(config: &AwsFile) -> HashMap<String, ExistingProfile> {
    config
        .profiles()
        .map(|(name, section)| {
            (
                name.to_string(),
                ExistingProfile {
                    region: section.get("region").map(str::to_string),
                },
            )
        })
        .collect()
}

/// The picker's link to the portal and to the favourites file.
pub struct PickServices {
    env: Environment,
    session: SsoSession,
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
    /// Whether the portal may be called, and whether the first listing is
    /// skipped (a fresh cache is shown until Ctrl-r).
    plan: Plan,
}

impl PickServices {
    /// `[sso-session name]` from the config file as it is now.
    fn find_session(&self, name: &str) -> Result<SsoSession, String> {
        let config =
            AwsFile::load(&self.env.paths.config, FileKind::Config).map_err(|e| e.to_string())?;
        load_session(&config, name).map_err(|e| e.to_string())
    }

    /// Services for `session`; `token` is `None` when a login must come first.
    pub fn new(
        env: &Environment,
        session: &SsoSession,
        token: Option<&CachedToken>,
        concurrency: usize,
    ) -> Self {
        PickServices {
            env: env.clone(),
            session: session.clone(),
            token: Arc::new(Mutex::new(token.cloned())),
            limiter: Limiter::new(LimiterConfig::with_concurrency(concurrency)),
            hints: PriorityHints::default(),
            favourites_path: favourites::favourites_path(&env.dirs.data_dir),
            browser: Browser::from_env(),
            prefetched: None,
            cache: None,
            plan: Plan::Refresh,
        }
    }

    /// Makes the first listing replay `events` (a complete listing pass).
    pub fn with_prefetched(mut self, events: Vec<CatalogEvent>) -> Self {
        self.prefetched = Some(events);
        self
    }

    /// Stores every complete listing at `path` (see [`crate::cache`]);
    /// `previous` is what the cache held. `plan` says whether the first
    /// listing is skipped ([`Plan::UseCache`]) or every one refused
    /// ([`Plan::Offline`]).
    pub fn with_cache(
        mut self,
        path: PathBuf,
        previous: Option<CachedCatalog>,
        plan: Plan,
    ) -> Self {
        self.cache = Some((path, Arc::new(Mutex::new(previous))));
        self.plan = plan;
        self
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
        if let Some(events) = self.prefetched.take() {
            // The pass `--select-1` already made: replayed (and stored), not listed again.
            self.plan = Plan::Refresh;
            let (tx, rx) = mpsc::unbounded_channel();
            for event in events {
                let _ = tx.send(event);
            }
            drop(tx);
            return match &self.cache {
                Some((path, stored)) => {
                    record_listing(rx, path.clone(), &self.session.name, stored.clone())
                }
                None => rx,
            };
        }
        match self.plan {
            Plan::Offline => {
                let has_cache = self
                    .cache
                    .as_ref()
                    .is_some_and(|(_, c)| c.lock().unwrap_or_else(|e| e.into_inner()).is_some());
                let message = if has_cache {
                    "--offline: the portal is not contacted".to_string()
                } else {
                    format!(
                        "--offline: no cached catalog for sso-session {} (run once without --offline)",
                        self.session.name
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
                let rx = start_listing_with(
                    &self.env,
                    &self.session,
                    &token,
                    &self.limiter,
                    &self.hints,
                );
                match &self.cache {
                    Some((path, stored)) => {
                        record_listing(rx, path.clone(), &self.session.name, stored.clone())
                    }
                    None => rx,
                }
            }
            None => {
                let (tx, rx) = mpsc::unbounded_channel();
                let _ = tx.send(CatalogEvent::Fatal {
                    message: format!("sso-session {} is not logged in", self.session.name),
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
        let slot = (session.name == self.session.name).then(|| self.token.clone());
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
                    let _ = tx.send(LoginUpdate::Failed(e.to_string()));
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
        let slot = (session.name == self.session.name).then(|| self.token.clone());
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

    fn switch_session(&mut self, name: &str) -> Result<(String, Option<OffsetDateTime>), String> {
        let session = self.find_session(name)?;
        let token = read_token(&token_path(&self.env.paths.sso_cache, &session.name)).ok();
        let expires_at = token.as_ref().map(|t| t.expires_at);
        let usable = token.filter(|t| !t.is_expired_at(OffsetDateTime::now_utc()));
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = usable;
        let region = session.region.clone();
        self.session = session;
        Ok((region, expires_at))
    }

    fn save_favourites(&mut self, favourites: &BTreeSet<Favourite>) -> Result<(), String> {
        favourites::save(&self.favourites_path, favourites)
            .map_err(|e| format!("{}: {e}", self.favourites_path.display()))
    }
}

/// Refreshes `session`'s token now (Sessions view `r`): the message, and the new token.
async fn refresh_session(
    env: &Environment,
    session: &SsoSession,
) -> Result<(String, Option<CachedToken>), String> {
    let path = token_path(&env.paths.sso_cache, &session.name);
    let token = read_token(&path).map_err(|e| e.to_string())?;
    let oidc = Oidc::new(&session.region, env.oidc_endpoint.as_deref());
    let fresh = login::refresh(&env.paths.sso_cache, session, &token, &oidc)
        .await
        .map_err(|e| format!("{}: {e}", session.name))?;
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
) -> Result<(String, Option<CachedToken>), String> {
    let config = AwsFile::load(&env.paths.config, FileKind::Config).map_err(|e| e.to_string())?;
    let removed =
        crate::commands::logout::logout_session(env, &config, &session.name, &session.region)
            .await
            .map_err(|e| format!("{}: {e}", session.name))?;
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

/// Passes `rx` on, storing the pass in the cache at `path` when it
/// completes (before `Complete` is passed on).
fn record_listing(
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

/// The session's token as the cache file has it, without refreshing it:
/// `None` when missing, unreadable or expired (a later listing then asks for
/// a login).
fn stored_token(env: &Environment, session: &SsoSession) -> Option<CachedToken> {
    read_token(&token_path(&env.paths.sso_cache, &session.name))
        .ok()
        .filter(|t| !t.is_expired_at(OffsetDateTime::now_utc()))
}

/// The cached catalog of `session`, the plan for the network, and a note
/// when a cache file was ignored.
pub fn load_cache(
    env: &Environment,
    session: &SsoSession,
    request: &PickRequest,
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
        request.refresh,
        request.offline,
    );
    (cached, plan, note)
}

/// The picker and its services for `session`: the cached catalog on screen
/// first (no network call before it), then a listing when the cache is
/// missing or stale or `--refresh` was given, none with `--offline`.
pub async fn prepare_picker(
    env: &Environment,
    session: &SsoSession,
    request: &PickRequest,
) -> anyhow::Result<(App, PickServices)> {
    let (cached, plan, note) = load_cache(env, session, request);
    let mut app = new_app(env, session, request)?;
    if let Some(c) = &cached {
        app.restore_catalog(c.to_catalog(), plan == Plan::Refresh);
    }
    if let Some(note) = note {
        app.set_message(note);
    }
    let token = match plan {
        Plan::Refresh => {
            let token = usable_token(env, session).await;
            if let Err(reason) = &token {
                app.begin_login(reason.clone());
            }
            token.ok()
        }
        Plan::UseCache | Plan::Offline => stored_token(env, session),
    };
    app.set_session_expires_at(token.as_ref().map(|t| t.expires_at));
    let services = PickServices::new(env, session, token.as_ref(), request.concurrency).with_cache(
        cache::catalog_path(&env.dirs, &session.name),
        cached,
        plan,
    );
    Ok((app, services))
}

/// The doctor's findings about profiles (local files and `AWS_*` variables),
/// by profile name, for the picker's badges. A credentials file that cannot
/// be read gives no notes (the picker does not need it).
pub fn profile_notes(env: &Environment, config: &AwsFile) -> HashMap<String, Vec<ProfileNote>> {
    let credentials = AwsFile::load_optional(&env.paths.credentials, FileKind::Credentials)
        .ok()
        .flatten();
    let findings = crate::doctor::diagnose(
        &env.paths,
        Some(config),
        credentials.as_ref(),
        &crate::doctor::AwsEnv::from_process(),
        OffsetDateTime::now_utc(),
    );
    let mut notes: HashMap<String, Vec<ProfileNote>> = HashMap::new();
    for f in &findings {
        for profile in &f.profiles {
            notes.entry(profile.clone()).or_default().push(ProfileNote {
                error: f.severity == crate::doctor::Severity::Error,
                code: f.code.as_str(),
                message: f.message.clone(),
            });
        }
    }
    notes
}

/// A picker for `session` with the config's profiles and the stored
/// favourites loaded. A favourites file that cannot be read is reported in
/// the picker and left as it is until a favourite changes.
pub fn new_app(
    env: &Environment,
    session: &SsoSession,
    request: &PickRequest,
) -> anyhow::Result<App> {
    let region = request.region.as_deref().unwrap_or(&session.region);
    let mut app = App::new(&session.name, region, &request.query);
    let config = AwsFile::load(&env.paths.config, FileKind::Config)?;
    app.set_profile_template(request.template.clone());
    app.set_existing_profiles(existing_profiles(&config));
    app.set_profile_notes(profile_notes(env, &config));
    match favourites::load(&favourites::favourites_path(&env.dirs.data_dir)) {
        Ok(set) => app.set_favourites(set),
        Err(e) => app.set_message(format!("favourites not loaded: {e}")),
    }
    app.set_recent(favourites::recent(
        &env.dirs.data_dir,
        OffsetDateTime::now_utc(),
    ));
    Ok(app)
}

/// The interactive pick: everything from the config to the printed result.
pub async fn run(env: &Environment, request: &PickRequest) -> anyhow::Result<Exit> {
    let config = AwsFile::load(&env.paths.config, FileKind::Config)?;
    let session = choose_session(
        &config,
        request.sso_session.as_deref(),
        env.aws_profile.as_deref(),
    )?;
    let mut prefetched = None;
    if request.select_1 && !request.offline {
        if let Ok(token) = usable_token(env, &session).await {
            let (events, catalog) = list_catalog(env, &session, &token, request.concurrency).await;
            if catalog.fatal().is_none() {
                let name = |r: &Row| request.template.row_name(r, &session.name);
                if let Some(row) = single_match(&request.query, catalog.rows(), &name) {
                    let region = request.region.as_deref().unwrap_or(&session.region);
                    let choice = choose(&session, region, row, catalog.rows(), &request.template)?;
                    if !request.no_write {
                        upsert_profile(&env.paths, &env.dirs, &choice)?;
                    }
                    let _ = favourites::remember(&env.dirs.data_dir, &choice);
                    return Ok(Exit::Done(render(request.emit, &choice)));
                }
            }
            prefetched = Some(events);
        }
    }
    let (mut app, mut services) = prepare_picker(env, &session, request).await?;
    if let Some(events) = prefetched {
        services = services.with_prefetched(events);
    }
    if std::env::var_os(FIRST_FRAME_PROBE).is_some() {
        return first_frame_probe(&mut app);
    }
    let mut guard = TerminalGuard::open()?;
    let outcome = event_loop::run(
        guard.terminal(),
        &mut app,
        EventStream::new(),
        &mut services,
    )
    .await;
    guard.restore();
    drop(guard);
    finish(env, &session, &app, outcome?, request)
}

/// Benchmark hook (hidden, see docs/performance.md): with this variable
/// set, `pick` draws its first frame into an in-memory 120×40 terminal
/// instead of `/dev/tty`, prints its peak resident set (`VmHWM` of
/// /proc/self/status, where there is one) on stderr and exits 1 —
/// everything from process start to the first frame except the terminal's
/// own setup.
pub const FIRST_FRAME_PROBE: &str = "UO_AWS_TUI_FIRST_FRAME_PROBE";

fn first_frame_probe(app: &mut App) -> anyhow::Result<Exit> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40))?;
    app.set_page_size(crate::ui::list_height(40));
    terminal.draw(|f| crate::ui::draw(f, app))?;
    if let Some(line) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
    {
        eprintln!("{line}");
    }
    Ok(Exit::Cancelled)
}

/// Turns the picker's outcome into the exit: writes the profile for a
/// choice and renders the output.
pub fn finish(
    env: &Environment,
    session: &SsoSession,
    app: &App,
    outcome: Outcome,
    request: &PickRequest,
) -> anyhow::Result<Exit> {
    match outcome {
        Outcome::Chosen(row) => {
            let choice = choose(
                session,
                &app.region,
                &row,
                app.catalog().rows(),
                &request.template,
            )?;
            if !request.no_write {
                upsert_profile(&env.paths, &env.dirs, &choice)?;
            }
            let _ = favourites::remember(&env.dirs.data_dir, &choice);
            Ok(Exit::Done(render(request.emit, &choice)))
        }
        Outcome::Cancelled => Ok(Exit::Cancelled),
        Outcome::Interrupted => Ok(Exit::Interrupted),
        Outcome::Failed(message) if message.contains("UnauthorizedException") => {
            Err(anyhow::anyhow!(
                "sso-session {}: {message}\n  run: uo-aws-tui login --sso-session {}",
                session.name,
                session.name
            ))
        }
        Outcome::Failed(message) => Err(anyhow::anyhow!("sso-session {}: {message}", session.name)),
    }
}
