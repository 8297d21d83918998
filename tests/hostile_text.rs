//! Text from outside never reaches the terminal raw and secrets never reach
//! a message: every command of the real binary, against the simulator
//! loaded with hostile names, emails and role names, against a hostile
//! portal answering with hostile error messages and malformed bodies, and
//! with token files whose fields are not strings.

use std::net::SocketAddr;
use std::process::Output;
use std::time::Duration;

mod common;

use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::token_cache::token_path;
use uo_aws_tui::output::is_hidden;
use uo_aws_tui::sim::{Org, SimAccount, SimOptions, Simulator};

/// CSI (clear screen, colours), OSC 52 (clipboard) ended by BEL, C1 CSI,
/// DEL, right-to-left override, isolates, zero-width space and joiner, BOM.
const CSI: &str = "\u{1b}[31mALERT\u{1b}[0m\u{1b}[2J";
const OSC52: &str = "\u{1b}]52;c;cHduZWQ=\u{7}";
const C1: &str = "\u{9b}31m\u{85}\u{7f}";
const BIDI: &str = "\u{202e}nimda\u{202c}\u{2066}x\u{2069}";
const ZERO_WIDTH: &str = "a\u{200b}b\u{200d}c\u{feff}";

fn account(id: &str, name: &str, email: &str, roles: &[&str]) -> SimAccount {
    SimAccount {
        account_id: id.into(),
        account_name: name.into(),
        email_address: email.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

fn run(home: &std::path::Path, endpoint: &str, args: &[&str]) -> Output {
    common::binary_in(home, endpoint, args).output().unwrap()
}

/// The first hidden character (other than a line break or a tab) of
/// `bytes`, with the bytes that are not UTF-8 counted as hidden.
fn first_hidden(bytes: &[u8]) -> Option<String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Some(format!("invalid UTF-8 at {}", e.valid_up_to())),
    };
    text.chars()
        .find(|&c| c != '\n' && c != '\t' && is_hidden(c))
        .map(|c| format!("U+{:04X}", c as u32))
}

