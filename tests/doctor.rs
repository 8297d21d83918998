//! `doctor`: every finding code from a minimal fixture (config, credentials,
//! environment), a clean fixture, and the real binary's output and exits.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::token_cache::{cache_file_name, write_token, CachedToken};
use uo_aws_tui::commands::doctor::report;
use uo_aws_tui::doctor::{findings_for_profile, AwsEnv, Code, Finding, Severity};

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");
const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
const URL: &str = "https://d-1234567890.awsapps.com/start";

/// A session `uo` and one profile `p` that uses it.
fn base_config() -> String {
    format!(
        "[sso-session uo]\nsso_start_url = {URL}\nsso_region = us-west-2\n\n\
         [profile p]\nsso_session = uo\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-west-2\n"
    )
}

struct Home {
    dir: tempfile::TempDir,
    paths: AwsPaths,
}

fn home(config: &str, credentials: Option<&str>) -> Home {
    let dir = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(dir.path());
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    std::fs::write(&paths.config, config).unwrap();
    if let Some(text) = credentials {
        std::fs::write(&paths.credentials, text).unwrap();
    }
    Home { dir, paths }
}

fn write_session_token(paths: &AwsPaths, key: &str, expires_at: OffsetDateTime, refreshable: bool) {
    let token = CachedToken {
        start_url: Some(URL.into()),
        region: Some("us-west-2".into()),
        access_token: "access".into(),
        expires_at,
        client_id: refreshable.then(|| "client".into()),
        client_secret: refreshable.then(|| "secret".into()),
        registration_expires_at: refreshable.then_some(expires_at + Duration::days(90)),
        refresh_token: refreshable.then(|| "refresh".into()),
        extra: Default::default(),
    };
    write_token(&paths.sso_cache.join(cache_file_name(key)), &token).unwrap();
}

fn diagnose(h: &Home, env: &[(&str, &str)]) -> Vec<Finding> {
    report(
        &h.paths,
        &AwsEnv::from_pairs(env.iter().copied()),
        false,
        NOW,
    )
    .unwrap()
    .findings
}

/// Findings of `config` + `credentials` + `env`, with a valid token for `uo`
/// so only the problem under test shows.
fn findings(config: &str, credentials: Option<&str>, env: &[(&str, &str)]) -> Vec<Finding> {
    let h = home(config, credentials);
    write_session_token(&h.paths, "uo", NOW + Duration::hours(8), true);
    diagnose(&h, env)
}

fn codes(found: &[Finding]) -> Vec<&'static str> {
    found.iter().map(|f| f.code.as_str()).collect()
}

fn only(found: Vec<Finding>, code: Code) -> Finding {
    assert_eq!(codes(&found), [code.as_str()], "{found:#?}");
    found.into_iter().next().unwrap()
}

#[test]
fn clean_fixture_has_no_findings() {
    let credentials = "[ci]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n";
    let env = [
        ("AWS_PROFILE", "p"),
        ("AWS_REGION", "us-west-2"),
        ("AWS_DEFAULT_PROFILE", ""),
    ];
    let h = home(&base_config(), Some(credentials));
    write_session_token(&h.paths, "uo", NOW + Duration::hours(8), false);
    let r = report(&h.paths, &AwsEnv::from_pairs(env), false, NOW).unwrap();
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("No problems found"), "{}", r.stdout);
    // AWS_PROFILE may name a profile of the credentials file, or `default`.
    assert!(findings(&base_config(), Some(credentials), &[("AWS_PROFILE", "ci")]).is_empty());
    assert!(findings(&base_config(), None, &[("AWS_PROFILE", "default")]).is_empty());
}

