//! Drawing the picker. Pure: it reads the [`App`] and draws one frame.
//!
//! Layout, top to bottom: the prompt line, the list, a three-line details
//! pane under a rule, the status bar. It works from 60×15 up.

pub mod svg;
pub mod text;

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::app::{App, View};
use crate::catalog::{Row, RowKind};
use crate::keymap;
use crate::search::{Highlights, Searcher};
use crate::sessions::{state_at, TokenState};
use text::{fit_marked, sanitize, truncate};

/// Width of the account id column.
const ID_WIDTH: usize = 12;
/// Lines of the details pane, its rule included.
const DETAILS_HEIGHT: u16 = 4;

/// Rows the list shows in a frame `height` lines tall (for PgUp/PgDn).
pub fn list_height(height: u16) -> usize {
    height.saturating_sub(1 + DETAILS_HEIGHT + 1).max(1) as usize
}

/// Draws the whole picker into `frame`.
pub fn draw(frame: &mut Frame, app: &App) {
    if app.view() == View::Sessions {
        draw_sessions(frame, app);
        if let Some(panel) = app.login_panel() {
            draw_login(frame, frame.area(), app, panel);
        }
        if app.help_visible() {
            draw_help(frame, frame.area(), keymap::session_help_rows());
        }
        return;
    }
    let [prompt, list, details, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(DETAILS_HEIGHT),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_prompt(frame, prompt, app);
    draw_list(frame, list, app);
    draw_details(frame, details, app);
    draw_status(frame, status, app);
    if app.terraform_visible() {
        draw_terraform(frame, frame.area(), app);
    }
    if let Some(panel) = app.login_panel() {
        draw_login(frame, frame.area(), app, panel);
    }
    if app.help_visible() {
        draw_help(frame, frame.area(), keymap::help_rows());
    }
}

/// A `width` × `height` rectangle in the middle of `area`, for popups.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(row);
    popup
}

/// The terraform provider block of the selected row (Ctrl-t).
fn draw_terraform(frame: &mut Frame, area: Rect, app: &App) {
    let Some(profile) = app.selected_profile() else {
        return;
    };
    let block_text = crate::shell::terraform_block(&profile, &app.region);
    let mut lines: Vec<Line> = block_text
        .lines()
        .map(|l| Line::styled(l.to_string(), Style::default().fg(Color::Green)))
        .collect();
    lines.push(Line::default());
    lines.push(Line::styled(
        "Enter writes this profile · --emit terraform prints it",
        dim(),
    ));
    lines.push(Line::styled("Ctrl-t or Esc closes", dim()));
    let width = (lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16 + 4).min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, width, height);
    let block = Block::bordered()
        .title(" terraform ")
        .border_style(Style::default().fg(Color::Green));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

