//! `--output FILE`: what `--emit` prints goes into FILE, replaced atomically
//! and only when the command succeeds.

mod common;

use common::DemoHome;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_use_leaves_the_output_file_alone_and_a_success_replaces_it() {
    let demo = DemoHome::new(40, 20).await;
    let file = demo.home.path().join("provider.tf");
    std::fs::write(&file, "# the old provider\n").unwrap();
    let path = file.to_str().unwrap();

    // Ambiguous: several rows match `admin`.
    let out = demo.run(&["use", "--emit", "terraform", "--output", path, "admin"]);
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

    let out = demo.run(&[
        "use",
        "--emit",
        "terraform",
        "--output",
        path,
        "127027105832_AWSAdministratorAccess",
    ]);
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

    let out = demo.run(&["deactivate", "--emit", "fish", "--output", path]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("set -e AWS_PROFILE"));
}
