//! `populate` through the real binary against a simulator whose role names
//! are hostile: a row it cannot write is skipped with an escaped warning,
//! every other row is written, and the exit status says rows were skipped.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::sim::{Org, SimAccount, SimOptions, Simulator};

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

fn account(id: &str, name: &str, roles: &[&str]) -> SimAccount {
    SimAccount {
        account_id: id.into(),
        account_name: name.into(),
        email_address: format!("aws-{id}@example.edu"),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_with_a_line_break_a_control_character_or_a_comment_are_skipped_and_the_rest_written()
{
    let org = Org {
        accounts: vec![
            // "Read\nOnly" would be named like "Read-Only": skipped, it
            // does not stop "Read-Only" as a name collision would.
            account(
                "111111111111",
                "Lab",
                &["Admin", "Read\nOnly", "Ops #1", "Read-Only"],
            ),
            account("222222222222", "Bell\u{7}Corp", &["Bell\u{7}", "Viewer"]),
        ],
    };
    let sim = Simulator::start_with_org(
        SimOptions::default(),
        org,
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("simulator starts");
    let home = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(home.path());
    uo_aws_tui::demo::write_demo_files(&paths, &sim.issue_access_token(Duration::from_secs(3600)))
        .unwrap();
    let out = Command::new(BIN)
        .arg("populate")
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO", sim.endpoint())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", sim.endpoint())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(uo_aws_tui::commands::populate::SKIPPED_EXIT.into()),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        // Base order: account name first ("Bell…" before "Lab").
        "added 222222222222_Viewer\nadded 111111111111_Admin\nadded 111111111111_Read-Only\n"
    );
    for skipped in [
        "warning: skipped account 111111111111 (Lab) role Read\\nOnly: cannot write sso_role_name",
        "warning: skipped account 111111111111 (Lab) role Ops #1: cannot write sso_role_name",
        "warning: skipped account 222222222222 (Bell\\x07Corp) role Bell\\x07: cannot write sso_role_name",
    ] {
        assert!(stderr.contains(skipped), "{skipped:?} in:\n{stderr}");
    }
    assert!(
        stderr.contains("3 added, 0 already present, 0 removed, 3 skipped"),
        "{stderr}"
    );
    assert!(
        !stderr.chars().any(|c| c.is_control() && c != '\n'),
        "stderr is escaped: {stderr:?}"
    );
    let config = uo_aws_tui::aws::config::AwsFile::load(
        &paths.config,
        uo_aws_tui::aws::config::FileKind::Config,
    )
    .unwrap();
    for (profile, role) in [
        ("111111111111_Admin", "Admin"),
        ("111111111111_Read-Only", "Read-Only"),
        ("222222222222_Viewer", "Viewer"),
    ] {
        let section = config.profile(profile).expect(profile);
        assert_eq!(section.get("sso_role_name"), Some(role));
    }
    assert!(config.profile("111111111111_Ops--1").is_none());
    assert!(config.profile("222222222222_Bell-").is_none());
}

/// A row whose profile name has a `role_arn` in the credentials file is
/// skipped (botocore would assume that role); a `role_arn` in the config's
/// `[DEFAULT]`, which every new profile would inherit, stops populate with
/// nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_whose_profile_would_assume_another_role_are_not_written() {
    let org = Org {
        accounts: vec![account("111111111111", "Lab", &["Admin", "Viewer"])],
    };
    let sim = Simulator::start_with_org(
        SimOptions::default(),
        org,
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("simulator starts");
    let home = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(home.path());
    uo_aws_tui::demo::write_demo_files(&paths, &sim.issue_access_token(Duration::from_secs(3600)))
        .unwrap();
    let populate = || {
        Command::new(BIN)
            .arg("populate")
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO", sim.endpoint())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", sim.endpoint())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let config = std::fs::read_to_string(&paths.config).unwrap();
    std::fs::write(
        &paths.config,
        format!("{config}\n[DEFAULT]\nrole_arn = arn:aws:iam::999999999999:role/X\n"),
    )
    .unwrap();
    let before = std::fs::read(&paths.config).unwrap();
    let out = populate();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("[DEFAULT] sets role_arn"), "{stderr}");
    assert_eq!(std::fs::read(&paths.config).unwrap(), before);

    std::fs::write(&paths.config, &config).unwrap();
    std::fs::write(
        &paths.credentials,
        "[111111111111_Admin]\nrole_arn = arn:aws:iam::999999999999:role/X\n",
    )
    .unwrap();
    let out = populate();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(uo_aws_tui::commands::populate::SKIPPED_EXIT.into()),
        "{stderr}"
    );
    assert!(
        stderr.contains("skipped 111111111111_Admin: it has role_arn at")
            && stderr.contains("1 added, 0 already present, 0 removed, 1 skipped"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "added 111111111111_Viewer\n"
    );
}
