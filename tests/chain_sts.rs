//! botocore follows a chained profile through the simulator: the SSO root's
//! role credentials from the portal (GetRoleCredentials), then STS
//! AssumeRole (awsQuery, XML) signed with them, behind
//! `AWS_ENDPOINT_URL_STS`.

mod common;

use std::process::{Command, Stdio};

use common::DemoHome;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

const RESOLVE: &str = r#"
import json, sys
import botocore.session
s = botocore.session.Session(profile=sys.argv[1])
try:
    c = s.get_credentials().get_frozen_credentials()
    print(json.dumps({"ok": True, "access_key": c.access_key, "secret_len": len(c.secret_key), "has_token": bool(c.token)}))
except Exception as e:
    print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
"#;

async fn home() -> DemoHome {
    let demo = DemoHome::new(3, 2).await;
    let mut text = std::fs::read_to_string(&demo.paths().config).unwrap();
    text.push_str(
        "\n[profile root]\nsso_session = uoregon\nsso_account_id = 127027105832\n\
         sso_role_name = AWSAdministratorAccess\nregion = us-west-2\n\n\
         [profile long]\nrole_arn = arn:aws:iam::190098774915:role/Deploy\n\
         source_profile = root\nregion = us-west-2\nduration_seconds = 7200\n",
    );
    std::fs::write(&demo.paths().config, text).unwrap();
    let status = Command::new(BIN)
        .args([
            "chain",
            "root",
            "--role-arn",
            "arn:aws:iam::190098774915:role/Deploy",
            "--name",
            "deploy",
            "--region",
            "us-west-2",
            "--external-id",
            "uo-ci",
        ])
        .env_clear()
        .env("HOME", demo.home.path())
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    demo
}

async fn resolve(demo: &DemoHome, profile: &str) -> serde_json::Value {
    let out = tokio::process::Command::new(common::python())
        .env_clear()
        .envs(common::aws_child_env(
            demo.home.path(),
            &demo.sim.endpoint(),
        ))
        .env("AWS_ENDPOINT_URL_STS", demo.sim.endpoint())
        .args(["-c", RESOLVE, profile])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_assumes_the_role_through_the_simulators_sts() {
    let demo = home().await;
    let got = resolve(&demo, "deploy").await;
    assert_eq!(got["ok"], true, "{got}");
    assert_eq!(got["secret_len"], 40);
    assert_eq!(got["has_token"], true);

    let portal: Vec<_> = demo
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/federation/credentials")
        .collect();
    assert_eq!(portal.len(), 1, "{portal:?}");
    assert!(portal[0].query.contains("account_id=127027105832"));

    let calls = demo.sim.assume_role_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.status, 200);
    assert_eq!(
        call.role_arn.as_deref(),
        Some("arn:aws:iam::190098774915:role/Deploy")
    );
    assert_eq!(call.external_id.as_deref(), Some("uo-ci"));
    assert!(call
        .role_session_name
        .as_deref()
        .is_some_and(|s| s.starts_with("botocore-session-")));
    // Signed with the root's role credentials from the portal; the keys
    // botocore returns are the ones AssumeRole handed out.
    assert!(call
        .access_key_id
        .as_deref()
        .is_some_and(|k| k.starts_with("ASIA")));
    assert_eq!(
        got["access_key"].as_str(),
        call.issued_access_key_id.as_deref()
    );
    assert_ne!(call.access_key_id, call.issued_access_key_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_errors_reach_botocore_as_xml_error_responses() {
    let demo = home().await;
    let got = resolve(&demo, "long").await;
    assert_eq!(got["ok"], false, "{got}");
    let error = got["error"].as_str().unwrap();
    assert!(
        error.contains("ValidationError")
            && error
                .contains("exceeds the 1 hour session limit for roles assumed by role chaining"),
        "{error}"
    );
    let calls = demo.sim.assume_role_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].status, 400);
    assert_eq!(calls[0].duration_seconds.as_deref(), Some("7200"));
    assert_eq!(calls[0].issued_access_key_id, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_role_with_aws_sdk_sts_on_the_portals_role_credentials() {
    use uo_aws_tui::aws::sts::{assume_role, AssumeRole, RoleCredentials};
    let demo = DemoHome::new(3, 2).await;
    let token = uo_aws_tui::aws::token_cache::read_token(
        &uo_aws_tui::aws::token_cache::token_path(&demo.paths().sso_cache, "uoregon"),
    )
    .unwrap();
    let root = common::portal_client(&demo.sim)
        .get_role_credentials()
        .access_token(&token.access_token)
        .account_id("127027105832")
        .role_name("AWSAdministratorAccess")
        .send()
        .await
        .unwrap()
        .role_credentials
        .unwrap();
    let source = RoleCredentials {
        access_key_id: root.access_key_id.unwrap(),
        secret_access_key: root.secret_access_key.unwrap(),
        session_token: root.session_token.unwrap(),
        expiration: time::OffsetDateTime::from_unix_timestamp(root.expiration / 1000).unwrap(),
    };
    let role = AssumeRole {
        role_arn: "arn:aws:iam::190098774915:role/Deploy",
        role_session_name: "alice",
        external_id: Some("uo-ci"),
        duration: None,
    };
    let endpoint = demo.sim.endpoint();
    let got = assume_role(&source, &role, "us-west-2", Some(&endpoint))
        .await
        .unwrap();
    let calls = demo.sim.assume_role_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].access_key_id.as_ref(), Some(&source.access_key_id));
    assert_eq!(calls[0].role_session_name.as_deref(), Some("alice"));
    assert_eq!(calls[0].external_id.as_deref(), Some("uo-ci"));
    assert_eq!(
        Some(&got.access_key_id),
        calls[0].issued_access_key_id.as_ref()
    );
    assert_eq!(got.secret_access_key.len(), 40);
    let left = got.expiration - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::minutes(55) && left <= time::Duration::hours(1),
        "{left}"
    );
    assert!(!format!("{got:?}").contains(&got.secret_access_key));

    // A refusal is one line with the URL, the code and STS's message.
    let too_long = AssumeRole {
        duration: Some(std::time::Duration::from_secs(7200)),
        ..role
    };
    let error = assume_role(&source, &too_long, "us-west-2", Some(&endpoint))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains(&endpoint), "{error}");
    assert!(error.contains("ValidationError"), "{error}");
    assert!(error.contains("1 hour session limit"), "{error}");
}

