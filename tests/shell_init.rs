//! The `init` shell functions in their real shells (bash, zsh, fish) with a
//! stub `uo-aws-tui` on PATH, the quoting of `--emit posix|fish` evaluated
//! by those shells, shellcheck on the bash function, and `--select-1`.
//!
//! A missing shell or shellcheck fails these tests (CI installs them in
//! `.ci/run`); they are never skipped.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use uo_aws_tui::shell::{render, Choice, Emit};

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

/// The full path of `tool` on PATH; panics (never skips) when it is missing.
fn tool(tool: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{tool} is needed by this test: apt-get install -y bash zsh fish shellcheck")
        })
}

#[derive(Clone, Copy, Debug)]
enum Sh {
    Bash,
    Zsh,
    Fish,
}

impl Sh {
    fn name(self) -> &'static str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
        }
    }

    /// A command running `script` in this shell with no user startup files;
    /// `args` become `$@` / `$argv`.
    fn command(self, script: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(tool(self.name()));
        match self {
            Sh::Bash => cmd.args(["--noprofile", "--norc", "-c", script, "bash"]),
            Sh::Zsh => cmd.args(["-f", "-c", script, "zsh"]),
            Sh::Fish => cmd.args(["--no-config", "-c", script, "--"]),
        };
        cmd.args(args);
        cmd
    }
}

const ALL: [Sh; 3] = [Sh::Bash, Sh::Zsh, Sh::Fish];

/// A temp directory with the init script of a shell, a stub `uo-aws-tui`
/// in `bin/` that prints `stub.out` and exits with the code in
/// `stub.code`, recording its arguments in `stub.args`.
struct Stage {
    dir: tempfile::TempDir,
}

