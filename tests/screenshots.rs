//! The README's screenshots: the picker, its help and its login panel drawn
//! by the real drawing code from the demo organisation, as SVG files in
//! `screenshots/`. The test fails when a file is stale; regenerate with
//! `UO_AWS_TUI_UPDATE_SCREENSHOTS=1 cargo test --test screenshots`.

mod common;

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use time::macros::datetime;
use uo_aws_tui::app::{App, LoginUpdate, Msg};
use uo_aws_tui::aws::login::{Flow, LoginStep};
use uo_aws_tui::ui;

const UPDATE: &str = "UO_AWS_TUI_UPDATE_SCREENSHOTS";

fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    app.handle_key(KeyEvent::new(code, modifiers));
}

/// Draws `app` at 100×28 and checks (or, with [`UPDATE`] set, writes)
/// `screenshots/{name}.svg`.
fn check(app: &App, name: &str, title: &str) -> Option<String> {
    let mut terminal = Terminal::new(TestBackend::new(100, 28)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    let svg = ui::svg::to_svg(terminal.backend().buffer(), title);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("screenshots")
        .join(format!("{name}.svg"));
    if std::env::var_os(UPDATE).is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, svg).unwrap();
        return None;
    }
    match std::fs::read_to_string(&path) {
        Ok(old) if old == svg => None,
        _ => Some(format!("{} is stale", path.display())),
    }
}

#[tokio::test]
async fn screenshots_are_up_to_date() {
    let demo = common::DemoHome::with_options(uo_aws_tui::sim::SimOptions::default()).await;
    let (_, mut app) = demo.loaded_app().await;
    let mut stale = Vec::new();

    // The picker with a query, a favourite and highlights.
    for c in "geno".chars() {
        press(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
    }
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('f'), KeyModifiers::CONTROL);
    stale.extend(check(
        &app,
        "picker",
        "uo-aws-tui: the picker filtering the demo organisation",
    ));

    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    stale.extend(check(&app, "help", "uo-aws-tui: the key help"));
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);

    app.begin_login("the access token of sso-session uoregon expired and cannot be refreshed");
    app.set_now(datetime!(2026-11-30 12:00:00 UTC));
    app.update(Msg::Login(LoginUpdate::Step(LoginStep::Authorize {
        flow: Flow::DeviceCode,
        url: "https://device.sso.us-west-2.amazonaws.com/?user_code=WDJB-MJHT".into(),
        user_code: Some("WDJB-MJHT".into()),
        expires_at: datetime!(2026-11-30 12:09:41 UTC),
    })));
    stale.extend(check(&app, "login", "uo-aws-tui: the login panel"));

    assert!(
        stale.is_empty(),
        "{stale:?}; regenerate with {UPDATE}=1 cargo test --test screenshots"
    );
}