/// `in 3h12m`, `in 9m`, `2d ago`: how far `t` is from `now`.
pub fn relative(now: time::OffsetDateTime, t: time::OffsetDateTime) -> String {
    let span = crate::duration::humanize((t - now).unsigned_abs());
    if t >= now {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

fn state_style(state: TokenState) -> Style {
    match state {
        TokenState::Valid => Style::default().fg(Color::Green),
        TokenState::Expiring => Style::default().fg(Color::Yellow),
        TokenState::Expired | TokenState::Unreadable => Style::default().fg(Color::Red),
        TokenState::NotLoggedIn => dim(),
    }
}

/// The Sessions view: every session and legacy start URL, the state of its
/// login with a live countdown, whether it can be refreshed, its profiles.
fn draw_sessions(frame: &mut Frame, app: &App) {
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
            Span::styled(
                "sessions",
                Style::default()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(
                    "  {} known · listing {}",
                    app.sessions().len(),
                    sanitize(&app.session)
                ),
                dim(),
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
        dim().add_modifier(Modifier::UNDERLINED),
    )];
    for (i, s) in app
        .sessions()
        .iter()
        .enumerate()
        .take(list.height.saturating_sub(1) as usize)
    {
        let selected = i == app.session_selected();
        let state = s.state(now);
        let base = if selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
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
            Span::styled(
                if selected { "▌" } else { " " },
                Style::default().fg(Color::Cyan),
            ),
            Span::styled(
                if current { "● " } else { "  " },
                Style::default().fg(Color::Cyan),
            ),
            Span::styled(text::fit(&name, name_w), base.add_modifier(Modifier::BOLD)),
            Span::styled("  ", base),
            Span::styled(
                format!("{:<13}", state.as_str()),
                base.patch(state_style(state)),
            ),
            Span::styled("  ", base),
            Span::styled(format!("{expires:<12}"), base),
            Span::styled("  ", base),
            Span::styled(
                format!("{:<7}", if s.refreshable { "yes" } else { "no" }),
                base,
            ),
            Span::styled("  ", base),
            Span::styled(format!("{:>8}", s.profiles), base),
            Span::styled("  ", base),
            Span::styled(
                text::fit(&sanitize(&s.start_url), width.saturating_sub(used)),
                base.patch(dim()),
            ),
        ]));
    }
    if app.sessions().is_empty() {
        lines.push(Line::styled("   no sso-session in the config", dim()));
    }
    frame.render_widget(Paragraph::new(lines), list);

    let block = Block::default().borders(Borders::TOP).border_style(dim());
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
            Style::default().add_modifier(Modifier::BOLD),
        ));
        let state = s.state(now);
        let when = match (state, s.expires_at) {
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
        info.push(Line::styled(truncate(&when, dw), state_style(state)));
    }
    if let Some(message) = app.message() {
        info.push(Line::styled(
            truncate(&sanitize(message), dw),
            Style::default().fg(Color::Yellow),
        ));
    }
    frame.render_widget(Paragraph::new(info), inner);
    let hints = keymap::session_hints();
    frame.render_widget(
        Paragraph::new(Line::styled(truncate(&hints, status.width as usize), dim())),
        status,
    );
}

/// `9:41` left until `until`, or `expired`.
fn countdown(now: time::OffsetDateTime, until: time::OffsetDateTime) -> String {
    let left = (until - now).whole_seconds();
    if left <= 0 {
        "expired".to_string()
    } else {
        format!("{}:{:02}", left / 60, left % 60)
    }
}

fn draw_login(frame: &mut Frame, area: Rect, app: &App, panel: &crate::app::LoginPanel) {
    let width = area.width.min(78);
    let inner_w = width.saturating_sub(2) as usize;
    let label = Style::default()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = vec![Line::styled(
        truncate(&sanitize(&panel.reason), inner_w),
        Style::default().fg(Color::Yellow),
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
                    Span::styled(
                        sanitize(code),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                ]));
            }
            if let Some(until) = panel.expires_at {
                lines.push(Line::from(vec![
                    Span::styled("left  ", label),
                    Span::raw(countdown(app.now(), until)),
                ]));
            }
        }
        _ if !panel.failed => lines.push(Line::styled("starting the login…", dim())),
        _ => {}
    }
    if let Some(note) = &panel.note {
        let style = if panel.failed {
            Style::default().fg(Color::Red)
        } else {
            dim()
        };
        lines.push(Line::styled(truncate(&sanitize(note), inner_w), style));
    }
    lines.push(Line::styled(
        if panel.failed {
            "Ctrl-l tries again · Esc cancels"
        } else {
            "waiting for the sign-in · Ctrl-l starts over · Esc cancels"
        },
        dim(),
    ));
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, width, height);
    let block = Block::bordered()
        .title(format!(
            " log in to {} ",
            truncate(&sanitize(&app.session), 30)
        ))
        .border_style(Style::default().fg(Color::Yellow));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

