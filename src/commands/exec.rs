//! `uo-aws-tui exec PROFILE_OR_QUERY -- COMMAND [ARGS…]`: run a command
//! with a profile activated, as the `init` functions activate it.

use std::process::Command;

use crate::aws::config::{AwsFile, FileKind};
use crate::aws::sso_session::load_session;
use crate::cli::ExecArgs;
use crate::pick::{self, Environment, Exit};
use crate::scripting::{list_with_settings, namer, refusal, resolve, settings, Resolution};
use crate::shell::{activation_vars, vars_to_unset, Choice};

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
        region: section
            .get("region")
            .filter(|r| !r.is_empty())
            .unwrap_or(&session.region)
            .to_string(),
        sso_session: session.name.clone(),
    };
    Ok(Some((choice, session)))
}

pub async fn run(args: &ExecArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    let choice = match existing_choice(&env, args)? {
        Some((choice, session)) => {
            pick::usable_token(&env, &session).await.map_err(|why| {
                anyhow::anyhow!(
                    "{why}\n  run: uo-aws-tui login --sso-session {}",
                    session.name
                )
            })?;
            choice
        }
        None => {
            let settings = settings(&env)?;
            let listed = list_with_settings(&env, &settings, args.sso_session.as_deref()).await?;
            let name = namer(&settings.profile_template, &listed.session.name);
            let rows = listed.catalog.rows();
            let resolution = resolve(&args.target, rows, &name);
            let Resolution::One(row) = resolution else {
                for warning in listed.warnings() {
                    eprintln!("uo-aws-tui: warning: {warning}");
                }
                return Ok(Exit::NoChoice(refusal(
                    &args.target,
                    &listed.session.name,
                    &resolution,
                    &name,
                )));
            };
            let region = settings.region.as_deref().unwrap_or(&listed.session.region);
            let choice = pick::choose(
                &listed.session,
                region,
                row,
                rows,
                &settings.profile_template,
            )?;
            if listed.config.profile(&choice.profile).is_none() {
                pick::upsert_profile(&env.paths, &env.dirs, &choice)?;
            }
            let _ = crate::favourites::remember(&env.dirs.data_dir, &choice);
            choice
        }
    };
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
        eprintln!("uo-aws-tui: exec: no command given after --");
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
    if !unset.is_empty() {
        eprintln!(
            "uo-aws-tui: unset {} (they would take precedence over AWS_PROFILE)",
            unset.join(" ")
        );
    }
    let error = start(&mut cmd);
    let shown = program.to_string_lossy();
    if error.kind() == std::io::ErrorKind::NotFound {
        eprintln!("uo-aws-tui: exec: {shown}: command not found");
        Exit::Status(127)
    } else {
        eprintln!("uo-aws-tui: exec: {shown}: cannot run: {error}");
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
