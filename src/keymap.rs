//! The one key table: it drives key handling, the help popup and the
//! status-bar hints, so what the screen says is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A user intent in the Roles view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Add a character to the query.
    Insert(char),
    /// Delete the last character of the query.
    DeleteChar,
    /// Delete the last word of the query (and the spaces after it).
    DeleteWord,
    /// Clear the query.
    ClearQuery,
    /// Move the selection up one row.
    Up,
    /// Move the selection down one row.
    Down,
    /// Move the selection up one page.
    PageUp,
    /// Move the selection down one page.
    PageDown,
    /// Select the first row.
    First,
    /// Select the last row.
    Last,
    /// Write the selected row's profile, print the result, exit 0.
    Accept,
    /// Close the help popup, or exit 1 with empty stdout.
    Cancel,
    /// Exit 130 with empty stdout.
    Interrupt,
    /// List the portal again now (also retries failed accounts).
    Refresh,
    /// Mark or unmark the selected row as a favourite.
    ToggleFavourite,
    /// Show or hide the help popup.
    Help,
    /// Log in again to the current session.
    Login,
    /// Switch to the Sessions view.
    Sessions,
    /// Show or hide the terraform provider block of the selected row.
    Terraform,
    /// Open the AWS console as the selected row's role and end the picker.
    Console,
    /// Write the selected row's profile and a chained profile on top of it
    /// (settings.ini's `chain_role_arn`), hand that over and end the picker.
    Chain,
}

/// A user intent in the Sessions view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAction {
    Up,
    Down,
    /// Log in to the selected session.
    Login,
    /// Refresh the selected session's access token.
    Refresh,
    /// Log out of the selected session.
    Logout,
    /// Make the selected session the one the Roles view lists.
    Switch,
    /// Back to the Roles view.
    Back,
    /// Exit 130.
    Interrupt,
    Help,
}

/// One row of the Sessions view's key table.
#[derive(Debug, Clone, Copy)]
pub struct SessionBinding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub action: SessionAction,
    pub label: &'static str,
    pub help: &'static str,
}

const fn session_bind(
    code: KeyCode,
    modifiers: KeyModifiers,
    action: SessionAction,
    label: &'static str,
    help: &'static str,
) -> SessionBinding {
    SessionBinding {
        code,
        modifiers,
        action,
        label,
        help,
    }
}

/// Every key of the Sessions view, in the order the help lists them.
#[rustfmt::skip]
pub const SESSIONS_KEYS: &[SessionBinding] = &[
    session_bind(KeyCode::Up, NONE, SessionAction::Up, "↑", "select"),
    session_bind(KeyCode::Down, NONE, SessionAction::Down, "↓", "select"),
    session_bind(KeyCode::Char('l'), NONE, SessionAction::Login, "l", "log in (sso-sessions only)"),
    session_bind(KeyCode::Char('r'), NONE, SessionAction::Refresh, "r", "refresh the token (sso-sessions only)"),
    session_bind(KeyCode::Char('o'), NONE, SessionAction::Logout, "o", "log out (sso-sessions only)"),
    session_bind(KeyCode::Enter, NONE, SessionAction::Switch, "Enter", "list this session's roles"),
    session_bind(KeyCode::Tab, NONE, SessionAction::Back, "Tab", "back to roles"),
    session_bind(KeyCode::Esc, NONE, SessionAction::Back, "Esc", "back to roles"),
    session_bind(KeyCode::Char('c'), CTRL, SessionAction::Interrupt, "Ctrl-c", "quit (exit 130)"),
    session_bind(KeyCode::F(1), NONE, SessionAction::Help, "F1", "help"),
];

/// The action for a key press in the Sessions view.
pub fn session_action_for(key: KeyEvent) -> Option<SessionAction> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let modifiers = key.modifiers - KeyModifiers::SHIFT;
    SESSIONS_KEYS
        .iter()
        .find(|b| b.code == key.code && b.modifiers == modifiers)
        .map(|b| b.action)
}

/// Rows of the Sessions view's help: keys sharing a text joined with spaces.
pub fn session_help_rows() -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    for b in SESSIONS_KEYS {
        match rows.iter_mut().find(|(_, h)| *h == b.help) {
            Some((keys, _)) => {
                keys.push(' ');
                keys.push_str(b.label);
            }
            None => rows.push((b.label.to_string(), b.help)),
        }
    }
    rows
}

