//! Drawing the picker. Pure: it reads the [`App`] and draws one frame.

pub mod text;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::app::App;
use crate::catalog::{Progress, Row, RowKind};
use crate::keymap;
use text::{fit, sanitize, truncate};

/// Width of the account id column.
const ID_WIDTH: usize = 12;

/// Draws the whole picker into `frame`.
pub fn draw(frame: &mut Frame, app: &App) {
    let [prompt, list, details, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_prompt(frame, prompt, app);
    draw_list(frame, list, app);
    draw_details(frame, details, app);
    draw_status(frame, status, app);
}

fn draw_prompt(frame: &mut Frame, area: Rect, app: &App) {
    let count = format!(" {}/{} ", app.match_count(), app.catalog().rows().len());
    let prefix = format!("{} › ", sanitize(&app.session));
    let room = (area.width as usize).saturating_sub(prefix.width() + count.width() + 1);
    let query = sanitize(app.query());
    // Show the end of a long query, where the cursor is.
    let shown: String = if query.width() > room {
        let mut tail: Vec<char> = Vec::new();
        let mut used = 0;
        for c in query.chars().rev() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w + 1 > room {
                break;
            }
            used += w;
            tail.push(c);
        }
        std::iter::once('…').chain(tail.into_iter().rev()).collect()
    } else {
        query
    };
    let pad = (area.width as usize).saturating_sub(prefix.width() + shown.width() + count.width());
    let line = Line::from(vec![
        Span::styled(
            prefix.clone(),
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        ),
        Span::raw(shown.clone()),
        Span::raw(" ".repeat(pad)),
        Span::styled(count, Style::default().fg(Color::DarkGray)),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    let cursor_x = area.x + (prefix.width() + shown.width()) as u16;
    frame.set_cursor_position((cursor_x.min(area.right().saturating_sub(1)), area.y));
}

/// Column widths (name, role) for a list `width` columns wide; the id column
/// is [`ID_WIDTH`] and columns are separated by two spaces.
fn columns(width: usize) -> (usize, usize) {
    let rest = width.saturating_sub(ID_WIDTH + 2 + 2 + 2);
    let role = (rest * 2 / 5).clamp(8.min(rest), 36);
    (rest - role, role)
}

fn draw_list(frame: &mut Frame, area: Rect, app: &App) {
    let height = area.height as usize;
    let selected = app.selected_index();
    let offset = if selected < height {
        0
    } else {
        selected + 1 - height
    };
    let (name_w, role_w) = columns(area.width as usize);
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    for (i, row) in app.matches().enumerate().skip(offset).take(height) {
        lines.push(row_line(row, i == selected, name_w, role_w));
    }
    if lines.is_empty() {
        let p = app.progress();
        let note = if !p.complete {
            "loading accounts…"
        } else if app.catalog().rows().is_empty() {
            "this session can reach no accounts"
        } else {
            "no match"
        };
        lines.push(Line::styled(
            format!("  {note}"),
            Style::default().fg(Color::DarkGray),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn row_line(row: &Row, selected: bool, name_w: usize, role_w: usize) -> Line<'static> {
    let marker = if selected { "▌ " } else { "  " };
    let name = fit(&sanitize(&row.account.name), name_w);
    let id = fit(&sanitize(&row.account.id), ID_WIDTH);
    let (role, role_style) = match &row.kind {
        RowKind::Role(r) => (fit(&sanitize(r), role_w), Style::default().fg(Color::Green)),
        RowKind::Failed(_) => (
            fit("⚠ roles failed", role_w),
            Style::default().fg(Color::Red),
        ),
    };
    let base = if selected {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    } else {
        Style::default()
    };
    Line::from(vec![
        Span::styled(marker, Style::default().fg(Color::Cyan)),
        Span::styled(name, base),
        Span::styled("  ", base),
        Span::styled(id, base.fg(Color::Yellow)),
        Span::styled("  ", base),
        Span::styled(role, base.patch(role_style)),
    ])
}

fn draw_details(frame: &mut Frame, area: Rect, app: &App) {
    let width = area.width as usize;
    let text = match (app.message(), app.selected()) {
        (Some(message), _) => Line::styled(
            truncate(&sanitize(message), width),
            Style::default().fg(Color::Red),
        ),
        (None, Some(row)) => {
            let detail = match &row.kind {
                RowKind::Role(_) => format!(
                    "profile {} · {}",
                    app.selected_profile().unwrap_or_default(),
                    sanitize(&row.account.email)
                ),
                RowKind::Failed(e) => format!("roles failed: {}", sanitize(e)),
            };
            Line::styled(
                truncate(&detail, width),
                Style::default().fg(Color::DarkGray),
            )
        }
        (None, None) => Line::default(),
    };
    frame.render_widget(Paragraph::new(text), area);
}

/// The loading line: `accounts 120 · roles for 80/120`, with failures, or a
/// summary once complete.
pub fn progress_line(p: Progress, rows: usize) -> String {
    let mut s = if p.complete {
        format!("{rows} roles in {} accounts", p.accounts)
    } else if p.accounts_complete {
        format!(
            "accounts {} · roles for {}/{}",
            p.accounts, p.roles_done, p.accounts
        )
    } else {
        format!(
            "accounts {}… · roles for {}/{}",
            p.accounts, p.roles_done, p.accounts
        )
    };
    if p.failed > 0 {
        s.push_str(&format!(" · {} failed", p.failed));
    }
    s
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
    let width = area.width as usize;
    let p = app.progress();
    let left = progress_line(p, app.catalog().rows().len());
    let hints = keymap::hints();
    let left_style = if p.failed > 0 {
        Style::default().fg(Color::Yellow)
    } else if p.complete {
        Style::default().fg(Color::DarkGray)
    } else {
        Style::default().fg(Color::Cyan)
    };
    let line = if left.width() + hints.width() + 2 <= width {
        let pad = width - left.width() - hints.width();
        Line::from(vec![
            Span::styled(left, left_style),
            Span::raw(" ".repeat(pad)),
            Span::styled(hints, Style::default().fg(Color::DarkGray)),
        ])
    } else {
        Line::styled(truncate(&left, width), left_style)
    };
    frame.render_widget(Paragraph::new(line), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loading_line_counts() {
        let p = Progress {
            accounts: 120,
            accounts_complete: true,
            roles_done: 80,
            failed: 0,
            complete: false,
        };
        assert_eq!(progress_line(p, 0), "accounts 120 · roles for 80/120");
        let done = Progress {
            complete: true,
            failed: 2,
            roles_done: 120,
            ..p
        };
        assert_eq!(
            progress_line(done, 300),
            "300 roles in 120 accounts · 2 failed"
        );
    }

    #[test]
    fn columns_fit_the_width() {
        for w in [40usize, 60, 80, 120, 200] {
            let (n, r) = columns(w);
            assert!(n + r + ID_WIDTH + 6 <= w, "{w}");
        }
    }
}
