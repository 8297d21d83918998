//! `uo-aws-tui console [PROFILE_OR_QUERY] [--region R] [--service NAME |
//! --destination URL] [--print]`: the AWS console as a role, through
//! [`crate::console`]. The target is a native profile of the config file
//! (default `AWS_PROFILE`), else a query resolved like `use`; a token that
//! needs a login gets the inline login of `use`.

use crate::aws::config::{AwsFile, FileKind};
use crate::aws::login::Browser;
use crate::aws::role_credentials::ProfileRole;
use crate::cli::ConsoleArgs;
use crate::commands::sign_in::sign_in_for;
use crate::console::{present, signin_url, ConsoleTarget};
use crate::env::Environment;
use crate::exit::Exit;
use crate::region::region_for;
use crate::scripting::{catalog_for_handoff, namer, refusal, resolve, settings, Resolution};

pub async fn run(args: &ConsoleArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    let settings = settings(&env)?;
    let wanted = match args.target.join(" ") {
        q if !q.trim().is_empty() => q,
        _ => env.aws_profile.clone().ok_or_else(|| {
            anyhow::anyhow!("give a profile name or a query (or set AWS_PROFILE)")
        })?,
    };
    let regions = settings.region_defaults(args.region.clone());
    if let Some(exit) = crate::commands::chain::console(&env, args, &regions, &wanted).await? {
        return Ok(exit);
    }
    let config = AwsFile::load(&env.paths.config, FileKind::Config)?;
    let credentials = AwsFile::load_optional(&env.paths.credentials, FileKind::Credentials)?;
    let profiles = crate::chain::Profiles::new(Some(&config), credentials.as_ref());
    let role = match ProfileRole::of_profile(&profiles, &wanted) {
        Ok(role) => role,
        Err(_) if config.profile(&wanted).is_none() => {
            let requested = args.sso_session.as_deref();
            let flags = args.catalog;
            let listed = match catalog_for_handoff(&env, &settings, requested, flags, &wanted).await
            {
                Ok(listed) => listed,
                Err(e) => {
                    sign_in_for(&env, e).await?;
                    catalog_for_handoff(&env, &settings, requested, flags, &wanted).await?
                }
            };
            let name = namer(&settings.profile_template, &listed.session.name);
            let rows = listed.catalog.rows();
            let resolution = resolve(&wanted, rows, &name);
            let Resolution::One(row) = resolution else {
                let session = &listed.session.name;
                return Ok(Exit::NoChoice(refusal(
                    &wanted,
                    session,
                    &resolution,
                    &name,
                )));
            };
            let existing = listed.config.profile(&name(row));
            ProfileRole {
                profile: name(row),
                sso_session: listed.session.name.clone(),
                account_id: row.account.id.clone(),
                role: row.role().unwrap_or_default().to_string(),
                region: existing.and_then(|s| s.get("region")).map(str::to_string),
            }
        }
        Err(why) => anyhow::bail!(why),
    };
    let (_, session) = env.session(Some(&role.sso_session))?;
    let assignment = crate::region::Assignment {
        account_id: &role.account_id,
        account_name: None,
        role_name: Some(&role.role),
    };
    let (region, _) = region_for(
        &regions,
        &assignment,
        role.region.as_deref(),
        &session.region,
    );
    let target = ConsoleTarget {
        session: &session,
        account_id: &role.account_id,
        role: &role.role,
        region: &region,
        service: args.service.as_deref(),
        destination: args.destination.as_deref(),
    };
    let (federation, url) = signin_url(&env, &target, |e| sign_in_for(&env, e)).await?;
    if args.print {
        return Ok(Exit::Done(format!("{}\n", url.expose())));
    }
    present(&federation, &url, &Browser::from_env(), &role.profile).await?;
    Ok(Exit::Done(String::new()))
}
