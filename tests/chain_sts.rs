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
