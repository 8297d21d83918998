//! Tab completion in the real shells, each through its own completion
//! machinery: bash (`complete -p` and the registered function with
//! `COMP_WORDS`), zsh (an interactive zsh in a `zpty` with `compinit`,
//! Tab typed), fish (`complete --do-complete`). The names come from a
//! config and a cached catalog in a temp home; every AWS endpoint and
//! proxy points at a listener that must see no connection.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use time::OffsetDateTime;
use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::cache::{self, CachedAccount, CachedCatalog};
use uo_aws_tui::dirs::AppDirs;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

/// The full path of `tool` on PATH; panics (never skips) when it is missing.
fn tool(tool: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{tool} is needed by this test: apt-get install -y bash zsh fish")
        })
}

const CONFIG: &str = "\
[sso-session uoregon]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-west-2

[sso-session research]
sso_start_url = https://d-2222222222.awsapps.com/start
sso_region = us-east-1

[profile dev]
region = us-east-1

[profile 127027105832_Billing]
sso_session = uoregon
sso_account_id = 127027105832
sso_role_name = Billing
";

/// A home with [`CONFIG`] and a cached catalog of `uoregon` (two accounts),
/// `bin/uo-aws-tui` (the binary), the three completion scripts, and the
/// trap listener's URL.
struct Home {
    dir: tempfile::TempDir,
    trap: TcpListener,
    url: String,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let paths = AwsPaths::under_home(dir.path());
        std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
        std::fs::write(&paths.config, CONFIG).unwrap();
        let dirs = AppDirs {
            config_dir: dir.path().join(".config/uo-aws-tui"),
            cache_dir: dir.path().join(".cache/uo-aws-tui"),
            data_dir: dir.path().join(".local/share/uo-aws-tui"),
        };
        let account = |id: &str, name: &str, roles: &[&str]| CachedAccount {
            id: id.into(),
            name: name.into(),
            email: format!("{id}@example.edu"),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            failed: None,
        };
        let cached = CachedCatalog {
            fetched_at: OffsetDateTime::now_utc() - time::Duration::days(3),
            accounts: vec![
                account("190098774915", "Security Tooling", &["SecurityAudit"]),
                account(
                    "127027105832",
                    "UO Management",
                    &["AWSAdministratorAccess", "Billing"],
                ),
            ],
        };
        cache::store(&cache::catalog_path(&dirs, "uoregon"), "uoregon", &cached).unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(BIN, bin.join("uo-aws-tui")).unwrap();
        let trap = TcpListener::bind("127.0.0.1:0").unwrap();
        trap.set_nonblocking(true).unwrap();
        let url = format!("http://{}", trap.local_addr().unwrap());
        let home = Home { dir, trap, url };
        for shell in ["bash", "zsh", "fish"] {
            let out = home
                .command(BIN)
                .args(["completions", shell])
                .output()
                .unwrap();
            assert!(out.status.success(), "{shell}");
            std::fs::write(home.path().join(format!("script.{shell}")), &out.stdout).unwrap();
        }
        home
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `program` with only this home, its `bin` first on PATH, and the trap
    /// as every endpoint and proxy.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let path = format!(
            "{}:{}",
            self.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(program);
        cmd.current_dir(self.path())
            .env_clear()
            .env("HOME", self.path())
            .env("PATH", path)
            .env("TERM", "xterm")
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ENDPOINT_URL_SSO", &self.url)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &self.url)
            .env("HTTPS_PROXY", &self.url)
            .env("HTTP_PROXY", &self.url)
            .stdin(Stdio::null());
        cmd
    }

    fn assert_no_network(&self) {
        match self.trap.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("completion connected to the network: {other:?}"),
        }
    }
}