#[test]
fn credentials_shadow() {
    let credentials = "# old keys\n[p]\naws_access_key_id = AKIAOLD\naws_secret_access_key = s\n";
    let h = home(&base_config(), Some(credentials));
    write_session_token(&h.paths, "uo", NOW + Duration::hours(8), true);
    let f = only(diagnose(&h, &[]), Code::CredentialsShadow);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.file.as_deref(), Some(h.paths.credentials.as_path()));
    assert_eq!(f.line, Some(2));
    assert_eq!(f.profiles, ["p"]);
    for tool in ["AWS CLI", "botocore", "Rust SDK", "Go SDK (terraform)"] {
        assert!(f.message.contains(tool), "{}", f.message);
    }
    assert!(f.fix.contains("[p]"), "{}", f.fix);
    // [default] shadows [profile default] in the config too; a profile
    // without SSO or a credentials section without keys is no shadow.
    let config = format!("{}[profile default]\nsso_session = uo\nsso_account_id = 1\nsso_role_name = R\n[profile keys]\nregion = x\n", base_config());
    let credentials =
        "[default]\naws_access_key_id = A\n[keys]\naws_access_key_id = B\n[p]\nregion = us-west-2\n";
    let found = findings(&config, Some(credentials), &[]);
    let f = only(found, Code::CredentialsShadow);
    assert_eq!(
        (f.line, f.profiles.as_slice()),
        (Some(1), ["default".to_string()].as_slice())
    );
}

#[test]
fn env_credentials() {
    let f = only(
        findings(
            &base_config(),
            None,
            &[
                ("AWS_ACCESS_KEY_ID", "AKIA"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
                ("AWS_PROFILE", "p"),
            ],
        ),
        Code::EnvCredentials,
    );
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!((f.file.as_ref(), f.line), (None, None));
    assert!(
        f.message
            .contains("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("AWS_PROFILE=p is not used"),
        "{}",
        f.message
    );
    assert_eq!(f.fix, "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY");
    assert!(f.profiles.is_empty());
    let f = only(
        findings(&base_config(), None, &[("AWS_SESSION_TOKEN", "t")]),
        Code::EnvCredentials,
    );
    assert_eq!(f.fix, "unset AWS_SESSION_TOKEN");
}

#[test]
fn profile_missing() {
    let f = only(
        findings(&base_config(), None, &[("AWS_PROFILE", "nope")]),
        Code::ProfileMissing,
    );
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.starts_with("AWS_PROFILE=nope names no profile"),
        "{}",
        f.message
    );
    let found = findings(
        &base_config(),
        None,
        &[("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "gone")],
    );
    assert_eq!(codes(&found), ["profile-missing", "profile-env-conflict"]);
    assert!(found[0].message.starts_with("AWS_DEFAULT_PROFILE=gone"));
}

#[test]
fn profile_env_conflict() {
    let config = format!("{}[profile q]\nregion = eu-west-1\n", base_config());
    let f = only(
        findings(
            &config,
            None,
            &[("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "q")],
        ),
        Code::ProfileEnvConflict,
    );
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.message.contains("botocore (boto3, AWS CLI v1) uses q"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("the AWS CLI v2 and the SDKs use p"),
        "{}",
        f.message
    );
    assert_eq!(f.profiles, ["p", "q"]);
    // The same profile twice is no conflict.
    assert!(findings(
        &config,
        None,
        &[("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "p")]
    )
    .is_empty());
}

#[test]
fn session_missing() {
    let config = format!("{}[profile orphan]\nregion = x\nsso_session = ghost\nsso_account_id = 1\nsso_role_name = R\n", base_config());
    let h = home(&config, None);
    write_session_token(&h.paths, "uo", NOW + Duration::hours(8), true);
    let f = only(diagnose(&h, &[]), Code::SessionMissing);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.file.as_deref(), Some(h.paths.config.as_path()));
    assert_eq!(f.line, Some(12), "the sso_session line");
    assert_eq!(f.profiles, ["orphan"]);
    assert!(f.fix.contains("[sso-session ghost]"));
}

#[test]
fn session_mismatch() {
    let differing = format!(
        "{}sso_start_url = https://d-9999999999.awsapps.com/start\n",
        base_config()
    );
    let f = only(findings(&differing, None, &[]), Code::SessionMismatch);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.line, Some(10));
    assert!(
        f.message.contains("the session has https://d-1234567890"),
        "{}",
        f.message
    );
    assert!(
        f.fix.starts_with("delete sso_start_url from [profile p]"),
        "{}",
        f.fix
    );
    let equal = format!("{}sso_region = us-west-2\n", base_config());
    let f = only(findings(&equal, None, &[]), Code::SessionMismatch);
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("Rust SDK rejects"), "{}", f.message);
}

#[test]
fn duplicate_section() {
    let config = format!("{}[profile p]\nregion = eu-west-1\n", base_config());
    let h = home(&config, None);
    write_session_token(&h.paths, "uo", NOW + Duration::hours(8), true);
    let f = only(diagnose(&h, &[]), Code::DuplicateSection);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.line, Some(10));
    assert!(f.message.contains("first at line 5"), "{}", f.message);
    assert!(f.message.contains("reject the whole file"), "{}", f.message);
    assert_eq!(f.profiles, ["p"]);
    // Spelled differently, botocore reads two sections and keeps the later.
    let config = format!("{}[profile  p]\nregion = eu-west-1\n", base_config());
    let f = only(findings(&config, None, &[]), Code::DuplicateSection);
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("[profile  p]"), "{}", f.message);
    // In the credentials file too; a duplicated session concerns its users.
    let h = home(
        &format!(
            "{}[sso-session uo]\nsso_region = us-west-2\n",
            base_config()
        ),
        Some("[ci]\na=1\n[ci]\na=2\n"),
    );
    write_session_token(&h.paths, "uo", NOW + Duration::hours(8), true);
    let found = diagnose(&h, &[]);
    assert_eq!(codes(&found), ["duplicate-section", "duplicate-section"]);
    assert_eq!(found[0].file.as_deref(), Some(h.paths.config.as_path()));
    assert_eq!(found[0].profiles, ["p"]);
    assert_eq!(
        found[1].file.as_deref(),
        Some(h.paths.credentials.as_path())
    );
    assert_eq!(
        (found[1].line, found[1].profiles.as_slice()),
        (Some(3), ["ci".to_string()].as_slice())
    );
}

#[test]
fn duplicate_key() {
    let config = format!("{}Region = eu-west-1\n", base_config());
    let f = only(findings(&config, None, &[]), Code::DuplicateKey);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.line, Some(10));
    assert!(
        f.message
            .starts_with("region in [profile p] is set again (first at line 9)"),
        "{}",
        f.message
    );
    assert_eq!(f.profiles, ["p"]);
}

#[test]
fn default_ambiguous() {
    let config = format!(
        "[profile default]\nregion = eu-west-1\n{}[default]\nregion = us-east-1\n",
        base_config()
    );
    let f = only(findings(&config, None, &[]), Code::DefaultAmbiguous);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.line, Some(12));
    assert!(
        f.message.contains("use [default] (the later one)"),
        "{}",
        f.message
    );
    assert_eq!(
        findings_for_profile(std::slice::from_ref(&f), "default").len(),
        1
    );
}

