//! Command-line interface: every subcommand's arguments (clap types only).

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};

use crate::shell::{Emit, Shell, Syntax};

const ABOUT: &str = "Pick an AWS account and role from your IAM Identity Center (SSO) session, \
write its native profile into ~/.aws/config, and print the exports that activate it.";

const EXAMPLES: &str = "\
Examples:
  uo-aws-tui                           open the picker for your only sso-session
  uo-aws-tui genomics admin            open it with a query already typed
  eval \"$(uo-aws-tui)\"                 pick, then export AWS_PROFILE and the region
  eval \"$(uo-aws-tui init bash)\"       define `uoa`, which picks and activates in one step
  uo-aws-tui pick --sso-session uoregon --emit profile
  uo-aws-tui demo                      try it against the built-in simulator, no AWS needed

Exit codes: 0 chosen (result on stdout), 1 cancelled, 2 error, 130 interrupted.";

/// `--version`: the crate version and the commit it was built from
/// (`unknown` when built outside a checkout or package; see `build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("UO_AWS_TUI_COMMIT"),
    ")"
);

/// `uo-aws-tui [QUERY…]` is `uo-aws-tui pick [QUERY…]`.
#[derive(Debug, Parser)]
#[command(
    name = "uo-aws-tui",
    version = VERSION,
    about = ABOUT,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens.
    #[arg(long, global = true)]
    pub verbose: bool,
    #[command(flatten)]
    pub pick: PickArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the picker (the default command).
    #[command(after_help = pick_after_help())]
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
    /// Print a shell function that picks and activates a profile in the current shell.
    #[command(after_help = "\
Examples:
  eval \"$(uo-aws-tui init bash)\"          in ~/.bashrc: defines `uoa`
  eval \"$(uo-aws-tui init zsh)\"           in ~/.zshrc
  uo-aws-tui init fish | source           in ~/.config/fish/config.fish
  eval \"$(uo-aws-tui init bash --cmd aws-login)\"   name the function aws-login

Then `uoa talapas admin` picks 234537669642_AWSAdministratorAccess (at once, as one row
stands out; otherwise the picker opens with the query) and sets AWS_PROFILE,
AWS_REGION and AWS_DEFAULT_REGION; it unsets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_WEB_IDENTITY_TOKEN_FILE and a different AWS_DEFAULT_PROFILE,
saying so on stderr. When the pick is cancelled or fails, nothing changes and the function
returns the exit code.")]
    Init(InitArgs),
    /// Choose without the picker: write and print the profile a query names.
    #[command(after_help = "\
Examples:
  eval \"$(uo-aws-tui use 127027105832_Billing)\"    an exact profile name
  eval \"$(uo-aws-tui use management billing)\"      127027105832_Billing, the one row that fits
  uo-aws-tui use --emit terraform racs admin > provider.tf   566737894407_AWSAdministratorAccess
  uo-aws-tui use --no-write --emit json talapas admin       234537669642_AWSAdministratorAccess

