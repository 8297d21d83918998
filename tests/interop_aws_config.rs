//! The Rust SDK's own `aws-config`, a real AWS client, resolves the profile
//! we write to the simulator's role credentials, reading our token file.
//!
//! `aws-config` reads the process environment (HOME, `AWS_*`), so it runs in
//! a child process with an explicit environment: this test binary started
//! again with only [`child_process_resolves_the_profile_named_in_env`]
//! selected and the profile to resolve in [`PROFILE_VAR`].

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use aws_sdk_sso::config::ProvideCredentials as _;
use aws_sdk_sso::error::DisplayErrorContext;
use time::OffsetDateTime;
use uo_aws_tui::aws::token_cache::{format_timestamp, token_path, write_token, CachedToken};
use uo_aws_tui::catalog::Row;

/// Names the profile the child resolves; unset, the child test does nothing.
const PROFILE_VAR: &str = "UO_AWS_TUI_TEST_AWS_CONFIG_PROFILE";
/// Starts the child's one line of result on stdout.
const RESULT_MARKER: &str = "aws-config-result: ";
const CHILD_TEST: &str = "child_process_resolves_the_profile_named_in_env";

/// Child-process side: resolves the profile named by [`PROFILE_VAR`] with
/// `aws-config`'s default chain and prints one result line. A no-op when the
/// variable is unset, i.e. in every ordinary test run.
#[tokio::test]
async fn child_process_resolves_the_profile_named_in_env() {
    let Ok(profile) = std::env::var(PROFILE_VAR) else {
        return;
    };
    let config = aws_config::defaults(BehaviorVersion::latest())
        .profile_name(&profile)
        .load()
        .await;
    let region = config.region().map(|r| r.to_string());
    let provider = config
        .credentials_provider()
        .expect("the default chain has a credentials provider");
    let result = match provider.provide_credentials().await {
        Ok(creds) => serde_json::json!({
            "ok": true,
            "access_key_id": creds.access_key_id(),
            "secret_len": creds.secret_access_key().len(),
            "has_session_token": creds.session_token().is_some_and(|t| !t.is_empty()),
            "region": region,
            "expiry": creds
                .expiry()
                .map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs()),
        }),
        Err(e) => serde_json::json!({
            "ok": false,
            "error": DisplayErrorContext(&e).to_string(),
            "region": region,
        }),
    };
    println!("{RESULT_MARKER}{result}");
}

/// Runs [`child_process_resolves_the_profile_named_in_env`] in a child with
/// only the AWS test environment for `home` and the simulator, and returns
/// its result object.
async fn resolve_in_child(demo: &common::DemoHome, profile: &str) -> serde_json::Value {
    let exe = std::env::current_exe().expect("the test binary's path");
    let child = tokio::process::Command::new(exe)
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env_clear()
        .envs(common::aws_child_env(
            demo.home.path(),
            &demo.sim.endpoint(),
        ))
        .env(PROFILE_VAR, profile)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), child)
        .await
        .expect("the aws-config child finishes within a minute")
        .expect("the test binary starts again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the aws-config child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.split_once(RESULT_MARKER).map(|(_, json)| json))
        .unwrap_or_else(|| panic!("no result line from the child: {stdout}"));
    serde_json::from_str(line).unwrap()
}

/// The row of `account_id` and `role` in a loaded picker.
fn row_of(app: &uo_aws_tui::app::App, account_id: &str, role: &str) -> Row {
    app.catalog()
        .rows()
        .iter()
        .find(|r| r.account.id == account_id && r.role() == Some(role))
        .unwrap_or_else(|| panic!("no row for {account_id} {role}"))
        .clone()
}

