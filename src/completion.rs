//! Tab completion in bash, zsh and fish: subcommands, flags and their
//! values from the command-line definition ([`crate::cli::Cli`], walked
//! through clap's reflection), and the names people type — profile names,
//! account names and ids, sso-session names — from local files only (the
//! config and the cached catalogs, never the network).
//!
//! `uo-aws-tui completions SHELL` prints a small script ([`script`]) whose
//! function runs `UO_AWS_TUI_COMPLETE=SHELL uo-aws-tui -- WORDS…` on each
//! Tab, the words of the command line up to the cursor, the word being
//! completed last (possibly empty). That run ([`run_from_env`], before the
//! command line is parsed) prints the candidates, one per line, and exits.

use std::collections::HashSet;

use clap::{Arg, ArgAction, Command};

use crate::aws::config::{AwsFile, FileKind};
use crate::aws::paths::AwsPaths;
use crate::aws::sso_session::session_names;
use crate::catalog::RowKind;
use crate::dirs::AppDirs;
use crate::settings::Settings;
use crate::shell::Shell;

/// The variable that turns a run into a completion request; its value is
/// the shell (`bash`, `zsh`, `fish`).
pub const COMPLETE_VAR: &str = "UO_AWS_TUI_COMPLETE";

/// The completion script for `shell`, to install (`completions SHELL`).
pub fn script(shell: Shell) -> String {
    match shell {
        Shell::Bash => BASH_SCRIPT,
        Shell::Zsh => ZSH_SCRIPT,
        Shell::Fish => FISH_SCRIPT,
    }
    .replace("VAR", COMPLETE_VAR)
}

