//! `NO_COLOR`: the picker draws without colours but keeps bold, underline
//! and reverse, so matches and the selection still show. Its own test
//! binary, because the variable is read once per process.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use uo_aws_tui::app::App;
use uo_aws_tui::catalog::{Account, CatalogEvent};

#[test]
fn no_color_drops_colours_and_keeps_the_matches_bold_and_underlined() {
    // Set before anything is drawn (the theme reads it once), in the
    // only test of this binary.
    std::env::set_var("NO_COLOR", "1");
    assert!(!uo_aws_tui::ui::theme::colours());
    let mut app = App::new("uoregon", "us-west-2", "");
    app.apply(CatalogEvent::Accounts(vec![Account {
        id: "123456789012".into(),
        name: "Genomics Lab".into(),
        email: "genomics@uoregon.edu".into(),
    }]));
    app.apply(CatalogEvent::Roles {
        account_id: "123456789012".into(),
        roles: vec!["Admin".into(), "ReadOnly".into()],
    });
    for c in "genom".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| uo_aws_tui::ui::draw(f, &app)).unwrap();
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(cell.fg, Color::Reset, "no colour: {cell:?}");
        assert_eq!(cell.bg, Color::Reset, "no colour: {cell:?}");
    }
    // Row 1 is the selected first row: "▌" + "★ " or "  ", then the name.
    let matched: String = (3..15)
        .map(|x| &buffer[(x, 1)])
        .filter(|c| c.modifier.contains(Modifier::BOLD | Modifier::UNDERLINED))
        .map(|c| c.symbol().to_string())
        .collect();
    assert_eq!(matched, "Genom");
    assert!(
        buffer[(3, 1)].modifier.contains(Modifier::REVERSED),
        "the selection still shows"
    );
}