A profile name, or a query with exactly one row in the best tier any row reaches (better than
fuzzy; the picker's ranking), is written and printed as Enter would. Otherwise it exits 1 with
the best candidates on stderr and nothing on stdout.")]
    Use(UseArgs),
    /// Run a command with a profile activated (written first when missing).
    #[command(after_help = "\
Examples:
  uo-aws-tui exec 127027105832_Billing -- aws sts get-caller-identity
  uo-aws-tui exec 'racs admin' -- terraform plan      566737894407_AWSAdministratorAccess
  uo-aws-tui exec --sso-session uoregon 'audit viewonly' -- aws s3 ls   044104916089_ViewOnlyAccess

The profile is resolved like `use` (an existing profile of the session is used as it is), the
token refreshed when needed, and COMMAND runs with AWS_PROFILE, AWS_REGION and
AWS_DEFAULT_REGION set and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_WEB_IDENTITY_TOKEN_FILE and a different AWS_DEFAULT_PROFILE removed. Its exit code is
returned; 127 when it cannot be found.")]
    Exec(ExecArgs),
    /// List the session's accounts and roles for scripts.
    #[command(after_help = "\
Examples:
  uo-aws-tui list                              a table of every account and role
  uo-aws-tui list --tsv lab | cut -f5          the profile names of matching rows
  uo-aws-tui list 5667                         the roles of the account whose id starts 5667
  uo-aws-tui list --json | jq -r '.[] | select(.profile_exists | not) | .profile'

Columns: account_id, account_name, email, role_name, profile, profile_exists. A query keeps the
matching rows, best first (the picker's ranking). In TSV, backslash, tab, newline, carriage
return and other hidden characters (controls, bidi controls, zero-width and other invisible
format characters) in fields are written as \\\\, \\t, \\n, \\r, \\xNN and \\u{…}; JSON writes
them as \\uXXXX.")]
    List(ListArgs),
    /// Show every login (sso-sessions and legacy start URLs) and how long it lasts.
    #[command(after_help = "\
Examples:
  uo-aws-tui status                   a table: session, start URL, region, state, expiry
  uo-aws-tui status --json            the same as a JSON array, for scripts
  uo-aws-tui status && terraform plan   run terraform only while every login is usable

Reads ~/.aws/config and ~/.aws/sso/cache only; no network call.
Exit codes: 0 every login valid or refreshable, 1 otherwise (or none), 2 error.")]
    Status(StatusArgs),
    /// Find what in the AWS files and the environment makes tools disagree or fail.
    #[command(after_help = "\
Examples:
  uo-aws-tui doctor                   one finding per line: severity, code, file:line, fix
  uo-aws-tui doctor --json            the findings as a JSON array
  uo-aws-tui doctor --fix --dry-run   the diffs of the safe fixes, nothing written
  uo-aws-tui doctor --fix --yes       apply them (backups first), and comment out stale keys

Checks ~/.aws/config, ~/.aws/credentials, the token cache and the AWS_* variables,
e.g. static keys in the credentials file that terraform uses instead of your SSO profile.
Exit codes: 0 no error found, 1 errors found, 2 a file cannot be read.")]
    Doctor(DoctorArgs),
    /// Write a profile for every account and role (or every matching one).
    #[command(after_help = "\
Examples:
  uo-aws-tui populate --dry-run          show the diff of what would be added
  uo-aws-tui populate                    add a profile for every account and role
  uo-aws-tui populate research           only the rows matching a query
  uo-aws-tui populate --prune            also remove our profiles whose account or role is gone

Existing profiles are never changed. New ones carry `uo_aws_tui_managed = true`, the marker
--prune looks for: profiles you wrote yourself are never removed. The whole run is one locked,
backed-up, atomic write; a run with nothing new leaves the file byte for byte as it was.
A row that cannot be written (a line break, a control character or ` #` in its role name) is
skipped with a warning and the others are written. Exit codes: 0 done, 2 an error, or rows
were skipped.")]
    Populate(PopulateArgs),
    /// Write a profile that assumes a role with another profile's credentials.
    #[command(after_help = "\
Examples:
  uo-aws-tui chain 127027105832_AWSAdministratorAccess \\
      --role-arn arn:aws:iam::190098774915:role/OrganizationAccountAccessRole
  uo-aws-tui chain research-admin --role-arn arn:aws:iam::234537669642:role/Deploy \\
      --name talapas-deploy --external-id uo-ci --role-session-name alice --region us-west-2

The source profile must exist (write an SSO profile first with `use`, Enter in the picker or
`populate`). Writes [profile NAME] (default ACCOUNTID_ROLENAME of the ARN) with role_arn and
source_profile, which the AWS CLI, the SDKs and terraform follow themselves, and
`uo_aws_tui_managed = true`. A profile of that name that is not a chained profile written by
uo-aws-tui is never changed, and a missing source or a chain that would loop is refused.
`use`, `exec` and `uoa` of it make the source's login valid first; `credentials` and `console`
assume its roles (role_session_name default `uo-aws-tui-<unix seconds>` there). Chains that
start from static keys or credential_source are left to the SDK. Prints the profile name.")]
    Chain(ChainArgs),
    /// Print what undoes an activation: AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION unset.
    #[command(after_help = "\
Examples:
  eval \"$(uo-aws-tui deactivate --emit posix)\"      bash, zsh, sh
  uo-aws-tui deactivate --emit fish | source        fish
  uoa --clear                                     the same through the init function")]
    Deactivate(DeactivateArgs),
    /// Open the AWS console as a role, in the browser (an older console session is logged out).
    #[command(after_help = "\
Examples:
  uo-aws-tui console 127027105832_Billing             the console home of that profile
  uo-aws-tui console 'racs admin' --service s3        566737894407_AWSAdministratorAccess, S3
  uo-aws-tui console --print 127027105832_Billing     print the sign-in URL instead (a secret)

PROFILE_OR_QUERY is a profile of an sso-session in ~/.aws/config, a chained profile on one
(the console as its assumed role), or a query resolved like `use` (default: AWS_PROFILE). The browser is given a one-shot page on 127.0.0.1 that logs out
of the console, then signs in: the sign-in URL is never on a command line. Ctrl-o in the picker
does the same for the selected row.")]
    Console(ConsoleArgs),
    /// Print a profile's role credentials (for credential_process and tools without SSO or `aws login` support).
    #[command(after_help = "\
Examples:
  credential_process = \"/usr/local/bin/uo-aws-tui\" credentials 127027105832_Billing --format process
  eval \"$(uo-aws-tui credentials 127027105832_Billing --format env)\"
  uo-aws-tui credentials 127027105832_Billing --format fish | source

Credentials are shared with the AWS CLI v2 through its cache (~/.aws/cli/cache), reused until
15 minutes before they expire, and removed by `logout`. Concurrent calls wait for one another,
so one GetRoleCredentials call serves them all. Secrets go to stdout only.

An `aws login` profile (login_session, AWS CLI 2.32 and later) works too: its cached credentials
in ~/.aws/login/cache, refreshed as the AWS CLI refreshes them when less than 11 minutes are
left (the sign-in service's CreateOAuth2Token with the file's DPoP key; the file is rewritten as
the AWS CLI rewrites it). A login that cannot be refreshed is exit 2 with `aws login --profile P`.

A chained profile (role_arn + source_profile, on an SSO profile) gets the keys of its role,
assumed with STS AssumeRole on the root's role credentials (AWS_ENDPOINT_URL_STS honoured).")]
    Credentials(CredentialsArgs),
    /// Print the active profile and whether its login works, for a shell prompt.
    #[command(after_help = "\
Examples:
  uo-aws-tui prompt                          AWS_PROFILE's profile: `NAME valid 3h12m`
  uo-aws-tui prompt --format starship        `NAME 3h12m`, `NAME ↻` or `NAME ✗ login`
  uo-aws-tui prompt --profile dev --format json

States (plain / starship / json `state`):
  the access token is valid            NAME valid 3h12m / NAME 3h12m / valid
  expired, the next AWS command
  refreshes it                         NAME refreshable / NAME ↻ / refreshable
  run `uo-aws-tui login`               NAME login / NAME ✗ login / needs_login
  the profile uses no SSO login        NAME / NAME / no_sso
  a chain that does not resolve
  (`uo-aws-tui doctor` says why)       NAME broken / NAME ✗ chain / broken_chain
  no such profile                      NAME unknown / NAME ? / unknown_profile

Reads ~/.aws/config, ~/.aws/credentials and one token file of ~/.aws/sso/cache; no network
call. Prints nothing and exits 0 when no profile is active. See the README for starship,
bash/zsh PS1, fish and tmux.")]
    Prompt(PromptArgs),
    /// Print shell completions for uo-aws-tui.
    #[command(after_help = "\
Examples:
  uo-aws-tui completions bash > ~/.local/share/bash-completion/completions/uo-aws-tui
  uo-aws-tui completions zsh > \"${fpath[1]}/_uo-aws-tui\"
  uo-aws-tui completions fish > ~/.config/fish/completions/uo-aws-tui.fish")]
    Completions(CompletionsArgs),
}

/// How `list`, `use`, `exec` and `populate` use the catalog cache (the
/// picker's rule: a cached catalog younger than 24 hours is used as it is).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct CatalogArgs {
    /// List the portal now even when the cached catalog is fresh.
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Never contact the portal for the catalog: use the cached one.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PromptArgs {
    /// The profile to show (default: AWS_PROFILE).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = crate::prompt::Format::Plain)]
    pub format: crate::prompt::Format,
}

#[derive(Debug, Clone, Args)]
pub struct ConsoleArgs {
    /// A profile name, or a query that selects one row (default: AWS_PROFILE).
    #[arg(value_name = "PROFILE_OR_QUERY")]
    pub target: Vec<String>,
    /// The sso-session a query is resolved in (default: the session of AWS_PROFILE, else the only one).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// The console's region (default: the profile's region, settings, the session's sso_region).
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
    /// Open this service's console, e.g. s3, ec2, cloudwatch.
    #[arg(long, value_name = "NAME", conflicts_with = "destination")]
    pub service: Option<String>,
    /// Open this console URL (https://…).
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
    /// Print the sign-in URL (valid 15 minutes, a secret) on stdout instead of opening a browser.
    #[arg(long)]
    pub print: bool,
    /// How a query uses the catalog cache (as `use` does).
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CredentialsArgs {
    /// A profile of an sso-session in ~/.aws/config.
    #[arg(value_name = "PROFILE")]
    pub profile: String,
    /// How to print them.
    #[arg(long, value_enum, default_value_t = CredentialsFormat::Process)]
    pub format: CredentialsFormat,
}

/// How `credentials` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CredentialsFormat {
    /// The credential_process JSON (Version 1).
    Process,
    /// POSIX `export AWS_…=…` lines.
    Env,
    /// fish `set -gx AWS_… …` lines.
    Fish,
    /// One JSON object (the same keys as process).
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ChainArgs {
    /// The profile whose credentials assume the role (usually an SSO profile).
    #[arg(value_name = "SOURCE_PROFILE")]
    pub source_profile: String,
    /// The role to assume: arn:aws:iam::ACCOUNTID:role/NAME.
    #[arg(long, value_name = "ARN")]
    pub role_arn: String,
    /// The profile name (default: ACCOUNTID_ROLENAME of the ARN).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// `external_id` for the role's trust policy.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// `role_session_name` (default: the SDK's; `credentials` and `console` use
    /// `uo-aws-tui-<unix seconds>`).
    #[arg(long, value_name = "NAME")]
    pub role_session_name: Option<String>,
    /// `region` of the profile [default: the region `use` exports for it:
    /// its own, else its root SSO profile's, else settings' rules and
    /// `region`, else the sso-session's].
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Args)]
pub struct DeactivateArgs {
    /// The shell syntax to print.
    #[arg(long, value_enum, default_value_t = Syntax::Posix)]
    pub emit: Syntax,
    /// Write it into FILE instead of stdout (replaced atomically).
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct PopulateArgs {
    /// The sso-session to list (default: the session of AWS_PROFILE, else the only one).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// Print a unified diff of the change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also remove profiles uo-aws-tui wrote for this session whose account
    /// or role is no longer listed.
    #[arg(long)]
    pub prune: bool,
    /// Also write a companion profile per row (`NAME-process` by default,
    /// `companion_name` in settings) that gets its credentials through
    /// `credential_process`, for tools that cannot read sso-session profiles.
    #[arg(long)]
    pub companion: bool,
    /// Only rows every term matches (profiles of all rows without a query).
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
}

/// What `pick` and `use` share: the session, what is printed, the region
/// and whether the config file is written.
#[derive(Debug, Clone, Args)]
pub struct ChoiceArgs {
    /// The sso-session to list (default: the session of AWS_PROFILE, else the only one).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// What to print on stdout after a choice.
    #[arg(long, value_enum, default_value_t = Emit::Posix)]
    pub emit: Emit,
    /// Write what --emit prints into FILE instead of stdout: replaced
    /// atomically, and only when the command succeeds.
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Region to write into the profile and export (default: the existing profile's region,
    /// else the first matching region_rule, else settings.ini's region, else the session's
    /// sso_region).
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
    /// Do not touch the config file; only print the result.
    #[arg(long)]
    pub no_write: bool,
    /// Exit 2 (nothing on stdout) when `doctor` has an error finding about
    /// the chosen profile, instead of only saying it on stderr.
    #[arg(long)]
    pub strict: bool,
    /// Also write the chosen profile's companion (`NAME-process`;
    /// `companion_name` in settings): a profile whose credential_process is
    /// `uo-aws-tui credentials NAME`, for tools that cannot read sso_session.
    #[arg(long, conflicts_with = "no_write")]
    pub companion: bool,
}

#[derive(Debug, Clone, Args)]
pub struct UseArgs {
    #[command(flatten)]
    pub choice: ChoiceArgs,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// A profile name, or query terms that must select exactly one row.
    #[arg(value_name = "QUERY", required = true)]
    pub query: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// The sso-session to list (default: the session of AWS_PROFILE, else the only one).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// Run nothing and exit 2 when `doctor` has an error finding about the
    /// profile, instead of only saying it on stderr.
    #[arg(long)]
    pub strict: bool,
    /// A profile name, or a query (quote several terms) that selects exactly one row.
    #[arg(value_name = "PROFILE_OR_QUERY")]
    pub target: String,
    /// The command and its arguments, after `--`.
    #[arg(value_name = "COMMAND", last = true, required = true)]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// The sso-session to list (default: the session of AWS_PROFILE, else the only one).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// A JSON array of objects.
    #[arg(long, conflicts_with = "tsv")]
    pub json: bool,
    /// Tab-separated values with a header line.
    #[arg(long)]
    pub tsv: bool,
    /// Keep only the rows every term matches, best first.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// The shell to write the function for.
    #[arg(value_enum)]
    pub shell: Shell,
    /// The function's name.
    #[arg(long, value_name = "NAME", default_value = crate::shell::DEFAULT_FUNCTION, value_parser = parse_function_name)]
    pub cmd: String,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Print a JSON array instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Print the findings as a JSON array.
    #[arg(long, conflicts_with = "fix")]
    pub json: bool,
    /// Apply the safe fixes (byte order mark, exact duplicate key lines,
    /// inline comments on sso_* keys, accidentally indented keys), each
    /// file backed up first, with the diff printed; then report.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: print the diffs, write nothing.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
    /// With --fix: also comment out static-key sections of the credentials
    /// file that shadow an SSO profile, without asking.
    #[arg(long, requires = "fix")]
    pub yes: bool,
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
    #[command(flatten)]
    pub choice: ChoiceArgs,
    /// Choose without drawing when exactly one row matches the query once
    /// every account is listed; otherwise open the picker as usual.
    #[arg(long = "select-1")]
    pub select_1: bool,
    /// How many accounts' roles are fetched at once [default: settings.ini, else 8].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64).map(usize::from))]
    pub concurrency: Option<usize>,
    /// List the portal now even when the cached catalog is fresh.
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Never contact the portal: pick from the cached catalog.
    #[arg(long)]
    pub offline: bool,
    /// Initial query: every whitespace-separated term must match inside one
    /// field (account name, id, role, email or profile name); see the README
    /// for tiers, smart case and the operators 'exact ^prefix suffix$ !not.
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
    /// Write what --emit prints into FILE instead of stdout: replaced
    /// atomically, and only when the command succeeds.
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Initial query for the picker.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
}

const PICK_EXAMPLES: &str = "\
Examples:
  uo-aws-tui pick                        every account and role of the session
  uo-aws-tui pick research admin         start with a query (each term inside one field)
  uo-aws-tui pick --emit profile         print only the profile name
  uo-aws-tui pick --region eu-west-1     write and export another region
  uo-aws-tui pick --no-write --emit json print the choice, leave ~/.aws/config alone
  uo-aws-tui pick --select-1 racs billing   566737894407_Billing at once (one row stands out)";

/// `pick --help`'s epilogue: the examples, then every key of the picker
/// from the key table ([`crate::keymap::help_rows`]), one line each.
pub fn pick_after_help() -> String {
    let rows = crate::keymap::help_rows();
    let width = rows
        .iter()
        .map(|(keys, _)| unicode_width::UnicodeWidthStr::width(keys.as_str()))
        .max()
        .unwrap_or(0);
    let mut out = format!("{PICK_EXAMPLES}\n\nKeys:");
    for (keys, help) in rows {
        let pad = width - unicode_width::UnicodeWidthStr::width(keys.as_str());
        out.push_str(&format!("\n  {keys}{}  {help}", " ".repeat(pad)));
    }
    out
}

/// A `--cmd` function name; see [`crate::shell::check_function_name`].
fn parse_function_name(value: &str) -> Result<String, String> {
    crate::shell::check_function_name(value).map(|()| value.to_string())
}

/// A region name as AWS spells them (`us-west-2`, `eu-central-1`,
/// `us-gov-west-1`): lower-case letters, digits and dashes.
pub fn parse_region(value: &str) -> Result<String, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn pick_help_lists_every_key_of_the_table() {
        let mut cli = Cli::command();
        let help = cli
            .find_subcommand_mut("pick")
            .expect("pick")
            .render_long_help()
            .to_string();
        for binding in crate::keymap::ROLES_KEYS {
            assert!(help.contains(binding.label), "{}: {help}", binding.label);
        }
        for key in ["Tab", "Ctrl-l", "Ctrl-t"] {
            assert!(help.contains(key), "{key}: {help}");
        }
    }

    #[test]
    fn pick_and_use_share_the_choice_options() {
        for sub in ["pick", "use"] {
            let cli = Cli::try_parse_from([
                "uo-aws-tui",
                sub,
                "--sso-session",
                "lab",
                "--emit",
                "json",
                "--region",
                "eu-west-1",
                "--no-write",
                "q",
            ])
            .unwrap();
            let choice = match cli.command {
                Some(Command::Pick(a)) => a.choice,
                Some(Command::Use(a)) => a.choice,
                other => panic!("{other:?}"),
            };
            assert_eq!(choice.sso_session.as_deref(), Some("lab"));
            assert_eq!(choice.emit, Emit::Json);
            assert_eq!(choice.region.as_deref(), Some("eu-west-1"));
            assert!(choice.no_write);
        }
    }
}