/// The Sessions view's status-bar hints.
pub fn session_hints() -> String {
    "l log in · r refresh · o log out · Enter use · Tab back".to_string()
}

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub action: Action,
    /// How the key is written in help and hints, e.g. `Ctrl-p`.
    pub label: &'static str,
    /// What it does (status-bar hints use its first words).
    pub description: &'static str,
    /// Its line in the help popup; keys with the same text share one line.
    pub help: &'static str,
    /// Whether the status bar shows it as a hint.
    pub hint: bool,
}

const fn bind(
    code: KeyCode,
    modifiers: KeyModifiers,
    action: Action,
    label: &'static str,
    description: &'static str,
    help: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        code,
        modifiers,
        action,
        label,
        description,
        help,
        hint,
    }
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

/// Every key of the Roles view, in the order the help popup lists them.
/// Printable characters (without Ctrl/Alt) go into the query; `?` opens the
/// help while the query is empty.
#[rustfmt::skip]
pub const ROLES_KEYS: &[Binding] = &[
    bind(KeyCode::Enter, NONE, Action::Accept, "Enter", "write the profile", "write the profile, print it, exit 0", true),
    bind(KeyCode::Esc, NONE, Action::Cancel, "Esc", "cancel", "cancel (exit 1; Ctrl-c: 130); Ctrl-z suspends (fg resumes)", true),
    bind(KeyCode::Char('c'), CTRL, Action::Interrupt, "Ctrl-c", "quit", "cancel (exit 1; Ctrl-c: 130); Ctrl-z suspends (fg resumes)", false),
    bind(KeyCode::Up, NONE, Action::Up, "↑", "move up", "move up / down", false),
    bind(KeyCode::Down, NONE, Action::Down, "↓", "move down", "move up / down", false),
    bind(KeyCode::Char('p'), CTRL, Action::Up, "Ctrl-p", "move up", "move up / down", false),
    bind(KeyCode::Char('n'), CTRL, Action::Down, "Ctrl-n", "move down", "move up / down", false),
    bind(KeyCode::PageUp, NONE, Action::PageUp, "PgUp", "page up", "page up / down", false),
    bind(KeyCode::PageDown, NONE, Action::PageDown, "PgDn", "page down", "page up / down", false),
    bind(KeyCode::Home, NONE, Action::First, "Home", "first row", "first / last row", false),
    bind(KeyCode::End, NONE, Action::Last, "End", "last row", "first / last row", false),
    bind(KeyCode::Backspace, NONE, Action::DeleteChar, "Backspace", "delete a character", "delete char / word / query", false),
    bind(KeyCode::Char('w'), CTRL, Action::DeleteWord, "Ctrl-w", "delete a word", "delete char / word / query", false),
    bind(KeyCode::Char('u'), CTRL, Action::ClearQuery, "Ctrl-u", "clear the query", "delete char / word / query", false),
    bind(KeyCode::Char('r'), CTRL, Action::Refresh, "Ctrl-r", "refresh", "refresh now (retries failed accounts)", false),
    bind(KeyCode::Char('l'), CTRL, Action::Login, "Ctrl-l", "log in", "log in again to this session", false),
    bind(KeyCode::Char('f'), CTRL, Action::ToggleFavourite, "Ctrl-f", "favourite", "mark / unmark favourite", false),
    bind(KeyCode::Char('t'), CTRL, Action::Terraform, "Ctrl-t", "terraform", "terraform / console / chained profile of the row", false),
    bind(KeyCode::Char('o'), CTRL, Action::Console, "Ctrl-o", "console", "terraform / console / chained profile of the row", false),
    bind(KeyCode::Char('x'), CTRL, Action::Chain, "Ctrl-x", "chained profile", "terraform / console / chained profile of the row", false),
    bind(KeyCode::Tab, NONE, Action::Sessions, "Tab", "sessions", "sessions: which logins are valid", false),
    bind(KeyCode::F(1), NONE, Action::Help, "F1", "help", "help (also ? with an empty query)", true),
];

/// The action for a key press in the Roles view, or `None` for keys without
/// one (and for key releases). `query_empty` makes `?` open the help.
pub fn action_for(key: KeyEvent, query_empty: bool) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    // Shift is part of the character itself.
    let modifiers = key.modifiers - KeyModifiers::SHIFT;
    if let Some(b) = ROLES_KEYS
        .iter()
        .find(|b| b.code == key.code && b.modifiers == modifiers)
    {
        return Some(b.action);
    }
    match key.code {
        KeyCode::Char('?') if query_empty => Some(Action::Help),
        KeyCode::Char(c) if !modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
            Some(Action::Insert(c))
        }
        _ => None,
    }
}

