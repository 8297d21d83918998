//! A scripted pick: the real portal listing from the simulator, key events
//! typed into the real app, frames drawn by the real UI on a TestBackend.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use uo_aws_tui::app::{App, Outcome};
use uo_aws_tui::aws::config::{AwsFile, FileKind};
use uo_aws_tui::exit::Exit;
use uo_aws_tui::picker;
use uo_aws_tui::ui;

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        assert!(app
            .handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
            .is_none());
    }
}

#[tokio::test]
async fn typing_an_account_id_from_the_last_page_and_a_role_then_enter_writes_that_profile() {
    let demo = common::DemoHome::new(150, 20).await;
    let (session, mut app) = demo.loaded_app().await;
    assert_eq!(session.name, "uoregon");
    // A fixed clock and token lifetime, so the status bar reads the same each run.
    let now = time::macros::datetime!(2026-11-30 12:00:00 UTC);
    app.set_now(now);
    app.set_session_expires_at(Some(now + time::Duration::hours(8)));
    let (sim, env, paths) = (&demo.sim, &demo.env, demo.paths());

    // The last account of the last ListAccounts page, and one of its roles.
    let target = sim.org().accounts.last().unwrap().clone();
    let role = target.roles[0].clone();
    typed(&mut app, &format!("{} {}", target.account_id, role));
    let selected = app.selected().unwrap();
    assert_eq!(selected.account.id, target.account_id);
    assert_eq!(selected.role(), Some(role.as_str()));

    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| ui::draw(f, &app)).unwrap();
    insta::assert_snapshot!("pick_last_page_80x24", terminal.backend());

    let outcome = app
        .handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
        .unwrap();
    assert!(matches!(&outcome, Outcome::Chosen(r) if r.account.id == target.account_id));
    let exit = picker::finish(env, &session, &app, outcome, &demo.request())
        .await
        .unwrap();
    let profile = uo_aws_tui::catalog::profile_name(&target.account_id, &role);
    assert_eq!(
        exit,
        Exit::Done(format!(
            "export AWS_PROFILE='{profile}'\nexport AWS_REGION='us-west-2'\nexport AWS_DEFAULT_REGION='us-west-2'\n"
        ))
    );
    let config = AwsFile::load(&paths.config, FileKind::Config).unwrap();
    let section = config.profile(&profile).expect("profile written");
    assert_eq!(section.get("sso_session"), Some("uoregon"));
    assert_eq!(
        section.get("sso_account_id"),
        Some(target.account_id.as_str())
    );
    assert_eq!(section.get("sso_role_name"), Some(role.as_str()));
    assert_eq!(section.get("region"), Some("us-west-2"));
    let keys: Vec<&str> = section.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "sso_session",
            "sso_account_id",
            "sso_role_name",
            "region",
            "uo_aws_tui_managed"
        ],
        "a profile the picker creates carries the ownership marker last"
    );
}

#[tokio::test]
async fn esc_cancels_and_ctrl_c_interrupts_without_writing() {
    let demo = common::DemoHome::new(3, 20).await;
    let (env, paths) = (&demo.env, demo.paths());
    let before = std::fs::read(&paths.config).unwrap();
    let (_, session) = env.session(None).unwrap();
    let mut app = App::new(&session.name, &session.region, "");
    for (key, want) in [
        (
            KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
            Exit::Cancelled,
        ),
        (
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Exit::Interrupted,
        ),
    ] {
        let outcome = app.handle_key(key).unwrap();
        let exit = picker::finish(env, &session, &app, outcome, &demo.request())
            .await
            .unwrap();
        assert_eq!(exit, want);
    }
    assert_eq!(Exit::Cancelled.code(), 1);
    assert_eq!(Exit::Interrupted.code(), 130);
    assert_eq!(std::fs::read(&paths.config).unwrap(), before);
}