#[test]
fn name_not_portable() {
    let config = format!(
        "{}[profile \"my profile\"]\nregion = x\n[sso-session 'lab sso']\nsso_start_url = {URL}\nsso_region = us-west-2\n[profile lab]\nsso_session = lab sso\nsso_account_id = 1\nsso_role_name = R\n",
        base_config()
    );
    let h = home(&config, None);
    write_session_token(&h.paths, "uo", NOW + Duration::hours(8), true);
    write_session_token(&h.paths, "lab sso", NOW + Duration::hours(8), true);
    let found = diagnose(&h, &[]);
    assert_eq!(
        codes(&found),
        ["name-not-portable", "name-not-portable"],
        "{found:#?}"
    );
    assert_eq!(found[0].line, Some(10));
    assert!(
        found[0].message.starts_with("profile name \"my profile\""),
        "{}",
        found[0].message
    );
    assert!(found[0].fix.contains("\"my-profile\""), "{}", found[0].fix);
    assert_eq!(found[0].profiles, ["my profile"]);
    assert!(found[1].message.starts_with("sso-session name \"lab sso\""));
    assert_eq!(found[1].profiles, ["lab"], "the session's users");
}

#[test]
fn inline_comment() {
    let credentials = "[ci]\naws_access_key_id = A ;old\n";
    let config = format!("{}output = json # table is too wide\n", base_config());
    let h = home(&config, Some(credentials));
    write_session_token(&h.paths, "uo", NOW + Duration::hours(8), true);
    let found = diagnose(&h, &[]);
    assert_eq!(codes(&found), ["inline-comment", "inline-comment"]);
    assert_eq!(found[0].line, Some(10));
    assert!(
        found[0].message.contains("the Rust SDK reads \"json\""),
        "{}",
        found[0].message
    );
    assert_eq!(found[0].profiles, ["p"]);
    assert_eq!(
        found[1].file.as_deref(),
        Some(h.paths.credentials.as_path())
    );
    // `#` inside a value, without a space before it, is not a comment.
    assert!(findings(&format!("{}x = a#b\n", base_config()), None, &[]).is_empty());
}