fn lines(out: &Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Bash: the function `complete -p uo-aws-tui` names, called as readline
/// calls it for the command line `words` (the cursor at the end of the
/// last word); COMPREPLY, one per line.
fn bash(home: &Home, words: &[&str]) -> Vec<String> {
    let script = r#"
source ./script.bash
spec=$(complete -p uo-aws-tui) || exit 3
fn=${spec##*-F }; fn=${fn%% *}
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9; COMP_KEY=9
"$fn" uo-aws-tui "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let out = home
        .command(tool("bash"))
        .args(["--noprofile", "--norc", "-c", script, "bash"])
        .args(words)
        .output()
        .unwrap();
    lines(&out).into_iter().filter(|l| !l.is_empty()).collect()
}

/// Drives an interactive zsh in a pseudo-terminal: compinit, the script
/// sourced (`compdef`), the `line` typed and Tab pressed. `compadd` is
/// wrapped to print what zsh accepted, and a post-completion function
/// marks the end.
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "PS1= PROMPT= RPROMPT=; unsetopt beep; autoload -U compinit; compinit -u -D"
zpty -w z "source ./script.zsh"
zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; (( $#__hits )) && print -rl -- "<H""IT>"${^__hits}; builtin compadd "$@"; }'
zpty -w z 'comppostfuncs=(__uo_end); __uo_end() { print -r -- "<E""ND>"; }'
zpty -w -n z "$1"$'\t'
zpty -r z out '*<END>*'
print -r -- "$out"
zpty -d z
"#;

fn zsh(home: &Home, line: &str) -> Vec<String> {
    let out = home
        .command(tool("timeout"))
        .arg("60")
        .arg(tool("zsh"))
        .args(["-f", "-c", ZSH_DRIVER, "zsh", line])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    assert!(
        out.status.success() && text.contains("<END>"),
        "zsh: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut hits: Vec<String> = text
        .lines()
        .filter_map(|l| {
            l.split_once("<HIT>")
                .map(|(_, hit)| hit.trim_end().to_string())
        })
        .collect();
    hits.dedup();
    hits
}

/// Fish: `complete --do-complete LINE` after sourcing the script; the
/// candidates without their descriptions.
fn fish(home: &Home, line: &str) -> Vec<String> {
    let out = home
        .command(tool("fish"))
        .args([
            "--no-config",
            "-c",
            "source ./script.fish; complete --do-complete $argv[1]",
            "--",
            line,
        ])
        .output()
        .unwrap();
    lines(&out)
        .into_iter()
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn strings(v: &[&str]) -> Vec<String> {
    sorted(v.iter().map(|s| s.to_string()).collect())
}

const PROFILES_1270: [&str; 3] = [
    "127027105832",
    "127027105832_AWSAdministratorAccess",
    "127027105832_Billing",
];

#[test]
fn bash_completes_names_values_and_subcommands() {
    let home = Home::new();
    assert_eq!(
        sorted(bash(&home, &["uo-aws-tui", "use", "1270"])),
        strings(&PROFILES_1270)
    );
    assert_eq!(
        bash(&home, &["uo-aws-tui", "exec", "UO\\ M"]),
        ["UO\\ Management"],
        "an account name, escaped as one word"
    );
    assert_eq!(
        bash(&home, &["uo-aws-tui", "login", "--sso-session", "r"]),
        ["research"]
    );
    assert_eq!(
        bash(&home, &["uo-aws-tui", "use", "--emit", "te"]),
        ["terraform"]
    );
    assert_eq!(
        bash(&home, &["uo-aws-tui", "prompt", "--format", "s"]),
        ["starship"]
    );
    assert_eq!(
        bash(&home, &["uo-aws-tui", "prompt", "--profile", "d"]),
        ["dev"]
    );
    assert_eq!(bash(&home, &["uo-aws-tui", "pro"]), ["prompt"]);
    home.assert_no_network();
}

#[test]
fn zsh_completes_names_through_compinit() {
    let home = Home::new();
    assert_eq!(
        sorted(zsh(&home, "uo-aws-tui use 1270")),
        strings(&PROFILES_1270)
    );
    assert_eq!(
        zsh(&home, "uo-aws-tui list Secu"),
        ["Security\\ Tooling"],
        "quoted by zsh as it inserts it"
    );
    assert_eq!(zsh(&home, "uo-aws-tui use --emit te"), ["terraform"]);
    assert_eq!(zsh(&home, "uo-aws-tui logout --sso-session u"), ["uoregon"]);
    home.assert_no_network();
}

#[test]
fn fish_completes_names_with_do_complete() {
    let home = Home::new();
    assert_eq!(
        sorted(fish(&home, "uo-aws-tui use 1270")),
        strings(&PROFILES_1270)
    );
    assert_eq!(fish(&home, "uo-aws-tui use UO"), ["UO Management"]);
    assert_eq!(
        sorted(fish(&home, "uo-aws-tui prompt --format ")),
        strings(&["json", "plain", "starship"])
    );
    assert_eq!(
        fish(&home, "uo-aws-tui populate --sso-session res"),
        ["research"]
    );
    home.assert_no_network();
}

#[test]
fn without_a_config_only_the_command_line_is_completed() {
    let home = Home::new();
    std::fs::remove_file(home.path().join(".aws/config")).unwrap();
    assert!(bash(&home, &["uo-aws-tui", "use", "1270"]).is_empty());
    assert_eq!(bash(&home, &["uo-aws-tui", "use", "--of"]), ["--offline"]);
}
