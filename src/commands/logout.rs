//! `uo-aws-tui logout`: end a session (portal Logout), delete its token file
//! and the AWS CLI's cached role credentials of it (`aws::logout`).

use crate::aws::config::{AwsFile, FileKind};
use crate::aws::logout::{logout_all, logout_session};
use crate::aws::portal;
use crate::cli::LogoutArgs;
use crate::env::Environment;
use crate::exit::Exit;

/// Runs `uo-aws-tui logout`.
pub async fn run(args: &LogoutArgs) -> anyhow::Result<Exit> {
    let mut env = Environment::from_process()?;
    env.portal_endpoint = portal::endpoint_from_env();
    let endpoint = env.portal_endpoint.as_deref();
    let removed = if args.all {
        let config = AwsFile::load_optional(&env.paths.config, FileKind::Config)?;
        logout_all(&env.paths, endpoint, config.as_ref()).await?
    } else {
        let settings = crate::settings::Settings::load(&env.dirs)?;
        let requested = args
            .sso_session
            .as_deref()
            .or(settings.sso_session.as_deref());
        let (config, session) = env.session(requested)?;
        let removed = logout_session(
            &env.paths,
            endpoint,
            &config,
            &session.name,
            &session.region,
        )
        .await?;
        if removed.tokens.is_empty() {
            crate::output::note(format!(
                "sso-session {} was not logged in here.",
                session.name
            ));
        }
        removed
    };
    crate::output::note(format!(
        "Removed {} token file(s) and {} cached role credential file(s).",
        removed.tokens.len(),
        removed.role_credentials.len()
    ));
    Ok(Exit::Done(String::new()))
}