const BASH_SCRIPT: &str = r#"# uo-aws-tui completion for bash: names from ~/.aws/config and the cached
# catalog, no network call. Install: uo-aws-tui completions bash > ~/.local/share/bash-completion/completions/uo-aws-tui
_uo_aws_tui() {
    local IFS=$'\n'
    COMPREPLY=($(VAR=bash command uo-aws-tui -- "${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null))
}
complete -o default -o nosort -F _uo_aws_tui uo-aws-tui
"#;

const ZSH_SCRIPT: &str = r#"#compdef uo-aws-tui
# uo-aws-tui completion for zsh: names from ~/.aws/config and the cached
# catalog, no network call. Install: uo-aws-tui completions zsh > "${fpath[1]}/_uo-aws-tui"
_uo_aws_tui() {
    local -a candidates
    candidates=("${(@f)$(VAR=zsh command uo-aws-tui -- "${(@)words[1,CURRENT]}" 2>/dev/null)}")
    candidates=(${candidates:#})
    if (( ${#candidates} )); then
        compadd -- "${candidates[@]}"
    else
        _files
    fi
}
if [[ "${funcstack[1]}" == _uo_aws_tui ]]; then
    _uo_aws_tui "$@"
else
    compdef _uo_aws_tui uo-aws-tui
fi
"#;

const FISH_SCRIPT: &str = r#"# uo-aws-tui completion for fish: names from ~/.aws/config and the cached
# catalog, no network call. Install: uo-aws-tui completions fish > ~/.config/fish/completions/uo-aws-tui.fish
function __uo_aws_tui_complete
    set -l words (commandline -opc) (commandline -ct)
    VAR=fish command uo-aws-tui -- $words 2>/dev/null
end
complete -c uo-aws-tui -f -a '(__uo_aws_tui_complete)'
"#;

/// Which names a value takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A profile name or query terms: profile names (config, then the
    /// names the cached rows would get), account names and ids.
    Query,
    /// A profile of the config (`prompt --profile`).
    Profile,
    /// An `[sso-session]` of the config.
    Session,
}

/// The names of the local files, for completion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// Profiles of the config, in file order.
    pub profiles: Vec<String>,
    /// `[sso-session]` names, in file order.
    pub sessions: Vec<String>,
    /// Profile names of cached rows (settings' template), in base order.
    pub cached_profiles: Vec<String>,
    /// Account names of the cached catalogs.
    pub accounts: Vec<String>,
    /// Account ids of the cached catalogs.
    pub account_ids: Vec<String>,
}

impl Names {
    /// Reads the config of `paths` and the cached catalog of each of its
    /// sessions under `dirs`; a file that cannot be read gives no names.
    pub fn load(paths: &AwsPaths, dirs: &AppDirs) -> Names {
        let mut names = Names::default();
        let Ok(Some(config)) = AwsFile::load_optional(&paths.config, FileKind::Config) else {
            return names;
        };
        names.profiles = unique(config.profiles().map(|(n, _)| n.to_string()));
        names.sessions = session_names(&config);
        let template = Settings::load(dirs)
            .map(|s| s.profile_template)
            .unwrap_or_default();
        for session in &names.sessions {
            let path = crate::cache::catalog_path(dirs, session);
            let crate::cache::Loaded::Found(cached) = crate::cache::load(&path, session) else {
                continue;
            };
            for row in cached.to_catalog().rows() {
                if let RowKind::Role(_) = &row.kind {
                    names.cached_profiles.push(template.row_name(row, session));
                }
                names.accounts.push(row.account.name.clone());
                names.account_ids.push(row.account.id.clone());
            }
        }
        names.cached_profiles = unique(names.cached_profiles.drain(..));
        names.accounts = unique(names.accounts.drain(..));
        names.account_ids = unique(names.account_ids.drain(..));
        names
    }

    /// The names of `kind`, each once, in the order shown.
    pub fn of(&self, kind: NameKind) -> Vec<String> {
        match kind {
            NameKind::Profile => self.profiles.clone(),
            NameKind::Session => self.sessions.clone(),
            NameKind::Query => unique(
                self.profiles
                    .iter()
                    .chain(&self.cached_profiles)
                    .chain(&self.accounts)
                    .chain(&self.account_ids)
                    .cloned(),
            ),
        }
    }
}

fn unique(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    names
        .filter(|n| !n.is_empty() && seen.insert(n.clone()))
        .collect()
}

/// The names a value of argument `arg` of subcommand `sub` (`""`: the
/// default `pick`) takes, if any.
fn names_for(sub: &str, arg: &str) -> Option<NameKind> {
    match (sub, arg) {
        (_, "sso_session") => Some(NameKind::Session),
        ("prompt", "profile") => Some(NameKind::Profile),
        ("" | "pick" | "use" | "list" | "populate", "query") | ("exec", "target") => {
            Some(NameKind::Query)
        }
        _ => None,
    }
}

/// Where the cursor is: what the word being completed is.
enum Slot<'a> {
    /// A subcommand name, or (at the top) a pick query term.
    SubcommandOrPositional(&'a Command),
    /// A flag.
    Flag(&'a Command),
    /// The value of `arg`, written after `prefix` (`--emit=`).
    Value(&'a Arg, String),
    /// The `index`th positional value of `command` (0-based).
    Positional(&'a Command, usize),
    /// After `--`: a command of the user's.
    Trailing,
}

/// The candidates for the last of `words` (`words[0]` is the program),
/// completing in `command` (built, so global flags are in every
/// subcommand) with `names`: those starting with the word being completed
/// (ignoring case and a leading quote), in the order shown.
pub fn candidates(command: &Command, words: &[String], names: &Names) -> Vec<String> {
    let Some((current, before)) = words.split_last() else {
        return Vec::new();
    };
    let mut cmd = command;
    let mut sub = "";
    let mut positional = 0usize;
    let mut trailing = false;
    let mut value_of: Option<&Arg> = None;
    for word in before.iter().skip(1) {
        if value_of.take().is_some() || trailing {
            positional += usize::from(trailing);
            continue;
        }
        if word == "--" {
            trailing = true;
            continue;
        }
        if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            if let Some(arg) = cmd.get_arguments().find(|a| a.get_long() == Some(name)) {
                if takes_value(arg) && !inline {
                    value_of = Some(arg);
                }
            }
            continue;
        }
        if word.len() > 1 && word.starts_with('-') {
            let short = word.chars().nth(1);
            if let Some(arg) = cmd.get_arguments().find(|a| a.get_short() == short) {
                if takes_value(arg) && word.chars().count() == 2 {
                    value_of = Some(arg);
                }
            }
            continue;
        }
        if positional == 0 {
            if let Some(found) = cmd.find_subcommand(word) {
                sub = found.get_name();
                cmd = found;
                continue;
            }
        }
        positional += 1;
    }
    let slot = if let Some(arg) = value_of {
        Slot::Value(arg, String::new())
    } else if trailing {
        Slot::Trailing
    } else if let Some((flag, _)) = current
        .strip_prefix("--")
        .and_then(|long| long.split_once('='))
    {
        match cmd.get_arguments().find(|a| a.get_long() == Some(flag)) {
            Some(arg) => Slot::Value(arg, format!("--{flag}=")),
            None => Slot::Trailing,
        }
    } else if current.starts_with('-') {
        Slot::Flag(cmd)
    } else if positional == 0 && cmd.has_subcommands() {
        Slot::SubcommandOrPositional(cmd)
    } else {
        Slot::Positional(cmd, positional)
    };
    let (prefix, word) = match &slot {
        Slot::Value(_, prefix) => (prefix.clone(), &current[prefix.len().min(current.len())..]),
        _ => (String::new(), current.as_str()),
    };
    let offered: Vec<String> = match slot {
        Slot::Trailing => Vec::new(),
        Slot::Flag(cmd) => cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect(),
        Slot::Value(arg, _) => values(sub, arg, names),
        Slot::SubcommandOrPositional(cmd) => {
            let mut out: Vec<String> = cmd
                .get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != "help")
                .map(|s| s.get_name().to_string())
                .collect();
            if let Some(arg) = positional_arg(cmd, 0) {
                out.extend(values(sub, arg, names));
            }
            out
        }
        Slot::Positional(cmd, index) => positional_arg(cmd, index)
            .map(|arg| values(sub, arg, names))
            .unwrap_or_default(),
    };
    let word = unquote(word).to_lowercase();
    offered
        .into_iter()
        .filter(|c| c.to_lowercase().starts_with(&word))
        .map(|c| format!("{prefix}{c}"))
        .collect()
}

/// The word being completed as the shell will read it: quotes and
/// backslash escapes removed (an unterminated quote is still open).
fn unquote(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut quote: Option<char> = None;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\\') | (Some('"'), '\\') => out.extend(chars.next()),
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => out.push(c),
        }
    }
    out
}

fn takes_value(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append)
}

/// The `index`th positional argument of `cmd` (the last one when it takes
/// several values), not the trailing `last` one.
fn positional_arg(cmd: &Command, index: usize) -> Option<&Arg> {
    let positionals: Vec<&Arg> = cmd
        .get_positionals()
        .filter(|a| !a.is_last_set() && !a.is_hide_set())
        .collect();
    positionals.get(index).copied().or_else(|| {
        positionals
            .last()
            .copied()
            .filter(|a| matches!(a.get_action(), ArgAction::Append))
    })
}

/// The values `arg` of subcommand `sub` takes: its possible values, else
/// the names of [`names_for`].
fn values(sub: &str, arg: &Arg, names: &Names) -> Vec<String> {
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !possible.is_empty() {
        return possible;
    }
    names_for(sub, arg.get_id().as_str())
        .map(|kind| names.of(kind))
        .unwrap_or_default()
}

/// `candidate` as one bash word: characters a shell would split on or
/// expand backslash-escaped (COMPREPLY is inserted as it is).
pub fn bash_word(candidate: &str) -> String {
    let mut out = String::with_capacity(candidate.len());
    for c in candidate.chars() {
        if !(c.is_alphanumeric() || "_-/.%@:+,=".contains(c)) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The completion request of this process, when [`COMPLETE_VAR`] is set:
/// the candidates for the words after `--`, one per line (bash words
/// escaped for bash), and the exit status 0; `None` for a normal run.
pub fn run_from_env() -> Option<u8> {
    let shell = std::env::var(COMPLETE_VAR).ok()?;
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let words: Vec<String> = match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => return Some(2),
    };
    let names = match (AwsPaths::from_env(), AppDirs::from_env()) {
        (Ok(paths), Some(dirs)) => Names::load(&paths, &dirs),
        _ => Names::default(),
    };
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    command.build();
    let mut text = String::new();
    for candidate in candidates(&command, &words, &names) {
        // One candidate per line: a name with a line break cannot be one.
        if candidate.contains(['\n', '\r']) {
            continue;
        }
        if shell == "bash" {
            text.push_str(&bash_word(&candidate));
        } else {
            text.push_str(&candidate);
        }
        text.push('\n');
    }
    Some(if crate::output::stdout(&text).is_ok() {
        0
    } else {
        2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> Command {
        let mut c = <crate::cli::Cli as clap::CommandFactory>::command();
        c.build();
        c
    }

    fn names() -> Names {
        Names {
            profiles: vec!["127027105832_Billing".into(), "dev".into()],
            sessions: vec!["uoregon".into(), "research".into()],
            cached_profiles: vec!["127027105832_Billing".into(), "190098774915_Audit".into()],
            accounts: vec!["UO Management".into()],
            account_ids: vec!["127027105832".into()],
        }
    }

    fn complete(line: &[&str]) -> Vec<String> {
        let words: Vec<String> = line.iter().map(|w| w.to_string()).collect();
        candidates(&built(), &words, &names())
    }

    #[test]
    fn subcommands_flags_and_values() {
        assert_eq!(complete(&["uo-aws-tui", "pro"]), ["prompt"]);
        assert!(complete(&["uo-aws-tui", "l"]).contains(&"list".to_string()));
        assert_eq!(complete(&["uo-aws-tui", "use", "--em"]), ["--emit"]);
        assert_eq!(
            complete(&["uo-aws-tui", "use", "--emit", "j"]),
            ["json"],
            "the values of --emit"
        );
        assert_eq!(
            complete(&["uo-aws-tui", "use", "--emit=te"]),
            ["--emit=terraform"]
        );
        assert_eq!(
            complete(&["uo-aws-tui", "prompt", "--format", ""]),
            ["plain", "json", "starship"]
        );
        assert_eq!(complete(&["uo-aws-tui", "completions", "f"]), ["fish"]);
        assert!(complete(&["uo-aws-tui", "list", "--"]).contains(&"--offline".to_string()));
        assert!(complete(&["uo-aws-tui", "use", "-"]).contains(&"--verbose".to_string()));
    }

    #[test]
    fn names_where_they_are_typed() {
        assert_eq!(
            complete(&["uo-aws-tui", "use", "1270"]),
            ["127027105832_Billing", "127027105832"]
        );
        assert_eq!(
            complete(&["uo-aws-tui", "use", "--no-write", "x", "uo"]),
            ["UO Management"],
            "every query term, any case"
        );
        assert_eq!(
            complete(&["uo-aws-tui", "exec", "19"]),
            ["190098774915_Audit"]
        );
        assert!(complete(&["uo-aws-tui", "exec", "dev", "--", ""]).is_empty());
        assert_eq!(
            complete(&["uo-aws-tui", "login", "--sso-session", "r"]),
            ["research"]
        );
        assert_eq!(
            complete(&["uo-aws-tui", "prompt", "--profile", "d"]),
            ["dev"]
        );
        assert_eq!(
            complete(&["uo-aws-tui", "1270"]),
            ["127027105832_Billing", "127027105832"],
            "the picker's query"
        );
        assert_eq!(
            complete(&["uo-aws-tui", "status", ""]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn bash_words_are_escaped() {
        assert_eq!(bash_word("UO Management"), "UO\\ Management");
        assert_eq!(bash_word("a'b$c"), "a\\'b\\$c");
        assert_eq!(bash_word("1_R=x,y"), "1_R=x,y");
        assert_eq!(unquote("UO\\ M"), "UO M");
        assert_eq!(unquote("'UO M"), "UO M");
        assert_eq!(unquote("\"a\\\"b\" c"), "a\"b c");
    }
}
