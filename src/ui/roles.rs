//! The Roles view's prompt line and list of rows.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::text::{fit_marked, sanitize, truncate};
use super::theme;
use crate::app::{App, ProfileNote};
use crate::catalog::{Row, RowKind};
use crate::search::{Highlights, Searcher};

/// Width of the account id column.
pub(super) const ID_WIDTH: usize = 12;

/// `session › query` and the match count; the cursor after the query.
pub(super) fn draw_prompt(frame: &mut Frame, area: Rect, app: &App) {
    let count = format!(" {}/{} ", app.match_count(), app.catalog().rows().len());
    let prefix = format!("{} › ", truncate(&sanitize(&app.session), 20));
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
    let cursor_x = area.x + (prefix.width() + shown.width()) as u16;
    let line = Line::from(vec![
        Span::styled(prefix, theme::heading()),
        Span::raw(shown),
        Span::raw(" ".repeat(pad)),
        Span::styled(count, theme::dim()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    if !app.help_visible() {
        frame.set_cursor_position((cursor_x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// Column widths (name, role) for a list `width` columns wide: 3 columns of
/// marks, the id column, and two spaces between columns.
fn columns(width: usize) -> (usize, usize) {
    let rest = width.saturating_sub(3 + ID_WIDTH + 2 + 2);
    let role = (rest * 2 / 5).clamp(8.min(rest), 36);
    (rest - role, role)
}

/// The matching rows around the selection, with the query's matches marked.
pub(super) fn draw_list(frame: &mut Frame, area: Rect, app: &App) {
    let height = area.height as usize;
    let selected = app.selected_index();
    let offset = if selected < height {
        0
    } else {
        selected + 1 - height
    };
    let (name_w, role_w) = columns(area.width as usize);
    let searcher = Searcher::default();
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    for (i, row) in app.matches().enumerate().skip(offset).take(height) {
        // Highlights only for the rows on screen.
        let marks = searcher.highlights(app.query(), row);
        lines.push(row_line(
            row,
            &marks,
            i == selected,
            app.is_favourite(row),
            app.row_notes(row),
            name_w,
            role_w,
        ));
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
        lines.push(Line::styled(format!("   {note}"), theme::dim()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn spans(runs: Vec<(String, bool)>, base: Style) -> impl Iterator<Item = Span<'static>> {
    let mark = theme::matched(base);
    runs.into_iter()
        .map(move |(s, m)| Span::styled(s, if m { mark } else { base }))
}

fn row_line(
    row: &Row,
    marks: &Highlights,
    selected: bool,
    favourite: bool,
    notes: &[ProfileNote],
    name_w: usize,
    role_w: usize,
) -> Line<'static> {
    let base = theme::row_base(selected);
    let mut out: Vec<Span> = vec![
        Span::styled(if selected { "▌" } else { " " }, theme::marker()),
        Span::styled(if favourite { "★" } else { " " }, theme::notice()),
        // A doctor finding about the profile this row writes.
        match notes.iter().any(|n| n.error) {
            _ if notes.is_empty() => Span::raw(" "),
            true => Span::styled("!", theme::error_badge()),
            false => Span::styled("!", theme::finding(false)),
        },
    ];
    out.extend(spans(
        fit_marked(&row.account.name, &marks.name, name_w),
        base,
    ));
    out.push(Span::styled("  ", base));
    out.extend(spans(
        fit_marked(&row.account.id, &marks.id, ID_WIDTH),
        theme::account_id(base),
    ));
    out.push(Span::styled("  ", base));
    match &row.kind {
        RowKind::Role(role) => out.extend(spans(
            fit_marked(role, &marks.role, role_w),
            theme::role(base),
        )),
        RowKind::Failed(_) => out.extend(spans(
            fit_marked("⚠ roles failed", &[], role_w),
            theme::failed_role(base),
        )),
    }
    Line::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_the_width() {
        for w in [40usize, 60, 80, 120, 200] {
            let (n, r) = columns(w);
            assert!(3 + n + 2 + ID_WIDTH + 2 + r <= w, "{w}");
        }
    }
}
