//! The interactive pick: choose the sso-session, show the cached catalog
//! and list the portal into the picker ([`crate::app`] driven by
//! [`crate::event_loop`] with [`PickServices`]), and on Enter commit the
//! native profile ([`crate::profile::commit`]) and say how to activate it.

mod services;

use std::collections::HashMap;

use crossterm::event::EventStream;
use time::OffsetDateTime;

use crate::app::{App, Outcome, ProfileNote};
use crate::aws::config::{AwsFile, FileKind};
use crate::aws::sso_session::{SessionError, SsoSession};
use crate::aws::token_cache::token_path;
use crate::cache::{self, Plan};
use crate::catalog::{ProfileTemplate, Row};
use crate::env::Environment;
use crate::event_loop;
use crate::exit::Exit;
use crate::favourites;
use crate::handover::hand_over;
use crate::listing::{list_catalog, load_cache, single_match, StderrProgress};
use crate::profile::{commit, existing_profiles, RegionDefaults, Target, Write};
use crate::shell::Emit;
use crate::terminal::TerminalGuard;
use crate::token::{self, token_for, NeedsLogin, Policy};

pub use services::{session_summaries, PickServices};

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
    /// `--region` and settings.ini's `region`, which decide the region
    /// with the profile's own ([`crate::profile::region_for`]).
    pub regions: RegionDefaults,
    /// `--no-write`: print the result without touching the config file.
    pub no_write: bool,
    /// `--strict`: an error finding of `doctor` about the chosen profile
    /// ends the pick with exit 2 instead of a note on stderr.
    pub strict: bool,
    /// `--select-1`: when exactly one row matches the query once the whole
    /// catalog is listed, choose it without drawing.
    pub select_1: bool,
    /// How the written profile is named (`profile_template` in settings.ini).
    pub template: ProfileTemplate,
    /// `--refresh`: list the portal even when the cached catalog is fresh.
    pub refresh: bool,
    /// `--offline`: never contact the portal; pick from the cached catalog.
    pub offline: bool,
    /// `--companion`: the companion name template (settings
    /// `companion_name`); the chosen profile's companion is written too.
    pub companion: Option<String>,
    /// settings.ini's `chain_role_arn`: what Ctrl-x assumes on top of the
    /// selected row's profile (`None`: Ctrl-x says how to set it).
    pub chain_role_arn: Option<crate::chain::RoleArnTemplate>,
}

impl Default for PickRequest {
    /// `uo-aws-tui pick` with no options and no settings: every session,
    /// no query, POSIX exports, [`crate::aws::limiter::DEFAULT_CONCURRENCY`]
    /// calls at once, nothing chosen without the picker.
    fn default() -> Self {
        PickRequest {
            sso_session: None,
            query: String::new(),
            emit: Emit::Posix,
            concurrency: crate::aws::limiter::DEFAULT_CONCURRENCY,
            regions: RegionDefaults::default(),
            no_write: false,
            strict: false,
            select_1: false,
            template: ProfileTemplate::default(),
            refresh: false,
            offline: false,
            companion: None,
            chain_role_arn: None,
        }
    }
}

impl PickRequest {
    /// [`hand_over`] of the chosen `choice` with this request's companion
    /// template, `--strict` and `--emit`.
    fn hand_over(&self, env: &Environment, choice: &crate::shell::Choice) -> anyhow::Result<Exit> {
        hand_over(
            env,
            choice,
            self.companion.as_deref(),
            self.strict,
            self.emit,
        )
    }

    /// Where a chosen row's profile goes in `session`: the regions of
    /// [`crate::profile::region_for`], the template, and no write with
    /// `--no-write`.
    fn target<'a>(&'a self, session: &'a SsoSession) -> Target<'a> {
        Target {
            session,
            regions: &self.regions,
            template: &self.template,
            write: if self.no_write {
                Write::Never
            } else {
                Write::Upsert
            },
        }
    }
}

