//! The picker drawn by the real drawing code on a TestBackend, at the sizes
//! users have, from the simulator's organisation.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use uo_aws_tui::app::{App, ExistingProfile};
use uo_aws_tui::catalog::{Account, CatalogEvent};
use uo_aws_tui::ui;

fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    terminal
}

/// The built-in organisation, listed through the real portal client.
async fn demo_app() -> (common::DemoHome, App) {
    let demo = common::DemoHome::new(85, 20).await;
    let (_, mut app) = demo.loaded_app().await;
    // A fixed clock and token lifetime, so the status bar reads the same each run.
    let now = time::macros::datetime!(2026-11-30 12:00:00 UTC);
    app.set_now(now);
    app.set_session_expires_at(Some(now + time::Duration::minutes(479)));
    (demo, app)
}

#[tokio::test]
async fn picker_at_80x24_120x30_and_60x15() {
    let (_demo, mut app) = demo_app().await;
    insta::assert_snapshot!("picker_80x24", render(&app, 80, 24).backend());
    typed(&mut app, "genomics");
    insta::assert_snapshot!("picker_query_120x30", render(&app, 120, 30).backend());
    press(&mut app, KeyCode::Down);
    insta::assert_snapshot!("picker_query_60x15", render(&app, 60, 15).backend());
}

#[tokio::test]
async fn help_popup_at_each_size() {
    let (_demo, mut app) = demo_app().await;
    press(&mut app, KeyCode::F(1));
    for (w, h) in [(80, 24), (120, 30), (60, 15)] {
        insta::assert_snapshot!(format!("help_{w}x{h}"), render(&app, w, h).backend());
    }
}

#[test]
fn untrusted_text_is_escaped_and_truncated_and_the_details_pane_knows_the_profile() {
    let mut app = App::new("uoregon", "us-west-2", "");
    let evil = Account {
        id: "123456789012".into(),
        name: "\u{1b}[31mRed\u{7} Lab\r\nsecond line with a very long name that cannot fit".into(),
        email: "ops\u{1b}]0;title\u{7}@uoregon.edu".into(),
    };
    let plain = Account {
        id: "210987654321".into(),
        name: "Zoology".into(),
        email: "aws-zoology@uoregon.edu".into(),
    };
    app.apply(CatalogEvent::Accounts(vec![evil, plain]));
    app.apply(CatalogEvent::Roles {
        account_id: "123456789012".into(),
        roles: vec!["Read=Only,Audit".into()],
    });
    app.apply(CatalogEvent::Roles {
        account_id: "210987654321".into(),
        roles: vec!["AWSAdministratorAccess".into()],
    });
    app.set_existing_profiles(
        [(
            "210987654321_AWSAdministratorAccess".to_string(),
            ExistingProfile {
                region: Some("eu-west-1".into()),
            },
        )]
        .into(),
    );
    for (w, h) in [(80, 24), (60, 15)] {
        let terminal = render(&app, w, h);
        let buffer = terminal.backend().buffer();
        assert!(
            buffer
                .content()
                .iter()
                .all(|c| !c.symbol().chars().any(char::is_control)),
            "no control character reaches the terminal"
        );
        insta::assert_snapshot!(format!("control_characters_{w}x{h}"), terminal.backend());
    }
    press(&mut app, KeyCode::Down);
    insta::assert_snapshot!("existing_profile_80x24", render(&app, 80, 24).backend());
}

#[test]
fn matched_characters_are_highlighted_on_the_right_cells() {
    let mut app = App::new("uoregon", "us-west-2", "");
    app.apply(CatalogEvent::Accounts(vec![Account {
        id: "123456789012".into(),
        name: "Física Ñandú".into(),
        email: "fisica@uoregon.edu".into(),
    }]));
    app.apply(CatalogEvent::Roles {
        account_id: "123456789012".into(),
        roles: vec!["Admin".into()],
    });
    typed(&mut app, "ñandú");
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    // Row 1: "▌" + "★ " or "  " (3 columns), then the name.
    let name_start = 3u16;
    let marked: String = (0..12)
        .map(|i| &buffer[(name_start + i, 1)])
        .filter(|cell| cell.fg == Color::Magenta)
        .map(|cell| cell.symbol().to_string())
        .collect();
    assert_eq!(marked, "Ñandú");
}

