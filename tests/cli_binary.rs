//! The real binary: `demo --serve --home`, and the picker without a terminal.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::portal::Portal;
use uo_aws_tui::aws::token_cache::{read_token, token_path};

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

/// Kills the child when the test ends, however it ends.
struct Reap(std::process::Child);
impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The binary run with `args` in an environment of only `HOME` = `home`,
/// `PATH` and `env`, stdin closed; what it printed and its exit.
fn run_bare(home: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serve_writes_a_home_that_lists_the_simulator() {
    let home = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(home.path());

    let child = Command::new(BIN)
        .args([
            "demo",
            "--serve",
            "--accounts",
            "25",
            "--page-size",
            "10",
            "--home",
        ])
        .arg(home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Reap(child);
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut lines = Vec::new();
    while !lines.iter().any(|l: &String| l.starts_with("Ctrl-C")) {
        let left = deadline.saturating_duration_since(Instant::now());
        lines.push(
            rx.recv_timeout(left)
                .expect("demo --serve prints its endpoint in time"),
        );
    }
    let endpoint = lines
        .iter()
        .find_map(|l| l.strip_prefix("export AWS_ENDPOINT_URL_SSO="))
        .expect("an AWS_ENDPOINT_URL_SSO line")
        .to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    for var in [
        "AWS_ENDPOINT_URL_SSO_OIDC",
        "AWS_ENDPOINT_URL_STS",
        "UO_AWS_TUI_ENDPOINT_URL_SIGNIN",
        "AWS_ENDPOINT_URL_SIGNIN",
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l == &format!("export {var}={endpoint}")),
            "{var}: {lines:?}"
        );
    }

    let config = std::fs::read_to_string(&paths.config).unwrap();
    assert!(
        config.starts_with("[sso-session uoregon]\n")
            && config.contains("\nuo_aws_tui_demo = true"),
        "the demo's section, marked as the demo's: {config}"
    );
    // The demo's own home may be served again.
    uo_aws_tui::demo::check_demo_home(&paths).unwrap();
    let token = read_token(&token_path(&paths.sso_cache, "uoregon")).unwrap();
    assert!(token.expires_at > OffsetDateTime::now_utc() + Duration::from_secs(7 * 3600));
    assert!(
        lines.iter().any(|l| l.ends_with(&token.access_token)),
        "the printed token is the cached one"
    );

    let portal = Portal::new("us-west-2", Some(&endpoint), &token.access_token, 4);
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    portal.stream_catalog(tx).await;
    let mut catalog = uo_aws_tui::catalog::Catalog::default();
    while let Ok(e) = events.try_recv() {
        catalog.apply(e);
    }
    assert_eq!(catalog.progress().accounts, 25);
    assert!(catalog.progress().complete && catalog.progress().failed == 0);
}

#[tokio::test]
async fn without_a_terminal_the_picker_exits_2() {
    let demo = common::DemoHome::new(3, 20).await;
    let (sim, home) = (&demo.sim, &demo.home);
    // setsid: a new session without a controlling terminal, so /dev/tty cannot be opened.
    let out = tokio::process::Command::new("setsid")
        .arg("--wait")
        .arg(BIN)
        .arg("pick")
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO", sim.endpoint())
        .stdin(Stdio::null())
        .output()
        .await
        .expect("setsid (util-linux) runs the binary");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs a terminal"), "{stderr}");
}

#[test]
fn errors_name_the_file_and_line_and_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("cfg");
    std::fs::write(
        &config,
        "[sso-session uoregon]\nsso_region = us-west-2\nbroken\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("pick")
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", &config)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:3:", config.display())),
        "{stderr}"
    );
}

#[test]
fn help_teaches_with_examples() {
    for args in [&["--help"][..], &["pick", "--help"], &["demo", "--help"]] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Examples:"), "{args:?}: {text}");
    }
}

