//! `uo-aws-tui init bash|zsh|fish [--cmd NAME]`: the shell function that
//! picks and activates a profile (see `assets/shell/`); and
//! `uo-aws-tui completions bash|zsh|fish`.

use crate::cli::InitArgs;
use crate::exit::Exit;
use crate::shell::{init_script, Shell};

/// The script for the requested shell, on stdout.
pub fn run(args: &InitArgs) -> anyhow::Result<Exit> {
    init_script(args.shell, &args.cmd)
        .map(Exit::Done)
        .map_err(anyhow::Error::msg)
}

/// The completion script for `shell`, generated from the command-line
/// definition by clap_complete.
pub fn completions(shell: Shell) -> String {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut command, "uo-aws-tui", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
