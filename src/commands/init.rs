//! `uo-aws-tui init bash|zsh|fish [--cmd NAME]`: the shell function that
//! picks and activates a profile (see `assets/shell/`).

use crate::cli::InitArgs;
use crate::pick::Exit;
use crate::shell::init_script;

/// The script for the requested shell, on stdout.
pub fn run(args: &InitArgs) -> anyhow::Result<Exit> {
    init_script(args.shell, &args.cmd)
        .map(Exit::Done)
        .map_err(anyhow::Error::msg)
}
