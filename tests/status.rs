//! `status`: session discovery over a real token cache, the table, the JSON
//! of the real binary, and its exit codes.

use std::path::Path;
use std::process::{Command, Output};

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uo_aws_tui::aws::config::{AwsFile, FileKind};
use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::registration::{registration_path, write_registration, Registration};
use uo_aws_tui::aws::token_cache::{cache_file_name, format_timestamp, write_token, CachedToken};
use uo_aws_tui::commands::status::{render_table, report};
use uo_aws_tui::sessions::{discover, TokenState};

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

const URL_UO: &str = "https://d-1111111111.awsapps.com/start";
const URL_RESEARCH: &str = "https://d-2222222222.awsapps.com/start";
/// Configured with a trailing `/`: the token file is the hash of exactly this.
const URL_LEGACY: &str = "https://d-3333333333.awsapps.com/start/";

fn config_text(with_legacy: bool) -> String {
    let mut text = format!(
        "[sso-session uoregon]\nsso_start_url = {URL_UO}\nsso_region = us-west-2\n\n\
         [sso-session research]\nsso_start_url = {URL_RESEARCH}\nsso_region = us-east-1\n\n\
         [profile 111111111111_Admin]\nsso_session = uoregon\nsso_account_id = 111111111111\nsso_role_name = Admin\n\n\
         [profile 222222222222_Read]\nsso_session = research\nsso_account_id = 222222222222\nsso_role_name = Read\n\n\
         [profile 333333333333_Read]\nsso_session = research\nsso_account_id = 333333333333\nsso_role_name = Read\n"
    );
    if with_legacy {
        text.push_str(&format!(
            "\n[profile old]\nsso_start_url = {URL_LEGACY}\nsso_region = eu-west-1\nsso_account_id = 444444444444\nsso_role_name = Legacy\n\
             \n[profile old2]\nsso_start_url = {URL_LEGACY}\nsso_region = eu-west-1\nsso_account_id = 555555555555\nsso_role_name = Legacy\n"
        ));
    }
    text
}

fn token(
    url: &str,
    region: &str,
    expires_at: OffsetDateTime,
    refresh: bool,
    registration_expires_at: OffsetDateTime,
) -> CachedToken {
    CachedToken {
        start_url: Some(url.to_string()),
        region: Some(region.to_string()),
        access_token: "access".into(),
        expires_at,
        client_id: refresh.then(|| "client".to_string()),
        client_secret: refresh.then(|| "secret".to_string()),
        registration_expires_at: refresh.then_some(registration_expires_at),
        refresh_token: refresh.then(|| "refresh".to_string()),
        extra: Default::default(),
    }
}

/// A home with the config above and a token cache holding a valid session
/// token (uoregon, 3h12m left), an expired but refreshable one (research,
/// expired 2 days ago), an expired legacy one (with a refresh token, which
/// legacy logins never use), a registration file and a broken JSON file.
fn home(now: OffsetDateTime, with_legacy: bool) -> (tempfile::TempDir, AwsPaths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(dir.path());
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    std::fs::write(&paths.config, config_text(with_legacy)).unwrap();
    let cache = &paths.sso_cache;
    let in_90_days = now + Duration::days(90);
    write_token(
        &cache.join(cache_file_name("uoregon")),
        &token(
            URL_UO,
            "us-west-2",
            now + Duration::minutes(192),
            true,
            in_90_days,
        ),
    )
    .unwrap();
    write_token(
        &cache.join(cache_file_name("research")),
        &token(
            URL_RESEARCH,
            "us-east-1",
            now - Duration::days(2),
            true,
            in_90_days,
        ),
    )
    .unwrap();
    write_token(
        &cache.join(cache_file_name(URL_LEGACY)),
        &token(
            URL_LEGACY,
            "eu-west-1",
            now - Duration::hours(5),
            true,
            in_90_days,
        ),
    )
    .unwrap();
    write_registration(
        &registration_path(
            cache,
            URL_UO,
            "us-west-2",
            Some(&["sso:account:access".to_string()]),
            Some("uoregon"),
        ),
        &Registration {
            client_id: "client".into(),
            client_secret: "secret".into(),
            expires_at: in_90_days,
            scopes: Some(vec!["sso:account:access".into()]),
            grant_types: None,
        },
    )
    .unwrap();
    std::fs::write(
        cache.join("0123456789abcdef0123456789abcdef01234567.json"),
        "{\"accessToken\": \"x\", ",
    )
    .unwrap();
    (dir, paths)
}

fn load(paths: &AwsPaths) -> AwsFile {
    AwsFile::load(&paths.config, FileKind::Config).unwrap()
}

