//! `--output FILE`: what `--emit` prints goes into FILE, replaced atomically
//! and only when the command succeeds.

mod common;

use std::process::{Command, Output, Stdio};

use common::DemoHome;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

fn run(demo: &DemoHome, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("HOME", demo.home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO", demo.sim.endpoint())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", demo.sim.endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_use_leaves_the_output_file_alone_and_a_success_replaces_it() {
    let demo = DemoHome::new(40, 20).await;
    let file = demo.home.path().join("provider.tf");
    std::fs::write(&file, "# the old provider\n").unwrap();
    let path = file.to_str().unwrap();

    // Ambiguous: several rows match `admin`.
    let out = run(
        &demo,
        &["use", "--emit", "terraform", "--output", path, "admin"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# the old provider\n"
    );

    let out = run(
        &demo,
        &[
            "use",
            "--emit",
            "terraform",
            "--output",
            path,
            "127027105832_AWSAdministratorAccess",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("provider \"aws\""), "{written}");
    assert!(
        written.contains("127027105832_AWSAdministratorAccess"),
        "{written}"
    );

    let out = run(&demo, &["deactivate", "--emit", "fish", "--output", path]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("set -e AWS_PROFILE"));
}