/// The picker and its services for `session`: the cached catalog on screen
/// first (no network call before it, except refreshing a token that is no
/// longer valid), then a listing when the cache is missing or stale or
/// `--refresh` was given, none with `--offline`. A missing or unusable
/// token opens the login panel with the reason, also over cached rows.
///
/// Errors: the config file cannot be read.
pub async fn prepare_picker(
    env: &Environment,
    session: &SsoSession,
    request: &PickRequest,
) -> anyhow::Result<(App, PickServices)> {
    let (cached, plan, note) = load_cache(env, session, request.refresh, request.offline);
    let mut app = new_app(env, session, request)?;
    // The rows are made of the cache's own strings; the services read the
    // file again when a listing needs the stored copy.
    let found = cached.is_some();
    if let Some(c) = cached {
        app.restore_catalog(c.into_catalog(), plan == Plan::Refresh);
    }
    if let Some(note) = note {
        app.set_message(note);
    }
    let now = OffsetDateTime::now_utc();
    let token = match plan {
        Plan::Refresh => match token_for(env, session, Policy::Usable, now).await {
            Ok(token) => Some(token),
            Err(needs) => {
                app.begin_login(needs.reason.to_string());
                None
            }
        },
        // The cached rows need no token to be shown, but Enter hands over a
        // profile of this session: a token that is not valid now is
        // refreshed when it can be (a network call only then), and
        // otherwise the login panel opens at once.
        Plan::UseCache => match token::stored(env, session, now) {
            Ok(token) => Some(token),
            Err(_) => match token_for(env, session, Policy::Usable, now).await {
                Ok(token) => Some(token),
                Err(needs) => {
                    app.begin_login(needs.reason.to_string());
                    None
                }
            },
        },
        Plan::Offline => token::stored(env, session, now).ok(),
    };
    match token
        .as_ref()
        .map(|t| t.expires_at)
        .or_else(|| token::stored_expiry(env, session))
    {
        Some(at) => app.set_session_expires_at(Some(at)),
        None if token_path(&env.paths.sso_cache, &session.name).exists() => {
            app.set_session_token_unreadable()
        }
        None => app.set_session_expires_at(None),
    }
    let services = PickServices::new(env, session, token.as_ref(), request.concurrency)
        .with_cache_file(cache::catalog_path(&env.dirs, &session.name), found, plan);
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
                fix: f.fix.clone(),
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
    load_app(
        env,
        App::new(&session.name, &session.region, &request.query),
        request,
    )
}

/// A picker that opens on the Sessions view with no session listed, and
/// its services: several sso-sessions and none chosen (`--sso-session`,
/// settings.ini's `sso_session` and `AWS_PROFILE` name none). Enter on a
/// session lists it.
///
/// Errors: the config file cannot be read.
pub fn prepare_unchosen(
    env: &Environment,
    request: &PickRequest,
) -> anyhow::Result<(App, PickServices)> {
    let app = load_app(env, App::choosing_session(&request.query), request)?;
    Ok((app, PickServices::unchosen(env, request.concurrency)))
}

