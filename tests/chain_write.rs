//! `uo-aws-tui chain`: the profile it writes through the config writer
//! (byte-preserving, marked), what it refuses, and botocore reading it as
//! `role_arn` + `source_profile` on an SSO profile.

mod common;

use std::process::{Command, Output, Stdio};

use common::DemoHome;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

const ROOT: &str = "\n[profile root]\nsso_session = uoregon\nsso_account_id = 127027105832\n\
sso_role_name = AWSAdministratorAccess\nregion = us-west-2\n";

fn run(demo: &DemoHome, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("HOME", demo.home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn config(demo: &DemoHome) -> String {
    std::fs::read_to_string(&demo.paths().config).unwrap()
}

async fn home_with_root() -> DemoHome {
    let demo = DemoHome::new(3, 2).await;
    let mut text = config(&demo);
    text.push_str(ROOT);
    std::fs::write(&demo.paths().config, text).unwrap();
    demo
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_writes_a_marked_profile_after_the_users_bytes() {
    let demo = home_with_root().await;
    let before = config(&demo);
    let out = run(
        &demo,
        &[
            "chain",
            "root",
            "--role-arn",
            "arn:aws:iam::190098774915:role/deploy/Deploy",
            "--external-id",
            "uo-ci",
            "--role-session-name",
            "alice",
            "--region",
            "eu-west-1",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "190098774915_Deploy\n");
    assert!(
        text(&out.stderr).contains("wrote [profile 190098774915_Deploy]"),
        "{}",
        text(&out.stderr)
    );
    let after = config(&demo);
    assert!(after.starts_with(&before), "{after}");
    assert_eq!(
        &after[before.len()..],
        "\n[profile 190098774915_Deploy]\nrole_arn = arn:aws:iam::190098774915:role/deploy/Deploy\n\
         source_profile = root\nexternal_id = uo-ci\nrole_session_name = alice\nregion = eu-west-1\n\
         uo_aws_tui_managed = true\n"
    );

    // Again: nothing changes. With another ARN and a name: only that key.
    let out = run(
        &demo,
        &[
            "chain",
            "root",
            "--role-arn",
            "arn:aws:iam::190098774915:role/deploy/Deploy",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(config(&demo), after);
    let out = run(
        &demo,
        &[
            "chain",
            "root",
            "--role-arn",
            "arn:aws:iam::190098774915:role/Other",
            "--name",
            "190098774915_Deploy",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        config(&demo),
        after.replace("role/deploy/Deploy", "role/Other")
    );
}

/// Without `--region`, `chain` writes the region `use` exports for the new
/// profile: its root's, else the sso-session's; so `aws --profile NAME`
/// finds one too (botocore takes no region from a source profile).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_without_region_writes_the_region_use_exports() {
    let demo = home_with_root().await;
    let mut users = config(&demo);
    users.push_str(
        "\n[profile eu]\nsso_session = uoregon\nsso_account_id = 127027105832\n\
         sso_role_name = AWSAdministratorAccess\nregion = eu-central-1\n\
         \n[profile bare]\nsso_session = uoregon\nsso_account_id = 127027105832\n\
         sso_role_name = AWSAdministratorAccess\n",
    );
    std::fs::write(&demo.paths().config, users).unwrap();
    let session_region = demo.session().region;
    let arn = "arn:aws:iam::190098774915:role/Deploy";
    for (source, name, region) in [
        ("eu", "on-eu", "eu-central-1"),
        ("bare", "on-bare", session_region.as_str()),
        // A chain on a chain: the root's region.
        ("on-eu", "on-on-eu", "eu-central-1"),
    ] {
        let out = run(&demo, &["chain", source, "--role-arn", arn, "--name", name]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let file = uo_aws_tui::aws::config::AwsFile::parse(
            &demo.paths().config,
            uo_aws_tui::aws::config::FileKind::Config,
            &config(&demo),
        )
        .unwrap();
        let section = file.profile(name).unwrap();
        assert_eq!(section.get("region"), Some(region), "{name}");

        let out = demo.run(&["use", name]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&format!("export AWS_REGION='{region}'")),
            "{name}: {}",
            text(&out.stdout)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_refuses_what_it_must_not_write() {
    let demo = home_with_root().await;
    let arn = "arn:aws:iam::190098774915:role/Deploy";
    assert_eq!(
        run(&demo, &["chain", "root", "--role-arn", arn, "--name", "a"])
            .status
            .code(),
        Some(0)
    );
    let before = config(&demo);
    for (args, says) in [
        // The user's own SSO profile is never turned into a chain.
        (
            vec!["chain", "root", "--role-arn", arn, "--name", "root"],
            "[profile root] exists and is no chained profile written by uo-aws-tui; nothing \
             written\n  to write the chain under another name, run: uo-aws-tui chain \
             --role-arn 'arn:aws:iam::190098774915:role/Deploy' --region 'us-west-2' --name NEW-NAME -- 'root'\n",
        ),
        (
            vec!["chain", "nowhere", "--role-arn", arn, "--name", "b"],
            "source profile nowhere does not exist",
        ),
        (
            vec![
                "chain",
                "root",
                "--role-arn",
                "arn:aws:iam::190098774915:user/Bob",
            ],
            "is no IAM role ARN",
        ),
        // An empty region: botocore builds no endpoint from it.
        (
            vec!["chain", "root", "--role-arn", arn, "--name", "c", "--region", ""],
            "is not a region name like us-west-2",
        ),
        (
            vec!["chain", "root", "--role-arn", arn, "--name", "c", "--region", "us west"],
            "is not a region name like us-west-2",
        ),
        // a → root exists; a chain `root`… of ours back onto itself loops.
        (
            vec!["chain", "a", "--role-arn", arn, "--name", "a"],
            "loops back",
        ),
    ] {
        let out = run(&demo, &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(config(&demo), before, "{args:?}");
    }
    // A refusal names the line of the profile where the chain breaks, or
    // no line at all: never a made-up line 1.
    let stderr = |args: &[&str]| text(&run(&demo, args).stderr);
    let missing = stderr(&["chain", "nowhere", "--role-arn", arn, "--name", "b"]);
    assert!(
        missing.contains("config: source profile nowhere"),
        "{missing}"
    );
    let line_of_a = before
        .lines()
        .position(|l| l == "[profile a]")
        .expect("a was written")
        + 1;
    let looped = stderr(&["chain", "a", "--role-arn", arn, "--name", "a"]);
    assert!(
        looped.contains(&format!("config:{line_of_a}: ")),
        "{looped}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_name_suggests_the_whole_command_and_it_writes_the_same_chain() {
    let demo = home_with_root().await;
    // A source whose name starts with `-`, and every option, one with `'`
    // and `$(…)`.
    let mut with_source = config(&demo);
    with_source.push_str(&ROOT.replace("[profile root]", "[profile -src]"));
    std::fs::write(&demo.paths().config, with_source).unwrap();
    let arn = "arn:aws:iam::190098774915:role/Deploy";
    let options = [
        "--role-arn",
        arn,
        "--external-id",
        "it's $(id)",
        "--role-session-name",
        "alice",
        "--region",
        "eu-central-1",
    ];
    let mut args = vec!["chain", "--name", "root"];
    args.extend(options);
    args.extend(["--", "-src"]);
    let before = config(&demo);
    let out = run(&demo, &args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(config(&demo), before);
    let hint = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("to write the chain under another name, run: ")
        })
        .unwrap_or_else(|| panic!("{stderr}"));
    // Pasted into a shell with a name filled in, it writes the chain that
    // was asked for.
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    let pasted = Command::new("bash")
        .args(["-c", &hint.replace("NEW-NAME", "renamed")])
        .env_clear()
        .env("HOME", demo.home.path())
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(pasted.status.code(), Some(0), "{}", text(&pasted.stderr));
    let mut expected = vec!["chain", "--name", "renamed"];
    expected.extend(options);
    expected.extend(["--", "-src"]);
    let written = config(&demo);
    std::fs::write(&demo.paths().config, &before).unwrap();
    assert_eq!(run(&demo, &expected).status.code(), Some(0));
    assert_eq!(config(&demo), written);
    assert!(written.contains("external_id = it's $(id)\n"), "{written}");
}

const READ: &str = r#"
import json, sys
import botocore.session
from botocore.credentials import create_credential_resolver
s = botocore.session.Session(profile=sys.argv[1])
scoped = s.get_scoped_config()
resolver = create_credential_resolver(s)
provider = resolver.get_provider("assume-role")
try:
    provider.load().get_frozen_credentials()
    error = None
except Exception as e:
    error = f"{type(e).__name__}: {e}"
print(json.dumps({
    "scoped": {k: scoped.get(k) for k in ("role_arn", "source_profile", "external_id", "role_session_name", "region")},
    "error": error,
}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn botocore_reads_the_written_profile_as_role_arn_and_source_profile() {
    let python = common::python();
    let demo = home_with_root().await;
    let out = run(
        &demo,
        &[
            "chain",
            "root",
            "--role-arn",
            "arn:aws:iam::190098774915:role/Deploy",
            "--role-session-name",
            "alice",
            "--name",
            "deploy",
            "--region",
            "us-west-2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // STS goes to a closed port on 127.0.0.1: botocore's assume-role
    // provider takes the profile, gets the root's role credentials from the
    // simulator's portal, then calls STS there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sts = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = tokio::process::Command::new(&python)
        .env_clear()
        .envs(common::aws_child_env(
            demo.home.path(),
            &demo.sim.endpoint(),
        ))
        .env("AWS_ENDPOINT_URL_STS", &sts)
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["-c", READ, "deploy"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got["scoped"],
        serde_json::json!({
            "role_arn": "arn:aws:iam::190098774915:role/Deploy",
            "source_profile": "root",
            "external_id": null,
            "role_session_name": "alice",
            "region": "us-west-2",
        })
    );
    let error = got["error"].as_str().unwrap_or_default();
    assert!(error.contains(&sts), "{got}");
    let fetched: Vec<_> = demo
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/federation/credentials")
        .collect();
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert!(fetched[0].query.contains("account_id=127027105832"));
}