#[test]
fn token_expired() {
    let config = format!(
        "{}[sso-session idle]\nsso_start_url = {URL}/idle\nsso_region = us-west-2\n\
         [profile old]\nsso_start_url = {URL}/legacy\nsso_region = us-west-2\nsso_account_id = 1\nsso_role_name = R\n",
        base_config()
    );
    let h = home(&config, None);
    write_session_token(&h.paths, "uo", NOW - Duration::days(2), false);
    write_session_token(&h.paths, "idle", NOW - Duration::days(2), false);
    // Legacy tokens are never refreshable, refresh token or not.
    write_session_token(
        &h.paths,
        &format!("{URL}/legacy"),
        NOW - Duration::hours(1),
        true,
    );
    let found = diagnose(&h, &[]);
    assert_eq!(
        codes(&found),
        ["token-expired", "token-expired"],
        "{found:#?}"
    );
    assert_eq!(found[0].line, Some(1));
    assert!(
        found[0]
            .message
            .starts_with("the token of sso-session uo expired 2d ago"),
        "{}",
        found[0].message
    );
    assert_eq!(found[0].fix, "uo-aws-tui login --sso-session uo");
    assert_eq!(found[0].profiles, ["p"]);
    assert!(found[1]
        .message
        .contains(&format!("start URL {URL}/legacy")));
    assert_eq!(found[1].fix, "aws sso login --profile old");
    // An expired but refreshable token is fine.
    write_session_token(&h.paths, "uo", NOW - Duration::days(2), true);
    assert_eq!(codes(&diagnose(&h, &[])), ["token-expired"]);
}

#[test]
fn unreadable_tokens_and_cache_files() {
    let h = home(&base_config(), None);
    std::fs::create_dir_all(&h.paths.sso_cache).unwrap();
    std::fs::write(h.paths.sso_cache.join(cache_file_name("uo")), "{").unwrap();
    std::fs::write(h.paths.sso_cache.join("other.json"), "nonsense").unwrap();
    std::fs::write(
        h.paths.sso_cache.join("registration.json"),
        r#"{"clientId": "c"}"#,
    )
    .unwrap();
    let found = diagnose(&h, &[]);
    assert_eq!(
        codes(&found),
        ["token-unreadable", "cache-unreadable"],
        "{found:#?}"
    );
    assert_eq!(found[0].profiles, ["p"]);
    assert_eq!(found[1].severity, Severity::Info);
    assert!(found[1].file.as_ref().unwrap().ends_with("other.json"));
}

#[test]
fn findings_for_one_profile() {
    let config = format!("{}[profile q]\nregion = a # b\nregion = c\n", base_config());
    let credentials = "[p]\naws_access_key_id = A\n";
    let found = findings(&config, Some(credentials), &[("AWS_ACCESS_KEY_ID", "A")]);
    // Errors first; within a severity, the environment, then the config, then the credentials file.
    assert_eq!(
        codes(&found),
        [
            "duplicate-key",
            "credentials-shadow",
            "env-credentials",
            "inline-comment"
        ]
    );
    let mine: Vec<_> = findings_for_profile(&found, "q")
        .iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(mine, [Code::DuplicateKey, Code::InlineComment]);
    let mine: Vec<_> = findings_for_profile(&found, "p")
        .iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(mine, [Code::CredentialsShadow]);
    assert!(findings_for_profile(&found, "other").is_empty());
}