#[tokio::test]
async fn login_panel_with_device_code_and_countdown() {
    use time::macros::datetime;
    use uo_aws_tui::app::{LoginUpdate, Msg, ServiceError};
    use uo_aws_tui::aws::login::{Flow, LoginStep};
    let (_demo, mut app) = demo_app().await;
    app.begin_login("the access token of sso-session uoregon expired and cannot be refreshed");
    app.set_now(datetime!(2026-11-30 12:00:00 UTC));
    app.update(Msg::Login(LoginUpdate::Step(LoginStep::Authorize {
        flow: Flow::DeviceCode,
        url: "https://device.sso.us-west-2.amazonaws.com/?user_code=WDJB-MJHT".into(),
        user_code: Some("WDJB-MJHT".into()),
        expires_at: datetime!(2026-11-30 12:09:41 UTC),
    })));
    for (w, h) in [(80, 24), (60, 15)] {
        insta::assert_snapshot!(format!("login_panel_{w}x{h}"), render(&app, w, h).backend());
    }
    app.update(Msg::Login(LoginUpdate::Failed(ServiceError::Login(
        "the sign-in was denied (access_denied)".into(),
    ))));
    insta::assert_snapshot!("login_panel_failed_80x24", render(&app, 80, 24).backend());
}

#[test]
fn sessions_view_with_countdowns() {
    use time::macros::datetime;
    use uo_aws_tui::app::{Msg, SessionSummary};
    let mut app = App::new("uoregon", "us-west-2", "");
    press(&mut app, KeyCode::Tab);
    app.set_now(datetime!(2026-11-30 12:00:00 UTC));
    let row = |name: Option<&str>,
               url: &str,
               exp: Option<time::OffsetDateTime>,
               refreshable: bool,
               profiles: usize| SessionSummary {
        name: name.map(str::to_string),
        start_url: url.into(),
        region: "us-west-2".into(),
        expires_at: exp,
        unreadable: false,
        refreshable,
        profiles,
        chained: Vec::new(),
        first_profile: Some(format!("{}-profile", name.unwrap_or("legacy"))),
    };
    app.update(Msg::SessionsLoaded(vec![
        row(
            Some("uoregon"),
            "https://d-1234567890.awsapps.com/start",
            Some(datetime!(2026-11-30 15:12:00 UTC)),
            true,
            12,
        ),
        SessionSummary {
            chained: vec!["deploy".into(), "lab-ops".into()],
            ..row(
                Some("lab"),
                "https://d-0000000002.awsapps.com/start",
                Some(datetime!(2026-11-30 12:09:00 UTC)),
                true,
                3,
            )
        },
        row(
            Some("old"),
            "https://d-0000000003.awsapps.com/start",
            Some(datetime!(2026-11-28 09:00:00 UTC)),
            false,
            1,
        ),
        row(None, "https://legacy.awsapps.com/start", None, false, 2),
    ]));
    press(&mut app, KeyCode::Down);
    for (w, h) in [(100, 20), (80, 24), (60, 15)] {
        insta::assert_snapshot!(format!("sessions_{w}x{h}"), render(&app, w, h).backend());
    }
    // The Roles view's status bar names the session's state and time left.
    press(&mut app, KeyCode::Esc);
    let terminal = render(&app, 80, 24);
    let status: String = (0..80)
        .map(|x| terminal.backend().buffer()[(x, 23)].symbol().to_string())
        .collect();
    assert!(
        status.starts_with("uoregon valid · expires in 3h12m"),
        "{status}"
    );
    // With no token at all it still says so, and how to sign in.
    app.update(Msg::SessionsLoaded(vec![row(
        Some("uoregon"),
        "https://d-1234567890.awsapps.com/start",
        None,
        false,
        12,
    )]));
    let terminal = render(&app, 80, 24);
    let status: String = (0..80)
        .map(|x| terminal.backend().buffer()[(x, 23)].symbol().to_string())
        .collect();
    assert!(
        status.starts_with("uoregon not logged in — Ctrl-l signs in"),
        "{status}"
    );
}