/// GetRoleCredentials requests the simulator answered, as (status, query).
fn credential_requests(demo: &common::DemoHome) -> Vec<(u16, String)> {
    demo.sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/federation/credentials")
        .map(|r| (r.status, r.query))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_config_resolves_the_written_profile_to_role_credentials() {
    let demo = common::DemoHome::new(40, 20).await;
    let (session, app) = demo.loaded_app().await;
    // A role whose name has `=` and `,`, so the profile name differs from
    // `{account}_{role}` and the INI value holds characters that matter.
    let target = demo
        .sim
        .org()
        .accounts
        .iter()
        .find(|a| a.roles.iter().any(|r| r.contains('=')))
        .expect("the organisation has a role with `=`")
        .clone();
    let role = target.roles.iter().find(|r| r.contains('=')).unwrap();
    let row = row_of(&app, &target.account_id, role);
    let choice = demo.commit(&session, &row, app.catalog().rows());
    assert_ne!(choice.profile, format!("{}_{role}", target.account_id));

    let got = resolve_in_child(&demo, &choice.profile).await;
    assert_eq!(got["ok"], true, "{got}");
    let key = got["access_key_id"].as_str().unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{got}");
    assert_eq!(got["secret_len"], 40, "{got}");
    assert_eq!(got["has_session_token"], true, "{got}");
    assert_eq!(got["region"], "us-west-2", "{got}");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expiry = got["expiry"].as_u64().expect("credentials carry an expiry");
    assert!(expiry > now && expiry <= now + 2 * 3600, "{got}");

    // Exactly one GetRoleCredentials, for this account.
    let fetched = credential_requests(&demo);
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert_eq!(fetched[0].0, 200);
    assert!(
        fetched[0]
            .1
            .contains(&format!("account_id={}", target.account_id)),
        "{fetched:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_config_reads_the_z_form_expires_at_that_write_token_writes() {
    let demo = common::DemoHome::new(5, 20).await;
    let (session, app) = demo.loaded_app().await;
    let target = demo.sim.org().accounts[2].clone();
    let row = row_of(&app, &target.account_id, &target.roles[0]);
    let choice = demo.commit(&session, &row, app.catalog().rows());

    // One access token the simulator accepts for an hour; only the expiry
    // written into the cache file changes between the two runs.
    let access_token = demo.sim.issue_access_token(Duration::from_secs(3600));
    let path = token_path(&demo.paths().sso_cache, &session.name);
    let write = |expires_at: OffsetDateTime| {
        let token = CachedToken {
            start_url: Some(uo_aws_tui::demo::START_URL.to_string()),
            region: Some("us-west-2".to_string()),
            access_token: access_token.clone(),
            expires_at,
            client_id: None,
            client_secret: None,
            registration_expires_at: None,
            refresh_token: None,
            extra: Default::default(),
        };
        write_token(&path, &token).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let written = format_timestamp(expires_at);
        assert!(
            text.contains(&format!("\"expiresAt\": \"{written}\"")),
            "{text}"
        );
        written
    };

    // Valid for 20 more minutes: aws-config uses it.
    let written = write(OffsetDateTime::now_utc() + Duration::from_secs(20 * 60));
    let bytes = written.as_bytes();
    assert!(
        written.len() == 20
            && bytes[10] == b'T'
            && written.ends_with('Z')
            && !written.contains('.'),
        "YYYY-MM-DDTHH:MM:SSZ: {written}"
    );
    let got = resolve_in_child(&demo, &choice.profile).await;
    assert_eq!(got["ok"], true, "{got}");
    assert!(got["access_key_id"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(credential_requests(&demo).len(), 1);

    // Expired a minute ago (the simulator would still take the token):
    // aws-config refuses it itself, so it did read the timestamp.
    write(OffsetDateTime::now_utc() - Duration::from_secs(60));
    let got = resolve_in_child(&demo, &choice.profile).await;
    assert_eq!(got["ok"], false, "{got}");
    let error = got["error"].as_str().unwrap();
    assert!(error.contains("the SSO token has expired"), "{error}");
    assert_eq!(
        credential_requests(&demo).len(),
        1,
        "no request with the expired token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_config_uses_and_refreshes_a_token_from_our_login() {
    use uo_aws_tui::aws::login::{self, Browser, Flow, LoginOptions, Oidc};
    let demo = common::DemoHome::with_options(uo_aws_tui::sim::SimOptions {
        auto_approve_device: true,
        ..Default::default()
    })
    .await;
    let path = token_path(&demo.paths().sso_cache, "uoregon");
    std::fs::remove_file(&path).unwrap();
    let session = uo_aws_tui::aws::sso_session::choose_session(
        &uo_aws_tui::aws::config::AwsFile::load(
            &demo.paths().config,
            uo_aws_tui::aws::config::FileKind::Config,
        )
        .unwrap(),
        None,
        None,
    )
    .unwrap();
    let options = LoginOptions {
        flow: Flow::DeviceCode,
        open_browser: false,
        redirect_port: None,
        pkce_timeout: Duration::from_secs(60),
        browser: Browser::from_env(),
    };
    let oidc = Oidc::new("us-west-2", Some(&demo.sim.endpoint()));
    let token = login::login(&demo.paths().sso_cache, &session, &oidc, &options, &|_| {})
        .await
        .expect("device-code login");
    assert!(token.refresh_token.is_some());
    let (session, app) = demo.loaded_app().await;
    let row = app.catalog().rows()[0].clone();
    let choice = demo.commit(&session, &row, app.catalog().rows());
    let got = resolve_in_child(&demo, &choice.profile).await;
    assert_eq!(got["ok"], true, "{got}");

    // With two minutes left, aws-config refreshes through the simulator with
    // the registration and refresh token we wrote, then gets credentials.
    let mut near = token.clone();
    near.expires_at = OffsetDateTime::now_utc() + Duration::from_secs(120);
    write_token(&path, &near).unwrap();
    let got = resolve_in_child(&demo, &choice.profile).await;
    assert_eq!(got["ok"], true, "{got}");
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 1);
    let refreshed = uo_aws_tui::aws::token_cache::read_token(&path).unwrap();
    assert_ne!(refreshed.access_token, token.access_token);
    assert!(refreshed.expires_at > near.expires_at);
}