#[test]
fn missing_files_are_normal_and_broken_ones_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(dir.path());
    let r = report(&paths, &AwsEnv::default(), false, NOW).unwrap();
    assert_eq!((r.code, r.findings.len()), (0, 0));
    let r = report(
        &paths,
        &AwsEnv::from_pairs([("AWS_PROFILE", "x")]),
        false,
        NOW,
    )
    .unwrap();
    assert_eq!(codes(&r.findings), ["profile-missing"]);
    assert!(r.findings[0]
        .message
        .contains("no config or credentials file exists"));
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    std::fs::write(&paths.credentials, "[ci]\nkey\n").unwrap();
    let err = report(&paths, &AwsEnv::default(), false, NOW)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("{}:2: ", paths.credentials.display())),
        "{err}"
    );
}

fn run_doctor(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("doctor")
        .args(args)
        .env_clear()
        .env("HOME", home)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn binary_output_and_exit_codes() {
    let h = home(&base_config(), None);
    write_session_token(
        &h.paths,
        "uo",
        OffsetDateTime::now_utc() + Duration::hours(8),
        true,
    );
    let out = run_doctor(h.dir.path(), &[("AWS_PROFILE", "p")], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("No problems found"));

    // A warning alone still exits 0.
    let out = run_doctor(h.dir.path(), &[("AWS_SESSION_TOKEN", "t")], &[]);
    assert_eq!(out.status.code(), Some(0));

    // An error exits 1; one finding per line: severity, code, file:line, message, fix.
    std::fs::write(&h.paths.credentials, "[p]\naws_access_key_id = A\n").unwrap();
    let out = run_doctor(
        h.dir.path(),
        &[("AWS_PROFILE", "nope"), ("AWS_SESSION_TOKEN", "t")],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("error profile-missing environment: AWS_PROFILE=nope"),
        "{text}"
    );
    let shadow = format!(
        "error credentials-shadow {}:1: [p] has static keys",
        h.paths.credentials.display()
    );
    assert!(lines[1].starts_with(&shadow), "{text}");
    assert!(lines[1].contains(" — fix: delete [p] from "), "{text}");
    assert!(
        lines[2].starts_with("warning env-credentials environment: "),
        "{text}"
    );

    // --json: an array of objects with the documented keys.
    let out = run_doctor(h.dir.path(), &[("AWS_PROFILE", "nope")], &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 2);
    let shadow = &items[1];
    let mut keys: Vec<&str> = shadow
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        ["code", "file", "fix", "line", "message", "profiles", "severity"]
    );
    assert_eq!(shadow["code"], "credentials-shadow");
    assert_eq!(shadow["severity"], "error");
    assert_eq!(shadow["file"], h.paths.credentials.display().to_string());
    assert_eq!(shadow["line"], 1);
    assert_eq!(shadow["profiles"], serde_json::json!(["p"]));
    assert!(shadow["fix"].as_str().unwrap().starts_with("delete [p]"));
    assert!(items[0]["file"].is_null() && items[0]["line"].is_null());

    // A file that cannot be parsed: exit 2, naming file and line.
    std::fs::write(&h.paths.config, "[profile p]\nregion\n").unwrap();
    let out = run_doctor(h.dir.path(), &[], &["--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2:", h.paths.config.display())),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------
// doctor --fix

/// What botocore reads from the home's files: the config's profiles and
/// sso-sessions, and the credentials file's section names (each file
/// parsed as the AWS CLI parses it; a file it rejects fails the script).
fn botocore_view(home: &Path) -> serde_json::Value {
    let script = "import json, os, botocore.configloader as c\n\
        conf = c.load_config(os.environ['AWS_CONFIG_FILE'])\n\
        cred = os.environ['AWS_SHARED_CREDENTIALS_FILE']\n\
        creds = sorted(c.raw_config_parse(cred).keys()) if os.path.exists(cred) else []\n\
        print(json.dumps({'profiles': conf.get('profiles', {}), 'sessions': conf.get('sso_sessions', {}), 'credentials': creds}))\n";
    let out = Command::new(common::python())
        .args(["-c", script])
        .env_clear()
        .env("AWS_CONFIG_FILE", home.join(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "botocore rejects the files: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The backup path `doctor --fix` printed for `file` (`backup: PATH`).
fn printed_backup(stdout: &str) -> Vec<std::path::PathBuf> {
    stdout
        .lines()
        .filter_map(|l| l.split_once("backup: ").map(|(_, p)| p.trim().into()))
        .collect()
}

#[test]
fn fix_applies_each_safe_fix_with_a_diff_and_a_backup_and_botocore_reads_the_result() {
    let cases: [(&str, String, &str, &str); 4] = [
        (
            "bom",
            format!("\u{feff}{}", base_config()),
            // The diff shows the invisible mark escaped.
            "-\\u{feff}[sso-session uo]",
            "+[sso-session uo]",
        ),
        (
            "duplicate key",
            format!("{}region = us-west-2\n", base_config()),
            "-region = us-west-2",
            " sso_role_name = Admin",
        ),
        (
            "inline comment",
            base_config().replace("sso_role_name = Admin", "sso_role_name = Admin # main role"),
            "+# main role",
            "+sso_role_name = Admin",
        ),
        (
            "continued key",
            base_config().replace(
                "sso_region = us-west-2\n",
                "sso_region = us-west-2\n\tsso_registration_scopes = sso:account:access\n",
            ),
            "-\tsso_registration_scopes = sso:account:access",
            "+sso_registration_scopes = sso:account:access",
        ),
    ];
    for (what, config, removed, added) in cases {
        let h = home(&config, None);
        // --dry-run: the diff, nothing written, no backup.
        let out = run_doctor(h.dir.path(), &[], &["--fix", "--dry-run"]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(stdout.contains(removed), "{what}: {stdout}");
        assert!(stdout.contains(added), "{what}: {stdout}");
        assert_eq!(
            std::fs::read_to_string(&h.paths.config).unwrap(),
            config,
            "{what}"
        );
        assert!(printed_backup(&stdout).is_empty(), "{what}: {stdout}");

        let out = run_doctor(h.dir.path(), &[], &["--fix"]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            stdout.contains(removed) && stdout.contains(added),
            "{what}: {stdout}"
        );
        let backups = printed_backup(&stdout);
        assert_eq!(backups.len(), 1, "{what}: {stdout}");
        assert_eq!(
            std::fs::read_to_string(&backups[0]).unwrap(),
            config,
            "{what}"
        );
        assert_eq!(out.status.code(), Some(0), "{what}: nothing left: {stdout}");
        let view = botocore_view(h.dir.path());
        assert_eq!(
            view["profiles"]["p"]["sso_role_name"], "Admin",
            "{what}: {view}"
        );
        assert_eq!(
            view["profiles"]["p"]["region"], "us-west-2",
            "{what}: {view}"
        );
        assert_eq!(
            view["sessions"]["uo"]["sso_region"], "us-west-2",
            "{what}: {view}"
        );
        if what == "continued key" {
            assert_eq!(
                view["sessions"]["uo"]["sso_registration_scopes"],
                "sso:account:access"
            );
        }
    }
}

#[test]
fn doctor_finds_a_key_that_continues_the_previous_value() {
    let h = home(
        &base_config().replace(
            "sso_region = us-west-2\n",
            "sso_region = us-west-2\n\tsso_registration_scopes = sso:account:access\n",
        ),
        None,
    );
    let out = run_doctor(h.dir.path(), &[], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "error continued-key {}:4:",
            h.paths.config.display()
        )),
        "{stdout}"
    );
}

#[test]
fn doctor_finds_any_line_that_continues_a_value_and_fix_leaves_it() {
    let h = home(
        &base_config().replace(
            "sso_account_id = 111111111111\n",
            "sso_account_id = 111111111111\n  junk\n",
        ),
        None,
    );
    let before = std::fs::read(&h.paths.config).unwrap();
    let out = run_doctor(h.dir.path(), &[], &["--json"]);
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of: Vec<&serde_json::Value> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "continued-value")
        .collect();
    assert_eq!(of.len(), 1, "{findings:#}");
    assert_eq!(of[0]["severity"], "error");
    assert_eq!(of[0]["line"], 8);
    assert_eq!(of[0]["profiles"], serde_json::json!(["p"]));
    assert!(
        of[0]["message"]
            .as_str()
            .unwrap()
            .contains("read sso_account_id as 111111111111\\njunk"),
        "{:#}",
        of[0]
    );
    // --fix has no fix for it: the bytes stay.
    let out = run_doctor(h.dir.path(), &[], &["--fix", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(&h.paths.config).unwrap(), before);
}

#[test]
fn fix_comments_out_a_shadowing_credentials_section_only_with_yes() {
    let credentials = "[p]\naws_access_key_id = AKIAOLD\naws_secret_access_key = oldSECRET\n\
                       aws_session_token = TOKEN-one\n  TOKEN-two\n\n\
                       [other]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = keepSECRET\n";
    let h = home(&base_config(), Some(credentials));
    // The diff never shows a secret, before or after.
    let out = run_doctor(h.dir.path(), &[], &["--fix", "--yes", "--dry-run"]);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("+# aws_secret_access_key = ****"),
        "{printed}"
    );
    for secret in ["SECRET", "TOKEN-"] {
        assert!(!printed.contains(secret), "{printed}");
    }
    let out = run_doctor(h.dir.path(), &[], &["--fix"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        std::fs::read_to_string(&h.paths.credentials).unwrap(),
        credentials,
        "no --yes and no terminal: untouched"
    );
    assert!(stdout.contains("--yes"), "{stdout}");
    assert_eq!(out.status.code(), Some(1), "the finding stays: {stdout}");

    let out = run_doctor(h.dir.path(), &[], &["--fix", "--yes"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("+# [p]"), "{stdout}");
    assert!(
        !stdout.contains("SECRET") && !stdout.contains("TOKEN-"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let backups = printed_backup(&stdout);
    assert_eq!(std::fs::read_to_string(&backups[0]).unwrap(), credentials);
    let view = botocore_view(h.dir.path());
    assert_eq!(view["credentials"], serde_json::json!(["other"]), "{view}");
}

/// How botocore reads profile `p` of `home`: `sso ACCOUNT ROLE` when it
/// signs in with SSO (and with which role), else the credential method or
/// the error botocore raises.
fn botocore_reads_p(home: &Path) -> String {
    let script = "import botocore.session\n\
        s = botocore.session.Session(profile='p')\n\
        try:\n\
        \x20   c = s.get_credentials()\n\
        \x20   cfg = s.get_scoped_config()\n\
        \x20   m = c.method if c else 'none'\n\
        \x20   print(f\"sso {cfg.get('sso_account_id')} {cfg.get('sso_role_name')}\" if m == 'sso' else m)\n\
        except Exception as e:\n\
        \x20   print(type(e).__name__)\n";
    let out = Command::new(common::python())
        .args(["-c", script])
        .env_clear()
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// What, the config, the credentials file, the code and severity expected,
/// and what botocore reads ([`botocore_reads_p`]).
type ReadCase = (
    &'static str,
    String,
    Option<&'static str>,
    Code,
    Severity,
    &'static str,
);

#[test]
fn sso_profiles_botocore_reads_otherwise_are_errors_and_botocore_agrees() {
    let base = base_config();
    let cases: [ReadCase; 6] = [
        (
            "a region from [DEFAULT] the session inherits",
            format!("{base}\n[DEFAULT]\nregion = eu-west-1\n"),
            None,
            Code::SessionKeyConflict,
            Severity::Error,
            "InvalidConfigError",
        ),
        (
            "a region in the sso-session",
            base.replace("sso_region = us-west-2\n", "sso_region = us-west-2\nregion = eu-west-1\n"),
            None,
            Code::SessionKeyConflict,
            Severity::Error,
            "InvalidConfigError",
        ),
        (
            "the credentials file names another role",
            base.clone(),
            Some("[p]\nsso_account_id = 222222222222\nsso_role_name = Other\n"),
            Code::SsoOverridden,
            Severity::Error,
            "sso 222222222222 Other",
        ),
        (
            "a web identity token file without role_arn",
            format!("{base}web_identity_token_file = /nonexistent/token\n"),
            None,
            Code::SsoOverridden,
            Severity::Error,
            "InvalidConfigError",
        ),
        (
            "a web identity token file from the credentials file",
            base.clone(),
            Some("[p]\nweb_identity_token_file = /nonexistent/token\nrole_arn = arn:aws:iam::222222222222:role/W\n"),
            Code::SsoOverridden,
            Severity::Error,
            "assume-role-with-web-identity",
        ),
        (
            "a role chain on the SSO profile itself",
            format!(
                "{base}role_arn = arn:aws:iam::222222222222:role/C\ncredential_source = Environment\n"
            ),
            None,
            Code::SsoOverridden,
            Severity::Warning,
            "CredentialRetrievalError",
        ),
    ];
    for (what, config, credentials, code, severity, botocore) in cases {
        let h = home(&config, credentials);
        write_session_token(&h.paths, "uo", NOW + Duration::hours(8), true);
        let found = diagnose(&h, &[]);
        let of: Vec<&Finding> = found.iter().filter(|f| f.code == code).collect();
        assert!(
            of.iter().any(|f| f.severity == severity),
            "{what}: {found:#?}"
        );
        for f in of {
            assert_eq!(f.profiles, ["p"], "{what}");
        }
        assert_eq!(botocore_reads_p(h.dir.path()), botocore, "{what}");
    }
    // The clean fixture: botocore signs in with the section's role, and
    // neither finding shows; a [DEFAULT] region both inherit is no conflict.
    for config in [
        base.clone(),
        base.replace("\nregion = us-west-2\n", "\n") + "[DEFAULT]\nregion = eu-west-1\n",
    ] {
        let h = home(&config, None);
        write_session_token(&h.paths, "uo", NOW + Duration::hours(8), true);
        let found = diagnose(&h, &[]);
        assert!(
            !found
                .iter()
                .any(|f| matches!(f.code, Code::SsoOverridden | Code::SessionKeyConflict)),
            "{found:#?}"
        );
        assert_eq!(botocore_reads_p(h.dir.path()), "sso 111111111111 Admin");
    }
}

/// No finding, fix line or diff shows a secret's value, however the file
/// spells or wraps it: an indented secret key, a secret with an inline
/// comment, a wrapped secret (also one whose next line looks like a key),
/// an exact repeat `--fix` drops.
#[test]
fn findings_and_fixes_never_show_a_secret() {
    let credentials = "[other]\naws_access_key_id = AKIAX\n  aws_secret_access_key = SECIND\n\
                       aws_session_token = TOKA # c\n\n\
                       [more]\naws_secret_access_key = SECPART1\n  SECPART2\n\
                       AWS_Session_Token = TOKDUP\nAWS_Session_Token = TOKDUP\n\n\
                       [wrapped]\naws_session_token = TOKW1\n  TOKW2=\n";
    let config = format!(
        "{}[profile q]\nregion = us-west-2\n    aws_session_token = TOKINCFG\n",
        base_config()
    );
    let h = home(&config, Some(credentials));
    let secrets = [
        "SECIND", "TOKA", "SECPART1", "SECPART2", "TOKDUP", "TOKW1", "TOKW2", "TOKINCFG",
    ];
    for args in [&[][..], &["--json"], &["--fix", "--dry-run", "--yes"]] {
        let out = run_doctor(h.dir.path(), &[], args);
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            printed.contains("continued") || printed.contains("fix"),
            "{args:?}: {printed}"
        );
        for secret in secrets {
            assert!(
                !printed.contains(secret),
                "{args:?} shows {secret}: {printed}"
            );
        }
    }
    // A wrapped secret is left for the user: --fix never splits it into a key.
    let out = run_doctor(h.dir.path(), &[], &["--fix", "--yes"]);
    let text = std::fs::read_to_string(&h.paths.credentials).unwrap();
    assert!(
        text.contains("aws_session_token = TOKW1\n  TOKW2=\n"),
        "{text}"
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    for secret in secrets {
        assert!(
            !printed.contains(secret),
            "--fix --yes shows {secret}: {printed}"
        );
    }
}
