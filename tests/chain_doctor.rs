//! `doctor` on role chains: each chain finding from its own minimal
//! fixture, a clean two-link chain on an SSO profile that has none, and
//! botocore refusing exactly the chains we refuse.

mod common;

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
    assert!(f.fix.contains("remove its role_arn line"), "{}", f.fix);
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

#[test]
fn a_credential_source_botocore_does_not_know() {
    let config = "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\n\
                  credential_source = Ec2Instance\n";
    let f = only(&findings(config, None), Code::ChainCredentialSource);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.code.as_str(), "chain-credential-source");
    assert_eq!(f.line, Some(line_of(config, "[profile a]")));
    assert!(
        f.message.contains("credential_source = Ec2Instance"),
        "{}",
        f.message
    );
    assert!(f.fix.contains("Ec2InstanceMetadata"), "{}", f.fix);
}

#[test]
fn a_source_profile_without_credentials() {
    let config = "[profile bare]\nregion = us-west-2\n\
                  [profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = bare\n";
    let f = only(&findings(config, None), Code::ChainSourceMissing);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.profiles, ["a"]);
    assert_eq!(f.line, Some(line_of(config, "[profile bare]")));
    assert!(f.message.contains("no credentials"), "{}", f.message);
    // The same source with keys in the credentials file is a root.
    let found = findings(
        config,
        Some("[bare]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"),
    );
    assert!(
        !found.iter().any(|f| f.code == Code::ChainSourceMissing),
        "{found:#?}"
    );
}

/// Loads each profile named on the command line with botocore and prints,
/// one line each, `refused` when botocore's config checks reject it
/// (InvalidConfigError and its subclasses, or PartialCredentialsError for
/// a role without a source) or `ok` otherwise.
const BOTOCORE_VERDICTS: &str = r#"
import sys
import botocore.session
from botocore.exceptions import InvalidConfigError, PartialCredentialsError
for name in sys.argv[1:]:
    try:
        botocore.session.Session(profile=name).get_credentials()
        print("ok")
    except (InvalidConfigError, PartialCredentialsError):
        print("refused")
"#;

#[test]
fn botocore_refuses_exactly_the_chains_we_refuse() {
    use uo_aws_tui::aws::config::{AwsFile, FileKind};
    use uo_aws_tui::chain::Profiles;

    let config = format!(
        "{}[profile sso]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = p\n\
         [profile env]\nrole_arn = arn:aws:iam::222222222222:role/A\ncredential_source = Environment\n\
         [profile unknown]\nrole_arn = arn:aws:iam::222222222222:role/A\ncredential_source = Ec2Instance\n\
         [profile empty-cs]\nrole_arn = arn:aws:iam::222222222222:role/A\ncredential_source =\n\
         [profile empty-sp]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile =\n\
         [profile both]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile =\n\
         credential_source = Environment\n\
         [profile bare]\nregion = us-west-2\n\
         [profile on-bare]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = bare\n\
         [profile gone]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = nowhere\n\
         [profile x]\nrole_arn = arn:aws:iam::222222222222:role/X\nsource_profile = y\n\
         [profile y]\nrole_arn = arn:aws:iam::222222222222:role/Y\nsource_profile = x\n\
         [profile keyed]\nrole_arn = arn:aws:iam::222222222222:role/Y\nsource_profile = keys\n\
         [profile keys]\nregion = us-west-2\n\
         [profile token-only]\nweb_identity_token_file = /nonexistent/token\n\
         [profile on-token]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = token-only\n\
         [profile web]\nweb_identity_token_file = /nonexistent/token\nrole_arn = arn:aws:iam::222222222222:role/W\n\
         [profile on-web]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = web\n\
         [profile stray]\nsso_session = uo\nsso_account_id = 111111111111\nsso_role_name = Admin\nrole_arn =\n\
         [profile wsso]\nsso_session = uo\nsso_account_id = 111111111111\nsso_role_name = Admin\n\
         web_identity_token_file = /nonexistent/token\nrole_arn = arn:aws:iam::222222222222:role/W\n\
         [profile on-wsso]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = wsso\n\
         [profile wsso-norole]\nsso_session = uo\nsso_account_id = 111111111111\nsso_role_name = Admin\n\
         web_identity_token_file = /nonexistent/token\n\
         [profile on-wsso-norole]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = wsso-norole\n\
         [profile half-keys]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = p\naws_access_key_id =\n\
         [profile on-half-keys]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = half-keys\n\
         [profile self-half]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = self-half\n\
         aws_access_key_id = AKIAEXAMPLE\n\
         [profile two]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = sso\n",
        base()
    );
    let credentials = "[keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n";
    let names = [
        "sso",
        "env",
        "unknown",
        "empty-cs",
        "empty-sp",
        "both",
        "on-bare",
        "gone",
        "x",
        "keyed",
        "two",
        "on-token",
        "on-web",
        "stray",
        "on-wsso",
        "on-wsso-norole",
        "on-half-keys",
        "self-half",
    ];

    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config");
    let credentials_path = dir.path().join("credentials");
    std::fs::write(&config_path, &config).unwrap();
    std::fs::write(&credentials_path, credentials).unwrap();
    let out = std::process::Command::new(common::python())
        .env_clear()
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", &config_path)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials_path)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .arg("-c")
        .arg(BOTOCORE_VERDICTS)
        .args(names)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();

    let config = AwsFile::parse(&config_path, FileKind::Config, &config).unwrap();
    let credentials =
        AwsFile::parse(&credentials_path, FileKind::Credentials, credentials).unwrap();
    let profiles = Profiles::new(Some(&config), Some(&credentials));
    let ours: Vec<String> = names
        .iter()
        .map(|name| match profiles.resolve(name) {
            Some(Ok(_)) => "ok".to_string(),
            Some(Err(_)) => "refused".to_string(),
            None => panic!("{name} is not chained"),
        })
        .collect();
    let pairs: Vec<(&str, &String, &String)> = names
        .iter()
        .zip(ours.iter().zip(theirs.iter()))
        .map(|(n, (o, t))| (*n, o, t))
        .collect();
    assert_eq!(ours, theirs, "(profile, ours, botocore): {pairs:?}");
    // Both verdicts occur, so the comparison can fail either way.
    assert!(ours.iter().any(|v| v == "ok") && ours.iter().any(|v| v == "refused"));
}