#[test]
fn discovers_exactly_the_three_logins_with_their_states() {
    let now = datetime!(2026-03-01 12:00 UTC);
    let (_dir, paths) = home(now, true);
    let found = discover(&paths, &load(&paths), now);

    let keys: Vec<_> = found
        .sessions
        .iter()
        .map(|s| (s.session.as_deref(), s.start_url.as_deref().unwrap()))
        .collect();
    assert_eq!(
        keys,
        [
            (Some("uoregon"), URL_UO),
            (Some("research"), URL_RESEARCH),
            (None, URL_LEGACY),
        ]
    );
    let [uo, research, legacy] = &found.sessions[..] else {
        unreachable!()
    };

    assert_eq!(uo.state, TokenState::Valid);
    assert!(uo.refreshable && uo.usable());
    assert_eq!(uo.expires_at, Some(now + Duration::minutes(192)));
    assert_eq!(uo.registration_expires_at, Some(now + Duration::days(90)));
    assert_eq!(uo.profiles, ["111111111111_Admin"]);
    assert_eq!(uo.region.as_deref(), Some("us-west-2"));
    assert_eq!(
        uo.cache_file,
        paths.sso_cache.join(cache_file_name("uoregon"))
    );
    assert_eq!(uo.line, 1);

    assert_eq!(research.state, TokenState::Expired);
    assert!(research.refreshable && research.usable());
    assert_eq!(
        research.profiles,
        ["222222222222_Read", "333333333333_Read"]
    );

    assert_eq!(legacy.state, TokenState::Expired);
    assert!(!legacy.refreshable, "legacy tokens are never refreshable");
    assert!(!legacy.usable());
    assert_eq!(legacy.region.as_deref(), Some("eu-west-1"));
    assert_eq!(legacy.profiles, ["old", "old2"]);
    assert_eq!(
        legacy.cache_file,
        paths.sso_cache.join(cache_file_name(URL_LEGACY))
    );
    assert!(!found.all_usable());

    // The broken file is warned about; the registration is not.
    assert_eq!(found.warnings.len(), 1, "{:?}", found.warnings);
    assert!(found.warnings[0]
        .path
        .ends_with("0123456789abcdef0123456789abcdef01234567.json"));
    assert!(
        found.warnings[0].reason.contains("not JSON"),
        "{}",
        found.warnings[0].reason
    );

    let config = load(&paths);
    assert_eq!(
        found
            .for_profile(&config, "old2")
            .unwrap()
            .start_url
            .as_deref(),
        Some(URL_LEGACY)
    );
    assert_eq!(
        found
            .for_profile(&config, "333333333333_Read")
            .unwrap()
            .session
            .as_deref(),
        Some("research")
    );
    assert!(found.for_profile(&config, "nope").is_none());
}

#[test]
fn expiring_missing_and_unreadable_tokens() {
    let now = datetime!(2026-03-01 12:00 UTC);
    let (_dir, paths) = home(now, false);
    // research: 10 minutes left, no refresh token.
    write_token(
        &paths.sso_cache.join(cache_file_name("research")),
        &token(
            URL_RESEARCH,
            "us-east-1",
            now + Duration::minutes(10),
            false,
            now,
        ),
    )
    .unwrap();
    // uoregon: a token file with an expiry no reader accepts.
    std::fs::write(
        paths.sso_cache.join(cache_file_name("uoregon")),
        r#"{"accessToken": "x", "expiresAt": "tomorrow"}"#,
    )
    .unwrap();
    // A session nobody logged in to, without a region.
    let mut text = config_text(false);
    text.push_str("[sso-session fresh]\nsso_start_url = https://d-4444444444.awsapps.com/start\n");
    std::fs::write(&paths.config, text).unwrap();

    let found = discover(&paths, &load(&paths), now);
    let state = |name: &str| {
        found
            .sessions
            .iter()
            .find(|s| s.session.as_deref() == Some(name))
            .unwrap()
    };
    assert_eq!(state("research").state, TokenState::Expiring);
    assert!(!state("research").refreshable);
    let uo = state("uoregon");
    assert_eq!(uo.state, TokenState::Unreadable);
    assert!(uo.problem.as_deref().unwrap().contains("expiresAt"));
    assert_eq!(uo.expires_at, None);
    let fresh = state("fresh");
    assert_eq!(fresh.state, TokenState::NotLoggedIn);
    assert_eq!(fresh.region, None);
    assert!(fresh.profiles.is_empty());
    // Both unreadable files are warned about, each once.
    let warned: Vec<_> = found.warnings.iter().map(|w| w.path.clone()).collect();
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert!(warned.contains(&uo.cache_file));
}

#[test]
fn missing_cache_directory_means_not_logged_in() {
    let dir = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(dir.path());
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    std::fs::write(&paths.config, config_text(true)).unwrap();
    let found = discover(&paths, &load(&paths), OffsetDateTime::now_utc());
    assert_eq!(found.sessions.len(), 3);
    assert!(found
        .sessions
        .iter()
        .all(|s| s.state == TokenState::NotLoggedIn));
    assert!(found.warnings.is_empty());
}

