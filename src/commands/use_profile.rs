//! `uo-aws-tui use QUERY…`: the pick without the picker. An exact profile
//! name, or a query exactly one row matches, is written and printed as
//! Enter would; anything else exits 1 with the candidates on stderr.

use crate::cli::UseArgs;
use crate::pick::{self, Environment, Exit};
use crate::scripting::{
    join_query, list_with_settings, namer, refusal, resolve, settings, Resolution,
};
use crate::shell::render;

pub async fn run(args: &UseArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    let query = join_query(&args.query)?;
    let settings = settings(&env)?;
    let listed = list_with_settings(&env, &settings, args.sso_session.as_deref()).await?;
    let name = namer(&settings.profile_template, &listed.session.name);
    for warning in listed.warnings() {
        eprintln!("uo-aws-tui: warning: {warning}");
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
    let region = args
        .region
        .as_deref()
        .or(settings.region.as_deref())
        .unwrap_or(&listed.session.region);
    let choice = pick::choose(
        &listed.session,
        region,
        row,
        rows,
        &settings.profile_template,
    )?;
    if !args.no_write {
        pick::upsert_profile(&env.paths, &env.dirs, &choice)?;
    }
    let _ = crate::favourites::remember(&env.dirs.data_dir, &choice);
    Ok(Exit::Done(render(args.emit, &choice)))
}