/// `app` with the config's profiles, the doctor's notes, the favourites
/// and the recently used rows loaded.
fn load_app(env: &Environment, mut app: App, request: &PickRequest) -> anyhow::Result<App> {
    app.set_region_defaults(request.regions.clone());
    let config = AwsFile::load(&env.paths.config, FileKind::Config)?;
    app.set_profile_template(request.template.clone());
    app.set_can_chain(request.chain_role_arn.is_some());
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
/// With `--select-1` and a query exactly one role row matches once the
/// whole catalog is listed, that row is committed without drawing.
///
/// Errors: the AWS files would be rejected by the AWS CLI
/// ([`crate::doctor::Rejected`]); the config or session cannot be used, the
/// terminal cannot be opened, the profile cannot be written, the portal refused the listing.
pub async fn run(env: &Environment, request: &PickRequest) -> anyhow::Result<Exit> {
    crate::doctor::ensure_accepted(&env.paths)?;
    if !request.select_1 {
        // Refused before any network call: nothing can be drawn.
        crate::terminal::check_capable()?;
    }
    let session = match env.session(request.sso_session.as_deref()) {
        Ok((_, session)) => session,
        // Several sessions and none chosen: the picker opens on the
        // Sessions view (only interactively; otherwise exit 2 with the list).
        Err(e) if opens_on_sessions(&e, request) => {
            let (app, services) = prepare_unchosen(env, request)?;
            return run_picker(env, app, services, request).await;
        }
        Err(e) => return Err(e),
    };
    if !request.offline && !token::has_terminal() {
        // No terminal for the login panel: a session that needs a login
        // ends here, with the reason and the login command.
        token_for(env, &session, Policy::Usable, OffsetDateTime::now_utc()).await?;
    }
    let mut prefetched = None;
    if request.select_1 && !request.offline {
        let now = OffsetDateTime::now_utc();
        if let Ok(token) = token_for(env, &session, Policy::Usable, now).await {
            let mut progress = StderrProgress::new();
            let (events, catalog) = list_catalog(env, &session, &token, request.concurrency, |c| {
                progress.show(c)
            })
            .await;
            drop(progress);
            if catalog.fatal().is_none() {
                let name = |r: &Row| request.template.row_name(r, &session.name);
                if let Some(row) = single_match(&request.query, catalog.rows(), &name) {
                    let target = request.target(&session);
                    let choice = commit(env, &target, row, catalog.rows())?;
                    return request.hand_over(env, &choice);
                }
            }
            prefetched = Some(events);
        }
    }
    let (app, mut services) = prepare_picker(env, &session, request).await?;
    if let Some(events) = prefetched {
        services = services.with_prefetched(events);
    }
    run_picker(env, app, services, request).await
}

/// Whether the failure to choose a session means the picker opens on the
/// Sessions view: several sessions and none chosen, a terminal to draw
/// on, and neither `--select-1` nor `--offline` (which need one session).
fn opens_on_sessions(error: &anyhow::Error, request: &PickRequest) -> bool {
    matches!(
        error.downcast_ref::<SessionError>(),
        Some(SessionError::Ambiguous { .. })
    ) && !request.select_1
        && !request.offline
        && token::has_terminal()
}

/// Draws the picker on the terminal until it ends, then finishes with the
/// session the picker lists at the end (the Sessions view may have switched).
async fn run_picker(
    env: &Environment,
    mut app: App,
    mut services: PickServices,
    request: &PickRequest,
) -> anyhow::Result<Exit> {
    if std::env::var_os(FIRST_FRAME_PROBE).is_some() {
        return first_frame_probe(&mut app);
    }
    let mut guard = TerminalGuard::open()?;
    let mut suspend = crate::terminal::suspend;
    let outcome = event_loop::run_suspendable(
        guard.terminal(),
        &mut app,
        EventStream::new(),
        &mut services,
        Some(&mut suspend),
    )
    .await;
    guard.restore();
    drop(guard);
    let outcome = outcome?;
    if !app.has_session() {
        // Ended in the Sessions view before any session was listed.
        return finish_unlisted(outcome);
    }
    let (_, session) = env.session(Some(&app.session))?;
    finish(env, &session, &app, outcome, request).await
}

/// The exit of a picker that ended before a session was listed.
fn finish_unlisted(outcome: Outcome) -> anyhow::Result<Exit> {
    match outcome {
        Outcome::Interrupted => Ok(Exit::Interrupted),
        Outcome::Failed(failed) => Err(anyhow::anyhow!("{failed}")),
        Outcome::Cancelled | Outcome::Chosen(_) | Outcome::Console(_) | Outcome::Chained(_) => {
            Ok(Exit::Cancelled)
        }
    }
}

/// Benchmark hook (hidden, see docs/performance.md): with this variable
/// set, `pick` draws its first frame into an in-memory 120×40 terminal
/// instead of `/dev/tty` — everything from process start to the first
/// frame except the terminal's own setup — and prints on stderr the moment
/// it finished drawing (`frame-at: <ns>`, [`monotonic_ns`]), its peak
/// resident set (`VmHWM` of /proc/self/status, where there is one) and the
/// drawing thread's CPU time (`schedstat:` from
/// /proc/thread-self/schedstat), then exits 1.
pub const FIRST_FRAME_PROBE: &str = "UO_AWS_TUI_FIRST_FRAME_PROBE";

/// Nanoseconds on `CLOCK_MONOTONIC`, the clock every process on the machine
/// shares (unlike [`std::time::Instant`], whose values cannot leave the
/// process): a benchmark reads it before it starts the binary and compares
/// it with the probe's `frame-at:`.
pub fn monotonic_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; CLOCK_MONOTONIC always
    // exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

fn first_frame_probe(app: &mut App) -> anyhow::Result<Exit> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40))?;
    app.set_page_size(crate::ui::list_height(40));
    terminal.draw(|f| crate::ui::draw(f, app))?;
    crate::output::note(format!("frame-at: {}", monotonic_ns()));
    if let Some(line) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
    {
        crate::output::note(line);
    }
    // `schedstat: <ns on a CPU> <ns waiting for one>` of this thread: the
    // work up to the first frame, apart from how busy the machine is.
    if let Ok(stat) = std::fs::read_to_string("/proc/thread-self/schedstat") {
        crate::output::note(format!("schedstat: {}", stat.trim()));
    }
    Ok(Exit::Cancelled)
}

