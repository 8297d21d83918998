//! The one key table: it drives key handling, and the status-bar hints are
//! taken from it, so what the screen says is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A user intent in the Roles view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Add a character to the query.
    Insert(char),
    /// Delete the character before the cursor.
    DeleteChar,
    /// Move the selection up one row.
    Up,
    /// Move the selection down one row.
    Down,
    /// Write the selected row's profile, print the result, exit 0.
    Accept,
    /// Exit 1 with empty stdout.
    Cancel,
    /// Exit 130 with empty stdout.
    Interrupt,
}

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub action: Action,
    /// How the key is written in hints, e.g. `Ctrl-p`.
    pub label: &'static str,
    /// What it does, for hints.
    pub description: &'static str,
    /// Whether the status bar shows it.
    pub hint: bool,
}

const fn bind(
    code: KeyCode,
    modifiers: KeyModifiers,
    action: Action,
    label: &'static str,
    description: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        code,
        modifiers,
        action,
        label,
        description,
        hint,
    }
}

/// Every key of the Roles view. Printable characters (without Ctrl/Alt) go
/// into the query and are not listed.
pub const ROLES_KEYS: &[Binding] = &[
    bind(
        KeyCode::Up,
        KeyModifiers::NONE,
        Action::Up,
        "↑",
        "move up",
        false,
    ),
    bind(
        KeyCode::Down,
        KeyModifiers::NONE,
        Action::Down,
        "↓",
        "move down",
        false,
    ),
    bind(
        KeyCode::Char('p'),
        KeyModifiers::CONTROL,
        Action::Up,
        "Ctrl-p",
        "move up",
        false,
    ),
    bind(
        KeyCode::Char('n'),
        KeyModifiers::CONTROL,
        Action::Down,
        "Ctrl-n",
        "move down",
        false,
    ),
    bind(
        KeyCode::Backspace,
        KeyModifiers::NONE,
        Action::DeleteChar,
        "Backspace",
        "delete a character",
        false,
    ),
    bind(
        KeyCode::Enter,
        KeyModifiers::NONE,
        Action::Accept,
        "Enter",
        "write profile",
        true,
    ),
    bind(
        KeyCode::Esc,
        KeyModifiers::NONE,
        Action::Cancel,
        "Esc",
        "cancel",
        true,
    ),
    bind(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
        Action::Interrupt,
        "Ctrl-c",
        "quit",
        false,
    ),
];

/// The action for a key press in the Roles view, or `None` for keys without
/// one (and for key releases).
pub fn action_for(key: KeyEvent) -> Option<Action> {
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
        KeyCode::Char(c) if !modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
            Some(Action::Insert(c))
        }
        _ => None,
    }
}

/// The status-bar hints: `"Enter write profile · Esc cancel"`.
pub fn hints() -> String {
    ROLES_KEYS
        .iter()
        .filter(|b| b.hint)
        .map(|b| format!("{} {}", b.label, b.description))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn table_drives_actions() {
        assert_eq!(
            action_for(key(KeyCode::Char('a'), KeyModifiers::NONE)),
            Some(Action::Insert('a'))
        );
        assert_eq!(
            action_for(key(KeyCode::Char('A'), KeyModifiers::SHIFT)),
            Some(Action::Insert('A'))
        );
        assert_eq!(
            action_for(key(KeyCode::Char('p'), KeyModifiers::CONTROL)),
            Some(Action::Up)
        );
        assert_eq!(
            action_for(key(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Interrupt)
        );
        assert_eq!(
            action_for(key(KeyCode::Char('x'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(
            action_for(key(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Action::Accept)
        );
        assert_eq!(
            action_for(key(KeyCode::Esc, KeyModifiers::NONE)),
            Some(Action::Cancel)
        );
        assert_eq!(hints(), "Enter write profile · Esc cancel");
    }
}
