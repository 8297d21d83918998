//! The login panel: why a login is needed, the URL and code, the countdown.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::popups::centered;
use super::text::{sanitize, truncate};
use super::theme;
use crate::app::{App, LoginPanel};
use crate::duration::countdown;

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, panel: &LoginPanel) {
    let width = area.width.min(78);
    let inner_w = width.saturating_sub(2) as usize;
    let label = theme::heading();
    let mut lines: Vec<Line> = vec![Line::styled(
        truncate(&sanitize(&panel.reason), inner_w),
        theme::notice(),
    )];
    match (&panel.flow, &panel.url) {
        (Some(flow), Some(url)) => {
            lines.push(Line::from(vec![
                Span::styled("flow  ", label),
                Span::raw(flow.to_string()),
            ]));
            lines.push(Line::styled("open this URL:", label));
            // The whole URL, wrapped, so it can be copied.
            let url = sanitize(url);
            let chars: Vec<char> = url.chars().collect();
            for chunk in chars.chunks(inner_w.max(1)) {
                lines.push(Line::raw(chunk.iter().collect::<String>()));
            }
            if let Some(code) = &panel.user_code {
                lines.push(Line::from(vec![
                    Span::styled("code  ", label),
                    Span::styled(sanitize(code), theme::strong()),
                ]));
            }
            if let Some(until) = panel.expires_at {
                lines.push(Line::from(vec![
                    Span::styled("left  ", label),
                    Span::raw(countdown(app.now(), until)),
                ]));
            }
        }
        _ if !panel.failed => lines.push(Line::styled("starting the login…", theme::dim())),
        _ => {}
    }
    if let Some(note) = &panel.note {
        let style = if panel.failed {
            theme::failure()
        } else {
            theme::dim()
        };
        lines.push(Line::styled(truncate(&sanitize(note), inner_w), style));
    }
    lines.push(Line::styled(
        if panel.failed {
            "Ctrl-l tries again · Esc back to the list"
        } else {
            "waiting for the sign-in · Ctrl-l starts over · Esc hides"
        },
        theme::dim(),
    ));
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, width, height);
    let block = Block::bordered()
        .title(format!(
            " log in to {} ",
            truncate(&sanitize(&app.session), 30)
        ))
        .border_style(theme::login_border());
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
