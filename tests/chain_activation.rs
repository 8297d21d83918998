//! Chained profiles (`role_arn` + `source_profile` on an SSO profile)
//! through the real binary: `status --json` lists them under their root
//! session; `use`, `exec` and `pick --select-1` refresh the root's login and
//! export the chained profile itself.

mod common;

use std::time::Duration;

use common::DemoHome;
use time::OffsetDateTime;
use uo_aws_tui::aws::login::{self, Browser, Flow, LoginOptions, Oidc};
use uo_aws_tui::aws::token_cache::{read_token, token_path, write_token};

/// A root SSO profile of the demo session and two links on it: `deploy`
/// assumes a role from `root`, `audit` from `deploy`.
const CHAIN: &str = "\n[profile root]\nsso_session = uoregon\nsso_account_id = 127027105832\n\
sso_role_name = AWSAdministratorAccess\nregion = us-west-2\n\n\
[profile deploy]\nrole_arn = arn:aws:iam::190098774915:role/Deploy\nsource_profile = root\n\n\
[profile audit]\nrole_arn = arn:aws:iam::078264571805:role/ci/Audit\nsource_profile = deploy\n\
region = eu-west-1\n";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The demo home with [`CHAIN`] appended and a refreshable token (from a
/// device-code login at the simulator) that expires in two minutes, so the
/// next usable-token check refreshes it.
async fn chained_home() -> DemoHome {
    let demo = DemoHome::with_options(uo_aws_tui::sim::SimOptions {
        auto_approve_device: true,
        ..Default::default()
    })
    .await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(CHAIN);
    std::fs::write(&demo.paths().config, config).unwrap();
    let session = demo.session();
    let options = LoginOptions {
        flow: Flow::DeviceCode,
        open_browser: false,
        redirect_port: None,
        pkce_timeout: Duration::from_secs(60),
        browser: Browser::from_env(),
    };
    let oidc = Oidc::new("us-west-2", Some(&demo.sim.endpoint()));
    let mut token = login::login(&demo.paths().sso_cache, &session, &oidc, &options, &|_| {})
        .await
        .expect("device-code login");
    assert!(token.refresh_token.is_some());
    token.expires_at = OffsetDateTime::now_utc() + Duration::from_secs(120);
    write_token(&token_path(&demo.paths().sso_cache, "uoregon"), &token).unwrap();
    demo
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_chained_profiles_under_their_root_session() {
    let demo = chained_home().await;
    let out = demo.run(&["status", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let uo = &value.as_array().unwrap()[0];
    assert_eq!(uo["session"], "uoregon");
    assert_eq!(uo["state"], "expiring");
    assert_eq!(uo["profile_names"], serde_json::json!(["root"]));
    assert_eq!(
        uo["chained_profiles"],
        serde_json::json!(["deploy", "audit"])
    );
    let out = demo.run(&["status"]);
    assert!(
        text(&out.stdout)
            .contains("sso-session uoregon (expiring): chained profiles: deploy, audit\n"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_refreshes_the_root_and_exports_the_chained_profile() {
    let demo = chained_home().await;
    let path = token_path(&demo.paths().sso_cache, "uoregon");
    let before = read_token(&path).unwrap();
    let config_before = std::fs::read(&demo.paths().config).unwrap();
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 0);

    let out = demo.run(&["use", "audit"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "export AWS_PROFILE='audit'\nexport AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\n"
    );
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 1);
    let after = read_token(&path).unwrap();
    assert_ne!(after.access_token, before.access_token);
    assert!(after.expires_at > before.expires_at);
    // The chained profile is the SDK's to follow: nothing written.
    assert_eq!(std::fs::read(&demo.paths().config).unwrap(), config_before);

    // `deploy` has no region of its own: the root's.
    let out = demo.run(&["use", "--emit", "vars", "deploy"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "deploy\nus-west-2\n");
    // Fresh now: no second refresh.
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_and_pick_select_1_activate_the_chained_profile() {
    let demo = chained_home().await;
    let out = demo.run(&[
        "exec",
        "deploy",
        "--",
        "sh",
        "-c",
        "echo \"$AWS_PROFILE $AWS_REGION\"",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "deploy us-west-2\n");
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 1);

    let out = demo.run(&["pick", "--select-1", "--emit", "vars", "audit"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "audit\neu-west-1\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_roots_token_file_decides_with_no_refresh_and_no_login() {
    let demo = chained_home().await;
    // Two minutes left: usable as it is, so offline nothing is refreshed.
    let out = demo.run(&["exec", "--offline", "deploy", "--", "true"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = demo.run(&["use", "--offline", "--emit", "vars", "audit"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "audit\neu-west-1\n");
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 0);
    // Without a token, offline is exit 2 with the login hint, not a login.
    std::fs::remove_file(token_path(&demo.paths().sso_cache, "uoregon")).unwrap();
    let out = demo.run(&["exec", "--offline", "deploy", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("uo-aws-tui login --sso-session uoregon"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(demo.sim.oidc_counts().calls("refresh_token"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_chain_is_refused_with_the_doctor_hint() {
    let demo = DemoHome::new(3, 2).await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(
        "\n[profile lost]\nrole_arn = arn:aws:iam::190098774915:role/R\nsource_profile = gone\n",
    );
    std::fs::write(&demo.paths().config, config).unwrap();
    let out = demo.run(&["use", "lost"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("profile lost has source_profile = gone, which is no profile"),
        "{stderr}"
    );
    assert!(stderr.contains("run: uo-aws-tui doctor"), "{stderr}");
}

/// A stray empty `role_arn =` in an SSO profile makes botocore assume a
/// role (and fail for want of a source), so the profile is not handed over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sso_profile_with_an_empty_role_arn_is_refused() {
    let demo = DemoHome::new(3, 2).await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(
        "\n[profile stray]\nsso_session = uoregon\nsso_account_id = 127027105832\n\
         sso_role_name = AWSAdministratorAccess\nregion = us-west-2\nrole_arn =\n",
    );
    std::fs::write(&demo.paths().config, &config).unwrap();
    for args in [
        &["use", "stray"][..],
        &["exec", "stray", "--", "true"],
        &["pick", "--select-1", "stray"],
    ] {
        let out = demo.run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(
                "profile stray has role_arn but neither source_profile nor credential_source"
            ) && stderr.contains("run: uo-aws-tui doctor"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&demo.paths().config).unwrap(),
        config
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_the_sdk_could_not_follow_is_never_handed_over() {
    let demo = chained_home().await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(
        "\n[profile badarn]\nrole_arn = not-an-arn\nsource_profile = root\n\n\
         [profile ghost]\nsso_session = uoregon\nsso_account_id = 999999999999\n\
         sso_role_name = Nope\n\n\
         [profile onghost]\nrole_arn = arn:aws:iam::190098774915:role/R\nsource_profile = ghost\n",
    );
    std::fs::write(&demo.paths().config, config).unwrap();
    for args in [
        &["use", "badarn"][..],
        &["use", "--offline", "badarn"],
        &["exec", "badarn", "--", "true"],
        &["pick", "--select-1", "badarn"],
    ] {
        let out = demo.run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            text(&out.stderr).contains("role_arn = not-an-arn is no IAM role ARN"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // The root's role is not the session's: the portal says so before the
    // profile is handed over.
    for args in [&["use", "onghost"][..], &["exec", "onghost", "--", "true"]] {
        let out = demo.run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("starts from profile ghost (account 999999999999, role Nope)")
                && stderr.contains("No access"),
            "{args:?}: {stderr}"
        );
    }
    // A working chain still goes through, and its root's credentials are
    // the AWS CLI's cache entry the SDK reads next.
    let out = demo.run(&["use", "deploy"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_name_no_shell_variable_can_hold_is_refused() {
    let demo = chained_home().await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str("\n[profile ch\x1b[2J]\nrole_arn = arn:aws:iam::190098774915:role/R\nsource_profile = root\n");
    std::fs::write(&demo.paths().config, config).unwrap();
    for emit in ["posix", "vars"] {
        let out = demo.run(&["use", "--emit", emit, "ch\x1b[2J"]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("the profile name ch\\x1b[2J holds control")
                && !stderr.contains('\x1b'),
            "{stderr}"
        );
    }
}

/// A row whose profile name already has a `role_arn` (in either file, empty
/// or not) is never handed over: botocore would assume that role, not the
/// row's portal role. Nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_whose_profile_name_has_a_role_arn_is_refused() {
    let demo = DemoHome::new(3, 2).await;
    let out = demo.run(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &rows.as_array().unwrap()[0];
    let (account, role) = (
        row["account_id"].as_str().unwrap(),
        row["role_name"].as_str().unwrap(),
    );
    let name = format!("{account}_{role}");
    let query = format!("{account} {role}");
    let config_path = demo.paths().config.clone();
    let credentials_path = demo.paths().credentials.clone();
    let config = std::fs::read_to_string(&config_path).unwrap();
    let cases = [
        (
            format!(
                "{config}\n[profile {name}]\nrole_arn = arn:aws:iam::190098774915:role/R\n\
                 source_profile = elsewhere\n"
            ),
            None,
            config_path.clone(),
        ),
        (
            config.clone(),
            Some(format!("[{name}]\nrole_arn =\n")),
            credentials_path.clone(),
        ),
    ];
    for (config_text, credentials_text, file) in cases {
        std::fs::write(&config_path, &config_text).unwrap();
        match &credentials_text {
            Some(t) => std::fs::write(&credentials_path, t).unwrap(),
            None => {
                let _ = std::fs::remove_file(&credentials_path);
            }
        }
        for args in [
            &["use", account, role][..],
            &["use", "--no-write", account, role],
            &["exec", &query, "--", "true"],
        ] {
            let out = demo.run(args);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{args:?}");
            assert!(
                stderr.contains(&format!(
                    "profile {name} has role_arn at {}:",
                    file.display()
                )) && stderr.contains(&format!(
                    "instead of role {role} in account {account}: remove that role_arn line"
                )),
                "{args:?}: {stderr}"
            );
        }
        assert_eq!(std::fs::read_to_string(&config_path).unwrap(), config_text);
    }
    // Without it the row goes through.
    std::fs::write(&config_path, &config).unwrap();
    let _ = std::fs::remove_file(&credentials_path);
    let out = demo.run(&["use", account, role]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// A region botocore would refuse (an inline comment is part of the value)
/// is never handed over, whether `exec` runs a profile as it stands or
/// `use` activates a chain: exit 2, nothing printed or run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_that_is_no_region_name_is_never_handed_over() {
    let demo = chained_home().await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config = config.replace("region = eu-west-1\n", "region = eu-west-1 ; ireland\n");
    config.push_str(
        "\n[profile commented]\nsso_session = uoregon\nsso_account_id = 127027105832\n\
         sso_role_name = AWSAdministratorAccess\nregion = us-west-2 # oregon\n",
    );
    std::fs::write(&demo.paths().config, &config).unwrap();
    let marker = demo.home.path().join("ran");
    let touch = format!("touch {}", marker.display());
    for (args, region) in [
        (
            vec!["exec", "commented", "--", "sh", "-c", &touch],
            "us-west-2 # oregon",
        ),
        (vec!["use", "audit"], "eu-west-1 ; ireland"),
    ] {
        let out = demo.run(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            stderr.contains(&format!(
                "has region = {region}, which is no AWS region name"
            )),
            "{args:?}: {stderr}"
        );
    }
    assert!(!marker.exists(), "exec ran the command");
}

/// A `role_arn` the row's profile inherits from `[DEFAULT]` counts: botocore
/// assumes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_arn_from_default_is_refused_for_a_row() {
    let demo = DemoHome::new(3, 2).await;
    let out = demo.run(&["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &rows.as_array().unwrap()[0];
    let (account, role) = (
        row["account_id"].as_str().unwrap(),
        row["role_name"].as_str().unwrap(),
    );
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(
        "\n[DEFAULT]\nrole_arn = arn:aws:iam::111111111111:role/X\ncredential_source = Environment\n",
    );
    std::fs::write(&demo.paths().config, &config).unwrap();
    let out = demo.run(&["use", account, role]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("profile {account}_{role} has role_arn at")),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&demo.paths().config).unwrap(),
        config
    );
}

/// The root's keys are read as botocore reads them: a role the credentials
/// file's `[root]` names over the config's is the one checked, so a chain
/// botocore would fail on is refused, not handed over on the config's role.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roots_role_from_the_credentials_file_is_the_one_checked() {
    let demo = chained_home().await;
    std::fs::write(
        &demo.paths().credentials,
        "[root]\nsso_role_name = NoSuchRole\n",
    )
    .unwrap();
    for args in [&["use", "deploy"][..], &["credentials", "deploy"]] {
        let out = demo.run(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            stderr.contains("role NoSuchRole") || stderr.contains("No access"),
            "{args:?}: {stderr}"
        );
    }
    std::fs::remove_file(&demo.paths().credentials).unwrap();
    let out = demo.run(&["use", "deploy"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A chained profile only the credentials file has is one too.
    std::fs::write(
        &demo.paths().credentials,
        "[keyless]\nrole_arn = arn:aws:iam::190098774915:role/Deploy\nsource_profile = root\n",
    )
    .unwrap();
    let out = demo.run(&["use", "--emit", "profile", "keyless"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "keyless\n");
}

/// `AWS_SHARED_CREDENTIALS_FILE` is expanded as botocore expands it
/// (`$VAR` and `~`): a `role_arn` in the file it names is seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credentials_file_path_expands_variables_as_botocore_does() {
    let demo = DemoHome::new(3, 2).await;
    let out = demo.run(&["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &rows.as_array().unwrap()[0];
    let (account, role) = (
        row["account_id"].as_str().unwrap(),
        row["role_name"].as_str().unwrap(),
    );
    let elsewhere = demo.home.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("creds"),
        format!("[{account}_{role}]\nrole_arn = arn:aws:iam::111111111111:role/X\n"),
    )
    .unwrap();
    let out = demo.run_with(
        &["use", account, role],
        &[
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "$HOME/elsewhere/${CREDS_NAME}",
            ),
            ("CREDS_NAME", "creds"),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("elsewhere/creds:2"), "{stderr}");
}
