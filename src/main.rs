use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use uo_aws_tui::cli::{Cli, Command, PickArgs};
use uo_aws_tui::pick::{self, Environment, Exit, PickRequest};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            Some(Command::Pick(args)) => run_pick(args).await,
            None => run_pick(cli.pick).await,
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(exit) => {
            if let Exit::Done(text) = &exit {
                let mut stdout = std::io::stdout().lock();
                if stdout
                    .write_all(text.as_bytes())
                    .and_then(|_| stdout.flush())
                    .is_err()
                {
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
    let request = PickRequest {
        sso_session: args.sso_session,
        query: args.query.join(" "),
        emit: args.emit,
        concurrency: args.concurrency,
        region: args.region,
        no_write: args.no_write,
        refresh: args.refresh,
        offline: args.offline,
    };
    pick::run(&env, &request).await
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("uo-aws-tui: {e:#}");
    ExitCode::from(2)
}
