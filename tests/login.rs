//! Signing in like the AWS CLI v2, with the real aws-sdk-ssooidc client over
//! real HTTP against the simulator's OIDC side; the tokens we write are read
//! back by botocore and used on the portal.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use time::OffsetDateTime;
use tokio::sync::Notify;
use uo_aws_tui::app::Outcome;
use uo_aws_tui::aws::login::{self, Browser, Flow, LoginError, LoginOptions, LoginStep, Oidc};
use uo_aws_tui::aws::portal::Portal;
use uo_aws_tui::aws::registration::{
    read_registration, registration_path, write_registration, Registration,
};
use uo_aws_tui::aws::sso_session::SsoSession;
use uo_aws_tui::aws::token_cache::{read_token, token_path, CachedToken};
use uo_aws_tui::event_loop;
use uo_aws_tui::picker::{self, PickServices};
use uo_aws_tui::sim::SimOptions;
use uo_aws_tui::token::{token_for, Policy};

/// A `$BROWSER` that fetches the URL at once and follows the redirect, as a
/// browser would, to our loopback listener.
const FETCHER: &str = r#"#!/bin/sh
exec python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=30).read()' "$1"
"#;

/// A `$BROWSER` that answers the loopback listener itself with a forged state.
const FORGER: &str = r#"#!/bin/sh
exec python3 -c '
import sys, urllib.parse, urllib.request
q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(sys.argv[1]).query))
urllib.request.urlopen(q["redirect_uri"] + "?code=forged&state=not-the-state", timeout=30).read()
' "$1"
"#;

fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn browser(path: &Path) -> Browser {
    Browser {
        browser_var: Some(path.display().to_string()),
        os: "linux".into(),
        display: true,
        ssh: false,
        wsl: false,
    }
}

/// No `$BROWSER` and no display: nothing is opened.
fn no_browser() -> Browser {
    Browser {
        browser_var: None,
        os: "linux".into(),
        display: false,
        ssh: false,
        wsl: false,
    }
}

fn options(flow: Flow, browser: Browser) -> LoginOptions {
    LoginOptions {
        flow,
        open_browser: true,
        redirect_port: None,
        pkce_timeout: Duration::from_secs(60),
        browser,
    }
}

fn session() -> SsoSession {
    SsoSession {
        name: "uoregon".into(),
        start_url: uo_aws_tui::demo::START_URL.into(),
        region: "us-west-2".into(),
        registration_scopes: Some("sso:account:access".into()),
        line: 1,
    }
}

/// Steps reported by a login, kept for assertions.
fn recorder() -> (Arc<Mutex<Vec<LoginStep>>>, impl Fn(LoginStep) + Send + Sync) {
    let steps = Arc::new(Mutex::new(Vec::new()));
    let sink = steps.clone();
    (steps, move |s| sink.lock().unwrap().push(s))
}

fn key_order(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_object().unwrap().keys().cloned().collect()
}

