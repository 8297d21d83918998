//! `uo-aws-tui demo`: the real program against the built-in simulator.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::atomic_file::{write_atomic, PRIVATE};
use crate::aws::config::{FileKind, SectionName};
use crate::aws::config_edit::upsert_section;
use crate::aws::paths::AwsPaths;
use crate::aws::token_cache::{token_path, write_token, CachedToken};
use crate::cli::DemoArgs;
use crate::dirs::AppDirs;
use crate::env::Environment;
use crate::exit::Exit;
use crate::picker::{self, PickRequest};
use crate::sim::{SimOptions, Simulator};

/// The demo's sso-session name.
pub const SESSION: &str = "uoregon";
/// The demo's start URL (never contacted; hashed and sent as a string only).
pub const START_URL: &str = "https://d-1234567890.awsapps.com/start";
/// The demo's SSO region.
pub const REGION: &str = "us-west-2";
/// Lifetime of the demo's access token.
pub const TOKEN_TTL: Duration = Duration::from_secs(8 * 3600);
/// The key the demo writes into its `[sso-session uoregon]` (value `true`):
/// how `demo --serve --home DIR` knows a config is its own and may be
/// written again. The AWS CLI ignores keys it does not know.
pub const MARKER: &str = "uo_aws_tui_demo";

/// Writes `[sso-session uoregon]` (marked with [`MARKER`]) into the config
/// under `paths` (through the byte-preserving editor, so a hand-written file
/// keeps everything else) and a token file holding `access_token`, valid
/// for [`TOKEN_TTL`]. `demo --serve --home` calls [`check_demo_home`] first.
pub fn write_demo_files(paths: &AwsPaths, access_token: &str) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(&paths.config) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(e).with_context(|| format!("{}: cannot read", paths.config.display()))
        }
    };
    let updated = upsert_section(
        &paths.config,
        FileKind::Config,
        &text,
        &SectionName::SsoSession(SESSION.to_string()),
        &[
            ("sso_start_url", START_URL),
            ("sso_region", REGION),
            ("sso_registration_scopes", "sso:account:access"),
            (MARKER, "true"),
        ],
    )?;
    if updated != text || !paths.config.exists() {
        write_atomic(&paths.config, updated.as_bytes(), PRIVATE)
            .with_context(|| format!("{}: cannot write", paths.config.display()))?;
    }
    let token = CachedToken {
        start_url: Some(START_URL.to_string()),
        region: Some(REGION.to_string()),
        access_token: access_token.to_string(),
        expires_at: OffsetDateTime::now_utc() + TOKEN_TTL,
        client_id: None,
        client_secret: None,
        registration_expires_at: None,
        refresh_token: None,
        extra: Default::default(),
    };
    write_token(&token_path(&paths.sso_cache, SESSION), &token)?;
    Ok(())
}

/// Whether the files under `paths` may be written by `demo --serve --home`:
/// no config (or an empty one), or one with the demo's session marked with
/// [`MARKER`]; and no token file for the demo's session, or one for the
/// demo's start URL.
///
/// Errors: one line naming the file that is not the demo's and what to do;
/// the file could not be read.
pub fn check_demo_home(paths: &AwsPaths) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(&paths.config) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(e).with_context(|| format!("{}: cannot read", paths.config.display()))
        }
    };
    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
        let ours = crate::aws::config::AwsFile::parse(&paths.config, FileKind::Config, &text)
            .is_ok_and(|config| {
                config
                    .sso_session(SESSION)
                    .and_then(|s| s.get(MARKER))
                    .is_some_and(|v| v == "true")
            });
        if !ours {
            anyhow::bail!(
                "{}: not written by `uo-aws-tui demo` (no {MARKER} in [sso-session {SESSION}]); \
                 nothing changed — give --home an empty directory",
                paths.config.display()
            );
        }
    }
    let token = token_path(&paths.sso_cache, SESSION);
    if token.exists() {
        let ours = crate::aws::token_cache::read_token(&token)
            .is_ok_and(|t| t.start_url.as_deref() == Some(START_URL));
        if !ours {
            anyhow::bail!(
                "{}: a token file the demo did not write (not for {START_URL}); \
                 nothing changed — give --home an empty directory",
                token.display()
            );
        }
    }
    Ok(())
}

fn sim_options(args: &DemoArgs) -> SimOptions {
    SimOptions {
        accounts: args.accounts,
        page_size: args.page_size,
        latency: Duration::from_millis(args.latency_ms),
        auto_approve_device: true,
        rps: args.rps,
        failing_accounts: args.fail_accounts.clone(),
        ..SimOptions::default()
    }
}

