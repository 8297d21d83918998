//! Choosing the sso-session and loading its cached token, from real files.

use std::path::Path;

use time::macros::datetime;
use time::OffsetDateTime;
use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::sso_session::SsoSession;
use uo_aws_tui::aws::token_cache::CachedToken;
use uo_aws_tui::aws::token_cache::{cache_file_name, token_path};
use uo_aws_tui::env::Environment;

const TWO_SESSIONS: &str = "\
[sso-session uoregon]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-west-2

[sso-session lab]
sso_start_url = https://d-0000000001.awsapps.com/start
sso_region = us-east-1

[profile work]
sso_session = lab
sso_account_id = 111111111111
sso_role_name = ReadOnly
";

fn setup(config: &str) -> (tempfile::TempDir, Environment) {
    let home = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(home.path());
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    std::fs::write(&paths.config, config).unwrap();
    let env = Environment {
        paths,
        dirs: uo_aws_tui::dirs::AppDirs::under(&home.path().join("app")),
        aws_profile: None,
        portal_endpoint: None,
        oidc_endpoint: None,
        federation_endpoint: None,
    };
    (home, env)
}

fn write_token(cache: &Path, session: &str, expires: &str) {
    std::fs::create_dir_all(cache).unwrap();
    std::fs::write(
        token_path(cache, session),
        format!(r#"{{"startUrl": "https://x.awsapps.com/start", "region": "us-west-2", "accessToken": "t", "expiresAt": "{expires}"}}"#),
    )
    .unwrap();
}

const NOW: OffsetDateTime = datetime!(2026-11-30 12:00 UTC);

/// What every command does first: the config, the session, and its stored token.
fn prepare(
    env: &Environment,
    requested: Option<&str>,
    now: OffsetDateTime,
) -> anyhow::Result<(SsoSession, CachedToken)> {
    let (_, session) = env.session(requested)?;
    let token = uo_aws_tui::token::stored(env, &session, now)?;
    Ok((session, token))
}

fn error(env: &Environment, requested: Option<&str>) -> String {
    format!("{:#}", prepare(env, requested, NOW).unwrap_err())
}

#[test]
fn the_cache_file_is_named_by_the_sha1_of_the_session_name() {
    assert_eq!(
        cache_file_name("corp"),
        "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"
    );
}

#[test]
fn session_choice_order() {
    let (_home, mut env) = setup(TWO_SESSIONS);
    for s in ["uoregon", "lab"] {
        write_token(&env.paths.sso_cache, s, "2026-12-01T00:00:00Z");
    }
    // Two sessions and no hint: exit 2 listing them.
    let msg = error(&env, None);
    assert!(
        msg.contains("uoregon, lab") && msg.contains("--sso-session"),
        "{msg}"
    );
    // --sso-session wins.
    assert_eq!(
        prepare(&env, Some("uoregon"), NOW).unwrap().0.name,
        "uoregon"
    );
    // Else the session of AWS_PROFILE.
    env.aws_profile = Some("work".into());
    let (session, _) = prepare(&env, None, NOW).unwrap();
    assert_eq!(
        (session.name.as_str(), session.region.as_str()),
        ("lab", "us-east-1")
    );
    assert_eq!(
        prepare(&env, Some("uoregon"), NOW).unwrap().0.name,
        "uoregon"
    );
    // An unknown name lists what exists.
    let msg = error(&env, Some("nope"));
    assert!(
        msg.contains("no [sso-session nope]") && msg.contains("uoregon, lab"),
        "{msg}"
    );
}

#[test]
fn the_only_session_is_chosen() {
    let (_home, env) = setup("[sso-session solo]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n");
    write_token(&env.paths.sso_cache, "solo", "2026-12-01T00:00:00Z");
    let (session, token) = prepare(&env, None, NOW).unwrap();
    assert_eq!(session.name, "solo");
    assert_eq!(token.expires_at, datetime!(2026-12-01 00:00 UTC));
}

#[test]
fn missing_and_broken_files_name_file_and_line() {
    let (_home, env) =
        setup("[sso-session uoregon]\nsso_region = us-west-2\nthis line is not ini\n");
    let msg = error(&env, None);
    assert!(
        msg.contains(&format!("{}:3:", env.paths.config.display())),
        "{msg}"
    );

    let (_home, env) = setup("[sso-session uoregon]\nsso_region = us-west-2\n");
    let msg = error(&env, None);
    assert!(
        msg.contains(&format!("{}:1:", env.paths.config.display()))
            && msg.contains("sso_start_url"),
        "{msg}"
    );

    let (home, env) = setup("");
    std::fs::remove_file(&env.paths.config).unwrap();
    let msg = error(&env, None);
    assert!(
        msg.contains(&env.paths.config.display().to_string()),
        "{msg}"
    );
    drop(home);

    let (_home, env) = setup("[profile x]\nregion = us-west-2\n");
    assert!(error(&env, None).contains("no [sso-session NAME]"));
}

#[test]
fn no_token_or_an_expired_one_says_how_to_log_in() {
    let (_home, env) = setup(TWO_SESSIONS);
    let file = token_path(&env.paths.sso_cache, "uoregon")
        .display()
        .to_string();
    let msg = error(&env, Some("uoregon"));
    assert!(
        msg.contains("not logged in") && msg.contains(&file),
        "{msg}"
    );
    assert!(
        msg.contains("uo-aws-tui login --sso-session uoregon"),
        "{msg}"
    );

    // Every cached timestamp form is accepted; an expired one is refused.
    for (raw, ok) in [
        ("2021-12-07T01:19:12UTC", false),
        ("2026-12-07T01:19:12UTC", true),
        ("2026-11-30T12:00:01Z", true),
        ("2026-11-30T12:30:00.540Z", true),
        ("2026-11-30T13:00:00+00:00", true),
        ("2026-11-30T04:30:00-08:00", true),
        ("2026-11-30T03:30:00-08:00", false),
    ] {
        write_token(&env.paths.sso_cache, "uoregon", raw);
        let got = prepare(&env, Some("uoregon"), NOW);
        assert_eq!(got.is_ok(), ok, "{raw}: {:?}", got.err());
        if !ok {
            let msg = error(&env, Some("uoregon"));
            assert!(msg.contains("expired") && msg.contains(&file), "{msg}");
            assert!(
                msg.contains("uo-aws-tui login --sso-session uoregon"),
                "{msg}"
            );
        }
    }

    write_token(&env.paths.sso_cache, "uoregon", "tomorrow");
    let msg = error(&env, Some("uoregon"));
    assert!(msg.contains("unreadable") && msg.contains(&file), "{msg}");
}

#[test]
fn the_sessions_view_lists_sessions_and_legacy_start_urls() {
    let (_home, env) = setup(&format!(
        "{TWO_SESSIONS}\n[profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-west-2\nsso_account_id = 1\nsso_role_name = R\n"
    ));
    write_token(&env.paths.sso_cache, "uoregon", "2026-11-30T15:12:00Z");
    let rows = uo_aws_tui::picker::session_summaries(&env, NOW);
    let names: Vec<Option<&str>> = rows.iter().map(|r| r.name.as_deref()).collect();
    assert_eq!(names, [Some("uoregon"), Some("lab"), None]);
    assert_eq!(rows[0].state(NOW).as_str(), "valid");
    assert_eq!(rows[1].state(NOW).as_str(), "not_logged_in");
    assert_eq!(rows[1].profiles, 1);
    assert_eq!(rows[2].start_url, "https://old.awsapps.com/start");
}