#[tokio::test]
async fn terraform_block_of_the_selected_row() {
    let (_demo, mut app) = demo_app().await;
    typed(&mut app, "genomics admin");
    app.handle_key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL));
    insta::assert_snapshot!("terraform_80x24", render(&app, 80, 24).backend());
}

#[tokio::test]
async fn a_profile_with_a_doctor_finding_gets_a_badge_and_the_details_say_why() {
    // Static keys in the credentials file under the name of the profile a row writes.
    let demo = common::DemoHome::new(12, 20).await;
    let (session, app) = demo.loaded_app().await;
    let row = app.catalog().rows()[0].clone();
    let profile = demo.commit(&session, &row, app.catalog().rows()).profile;
    std::fs::write(
        &demo.paths().credentials,
        format!("[{profile}]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n"),
    )
    .unwrap();
    let (_, app) = demo.loaded_app().await;
    let notes = app.row_notes(app.matches().next().unwrap());
    assert!(
        notes.iter().any(|n| n.code == "credentials-shadow"),
        "{notes:?}"
    );
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    assert_eq!(buffer[(2, 1)].symbol(), "!", "the first row has the badge");
    assert_eq!(buffer[(2, 2)].symbol(), " ", "the second row has none");
    let screen = screen_text(&terminal);
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with("! credentials-shadow: ")),
        "{screen}"
    );
    // The whole fix, wrapped over as many lines as it needs, at every size.
    let fix = &notes
        .iter()
        .find(|n| n.code == "credentials-shadow")
        .unwrap()
        .fix;
    assert!(fix.contains(".aws/credentials"), "{fix}");
    for (w, h) in [(80, 24), (60, 15), (40, 12)] {
        let screen = screen_text(&render(&app, w, h));
        let words: Vec<&str> = screen.split_whitespace().collect();
        let shown = words.join(" ");
        assert!(
            shown.contains(&format!("fix: {fix}")),
            "{w}x{h}: the whole fix {fix:?} in:\n{screen}"
        );
    }
}

/// The text of `terminal`'s rows, one string per row.
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

#[test]
fn the_details_pane_names_the_rule_that_chose_the_region() {
    let mut app = App::new("uoregon", "us-west-2", "");
    app.apply(CatalogEvent::Accounts(vec![Account {
        id: "210987654321".into(),
        name: "Zoology".into(),
        email: "aws-zoology@uoregon.edu".into(),
    }]));
    app.apply(CatalogEvent::Roles {
        account_id: "210987654321".into(),
        roles: vec!["Admin".into(), "Read".into()],
    });
    app.set_existing_profiles(
        [(
            "210987654321_Admin".to_string(),
            ExistingProfile {
                region: Some("us-east-1".into()),
            },
        )]
        .into(),
    );
    let screen = screen_text(&render(&app, 100, 24));
    assert!(
        screen.contains("profile exists · us-east-1 (profile) · 210987654321_Admin"),
        "{screen}"
    );
    app.set_region_defaults(uo_aws_tui::profile::RegionDefaults {
        flag: None,
        settings: Some("eu-central-1".into()),
        ..Default::default()
    });
    let screen = screen_text(&render(&app, 100, 24));
    assert!(screen.contains("us-east-1 (profile)"), "{screen}");
    press(&mut app, KeyCode::Down);
    let screen = screen_text(&render(&app, 100, 24));
    assert!(
        screen.contains("new profile · eu-central-1 (settings) · 210987654321_Read"),
        "{screen}"
    );
    press(&mut app, KeyCode::Up);
    app.set_region_defaults(uo_aws_tui::profile::RegionDefaults {
        flag: Some("ap-south-1".into()),
        settings: Some("eu-central-1".into()),
        ..Default::default()
    });
    let screen = screen_text(&render(&app, 100, 24));
    assert!(
        screen.contains("profile exists · us-east-1 → ap-south-1 (--region)"),
        "{screen}"
    );
}
