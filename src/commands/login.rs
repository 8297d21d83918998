//! `uo-aws-tui login`: sign in to an sso-session and write the token file the
//! AWS CLI shares.

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::aws::config::{AwsFile, ConfigError, FileKind, SectionName};
use crate::aws::config_edit::upsert_section;
use crate::aws::config_write::ConfigWriter;
use crate::aws::login::{self, Browser, Flow, LoginOptions, LoginStep, Oidc, PKCE_TIMEOUT};
use crate::aws::sso_session::{choose_session, SsoSession};
use crate::aws::token_cache::{format_timestamp, token_path};
use crate::cli::LoginArgs;
use crate::env::Environment;
use crate::exit::Exit;

/// A session name with its whitespace replaced, offered when a name with
/// whitespace is refused.
pub fn slug(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join("-")
}

/// Creates `[sso-session NAME]` with `sso_start_url`, `sso_region` and
/// `sso_registration_scopes` through the byte-preserving editor. Refuses a
/// name with whitespace, suggesting a slug.
pub fn create_session(
    env: &Environment,
    name: &str,
    start_url: &str,
    region: &str,
) -> anyhow::Result<()> {
    if name.chars().any(char::is_whitespace) || name.is_empty() {
        anyhow::bail!(
            "sso-session names cannot contain whitespace; try --sso-session {}",
            slug(name)
        );
    }
    let path = &env.paths.config;
    ConfigWriter::new(path, &env.dirs).apply(|text| {
        upsert_section(
            path,
            FileKind::Config,
            text,
            &SectionName::SsoSession(name.to_string()),
            &[
                ("sso_start_url", start_url),
                ("sso_region", region),
                ("sso_registration_scopes", login::DEFAULT_SCOPE),
            ],
        )
    })?;
    Ok(())
}

/// The session `login` works on: `--sso-session` (created from
/// `--start-url` when missing), else as the picker chooses it.
fn session(env: &Environment, args: &LoginArgs) -> anyhow::Result<SsoSession> {
    let config = match AwsFile::load(&env.paths.config, FileKind::Config) {
        Ok(c) => Some(c),
        Err(ConfigError::NotFound { .. }) if args.start_url.is_some() => None,
        Err(e) => return Err(crate::env::config_error(e)),
    };
    let exists = |name: &str| {
        config
            .as_ref()
            .is_some_and(|c| c.sso_session(name).is_some())
    };
    if let (Some(name), Some(url)) = (&args.sso_session, &args.start_url) {
        if !exists(name) {
            create_session(env, name, url, &args.sso_region)?;
            crate::output::note(format!(
                "added [sso-session {name}] to {}",
                env.paths.config.display()
            ));
            let config = AwsFile::load(&env.paths.config, FileKind::Config)?;
            return Ok(choose_session(&config, Some(name), None)?);
        }
    } else if args.start_url.is_some() {
        anyhow::bail!("--start-url needs --sso-session NAME: the name of the session to create");
    }
    let config = config.context("no config file")?;
    let settings = crate::settings::Settings::load(&env.dirs)?;
    Ok(choose_session(
        &config,
        args.sso_session
            .as_deref()
            .or(settings.sso_session.as_deref()),
        env.aws_profile.as_deref(),
    )?)
}

/// Picks the flow: device code when asked for, or when no browser can be
/// used and `--no-browser` was not given (then says why on stderr).
pub fn choose_flow(args: &LoginArgs, browser: &Browser) -> Flow {
    if args.use_device_code {
        return Flow::DeviceCode;
    }
    if !args.no_browser {
        if let Err(reason) = browser.usable() {
            crate::output::note(format!(
                "No browser can be used here ({reason}): signing in with a device code instead."
            ));
            return Flow::DeviceCode;
        }
    }
    Flow::Pkce
}

/// How a login step reads on the terminal (stderr; stdout stays empty).
pub fn describe(step: &LoginStep) -> Option<String> {
    match step {
        LoginStep::RegistrationReused | LoginStep::Registered => None,
        LoginStep::Authorize {
            flow: Flow::Pkce,
            url,
            ..
        } => Some(format!(
            "Sign in through your browser. If it does not open, open this URL:\n\n  {url}\n"
        )),
        LoginStep::Authorize {
            flow: Flow::DeviceCode,
            url,
            user_code,
            ..
        } => Some(format!(
            "Open this URL on any device and confirm the code:\n\n  {url}\n\n  code: {}\n",
            user_code.as_deref().unwrap_or("(none)")
        )),
        LoginStep::BrowserOpened { .. } => None,
        LoginStep::BrowserFailed { reason } => Some(format!(
            "Could not open a browser ({reason}); open the URL above."
        )),
        LoginStep::SlowDown(interval) => Some(format!(
            "The service asked to wait longer between checks ({} s).",
            interval.as_secs()
        )),
    }
}

/// Runs `uo-aws-tui login`.
pub async fn run(args: &LoginArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    let session = session(&env, args)?;
    sign_in(&env, &session, args).await?;
    Ok(Exit::Done(String::new()))
}

/// Signs in to `session` with the flow and options of `args`, every step
/// and the result on stderr (stdout stays empty); what `login` does once
/// its session is chosen, and what `use` and `exec` do inline.
///
/// Errors: the login failed (naming the session).
pub async fn sign_in(
    env: &Environment,
    session: &SsoSession,
    args: &LoginArgs,
) -> anyhow::Result<()> {
    let browser = Browser::from_env();
    let options = LoginOptions {
        flow: choose_flow(args, &browser),
        open_browser: !args.no_browser,
        redirect_port: args.redirect_port,
        pkce_timeout: PKCE_TIMEOUT,
        browser,
    };
    let oidc = Oidc::new(&session.region, login::endpoint_from_env().as_deref());
    let report = |step: LoginStep| {
        if let Some(text) = describe(&step) {
            crate::output::note(text);
        }
    };
    let token = login::login(&env.paths.sso_cache, session, &oidc, &options, &report)
        .await
        .with_context(|| format!("login to sso-session {} failed", session.name))?;
    let left = token.expires_at - OffsetDateTime::now_utc();
    crate::output::note(format!(
        "Logged in to sso-session {} until {} ({}); token in {}",
        session.name,
        format_timestamp(token.expires_at),
        crate::duration::hours_minutes(left),
        token_path(&env.paths.sso_cache, &session.name).display()
    ));
    Ok(())
}
