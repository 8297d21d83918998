//! The details pane under the list: the selected row's account, role and
//! email, what Enter would write, a doctor finding or the latest message.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::roles::ID_WIDTH;
use super::text::{sanitize, truncate};
use super::theme;
use crate::app::App;
use crate::catalog::RowKind;

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let width = area.width as usize;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme::dim());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(row) = app.selected() {
        let a = &row.account;
        lines.push(Line::from(vec![
            Span::styled(
                truncate(
                    &sanitize(&a.name),
                    width.saturating_sub(ID_WIDTH + 6).max(8),
                ),
                theme::strong(),
            ),
            Span::styled(" · ", theme::dim()),
            Span::styled(a.id.clone(), theme::account_id(Style::default())),
        ]));
        lines.push(match &row.kind {
            RowKind::Role(role) => Line::from(vec![
                Span::styled(
                    truncate(&sanitize(role), width / 2),
                    theme::role(Style::default()),
                ),
                Span::styled(" · ", theme::dim()),
                Span::styled(truncate(&sanitize(&a.email), width / 2), theme::dim()),
            ]),
            RowKind::Failed(_) => Line::styled(truncate(&sanitize(&a.email), width), theme::dim()),
        });
        lines.push(match &row.kind {
            RowKind::Role(_) => profile_line(app, width),
            RowKind::Failed(e) => Line::styled(
                truncate(
                    &format!("roles failed: {} · Ctrl-r retries", sanitize(e)),
                    width,
                ),
                theme::failure(),
            ),
        });
    }
    let notes = app.selected().map(|r| app.row_notes(r)).unwrap_or(&[]);
    if let (None, Some(note)) = (app.message(), notes.first()) {
        // Why the row has a badge (the first finding; `doctor` lists all),
        // in place of the role and email (the row shows the role).
        let more = if notes.len() > 1 {
            format!(" (+{} more: doctor)", notes.len() - 1)
        } else {
            String::new()
        };
        if let Some(line) = lines.get_mut(1) {
            *line = Line::styled(
                truncate(
                    &format!("! {}: {}{more}", note.code, sanitize(&note.message)),
                    width,
                ),
                theme::finding(note.error),
            );
        }
    }
    if let Some(message) = app.message() {
        // A note replaces the last line.
        lines.truncate(2);
        while lines.len() < 2 {
            lines.push(Line::default());
        }
        lines.push(Line::styled(
            truncate(&sanitize(message), width),
            theme::failure(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// What Enter would write: `new profile · us-west-2 · 123456789012_Admin`,
/// or `profile exists · eu-west-1 → us-west-2 · …` when the config has it.
fn profile_line(app: &App, width: usize) -> Line<'static> {
    let profile = app.selected_profile().unwrap_or_default();
    let state = match app.existing_profile(&profile) {
        None => format!("new profile · {}", app.region),
        Some(p) => match p.region.as_deref() {
            Some(r) if r == app.region => format!("profile exists · {r}"),
            Some(r) => format!("profile exists · {r} → {}", app.region),
            None => format!("profile exists · no region → {}", app.region),
        },
    };
    let text = format!("{state} · {profile}");
    Line::styled(truncate(&text, width), theme::info())
}
