//! `uo-aws-tui prompt` through the real binary over token fixtures: the
//! three states (valid, refreshable, needs a login), a profile without SSO,
//! chains (to an SSO login, to keys of the credentials file, broken), an
//! inactive shell, and no network use (every endpoint and proxy points
//! at a listener that must see no connection).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use time::{Duration, OffsetDateTime};
use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::token_cache::{cache_file_name, write_token, CachedToken};

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

const CONFIG: &str = "\
[sso-session valid]
sso_start_url = https://d-1111111111.awsapps.com/start
sso_region = us-west-2

[sso-session stale]
sso_start_url = https://d-2222222222.awsapps.com/start
sso_region = us-west-2

[sso-session gone]
sso_start_url = https://d-3333333333.awsapps.com/start
sso_region = us-west-2

[sso-session lapsed]
sso_start_url = https://d-4444444444.awsapps.com/start
sso_region = us-west-2

[sso-session never]
sso_start_url = https://d-5555555555.awsapps.com/start
sso_region = us-west-2

[profile ok]
sso_session = valid
sso_account_id = 111111111111
sso_role_name = Admin

[profile refreshable]
sso_session = stale
sso_account_id = 222222222222
sso_role_name = Admin

[profile expired]
sso_session = gone
sso_account_id = 333333333333
sso_role_name = Admin

[profile registration-expired]
sso_session = lapsed
sso_account_id = 444444444444
sso_role_name = Admin

[profile not-logged-in]
sso_session = never
sso_account_id = 555555555555
sso_role_name = Admin

[profile legacy]
sso_start_url = https://d-6666666666.awsapps.com/start
sso_region = us-west-2
sso_account_id = 666666666666
sso_role_name = Admin

[profile keys]
region = us-east-1

[profile deploy]
role_arn = arn:aws:iam::777777777777:role/Deploy
source_profile = ok

[profile from-iam-user]
role_arn = arn:aws:iam::888888888888:role/Build
source_profile = iam-user

[profile orphan]
role_arn = arn:aws:iam::999999999999:role/Orphan
source_profile = deleted
";

/// The credentials file of [`home`]: static keys of a profile the config
/// does not have.
const CREDENTIALS: &str = "[iam-user]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = not-a-secret
";

fn token(expires_at: OffsetDateTime, refresh: Option<OffsetDateTime>) -> CachedToken {
    CachedToken {
        start_url: None,
        region: Some("us-west-2".into()),
        access_token: "access".into(),
        expires_at,
        client_id: refresh.map(|_| "client".to_string()),
        client_secret: refresh.map(|_| "secret".to_string()),
        registration_expires_at: refresh,
        refresh_token: refresh.map(|_| "refresh".to_string()),
        extra: Default::default(),
    }
}

/// A home with [`CONFIG`] and tokens: `valid` 3h12m (and a half minute)
/// left; `stale` expired two days ago, refreshable; `gone` expired without
/// a refresh token; `lapsed` expired with an expired registration;
/// `never` none; the legacy start URL expired with a refresh token (which
/// nothing uses for legacy logins).
fn home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(dir.path());
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    std::fs::write(&paths.config, CONFIG).unwrap();
    std::fs::write(&paths.credentials, CREDENTIALS).unwrap();
    let now = OffsetDateTime::now_utc();
    let in_90_days = Some(now + Duration::days(90));
    let write = |key: &str, t: CachedToken| {
        write_token(&paths.sso_cache.join(cache_file_name(key)), &t).unwrap();
    };
    write(
        "valid",
        token(
            now + Duration::minutes(192) + Duration::seconds(30),
            in_90_days,
        ),
    );
    write("stale", token(now - Duration::days(2), in_90_days));
    write("gone", token(now - Duration::hours(1), None));
    write(
        "lapsed",
        token(now - Duration::hours(1), Some(now - Duration::days(1))),
    );
    write(
        "https://d-6666666666.awsapps.com/start",
        token(now - Duration::hours(1), in_90_days),
    );
    dir
}

/// The binary with only `home` and a PATH in its environment, every AWS
/// endpoint and proxy pointed at `trap`.
fn prompt(home: &Path, trap: &str, profile: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("prompt")
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", trap)
        .env("AWS_ENDPOINT_URL_SSO", trap)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", trap)
        .env("HTTPS_PROXY", trap)
        .env("HTTP_PROXY", trap)
        .env("ALL_PROXY", trap)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null());
    if let Some(p) = profile {
        cmd.env("AWS_PROFILE", p);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A listener whose address every endpoint points at; it must never see a
/// connection.
fn trap() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

fn assert_untouched(listener: &TcpListener) {
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("prompt connected to the network: {other:?}"),
    }
}

