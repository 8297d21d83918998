//! Command-line interface: every subcommand's arguments (clap types only).

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};

use crate::aws::portal::DEFAULT_CONCURRENCY;
use crate::shell::Emit;

const ABOUT: &str = "Pick an AWS account and role from your IAM Identity Center (SSO) session, \
write its native profile into ~/.aws/config, and print the exports that activate it.";

const EXAMPLES: &str = "\
Examples:
  uo-aws-tui                           open the picker for your only sso-session
  uo-aws-tui genomics admin            open it with a query already typed
  eval \"$(uo-aws-tui)\"                 pick, then export AWS_PROFILE and the region
  uo-aws-tui pick --sso-session uoregon --emit profile
  uo-aws-tui demo                      try it against the built-in simulator, no AWS needed

Exit codes: 0 chosen (result on stdout), 1 cancelled, 2 error, 130 interrupted.";

/// `uo-aws-tui [QUERY…]` is `uo-aws-tui pick [QUERY…]`.
#[derive(Debug, Parser)]
#[command(
    name = "uo-aws-tui",
    version,
    about = ABOUT,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub pick: PickArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the picker (the default command).
    #[command(after_help = "\
Examples:
  uo-aws-tui pick                        every account and role of the session
  uo-aws-tui pick research admin         start with a query (all terms must match)
  uo-aws-tui pick --emit profile         print only the profile name
  uo-aws-tui pick --region eu-west-1     write and export another region
  uo-aws-tui pick --no-write --emit json print the choice, leave ~/.aws/config alone

Keys: type to filter · ↑/↓ Ctrl-p/Ctrl-n PgUp/PgDn Home/End move · Enter write the profile ·
Esc cancel · Ctrl-c quit · Ctrl-w/Ctrl-u delete word/query · Ctrl-r refresh · Ctrl-f favourite · F1 help")]
    Pick(PickArgs),
    /// Run against the built-in IAM Identity Center simulator (no AWS needed).
    #[command(after_help = "\
Examples:
  uo-aws-tui demo                                  the picker on a simulated university org
  uo-aws-tui demo --serve --port 9000              only the simulator, for other tools
  uo-aws-tui demo --serve --home /tmp/demo-home    and write a config + token under /tmp/demo-home/.aws

With --serve, point tools at it with the printed AWS_ENDPOINT_URL_SSO line.")]
    Demo(DemoArgs),
    /// Sign in to an sso-session (PKCE in the browser, or a device code).
    #[command(after_help = "\
Examples:
  uo-aws-tui login                                   the only (or AWS_PROFILE's) sso-session
  uo-aws-tui login --sso-session uoregon --use-device-code
  uo-aws-tui login --sso-session uoregon --start-url https://d-1234567890.awsapps.com/start

The token is written where `aws sso login` writes it (~/.aws/sso/cache), so the AWS CLI,
terraform and uo-aws-tui share one login. Without a usable browser (no $BROWSER, no display,
or an SSH session) the device code flow is used. The URL and code go to stderr.")]
    Login(LoginArgs),
    /// End a login: portal Logout, delete its token and cached role credentials.
    #[command(after_help = "\
Examples:
  uo-aws-tui logout                          the only (or AWS_PROFILE's) sso-session
  uo-aws-tui logout --sso-session uoregon
  uo-aws-tui logout --all                    every cached login, as `aws sso logout`

Client registrations stay, so the next login is quicker.")]
    Logout(LogoutArgs),
}

#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// The sso-session to sign in to (created with --start-url when missing).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// Use the device code flow (a URL and a code to confirm on any device).
    #[arg(long)]
    pub use_device_code: bool,
    /// Do not open a browser; print the URL (the flow stays the same).
    #[arg(long)]
    pub no_browser: bool,
    /// Port on 127.0.0.1 for the browser's answer in the PKCE flow (default: any free port).
    #[arg(long, value_name = "P")]
    pub redirect_port: Option<u16>,
    /// With a new --sso-session: its start URL.
    #[arg(long, value_name = "URL", requires = "sso_session")]
    pub start_url: Option<String>,
    /// With a new --sso-session: its region.
    #[arg(long, value_name = "REGION", default_value = "us-west-2", value_parser = parse_region)]
    pub sso_region: String,
}

#[derive(Debug, Clone, Args)]
pub struct LogoutArgs {
    /// The sso-session to log out of.
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub sso_session: Option<String>,
    /// Every cached login and every cached SSO role credential.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PickArgs {
    /// The sso-session to list (default: the session of AWS_PROFILE, else the only one).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// What to print on stdout after a choice.
    #[arg(long, value_enum, default_value_t = Emit::Posix)]
    pub emit: Emit,
    /// Region to write into the profile and export (default: the session's sso_region).
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
    /// Do not touch the config file; only print the result.
    #[arg(long)]
    pub no_write: bool,
    /// List the portal now even when the cached catalog is fresh.
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Never contact the portal: pick from the cached catalog.
    #[arg(long)]
    pub offline: bool,
    /// How many accounts' roles are fetched at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=64).map(usize::from))]
    pub concurrency: usize,
    /// Initial query: every whitespace-separated term must match the account
    /// name, id, role or email.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Only run the simulator and print how to reach it; runs until Ctrl-C.
    #[arg(long)]
    pub serve: bool,
    /// Port on 127.0.0.1 (default: any free port).
    #[arg(long, value_name = "P", requires = "serve")]
    pub port: Option<u16>,
    /// Number of accounts to simulate (default: the built-in organisation's size;
    /// more are generated deterministically).
    #[arg(long, value_name = "N")]
    pub accounts: Option<usize>,
    /// Largest page the simulated portal returns.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=100).map(usize::from))]
    pub page_size: usize,
    /// Delay before every simulated response, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Answer 429 TooManyRequestsException to requests beyond N in any one second.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rps: Option<u32>,
    /// Make ListAccountRoles of this account answer 500 (repeatable).
    #[arg(long = "fail-account", value_name = "ID")]
    pub fail_accounts: Vec<String>,
    /// With --serve: also write DIR/.aws/config (an [sso-session uoregon]) and its token file.
    #[arg(long, value_name = "DIR", requires = "serve")]
    pub home: Option<PathBuf>,
    /// What to print on stdout after a choice.
    #[arg(long, value_enum, default_value_t = Emit::Posix)]
    pub emit: Emit,
    /// Initial query for the picker.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
}

/// A region name as AWS spells them (`us-west-2`, `eu-central-1`,
/// `us-gov-west-1`): lower-case letters, digits and dashes.
fn parse_region(value: &str) -> Result<String, String> {
    let ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(value.to_string())
    } else {
        Err(format!("{value:?} is not a region name like us-west-2"))
    }
}
