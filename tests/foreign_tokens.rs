//! Tokens other programs keep in `~/.aws/sso/cache` — IDE toolkits and
//! Amazon Q: other scopes, other start URLs, no `startUrl`, client
//! registrations — never confuse session discovery, `status`, listing or
//! `logout`, and `logout` (one session or `--all`) never deletes them. The
//! real binary against the simulator, over a fixture cache of realistic
//! shapes beside the demo session's own token.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::DemoHome;
use uo_aws_tui::aws::config::{AwsFile, FileKind};
use uo_aws_tui::aws::token_cache::{cache_file_name, token_path};
/// The demo session's start URL.
const OUR_URL: &str = "https://d-1234567890.awsapps.com/start";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The foreign files, by the key their (sha1) name is made of, and their
/// text. Shapes as the AWS Toolkits and Amazon Q write them: tokens with a
/// refresh token and fractional-second expiries, for the Builder ID start
/// URL, for our own start URL under other scopes, one without `startUrl`,
/// an expired one, and registrations with scopes and grant types.
fn foreign_files() -> Vec<(String, String)> {
    let later = (time::OffsetDateTime::now_utc() + time::Duration::hours(6))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    vec![
        (
            "amazon-q-builder-id".into(),
            format!(
                r#"{{"startUrl":"https://view.awsapps.com/start","region":"us-east-1","accessToken":"aoaAAAAAGQ-amazon-q","expiresAt":"{later}","refreshToken":"aorAAAAAGQ-amazon-q","clientId":"q-client","clientSecret":"q-secret"}}"#
            ),
        ),
        (
            // An IDE connection to our own start URL with CodeWhisperer
            // scopes: a token our portal does not accept for listing.
            "toolkit-connection-uoregon-codewhisperer".into(),
            format!(
                r#"{{"startUrl":"{OUR_URL}","region":"us-west-2","accessToken":"aoaAAAAAGQ-ide-other-scopes","expiresAt":"{later}","refreshToken":"aorAAAAAGQ-ide","scopes":["codewhisperer:completions","codewhisperer:analysis"]}}"#
            ),
        ),
        (
            // Keyed by our start URL (the legacy key), as a toolkit writes
            // it; no profile of ours is legacy, so it is not ours.
            OUR_URL.into(),
            r#"{"startUrl":"https://d-1234567890.awsapps.com/start","region":"us-west-2","accessToken":"aoaAAAAAGQ-ide-legacy-key","expiresAt":"2026-01-01T00:00:00.123Z"}"#.into(),
        ),
        (
            "amazon-q-language-server".into(),
            format!(
                r#"{{"accessToken":"aoaAAAAAGQ-no-start-url","expiresAt":"{later}","refreshToken":"aorAAAAAGQ-q","region":"us-east-1"}}"#
            ),
        ),
        (
            r#"{"region":"us-east-1","scopes":["codewhisperer:completions"],"startUrl":"https://view.awsapps.com/start"}"#.into(),
            r#"{"clientId":"vscode-client","clientSecret":"vscode-secret","expiresAt":"2027-03-01T00:00:00.000Z","scopes":["codewhisperer:completions"],"startUrl":"https://view.awsapps.com/start"}"#.into(),
        ),
        (
            "jetbrains-registration".into(),
            r#"{"clientId":"jb-client","clientSecret":"jb-secret","expiresAt":"2027-03-01T00:00:00Z","scopes":["sso:account:access","codewhisperer:conversations"],"issuerUrl":"https://identitycenter.amazonaws.com/ssoins-1234","region":"us-west-2","clientType":"public","grantTypes":["authorization_code","refresh_token"],"redirectUris":["http://127.0.0.1/oauth/callback"]}"#.into(),
        ),
    ]
}

/// Writes the foreign files into the demo cache; returns their paths and bytes.
fn plant(demo: &DemoHome) -> BTreeMap<PathBuf, Vec<u8>> {
    let cache = &demo.paths().sso_cache;
    std::fs::create_dir_all(cache).unwrap();
    let mut out = BTreeMap::new();
    for (key, body) in foreign_files() {
        let path = cache.join(cache_file_name(&key));
        assert_ne!(path, ours(demo), "a fixture must not be our own file");
        std::fs::write(&path, &body).unwrap();
        out.insert(path, body.into_bytes());
    }
    out
}