#[test]
fn the_three_states_and_the_others_in_every_format() {
    let dir = home();
    let (listener, url) = trap();
    let run = |profile: &str, format: &str| {
        let out = prompt(dir.path(), &url, Some(profile), &["--format", format]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{profile}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{profile}");
        text(&out.stdout)
    };
    assert_eq!(run("ok", "plain"), "ok valid 3h12m\n");
    assert_eq!(run("ok", "starship"), "ok 3h12m\n");
    let json: serde_json::Value = serde_json::from_str(&run("ok", "json")).unwrap();
    assert_eq!(json["profile"], "ok");
    assert_eq!(json["session"], "valid");
    assert_eq!(json["state"], "valid");
    let left = json["seconds_left"].as_i64().unwrap();
    assert!((11_500..=11_550).contains(&left), "{left}");

    // Expired access token, but the refresh token and registration work.
    assert_eq!(run("refreshable", "plain"), "refreshable refreshable\n");
    assert_eq!(run("refreshable", "starship"), "refreshable ↻\n");
    let json: serde_json::Value = serde_json::from_str(&run("refreshable", "json")).unwrap();
    assert_eq!(json["state"], "refreshable");
    assert_eq!(json["expires_at"], serde_json::Value::Null);

    // Needs a login: expired without a refresh token, with an expired
    // client registration, no token at all, and a legacy login (never
    // refreshed by anyone).
    for profile in ["expired", "registration-expired", "not-logged-in", "legacy"] {
        assert_eq!(run(profile, "plain"), format!("{profile} login\n"));
        assert_eq!(run(profile, "starship"), format!("{profile} ✗ login\n"));
        let json: serde_json::Value = serde_json::from_str(&run(profile, "json")).unwrap();
        assert_eq!(json["state"], "needs_login", "{profile}");
    }
    let json: serde_json::Value = serde_json::from_str(&run("legacy", "json")).unwrap();
    assert_eq!(json["start_url"], "https://d-6666666666.awsapps.com/start");

    // A profile without SSO, and one the config does not have.
    assert_eq!(run("keys", "plain"), "keys\n");
    // Chains: through the SSO profile `ok`, its login; rooted at keys of the
    // credentials file (a profile the config does not have), no SSO; a
    // source_profile that no file has, broken.
    assert_eq!(run("deploy", "plain"), "deploy valid 3h12m\n");
    assert_eq!(run("from-iam-user", "plain"), "from-iam-user\n");
    assert_eq!(run("iam-user", "plain"), "iam-user\n");
    assert_eq!(run("orphan", "plain"), "orphan broken\n");
    assert_eq!(run("orphan", "starship"), "orphan ✗ chain\n");
    let json: serde_json::Value = serde_json::from_str(&run("orphan", "json")).unwrap();
    assert_eq!(json["state"], "broken_chain");
    assert_eq!(json["session"], serde_json::Value::Null);
    assert_eq!(run("typo", "plain"), "typo unknown\n");
    let json: serde_json::Value = serde_json::from_str(&run("typo", "json")).unwrap();
    assert_eq!(json["state"], "unknown_profile");

    // The token files are as they were: nothing refreshed them.
    let paths = AwsPaths::under_home(dir.path());
    let stale = std::fs::read_to_string(paths.sso_cache.join(cache_file_name("stale"))).unwrap();
    assert!(stale.contains("\"accessToken\": \"access\""), "{stale}");
    assert_untouched(&listener);
}

#[test]
fn an_inactive_shell_prints_nothing_and_exits_0() {
    let dir = home();
    let (listener, url) = trap();
    for format in ["plain", "json", "starship"] {
        let out = prompt(dir.path(), &url, None, &["--format", format]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(text(&out.stdout), "");
        assert_eq!(text(&out.stderr), "");
    }
    let out = prompt(dir.path(), &url, Some(""), &[]);
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(0), String::new())
    );
    // --profile wins over AWS_PROFILE.
    let out = prompt(dir.path(), &url, Some("keys"), &["--profile", "ok"]);
    assert!(text(&out.stdout).starts_with("ok valid "));
    assert_untouched(&listener);
}

#[test]
fn hostile_names_are_escaped_and_a_broken_config_is_an_error() {
    let dir = home();
    let (_listener, url) = trap();
    let out = prompt(dir.path(), &url, Some("x\u{1b}]0;pwned\u{7}"), &[]);
    assert_eq!(text(&out.stdout), "x\\x1b]0;pwned\\x07 unknown\n");

    let paths = AwsPaths::under_home(dir.path());
    std::fs::write(&paths.config, "[profile ok\nsso_session = valid\n").unwrap();
    let out = prompt(dir.path(), &url, Some("ok"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("config"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_credentials_file_botocore_skips_is_skipped_and_a_broken_one_never_shows_its_lines() {
    let dir = home();
    let (listener, url) = trap();
    let paths = AwsPaths::under_home(dir.path());
    let run = |profile: &str| prompt(dir.path(), &url, Some(profile), &[]);

    // Not a regular file, or a symlink that loops: botocore reads no
    // credentials file, and neither does the prompt.
    std::fs::remove_file(&paths.credentials).unwrap();
    std::fs::create_dir(&paths.credentials).unwrap();
    let out = run("ok");
    assert_eq!(
        text(&out.stdout),
        "ok valid 3h12m\n",
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&run("from-iam-user").stdout), "from-iam-user broken\n");
    std::fs::remove_dir(&paths.credentials).unwrap();
    std::os::unix::fs::symlink(&paths.credentials, &paths.credentials).unwrap();
    let out = run("ok");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ok valid 3h12m\n");
    std::fs::remove_file(&paths.credentials).unwrap();

    // A session token wrapped onto a line of its own: the file does not
    // parse (botocore fails every command too), and the error names the
    // file and line but never shows the line.
    std::fs::write(
        &paths.credentials,
        "[iam-user]\naws_access_key_id = AKIAEXAMPLE\naws_session_token = IQoJb3JpZ2lu\nWRAPPEDSECRETHALF\n",
    )
    .unwrap();
    let out = run("ok");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("credentials:4:"), "{stderr}");
    assert!(!stderr.contains("WRAPPEDSECRET"), "{stderr}");
    assert!(!stderr.contains("IQoJ"), "{stderr}");
    assert_untouched(&listener);
}