/// The status-bar hints, from the hinted rows: `"Enter write the profile ·
/// Esc cancel · F1 help"`.
pub fn hints() -> String {
    ROLES_KEYS
        .iter()
        .filter(|b| b.hint)
        .map(|b| format!("{} {}", b.label, b.description))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Rows of the help popup: (keys, text), keys sharing a help text joined
/// with spaces, then the query itself.
pub fn help_rows() -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    for b in ROLES_KEYS {
        match rows.iter_mut().find(|(_, h)| *h == b.help) {
            Some((keys, _)) => {
                keys.push(' ');
                keys.push_str(b.label);
            }
            None => rows.push((b.label.to_string(), b.help)),
        }
    }
    rows.push(("type".to_string(), "filter: every word must match"));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn table_drives_actions() {
        let cases = [
            (key(KeyCode::Char('a'), NONE), Some(Action::Insert('a'))),
            (
                key(KeyCode::Char('A'), KeyModifiers::SHIFT),
                Some(Action::Insert('A')),
            ),
            (key(KeyCode::Char('p'), CTRL), Some(Action::Up)),
            (key(KeyCode::Char('n'), CTRL), Some(Action::Down)),
            (key(KeyCode::Char('w'), CTRL), Some(Action::DeleteWord)),
            (key(KeyCode::Char('u'), CTRL), Some(Action::ClearQuery)),
            (key(KeyCode::Char('r'), CTRL), Some(Action::Refresh)),
            (key(KeyCode::Char('f'), CTRL), Some(Action::ToggleFavourite)),
            (key(KeyCode::Char('l'), CTRL), Some(Action::Login)),
            (key(KeyCode::Tab, NONE), Some(Action::Sessions)),
            (key(KeyCode::Char('t'), CTRL), Some(Action::Terraform)),
            (key(KeyCode::Char('o'), CTRL), Some(Action::Console)),
            (key(KeyCode::Char('c'), CTRL), Some(Action::Interrupt)),
            (key(KeyCode::Char('x'), CTRL), Some(Action::Chain)),
            (key(KeyCode::Char('g'), CTRL), None),
            (key(KeyCode::PageUp, NONE), Some(Action::PageUp)),
            (key(KeyCode::PageDown, NONE), Some(Action::PageDown)),
            (key(KeyCode::Home, NONE), Some(Action::First)),
            (key(KeyCode::End, NONE), Some(Action::Last)),
            (key(KeyCode::F(1), NONE), Some(Action::Help)),
            (key(KeyCode::Enter, NONE), Some(Action::Accept)),
            (key(KeyCode::Esc, NONE), Some(Action::Cancel)),
        ];
        for (k, want) in cases {
            assert_eq!(action_for(k, false), want, "{k:?}");
        }
        assert_eq!(
            action_for(key(KeyCode::Char('?'), NONE), true),
            Some(Action::Help)
        );
        assert_eq!(
            action_for(key(KeyCode::Char('?'), NONE), false),
            Some(Action::Insert('?'))
        );
    }

    #[test]
    fn hints_and_help_come_from_the_table() {
        assert_eq!(hints(), "Enter write the profile · Esc cancel · F1 help");
        let help = help_rows();
        assert!(help.contains(&("↑ ↓ Ctrl-p Ctrl-n".to_string(), "move up / down")));
        assert!(help.contains(&("Ctrl-f".to_string(), "mark / unmark favourite")));
        assert!(help.contains(&(
            "Ctrl-t Ctrl-o Ctrl-x".to_string(),
            "terraform / console / chained profile of the row"
        )));
        // Every binding appears in the help, and the help fits a 15-line terminal.
        for b in ROLES_KEYS {
            assert!(
                help.iter().any(|(k, _)| k.split(' ').any(|l| l == b.label)),
                "{}",
                b.label
            );
        }
        assert!(help.len() + 2 <= 15, "{}", help.len());
        let sessions = session_help_rows();
        for b in SESSIONS_KEYS {
            assert!(
                sessions
                    .iter()
                    .any(|(k, _)| k.split(' ').any(|l| l == b.label)),
                "{}",
                b.label
            );
        }
        assert_eq!(
            session_action_for(key(KeyCode::Char('o'), NONE)),
            Some(SessionAction::Logout)
        );
        assert_eq!(session_action_for(key(KeyCode::Char('x'), NONE)), None);
    }
}