fn ours(demo: &DemoHome) -> PathBuf {
    token_path(&demo.paths().sso_cache, "uoregon")
}

fn assert_untouched(files: &BTreeMap<PathBuf, Vec<u8>>, after: &str) {
    for (path, bytes) in files {
        let now = std::fs::read(path).unwrap_or_else(|e| {
            panic!("{after}: {} is gone ({e})", path.display());
        });
        assert_eq!(&now, bytes, "{after}: {} changed", path.display());
    }
}

/// A second config holding a profile, so logout has role credentials to name.
fn add_profile(config: &Path) {
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str("\n[profile 127027105832_Billing]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Billing\nregion = us-west-2\n");
    std::fs::write(config, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_and_status_see_only_the_configured_login() {
    let demo = DemoHome::new(3, 2).await;
    add_profile(&demo.paths().config);
    let clean = demo.run(&["status", "--json"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    let files = plant(&demo);

    let config = AwsFile::load(&demo.paths().config, FileKind::Config).unwrap();
    let found =
        uo_aws_tui::sessions::discover(demo.paths(), &config, time::OffsetDateTime::now_utc());
    assert_eq!(found.sessions.len(), 1, "{found:?}");
    assert_eq!(found.sessions[0].session.as_deref(), Some("uoregon"));
    assert_eq!(found.sessions[0].cache_file, ours(&demo));
    assert_eq!(found.sessions[0].start_url.as_deref(), Some(OUR_URL));
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
    assert!(found.logins.is_empty());

    let out = demo.run(&["status", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        text(&clean.stdout),
        "same answer as without them"
    );
    assert_eq!(
        text(&out.stderr),
        text(&clean.stderr),
        "no warning about them"
    );
    let table = demo.run(&["status"]);
    assert_eq!(table.status.code(), Some(0));
    let table = text(&table.stdout);
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(!table.contains("view.awsapps.com"), "{table}");

    // doctor has nothing to say about them either.
    let doctor = demo.run(&["doctor", "--json"]);
    let findings: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let text_of = findings.to_string();
    for path in files.keys() {
        assert!(
            !text_of.contains(path.file_name().unwrap().to_str().unwrap()),
            "{text_of}"
        );
    }
    assert_untouched(&files, "status and doctor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_uses_our_token_whatever_else_the_cache_holds() {
    let demo = DemoHome::new(3, 2).await;
    let clean = demo.run(&["list", "--tsv"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    let files = plant(&demo);
    let out = demo.run(&["list", "--tsv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), text(&clean.stdout));
    assert_eq!(
        text(&out.stdout).lines().count(),
        1 + 8,
        "{}",
        text(&out.stdout)
    );
    let used = demo.run(&[
        "use",
        "--no-write",
        "--emit",
        "profile",
        "management",
        "billing",
    ]);
    assert_eq!(used.status.code(), Some(0), "{}", text(&used.stderr));
    assert_eq!(text(&used.stdout), "127027105832_Billing\n");
    assert_untouched(&files, "list and use");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_deletes_only_our_token_and_leaves_theirs_alone() {
    let demo = DemoHome::new(3, 2).await;
    add_profile(&demo.paths().config);
    let files = plant(&demo);
    assert!(ours(&demo).exists());
    let out = demo.run(&["logout"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Removed 1 token file(s)"),
        "{}",
        text(&out.stderr)
    );
    assert!(!ours(&demo).exists());
    assert_untouched(&files, "logout");
    let status = demo.run(&["status", "--json"]);
    assert_eq!(status.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["state"], "not_logged_in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_all_ends_every_configured_login_and_no_other() {
    let demo = DemoHome::new(3, 2).await;
    add_profile(&demo.paths().config);
    let files = plant(&demo);
    let out = demo.run(&["logout", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Removed 1 token file(s)"),
        "{}",
        text(&out.stderr)
    );
    assert!(!ours(&demo).exists());
    assert_untouched(&files, "logout --all");
    // Nothing of ours left: again removes nothing and touches nothing.
    let again = demo.run(&["logout", "--all"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("Removed 0 token file(s)"));
    assert_untouched(&files, "logout --all again");
}