const WHO_AM_I: &str = r#"
import json, sys
import botocore.session
s = botocore.session.Session(profile=sys.argv[1])
try:
    who = s.create_client("sts", region_name="us-west-2").get_caller_identity()
    print(json.dumps({"ok": True, "account": who["Account"], "arn": who["Arn"]}))
except Exception as e:
    print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
"#;

/// `aws sts get-caller-identity`, the check users run after a login, works
/// against the simulator: botocore's STS client signs with the SSO
/// profile's role credentials, then with the chained profile's assumed
/// ones, and each time hears the account and role it is; keys the
/// simulator never issued are refused as AWS refuses them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_caller_identity_names_the_account_and_role_of_the_credentials() {
    let demo = home().await;
    let who = |profile: &'static str| {
        let mut cmd = tokio::process::Command::new(common::python());
        cmd.env_clear()
            .envs(common::aws_child_env(
                demo.home.path(),
                &demo.sim.endpoint(),
            ))
            .env("AWS_ENDPOINT_URL_STS", demo.sim.endpoint())
            .args(["-c", WHO_AM_I, profile]);
        async move {
            let out = cmd.output().await.unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
        }
    };
    let root = who("root").await;
    assert_eq!(root["ok"], true, "{root}");
    assert_eq!(root["account"], "127027105832");
    assert!(
        root["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sts::127027105832:assumed-role/AWSAdministratorAccess/"),
        "{root}"
    );
    let deploy = who("deploy").await;
    assert_eq!(deploy["ok"], true, "{deploy}");
    assert_eq!(deploy["account"], "190098774915");
    assert!(
        deploy["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sts::190098774915:assumed-role/Deploy/"),
        "{deploy}"
    );
    std::fs::write(
        &demo.paths().credentials,
        "[keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
         aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .unwrap();
    let stranger = who("keys").await;
    assert_eq!(stranger["ok"], false, "{stranger}");
    assert!(
        stranger["error"]
            .as_str()
            .unwrap()
            .contains("InvalidClientTokenId"),
        "{stranger}"
    );
}
