//! `credentials` and `console` of chained profiles through the real binary:
//! the SSO root's role credentials from the simulator's portal (through the
//! AWS CLI's cache), then the simulator's STS AssumeRole per link, signed
//! with the keys of the link before; chains that do not start at an SSO
//! profile are refused with exit 2.

mod common;
mod role_home;

use std::process::{Command, Output};

use role_home::{home, Home};
use uo_aws_tui::aws::token_cache::token_path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The role-home plus a two-link chain `ro` → `mid` → `top`, and chains
/// that start at static keys and at a `credential_source`.
async fn chained_home() -> Home {
    let h = home().await;
    let mut config = std::fs::read_to_string(&h.paths.config).unwrap();
    config.push_str(
        "\n[profile mid]\nrole_arn = arn:aws:iam::444455556666:role/Mid\nsource_profile = ro\n\
         \n[profile top]\nrole_arn = arn:aws:iam::444455556666:role/Top\nsource_profile = mid\n\
         external_id = uo-ext\nrole_session_name = alice\nregion = us-east-2\n\
         \n[profile keyed]\nrole_arn = arn:aws:iam::444455556666:role/Top\nsource_profile = keys\n\
         \n[profile ec2]\nrole_arn = arn:aws:iam::444455556666:role/Top\n\
         credential_source = Ec2InstanceMetadata\n",
    );
    std::fs::write(&h.paths.config, config).unwrap();
    std::fs::write(
        &h.paths.credentials,
        "[keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = secret\n",
    )
    .unwrap();
    h
}

fn run_sts(h: &Home, args: &[&str]) -> Output {
    h.bin(args)
        .env("AWS_ENDPOINT_URL_STS", h.sim.endpoint())
        .output()
        .unwrap()
}

fn cached_root_key(h: &Home) -> String {
    let cached: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(h.example_file()).unwrap()).unwrap();
    cached["Credentials"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_of_a_two_link_chain_are_the_last_assumed_roles() {
    let h = chained_home().await;
    let out = run_sts(&h, &["credentials", "top", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["Profile"], "top");
    assert_eq!(got["AccountId"], "444455556666");
    assert_eq!(got["RoleName"], "Top");
    assert_eq!(got["SecretAccessKey"].as_str().unwrap().len(), 40);

    // One GetRoleCredentials for the root (cached as for `credentials ro`),
    // then AssumeRole Mid with the root's keys, AssumeRole Top with Mid's.
    assert_eq!(h.role_credential_calls(), 1);
    let root_key = cached_root_key(&h);
    let calls = h.sim.assume_role_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.status == 200), "{calls:?}");
    assert_eq!(
        calls[0].role_arn.as_deref(),
        Some("arn:aws:iam::444455556666:role/Mid")
    );
    assert_eq!(calls[0].access_key_id.as_deref(), Some(root_key.as_str()));
    assert!(
        calls[0]
            .role_session_name
            .as_deref()
            .is_some_and(|s| s.starts_with("uo-aws-tui-")),
        "{calls:?}"
    );
    assert_eq!(calls[0].external_id, None);
    assert_eq!(
        calls[1].role_arn.as_deref(),
        Some("arn:aws:iam::444455556666:role/Top")
    );
    assert_eq!(calls[1].access_key_id, calls[0].issued_access_key_id);
    assert_eq!(calls[1].external_id.as_deref(), Some("uo-ext"));
    assert_eq!(calls[1].role_session_name.as_deref(), Some("alice"));
    assert_eq!(
        got["AccessKeyId"].as_str(),
        calls[1].issued_access_key_id.as_deref()
    );

    // The process format for credential_process; the root stays cached.
    let out = run_sts(&h, &["credentials", "top", "--format", "process"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let process: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(process["Version"], 1);
    let calls = h.sim.assume_role_calls();
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(
        process["AccessKeyId"].as_str(),
        calls[3].issued_access_key_id.as_deref()
    );
    assert_eq!(h.role_credential_calls(), 1);

    // botocore reads it as credential_process output.
    let mut config = std::fs::read_to_string(&h.paths.config).unwrap();
    config.push_str(&format!(
        "\n[profile top-process]\ncredential_process = {} credentials top --format process\n",
        role_home::BIN
    ));
    std::fs::write(&h.paths.config, config).unwrap();
    let mut env = common::aws_child_env(h.home.path(), &h.sim.endpoint());
    env.push(("AWS_ENDPOINT_URL_STS".into(), h.sim.endpoint()));
    let python = Command::new(common::python())
        .env_clear()
        .envs(env)
        .args([
            "-c",
            "import botocore.session as s; c = s.Session(profile='top-process').get_credentials().get_frozen_credentials(); print(c.access_key)",
        ])
        .output()
        .unwrap();
    assert!(python.status.success(), "{}", text(&python.stderr));
    let calls = h.sim.assume_role_calls();
    assert_eq!(
        text(&python.stdout).trim(),
        calls
            .last()
            .unwrap()
            .issued_access_key_id
            .as_deref()
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chains_that_start_elsewhere_and_missing_logins_are_exit_2() {
    let h = chained_home().await;
    for (profile, says) in [
        ("keyed", "starts from the static keys of profile keys"),
        ("ec2", "starts from credential_source = Ec2InstanceMetadata"),
    ] {
        let out = run_sts(&h, &["credentials", profile]);
        assert_eq!(out.status.code(), Some(2), "{profile}");
        assert!(out.stdout.is_empty());
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
    // No login for the root: the login hint, no call to STS.
    std::fs::remove_file(token_path(&h.paths.sso_cache, "my-sso")).unwrap();
    let out = run_sts(&h, &["credentials", "top"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("run: uo-aws-tui login --sso-session my-sso"),
        "{}",
        text(&out.stderr)
    );
    assert!(h.sim.assume_role_calls().is_empty());
    assert_eq!(h.role_credential_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_of_a_chained_profile_signs_in_with_the_assumed_keys() {
    let h = chained_home().await;
    let out = run_sts(&h, &["console", "top", "--print"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let url = text(&out.stdout).trim_end().to_string();
    let prefix = format!(
        "{}/federation?Action=login&Issuer=uo-aws-tui&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Dus-east-2&SigninToken=",
        h.sim.endpoint()
    );
    assert!(url.starts_with(&prefix), "{url}");
    let calls = h.sim.assume_role_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let federation = h.sim.federation_calls();
    assert_eq!(federation.len(), 1, "{federation:?}");
    assert_eq!(federation[0].action, "getSigninToken");
    assert!(federation[0].accepted);
    assert_eq!(
        federation[0].access_key_id, calls[1].issued_access_key_id,
        "signed in with Top's keys, not the root's"
    );
    assert_ne!(
        federation[0].access_key_id.as_deref(),
        Some(cached_root_key(&h).as_str())
    );
    let page = Command::new("curl").args(["-sS", &url]).output().unwrap();
    assert!(
        text(&page.stdout).contains("Signed in as Top in account 444455556666"),
        "{}",
        text(&page.stdout)
    );
}
