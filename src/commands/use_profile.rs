//! `uo-aws-tui use QUERY…`: the pick without the picker. An exact profile
//! name, or a query exactly one row matches, is written and printed as
//! Enter would; anything else exits 1 with the candidates on stderr. The
//! catalog follows the cache rule ([`crate::scripting::catalog_for`]). A
//! chained profile (`role_arn` + `source_profile`) is printed as it is once
//! its root's login is valid.

use crate::cli::UseArgs;
use crate::commands::chain::ready_chained;
use crate::commands::sign_in::sign_in_for;
use crate::doctor::ensure_accepted;
use crate::env::Environment;
use crate::exit::Exit;
use crate::handover::hand_over;
use crate::profile::{commit, Target, Write};
use crate::scripting::{
    catalog_for_handoff, join_query, namer, refusal, resolve, settings, Resolution,
};

pub async fn run(args: &UseArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    ensure_accepted(&env.paths)?;
    let query = join_query(&args.query)?;
    let settings = settings(&env)?;
    let session = args.choice.sso_session.as_deref();
    let regions = settings.region_defaults(args.choice.region.clone());
    let offline = args.catalog.offline;
    if let Some(choice) = ready_chained(&env, &query, session, &regions, offline).await? {
        return hand_over(&env, &choice, None, args.choice.strict, args.choice.emit);
    }
    let flags = args.catalog;
    let listed = match catalog_for_handoff(&env, &settings, session, flags, &query).await {
        Ok(listed) => listed,
        // Offline never signs in: that is a network call.
        Err(e) if flags.offline => return Err(e),
        Err(e) => {
            sign_in_for(&env, e).await?;
            catalog_for_handoff(&env, &settings, session, flags, &query).await?
        }
    };
    let name = namer(&settings.profile_template, &listed.session.name);
    for warning in listed.warnings() {
        crate::output::warn(warning);
    }
    let rows = listed.catalog.rows();
    let resolution = resolve(&query, rows, &name);
    let Resolution::One(row) = resolution else {
        return Ok(Exit::NoChoice(refusal(
            &query,
            &listed.session.name,
            &resolution,
            &name,
        )));
    };
    let target = Target {
        session: &listed.session,
        regions: &regions,
        template: &settings.profile_template,
        write: if args.choice.no_write {
            Write::Never
        } else {
            Write::Upsert
        },
    };
    let choice = commit(&env, &target, row, rows)?;
    let companion = args.choice.companion.then(|| settings.companion_template());
    hand_over(
        &env,
        &choice,
        companion,
        args.choice.strict,
        args.choice.emit,
    )
}
