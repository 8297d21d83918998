//! The main job: choose the sso-session, load its token, list the portal
//! into the picker, and on Enter write the native profile and say how to
//! activate it.

use std::path::Path;

use anyhow::Context as _;
use crossterm::event::EventStream;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::app::{App, Outcome};
use crate::aws::config::{AwsFile, FileKind, SectionName};
use crate::aws::config_edit::upsert_section;
use crate::aws::config_write::ConfigWriter;
use crate::aws::paths::AwsPaths;
use crate::aws::portal::{self, Portal};
use crate::aws::sso_session::{choose_session, SsoSession};
use crate::aws::token_cache::{format_timestamp, read_token, token_path, CachedToken, TokenError};
use crate::catalog::{profile_name, CatalogEvent, Row};
use crate::dirs::AppDirs;
use crate::event_loop;
use crate::shell::{render, Choice, Emit};
use crate::terminal::TerminalGuard;

/// Where the program looks for things: the AWS files, the profile named by
/// `AWS_PROFILE`, and the portal endpoint override.
#[derive(Debug, Clone)]
pub struct Environment {
    pub paths: AwsPaths,
    /// `AWS_PROFILE`: its `sso_session` is the default session.
    pub aws_profile: Option<String>,
    /// Portal endpoint (`AWS_ENDPOINT_URL_SSO`, then `AWS_ENDPOINT_URL`);
    /// `None` is the regional AWS endpoint.
    pub portal_endpoint: Option<String>,
    /// The program's own directories (backups and locks of the config).
    pub dirs: AppDirs,
}

impl Environment {
    /// The environment of this process.
    pub fn from_process() -> anyhow::Result<Environment> {
        let paths = AwsPaths::from_env().context("cannot find the home directory (set HOME)")?;
        Ok(Environment {
            paths,
            aws_profile: std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()),
            portal_endpoint: portal::endpoint_from_env(),
            dirs: AppDirs::from_env().context("cannot find the home directory (set HOME)")?,
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
}

impl Exit {
    pub fn code(&self) -> u8 {
        match self {
            Exit::Done(_) => 0,
            Exit::Cancelled => 1,
            Exit::Interrupted => 130,
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
    let login = format!("aws sso login --sso-session {}", session.name);
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

/// Starts listing the portal in the background; events arrive on the
/// returned channel.
pub fn start_listing(
    env: &Environment,
    session: &SsoSession,
    token: &CachedToken,
    concurrency: usize,
) -> mpsc::UnboundedReceiver<CatalogEvent> {
    let portal = Portal::new(
        &session.region,
        env.portal_endpoint.as_deref(),
        &token.access_token,
        concurrency,
    );
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move { portal.stream_catalog(tx).await });
    rx
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
    let role = row
        .role()
        .context("this account's roles could not be listed")?;
    let name = profile_name(&row.account.id, role);
    if let Some(other) = rows.iter().find(|r| {
        r.role().is_some_and(|other_role| {
            profile_name(&r.account.id, other_role) == name
                && (r.account.id != row.account.id || other_role != role)
        })
    }) {
        anyhow::bail!(
            "profile name {name} is shared by role {role:?} and role {:?} of account {}; rename one of the permission sets or write the profile by hand",
            other.role().unwrap_or_default(),
            other.account.id
        );
    }
    ConfigWriter::new(&paths.config, dirs).apply(|text| {
        upsert_section(
            &paths.config,
            FileKind::Config,
            text,
            &SectionName::Profile(name.clone()),
            &[
                ("sso_session", session.name.as_str()),
                ("sso_account_id", row.account.id.as_str()),
                ("sso_role_name", role),
                ("region", session.region.as_str()),
            ],
        )
    })?;
    Ok(Choice {
        profile: name,
        account_id: row.account.id.clone(),
        account_name: row.account.name.clone(),
        role_name: role.to_string(),
        region: session.region.clone(),
        sso_session: session.name.clone(),
    })
}

/// The interactive pick: everything from the config to the printed result.
pub async fn run(env: &Environment, request: &PickRequest) -> anyhow::Result<Exit> {
    let (session, token) = prepare(
        env,
        request.sso_session.as_deref(),
        OffsetDateTime::now_utc(),
    )?;
    let mut guard = TerminalGuard::open()?;
    let rx = start_listing(env, &session, &token, request.concurrency);
    let mut app = App::new(&session.name, &session.region, &request.query);
    let outcome = event_loop::run(guard.terminal(), &mut app, EventStream::new(), rx).await;
    guard.restore();
    drop(guard);
    finish(env, &session, &app, outcome?, request.emit)
}

/// Turns the picker's outcome into the exit: writes the profile for a
/// choice and renders the output.
pub fn finish(
    env: &Environment,
    session: &SsoSession,
    app: &App,
    outcome: Outcome,
    emit: Emit,
) -> anyhow::Result<Exit> {
    match outcome {
        Outcome::Chosen(row) => {
            let choice = write_profile(&env.paths, &env.dirs, session, &row, app.catalog().rows())?;
            Ok(Exit::Done(render(emit, &choice)))
        }
        Outcome::Cancelled => Ok(Exit::Cancelled),
        Outcome::Interrupted => Ok(Exit::Interrupted),
        Outcome::Failed(message) => Err(anyhow::anyhow!(
            "sso-session {}: {message}\n  run: aws sso login --sso-session {}",
            session.name,
            session.name
        )),
    }
}
