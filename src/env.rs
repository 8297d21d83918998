//! Where the program looks for things: the AWS files, the program's own
//! directories, the profile named by `AWS_PROFILE` and the endpoint
//! overrides. Every command starts from one [`Environment`].

use crate::aws::config::{AwsFile, FileKind};
use crate::aws::login;
use crate::aws::paths::AwsPaths;
use crate::aws::portal;
use crate::aws::sso_session::{choose_session, SsoSession};
use crate::dirs::AppDirs;

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
    /// Console sign-in host (`UO_AWS_TUI_ENDPOINT_URL_SIGNIN`); `None` is the
    /// partition's `signin…` host ([`crate::aws::federation`]).
    pub federation_endpoint: Option<String>,
}

impl Environment {
    /// The environment of this process.
    ///
    /// Errors: those of [`AwsPaths::from_env`] (no home directory, an empty
    /// `AWS_CONFIG_FILE`), and of the network settings in the config.
    pub fn from_process() -> anyhow::Result<Environment> {
        let paths = AwsPaths::from_env()?;
        let dirs = AppDirs::from_env().ok_or(crate::aws::paths::PathsError::NoHome)?;
        let aws_profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
        crate::aws::network::configure(&paths.config, aws_profile.as_deref())?;
        Ok(Environment {
            paths,
            dirs,
            aws_profile,
            portal_endpoint: portal::endpoint_from_env(),
            oidc_endpoint: login::endpoint_from_env(),
            federation_endpoint: crate::aws::federation::endpoint_from_env(),
        })
    }

    /// The config file and the sso-session a command works on: `requested`
    /// (`--sso-session` or settings.ini), else the session of `AWS_PROFILE`,
    /// else the only one ([`choose_session`]).
    ///
    /// Errors name the file (and line) that failed, or the sessions there are.
    pub fn session(&self, requested: Option<&str>) -> anyhow::Result<(AwsFile, SsoSession)> {
        let config = load_config(&self.paths.config)?;
        let session = choose_session(&config, requested, self.aws_profile.as_deref())?;
        Ok((config, session))
    }
}

/// The config file at `path`; when it does not exist, the error says how to
/// add a first sso-session ([`config_error`]).
///
/// Errors: those of [`AwsFile::load`].
pub fn load_config(path: &std::path::Path) -> anyhow::Result<AwsFile> {
    AwsFile::load(path, FileKind::Config).map_err(config_error)
}

/// `e` for the user: a missing config file also says how to add a first
/// sso-session ([`crate::aws::sso_session::FIRST_SESSION_HINT`]).
pub fn config_error(e: crate::aws::config::ConfigError) -> anyhow::Error {
    match e {
        e @ crate::aws::config::ConfigError::NotFound { .. } => anyhow::anyhow!(
            "{e}: no sso-session yet\n{}",
            crate::aws::sso_session::FIRST_SESSION_HINT
        ),
        other => other.into(),
    }
}