#[test]
fn the_table_for_people() {
    let now = datetime!(2026-03-01 12:00 UTC);
    let (_dir, paths) = home(now, true);
    let table = render_table(&discover(&paths, &load(&paths), now), now);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("SESSION"), "{table}");
    for column in [
        "START URL",
        "REGION",
        "STATE",
        "EXPIRES",
        "REFRESH",
        "PROFILES",
    ] {
        assert!(lines[0].contains(column), "{table}");
    }
    assert!(
        lines[1].starts_with("uoregon ")
            && lines[1].contains("valid")
            && lines[1].contains("expires in 3h12m")
            && lines[1].contains("yes"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("research ")
            && lines[2].contains("expired 2d ago")
            && lines[2].ends_with(" 2"),
        "{table}"
    );
    assert!(
        lines[3].starts_with("(legacy) ")
            && lines[3].contains(URL_LEGACY)
            && lines[3].contains("expired 5h ago"),
        "{table}"
    );
    // Columns line up: every row has its STATE cell where the header has it.
    let state_at = lines[0].find("STATE").unwrap();
    assert_eq!(&lines[1][state_at..state_at + 5], "valid");
    assert_eq!(
        lines[4],
        format!("start URL {URL_LEGACY}: run aws sso login --profile old")
    );
    assert_eq!(lines.len(), 5, "{table}");
}

#[test]
fn report_exit_codes_and_errors() {
    let now = datetime!(2026-03-01 12:00 UTC);
    let (_dir, paths) = home(now, true);
    let r = report(&paths, false, now).unwrap();
    assert_eq!(r.code, 1);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("unreadable cache file"));

    let (_dir, paths) = home(now, false);
    assert_eq!(report(&paths, false, now).unwrap().code, 0);

    std::fs::write(&paths.config, "[default]\nregion = x\nnonsense\n").unwrap();
    let err = report(&paths, true, now).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{}:3: ", paths.config.display())),
        "{err}"
    );

    std::fs::remove_file(&paths.config).unwrap();
    let r = report(&paths, true, now).unwrap();
    assert_eq!((r.code, r.stdout.as_str()), (1, "[]\n"));
    assert!(r.warnings[0].contains("no config file"));
}

fn run_status(home: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("status")
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", config)
        .output()
        .unwrap()
}

#[test]
fn binary_json_field_by_field() {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let (dir, paths) = home(now, true);
    // The config lives elsewhere, named by AWS_CONFIG_FILE.
    let config = dir.path().join("elsewhere-config");
    std::fs::rename(&paths.config, &config).unwrap();

    let out = run_status(dir.path(), &config, &["--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("0123456789abcdef0123456789abcdef01234567.json: unreadable cache file"),
        "{stderr}"
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 3);

    let uo = &items[0];
    assert_eq!(uo["session"], "uoregon");
    assert_eq!(uo["start_url"], URL_UO);
    assert_eq!(uo["region"], "us-west-2");
    assert_eq!(uo["state"], "valid");
    assert_eq!(
        uo["expires_at"],
        format_timestamp(now + Duration::minutes(192))
    );
    assert_eq!(uo["refreshable"], true);
    assert_eq!(
        uo["registration_expires_at"],
        format_timestamp(now + Duration::days(90))
    );
    assert_eq!(uo["profiles"], 1);
    assert_eq!(
        uo["profile_names"],
        serde_json::json!(["111111111111_Admin"])
    );
    assert_eq!(
        uo["cache_file"],
        paths
            .sso_cache
            .join(cache_file_name("uoregon"))
            .display()
            .to_string()
    );
    assert!(uo["problem"].is_null());

    let research = &items[1];
    assert_eq!(research["session"], "research");
    assert_eq!(research["state"], "expired");
    assert_eq!(research["refreshable"], true);
    assert_eq!(research["profiles"], 2);

    let legacy = &items[2];
    assert!(legacy["session"].is_null());
    assert_eq!(legacy["start_url"], URL_LEGACY);
    assert_eq!(legacy["region"], "eu-west-1");
    assert_eq!(legacy["state"], "expired");
    assert_eq!(
        legacy["expires_at"],
        format_timestamp(now - Duration::hours(5))
    );
    assert_eq!(legacy["refreshable"], false);
    assert_eq!(legacy["profiles"], 2);
    assert_eq!(
        legacy["cache_file"],
        paths
            .sso_cache
            .join(cache_file_name(URL_LEGACY))
            .display()
            .to_string()
    );
    for item in items {
        let t = item["expires_at"].as_str().unwrap();
        assert!(t.ends_with('Z') && t.len() == 20, "{t}");
    }

    // The table is what people see; same exit code.
    let out = run_status(dir.path(), &config, &[]);
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("SESSION"), "{table}");
    assert!(table.contains("expires in 3h1"), "{table}");
}

#[test]
fn binary_exit_codes() {
    let now = OffsetDateTime::now_utc();
    let (dir, paths) = home(now, false);
    let out = run_status(dir.path(), &paths.config, &["--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::write(
        &paths.config,
        "[sso-session uoregon]\nsso_region us-west-2\n",
    )
    .unwrap();
    let out = run_status(dir.path(), &paths.config, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2:", paths.config.display())),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
