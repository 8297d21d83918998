//! Chained profiles on the command line: `uo-aws-tui chain SOURCE_PROFILE
//! --role-arn ARN …` writes one; [`ready_chained`] makes one ready for
//! `use`, `exec` and `pick --select-1` (the `uoa` function);
//! [`console`] is `console` of one
//! (the assumed role's keys, [`crate::chain_credentials`]).

use anyhow::Context as _;

use crate::aws::role_credentials::role_credentials;
use crate::chain::{activation, default_region, write_chained, ChainedProfile};
use crate::chain_credentials::{assume_chain, chained_role};
use crate::cli::{ChainArgs, ConsoleArgs};
use crate::commands::sign_in::{ensure_login, sign_in_for};
use crate::doctor::ensure_accepted;
use crate::env::Environment;
use crate::exit::Exit;
use crate::region::RegionDefaults;
use crate::shell::Choice;

/// The [`Choice`] for `profile` when it is a chained profile whose chain
/// starts at an SSO profile ([`activation`]), once it is known to work as
/// far as can be checked without assuming its roles: every link as
/// `credentials` reads it ([`chained_role`]: each `role_arn` an IAM role
/// ARN, each `duration_seconds` a number), the root's login made usable
/// exactly as for an SSO profile ([`ensure_login`]: with `offline`, the
/// token file decides), and, unless `offline`, the root's role credentials
/// fetched as the SDK will fetch them first (into the AWS CLI's cache,
/// which the SDK then reads): a role the session cannot use stops here.
/// `Ok(None)` when `profile` is no chained profile (of `only_session`).
///
/// Errors: those of [`activation`] and [`chained_role`]; the root needs a
/// login and there is no terminal ([`crate::token::NeedsLogin`], exit 2
/// with the login hint); the login failed; the portal refuses the root's
/// role.
pub async fn ready_chained(
    env: &Environment,
    profile: &str,
    only_session: Option<&str>,
    regions: &RegionDefaults,
    offline: bool,
) -> anyhow::Result<Option<Choice>> {
    let Some((choice, root)) = activation(env, profile, only_session, regions)? else {
        return Ok(None);
    };
    let Some(chained) = chained_role(env, profile)? else {
        return Ok(None);
    };
    ensure_login(env, &root, offline).await?;
    if !offline {
        let role = &chained.root;
        role_credentials(env, &root, &role.account_id, &role.role, |e| {
            sign_in_for(env, e)
        })
        .await
        .with_context(|| {
            format!(
                "profile {} starts from profile {} (account {}, role {}), whose role \
                 credentials the portal does not give",
                crate::output::escape(profile),
                crate::output::escape(&role.profile),
                crate::output::escape(&role.account_id),
                crate::output::escape(&role.role)
            )
        })?;
    }
    Ok(Some(choice))
}

/// Runs `uo-aws-tui chain`: writes the chained profile of `args`
/// ([`write_chained`]; without `--region`, the region `use` would export
/// for it, [`default_region`]), says where on stderr and prints its name on
/// stdout.
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
    let region = match &args.region {
        Some(region) => Some(region.clone()),
        None => {
            let regions = crate::settings::Settings::load(&env.dirs)?.region_defaults(None);
            default_region(&env, &name, &args.source_profile, &args.role_arn, &regions)?
        }
    };
    let profile = ChainedProfile {
        name,
        source_profile: args.source_profile.clone(),
        role_arn: args.role_arn.clone(),
        external_id: args.external_id.clone(),
        role_session_name: args.role_session_name.clone(),
        region,
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

/// `uo-aws-tui console PROFILE` when `wanted` is a chained profile: the
/// console as its last role, from the assumed role's keys
/// ([`crate::console::signin_url_with`]); the region by
/// [`crate::region::region_for`] from `regions`, the chained profile's own
/// region, else its root's, else the root session's. `Ok(None)`: `wanted`
/// is no chained profile.
///
/// Errors: those of [`chained_role`], [`assume_chain`] and the console's.
pub async fn console(
    env: &Environment,
    args: &ConsoleArgs,
    regions: &RegionDefaults,
    wanted: &str,
) -> anyhow::Result<Option<Exit>> {
    let Some(chained) = chained_role(env, wanted)? else {
        return Ok(None);
    };
    let (_, session) = env.session(Some(&chained.root.sso_session))?;
    let role = chained.role();
    let assignment = crate::region::Assignment {
        account_id: &role.account_id,
        account_name: None,
        role_name: Some(&role.role),
    };
    let (region, _) = crate::region::region_for(
        regions,
        &assignment,
        role.region.as_deref(),
        &session.region,
    );
    let (federation, url) = crate::console::signin_url_with(
        env,
        &region,
        args.service.as_deref(),
        args.destination.as_deref(),
        || assume_chain(env, &chained, |e| sign_in_for(env, e)),
    )
    .await?;
    if args.print {
        return Ok(Some(Exit::Done(format!("{}\n", url.expose()))));
    }
    let browser = crate::aws::login::Browser::from_env();
    crate::console::present(&federation, &url, &browser, &chained.profile).await?;
    Ok(Some(Exit::Done(String::new())))
}
