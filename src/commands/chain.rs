//! Chained profiles on the command line: making a chained profile ready
//! for `use`, `exec` and `pick --select-1` (the `uoa` function).

use time::OffsetDateTime;

use crate::chain::activation;
use crate::commands::sign_in::sign_in_for;
use crate::env::Environment;
use crate::region::RegionDefaults;
use crate::shell::Choice;
use crate::token::{token_for, Policy};

/// The [`Choice`] for `profile` when it is a chained profile whose chain
/// starts at an SSO profile ([`activation`]), after the root's login was
/// made valid exactly as for an SSO profile: the token refreshed when it
/// can be ([`Policy::Usable`]), else signed in inline ([`sign_in_for`]).
/// `Ok(None)` when `profile` is no chained profile (of `only_session`).
///
/// Errors: those of [`activation`]; the root needs a login and there is no
/// terminal ([`crate::token::NeedsLogin`], exit 2 with the login hint); the
/// login failed.
pub async fn ready_chained(
    env: &Environment,
    profile: &str,
    only_session: Option<&str>,
    regions: &RegionDefaults,
) -> anyhow::Result<Option<Choice>> {
    let Some((choice, root)) = activation(env, profile, only_session, regions)? else {
        return Ok(None);
    };
    if let Err(needs) = token_for(env, &root, Policy::Usable, OffsetDateTime::now_utc()).await {
        sign_in_for(env, needs.into()).await?;
    }
    Ok(Some(choice))
}