/// Both streams of `out` free of raw hidden characters.
fn assert_clean(what: &str, out: &Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert_eq!(
            first_hidden(bytes),
            None,
            "{what}: {stream} carries a raw hidden character:\n{}",
            String::from_utf8_lossy(bytes).escape_debug()
        );
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn hostile_org() -> Org {
    Org {
        accounts: vec![
            account(
                "111111111111",
                &format!("Red{CSI}{OSC52}"),
                &format!("ops{OSC52}{C1}@example.edu"),
                &[
                    "Admin",
                    &format!("Ops{BIDI}"),
                    &format!("Zero{ZERO_WIDTH}"),
                    &format!("C1{C1}"),
                ],
            ),
            account(
                "222222222222",
                &format!("Bidi{BIDI}{ZERO_WIDTH}"),
                &format!("x{CSI}@example.edu"),
                &["Viewer"],
            ),
            // Its roles fail: the warning names the hostile account.
            account(
                "333333333333",
                &format!("Failing{OSC52}{BIDI}"),
                "f@example.edu",
                &["Viewer"],
            ),
        ],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_command_lets_hostile_names_reach_the_terminal_raw() {
    let sim = Simulator::start_with_org(
        SimOptions {
            failing_accounts: vec!["333333333333".into()],
            ..SimOptions::default()
        },
        hostile_org(),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("simulator starts");
    let home = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(home.path());
    uo_aws_tui::demo::write_demo_files(&paths, &sim.issue_access_token(Duration::from_secs(3600)))
        .unwrap();
    let endpoint = sim.endpoint();
    let cases: &[&[&str]] = &[
        &["list"],
        &["list", "--json"],
        &["list", "--tsv"],
        &["use", "111111111111_Admin", "--emit", "posix"],
        &["use", "111111111111_Admin", "--emit", "fish"],
        &["use", "111111111111_Admin", "--emit", "profile"],
        &["use", "111111111111_Admin", "--emit", "json"],
        &["use", "111111111111_Admin", "--emit", "terraform"],
        &["use", "111111111111_Admin", "--emit", "vars"],
        // Several matches: the candidate list on stderr.
        &["use", "111111111111"],
        &["populate", "--dry-run"],
        &["populate"],
        &["status"],
        &["status", "--json"],
        &["doctor"],
        &["doctor", "--json"],
    ];
    let mut outputs = Vec::new();
    for args in cases {
        let out = run(home.path(), &endpoint, args);
        assert_clean(&args.join(" "), &out);
        outputs.push((args.join(" "), out));
    }
    let find = |what: &str| &outputs.iter().find(|(a, _)| a == what).unwrap().1;
    // The hostile text is there, shown escaped, in each format.
    let table = text(&find("list").stdout);
    assert!(table.contains("Red\\x1b[31mALERT"), "{table}");
    assert!(table.contains("Ops\\u{202e}nimda"), "{table}");
    let warning = text(&find("list").stderr);
    assert!(
        warning.contains("333333333333")
            && warning.contains("Failing\\x1b]52;c;cHduZWQ=\\x07\\u{202e}"),
        "{warning}"
    );
    let json = text(&find("list --json").stdout);
    assert!(json.contains("\\u001b[31m") && json.contains("\\u202e") && json.contains("\\u009b"));
    assert!(json.contains("\\u200b") && json.contains("\\ufeff") && json.contains("\\u007f"));
    let entries: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(entries
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["account_name"] == format!("Red{CSI}{OSC52}")));
    let tsv = text(&find("list --tsv").stdout);
    assert!(tsv.contains("Zeroa\\u{200b}b\\u{200d}c\\u{feff}"), "{tsv}");
    assert!(tsv.contains("\\x9b31m\\x85\\x7f"), "{tsv}");
    let candidates = text(&find("use 111111111111").stderr);
    assert!(candidates.contains("111111111111"), "{candidates}");
    let populate = text(&find("populate").stderr);
    assert!(populate.contains("skipped"), "{populate}");
    sim.shutdown().await;
}

#[test]
fn the_picker_screen_shows_hostile_text_escaped() {
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use uo_aws_tui::app::App;
    use uo_aws_tui::catalog::{Account, CatalogEvent};

    let mut app = App::new(&format!("corp{BIDI}"), "us-west-2", "");
    let org = hostile_org();
    app.apply(CatalogEvent::Accounts(
        org.accounts
            .iter()
            .map(|a| Account {
                id: a.account_id.clone(),
                name: a.account_name.clone(),
                email: a.email_address.clone(),
            })
            .collect(),
    ));
    for a in &org.accounts {
        app.apply(CatalogEvent::Roles {
            account_id: a.account_id.clone(),
            roles: a.roles.clone(),
        });
    }
    for (w, h) in [(120, 30), (80, 24)] {
        for _ in 0..6 {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal.draw(|f| uo_aws_tui::ui::draw(f, &app)).unwrap();
            let screen: String = terminal
                .backend()
                .buffer()
                .content()
                .iter()
                .map(|c| c.symbol())
                .collect();
            assert_eq!(first_hidden(screen.as_bytes()), None, "{screen}");
            app.handle_key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Down,
                crossterm::event::KeyModifiers::NONE,
            ));
        }
    }
}

/// A portal that lists two accounts, then answers the roles of one with a
/// hostile error message and of the other with a long malformed body.
async fn hostile_portal() -> (String, tokio::task::JoinHandle<()>) {
    use axum::extract::RawQuery;
    use axum::http::{HeaderMap, HeaderValue, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::get;

    async fn accounts() -> impl IntoResponse {
        axum::Json(serde_json::json!({ "accountList": [
            { "accountId": "444444444444", "accountName": "Errors", "emailAddress": "e@x.edu" },
            { "accountId": "555555555555", "accountName": "Garbage", "emailAddress": "g@x.edu" },
        ]}))
    }
    async fn roles(RawQuery(query): RawQuery) -> axum::response::Response {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        if query.unwrap_or_default().contains("444444444444") {
            headers.insert(
                "x-amzn-ErrorType",
                HeaderValue::from_static("InvalidRequestException"),
            );
            let body = serde_json::json!({
                "message": format!("denied {OSC52} {CSI} {BIDI} {C1}\nuo-aws-tui: forged line")
            });
            (StatusCode::BAD_REQUEST, headers, body.to_string()).into_response()
        } else {
            let body = format!("<html>{CSI}{OSC52}{}</html>", "x".repeat(1200));
            (StatusCode::OK, headers, body).into_response()
        }
    }
    let app = axum::Router::new()
        .route("/assignment/accounts", get(accounts))
        .route("/assignment/roles", get(roles));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (endpoint, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_portal_errors_are_escaped_and_a_malformed_answer_is_one_short_line() {
    let (endpoint, task) = hostile_portal().await;
    let home = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(home.path());
    uo_aws_tui::demo::write_demo_files(&paths, "token-for-the-hostile-portal").unwrap();
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["list", "--tsv"],
        &["use", "Errors"],
        &["populate", "--dry-run"],
        &["populate"],
    ] {
        let out = run(home.path(), &endpoint, args);
        assert_clean(&args.join(" "), &out);
        if args == ["list"] {
            let stderr = text(&out.stderr);
            let denied = stderr
                .lines()
                .find(|l| l.contains("444444444444"))
                .unwrap_or_else(|| panic!("{stderr}"));
            assert!(
                denied.contains("InvalidRequestException: denied \\x1b]52;c;cHduZWQ=\\x07"),
                "{denied}"
            );
            assert!(
                !stderr.lines().any(|l| l.starts_with("uo-aws-tui: forged")),
                "{stderr}"
            );
            // The line break in the message is escaped or folded: the
            // would-be second line stays on the warning's own line.
            assert!(denied.ends_with("uo-aws-tui: forged line"), "{denied}");
            let garbage = stderr
                .lines()
                .find(|l| l.contains("555555555555"))
                .unwrap_or_else(|| panic!("{stderr}"));
            assert!(
                garbage.contains("malformed response, HTTP 200: "),
                "{garbage}"
            );
            assert!(garbage.contains("<html>\\x1b[31mALERT"), "{garbage}");
            assert!(garbage.len() < 450, "{} bytes: {garbage}", garbage.len());
            assert!(!garbage.contains(&"x".repeat(300)), "{garbage}");
        }
    }
    task.abort();
}

/// Token files whose fields are not strings: every command that reads them
/// says which field has which type and never shows the value.
#[test]
fn token_fields_that_are_not_strings_never_show_their_value() {
    let home = tempfile::tempdir().unwrap();
    let paths = AwsPaths::under_home(home.path());
    uo_aws_tui::demo::write_demo_files(&paths, "placeholder").unwrap();
    let file = token_path(&paths.sso_cache, uo_aws_tui::demo::SESSION);
    let expires = "2099-01-01T00:00:00Z";
    for (body, says) in [
        (
            format!(r#"{{"accessToken": ["SECRETVALUE1"], "expiresAt": "{expires}"}}"#),
            "accessToken is an array, expected a string",
        ),
        (
            format!(
                r#"{{"accessToken": "SECRETVALUE2", "expiresAt": "{expires}", "refreshToken": {{"t": "SECRETVALUE3"}}}}"#
            ),
            "refreshToken is an object, expected a string",
        ),
        (
            format!(
                r#"{{"accessToken": "SECRETVALUE4", "expiresAt": "{expires}", "clientSecret": 12345678901234567}}"#
            ),
            "clientSecret is a number, expected a string",
        ),
    ] {
        std::fs::write(&file, &body).unwrap();
        let mut said = false;
        for args in [
            &["list"][..],
            &["list", "--json"],
            &["use", "anything"],
            &["exec", "anything", "--", "true"],
            &["populate"],
            &["status"],
            &["status", "--json"],
            &["doctor"],
            &["doctor", "--json"],
            &["logout"],
        ] {
            // No portal at this address: nothing may get that far anyway.
            let out = run(home.path(), "http://127.0.0.1:9", args);
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            assert!(
                !all.contains("SECRETVALUE") && !all.contains("12345678901234567"),
                "{args:?} shows a secret:\n{all}"
            );
            assert_clean(&args.join(" "), &out);
            said |= all.contains(says);
        }
        assert!(said, "no command says {says:?}");
        std::fs::write(&file, b"").unwrap();
    }
}

/// A continued value of the user's config (botocore reads the indented
/// line as more of `sso_account_id`) shown in a warning stays on its line:
/// config text cannot forge lines on stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_continued_config_value_cannot_forge_a_stderr_line() {
    let demo = common::DemoHome::new(3, 2).await;
    let out = demo.run(&["populate"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let name = stdout
        .lines()
        .next()
        .unwrap()
        .strip_prefix("added ")
        .unwrap();
    let config = std::fs::read_to_string(&demo.paths().config).unwrap();
    let header = format!("[profile {name}]\n");
    let at = config.find(&header).unwrap() + header.len();
    let mut edited = config.clone();
    edited.insert_str(at, "sso_account_id = 111111111111\n  forged: line\n");
    // The section's own sso_account_id comes later and wins for us; put the
    // continued one last instead so both readers see it.
    let edited = edited.replacen(&format!("sso_account_id = {}", &name[..12]), "x_old = 1", 1);
    std::fs::write(&demo.paths().config, &edited).unwrap();
    for args in [&["populate", "--dry-run"][..], &["populate"]] {
        let out = demo.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            stderr
                .lines()
                .all(|l| l.starts_with("uo-aws-tui") || l.starts_with("  ")),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("111111111111\\nforged: line"),
            "{args:?}: {stderr}"
        );
        assert_clean("populate", &out);
    }
}
