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
use crate::catalog::{Row, RowKind};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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
            RowKind::Role(_) => profile_line(app, row, width),
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
        // Then the whole fix, under the profile line (the pane grew for it).
        lines.extend(
            note_fix_lines(app, width)
                .into_iter()
                .map(|l| Line::styled(l, theme::notice())),
        );
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

/// The fix of the selected row's first finding, `fix: …` word-wrapped to
/// `width` columns (escaped; a word longer than a line is cut into
/// pieces); empty when the row has no finding or a message takes the
/// pane.
pub(super) fn note_fix_lines(app: &App, width: usize) -> Vec<String> {
    let notes = app.selected().map(|r| app.row_notes(r)).unwrap_or(&[]);
    match (app.message(), notes.first()) {
        (None, Some(note)) => wrap(&format!("fix: {}", sanitize(&note.fix)), width.max(1)),
        _ => Vec::new(),
    }
}

/// `text` in lines of at most `width` columns, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let sep = usize::from(!line.is_empty());
            if line.width() + sep + word.width() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a line: as much as fits, then the rest.
            let mut cut = 0;
            let mut used = 0;
            for (i, c) in word.char_indices() {
                let w = UnicodeWidthChar::width(c).unwrap_or(0);
                if used + w > width {
                    break;
                }
                used += w;
                cut = i + c.len_utf8();
            }
            let cut = cut.max(word.chars().next().map_or(0, char::len_utf8));
            lines.push(word[..cut].to_string());
            word = word[cut..].to_string();
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// What Enter would write, with the rule that chose the region:
/// `new profile · us-west-2 (sso_region) · 123456789012_Admin`,
/// `profile exists · us-east-1 (profile) · …`, or
/// `profile exists · eu-west-1 → us-west-2 (--region) · …` when the region
/// changes.
fn profile_line(app: &App, row: &Row, width: usize) -> Line<'static> {
    let profile = app.selected_profile().unwrap_or_default();
    let (name, source) = app.region_for(row);
    let region = format!("{} ({})", sanitize(&name), source.label());
    let state = match app.existing_profile(&profile) {
        None => format!("new profile · {region}"),
        Some(p) => match p.region.as_deref() {
            Some(r) if r == name => format!("profile exists · {region}"),
            Some(r) => format!("profile exists · {} → {region}", sanitize(r)),
            None => format!("profile exists · no region → {region}"),
        },
    };
    let text = format!("{state} · {profile}");
    Line::styled(truncate(&text, width), theme::info())
}
