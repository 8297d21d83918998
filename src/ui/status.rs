//! The status bar: the session's login state, listing progress and the key hints.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::text::{sanitize, truncate};
use super::theme;
use crate::app::App;
use crate::duration::relative;
use crate::keymap;
use crate::sessions::state_at;

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let width = area.width as usize;
    let p = app.progress();
    let mut left =
        crate::progress::progress_line(p, app.catalog().rows().len(), app.listing_stats());
    if let Some(t) = app.session_expires_at() {
        let state = state_at(t, app.now());
        left = format!(
            "{} {} {} · {left}",
            sanitize(&app.session),
            state.as_str(),
            relative(app.now(), t)
        );
    }
    let hints = keymap::hints();
    let left_style = if p.failed > 0 {
        theme::notice()
    } else if p.complete {
        theme::dim()
    } else {
        theme::info()
    };
    let line = if left.width() + hints.width() + 2 <= width {
        let pad = width - left.width() - hints.width();
        Line::from(vec![
            Span::styled(left, left_style),
            Span::raw(" ".repeat(pad)),
            Span::styled(hints, theme::dim()),
        ])
    } else if left.width() + 10 <= width {
        let pad = width - left.width() - 7;
        Line::from(vec![
            Span::styled(left, left_style),
            Span::raw(" ".repeat(pad)),
            Span::styled("F1 help", theme::dim()),
        ])
    } else {
        Line::styled(truncate(&left, width), left_style)
    };
    frame.render_widget(Paragraph::new(line), area);
}
