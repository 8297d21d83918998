//! Every failure is one line on stderr naming the file and line, the session
//! or the URL, without the SDK's `Debug` text; `--verbose` adds the details.

mod common;

use std::process::{Command, Output, Stdio};

use common::DemoHome;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

/// What Rust `Debug` output of SDK and HTTP client errors looks like.
const MARKERS: &[&str] = &[
    "ConstructionFailure",
    "DispatchFailure",
    "ConnectorError",
    "InterceptorError",
    "Error {",
    "hyper_util",
    "Some(",
    "Os {",
];

fn run(demo: &DemoHome, endpoint: &str, args: &[&str]) -> Output {
    common::binary_in(demo.home.path(), endpoint, args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit 2 and exactly one stderr line, free of every marker, containing `want`.
fn assert_one_line(out: &Output, want: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    for marker in MARKERS {
        assert!(!err.contains(marker), "{marker:?} in {err}");
    }
    assert!(err.contains(want), "{want:?} not in {err}");
}

fn edit_config(demo: &DemoHome, from: &str, to: &str) {
    let path = &demo.paths().config;
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{text}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A port on 127.0.0.1 nothing listens on.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_comment_on_sso_region_is_one_line_naming_the_file_and_line() {
    let demo = DemoHome::new(3, 20).await;
    edit_config(
        &demo,
        "sso_region = us-west-2\n",
        "sso_region = us-west-2   # Oregon\n",
    );
    let config = demo.paths().config.display().to_string();
    for args in [
        &["list"][..],
        &["use", "admin"],
        &["login", "--use-device-code", "--no-browser"],
        &["pick"],
    ] {
        let out = run(&demo, &demo.sim.endpoint(), args);
        assert_one_line(&out, &format!("{config}:3: [sso-session uoregon]"));
        assert!(stderr(&out).contains("doctor --fix"), "{}", stderr(&out));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_indented_key_line_is_one_line_naming_the_file_and_line() {
    let demo = DemoHome::new(3, 20).await;
    edit_config(
        &demo,
        "\nsso_registration_scopes",
        "\n\tsso_registration_scopes",
    );
    let config = demo.paths().config.display().to_string();
    for args in [
        &["list"][..],
        &["login", "--use-device-code", "--no-browser"],
    ] {
        let out = run(&demo, &demo.sim.endpoint(), args);
        assert_one_line(&out, &format!("{config}:3: [sso-session uoregon]"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_portal_is_one_line_naming_the_url() {
    let demo = DemoHome::new(3, 20).await;
    let url = closed_port();
    let out = run(&demo, &url, &["list"]);
    assert_one_line(&out, &format!("ListAccounts: cannot reach {url}: "));
    assert!(stderr(&out).contains("sso-session uoregon"));
    let out = run(&demo, &url, &["use", "admin"]);
    assert_one_line(&out, &format!("cannot reach {url}: "));
    let out = run(&demo, &url, &["login", "--use-device-code", "--no-browser"]);
    assert_one_line(&out, &format!("RegisterClient: cannot reach {url}: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_writes_the_details_without_tokens() {
    let demo = DemoHome::new(3, 20).await;
    let url = closed_port();
    let token_file = std::fs::read_dir(&demo.paths().sso_cache)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let token = std::fs::read_to_string(token_file).unwrap();
    let access = token.split("\"accessToken\"").nth(1).unwrap();
    let access: String = access
        .trim_start_matches([':', ' ', '"'])
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(access.len() > 20);
    for (args, env) in [
        (&["list", "--verbose"][..], None),
        (&["list"][..], Some("debug")),
    ] {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("HOME", demo.home.path())
            .env("AWS_ENDPOINT_URL_SSO", &url)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null());
        if let Some(level) = env {
            cmd.env("UO_AWS_TUI_LOG", level);
        }
        let out = cmd.output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("uo-aws-tui: debug: "), "{err}");
        assert!(err.contains("DispatchFailure"), "{err}");
        assert!(!err.contains(&access), "the token is in {err}");
        let last = err.lines().last().unwrap();
        assert!(last.contains(&format!("cannot reach {url}")), "{err}");
    }
}
