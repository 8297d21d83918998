//! The Sessions view: every session and legacy start URL, the state of its
//! login with a live countdown, whether it can be refreshed, its profiles
//! (`N+M`: `M` chained profiles follow it, listed in the details pane).

use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::text::{self, sanitize, truncate};
use super::{theme, DETAILS_HEIGHT};
use crate::app::App;
use crate::duration::relative;
use crate::keymap;
use crate::sessions::TokenState;

pub(super) fn draw(frame: &mut Frame, app: &App) {
    let [title, list, details, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(DETAILS_HEIGHT),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let now = app.now();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("sessions", theme::heading()),
            Span::styled(
                if app.has_session() {
                    format!(
                        "  {} known · listing {}",
                        app.sessions().len(),
                        sanitize(&app.session)
                    )
                } else {
                    format!(
                        "  {} known · none listed yet: choose one with Enter",
                        app.sessions().len()
                    )
                },
                theme::dim(),
            ),
        ])),
        title,
    );
    let width = list.width as usize;
    let name_w = 18.min(width / 4);
    let mut lines = vec![Line::styled(
        format!(
            "   {}  {:<13}  {:<12}  {:<7}  {:>8}  start URL",
            text::fit("session", name_w),
            "state",
            "expires",
            "refresh",
            "profiles"
        ),
        theme::column_heading(),
    )];
    for (i, s) in app
        .sessions()
        .iter()
        .enumerate()
        .take(list.height.saturating_sub(1) as usize)
    {
        let selected = i == app.session_selected();
        let state = s.state(now);
        let base = theme::row_base(selected);
        let name = s
            .name
            .as_deref()
            .map(sanitize)
            .unwrap_or_else(|| "(start URL)".into());
        let current = s.name.as_deref() == Some(app.session.as_str());
        let expires = s
            .expires_at
            .map(|t| relative(now, t))
            .unwrap_or_else(|| "—".into());
        let used = 3 + name_w + 2 + 13 + 2 + 12 + 2 + 7 + 2 + 8 + 2;
        lines.push(Line::from(vec![
            Span::styled(if selected { "▌" } else { " " }, theme::marker()),
            Span::styled(if current { "● " } else { "  " }, theme::marker()),
            Span::styled(text::fit(&name, name_w), base.patch(theme::strong())),
            Span::styled("  ", base),
            Span::styled(
                format!("{:<13}", state.as_str()),
                base.patch(theme::token_state(state)),
            ),
            Span::styled("  ", base),
            Span::styled(format!("{expires:<12}"), base),
            Span::styled("  ", base),
            Span::styled(
                format!("{:<7}", if s.refreshable { "yes" } else { "no" }),
                base,
            ),
            Span::styled("  ", base),
            Span::styled(format!("{:>8}", s.profile_count()), base),
            Span::styled("  ", base),
            Span::styled(
                text::fit(&sanitize(&s.start_url), width.saturating_sub(used)),
                base.patch(theme::dim()),
            ),
        ]));
    }
    if app.sessions().is_empty() {
        lines.push(Line::styled(
            "   no sso-session in the config",
            theme::dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), list);

    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme::dim());
    let inner = block.inner(details);
    frame.render_widget(block, details);
    let dw = inner.width as usize;
    let mut info: Vec<Line> = Vec::new();
    if let Some(s) = app.sessions().get(app.session_selected()) {
        info.push(Line::styled(
            truncate(
                &format!("{} · {}", sanitize(&s.start_url), sanitize(&s.region)),
                dw,
            ),
            theme::strong(),
        ));
        let state = s.state(now);
        let when = match (state, s.expires_at) {
            _ if s.is_legacy() => s.legacy_hint(),
            (TokenState::NotLoggedIn, _) => "not logged in: l logs in".to_string(),
            (TokenState::Unreadable, _) => {
                "the token file cannot be read: l logs in again".to_string()
            }
            (_, Some(t)) => format!(
                "access token {} {}",
                if t > now { "expires" } else { "expired" },
                relative(now, t)
            ),
            (_, None) => String::new(),
        };
        info.push(Line::styled(truncate(&when, dw), theme::token_state(state)));
    }
    // The last line: a note for the user, else the chained profiles that
    // follow the selected login.
    if let Some(message) = app.message() {
        info.push(Line::styled(
            truncate(&sanitize(message), dw),
            theme::notice(),
        ));
    } else if let Some(line) = app
        .sessions()
        .get(app.session_selected())
        .and_then(|s| s.chained_line())
    {
        info.push(Line::styled(truncate(&sanitize(&line), dw), theme::dim()));
    }
    frame.render_widget(Paragraph::new(info), inner);
    // A legacy start URL's row offers only what works on it.
    let legacy = app
        .sessions()
        .get(app.session_selected())
        .is_some_and(|s| s.is_legacy());
    let hints = if legacy {
        "legacy start URL: aws sso login --profile signs in · ↑↓ select · Tab back".to_string()
    } else {
        keymap::session_hints()
    };
    frame.render_widget(
        Paragraph::new(Line::styled(
            truncate(&hints, status.width as usize),
            theme::dim(),
        )),
        status,
    );
}
