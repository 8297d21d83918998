//! Logging out: portal Logout with each token (errors ignored: the token may
//! already be dead), the token files deleted, and the AWS CLI's cached role
//! credentials of the session deleted. Client registrations stay.

use std::path::{Path, PathBuf};

use crate::aws::cli_cache::{role_credentials_path, sso_files};
use crate::aws::config::AwsFile;
use crate::aws::paths::AwsPaths;
use crate::aws::portal::Portal;
use crate::aws::token_cache::{read_token, token_path};

/// What a logout removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// Token files deleted.
    pub tokens: Vec<PathBuf>,
    /// AWS CLI role-credential files deleted.
    pub role_credentials: Vec<PathBuf>,
}

/// Calls portal Logout (at `endpoint`, `None` for AWS) with the token in
/// `path` (errors ignored: the token may already be dead) and deletes the
/// file. `Ok(true)` when a file was deleted, `Ok(false)` when there was none.
pub async fn end_token(path: &Path, region: &str, endpoint: Option<&str>) -> std::io::Result<bool> {
    if let Ok(token) = read_token(path) {
        let region = token.region.as_deref().unwrap_or(region);
        let _ = Portal::new(region, endpoint, &token.access_token, 1)
            .logout()
            .await;
    }
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

fn remove_existing(paths: impl IntoIterator<Item = PathBuf>) -> std::io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for p in paths {
        match std::fs::remove_file(&p) {
            Ok(()) => removed.push(p),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

/// Logs out of sso-session `name` (in `region`, portal at `endpoint`): its
/// token file, and the role-credential files of every account × role the
/// profiles of `config` name for it.
pub async fn logout_session(
    paths: &AwsPaths,
    endpoint: Option<&str>,
    config: &AwsFile,
    name: &str,
    region: &str,
) -> std::io::Result<Removed> {
    let mut removed = Removed::default();
    let token = token_path(&paths.sso_cache, name);
    if end_token(&token, region, endpoint).await? {
        removed.tokens.push(token);
    }
    let pairs = config
        .profiles()
        .filter(|(_, s)| s.get("sso_session") == Some(name))
        .filter_map(|(_, s)| Some((s.get("sso_account_id")?, s.get("sso_role_name")?)));
    removed.role_credentials = remove_existing(
        pairs.map(|(account, role)| role_credentials_path(&paths.cli_cache, account, role, name)),
    )?;
    Ok(removed)
}

/// Logs out of every login of `config` (a missing config has none): the
/// token file of each sso-session and legacy start URL it configures
/// ([`crate::sessions::discover`]), and every AWS CLI cache file whose
/// `ProviderType` is `sso`. Other files in the SSO cache — tokens of IDE
/// toolkits and Amazon Q, registrations — are neither ended at the portal
/// nor deleted. `endpoint` is the portal (`None` for AWS).
pub async fn logout_all(
    paths: &AwsPaths,
    endpoint: Option<&str>,
    config: Option<&AwsFile>,
) -> std::io::Result<Removed> {
    let mut removed = Removed::default();
    let logins = match config {
        Some(config) => {
            crate::sessions::discover(paths, config, time::OffsetDateTime::now_utc()).sessions
        }
        None => Vec::new(),
    };
    for login in logins {
        let region = login.region.as_deref().unwrap_or("us-east-1");
        if end_token(&login.cache_file, region, endpoint).await?
            && !removed.tokens.contains(&login.cache_file)
        {
            removed.tokens.push(login.cache_file);
        }
    }
    removed.role_credentials = remove_existing(sso_files(&paths.cli_cache))?;
    Ok(removed)
}
