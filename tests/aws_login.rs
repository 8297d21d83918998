//! `aws login` profiles (`login_session`, AWS CLI ≥ 2.32) beside ours:
//! `status` and `status --json` list them with the expiry of their cached
//! credentials, `doctor` says which tools cannot read them and names the
//! `credentials` companion, and nothing we run rewrites them (the profile's
//! bytes and the cache file's bytes are unchanged after `populate`, `use`
//! and `doctor --fix`). botocore reads the fixture at the path we compute,
//! and without its `crt` extra refuses the profile (what `doctor` says).
//! `credentials` serves them and refreshes a due login against the
//! simulator's sign-in service as the AWS CLI does; botocore's own login
//! provider (with awscrt) refreshes the file we rewrote, and we serve its
//! rewrite.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::DemoHome;
use time::{Duration, OffsetDateTime};
use uo_aws_tui::aws::login_cache::token_path;
use uo_aws_tui::aws::token_cache::format_timestamp;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const BOB: &str = "arn:aws:sts::210987654321:assumed-role/Admin/bob";

/// The profiles `aws login` writes: two naming one session, one whose
/// session is not signed in here.
const LOGIN_PROFILES: &str = "\n[profile console]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = us-east-1\n\n\
[profile console-eu]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = eu-west-1\n\n\
[profile bob]\nlogin_session = arn:aws:sts::210987654321:assumed-role/Admin/bob\n";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The token file `aws login` writes (awscli/customizations/login/utils.py).
fn login_token(expires_at: OffsetDateTime) -> String {
    format!(
        r#"{{"accessToken": {{"accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "secret", "sessionToken": "session", "accountId": "123456789012", "expiresAt": "{}"}}, "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "refresh", "idToken": "a.b.c", "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBexample\n-----END EC PRIVATE KEY-----\n"}}"#,
        format_timestamp(expires_at)
    )
}

/// The demo home plus the `aws login` profiles and alice's cache file in
/// `cache_dir`; returns the cache file and its bytes.
fn add_logins(demo: &DemoHome, cache_dir: &Path, expires_at: OffsetDateTime) -> (PathBuf, Vec<u8>) {
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(LOGIN_PROFILES);
    std::fs::write(&demo.paths().config, config).unwrap();
    std::fs::create_dir_all(cache_dir).unwrap();
    let file = token_path(cache_dir, ALICE);
    let bytes = login_token(expires_at).into_bytes();
    std::fs::write(&file, &bytes).unwrap();
    (file, bytes)
}

