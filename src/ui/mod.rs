//! Drawing the picker. Pure: it reads the [`App`] and draws one frame.
//!
//! Layout, top to bottom: the prompt line, the list, a three-line details
//! pane under a rule, the status bar. It works from 60×15 up. One file per
//! pane; every colour and style is in [`theme`].

mod details;
mod login;
mod popups;
mod roles;
mod sessions;
mod status;
pub mod svg;
pub mod text;
pub mod theme;

use ratatui::layout::{Constraint, Layout};
use ratatui::Frame;

use crate::app::{App, View};
use crate::keymap;

/// Lines of the details pane, its rule included.
const DETAILS_HEIGHT: u16 = 4;

/// Rows the list shows in a frame `height` lines tall (for PgUp/PgDn).
pub fn list_height(height: u16) -> usize {
    height.saturating_sub(1 + DETAILS_HEIGHT + 1).max(1) as usize
}

/// Draws the whole picker into `frame`.
pub fn draw(frame: &mut Frame, app: &App) {
    if app.view() == View::Sessions {
        sessions::draw(frame, app);
        if let Some(panel) = app.login_panel() {
            login::draw(frame, frame.area(), app, panel);
        }
        if app.help_visible() {
            popups::draw_help(frame, frame.area(), keymap::session_help_rows());
        }
        return;
    }
    // The details pane grows by the lines of a finding's fix, shown whole.
    let fix_lines = details::note_fix_lines(app, frame.area().width as usize).len() as u16;
    let [prompt, list, details, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(DETAILS_HEIGHT + fix_lines),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    roles::draw_prompt(frame, prompt, app);
    roles::draw_list(frame, list, app);
    details::draw(frame, details, app);
    status::draw(frame, status, app);
    if app.terraform_visible() {
        popups::draw_terraform(frame, frame.area(), app);
    }
    if let Some(panel) = app.login_panel() {
        login::draw(frame, frame.area(), app, panel);
    }
    if app.help_visible() {
        popups::draw_help(frame, frame.area(), keymap::help_rows());
    }
}
