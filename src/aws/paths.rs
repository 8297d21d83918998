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
    /// `AWS_LOGIN_CACHE_DIRECTORY` when set (a leading `~/` and `$VAR`s are
    /// expanded, as botocore does).
    ///
    /// Errors: [`PathsError::NoHome`] when no home directory can be found;
    /// [`PathsError::EmptyConfigFile`] when `AWS_CONFIG_FILE` is set but
    /// empty (botocore, the AWS CLI and the Rust SDK then read no config
    /// file at all, so a profile we wrote anywhere would not be found).
    pub fn from_env() -> Result<AwsPaths, PathsError> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))
            .ok_or(PathsError::NoHome)?;
        if std::env::var_os("AWS_CONFIG_FILE").is_some_and(|v| v.is_empty()) {
            return Err(PathsError::EmptyConfigFile);
        }
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
        Ok(paths)
    }
}

/// Why [`AwsPaths::from_env`] found no paths.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathsError {
    /// Neither `HOME` nor the platform names a home directory.
    #[error("cannot find the home directory (set HOME)")]
    NoHome,
    /// `AWS_CONFIG_FILE` is set to the empty string.
    #[error(
        "AWS_CONFIG_FILE is set but empty: the AWS CLI, botocore and the SDKs then read no config file, so no profile or sso-session can be used. Fix: unset AWS_CONFIG_FILE (for ~/.aws/config), or set it to your config file"
    )]
    EmptyConfigFile,
}

fn env_path(var: &str, home: &Path) -> Option<PathBuf> {
    let value = std::env::var(var).ok().filter(|v| !v.is_empty())?;
    let path = expand_home(&value, home);
    // botocore: os.path.expandvars(os.path.expanduser(path)).
    Some(match path.to_str() {
        Some(text) => PathBuf::from(expand_vars(text, |name| std::env::var(name).ok())),
        None => path,
    })
}

/// `text` with each `$NAME` and `${NAME}` that `get` knows replaced by its
/// value, as Python's `os.path.expandvars` does (botocore expands
/// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` so): `NAME` is
/// letters, digits and `_` (inside braces anything up to `}`); an unknown
/// or unterminated one stays as written.
pub fn expand_vars(text: &str, get: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (!name.is_empty()).then(|| get(name)).flatten() {
            Some(value) => {
                out.push_str(&value);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn variables_expand_as_python_expandvars() {
        let get = |name: &str| match name {
            "HOME" => Some("/h".to_string()),
            "X_1" => Some("x".to_string()),
            _ => None,
        };
        assert_eq!(
            expand_vars("$HOME/.aws/credentials", get),
            "/h/.aws/credentials"
        );
        assert_eq!(expand_vars("${HOME}/c-$X_1.ini", get), "/h/c-x.ini");
        assert_eq!(expand_vars("$NOPE/a/${NOPE}/$", get), "$NOPE/a/${NOPE}/$");
        assert_eq!(expand_vars("${HOME/a", get), "${HOME/a");
        assert_eq!(expand_vars("a$$HOME", get), "a$/h");
        assert_eq!(expand_vars("/plain", get), "/plain");
    }

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