/// Turns the picker's outcome into the exit: commits the profile of a
/// choice and renders the output; for Ctrl-x commits it, writes the chained
/// profile on top ([`crate::chain::write_for_row`]) and renders that one;
/// or opens the console as the row's role
/// ([`crate::console::open_for_row`]: exit 0, stdout empty).
///
/// Errors: the session's token is missing, or expired and not refreshable
/// ([`NeedsLogin`]: nothing written or printed); the profile cannot be
/// written; the listing failed (a refused token asks for a login); the
/// console could not be opened.
pub async fn finish(
    env: &Environment,
    session: &SsoSession,
    app: &App,
    outcome: Outcome,
    request: &PickRequest,
) -> anyhow::Result<Exit> {
    match outcome {
        Outcome::Chosen(row) => {
            token::check_usable(env, session, OffsetDateTime::now_utc())?;
            let target = request.target(session);
            let choice = commit(env, &target, &row, app.catalog().rows())?;
            request.hand_over(env, &choice)
        }
        Outcome::Chained(row) => {
            let Some(template) = &request.chain_role_arn else {
                anyhow::bail!("{}", crate::app::CHAIN_HINT);
            };
            if request.no_write {
                anyhow::bail!("Ctrl-x writes a chained profile, and --no-write writes nothing");
            }
            token::check_usable(env, session, OffsetDateTime::now_utc())?;
            let target = request.target(session);
            let source = commit(env, &target, &row, app.catalog().rows())?;
            let choice = crate::chain::write_for_row(env, &source, template)?;
            hand_over(env, &choice, None, request.strict, request.emit)
        }
        Outcome::Console(row) => {
            crate::console::open_for_row(env, session, &row, &request.regions, &request.template)
                .await?;
            Ok(Exit::Done(String::new()))
        }
        Outcome::Cancelled => Ok(Exit::Cancelled),
        Outcome::Interrupted => Ok(Exit::Interrupted),
        Outcome::Failed(failed) if failed.unauthorized => {
            Err(NeedsLogin::rejected(session, failed.message).into())
        }
        Outcome::Failed(failed) => Err(anyhow::anyhow!("sso-session {}: {failed}", session.name)),
    }
}
