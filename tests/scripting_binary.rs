//! The non-interactive commands through the real binary against the
//! simulator: `use`, `exec`, `list`.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::DemoHome;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

/// The binary with only what the demo home needs in its environment.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn config(demo: &DemoHome) -> String {
    std::fs::read_to_string(&demo.paths().config).unwrap()
}

// The first three accounts of the simulated organisation: UO Management
// (127027105832: AWSAdministratorAccess, Billing, AWSReadOnlyAccess),
// Security Tooling (190098774915) and Log Archive (078264571805).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_writes_and_prints_a_unique_match() {
    let demo = DemoHome::new(3, 2).await;
    let before = config(&demo);
    let out = demo.run(&["use", "management", "billing"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "export AWS_PROFILE='127027105832_Billing'\nexport AWS_REGION='us-west-2'\nexport AWS_DEFAULT_REGION='us-west-2'\n"
    );
    let after = config(&demo);
    assert!(after.starts_with(&before));
    assert!(after.contains(
        "[profile 127027105832_Billing]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Billing\nregion = us-west-2\n"
    ), "{after}");

    // An exact profile name, another emit and region, nothing written.
    let out = demo.run(&[
        "use",
        "--no-write",
        "--emit",
        "json",
        "--region",
        "eu-west-1",
        "190098774915_SecurityAudit",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["profile"], "190098774915_SecurityAudit");
    assert_eq!(json["account_name"], "Security Tooling");
    assert_eq!(json["region"], "eu-west-1");
    assert_eq!(config(&demo), after, "--no-write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_refuses_an_ambiguous_query_with_candidates() {
    let demo = DemoHome::new(3, 2).await;
    let before = config(&demo);
    let out = demo.run(&["use", "AWSAdministratorAccess"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("2 rows of sso-session uoregon match"),
        "{stderr}"
    );
    assert!(
        stderr.contains("127027105832_AWSAdministratorAccess  UO Management (127027105832)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("190098774915_AWSAdministratorAccess  Security Tooling (190098774915)"),
        "{stderr}"
    );
    assert_eq!(config(&demo), before, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_with_no_match_exits_1() {
    let demo = DemoHome::new(3, 2).await;
    let out = demo.run(&["use", "zzzz-nothing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("nothing in sso-session uoregon matches \"zzzz-nothing\""),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_passes_the_environment_stdio_and_exit_code() {
    let demo = DemoHome::new(3, 2).await;
    let script = "read -r line; printf '%s|%s|%s|%s|%s|%s|%s\\n' \"$AWS_PROFILE\" \"$AWS_REGION\" \
                  \"$AWS_DEFAULT_REGION\" \"${AWS_ACCESS_KEY_ID-unset}\" \"${AWS_SESSION_TOKEN-unset}\" \
                  \"${AWS_DEFAULT_PROFILE-unset}\" \"$KEEP\"; printf 'in:%s\\n' \"$line\"; echo err >&2; exit 7";
    let mut child = demo
        .command(&["exec", "management billing", "--", "sh", "-c", script])
        .env("AWS_ACCESS_KEY_ID", "AKIAOLD")
        .env("AWS_SESSION_TOKEN", "old")
        .env("AWS_DEFAULT_PROFILE", "someone-else")
        .env("KEEP", "kept")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "127027105832_Billing|us-west-2|us-west-2|unset|unset|unset|kept\nin:hello\n"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unset AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE"),
        "{stderr}"
    );
    assert!(stderr.ends_with("err\n"), "{stderr}");
    assert!(config(&demo).contains("[profile 127027105832_Billing]\n"));

    // An existing profile is used as it is, with its own region.
    let before = config(&demo).replace(
        "sso_role_name = Billing\nregion = us-west-2",
        "sso_role_name = Billing\nregion = ca-central-1",
    );
    std::fs::write(&demo.paths().config, &before).unwrap();
    let out = demo.run(&[
        "exec",
        "127027105832_Billing",
        "--",
        "sh",
        "-c",
        "echo \"$AWS_PROFILE $AWS_REGION\"",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "127027105832_Billing ca-central-1\n");
    assert_eq!(config(&demo), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_gives_127_for_a_missing_command_and_1_for_an_ambiguous_query() {
    let demo = DemoHome::new(3, 2).await;
    let out = demo.run(&["exec", "management billing", "--", "no-such-command-uoa"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("no-such-command-uoa: command not found"),
        "{}",
        text(&out.stderr)
    );

    let out = demo.run(&["exec", "admin", "--", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("match \"admin\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_json_and_tsv() {
    let demo = DemoHome::new(3, 2).await;
    assert_eq!(
        demo.run(&["use", "078264571805_AWSReadOnlyAccess"])
            .status
            .code(),
        Some(0)
    );

    let out = demo.run(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 8, "3 + 3 + 2 roles");
    assert_eq!(
        rows[0],
        serde_json::json!({
            "account_id": "078264571805",
            "account_name": "Log Archive",
            "email": "aws-log-archive@uoregon.edu",
            "role_name": "AWSReadOnlyAccess",
            "profile": "078264571805_AWSReadOnlyAccess",
            "profile_exists": true,
        }),
        "base order: account name first"
    );
    assert!(rows[1..].iter().all(|r| r["profile_exists"] == false));
    let read_only = rows
        .iter()
        .find(|r| r["role_name"] == "Read=Only,Audit")
        .unwrap();
    assert_eq!(read_only["profile"], "078264571805_Read-Only-Audit");

    let out = demo.run(&["list", "--tsv", "security"]);
    assert_eq!(out.status.code(), Some(0));
    let tsv = text(&out.stdout);
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next(),
        Some("account_id\taccount_name\temail\trole_name\tprofile\tprofile_exists")
    );
    let body: Vec<&str> = lines.collect();
    assert_eq!(body.len(), 3, "{tsv}");
    assert!(body
        .iter()
        .all(|l| l.split('\t').count() == 6 && l.starts_with("190098774915\tSecurity Tooling\t")));

    let out = demo.run(&["list", "zzzz-nothing"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout).lines().count(), 1, "only the header");
}

#[test]
fn every_subcommand_help_shows_an_example() {
    for sub in [
        "pick", "demo", "login", "logout", "init", "use", "exec", "list",
    ] {
        let out = Command::new(BIN).args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub}");
        assert!(text(&out.stdout).contains("Examples:"), "{sub}");
    }
}

/// The backups directory of the demo home (Linux data dir under HOME).
fn backups(demo: &DemoHome) -> Vec<std::path::PathBuf> {
    let dir = demo.home.path().join(".local/share/uo-aws-tui/backups");
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    found.retain(|p| p.extension().is_some_and(|e| e == "bak"));
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn populate_dry_run_writes_nothing_and_shows_a_diff() {
    let demo = DemoHome::new(3, 2).await;
    let before = config(&demo);
    let out = demo.run(&["populate", "--dry-run", "security"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    let config_path = demo.paths().config.display().to_string();
    assert!(
        diff.starts_with(&format!("--- {config_path}\n+++ {config_path}\n@@ ")),
        "{diff}"
    );
    for role in ["AWSAdministratorAccess", "SecurityAudit", "Read-Only-Audit"] {
        assert!(
            diff.contains(&format!("+[profile 190098774915_{role}]\n")),
            "{diff}"
        );
    }
    assert!(diff.contains("+uo_aws_tui_managed = true\n"));
    assert!(text(&out.stderr).contains("3 added, 0 already present, 0 removed"));
    assert_eq!(config(&demo), before, "a dry run writes nothing");
    assert!(backups(&demo).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn populate_twice_gives_identical_bytes() {
    let demo = DemoHome::new(3, 2).await;
    let out = demo.run(&["populate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().count(),
        8,
        "{}",
        text(&out.stdout)
    );
    let first = config(&demo);
    assert_eq!(first.matches("uo_aws_tui_managed = true\n").count(), 8);
    assert_eq!(backups(&demo).len(), 1, "one edit, one backup");

    let out = demo.run(&["populate"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("0 added, 8 already present, 0 removed"));
    assert_eq!(config(&demo), first, "byte-identical");
    assert_eq!(backups(&demo).len(), 1, "no write, no backup");
    let out = demo.run(&["populate", "--dry-run", "--prune"]);
    assert!(out.stdout.is_empty(), "an empty diff");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn populate_prune_removes_only_our_stale_profiles() {
    let demo = DemoHome::new(3, 2).await;
    let mut original = config(&demo);
    original.push_str(
        "\n# my own, for an account that is gone\n[profile mine]\nsso_session = uoregon\nsso_account_id = 999999999999\nsso_role_name = Gone\n\
         \n[profile 999999999999_Gone]\nsso_session = uoregon\nsso_account_id = 999999999999\nsso_role_name = Gone\nregion = us-west-2\nuo_aws_tui_managed = true\n\
         \n[profile 127027105832_Retired]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Retired\nregion = us-west-2\nuo_aws_tui_managed = true\n\
         \n[profile other-session]\nsso_session = elsewhere\nsso_account_id = 999999999999\nsso_role_name = Gone\nuo_aws_tui_managed = true\n",
    );
    std::fs::write(&demo.paths().config, &original).unwrap();

    let out = demo.run(&["populate", "--prune", "zzzz-nothing"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "removed 999999999999_Gone\nremoved 127027105832_Retired\n"
    );
    let after = config(&demo);
    assert!(after.contains("# my own, for an account that is gone\n[profile mine]\n"));
    assert!(
        after.contains("[profile other-session]"),
        "another session's"
    );
    assert!(!after.contains("999999999999_Gone") && !after.contains("Retired"));
    // Removing is byte-preserving: the text is the original minus the two sections.
    let expected = original
        .replace(
            "\n[profile 999999999999_Gone]\nsso_session = uoregon\nsso_account_id = 999999999999\nsso_role_name = Gone\nregion = us-west-2\nuo_aws_tui_managed = true\n",
            "",
        )
        .replace(
            "\n[profile 127027105832_Retired]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Retired\nregion = us-west-2\nuo_aws_tui_managed = true\n",
            "",
        );
    assert_eq!(after, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_written_by_use_are_ours_but_a_users_profile_never_becomes_ours() {
    let demo = DemoHome::new(3, 2).await;
    let mut text = config(&demo);
    text.push_str("\n[profile 127027105832_Billing]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Billing\nregion = eu-west-1\n");
    std::fs::write(&demo.paths().config, &text).unwrap();
    assert_eq!(
        demo.run(&["use", "127027105832_Billing"]).status.code(),
        Some(0)
    );
    assert_eq!(
        demo.run(&["use", "190098774915_SecurityAudit"])
            .status
            .code(),
        Some(0)
    );
    let after = config(&demo);
    assert!(after.contains(
        "[profile 127027105832_Billing]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Billing\nregion = eu-west-1\n"
    ), "the user's region is kept: {after}");
    assert_eq!(after.matches("uo_aws_tui_managed").count(), 1, "{after}");
    assert!(after.ends_with(
        "sso_role_name = SecurityAudit\nregion = us-west-2\nuo_aws_tui_managed = true\n"
    ));
}

/// Writes `~/.config/uo-aws-tui/settings.ini` (the Linux location) of the demo home.
fn write_settings(demo: &DemoHome, text: &str) -> std::path::PathBuf {
    let dir = demo.home.path().join(".config/uo-aws-tui");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("settings.ini");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_template_region_and_session_are_used() {
    let demo = DemoHome::new(3, 2).await;
    write_settings(
        &demo,
        "# mine\nregion = eu-central-1\nprofile_template = {sso_session}.{account_name}.{role_name}\nconcurrency = 2\n",
    );
    let out = demo.run(&["use", "--emit", "vars", "management", "billing"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "uoregon.UO-Management.Billing\neu-central-1\n"
    );
    assert!(config(&demo).contains(
        "[profile uoregon.UO-Management.Billing]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Billing\nregion = eu-central-1\n"
    ));
    // The command line wins over the settings.
    let out = demo.run(&[
        "use",
        "--no-write",
        "--emit",
        "vars",
        "--region",
        "us-east-2",
        "uoregon.UO-Management.Billing",
    ]);
    assert_eq!(
        text(&out.stdout),
        "uoregon.UO-Management.Billing\nus-east-2\n"
    );

    let out = demo.run(&["list", "--tsv", "management", "billing"]);
    assert!(text(&out.stdout).contains("\tuoregon.UO-Management.Billing\ttrue\n"));

    write_settings(&demo, "sso_session = elsewhere\n");
    let out = demo.run(&["list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no [sso-session elsewhere]"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_setting_names_the_file_and_line() {
    let demo = DemoHome::new(3, 2).await;
    let path = write_settings(&demo, "region = us-west-2\n\nconcurrency = many\n");
    for args in [&["list"][..], &["use", "x"], &["populate"], &["pick"]] {
        let out = demo.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("{}:3: concurrency", path.display())),
            "{args:?}: {stderr}"
        );
    }
    write_settings(&demo, "regoin = us-west-2\n");
    let stderr = text(&demo.run(&["list"]).stderr);
    assert!(
        stderr.contains(&format!("{}:1: unknown key \"regoin\"", path.display())),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn populate_reports_a_name_collision_with_both_rows() {
    let demo = DemoHome::new(3, 2).await;
    write_settings(&demo, "profile_template = {account_name}\n");
    let before = config(&demo);
    let out = demo.run(&["populate", "log"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "profile name Log-Archive is shared by account 078264571805 (Log Archive) role AWSReadOnlyAccess and account 078264571805 (Log Archive) role Read=Only,Audit"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nothing written"));
    assert_eq!(config(&demo), before);
}

#[test]
fn completions_parse_in_their_shells() {
    for (shell, check) in [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")] {
        let out = Command::new(BIN)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let script = text(&out.stdout);
        assert!(
            script.contains(&format!("UO_AWS_TUI_COMPLETE={shell}")),
            "{shell}"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("completions");
        std::fs::write(&file, &script).unwrap();
        let status = Command::new(shell)
            .arg(check)
            .arg(&file)
            .status()
            .unwrap_or_else(|e| panic!("{shell} is needed by this test: {e}"));
        assert!(status.success(), "{shell}");
    }
}

/// Appends `text` to the demo home's config file.
fn append_config(demo: &DemoHome, text: &str) {
    let mut config = config(demo);
    config.push_str(text);
    std::fs::write(&demo.paths().config, config).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_profiles_region_is_kept_by_use_exec_and_pick() {
    let demo = DemoHome::new(3, 2).await;
    write_settings(&demo, "region = eu-central-1\n");
    append_config(
        &demo,
        "\n[profile 127027105832_Billing]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Billing\nregion = us-east-1\n",
    );
    let before = config(&demo);
    let out = demo.run(&["use", "--emit", "vars", "127027105832_Billing"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "127027105832_Billing\nus-east-1\n");
    assert_eq!(config(&demo), before, "the profile's region is kept");

    let out = demo.run(&["use", "--emit", "vars", "management", "billing"]);
    assert_eq!(text(&out.stdout), "127027105832_Billing\nus-east-1\n");
    let out = demo.run(&[
        "pick",
        "--select-1",
        "--emit",
        "vars",
        "management",
        "billing",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "127027105832_Billing\nus-east-1\n");
    let out = demo.run(&[
        "exec",
        "management billing",
        "--",
        "sh",
        "-c",
        "printf '%s' \"$AWS_REGION\"",
    ]);
    assert_eq!(text(&out.stdout), "us-east-1", "{}", text(&out.stderr));
    assert_eq!(config(&demo), before);

    // A new profile gets the settings' region; --region wins over everything.
    let out = demo.run(&["use", "--emit", "vars", "management", "readonly"]);
    assert_eq!(
        text(&out.stdout),
        "127027105832_AWSReadOnlyAccess\neu-central-1\n"
    );
    let out = demo.run(&[
        "use",
        "--emit",
        "vars",
        "--region",
        "ap-south-1",
        "127027105832_Billing",
    ]);
    assert_eq!(text(&out.stdout), "127027105832_Billing\nap-south-1\n");
    assert!(config(&demo).contains("sso_role_name = Billing\nregion = ap-south-1\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_on_an_existing_profile_without_a_region_uses_the_settings_region() {
    let demo = DemoHome::new(3, 2).await;
    write_settings(&demo, "region = eu-central-1\n");
    append_config(
        &demo,
        "\n[profile mine]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Billing\n",
    );
    let out = demo.run(&[
        "exec",
        "mine",
        "--",
        "sh",
        "-c",
        "printf '%s' \"$AWS_REGION\"",
    ]);
    assert_eq!(text(&out.stdout), "eu-central-1", "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_written_or_run_on_a_config_botocore_rejects() {
    let demo = DemoHome::new(3, 2).await;
    let base = config(&demo);
    let line = base.lines().count() + 5;
    for broken in [
        // A duplicated section elsewhere in the file.
        "\n[profile mine]\nregion = us-east-1\n\n[profile mine]\nregion = us-east-2\n",
        // A key set twice in one section.
        "\n[profile mine]\nregion = us-east-1\noutput = json\nregion = us-east-2\n",
    ] {
        std::fs::write(&demo.paths().config, format!("{base}{broken}")).unwrap();
        let before = std::fs::read(&demo.paths().config).unwrap();
        let marker = demo.home.path().join("ran");
        let runs: [&[&str]; 5] = [
            &["use", "127027105832_Billing"],
            &["use", "--no-write", "management", "billing"],
            &["pick", "--select-1", "management", "billing"],
            &["populate"],
            &[
                "exec",
                "management billing",
                "--",
                "touch",
                marker.to_str().unwrap(),
            ],
        ];
        for args in runs {
            let out = demo.run(args);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{args:?}");
            assert!(
                stderr.contains(&format!("{}:{line}", demo.paths().config.display())),
                "{args:?}: file:line in {stderr}"
            );
            assert!(stderr.contains("fix: "), "{args:?}: {stderr}");
            assert_eq!(
                std::fs::read(&demo.paths().config).unwrap(),
                before,
                "{args:?}: bytes unchanged"
            );
            assert!(!marker.exists(), "{args:?}: nothing ran");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finding_about_the_chosen_profile_is_said_on_stderr_and_strict_refuses() {
    let demo = DemoHome::new(3, 2).await;
    std::fs::write(
        &demo.paths().credentials,
        "[127027105832_Billing]\naws_access_key_id = AKIASTALE\naws_secret_access_key = old\n",
    )
    .unwrap();
    let credentials = format!("{}:1", demo.paths().credentials.display());
    let marker = demo.home.path().join("ran");
    let runs: [&[&str]; 3] = [
        &["use", "management", "billing"],
        &["pick", "--select-1", "management", "billing"],
        &[
            "exec",
            "management billing",
            "--",
            "touch",
            marker.to_str().unwrap(),
        ],
    ];
    for args in runs {
        let out = demo.run(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("error credentials-shadow {credentials}")),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("fix: delete [127027105832_Billing] from"),
            "{args:?}: {stderr}"
        );
    }
    assert!(marker.exists(), "exec ran the command after the warning");
    std::fs::remove_file(&marker).unwrap();

    let strict: [&[&str]; 3] = [
        &["use", "--strict", "management", "billing"],
        &["pick", "--strict", "--select-1", "management", "billing"],
        &[
            "exec",
            "--strict",
            "management billing",
            "--",
            "touch",
            marker.to_str().unwrap(),
        ],
    ];
    for args in strict {
        let out = demo.run(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr.contains("credentials-shadow"), "{args:?}: {stderr}");
        assert!(stderr.contains("--strict"), "{args:?}: {stderr}");
    }
    assert!(!marker.exists(), "exec --strict ran nothing");

    // A profile without findings: nothing said.
    let out = demo.run(&["use", "--strict", "management", "readonly"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("error "),
        "{}",
        text(&out.stderr)
    );
}
