//! settings.ini through the real binary: a bad file stops every command but
//! `doctor` (which reports it), `init`, `completions` and `--help`; a byte
//! order mark is accepted; `login` and `logout` take its `sso_session`.

mod common;

use std::process::Output;

use common::DemoHome;

fn write_settings(demo: &DemoHome, text: &str) -> std::path::PathBuf {
    let dir = demo.home.path().join(".config/uo-aws-tui");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("settings.ini");
    std::fs::write(&path, text).unwrap();
    path
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_settings_file_stops_every_command_but_doctor_init_completions_and_help() {
    let demo = DemoHome::new(5, 20).await;
    let path = write_settings(&demo, "concurrency = 8\nsso_sesion = uoregon\n");
    let at = format!("{}:2:", path.display());
    for args in [
        &["list"][..],
        &["status"],
        &["login", "--use-device-code", "--no-browser"],
        &["logout"],
        &["use", "admin"],
        &["exec", "admin", "--", "true"],
        &["populate", "--dry-run"],
        &["pick"],
        &["deactivate"],
        &[],
    ] {
        let out = demo.run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(&at), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = demo.run(&["doctor"]);
    assert!(stderr(&out).contains(&at), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(1));
    for args in [
        &["init", "bash"][..],
        &["completions", "bash"],
        &["--help"],
        &["list", "--help"],
    ] {
        let out = demo.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_byte_order_mark_is_accepted() {
    let demo = DemoHome::new(5, 20).await;
    write_settings(&demo, "\u{feff}sso_session = uoregon\n");
    let out = demo.run(&["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_logout_take_the_settings_session() {
    let demo = DemoHome::new(5, 20).await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(
        "\n[sso-session other]\nsso_start_url = https://d-0000000000.awsapps.com/start\nsso_region = us-west-2\n",
    );
    std::fs::write(&demo.paths().config, config).unwrap();
    // Two sessions and no choice: refused.
    let out = demo.run(&["logout"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("several sso-sessions"),
        "{}",
        stderr(&out)
    );

    write_settings(&demo, "sso_session = uoregon\n");
    let out = demo.run(&["logout"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Removed 1 token file(s)"),
        "{}",
        stderr(&out)
    );
    // login chooses the settings' session too (one that does not exist
    // here, so it ends before any sign-in).
    write_settings(&demo, "sso_session = nosuch\n");
    let out = demo.run(&["login", "--use-device-code", "--no-browser"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no [sso-session nosuch]"),
        "{}",
        stderr(&out)
    );
}
