//! The popups over a view: the key help and the terraform provider block.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::text::truncate;
use super::theme;
use crate::app::App;

/// A `width` × `height` rectangle in the middle of `area`, for popups.
pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(row);
    popup
}

/// The terraform provider block of the selected row (Ctrl-t).
pub(super) fn draw_terraform(frame: &mut Frame, area: Rect, app: &App) {
    let (Some(row), Some(profile)) = (app.selected(), app.selected_profile()) else {
        return;
    };
    let block_text = crate::shell::terraform_block(&profile, &app.region_for(row).0);
    let mut lines: Vec<Line> = block_text
        .lines()
        .map(|l| Line::styled(l.to_string(), theme::terraform()))
        .collect();
    lines.push(Line::default());
    lines.push(Line::styled(
        "Enter writes this profile · --emit terraform prints it",
        theme::dim(),
    ));
    lines.push(Line::styled("Ctrl-t or Esc closes", theme::dim()));
    let width = (lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16 + 4).min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, width, height);
    let block = Block::bordered()
        .title(" terraform ")
        .border_style(theme::terraform());
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

/// The key help: `rows` of (keys, what they do).
pub(super) fn draw_help(frame: &mut Frame, area: Rect, rows: Vec<(String, &'static str)>) {
    let key_w = rows.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let desc_w = rows.iter().map(|(_, d)| d.width()).max().unwrap_or(0);
    let width = ((key_w + desc_w + 3 + 2) as u16).min(area.width);
    let height = ((rows.len() + 2) as u16).min(area.height);
    let popup = centered(area, width, height);
    let inner_w = width.saturating_sub(2) as usize;
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|(keys, description)| {
            let keys = format!("{keys:<key_w$}");
            let rest = inner_w.saturating_sub(key_w + 2);
            Line::from(vec![
                Span::styled(keys, theme::heading()),
                Span::raw("  "),
                Span::raw(truncate(description, rest)),
            ])
        })
        .collect();
    let block = Block::bordered()
        .title(" keys · F1/Esc closes ")
        .border_style(theme::help_border());
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
