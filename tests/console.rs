//! `uo-aws-tui console` and Ctrl-o against the simulator's sign-in
//! endpoints: getSigninToken with the role's credentials, the one-shot
//! redirect page (logout, then the sign-in URL) followed by a scripted
//! `BROWSER`, `--print`, and no secret on stderr or any command line.

mod common;
mod role_home;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use role_home::home;
use uo_aws_tui::sim::FederationCall;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `BROWSER` script that writes its arguments to `argv`, opens an idle
/// connection to the page's port and asks it for `/favicon.ico` (as
/// browsers do; the status goes to `other`), follows the page with curl
/// (redirects included) into `body`, and then renames its report into
/// `done` (the file a test waits for).
fn browser_script(dir: &Path) -> PathBuf {
    let script = dir.join("browser");
    let d = dir.display();
    std::fs::write(
        &script,
        format!(
            "#!/bin/bash\n\
             printf '%s\\n' \"$@\" > '{d}/argv'\n\
             hostport=${{1#http://}}; hostport=${{hostport%%/*}}\n\
             exec 3<>\"/dev/tcp/${{hostport%:*}}/${{hostport#*:}}\"\n\
             curl -s -o /dev/null -w '%{{http_code}}\\n' \"http://$hostport/favicon.ico\" > '{d}/other'\n\
             curl -sS -L --max-redirs 5 -o '{d}/body' -w '%{{http_code}}\\n' \"$1\" > '{d}/report' 2>&1\n\
             exec 3>&-\n\
             mv '{d}/report' '{d}/done'\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    script
}

/// Waits (up to 60 s) for `path` to appear.
fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn cached_credentials(cli_cache: &Path) -> serde_json::Value {
    let file = std::fs::read_dir(cli_cache)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a cache file");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    json["Credentials"].clone()
}

/// The sign-in calls were: getSigninToken with the cached role credentials,
/// the logout URL forwarding to the sign-in URL, and that sign-in URL.
fn assert_logout_then_login(calls: &[FederationCall], key: &str, endpoint: &str, dest: &str) {
    let actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["getSigninToken", "logout", "login"], "{calls:?}");
    assert!(calls.iter().all(|c| c.accepted), "{calls:?}");
    assert_eq!(calls[0].access_key_id.as_deref(), Some(key));
    let forward = calls[1].target.as_deref().unwrap();
    assert!(
        forward.starts_with(&format!("{endpoint}/federation?Action=login&")),
        "{forward}"
    );
    assert_eq!(calls[2].access_key_id.as_deref(), Some(key));
    assert_eq!(calls[2].target.as_deref(), Some(dest));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_writes_exactly_one_signin_url() {
    let h = home().await;
    let out = h.run(&["console", "ro", "--print"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let url = stdout.trim_end();
    let prefix = format!(
        "{}/federation?Action=login&Issuer=uo-aws-tui&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1&SigninToken=",
        h.sim.endpoint()
    );
    assert!(url.starts_with(&prefix), "{url}");
    let c = cached_credentials(&h.paths.cli_cache);
    let calls = h.sim.federation_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].action, "getSigninToken");
    assert!(calls[0].accepted);
    assert_eq!(calls[0].access_key_id.as_deref(), c["AccessKeyId"].as_str());
    // Nothing secret on stderr.
    let stderr = text(&out.stderr);
    let token = &url[prefix.len()..];
    for secret in [
        token,
        c["SecretAccessKey"].as_str().unwrap(),
        c["SessionToken"].as_str().unwrap(),
    ] {
        assert!(!stderr.contains(secret), "{stderr}");
    }
    // The URL signs in (the simulator knows its token).
    let page = Command::new("curl").args(["-sS", url]).output().unwrap();
    assert!(
        text(&page.stdout).contains("Signed in as ReadOnly in account 111122223333"),
        "{}",
        text(&page.stdout)
    );

    // A query (no profile of that name) resolves like `use`; --service and
    // --region choose the destination.
    let out = h.run(&[
        "console",
        "444455556666",
        "admin",
        "--service",
        "s3",
        "--region",
        "us-gov-west-1",
        "--print",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(
            "&Destination=https%3A%2F%2Fconsole.amazonaws-us-gov.com%2Fs3%2Fhome%3Fregion%3Dus-gov-west-1&"
        ),
        "{}",
        text(&out.stdout)
    );
    // getSigninToken, the login by curl above, then this getSigninToken.
    let calls = h.sim.federation_calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[2].action, "getSigninToken");
    assert!(calls.iter().all(|c| c.accepted), "{calls:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_gets_a_one_shot_page_that_logs_out_then_signs_in() {
    let h = home().await;
    let dir = tempfile::tempdir().unwrap();
    let browser = browser_script(dir.path());
    let out = h
        .bin(&["console", "ro", "--service", "s3"])
        .env("BROWSER", &browser)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    wait_for(&dir.path().join("done"));
    let report = std::fs::read_to_string(dir.path().join("done")).unwrap();
    assert_eq!(report, "200\n", "curl: {report}");
    let other = std::fs::read_to_string(dir.path().join("other")).unwrap();
    assert_eq!(other, "404\n", "any other request finds nothing");

    // The browser's command line holds only the loopback page.
    let argv = std::fs::read_to_string(dir.path().join("argv")).unwrap();
    let lines: Vec<&str> = argv.lines().collect();
    assert_eq!(lines.len(), 1, "{argv}");
    assert!(lines[0].starts_with("http://127.0.0.1:"), "{argv}");
    assert!(lines[0].contains("/console/"), "{argv}");
    assert!(!argv.contains("SigninToken") && !argv.contains("federation"));

    let dest = "https://console.aws.amazon.com/s3/home?region=eu-west-1";
    let c = cached_credentials(&h.paths.cli_cache);
    let key = c["AccessKeyId"].as_str().unwrap();
    assert_logout_then_login(&h.sim.federation_calls(), key, &h.sim.endpoint(), dest);
    let body = std::fs::read_to_string(dir.path().join("body")).unwrap();
    assert!(
        body.contains(&format!(
            "Signed in as ReadOnly in account 111122223333; destination {dest}"
        )),
        "{body}"
    );
    // The page answered once: asking again finds nothing there.
    let again = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", lines[0]])
        .output()
        .unwrap();
    assert_ne!(text(&again.stdout), "303");
    // stderr names the profile, never a secret.
    let stderr = text(&out.stderr);
    assert!(stderr.contains("the AWS console opened as ro"), "{stderr}");
    assert!(!stderr.contains("SigninToken") && !stderr.contains("/federation"));
    for secret in ["SecretAccessKey", "SessionToken"] {
        assert!(!stderr.contains(c[secret].as_str().unwrap()), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_o_in_the_picker_opens_the_console_as_the_row() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use uo_aws_tui::app::Outcome;
    use uo_aws_tui::exit::Exit;

    let demo = common::DemoHome::new(3, 2).await;
    let dir = tempfile::tempdir().unwrap();
    // The only test of this binary that reads BROWSER from its own process.
    std::env::set_var("BROWSER", browser_script(dir.path()));
    let (session, mut app) = demo.loaded_app().await;
    let before = std::fs::read(&demo.paths().config).unwrap();
    let outcome = app
        .handle_key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL))
        .expect("Ctrl-o ends the picker");
    let Outcome::Console(row) = &outcome else {
        panic!("{outcome:?}")
    };
    let role = row.role().unwrap().to_string();
    let account = row.account.id.clone();
    let exit = uo_aws_tui::picker::finish(&demo.env, &session, &app, outcome, &demo.request())
        .await
        .unwrap();
    assert_eq!(exit, Exit::Done(String::new()));
    wait_for(&dir.path().join("done"));
    let dest = "https://console.aws.amazon.com/console/home?region=us-west-2";
    let c = cached_credentials(&demo.paths().cli_cache);
    assert_eq!(c["AccountId"], account.as_str());
    let key = c["AccessKeyId"].as_str().unwrap();
    assert_logout_then_login(
        &demo.sim.federation_calls(),
        key,
        &demo.sim.endpoint(),
        dest,
    );
    let body = std::fs::read_to_string(dir.path().join("body")).unwrap();
    assert!(
        body.contains(&format!("Signed in as {role} in account {account}")),
        "{body}"
    );
    // Nothing was written to the config file.
    assert_eq!(std::fs::read(&demo.paths().config).unwrap(), before);
}
