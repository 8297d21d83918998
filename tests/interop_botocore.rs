//! botocore, a real AWS client, resolves the profile we write to the
//! simulator's role credentials.

mod common;

const RESOLVE: &str = r#"
import json, sys
import botocore.session
s = botocore.session.Session(profile=sys.argv[1])
c = s.get_credentials().get_frozen_credentials()
print(json.dumps({
    "access_key": c.access_key,
    "secret_len": len(c.secret_key),
    "has_token": bool(c.token),
    "region": s.get_config_variable("region"),
}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_resolves_the_written_profile_to_role_credentials() {
    let python = common::python();
    let demo = common::DemoHome::new(40, 20).await;
    let (session, app) = demo.loaded_app().await;
    let sim = &demo.sim;
    let target = &sim.org().accounts[37];
    let role = target.roles.last().unwrap();
    let row = app
        .catalog()
        .rows()
        .iter()
        .find(|r| r.account.id == target.account_id && r.role() == Some(role.as_str()))
        .unwrap()
        .clone();
    let choice = demo.commit(&session, &row, app.catalog().rows());

    let out = tokio::process::Command::new(&python)
        .env_clear()
        .envs(common::aws_child_env(demo.home.path(), &sim.endpoint()))
        .args(["-c", RESOLVE, &choice.profile])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "botocore failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = got["access_key"].as_str().unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{got}");
    assert_eq!(got["secret_len"], 40);
    assert_eq!(got["has_token"], true);
    assert_eq!(got["region"], "us-west-2");

    // It asked the portal for exactly this account and role.
    let fetched = sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/federation/credentials")
        .collect::<Vec<_>>();
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert_eq!(fetched[0].status, 200);
    assert!(fetched[0]
        .query
        .contains(&format!("account_id={}", target.account_id)));
}