fn default_cache(demo: &DemoHome) -> PathBuf {
    demo.home.path().join(".aws/login/cache")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_login_sessions_with_their_expiry() {
    let demo = DemoHome::new(3, 2).await;
    let expires = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() + Duration::minutes(12);
    let (file, _) = add_logins(&demo, &default_cache(&demo), expires);

    let out = demo.run(&["status", "--json"]);
    // bob is not signed in here: exit 1.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 3, "{json:#}");
    assert_eq!(items[0]["kind"], "sso");
    assert_eq!(items[0]["session"], "uoregon");
    let alice = &items[1];
    assert_eq!(alice["kind"], "login");
    assert_eq!(alice["login_session"], ALICE);
    assert_eq!(alice["account_id"], "123456789012");
    assert_eq!(alice["state"], "expiring");
    assert_eq!(alice["expires_at"], format_timestamp(expires));
    assert_eq!(alice["refreshable"], true);
    assert_eq!(alice["profiles"], 2);
    assert_eq!(
        alice["profile_names"],
        serde_json::json!(["console", "console-eu"])
    );
    assert_eq!(alice["cache_file"], file.display().to_string());
    let bob = &items[2];
    assert_eq!(bob["login_session"], BOB);
    assert_eq!(bob["state"], "not_logged_in");
    assert_eq!(bob["expires_at"], serde_json::Value::Null);
    assert_eq!(bob["refreshable"], false);

    let table = demo.run(&["status"]);
    assert_eq!(table.status.code(), Some(1));
    let table = text(&table.stdout);
    assert!(table.contains("LOGIN SESSION"), "{table}");
    let alice_line = table.lines().find(|l| l.starts_with(ALICE)).unwrap();
    assert!(alice_line.contains("123456789012"), "{table}");
    assert!(alice_line.contains("expiring"), "{table}");
    assert!(alice_line.contains("expires in 1"), "{table}");
    assert!(
        table.contains(&format!("login_session {BOB}: run aws login --profile bob")),
        "{table}"
    );

    // Only alice's profiles: every login usable, exit 0.
    let config = std::fs::read_to_string(&demo.paths().config).unwrap();
    let cut = config.find("\n[profile bob]").unwrap();
    std::fs::write(&demo.paths().config, &config[..cut]).unwrap();
    let out = demo.run(&["status", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_login_session_is_escaped_in_the_table() {
    let demo = DemoHome::new(3, 2).await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str("\n[profile evil]\nlogin_session = arn:aws:iam::1:user/\u{1b}[31mred\u{7}\n");
    std::fs::write(&demo.paths().config, config).unwrap();
    let out = demo.run(&["status"]);
    let table = text(&out.stdout);
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    assert!(table.contains("user/\\x1b[31mred\\x07"), "{table}");
    let out = demo.run(&["status", "--json"]);
    assert!(!out.stdout.contains(&0x1b), "{}", text(&out.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_cache_directory_variable_is_honoured() {
    let demo = DemoHome::new(3, 2).await;
    let elsewhere = demo.home.path().join("elsewhere");
    let expires = OffsetDateTime::now_utc() + Duration::hours(1);
    add_logins(&demo, &elsewhere, expires);
    let out = demo.run(&["status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json[1]["state"], "not_logged_in",
        "the default directory is empty"
    );
    let dir = elsewhere.display().to_string();
    let out = demo.run_with(
        &["status", "--json"],
        &[("AWS_LOGIN_CACHE_DIRECTORY", &dir)],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[1]["state"], "valid", "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_the_tools_that_cannot_read_them_and_the_companion() {
    let demo = DemoHome::new(3, 2).await;
    let expires = OffsetDateTime::now_utc() - Duration::minutes(30);
    add_logins(&demo, &default_cache(&demo), expires);
    let out = demo.run(&["doctor", "--json"]);
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |code: &str| -> Vec<serde_json::Value> {
        findings
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == code)
            .cloned()
            .collect()
    };
    let infos = of("login-session");
    assert_eq!(infos.len(), 3, "{findings:#}");
    let console = infos
        .iter()
        .find(|f| f["profiles"] == serde_json::json!(["console"]))
        .unwrap();
    assert_eq!(console["severity"], "info");
    assert_eq!(console["file"], demo.paths().config.display().to_string());
    let config = std::fs::read_to_string(&demo.paths().config).unwrap();
    let line = config
        .lines()
        .position(|l| l == "[profile console]")
        .unwrap()
        + 1;
    assert_eq!(console["line"], line);
    let message = console["message"].as_str().unwrap();
    assert!(message.contains("terraform"), "{message}");
    assert!(
        message.contains("aws-sdk-go-v2 before v1.40.0"),
        "{message}"
    );
    assert!(message.contains("botocore"), "{message}");
    let fix = console["fix"].as_str().unwrap();
    assert!(
        fix.contains("credential_process = uo-aws-tui credentials console --format process"),
        "{fix}"
    );
    // bob not signed in, alice expired but refreshable: one warning.
    let warnings = of("login-expired");
    assert_eq!(warnings.len(), 1, "{findings:#}");
    assert_eq!(warnings[0]["severity"], "warning");
    assert_eq!(warnings[0]["profiles"], serde_json::json!(["bob"]));
    assert!(warnings[0]["message"]
        .as_str()
        .unwrap()
        .contains("is not signed in here"));
    assert_eq!(warnings[0]["fix"], "aws login --profile bob");

    // Without the refresh keys, an expired login needs a new sign-in.
    let file = token_path(&default_cache(&demo), ALICE);
    let bare = login_token(expires).replace("\"refreshToken\"", "\"gone\"");
    std::fs::write(&file, bare).unwrap();
    let out = demo.run(&["doctor"]);
    let lines = text(&out.stdout);
    assert!(
        lines.contains("login-expired")
            && lines.contains(&format!("the cached `aws login` of {ALICE} expired")),
        "{lines}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn populate_use_and_doctor_fix_never_rewrite_them() {
    let demo = DemoHome::new(3, 2).await;
    let (file, bytes) = add_logins(
        &demo,
        &default_cache(&demo),
        OffsetDateTime::now_utc() + Duration::hours(1),
    );
    // Something doctor --fix does change: an exact duplicate key line.
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str("\n[profile dup]\nregion = us-west-2\nregion = us-west-2\n");
    std::fs::write(&demo.paths().config, &config).unwrap();
    let login_lines = |text: &str| -> String {
        let start = text.find("[profile console]").unwrap();
        let end = text.find("[profile dup]").unwrap();
        text[start..end].to_string()
    };
    let before = login_lines(&config);
    assert!(before.contains("login_session = arn:aws:sts::210987654321"));

    let fix = demo.run(&["doctor", "--fix", "--yes"]);
    let after_fix = std::fs::read_to_string(&demo.paths().config).unwrap();
    assert_ne!(
        after_fix,
        config,
        "doctor --fix changed something: {}",
        text(&fix.stdout)
    );
    assert_eq!(login_lines(&after_fix), before, "doctor --fix");
    let out = demo.run(&["populate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = demo.run(&["use", "management", "billing"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // status reads them (bob is not signed in: exit 1).
    let out = demo.run(&["status"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(&demo.paths().config).unwrap();
    assert!(
        after.contains(&before),
        "populate and use keep them byte for byte"
    );
    assert!(after.contains("[profile 127027105832_Billing]"));
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "the cache file");
    let entries = std::fs::read_dir(default_cache(&demo)).unwrap().count();
    assert_eq!(entries, 1, "nothing else written in the login cache");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_reads_the_fixture_where_we_do_and_needs_its_crt_extra() {
    let demo = DemoHome::new(3, 2).await;
    let expires = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() + Duration::hours(1);
    add_logins(&demo, &default_cache(&demo), expires);
    let script = r#"
import json, sys
from botocore.utils import JSONFileCache, LoginTokenLoader, get_login_token_cache_directory
from botocore.credentials import LoginCredentialFetcher
import botocore.session
cache = JSONFileCache(get_login_token_cache_directory())
fetcher = LoginCredentialFetcher(session_name=sys.argv[1], token_loader=LoginTokenLoader(cache), client_creator=None)
creds = fetcher.load_cached_credentials()
try:
    import awscrt
    crt = True
except ImportError:
    crt = False
chain = None
if not crt:
    try:
        botocore.session.Session(profile="console").get_credentials()
        chain = "read"
    except Exception as e:
        chain = type(e).__name__
print(json.dumps({"expiry_time": creds["expiry_time"], "account_id": creds["account_id"], "crt": crt, "chain": chain}))
"#;
    let out = Command::new(common::python())
        .args(["-c", script, ALICE])
        .env_clear()
        .envs(common::aws_child_env(
            demo.home.path(),
            &demo.sim.endpoint(),
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["expiry_time"], format_timestamp(expires));
    assert_eq!(got["account_id"], "123456789012");
    let ours = demo.run(&["status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
    assert_eq!(json[1]["expires_at"], got["expiry_time"]);
    if got["crt"] == false {
        assert_eq!(got["chain"], "MissingDependencyException", "{got}");
    }
}

/// The `dpopKey` of a login file: a P-256 key as the AWS CLI writes it
/// (awscrt's SEC1 export: version, key, the curve's OID, the public key;
/// base64 in 64-character lines), which botocore's awscrt reads.
fn dpop_pem(seed: u8) -> String {
    use base64::Engine as _;
    let secret = p256::SecretKey::from_slice(&[seed; 32]).unwrap();
    let public =
        p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&secret.public_key(), false);
    let mut der = vec![0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20];
    der.extend_from_slice(&secret.to_bytes());
    der.extend_from_slice(&[
        0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0xa1, 0x44, 0x03,
        0x42, 0x00,
    ]);
    der.extend_from_slice(public.as_bytes());
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

/// A login cache file for a session the simulator issued, in the AWS CLI's
/// key order and `json.dumps` separators.
fn issued_login_file(login: &uo_aws_tui::sim::IssuedLogin, expires_at: OffsetDateTime) -> String {
    let value = serde_json::json!({
        "accessToken": {
            "accessKeyId": login.access_key_id,
            "secretAccessKey": login.secret_access_key,
            "sessionToken": login.session_token,
            "accountId": login.account_id,
            "expiresAt": format_timestamp(expires_at),
        },
        "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4",
        "clientId": login.client_id,
        "refreshToken": login.refresh_token,
        "idToken": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhcm4ifQ.",
        "dpopKey": dpop_pem(7),
    });
    uo_aws_tui::aws::token_cache::to_python_json(&value)
}

const SAME_DEVICE: &str = "arn:aws:signin:::devtools/same-device";

/// The demo home with `[profile console]` (alice, us-east-1) signed in by
/// the simulator, its credentials expiring at `expires_at`; returns the
/// cache file.
fn signed_in_console(demo: &DemoHome, expires_at: OffsetDateTime) -> PathBuf {
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(&format!(
        "\n[profile console]\nlogin_session = {ALICE}\nregion = us-east-1\n"
    ));
    std::fs::write(&demo.paths().config, config).unwrap();
    let login = demo.sim.issue_login(SAME_DEVICE, "123456789012");
    std::fs::create_dir_all(default_cache(demo)).unwrap();
    let file = token_path(&default_cache(demo), ALICE);
    std::fs::write(&file, issued_login_file(&login, expires_at)).unwrap();
    file
}

/// The credentials botocore (run by `python`) resolves for `profile`, with
/// the simulator as its sign-in service.
fn botocore_keys(
    python: PathBuf,
    demo: &DemoHome,
    profile: &str,
    endpoint: &str,
) -> serde_json::Value {
    let script = "import json, sys, botocore.session\n\
s = botocore.session.Session(profile=sys.argv[1])\n\
c = s.get_credentials().get_frozen_credentials()\n\
print(json.dumps({'key': c.access_key, 'secret': c.secret_key, 'token': c.token}))\n";
    let out = Command::new(python)
        .args(["-c", script, profile])
        .env_clear()
        .envs(common::aws_child_env(demo.home.path(), endpoint))
        .env("AWS_ENDPOINT_URL_SIGNIN", endpoint)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn json_file(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_refreshes_a_due_login_as_the_aws_cli_does_and_serves_it() {
    let demo = DemoHome::new(3, 2).await;
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let file = signed_in_console(&demo, now + Duration::minutes(3));
    let before = json_file(&file);
    let signin = [("AWS_ENDPOINT_URL_SIGNIN", demo.sim.endpoint())];
    let signin: Vec<(&str, &str)> = signin.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let out = demo.run_with(&["credentials", "console", "--format", "json"], &signin);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let served: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let calls = demo.sim.login_token_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].accepted, "{calls:?}");
    assert_eq!(calls[0].grant_type, "refresh_token");
    assert_eq!(calls[0].client_id, SAME_DEVICE);
    assert_eq!(
        calls[0].htu.as_deref(),
        Some(format!("{}/v1/token", demo.sim.endpoint()).as_str())
    );

    // The file is the AWS CLI's rewrite: new credentials, expiry and refresh
    // token; every other key and the key order as they were.
    let after = json_file(&file);
    let access = &after["accessToken"];
    assert_ne!(access["accessKeyId"], before["accessToken"]["accessKeyId"]);
    assert_ne!(after["refreshToken"], before["refreshToken"]);
    for key in ["tokenType", "clientId", "idToken", "dpopKey"] {
        assert_eq!(after[key], before[key], "{key}");
    }
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&after), keys(&before));
    assert_eq!(keys(access), keys(&before["accessToken"]));
    assert_eq!(access["accountId"], "123456789012");
    let expires =
        uo_aws_tui::aws::token_cache::parse_timestamp(access["expiresAt"].as_str().unwrap())
            .unwrap();
    assert!(expires - now >= Duration::minutes(14) && expires - now <= Duration::minutes(16));
    let raw = std::fs::read_to_string(&file).unwrap();
    assert!(
        raw.starts_with("{\"accessToken\": {\"accessKeyId\": "),
        "{raw}"
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // What was served is what the file holds.
    assert_eq!(served["AccessKeyId"], access["accessKeyId"]);
    assert_eq!(served["SecretAccessKey"], access["secretAccessKey"]);
    assert_eq!(served["SessionToken"], access["sessionToken"]);
    assert_eq!(served["Expiration"], access["expiresAt"]);
    assert_eq!(served["Profile"], "console");
    assert_eq!(served["AccountId"], "123456789012");
    assert!(served.get("RoleName").is_none(), "{served}");

    // botocore without its crt extra cannot read the login profile, but
    // reads a companion that runs `credentials`: the fresh credentials,
    // without another refresh.
    let exe = std::fs::canonicalize(BIN).unwrap();
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(&format!(
        "\n[profile console-process]\ncredential_process = \"{}\" credentials console --format process\n",
        exe.display()
    ));
    std::fs::write(&demo.paths().config, config).unwrap();
    let resolved = botocore_keys(
        common::python(),
        &demo,
        "console-process",
        &demo.sim.endpoint(),
    );
    assert_eq!(resolved["key"], access["accessKeyId"]);
    assert_eq!(resolved["secret"], access["secretAccessKey"]);
    assert_eq!(resolved["token"], access["sessionToken"]);
    assert_eq!(
        demo.sim.login_token_calls().len(),
        1,
        "served from the cache"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_and_credentials_take_turns_refreshing_one_login() {
    let demo = DemoHome::new(3, 2).await;
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let file = signed_in_console(&demo, now - Duration::minutes(1));
    let endpoint = demo.sim.endpoint();
    let signin = [("AWS_ENDPOINT_URL_SIGNIN", endpoint.as_str())];

    // We refresh first (the expired credentials are never served).
    let out = demo.run_with(&["credentials", "console", "--format", "process"], &signin);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ours = json_file(&file);

    // botocore's own login provider (it needs awscrt) reads our rewrite and
    // refreshes with the rotated token and the same DPoP key once the
    // credentials are due.
    let due = std::fs::read_to_string(&file).unwrap().replace(
        ours["accessToken"]["expiresAt"].as_str().unwrap(),
        &format_timestamp(now - Duration::minutes(1)),
    );
    std::fs::write(&file, due).unwrap();
    let botocore = botocore_keys(common::python_crt(), &demo, "console", &endpoint);
    let calls = demo.sim.login_token_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.accepted), "{calls:?}");
    let theirs = json_file(&file);
    assert_eq!(botocore["key"], theirs["accessToken"]["accessKeyId"]);
    assert_ne!(theirs["refreshToken"], ours["refreshToken"]);

    // We serve botocore's rewrite as it is, without a call.
    let out = demo.run_with(&["credentials", "console", "--format", "env"], &signin);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let exports = text(&out.stdout);
    let key = theirs["accessToken"]["accessKeyId"].as_str().unwrap();
    assert!(
        exports.contains(&format!("export AWS_ACCESS_KEY_ID='{key}';")),
        "{exports}"
    );
    assert_eq!(demo.sim.login_token_calls().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_is_exit_2_with_aws_login_and_the_file_untouched() {
    let demo = DemoHome::new(3, 2).await;
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let file = signed_in_console(&demo, now - Duration::minutes(5));
    let revoked = std::fs::read_to_string(&file).unwrap();
    let refresh = json_file(&file)["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let revoked = revoked.replace(&refresh, "revoked-refresh-token");
    std::fs::write(&file, &revoked).unwrap();
    let endpoint = demo.sim.endpoint();
    let out = demo.run_with(
        &["credentials", "console", "--format", "process"],
        &[("AWS_ENDPOINT_URL_SIGNIN", endpoint.as_str())],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("TOKEN_EXPIRED"), "{stderr}");
    assert!(stderr.contains("aws login --profile console"), "{stderr}");
    assert!(!stderr.contains("revoked-refresh-token"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), revoked);
    assert_eq!(
        demo.sim.login_token_calls()[0].refused.as_deref(),
        Some("TOKEN_EXPIRED")
    );

    // Not signed in at all: the same fix, no call.
    std::fs::remove_file(&file).unwrap();
    let out = demo.run_with(
        &["credentials", "console"],
        &[("AWS_ENDPOINT_URL_SIGNIN", endpoint.as_str())],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("is not signed in here") && stderr.contains("aws login --profile console"),
        "{stderr}"
    );
    assert_eq!(demo.sim.login_token_calls().len(), 1);
}
