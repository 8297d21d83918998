//! Region rules of settings.ini (`region_rule = FIELD:GLOB => REGION`)
//! through the real binary and the real picker model against the
//! simulator: each glob kind, first match wins, the precedence against
//! `--region` and an existing profile's region, `populate`, `use`, the
//! picker's Enter and details pane, and bad rules named by file:line.

mod common;

use std::process::Output;

use common::DemoHome;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use uo_aws_tui::aws::config::{AwsFile, FileKind};
use uo_aws_tui::settings::Settings;

// The first three accounts of the simulated organisation:
// UO Management 127027105832 (AWSAdministratorAccess, Billing, AWSReadOnlyAccess),
// Security Tooling 190098774915 (AWSAdministratorAccess, SecurityAudit, Read=Only,Audit),
// Log Archive 078264571805 (AWSReadOnlyAccess, Read=Only,Audit).
const RULES: &str = "region = eu-central-1\n\
# a research group in Europe, the archive in Sydney, billing at home\n\
region_rule = name:*security* => eu-west-1\n\
region_rule = id:0782* => ap-southeast-2\n\
region_rule = role:AWSAdministratorAccess => sa-east-1\n\
region_rule = role:*BILL?NG => us-east-1\n";

fn settings_path(demo: &DemoHome) -> std::path::PathBuf {
    demo.home.path().join(".config/uo-aws-tui/settings.ini")
}

fn write_settings(demo: &DemoHome, text: &str) {
    let path = settings_path(demo);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `region` of every profile of the demo config, by name.
fn regions(demo: &DemoHome) -> Vec<(String, String)> {
    let config = AwsFile::load(&demo.paths().config, FileKind::Config).unwrap();
    config
        .profiles()
        .map(|(name, s)| {
            (
                name.to_string(),
                s.get("region").unwrap_or("(none)").to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn populate_gives_each_account_and_role_the_region_of_its_first_matching_rule() {
    let demo = DemoHome::new(3, 2).await;
    write_settings(&demo, RULES);
    let out = demo.run(&["populate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut got = regions(&demo);
    got.sort();
    let want = [
        // id glob
        ("078264571805_AWSReadOnlyAccess", "ap-southeast-2"),
        ("078264571805_Read-Only-Audit", "ap-southeast-2"),
        // role glob (exact, then with * and ?, any case)
        ("127027105832_AWSAdministratorAccess", "sa-east-1"),
        // no rule: settings `region`
        ("127027105832_AWSReadOnlyAccess", "eu-central-1"),
        ("127027105832_Billing", "us-east-1"),
        // name glob, listed before the role rule that also matches
        ("190098774915_AWSAdministratorAccess", "eu-west-1"),
        ("190098774915_Read-Only-Audit", "eu-west-1"),
        ("190098774915_SecurityAudit", "eu-west-1"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_comes_after_region_flag_and_the_profiles_own_region_before_settings() {
    let demo = DemoHome::new(3, 2).await;
    write_settings(&demo, RULES);
    let exported = |out: &Output| {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["region"].as_str().unwrap().to_string()
    };
    // The rule, on a new profile (not written: --no-write).
    let out = demo.run(&[
        "use",
        "--no-write",
        "--emit",
        "json",
        "management",
        "billing",
    ]);
    assert_eq!(exported(&out), "us-east-1");
    // --region wins over the rule.
    let out = demo.run(&[
        "use",
        "--no-write",
        "--emit",
        "json",
        "--region",
        "eu-north-1",
        "management",
        "billing",
    ]);
    assert_eq!(exported(&out), "eu-north-1");
    // An existing profile's own region wins over the rule, and is kept.
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(
        "\n[profile 127027105832_Billing]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Billing\nregion = ca-central-1\n",
    );
    std::fs::write(&demo.paths().config, &config).unwrap();
    let out = demo.run(&["use", "--emit", "json", "management", "billing"]);
    assert_eq!(exported(&out), "ca-central-1");
    assert_eq!(
        std::fs::read_to_string(&demo.paths().config).unwrap(),
        config
    );
    // A new profile, written: the id rule.
    let out = demo.run(&["use", "--emit", "json", "log archive", "readonly"]);
    assert_eq!(exported(&out), "ap-southeast-2");
    // exec of a profile that exists without a region: the id and role rules
    // apply (the account's name is not in the section).
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(
        "\n[profile lab]\nsso_session = uoregon\nsso_account_id = 127027105832\nsso_role_name = Billing\n",
    );
    std::fs::write(&demo.paths().config, &config).unwrap();
    let out = demo.run(&["exec", "lab", "--", "sh", "-c", "echo $AWS_REGION"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "us-east-1\n");
}

fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let width = buffer.area.width as usize;
    buffer
        .content()
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_shows_the_rule_that_applied_and_enter_writes_its_region() {
    let demo = DemoHome::new(3, 2).await;
    let settings = Settings::parse(&settings_path(&demo), RULES).unwrap();
    let mut request = demo.request();
    request.regions = settings.region_defaults(None);
    let (session, mut app) = demo.listed_app(&request).await;
    for c in "security audit".chars() {
        app.handle_key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        ));
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 24)).unwrap();
    terminal.draw(|f| uo_aws_tui::ui::draw(f, &app)).unwrap();
    let screen = screen_text(&terminal);
    assert!(
        screen.contains(
            "new profile · eu-west-1 (rule name:*security*) · 190098774915_SecurityAudit"
        ),
        "{screen}"
    );
    // Enter commits through the same rule.
    let row = app.selected().unwrap().clone();
    let template = uo_aws_tui::catalog::ProfileTemplate::default();
    let target = uo_aws_tui::profile::Target {
        session: &session,
        regions: &request.regions,
        template: &template,
        write: uo_aws_tui::profile::Write::Upsert,
    };
    let rows = vec![row.clone()];
    let choice = uo_aws_tui::profile::commit(&demo.env, &target, &row, &rows).unwrap();
    assert_eq!(choice.region, "eu-west-1");
    assert!(regions(&demo).contains(&(
        "190098774915_SecurityAudit".to_string(),
        "eu-west-1".to_string()
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_rule_stops_the_command_naming_settings_file_and_line() {
    let demo = DemoHome::new(3, 2).await;
    write_settings(
        &demo,
        "region_rule = name:*security* => eu-west-1\n\n# next\nregion_rule = account:* => eu-west-1\n",
    );
    let before = std::fs::read_to_string(&demo.paths().config).unwrap();
    let out = demo.run(&["populate"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:4: region_rule = \"account:* => eu-west-1\": unknown field \"account\"",
            settings_path(&demo).display()
        )),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&demo.paths().config).unwrap(),
        before
    );
}