/// Runs `demo --serve --home HOME` and expects it to refuse at once.
fn refused_demo_home(home: &std::path::Path) -> String {
    let out = Command::new(BIN)
        .args(["demo", "--serve", "--home"])
        .arg(home)
        .env_clear()
        .env("HOME", home)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

/// `demo --serve --home DIR` writes only into a home it wrote itself: a
/// config without its marker, or a token file it did not write, stop it
/// with exit 2 and nothing changed.
#[test]
fn demo_serve_refuses_a_home_it_did_not_write() {
    let home = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(home.path());
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    let mine = "# mine\n[sso-session uoregon]\nsso_start_url = https://real.awsapps.com/start\nsso_region = us-east-1\n";
    std::fs::write(&paths.config, mine).unwrap();
    let stderr = refused_demo_home(home.path());
    assert!(
        stderr.contains(&paths.config.display().to_string())
            && stderr.contains("not written by `uo-aws-tui demo`"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&paths.config).unwrap(), mine);
    let token = token_path(&paths.sso_cache, "uoregon");
    assert!(!token.exists(), "no token written");

    // The demo's config, but someone else's token under its session's name.
    std::fs::remove_file(&paths.config).unwrap();
    uo_aws_tui::demo::write_demo_files(&paths, "demo-token").unwrap();
    let config = std::fs::read(&paths.config).unwrap();
    let theirs = r#"{"startUrl": "https://real.awsapps.com/start", "region": "us-east-1", "accessToken": "real", "expiresAt": "2099-01-01T00:00:00Z"}"#;
    std::fs::write(&token, theirs).unwrap();
    let stderr = refused_demo_home(home.path());
    assert!(
        stderr.contains("a token file the demo did not write"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&token).unwrap(), theirs);
    assert_eq!(std::fs::read(&paths.config).unwrap(), config);
}

/// A first run, with no config file or no sso-session in it, says how to
/// add one and how to try the tool without AWS, whatever the command.
#[test]
fn a_first_run_says_how_to_add_a_session() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = run_bare(home.path(), args, &[]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for args in [&[][..], &["list"], &["use", "admin"], &["login"]] {
        let (code, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("file not found: no sso-session yet")
                && stderr.contains("add one: uo-aws-tui login --sso-session NAME --start-url")
                && stderr.contains("uo-aws-tui demo"),
            "{args:?}: {stderr}"
        );
    }
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile x]\nregion = us-west-2\n",
    )
    .unwrap();
    let (code, stderr) = run(&["list"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("no [sso-session NAME] section")
            && stderr.contains("add one: uo-aws-tui login"),
        "{stderr}"
    );
}

/// An empty `AWS_CONFIG_FILE` makes botocore read no config file at all, so
/// every command stops with exit 2 and says why, and writes nothing.
#[test]
fn an_empty_aws_config_file_is_refused_as_botocore_reads_no_config_then() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".aws/config");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let text = "[sso-session uoregon]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-west-2\n\n[profile admin]\nsso_session = uoregon\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-west-2\n";
    std::fs::write(&config, text).unwrap();

    // What botocore reads with the variable set but empty: no profile.
    let probe = Command::new(common::python())
        .args([
            "-c",
            "import botocore.session; print(botocore.session.Session().available_profiles)",
        ])
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", "")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "[]");

    for args in [
        &[][..],
        &["list"],
        &["use", "admin"],
        &["populate"],
        &["status"],
        &["doctor"],
    ] {
        let out = run_bare(home.path(), args, &[("AWS_CONFIG_FILE", "")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("AWS_CONFIG_FILE is set but empty")
                && stderr.contains("unset AWS_CONFIG_FILE"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

/// `demo` on a terminal that cannot draw says how to reach the simulator
/// with the commands that need no picker.
#[test]
fn demo_on_a_dumb_terminal_points_at_demo_serve() {
    let home = tempfile::tempdir().unwrap();
    let out = run_bare(home.path(), &["demo"], &[("TERM", "dumb")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("TERM=dumb") && stderr.contains("uo-aws-tui demo --serve --home DIR"),
        "{stderr}"
    );
}
