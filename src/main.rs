use std::process::ExitCode;

use clap::Parser;
use uo_aws_tui::aws::portal::DEFAULT_CONCURRENCY;
use uo_aws_tui::cli::{Cli, Command, PickArgs};
use uo_aws_tui::commands::chain;
use uo_aws_tui::env::Environment;
use uo_aws_tui::exit::Exit;
use uo_aws_tui::output;
use uo_aws_tui::picker::{self, PickRequest};
use uo_aws_tui::settings::Settings;

fn main() -> ExitCode {
    if let Some(code) = uo_aws_tui::completion::run_from_env() {
        return ExitCode::from(code);
    }
    let cli = Cli::parse();
    if cli.verbose {
        uo_aws_tui::details::enable();
    }
    let output = match &cli.command {
        Some(Command::Pick(args)) => args.choice.output.clone(),
        Some(Command::Use(args)) => args.choice.output.clone(),
        Some(Command::Deactivate(args)) => args.output.clone(),
        Some(Command::Demo(args)) => args.output.clone(),
        None => cli.pick.choice.output.clone(),
        Some(_) => None,
    };
    // A settings file that cannot be used stops every command but the ones
    // that help fix it (doctor reports it) or do not concern it.
    if !matches!(
        cli.command,
        Some(Command::Doctor(_) | Command::Init(_) | Command::Completions(_) | Command::Prompt(_))
    ) {
        if let Some(dirs) = uo_aws_tui::dirs::AppDirs::from_env() {
            if let Err(e) = Settings::load(&dirs) {
                return fail(&e.into());
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Some(Command::Demo(args)) => uo_aws_tui::demo::run(&args).await,
            Some(Command::Login(args)) => uo_aws_tui::commands::login::run(&args).await,
            Some(Command::Logout(args)) => uo_aws_tui::commands::logout::run(&args).await,
            Some(Command::Status(args)) => uo_aws_tui::commands::status::run(&args),
            Some(Command::Prompt(args)) => uo_aws_tui::commands::prompt::run(&args),
            Some(Command::Doctor(args)) => uo_aws_tui::commands::doctor::run(&args),
            Some(Command::Pick(args)) => run_pick(args).await,
            Some(Command::Init(args)) => uo_aws_tui::commands::init::run(&args),
            Some(Command::Use(args)) => uo_aws_tui::commands::use_profile::run(&args).await,
            Some(Command::Exec(args)) => uo_aws_tui::commands::exec::run(&args).await,
            Some(Command::List(args)) => uo_aws_tui::commands::list::run(&args).await,
            Some(Command::Populate(args)) => uo_aws_tui::commands::populate::run(&args).await,
            Some(Command::Console(args)) => uo_aws_tui::commands::console::run(&args).await,
            Some(Command::Credentials(args)) => uo_aws_tui::commands::credentials::run(&args).await,
            Some(Command::Chain(args)) => chain::run(&args),
            Some(Command::Deactivate(args)) => {
                Ok(Exit::Done(uo_aws_tui::shell::deactivation(args.emit)))
            }
            Some(Command::Completions(args)) => Ok(Exit::Done(
                uo_aws_tui::commands::init::completions(args.shell),
            )),
            None => {
                match uo_aws_tui::typo::refuse(
                    &cli.pick.query,
                    cli.pick.choice.sso_session.as_deref(),
                ) {
                    Ok(()) => run_pick(cli.pick).await,
                    Err(e) => Err(e),
                }
            }
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(exit) => {
            if let Exit::NoChoice(message) = &exit {
                output::error(message);
            }
            if let (Exit::Done(text), Some(path)) = (&exit, &output) {
                // Only a success replaces the file, and never half-written.
                let mode = uo_aws_tui::atomic_file::Mode::KeepOr(0o644);
                if let Err(e) = uo_aws_tui::atomic_file::write_atomic(path, text.as_bytes(), mode) {
                    return fail(&anyhow::anyhow!("{}: cannot write: {e}", path.display()));
                }
                return ExitCode::from(exit.code());
            }
            if let Exit::Done(text) = &exit {
                if output::stdout(text).is_err() {
                    return ExitCode::from(2);
                }
            }
            ExitCode::from(exit.code())
        }
        Err(e) => fail(&e),
    }
}

async fn run_pick(args: PickArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    let settings = Settings::load(&env.dirs)?;
    let regions = settings.region_defaults(args.choice.region);
    if args.select_1 && !args.offline {
        // `uoa PROFILE` of a chained profile: the root's login, then the profile as it is.
        let session = args.choice.sso_session.as_deref();
        let name = args.query.join(" ");
        uo_aws_tui::doctor::ensure_accepted(&env.paths)?;
        if let Some(choice) = chain::ready_chained(&env, &name, session, &regions, false).await? {
            let (strict, emit) = (args.choice.strict, args.choice.emit);
            return uo_aws_tui::handover::hand_over(&env, &choice, None, strict, emit);
        }
    }
    let companion = args
        .choice
        .companion
        .then(|| settings.companion_template().to_string());
    let request = PickRequest {
        sso_session: args.choice.sso_session.or(settings.sso_session),
        query: args.query.join(" "),
        emit: args.choice.emit,
        concurrency: args
            .concurrency
            .or(settings.concurrency)
            .unwrap_or(DEFAULT_CONCURRENCY),
        regions,
        no_write: args.choice.no_write,
        strict: args.choice.strict,
        select_1: args.select_1,
        template: settings.profile_template,
        refresh: args.refresh,
        offline: args.offline,
        companion,
        chain_role_arn: settings.chain_role_arn,
    };
    picker::run(&env, &request).await
}

fn fail(e: &anyhow::Error) -> ExitCode {
    output::error(output::chain(e.chain()));
    ExitCode::from(2)
}