async fn no_token_home(opts: SimOptions) -> common::DemoHome {
    let demo = common::DemoHome::with_options(opts).await;
    std::fs::remove_file(token_path(&demo.paths().sso_cache, "uoregon")).unwrap();
    demo
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_login_through_a_browser_writes_the_cli_token_file() {
    let demo = no_token_home(SimOptions::default()).await;
    let fetcher = script(demo.home.path(), "browser.sh", FETCHER);
    let oidc = Oidc::new("us-west-2", Some(&demo.sim.endpoint()));
    let (steps, report) = recorder();
    let token = login::login(
        &demo.paths().sso_cache,
        &session(),
        &oidc,
        &options(Flow::Pkce, browser(&fetcher)),
        &report,
    )
    .await
    .expect("login succeeds");

    // The token file as the CLI writes it.
    let path = token_path(&demo.paths().sso_cache, "uoregon");
    assert_eq!(
        key_order(&path),
        [
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
            "refreshToken"
        ]
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in ["expiresAt", "registrationExpiresAt"] {
        let t = v[key].as_str().unwrap();
        assert!(t.len() == 20 && t.ends_with('Z'), "{key}: {t}");
    }
    assert!(
        text.contains("\", \"") && !text.ends_with('\n'),
        "python separators, one line"
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(read_token(&path).unwrap(), token);

    // Registered as the CLI registers a PKCE client, and cached for the CLI.
    let regs = demo.sim.registrations();
    assert_eq!(regs.len(), 1);
    assert_eq!(regs[0].client_name, "botocore-client-uoregon");
    assert_eq!(regs[0].client_type, "public");
    assert_eq!(regs[0].redirect_uris, ["http://127.0.0.1/oauth/callback"]);
    assert_eq!(regs[0].grant_types, ["authorization_code", "refresh_token"]);
    assert_eq!(regs[0].scopes, ["sso:account:access"]);
    assert_eq!(
        regs[0].issuer_url.as_deref(),
        Some(uo_aws_tui::demo::START_URL)
    );
    let scopes = vec!["sso:account:access".to_string()];
    let cached = read_registration(&registration_path(
        &demo.paths().sso_cache,
        uo_aws_tui::demo::START_URL,
        "us-west-2",
        Some(&scopes),
        Some("uoregon"),
    ))
    .expect("registration file");
    assert_eq!(cached.client_id, regs[0].client_id);

    // The authorize URL was on the simulator's OIDC endpoint, and the browser was used.
    let steps = steps.lock().unwrap().clone();
    assert!(steps.iter().any(|s| matches!(s, LoginStep::Authorize { flow: Flow::Pkce, url, .. }
        if url.starts_with(&format!("{}/authorize?response_type=code&client_id=", demo.sim.endpoint())))));
    assert!(steps
        .iter()
        .any(|s| matches!(s, LoginStep::BrowserOpened { .. })));

    // The token works on the portal.
    let portal = Portal::new(
        "us-west-2",
        Some(&demo.sim.endpoint()),
        &token.access_token,
        4,
    );
    assert!(!portal.list_accounts_page(None).await.unwrap().0.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_gets_role_credentials_with_a_logged_in_token() {
    let python = common::python();
    let demo = no_token_home(SimOptions::default()).await;
    let fetcher = script(demo.home.path(), "browser.sh", FETCHER);
    log_in(&demo, Flow::Pkce, browser(&fetcher)).await.unwrap();
    let (session, app) = demo.loaded_app().await;
    let row = app.catalog().rows()[0].clone();
    let choice = demo.commit(&session, &row, app.catalog().rows());
    let out = tokio::process::Command::new(&python)
        .env_clear()
        .envs(common::aws_child_env(demo.home.path(), &demo.sim.endpoint()))
        .args([
            "-c",
            "import sys, botocore.session as b; c = b.Session(profile=sys.argv[1]).get_credentials().get_frozen_credentials(); print(c.access_key)",
            &choice.profile,
        ])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .trim()
        .starts_with("ASIA"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_login_reuses_its_registration_and_pkce_registers_its_own() {
    let demo = no_token_home(SimOptions {
        auto_approve_device: true,
        ..SimOptions::default()
    })
    .await;
    let oidc = Oidc::new("us-west-2", Some(&demo.sim.endpoint()));
    let (_, report) = recorder();
    let none = no_browser();
    let mut opts = options(Flow::DeviceCode, none);
    opts.open_browser = false;
    let first = login::login(&demo.paths().sso_cache, &session(), &oidc, &opts, &report)
        .await
        .unwrap();
    let second = login::login(&demo.paths().sso_cache, &session(), &oidc, &opts, &report)
        .await
        .unwrap();
    assert_ne!(first.access_token, second.access_token);
    let counts = demo.sim.oidc_counts();
    assert_eq!(
        counts.register_client, 1,
        "the second login reused the registration"
    );
    assert_eq!(counts.start_device_authorization, 2);
    assert!(demo.sim.registrations()[0]
        .grant_types
        .iter()
        .all(|g| g != "authorization_code"));

    // A PKCE login needs a registration of its own kind.
    let fetcher = script(demo.home.path(), "browser.sh", FETCHER);
    login::login(
        &demo.paths().sso_cache,
        &session(),
        &oidc,
        &options(Flow::Pkce, browser(&fetcher)),
        &report,
    )
    .await
    .unwrap();
    assert_eq!(demo.sim.oidc_counts().register_client, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_device_code_is_shown_then_approved() {
    let demo = no_token_home(SimOptions {
        device_poll_interval: Duration::from_secs(1),
        ..SimOptions::default()
    })
    .await;
    let oidc = Oidc::new("us-west-2", Some(&demo.sim.endpoint()));
    let sim = Arc::new(demo);
    let approver = sim.clone();
    let report = move |step: LoginStep| {
        if let LoginStep::Authorize {
            user_code: Some(code),
            url,
            ..
        } = step
        {
            assert!(url.contains(&code));
            assert!(approver.sim.approve_device(&code));
        }
    };
    let none = no_browser();
    let token = login::login(
        &sim.paths().sso_cache,
        &session(),
        &oidc,
        &options(Flow::DeviceCode, none),
        &report,
    )
    .await
    .unwrap();
    assert!(token.refresh_token.is_some());
    assert!(
        sim.sim
            .oidc_counts()
            .calls("urn:ietf:params:oauth:grant-type:device_code")
            >= 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiring_registration_is_replaced_before_the_device_authorization() {
    let demo = no_token_home(SimOptions {
        auto_approve_device: true,
        ..SimOptions::default()
    })
    .await;
    let scopes = vec!["sso:account:access".to_string()];
    let path = registration_path(
        &demo.paths().sso_cache,
        uo_aws_tui::demo::START_URL,
        "us-west-2",
        Some(&scopes),
        Some("uoregon"),
    );
    write_registration(
        &path,
        &Registration {
            client_id: "old-client".into(),
            client_secret: "old-secret".into(),
            expires_at: OffsetDateTime::now_utc() + Duration::from_secs(10 * 60),
            scopes: Some(scopes.clone()),
            grant_types: None,
        },
    )
    .unwrap();
    let token = log_in(&demo, Flow::DeviceCode, no_browser()).await.unwrap();
    let paths: Vec<String> = demo.sim.requests().into_iter().map(|r| r.path).collect();
    let register = paths
        .iter()
        .position(|p| p == "/client/register")
        .expect("RegisterClient");
    let device = paths
        .iter()
        .position(|p| p == "/device_authorization")
        .expect("StartDeviceAuthorization");
    assert!(register < device, "{paths:?}");
    let fresh = read_registration(&path).unwrap();
    assert_ne!(fresh.client_id, "old-client");
    assert_eq!(token.client_id.as_deref(), Some(fresh.client_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_with_another_state_is_rejected_and_nothing_is_written() {
    let demo = common::DemoHome::with_options(SimOptions::default()).await;
    let path = token_path(&demo.paths().sso_cache, "uoregon");
    let before = std::fs::read(&path).unwrap();
    let forger = script(demo.home.path(), "forger.sh", FORGER);
    let err = log_in(&demo, Flow::Pkce, browser(&forger))
        .await
        .unwrap_err();
    assert!(matches!(err, LoginError::StateMismatch), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the old token file is untouched"
    );
    assert_eq!(demo.sim.oidc_counts().calls("authorization_code"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_authorization_fails_and_keeps_the_old_token() {
    let demo = common::DemoHome::with_options(SimOptions {
        deny_authorization: true,
        ..SimOptions::default()
    })
    .await;
    let path = token_path(&demo.paths().sso_cache, "uoregon");
    let before = std::fs::read(&path).unwrap();
    let fetcher = script(demo.home.path(), "browser.sh", FETCHER);
    let err = log_in(&demo, Flow::Pkce, browser(&fetcher))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoginError::Denied(ref e) if e == "access_denied"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

/// Logs in to the demo's `uoregon` session with `flow`, opening URLs with
/// `browser`; progress goes nowhere.
async fn log_in(
    demo: &common::DemoHome,
    flow: Flow,
    browser: Browser,
) -> Result<CachedToken, LoginError> {
    let oidc = Oidc::new("us-west-2", Some(&demo.sim.endpoint()));
    login::login(
        &demo.paths().sso_cache,
        &session(),
        &oidc,
        &options(flow, browser),
        &|_| {},
    )
    .await
}

/// Logs in with PKCE and returns the token (which has a refresh token).
async fn logged_in(demo: &common::DemoHome) -> CachedToken {
    let fetcher = script(demo.home.path(), "browser.sh", FETCHER);
    log_in(demo, Flow::Pkce, browser(&fetcher)).await.unwrap()
}

/// Rewrites the token file with `expiresAt` `minutes` from now in offset form
/// and an unknown field, as another tool might leave it.
fn age_token(demo: &common::DemoHome, minutes: i64, drop_refresh: bool) -> serde_json::Value {
    let path = token_path(&demo.paths().sso_cache, "uoregon");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let at = OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
    let offset = at
        .to_offset(time::UtcOffset::from_hms(-8, 0, 0).unwrap())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    v["expiresAt"] = offset.into();
    v["custom"] = "kept".into();
    if drop_refresh {
        v.as_object_mut().unwrap().remove("refreshToken");
    }
    std::fs::write(&path, v.to_string()).unwrap();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rewrites_only_the_token_fields_and_keeps_the_rest() {
    let demo = common::DemoHome::with_options(SimOptions::default()).await;
    logged_in(&demo).await;
    let old = age_token(&demo, 5, false);
    let session = demo.session();
    let fresh = token_for(
        &demo.env,
        &session,
        Policy::Usable,
        OffsetDateTime::now_utc(),
    )
    .await
    .expect("refreshed");
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 1);
    let path = token_path(&demo.paths().sso_cache, "uoregon");
    let new: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for changed in ["accessToken", "expiresAt", "refreshToken"] {
        assert_ne!(old[changed], new[changed], "{changed}");
    }
    for kept in [
        "startUrl",
        "region",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "custom",
    ] {
        assert_eq!(old[kept], new[kept], "{kept}");
    }
    assert!(new["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert!(fresh.expires_at > OffsetDateTime::now_utc() + Duration::from_secs(7 * 3600));
    // The new token works; a fresh one is not refreshed again.
    token_for(
        &demo.env,
        &session,
        Policy::Usable,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_refresh_token_is_tried_once_and_asks_for_a_login() {
    let demo = common::DemoHome::with_options(SimOptions {
        reject_refresh_tokens: true,
        ..SimOptions::default()
    })
    .await;
    logged_in(&demo).await;
    age_token(&demo, -1, false);
    let session = demo.session();
    let err = token_for(
        &demo.env,
        &session,
        Policy::Usable,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("session ended, login required"), "{err}");
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_a_refresh_token_is_never_refreshed() {
    let demo = common::DemoHome::with_options(SimOptions::default()).await;
    logged_in(&demo).await;
    age_token(&demo, 10, true);
    let session = demo.session();
    let token = token_for(
        &demo.env,
        &session,
        Policy::Usable,
        OffsetDateTime::now_utc(),
    )
    .await
    .expect("still valid for 10 minutes");
    assert!(token.refresh_token.is_none());
    assert_eq!(
        login::refreshable(&token, OffsetDateTime::now_utc()),
        Err("it has no refresh token")
    );
    age_token(&demo, -1, true);
    let err = token_for(
        &demo.env,
        &session,
        Policy::Usable,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("cannot be refreshed"), "{err}");
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_recovers_from_an_expired_token_without_a_restart() {
    let demo = common::DemoHome::with_options(SimOptions::default()).await;
    age_token(&demo, -60, true);
    let fetcher = script(demo.home.path(), "browser.sh", FETCHER);
    let request = demo.request();
    let session = demo.session();
    let token = token_for(
        &demo.env,
        &session,
        Policy::Usable,
        OffsetDateTime::now_utc(),
    )
    .await;
    let reason = token.as_ref().unwrap_err().reason.to_string();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    app.begin_login(reason);
    let complete = Arc::new(Notify::new());
    let mut services = common::Observed {
        inner: PickServices::new(&demo.env, &session, None, 8).with_browser(browser(&fetcher)),
        complete: complete.clone(),
        settled: Default::default(),
    };
    let steps = vec![
        common::Step::AwaitComplete,
        common::Step::Key(KeyCode::Enter, KeyModifiers::NONE),
    ];
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let outcome = event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, complete),
        &mut services,
    )
    .await
    .unwrap();
    assert!(matches!(outcome, Outcome::Chosen(_)), "{outcome:?}");
    assert!(app.login_panel().is_none());
    let token = read_token(&token_path(&demo.paths().sso_cache, "uoregon")).unwrap();
    assert!(token.expires_at > OffsetDateTime::now_utc());
    assert_eq!(demo.sim.oidc_counts().calls("authorization_code"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_or_expired_device_code_fails_without_writing() {
    for deny in [true, false] {
        let demo = no_token_home(SimOptions {
            device_code_ttl: Duration::from_secs(2),
            ..SimOptions::default()
        })
        .await;
        let oidc = Oidc::new("us-west-2", Some(&demo.sim.endpoint()));
        let sim = Arc::new(demo);
        let denier = sim.clone();
        let report = move |step: LoginStep| {
            if let LoginStep::Authorize {
                user_code: Some(code),
                ..
            } = step
            {
                if deny {
                    assert!(denier.sim.deny_device(&code));
                }
            }
        };
        let none = no_browser();
        let err = login::login(
            &sim.paths().sso_cache,
            &session(),
            &oidc,
            &options(Flow::DeviceCode, none),
            &report,
        )
        .await
        .unwrap_err();
        if deny {
            assert!(matches!(err, LoginError::Denied(_)), "{err}");
        } else {
            assert!(matches!(err, LoginError::Expired), "{err}");
        }
        assert!(!token_path(&sim.paths().sso_cache, "uoregon").exists());
    }
}
