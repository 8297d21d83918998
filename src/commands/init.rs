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

/// The completion script for `shell` ([`crate::completion::script`]).
pub fn completions(shell: Shell) -> String {
    crate::completion::script(shell)
}