impl Stage {
    fn new(sh: Sh) -> Stage {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(BIN)
            .args(["init", sh.name()])
            .output()
            .unwrap();
        assert!(out.status.success(), "init {}", sh.name());
        std::fs::write(dir.path().join("init"), &out.stdout).unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let stub = bin.join("uo-aws-tui");
        std::fs::write(
            &stub,
            "#!/bin/sh\n\
             d=$(dirname \"$0\")/..\n\
             printf '%s\\n' \"$@\" > \"$d/stub.args\"\n\
             cat \"$d/stub.out\"\n\
             exit \"$(cat \"$d/stub.code\")\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
        Stage { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Makes the stub print `out` and exit with `code`.
    fn stub(&self, out: &str, code: i32) {
        std::fs::write(self.path("stub.out"), out).unwrap();
        std::fs::write(self.path("stub.code"), code.to_string()).unwrap();
    }

    /// Runs `uoa ARGS…` after loading the init script in `sh`, with only
    /// `env` in the environment (plus PATH with the stub first); returns
    /// the function's code, the exported environment afterwards and stderr.
    fn run(
        &self,
        sh: Sh,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> (i32, BTreeMap<String, String>, String) {
        let script = match sh {
            Sh::Fish => "source init; uoa $argv; set -l code $status; env -0 > env.out; exit $code",
            _ => ". ./init; uoa \"$@\"; code=$?; env -0 > env.out; exit $code",
        };
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = sh
            .command(script, args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let env = std::fs::read(self.path("env.out")).unwrap_or_default();
        let env = env
            .split(|b| *b == 0)
            .filter(|kv| !kv.is_empty())
            .filter_map(|kv| {
                let kv = String::from_utf8_lossy(kv);
                let (k, v) = kv.split_once('=')?;
                Some((k.to_string(), v.to_string()))
            })
            .filter(|(k, _)| k.starts_with("AWS_") || k == "EVIL")
            .collect();
        (
            out.status.code().unwrap_or(-1),
            env,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Files in the stage directory other than the ones it made itself.
    fn stray_files(&self) -> Vec<String> {
        let known = [
            "init",
            "bin",
            "stub.out",
            "stub.code",
            "stub.args",
            "env.out",
        ];
        let mut stray: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !known.contains(&n.as_str()) && !n.starts_with('.'))
            .collect();
        stray.sort();
        stray
    }
}

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn init_sets_the_profile_and_region_and_passes_the_query() {
    for sh in ALL {
        let stage = Stage::new(sh);
        stage.stub("123456789012_Admin\nus-west-2\n", 0);
        let (code, env, stderr) = stage.run(sh, &[], &["research", "admin"]);
        assert_eq!(code, 0, "{sh:?}: {stderr}");
        assert_eq!(
            env,
            vars(&[
                ("AWS_PROFILE", "123456789012_Admin"),
                ("AWS_REGION", "us-west-2"),
                ("AWS_DEFAULT_REGION", "us-west-2"),
            ]),
            "{sh:?}"
        );
        assert_eq!(stderr, "", "{sh:?}: no note when nothing was unset");
        let args = std::fs::read_to_string(stage.path("stub.args")).unwrap();
        assert_eq!(
            args, "pick\n--select-1\n--emit\nvars\nresearch\nadmin\n",
            "{sh:?}"
        );
    }
}

#[test]
fn init_cancel_leaves_the_environment_and_returns_the_code() {
    let before = [
        ("AWS_PROFILE", "old"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIA"),
        ("AWS_DEFAULT_PROFILE", "other"),
    ];
    for sh in ALL {
        let stage = Stage::new(sh);
        for code in [1, 2, 130] {
            stage.stub("", code);
            let (got, env, _) = stage.run(sh, &before, &[]);
            assert_eq!(got, code, "{sh:?}");
            assert_eq!(env, vars(&before), "{sh:?} exit {code}: untouched");
        }
        // Even with something on stdout, a failing pick changes nothing.
        stage.stub("p\nr\n", 1);
        let (got, env, _) = stage.run(sh, &before, &[]);
        assert_eq!((got, env), (1, vars(&before)), "{sh:?}");
    }
}

#[test]
fn init_unsets_static_credentials_and_a_differing_default_profile_with_a_note() {
    for sh in ALL {
        let stage = Stage::new(sh);
        stage.stub("p1\nus-east-1\n", 0);
        let (code, env, stderr) = stage.run(
            sh,
            &[
                ("AWS_ACCESS_KEY_ID", "AKIA"),
                ("AWS_SECRET_ACCESS_KEY", "secret"),
                ("AWS_SESSION_TOKEN", "tok"),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
                ("AWS_DEFAULT_PROFILE", "other"),
            ],
            &[],
        );
        assert_eq!(code, 0, "{sh:?}: {stderr}");
        assert_eq!(
            env,
            vars(&[
                ("AWS_PROFILE", "p1"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_DEFAULT_REGION", "us-east-1"),
            ]),
            "{sh:?}"
        );
        assert_eq!(
            stderr,
            "uoa: unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_WEB_IDENTITY_TOKEN_FILE AWS_DEFAULT_PROFILE (they would take precedence over AWS_PROFILE)\n",
            "{sh:?}"
        );
        // A default profile equal to the chosen one stays, without a note.
        let (code, env, stderr) = stage.run(sh, &[("AWS_DEFAULT_PROFILE", "p1")], &[]);
        assert_eq!(code, 0);
        assert_eq!(
            env.get("AWS_DEFAULT_PROFILE").map(String::as_str),
            Some("p1")
        );
        assert_eq!(stderr, "", "{sh:?}");
    }
}

#[test]
fn init_output_cannot_set_other_variables_or_run_commands() {
    let nasty_profile = "EVIL=1 $(touch made1) `touch made2` 'q' \"d\" ;touch made3";
    let nasty_region = "HOME=/x $(touch made4)";
    for sh in ALL {
        let stage = Stage::new(sh);
        stage.stub(&format!("{nasty_profile}\n{nasty_region}\n"), 0);
        let (code, env, stderr) = stage.run(sh, &[], &[]);
        assert_eq!(code, 0, "{sh:?}: {stderr}");
        assert_eq!(
            env,
            vars(&[
                ("AWS_PROFILE", nasty_profile),
                ("AWS_REGION", nasty_region),
                ("AWS_DEFAULT_REGION", nasty_region),
            ]),
            "{sh:?}: only the allowlisted names, with the exact strings"
        );
        assert!(
            stage.stray_files().is_empty(),
            "{sh:?}: {:?}",
            stage.stray_files()
        );

        // Anything but exactly two non-empty lines is refused, nothing set.
        for bad in [
            "only-one-line\n",
            "a\nb\nEVIL=1\n",
            "\nregion\n",
            "AWS_PROFILE=x\nAWS_REGION=y\nEVIL=z\n",
        ] {
            stage.stub(bad, 0);
            let (code, env, stderr) = stage.run(sh, &[("AWS_PROFILE", "keep")], &[]);
            assert_eq!(code, 2, "{sh:?} {bad:?}");
            assert_eq!(env, vars(&[("AWS_PROFILE", "keep")]), "{sh:?} {bad:?}");
            assert!(stderr.contains("unexpected output"), "{sh:?}: {stderr}");
        }

        // Exit 0 with no output (Ctrl-o opened the console): nothing to
        // activate, nothing changed, nothing said.
        stage.stub("", 0);
        let (code, env, stderr) = stage.run(sh, &[("AWS_PROFILE", "keep")], &[]);
        assert_eq!(code, 0, "{sh:?}: {stderr}");
        assert_eq!(env, vars(&[("AWS_PROFILE", "keep")]), "{sh:?}");
        assert_eq!(stderr, "", "{sh:?}");
    }
}

#[test]
fn init_honours_cmd_and_rejects_unsafe_names() {
    let out = Command::new(BIN)
        .args(["init", "bash", "--cmd", "aws-login"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("aws-login() {"), "{text}");
    assert!(!text.contains("uoa"), "{text}");
    for bad in ["a;b", "$(x)", "if", "a b", "1abc"] {
        let out = Command::new(BIN)
            .args(["init", "zsh", "--cmd", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_bash_function_is_shellcheck_clean() {
    for args in [
        &["init", "bash"][..],
        &["init", "bash", "--cmd", "aws-login"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        let mut check = Command::new(tool("shellcheck"))
            .args(["--shell=bash", "--severity=style", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        check.stdin.take().unwrap().write_all(&out.stdout).unwrap();
        let result = check.wait_with_output().unwrap();
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stdout)
        );
    }
    // zsh and fish at least parse their functions.
    for (sh, check) in [(Sh::Zsh, "-n"), (Sh::Fish, "--no-execute")] {
        let out = Command::new(BIN)
            .args(["init", sh.name()])
            .output()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("init");
        std::fs::write(&file, &out.stdout).unwrap();
        let status = Command::new(tool(sh.name()))
            .arg(check)
            .arg(&file)
            .status()
            .unwrap();
        assert!(status.success(), "{sh:?}");
    }
}

/// Names with quotes, command substitutions, backticks, spaces and line
/// breaks, emitted with `--emit posix` / `--emit fish` and evaluated by the
/// shells, set exactly those strings and run nothing.
#[test]
fn emitted_values_stay_inert_in_every_shell() {
    let nasty = [
        "it's",
        "say \"hi\"",
        "$(touch made1)",
        "`touch made2`",
        "two  spaces and\ttab",
        "line one\nline two\n",
        "back\\slash \\' \\\"",
        "$HOME ${HOME} ;touch made3 & touch made4 | x",
        "'\\''",
    ];
    for value in nasty {
        let choice = Choice {
            profile: value.to_string(),
            account_id: "1".into(),
            account_name: "n".into(),
            role_name: "r".into(),
            region: format!("{value}-region"),
            sso_session: "s".into(),
        };
        for sh in ALL {
            let dir = tempfile::tempdir().unwrap();
            let (emit, script) = match sh {
                Sh::Fish => (
                    Emit::Fish,
                    "source emitted; printf '%s' $AWS_PROFILE > p.out; printf '%s' $AWS_DEFAULT_REGION > r.out",
                ),
                _ => (
                    Emit::Posix,
                    "eval \"$(cat emitted)\"; printf '%s' \"$AWS_PROFILE\" > p.out; printf '%s' \"$AWS_DEFAULT_REGION\" > r.out",
                ),
            };
            std::fs::write(dir.path().join("emitted"), render(emit, &choice, &[])).unwrap();
            let out: Output = sh
                .command(script, &[])
                .current_dir(dir.path())
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("HOME", "/home/nobody")
                .output()
                .unwrap();
            assert!(out.status.success(), "{sh:?} {value:?}: {out:?}");
            let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert_eq!(read("p.out"), value, "{sh:?}");
            assert_eq!(read("r.out"), format!("{value}-region"), "{sh:?}");
            let mut files: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            assert_eq!(files, ["emitted", "p.out", "r.out"], "{sh:?} {value:?}");
        }
    }
}

fn demo_command(demo: &common::DemoHome, args: &[&str]) -> Command {
    // setsid: no controlling terminal, so a picker that tried to draw
    // would exit 2 with "needs a terminal".
    let mut cmd = Command::new(tool("setsid"));
    cmd.arg("--wait")
        .arg(BIN)
        .args(args)
        .env_clear()
        .env("HOME", demo.home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO", demo.sim.endpoint())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", demo.sim.endpoint())
        .stdin(Stdio::null());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_1_chooses_a_single_match_without_a_terminal() {
    let demo = common::DemoHome::new(3, 2).await;
    let config = |demo: &common::DemoHome| std::fs::read_to_string(&demo.paths().config).unwrap();
    let before = config(&demo);
    let out = demo_command(
        &demo,
        &[
            "pick",
            "--select-1",
            "--emit",
            "vars",
            "management",
            "billing",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "127027105832_Billing\nus-west-2\n"
    );
    let after = config(&demo);
    assert!(after.starts_with(&before));
    assert!(
        after.contains("[profile 127027105832_Billing]\n"),
        "{after}"
    );

    // Several matches: the picker opens, which here means "needs a terminal".
    let out = demo_command(&demo, &["pick", "--select-1", "admin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
    assert_eq!(config(&demo), after, "nothing written");
}

/// Runs `script` in `sh` with the demo home's environment plus `env`;
/// returns the exit code, the exported `AWS_*` variables afterwards and
/// stderr. `uo-aws-tui` on PATH is the real binary.
fn run_in_demo(
    demo: &common::DemoHome,
    sh: Sh,
    script: &str,
    env: &[(&str, &str)],
) -> (i32, BTreeMap<String, String>, String) {
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = sh
        .command(script, &[])
        .current_dir(dir.path())
        .env_clear()
        .env("HOME", demo.home.path())
        .env("PATH", path)
        .env("AWS_ENDPOINT_URL_SSO", demo.sim.endpoint())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", demo.sim.endpoint())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let env = std::fs::read(dir.path().join("env.out")).unwrap_or_default();
    let env = env
        .split(|b| *b == 0)
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| {
            let kv = String::from_utf8_lossy(kv);
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .filter(|(k, _)| k.starts_with("AWS_") && !k.starts_with("AWS_ENDPOINT_URL"))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        env,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const STALE: [(&str, &str); 5] = [
    ("AWS_ACCESS_KEY_ID", "AKIASTALE"),
    ("AWS_SECRET_ACCESS_KEY", "stale-secret"),
    ("AWS_SESSION_TOKEN", "stale-token"),
    ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
    ("AWS_DEFAULT_PROFILE", "someone-else"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_output_clears_stale_keys_in_bash_and_fish() {
    let demo = common::DemoHome::new(3, 2).await;
    for sh in [Sh::Bash, Sh::Fish] {
        let script = match sh {
            Sh::Fish => {
                "uo-aws-tui use --emit fish 127027105832_Billing | source; or exit 9; env -0 > env.out"
            }
            _ => "out=\"$(uo-aws-tui use 127027105832_Billing)\" || exit 9; eval \"$out\"; env -0 > env.out",
        };
        let (code, env, stderr) = run_in_demo(&demo, sh, script, &STALE);
        assert_eq!(code, 0, "{sh:?}: {stderr}");
        assert_eq!(
            env,
            vars(&[
                ("AWS_PROFILE", "127027105832_Billing"),
                ("AWS_REGION", "us-west-2"),
                ("AWS_DEFAULT_REGION", "us-west-2"),
            ]),
            "{sh:?}"
        );
        assert!(
            stderr.contains(
                "uo-aws-tui: unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_WEB_IDENTITY_TOKEN_FILE AWS_DEFAULT_PROFILE (they would take precedence over AWS_PROFILE)"
            ),
            "{sh:?}: {stderr}"
        );
        // A default profile naming the chosen one stays; nothing to say.
        let (code, env, stderr) = run_in_demo(
            &demo,
            sh,
            script,
            &[("AWS_DEFAULT_PROFILE", "127027105832_Billing")],
        );
        assert_eq!(code, 0, "{sh:?}: {stderr}");
        assert_eq!(
            env.get("AWS_DEFAULT_PROFILE").map(String::as_str),
            Some("127027105832_Billing"),
            "{sh:?}"
        );
        assert!(!stderr.contains("unset"), "{sh:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivate_output_unsets_what_activation_set() {
    let demo = common::DemoHome::new(3, 2).await;
    let active = [
        ("AWS_PROFILE", "127027105832_Billing"),
        ("AWS_REGION", "us-west-2"),
        ("AWS_DEFAULT_REGION", "us-west-2"),
        ("AWS_CONFIG_FILE_KEEP", "x"),
    ];
    for sh in [Sh::Bash, Sh::Fish] {
        let script = match sh {
            Sh::Fish => "uo-aws-tui deactivate --emit fish | source; or exit 9; env -0 > env.out",
            _ => "out=\"$(uo-aws-tui deactivate --emit posix)\" || exit 9; eval \"$out\"; env -0 > env.out",
        };
        let (code, env, stderr) = run_in_demo(&demo, sh, script, &active);
        assert_eq!(code, 0, "{sh:?}: {stderr}");
        assert_eq!(env, vars(&[("AWS_CONFIG_FILE_KEEP", "x")]), "{sh:?}");
        // Nothing active: still succeeds, nothing changes.
        let (code, env, stderr) = run_in_demo(&demo, sh, script, &[]);
        assert_eq!(code, 0, "{sh:?}: {stderr}");
        assert!(env.is_empty(), "{sh:?}: {env:?}");
    }
    let out = Command::new(BIN)
        .args(["deactivate", "--emit", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "only posix and fish");
}

#[test]
fn uoa_clear_unsets_the_activation_without_running_the_picker() {
    for sh in ALL {
        let stage = Stage::new(sh);
        stage.stub("p\nr\n", 0);
        let (code, env, stderr) = stage.run(
            sh,
            &[
                ("AWS_PROFILE", "p"),
                ("AWS_REGION", "r"),
                ("AWS_DEFAULT_REGION", "r"),
                ("AWS_ACCESS_KEY_ID", "AKIA"),
            ],
            &["--clear"],
        );
        assert_eq!(code, 0, "{sh:?}: {stderr}");
        assert_eq!(env, vars(&[("AWS_ACCESS_KEY_ID", "AKIA")]), "{sh:?}");
        assert_eq!(
            stderr, "uoa: unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION\n",
            "{sh:?}"
        );
        assert!(
            !stage.path("stub.args").exists(),
            "{sh:?}: the picker did not run"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_an_unusable_login_exits_2_with_the_hint_and_empty_stdout() {
    let demo = common::DemoHome::new(3, 2).await;
    {
        use uo_aws_tui::aws::token_cache::{read_token, token_path, write_token};
        let path = token_path(&demo.paths().sso_cache, "uoregon");
        let mut token = read_token(&path).unwrap();
        token.expires_at = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
        token.refresh_token = None;
        write_token(&path, &token).unwrap();
    }
    let before = std::fs::read(&demo.paths().config).unwrap();
    let marker = demo.home.path().join("ran");
    let runs: [&[&str]; 4] = [
        &["use", "management", "billing"],
        &[
            "pick",
            "--select-1",
            "--emit",
            "vars",
            "management",
            "billing",
        ],
        &["pick", "management"],
        &[
            "exec",
            "management billing",
            "--",
            "touch",
            marker.to_str().unwrap(),
        ],
    ];
    for args in runs {
        let out = demo_command(&demo, args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            stderr.contains("expired and cannot be refreshed"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("run: uo-aws-tui login --sso-session uoregon"),
            "{args:?}: {stderr}"
        );
        assert!(!marker.exists(), "{args:?}");
        assert_eq!(std::fs::read(&demo.paths().config).unwrap(), before);
    }
}
