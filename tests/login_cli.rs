//! `uo-aws-tui login` and `logout`: the real binary against the simulator.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use uo_aws_tui::aws::cli_cache::role_credentials_path;
use uo_aws_tui::aws::portal::{Portal, PortalErrorKind};
use uo_aws_tui::aws::registration::registration_path;
use uo_aws_tui::aws::token_cache::{read_token, token_path};
use uo_aws_tui::sim::SimOptions;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

const FETCHER: &str = r#"#!/bin/sh
exec python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=30).read()' "$1"
"#;

async fn run(demo: &common::DemoHome, args: &[&str], extra: &[(&str, String)]) -> Output {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", demo.home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO", demo.sim.endpoint())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", demo.sim.endpoint())
        .stdin(std::process::Stdio::null());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("the command ends in time")
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn approving_home() -> common::DemoHome {
    let demo = common::DemoHome::with_options(SimOptions {
        auto_approve_device: true,
        ..SimOptions::default()
    })
    .await;
    std::fs::remove_file(token_path(&demo.paths().sso_cache, "uoregon")).unwrap();
    demo
}

async fn token_works(demo: &common::DemoHome, session: &str, region: &str) -> bool {
    let token = read_token(&token_path(&demo.paths().sso_cache, session)).unwrap();
    Portal::new(region, Some(&demo.sim.endpoint()), &token.access_token, 1)
        .list_accounts_page(None)
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_a_device_code_writes_a_working_token_and_prints_nothing_on_stdout() {
    let demo = approving_home().await;
    let out = run(&demo, &["login", "--use-device-code", "--no-browser"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("Logged in to sso-session uoregon"),
        "{}",
        stderr(&out)
    );
    assert!(token_works(&demo, "uoregon", "us-west-2").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_opens_browser_for_pkce() {
    let demo = approving_home().await;
    let fetcher = demo.home.path().join("browser.sh");
    std::fs::write(&fetcher, FETCHER).unwrap();
    std::fs::set_permissions(&fetcher, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(
        &demo,
        &["login"],
        &[("BROWSER", fetcher.display().to_string())],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Sign in through your browser"),
        "{}",
        stderr(&out)
    );
    assert!(
        out.stdout.is_empty(),
        "the URL goes to stderr, never stdout"
    );
    assert_eq!(demo.sim.oidc_counts().calls("authorization_code"), 1);
    assert!(token_works(&demo, "uoregon", "us-west-2").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_browser_login_switches_to_a_device_code_and_says_why() {
    let demo = approving_home().await;
    let out = run(&demo, &["login"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("No browser can be used here") && err.contains("device code"),
        "{err}"
    );
    assert_eq!(demo.sim.oidc_counts().start_device_authorization, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_creates_a_missing_session_and_refuses_names_with_whitespace() {
    let demo = approving_home().await;
    let before = std::fs::read_to_string(&demo.paths().config).unwrap();
    let out = run(
        &demo,
        &[
            "login",
            "--sso-session",
            "my lab",
            "--start-url",
            "https://d-0000000002.awsapps.com/start",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--sso-session my-lab"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&demo.paths().config).unwrap(),
        before
    );

    let out = run(
        &demo,
        &[
            "login",
            "--sso-session",
            "lab",
            "--start-url",
            "https://d-0000000002.awsapps.com/start",
            "--sso-region",
            "us-east-1",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = std::fs::read_to_string(&demo.paths().config).unwrap();
    assert!(
        after.starts_with(&before),
        "the existing text is kept byte for byte"
    );
    assert!(after.ends_with(
        "[sso-session lab]\nsso_start_url = https://d-0000000002.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    ), "{after}");
    assert!(token_works(&demo, "lab", "us-east-1").await);
}

fn sso_cli_cache_file(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAX"}}"#,
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_and_removes_its_files_but_not_the_registration() {
    let demo = approving_home().await;
    assert_eq!(
        run(&demo, &["login", "--use-device-code"], &[])
            .await
            .status
            .code(),
        Some(0)
    );
    let token = read_token(&token_path(&demo.paths().sso_cache, "uoregon")).unwrap();
    // A profile of the session, its cached role credentials, and another session's file.
    let (session, app) = demo.loaded_app().await;
    let row = app.catalog().rows()[0].clone();
    demo.commit(&session, &row, app.catalog().rows());
    let ours = role_credentials_path(
        &demo.paths().cli_cache,
        &row.account.id,
        row.role().unwrap(),
        "uoregon",
    );
    let theirs = role_credentials_path(
        &demo.paths().cli_cache,
        "999999999999",
        "Other",
        "elsewhere",
    );
    sso_cli_cache_file(&ours);
    sso_cli_cache_file(&theirs);
    let scopes = vec!["sso:account:access".to_string()];
    let registration = registration_path(
        &demo.paths().sso_cache,
        uo_aws_tui::demo::START_URL,
        "us-west-2",
        Some(&scopes),
        Some("uoregon"),
    );
    assert!(registration.exists());

    let out = run(&demo, &["logout"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!token_path(&demo.paths().sso_cache, "uoregon").exists());
    assert!(!ours.exists());
    assert!(theirs.exists(), "another session's credentials stay");
    assert!(registration.exists(), "registrations stay");
    // The portal no longer accepts the token.
    let err = Portal::new(
        "us-west-2",
        Some(&demo.sim.endpoint()),
        &token.access_token,
        1,
    )
    .list_accounts_page(None)
    .await
    .unwrap_err();
    assert_eq!(err.kind, PortalErrorKind::Unauthorized);

    let out = run(&demo, &["logout", "--all"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !theirs.exists(),
        "--all removes every SSO role-credential file"
    );
    assert!(registration.exists());
}
