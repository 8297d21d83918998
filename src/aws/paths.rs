//! Where the AWS shared files live.
//!
//! Every piece of code that reads or writes an AWS file takes an [`AwsPaths`]
//! explicitly, so tests and `uo-aws-tui demo` point the whole program at a
//! temporary home without changing the process environment.

use std::path::{Path, PathBuf};

/// Locations of the AWS shared files for one home directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsPaths {
    /// Shared config file (`AWS_CONFIG_FILE`, default `~/.aws/config`).
    pub config: PathBuf,
    /// Shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, default
    /// `~/.aws/credentials`); a missing file is normal.
    pub credentials: PathBuf,
    /// SSO token and client-registration cache (`~/.aws/sso/cache`); no
    /// environment override exists in any AWS tool.
    pub sso_cache: PathBuf,
    /// AWS CLI v2 role-credential cache (`~/.aws/cli/cache`).
    pub cli_cache: PathBuf,
    /// `aws login` token cache of the AWS CLI ≥ 2.32
    /// (`AWS_LOGIN_CACHE_DIRECTORY`, default `~/.aws/login/cache`); read
    /// only ([`crate::aws::login_cache`]).
    pub login_cache: PathBuf,
}

impl AwsPaths {
    /// The default layout under `home`: `home/.aws/config`, `home/.aws/credentials`,
    /// `home/.aws/sso/cache`, `home/.aws/cli/cache`.
    pub fn under_home(home: &Path) -> AwsPaths {
        let aws = home.join(".aws");
        AwsPaths {
            config: aws.join("config"),
            credentials: aws.join("credentials"),
            sso_cache: aws.join("sso").join("cache"),
            cli_cache: aws.join("cli").join("cache"),
            login_cache: aws.join("login").join("cache"),
        }
    }

    /// The paths the AWS CLI would use in this process: home from `HOME`
    /// (falling back to the platform's home directory), then
    /// `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE` and
    /// `AWS_LOGIN_CACHE_DIRECTORY` when set (a leading `~/` is expanded).
    ///
    /// Returns `None` when no home directory can be found.
    pub fn from_env() -> Option<AwsPaths> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))?;
        let mut paths = AwsPaths::under_home(&home);
        if let Some(p) = env_path("AWS_CONFIG_FILE", &home) {
            paths.config = p;
        }
        if let Some(p) = env_path("AWS_SHARED_CREDENTIALS_FILE", &home) {
            paths.credentials = p;
        }
        if let Some(p) = env_path("AWS_LOGIN_CACHE_DIRECTORY", &home) {
            paths.login_cache = p;
        }
        Some(paths)
    }
}

fn env_path(var: &str, home: &Path) -> Option<PathBuf> {
    let value = std::env::var(var).ok().filter(|v| !v.is_empty())?;
    Some(expand_home(&value, home))
}

/// Expands a leading `~` or `~/` against `home`; any other path is returned as is.
pub fn expand_home(path: &str, home: &Path) -> PathBuf {
    if path == "~" {
        home.to_path_buf()
    } else if let Some(rest) = path.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_under_home() {
        let p = AwsPaths::under_home(Path::new("/h"));
        assert_eq!(p.config, Path::new("/h/.aws/config"));
        assert_eq!(p.credentials, Path::new("/h/.aws/credentials"));
        assert_eq!(p.sso_cache, Path::new("/h/.aws/sso/cache"));
        assert_eq!(p.cli_cache, Path::new("/h/.aws/cli/cache"));
        assert_eq!(p.login_cache, Path::new("/h/.aws/login/cache"));
    }

    #[test]
    fn tilde_expansion() {
        let home = Path::new("/home/u");
        assert_eq!(
            expand_home("~/x/config", home),
            Path::new("/home/u/x/config")
        );
        assert_eq!(expand_home("~", home), Path::new("/home/u"));
        assert_eq!(expand_home("/etc/aws", home), Path::new("/etc/aws"));
        assert_eq!(expand_home("rel/~/x", home), Path::new("rel/~/x"));
    }
}
