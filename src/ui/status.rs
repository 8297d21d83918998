//! The status bar: the session's login state, listing progress and the key hints.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::text::{sanitize, truncate};
use super::theme;
use crate::app::App;
use crate::duration::{expiry_phrase, relative};
use crate::keymap;
use crate::sessions::TokenState;

/// What the status bar says about the listed session's login, always:
/// `uoregon valid · expires in 3h12m`, `uoregon expired 1h ago — Ctrl-l
/// signs in`, `uoregon not logged in — Ctrl-l signs in`.
pub fn session_line(app: &App) -> String {
    let name = sanitize(&app.session);
    let now = app.now();
    let state = app.session_state();
    match (state, app.session_expires_at()) {
        (TokenState::Valid | TokenState::Expiring, Some(t)) => {
            format!("{name} {} · {}", state.label(), expiry_phrase(t, now))
        }
        (TokenState::Expired, Some(t)) => {
            format!("{name} expired {} — Ctrl-l signs in", relative(now, t))
        }
        (TokenState::Unreadable, _) => format!("{name} token unreadable — Ctrl-l signs in"),
        _ => format!("{name} not logged in — Ctrl-l signs in"),
    }
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let width = area.width as usize;
    let p = app.progress();
    let progress = crate::progress::progress_line(
        p,
        app.catalog().rows().len(),
        app.catalog().account_count(),
        app.listing_stats(),
        app.delivered_rate(),
    );
    let session = session_line(app);
    let session_style = match app.session_state() {
        TokenState::Valid => left_style(p),
        TokenState::NotLoggedIn => theme::notice(),
        state => theme::token_state(state),
    };
    let left = format!("{session} · {progress}");
    let hints = keymap::hints();
    let tail = if left.width() + hints.width() + 2 <= width {
        Some(hints)
    } else if left.width() + 10 <= width {
        Some("F1 help".to_string())
    } else {
        None
    };
    let line = match tail {
        Some(tail) => {
            let pad = width - left.width() - tail.width();
            Line::from(vec![
                Span::styled(session, session_style),
                Span::styled(format!(" · {progress}"), left_style(p)),
                Span::raw(" ".repeat(pad)),
                Span::styled(tail, theme::dim()),
            ])
        }
        None => Line::styled(truncate(&left, width), session_style),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The progress part's style: failures noticed, a running listing in
/// progress colours, a finished one dim.
fn left_style(p: crate::catalog::Progress) -> ratatui::style::Style {
    if p.failed > 0 {
        theme::notice()
    } else if p.complete {
        theme::dim()
    } else {
        theme::info()
    }
}
