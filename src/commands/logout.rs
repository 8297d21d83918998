//! `uo-aws-tui logout`: end a session (portal Logout), delete its token file
//! and the AWS CLI's cached role credentials of it. Client registrations stay.

use std::path::{Path, PathBuf};

use crate::aws::cli_cache::{role_credentials_path, sso_files};
use crate::aws::config::{AwsFile, FileKind};
use crate::aws::portal::{self, Portal};
use crate::aws::sso_session::choose_session;
use crate::aws::token_cache::{read_token, token_path};
use crate::cli::LogoutArgs;
use crate::pick::{Environment, Exit};

/// What a logout removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// Token files deleted.
    pub tokens: Vec<PathBuf>,
    /// AWS CLI role-credential files deleted.
    pub role_credentials: Vec<PathBuf>,
}

/// Calls portal Logout with the token in `path` (errors ignored: the token
/// may already be dead) and deletes the file.
async fn end_token(path: &Path, region: &str, endpoint: Option<&str>) -> std::io::Result<bool> {
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

/// Logs out of sso-session `name`: its token file, and the role-credential
/// files of every account × role its profiles name.
pub async fn logout_session(
    env: &Environment,
    config: &AwsFile,
    name: &str,
    region: &str,
) -> std::io::Result<Removed> {
    let mut removed = Removed::default();
    let token = token_path(&env.paths.sso_cache, name);
    if end_token(&token, region, env.portal_endpoint.as_deref()).await? {
        removed.tokens.push(token);
    }
    let pairs = config
        .profiles()
        .filter(|(_, s)| s.get("sso_session") == Some(name))
        .filter_map(|(_, s)| Some((s.get("sso_account_id")?, s.get("sso_role_name")?)));
    removed.role_credentials =
        remove_existing(pairs.map(|(account, role)| {
            role_credentials_path(&env.paths.cli_cache, account, role, name)
        }))?;
    Ok(removed)
}

/// Logs out of every cached login: every token file in the SSO cache (files
/// with an `accessToken`; registrations stay) and every AWS CLI cache file
/// whose `ProviderType` is `sso`.
pub async fn logout_all(env: &Environment) -> std::io::Result<Removed> {
    let mut removed = Removed::default();
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&env.paths.sso_cache) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    for path in files {
        let is_token = crate::file_kind::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v.get("accessToken").is_some());
        if is_token && end_token(&path, "us-east-1", env.portal_endpoint.as_deref()).await? {
            removed.tokens.push(path);
        }
    }
    removed.role_credentials = remove_existing(sso_files(&env.paths.cli_cache))?;
    Ok(removed)
}

/// Runs `uo-aws-tui logout`.
pub async fn run(args: &LogoutArgs) -> anyhow::Result<Exit> {
    let mut env = Environment::from_process()?;
    env.portal_endpoint = portal::endpoint_from_env();
    let removed = if args.all {
        logout_all(&env).await?
    } else {
        let config = AwsFile::load(&env.paths.config, FileKind::Config)?;
        let session = choose_session(
            &config,
            args.sso_session.as_deref(),
            env.aws_profile.as_deref(),
        )?;
        let removed = logout_session(&env, &config, &session.name, &session.region).await?;
        if removed.tokens.is_empty() {
            eprintln!("sso-session {} was not logged in here.", session.name);
        }
        removed
    };
    eprintln!(
        "Removed {} token file(s) and {} cached role credential file(s).",
        removed.tokens.len(),
        removed.role_credentials.len()
    );
    Ok(Exit::Done(String::new()))
}