fn draw_prompt(frame: &mut Frame, area: Rect, app: &App) {
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
        Span::styled(
            prefix,
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        ),
        Span::raw(shown),
        Span::raw(" ".repeat(pad)),
        Span::styled(count, dim()),
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

fn draw_list(frame: &mut Frame, area: Rect, app: &App) {
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
        lines.push(Line::styled(format!("   {note}"), dim()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn spans(runs: Vec<(String, bool)>, base: Style) -> impl Iterator<Item = Span<'static>> {
    let mark = base
        .fg(Color::Magenta)
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    runs.into_iter()
        .map(move |(s, m)| Span::styled(s, if m { mark } else { base }))
}

fn row_line(
    row: &Row,
    marks: &Highlights,
    selected: bool,
    favourite: bool,
    notes: &[crate::app::ProfileNote],
    name_w: usize,
    role_w: usize,
) -> Line<'static> {
    let base = if selected {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default()
    };
    let mut out: Vec<Span> = vec![
        Span::styled(
            if selected { "▌" } else { " " },
            Style::default().fg(Color::Cyan),
        ),
        Span::styled(
            if favourite { "★" } else { " " },
            Style::default().fg(Color::Yellow),
        ),
        // A doctor finding about the profile this row writes.
        match notes.iter().any(|n| n.error) {
            _ if notes.is_empty() => Span::raw(" "),
            true => Span::styled(
                "!",
                Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
            false => Span::styled("!", Style::default().fg(Color::Yellow)),
        },
    ];
    out.extend(spans(
        fit_marked(&row.account.name, &marks.name, name_w),
        base,
    ));
    out.push(Span::styled("  ", base));
    out.extend(spans(
        fit_marked(&row.account.id, &marks.id, ID_WIDTH),
        base.fg(Color::Yellow),
    ));
    out.push(Span::styled("  ", base));
    match &row.kind {
        RowKind::Role(role) => out.extend(spans(
            fit_marked(role, &marks.role, role_w),
            base.fg(Color::Green),
        )),
        RowKind::Failed(_) => out.extend(spans(
            fit_marked("⚠ roles failed", &[], role_w),
            base.fg(Color::Red),
        )),
    }
    Line::from(out)
}

fn draw_details(frame: &mut Frame, area: Rect, app: &App) {
    let width = area.width as usize;
    let block = Block::default().borders(Borders::TOP).border_style(dim());
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
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(" · ", dim()),
            Span::styled(a.id.clone(), Style::default().fg(Color::Yellow)),
        ]));
        lines.push(match &row.kind {
            RowKind::Role(role) => Line::from(vec![
                Span::styled(
                    truncate(&sanitize(role), width / 2),
                    Style::default().fg(Color::Green),
                ),
                Span::styled(" · ", dim()),
                Span::styled(truncate(&sanitize(&a.email), width / 2), dim()),
            ]),
            RowKind::Failed(_) => Line::styled(truncate(&sanitize(&a.email), width), dim()),
        });
        lines.push(match &row.kind {
            RowKind::Role(_) => profile_line(app, width),
            RowKind::Failed(e) => Line::styled(
                truncate(
                    &format!("roles failed: {} · Ctrl-r retries", sanitize(e)),
                    width,
                ),
                Style::default().fg(Color::Red),
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
                Style::default().fg(if note.error {
                    Color::Red
                } else {
                    Color::Yellow
                }),
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
            Style::default().fg(Color::Red),
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
    Line::styled(truncate(&text, width), Style::default().fg(Color::Cyan))
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
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
        Style::default().fg(Color::Yellow)
    } else if p.complete {
        dim()
    } else {
        Style::default().fg(Color::Cyan)
    };
    let line = if left.width() + hints.width() + 2 <= width {
        let pad = width - left.width() - hints.width();
        Line::from(vec![
            Span::styled(left, left_style),
            Span::raw(" ".repeat(pad)),
            Span::styled(hints, dim()),
        ])
    } else if left.width() + 10 <= width {
        let pad = width - left.width() - 7;
        Line::from(vec![
            Span::styled(left, left_style),
            Span::raw(" ".repeat(pad)),
            Span::styled("F1 help", dim()),
        ])
    } else {
        Line::styled(truncate(&left, width), left_style)
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_help(frame: &mut Frame, area: Rect, rows: Vec<(String, &'static str)>) {
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
                Span::styled(
                    keys,
                    Style::default()
                        .fg(Color::Cyan)
                        .add_modifier(Modifier::BOLD),
                ),
                Span::raw("  "),
                Span::raw(truncate(description, rest)),
            ])
        })
        .collect();
    let block = Block::bordered()
        .title(" keys · F1/Esc closes ")
        .border_style(Style::default().fg(Color::Cyan));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
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
