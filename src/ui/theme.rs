//! Every colour and style the picker draws with, named by what it marks,
//! and the palette the SVG screenshots paint the terminal colours with.
//!
//! With `NO_COLOR` set (to anything but the empty string, see
//! <https://no-color.org>) no style has a colour; bold, underline and
//! reverse stay, so matches and the selection still show.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

/// Whether styles carry colours: false when `NO_COLOR` is set and not empty
/// (read once per process).
pub fn colours() -> bool {
    static COLOURS: OnceLock<bool> = OnceLock::new();
    *COLOURS.get_or_init(|| std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
}

/// `base` in the foreground colour `c`, unless colours are off.
fn fg(base: Style, c: Color) -> Style {
    if colours() {
        base.fg(c)
    } else {
        base
    }
}

use crate::sessions::TokenState;

/// Secondary text: counts, hints, rules, emails.
pub fn dim() -> Style {
    fg(Style::default(), Color::DarkGray)
}

/// Headings and key names: the prompt, the Sessions title, the help's
/// keys, the login panel's labels.
pub fn heading() -> Style {
    fg(Style::default(), Color::Cyan).add_modifier(Modifier::BOLD)
}

/// Marks in the left margin: the selection bar, the listed session's dot.
pub fn marker() -> Style {
    fg(Style::default(), Color::Cyan)
}

/// Text that is information in progress: a running listing's status, what
/// Enter would write.
pub fn info() -> Style {
    fg(Style::default(), Color::Cyan)
}

/// Something to notice: a favourite's star, a warning, a note, a reason to log in.
pub fn notice() -> Style {
    fg(Style::default(), Color::Yellow)
}

/// Something failed: failed accounts, a failed login, the details pane's errors.
pub fn failure() -> Style {
    fg(Style::default(), Color::Red)
}

/// The badge of a finding that makes some tool fail.
pub fn error_badge() -> Style {
    failure().add_modifier(Modifier::BOLD)
}

/// A finding's badge or line: an error or a warning.
pub fn finding(error: bool) -> Style {
    if error {
        failure()
    } else {
        notice()
    }
}

/// Emphasis: names, the device code.
pub fn strong() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// The selected row's cells (`base` for every cell of a row).
pub fn row_base(selected: bool) -> Style {
    if selected {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default()
    }
}

/// An account id, on `base`.
pub fn account_id(base: Style) -> Style {
    fg(base, Color::Yellow)
}

/// A role name, on `base`.
pub fn role(base: Style) -> Style {
    fg(base, Color::Green)
}

/// A failed account's role column, on `base`.
pub fn failed_role(base: Style) -> Style {
    fg(base, Color::Red)
}

/// The characters a query matched, on `base`.
pub fn matched(base: Style) -> Style {
    fg(base, Color::Magenta).add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

/// The column heading line of the Sessions view.
pub fn column_heading() -> Style {
    dim().add_modifier(Modifier::UNDERLINED)
}

/// A login's state: valid green, expiring yellow, expired or unreadable red.
pub fn token_state(state: TokenState) -> Style {
    match state {
        TokenState::Valid => fg(Style::default(), Color::Green),
        TokenState::Expiring => notice(),
        TokenState::Expired | TokenState::Unreadable => failure(),
        TokenState::NotLoggedIn => dim(),
    }
}

/// The terraform block's text and border.
pub fn terraform() -> Style {
    fg(Style::default(), Color::Green)
}

/// The login panel's border.
pub fn login_border() -> Style {
    notice()
}

/// The help popup's border.
pub fn help_border() -> Style {
    fg(Style::default(), Color::Cyan)
}

/// The screenshots' default text colour.
pub const SVG_FOREGROUND: &str = "#d8dee9";
/// The screenshots' background.
pub const SVG_BACKGROUND: &str = "#1e2430";

/// The colour of `c` in the screenshots as `#rrggbb`, `None` for the
/// terminal's default.
pub fn svg_rgb(c: Color) -> Option<&'static str> {
    Some(match c {
        Color::Reset => return None,
        Color::Black => "#2e3440",
        Color::Red | Color::LightRed => "#e06c75",
        Color::Green | Color::LightGreen => "#98c379",
        Color::Yellow | Color::LightYellow => "#e5c07b",
        Color::Blue | Color::LightBlue => "#61afef",
        Color::Magenta | Color::LightMagenta => "#c678dd",
        Color::Cyan | Color::LightCyan => "#56b6c2",
        Color::Gray | Color::White => "#d8dee9",
        Color::DarkGray => "#7f848e",
        _ => SVG_FOREGROUND,
    })
}
