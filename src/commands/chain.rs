//! Chained profiles on the command line: `uo-aws-tui chain SOURCE_PROFILE
//! --role-arn ARN …` writes one; [`ready_chained`] makes one ready for
//! `use`, `exec` and `pick --select-1` (the `uoa` function).

use time::OffsetDateTime;

use crate::chain::{activation, write_chained, ChainedProfile};
use crate::cli::ChainArgs;
use crate::commands::sign_in::sign_in_for;
use crate::doctor::ensure_accepted;
use crate::env::Environment;
use crate::exit::Exit;
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

/// Runs `uo-aws-tui chain`: writes the chained profile of `args`
/// ([`write_chained`]), says where on stderr and prints its name on stdout.
///
/// Errors: the AWS files would be rejected by the AWS CLI; the role ARN is
/// no IAM role ARN; those of [`write_chained`].
pub fn run(args: &ChainArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    ensure_accepted(&env.paths)?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => ChainedProfile::default_name(&args.role_arn).ok_or_else(|| {
            anyhow::anyhow!(
                "--role-arn {} is no IAM role ARN (arn:aws:iam::ACCOUNTID:role/NAME)",
                crate::output::escape(&args.role_arn)
            )
        })?,
    };
    let profile = ChainedProfile {
        name,
        source_profile: args.source_profile.clone(),
        role_arn: args.role_arn.clone(),
        external_id: args.external_id.clone(),
        role_session_name: args.role_session_name.clone(),
        region: args.region.clone(),
    };
    let outcome = write_chained(&env, &profile)?;
    let shown = crate::output::escape(&profile.name);
    crate::output::note(if outcome.written() {
        format!(
            "uo-aws-tui: wrote [profile {shown}] in {}",
            outcome.target().display()
        )
    } else {
        format!(
            "uo-aws-tui: [profile {shown}] in {} is already so",
            outcome.target().display()
        )
    });
    Ok(Exit::Done(format!("{shown}\n")))
}
