//! `uo-aws-tui prompt [--profile P] [--format plain|json|starship]`: the
//! active profile and the state of its login for a shell prompt, from
//! local files only ([`crate::prompt`]).

use time::OffsetDateTime;

use crate::aws::paths::AwsPaths;
use crate::cli::PromptArgs;
use crate::exit::Exit;
use crate::prompt::{render, segment};

/// The segment of `--profile`, else of `AWS_PROFILE`; empty output and
/// exit 0 when neither names a profile.
///
/// Errors: no home directory; the config cannot be read or parsed.
pub fn run(args: &PromptArgs) -> anyhow::Result<Exit> {
    let profile = args
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .filter(|p| !p.is_empty());
    let Some(profile) = profile else {
        return Ok(Exit::Done(String::new()));
    };
    let paths = AwsPaths::from_env()?;
    let now = OffsetDateTime::now_utc();
    let segment = segment(&paths, &profile, now)?;
    Ok(Exit::Done(render(&segment, args.format, now)))
}