/// `uo-aws-tui demo`: simulator in-process, fresh AWS files under
/// `<cache dir>/demo`, then the normal picker; where the files live goes to stderr.
pub async fn run(args: &DemoArgs) -> anyhow::Result<Exit> {
    if args.serve {
        return serve(args).await;
    }
    if let Err(e @ crate::terminal::TerminalError::Dumb) = crate::terminal::check_capable() {
        anyhow::bail!(
            "{e}\n  against the simulator: run uo-aws-tui demo --serve --home DIR, then those \
             commands with the export lines it prints"
        );
    }
    let dirs = AppDirs::from_env().context("cannot find a cache directory (set HOME)")?;
    let home = dirs.cache_dir.join("demo");
    if home.exists() {
        std::fs::remove_dir_all(&home)
            .with_context(|| format!("{}: cannot clear the demo directory", home.display()))?;
    }
    let sim = Simulator::start(
        sim_options(args),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .context("cannot start the simulator")?;
    let paths = AwsPaths::under_home(&home);
    write_demo_files(&paths, &sim.issue_access_token(TOKEN_TTL))?;
    let env = Environment {
        paths: paths.clone(),
        // The demo's favourites and backups stay with its throw-away files.
        dirs: AppDirs::under(&home),
        aws_profile: None,
        portal_endpoint: Some(sim.endpoint()),
        oidc_endpoint: Some(sim.endpoint()),
        federation_endpoint: Some(sim.endpoint()),
    };
    let request = PickRequest {
        sso_session: Some(SESSION.to_string()),
        query: args.query.join(" "),
        emit: args.emit,
        ..PickRequest::default()
    };
    let exit = picker::run(&env, &request).await;
    sim.shutdown().await;
    let exit = exit?;
    if let Exit::Done(_) = exit {
        crate::output::note(format!(
            "demo: the profile was written to {} (the simulator has stopped)",
            paths.config.display()
        ));
    }
    Ok(exit)
}

/// `uo-aws-tui demo --serve`: only the simulator, until Ctrl-C.
async fn serve(args: &DemoArgs) -> anyhow::Result<Exit> {
    if let Some(home) = &args.home {
        // Before the simulator starts: a home that is not the demo's stays as it is.
        check_demo_home(&AwsPaths::under_home(home))?;
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port.unwrap_or(0)));
    let sim = Simulator::start(sim_options(args), addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let token = sim.issue_access_token(TOKEN_TTL);
    let endpoint = sim.endpoint();
    let accounts = sim.org().accounts.len();
    let mut out = String::new();
    out.push_str(&format!(
        "IAM Identity Center simulator on {endpoint} ({accounts} accounts)\n"
    ));
    out.push_str(&format!("export AWS_ENDPOINT_URL_SSO={endpoint}\n"));
    out.push_str(&format!("export AWS_ENDPOINT_URL_SSO_OIDC={endpoint}\n"));
    // STS AssumeRole (chained profiles), the console's sign-in endpoint and
    // the sign-in service that refreshes `aws login` sessions.
    out.push_str(&format!("export AWS_ENDPOINT_URL_STS={endpoint}\n"));
    out.push_str(&format!(
        "export {}={endpoint}\n",
        crate::aws::federation::ENDPOINT_VAR
    ));
    out.push_str(&format!("export AWS_ENDPOINT_URL_SIGNIN={endpoint}\n"));
    out.push_str(&format!(
        "access token (valid {} h): {token}\n",
        TOKEN_TTL.as_secs() / 3600
    ));
    if let Some(home) = &args.home {
        let paths = AwsPaths::under_home(home);
        write_demo_files(&paths, &token)?;
        out.push_str(&describe_home(home, &paths));
    }
    out.push_str("Ctrl-C stops it (exit 0).\n");
    crate::output::stdout(&out).ok();
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sim.shutdown().await;
    // Ctrl-C is how it is meant to stop.
    Ok(Exit::Done(String::new()))
}

fn describe_home(home: &Path, paths: &AwsPaths) -> String {
    format!(
        "wrote [sso-session {SESSION}] to {} and its token to {}\n\
         export HOME={}\n\
         export AWS_CONFIG_FILE={}\n",
        paths.config.display(),
        token_path(&paths.sso_cache, SESSION).display(),
        home.display(),
        paths.config.display(),
    )
}
