//! `doctor` on role chains: each chain finding from its own minimal
//! fixture, and a clean two-link chain on an SSO profile that has none.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::token_cache::{cache_file_name, write_token, CachedToken};
use uo_aws_tui::commands::doctor::report;
use uo_aws_tui::doctor::{AwsEnv, Code, Finding, Severity};

const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
const URL: &str = "https://d-1234567890.awsapps.com/start";

fn base() -> String {
    format!(
        "[sso-session uo]\nsso_start_url = {URL}\nsso_region = us-west-2\n\n\
         [profile p]\nsso_session = uo\nsso_account_id = 111111111111\nsso_role_name = Admin\n"
    )
}

/// The findings of `config` (after [`base`]) and `credentials`, with a
/// valid token for `uo`.
fn findings(config: &str, credentials: Option<&str>) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(dir.path());
    std::fs::create_dir_all(paths.config.parent().unwrap()).unwrap();
    std::fs::write(&paths.config, format!("{}{config}", base())).unwrap();
    if let Some(text) = credentials {
        std::fs::write(&paths.credentials, text).unwrap();
    }
    let token = CachedToken {
        start_url: Some(URL.into()),
        region: Some("us-west-2".into()),
        access_token: "access".into(),
        expires_at: NOW + Duration::hours(8),
        client_id: Some("client".into()),
        client_secret: Some("secret".into()),
        registration_expires_at: Some(NOW + Duration::days(90)),
        refresh_token: Some("refresh".into()),
        extra: Default::default(),
    };
    write_token(&paths.sso_cache.join(cache_file_name("uo")), &token).unwrap();
    report(&paths, &AwsEnv::default(), false, NOW)
        .unwrap()
        .findings
}

fn only(found: &[Finding], code: Code) -> Finding {
    let of: Vec<&Finding> = found.iter().filter(|f| f.code == code).collect();
    assert_eq!(of.len(), 1, "{found:#?}");
    of[0].clone()
}

/// The 1-based line of `needle` in the whole config.
fn line_of(config: &str, needle: &str) -> usize {
    let text = format!("{}{config}", base());
    text.lines().position(|l| l == needle).unwrap() + 1
}

#[test]
fn a_clean_two_link_chain_has_no_chain_finding() {
    let found = findings(
        "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = p\n\
         [profile b]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = a\n",
        None,
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_loop() {
    let config = "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = b\n\
                  [profile b]\nrole_arn = arn:aws:iam::3:role/B\nsource_profile = a\n";
    let found = findings(config, None);
    // Both profiles end in loops; each closes at a different place.
    let loops: Vec<&Finding> = found.iter().filter(|f| f.code == Code::ChainLoop).collect();
    assert_eq!(loops.len(), 2, "{found:#?}");
    assert!(loops.iter().all(|f| f.severity == Severity::Error));
    let at_b = loops
        .iter()
        .find(|f| f.line == Some(line_of(config, "[profile b]")))
        .unwrap();
    assert_eq!(at_b.profiles, ["a"]);
    assert!(
        at_b.message.contains("loops back (a → b)"),
        "{}",
        at_b.message
    );
}

#[test]
fn self_source_without_keys_is_a_loop_with_keys_static() {
    let config = "[profile s]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = s\n";
    let f = only(&findings(config, None), Code::ChainLoop);
    assert_eq!(f.profiles, ["s"]);
    let found = findings(
        config,
        Some("[s]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"),
    );
    assert!(
        !found.iter().any(|f| f.code == Code::ChainLoop),
        "{found:#?}"
    );
    let f = only(&found, Code::ChainStaticKeys);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.profiles, ["s"]);
}

#[test]
fn source_missing() {
    let config =
        "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = gone\n";
    let f = only(&findings(config, None), Code::ChainSourceMissing);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.line, Some(line_of(config, "[profile a]")));
    assert!(f.message.contains("source_profile = gone"), "{}", f.message);
    let f = only(
        &findings(
            "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\n",
            None,
        ),
        Code::ChainSourceMissing,
    );
    assert!(f.message.contains("neither"), "{}", f.message);
}

#[test]
fn source_conflict() {
    let config = "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = p\n\
                  credential_source = Environment\n\
                  [profile b]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = a\n";
    let f = only(&findings(config, None), Code::ChainSourceConflict);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.profiles, ["a", "b"]);
    assert_eq!(f.line, Some(line_of(config, "[profile a]")));
}

#[test]
fn static_keys_at_the_root() {
    let config = "[profile keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n\
                  [profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = keys\n";
    let f = only(&findings(config, None), Code::ChainStaticKeys);
    assert_eq!(f.line, Some(line_of(config, "[profile keys]")));
    assert_eq!(f.profiles, ["a"]);
}

#[test]
fn too_deep() {
    let mut config = String::new();
    let mut source = "p".to_string();
    for i in 0..=uo_aws_tui::chain::MAX_LINKS {
        config.push_str(&format!(
            "[profile r{i}]\nrole_arn = arn:aws:iam::222222222222:role/R{i}\nsource_profile = {source}\n"
        ));
        source = format!("r{i}");
    }
    let found = findings(&config, None);
    let f = only(&found, Code::ChainTooDeep);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.profiles, [source.clone()]);
    // One link less is fine.
    let shorter: String = config
        .lines()
        .take(3 * uo_aws_tui::chain::MAX_LINKS)
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(findings(&shorter, None).is_empty());
}

#[test]
fn a_role_arn_that_is_no_iam_role_arn() {
    let config = "[profile a]\nrole_arn = not-an-arn\nsource_profile = p\n\
                  [profile b]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = a\n";
    let f = only(&findings(config, None), Code::ChainRoleArn);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.code.as_str(), "chain-role-arn");
    assert_eq!(f.profiles, ["a", "b"]);
    assert_eq!(f.line, Some(line_of(config, "[profile a]")));
    assert!(
        f.message.contains("role_arn = not-an-arn of profile a"),
        "{}",
        f.message
    );
}
