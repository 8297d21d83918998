//! `uo-aws-tui exec PROFILE_OR_QUERY -- COMMAND [ARGS…]`: run a command
//! with a profile activated, as the `init` functions activate it. A
//! chained profile (`role_arn` + `source_profile`) is activated as it is
//! once its root's login is valid; the command's SDK assumes the roles.

use std::process::Command;

use crate::aws::config::{AwsFile, FileKind};
use crate::aws::sso_session::load_session;
use crate::cli::ExecArgs;
use crate::commands::sign_in::{ensure_login, sign_in_for};
use crate::doctor::{ensure_accepted, warn_about_profile};
use crate::env::Environment;
use crate::exit::Exit;
use crate::profile::{commit, region_for, Assignment, Target, Write};
use crate::scripting::{catalog_for_handoff, namer, refusal, resolve, settings, Resolution};
use crate::shell::{activation_vars, unset_note, vars_to_unset, Choice};

/// The choice for an existing profile of the config that names an
/// sso-session, account and role: used as it is, without listing. `None`
/// when `name` is no such profile (or belongs to another session than
/// `--sso-session`).
fn existing_choice(
    env: &Environment,
    args: &ExecArgs,
) -> anyhow::Result<Option<(Choice, crate::aws::sso_session::SsoSession)>> {
    let Some(config) = AwsFile::load_optional(&env.paths.config, FileKind::Config)? else {
        return Ok(None);
    };
    let Some(section) = config.profile(&args.target) else {
        return Ok(None);
    };
    let (Some(session), Some(account), Some(role)) = (
        section.get("sso_session"),
        section.get("sso_account_id"),
        section.get("sso_role_name"),
    ) else {
        return Ok(None);
    };
    if args.sso_session.as_deref().is_some_and(|s| s != session) {
        return Ok(None);
    }
    let session = load_session(&config, session)?;
    let choice = Choice {
        profile: args.target.clone(),
        account_id: account.to_string(),
        account_name: String::new(),
        role_name: role.to_string(),
        region: region_for(
            &settings(env)?.region_defaults(None),
            &Assignment {
                account_id: account,
                account_name: None,
                role_name: Some(role),
            },
            section.get("region"),
            &session.region,
        )
        .0,
        sso_session: session.name.clone(),
    };
    Ok(Some((choice, session)))
}

pub async fn run(args: &ExecArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    ensure_accepted(&env.paths)?;
    let chained = crate::commands::chain::ready_chained(
        &env,
        &args.target,
        args.sso_session.as_deref(),
        &settings(&env)?.region_defaults(None),
        args.catalog.offline,
    )
    .await?;
    let choice = match chained {
        Some(choice) => choice,
        None => match existing_choice(&env, args)? {
            Some((choice, session)) => {
                ensure_login(&env, &session, args.catalog.offline).await?;
                choice
            }
            None => {
                let settings = settings(&env)?;
                let requested = args.sso_session.as_deref();
                let (flags, query) = (args.catalog, args.target.as_str());
                let listed =
                    match catalog_for_handoff(&env, &settings, requested, flags, query).await {
                        Ok(listed) => listed,
                        // Offline never signs in: that is a network call.
                        Err(e) if flags.offline => return Err(e),
                        Err(e) => {
                            sign_in_for(&env, e).await?;
                            catalog_for_handoff(&env, &settings, requested, flags, query).await?
                        }
                    };
                let name = namer(&settings.profile_template, &listed.session.name);
                let rows = listed.catalog.rows();
                let resolution = resolve(&args.target, rows, &name);
                let Resolution::One(row) = resolution else {
                    for warning in listed.warnings() {
                        crate::output::warn(warning);
                    }
                    return Ok(Exit::NoChoice(refusal(
                        &args.target,
                        &listed.session.name,
                        &resolution,
                        &name,
                    )));
                };
                let regions = settings.region_defaults(None);
                let target = Target {
                    session: &listed.session,
                    regions: &regions,
                    template: &settings.profile_template,
                    write: Write::IfMissing,
                };
                commit(&env, &target, row, rows)?
            }
        },
    };
    crate::handover::ensure_nameable(&env, &choice)?;
    warn_about_profile(&env.paths, &choice.profile, args.strict)?;
    Ok(run_command(&choice, &args.command))
}

/// Runs `command` with `choice` activated: `AWS_PROFILE`, `AWS_REGION`,
/// `AWS_DEFAULT_REGION` set; static credentials and a differing
/// `AWS_DEFAULT_PROFILE` removed, with a note on stderr. On unix the
/// command replaces this process (so signals and the exit code are its
/// own); this returns only when it could not be started: 127 when it was
/// not found, 126 when it could not be executed.
fn run_command(choice: &Choice, command: &[std::ffi::OsString]) -> Exit {
    let Some((program, rest)) = command.split_first() else {
        crate::output::error("exec: no command given after --");
        return Exit::Status(2);
    };
    let mut cmd = Command::new(program);
    cmd.args(rest);
    let unset = vars_to_unset(&choice.profile, |name| std::env::var(name).ok());
    for name in &unset {
        cmd.env_remove(name);
    }
    for (name, value) in activation_vars(choice) {
        cmd.env(name, value);
    }
    if let Some(note) = unset_note(&unset) {
        crate::output::note(note);
    }
    let error = start(&mut cmd);
    let shown = program.to_string_lossy();
    if error.kind() == std::io::ErrorKind::NotFound {
        crate::output::note(format!("uo-aws-tui: exec: {shown}: command not found"));
        Exit::Status(127)
    } else {
        crate::output::note(format!("uo-aws-tui: exec: {shown}: cannot run: {error}"));
        Exit::Status(126)
    }
}

/// Replaces this process with `cmd`; returns only the error.
#[cfg(unix)]
fn start(cmd: &mut Command) -> std::io::Error {
    use std::os::unix::process::CommandExt as _;
    cmd.exec()
}

/// Runs `cmd` to the end and exits with its code; returns only the error
/// of starting it.
#[cfg(not(unix))]
fn start(cmd: &mut Command) -> std::io::Error {
    match cmd.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => e,
    }
}
