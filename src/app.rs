//! The picker's model: catalog rows, the query, the ranked matches and the
//! selection. No I/O, no tokio, no terminal: events go in through
//! [`App::handle_key`] and [`App::apply`], an [`Outcome`] comes out.

use crossterm::event::KeyEvent;

use crate::catalog::{profile_name, Catalog, CatalogEvent, Progress, Row, RowKind};
use crate::keymap::{action_for, Action};
use crate::search::Searcher;

/// How the picker ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Enter on a role row: write its profile and print the result (exit 0).
    Chosen(Row),
    /// Esc (exit 1).
    Cancelled,
    /// Ctrl-c (exit 130).
    Interrupted,
    /// The listing failed before any row arrived (exit 2); the message says why.
    Failed(String),
}

/// The picker's state.
#[derive(Debug)]
pub struct App {
    /// The sso-session being listed.
    pub session: String,
    /// Its `sso_region`, written into new profiles.
    pub region: String,
    catalog: Catalog,
    searcher: Searcher,
    query: String,
    /// Indices into `catalog.rows()`, best match first.
    matches: Vec<usize>,
    /// Index into `matches`.
    selected: usize,
    /// (account id, role) of the selected row, kept while rows stream in.
    selected_key: Option<(String, Option<String>)>,
    /// Whether the user moved the selection since the query last changed;
    /// until then the selection stays on the best (top) row.
    moved: bool,
    /// A one-line note for the user (e.g. why Enter did nothing).
    message: Option<String>,
}

impl App {
    /// A picker for `session` (`region` is its `sso_region`), starting with `query`.
    pub fn new(session: &str, region: &str, query: &str) -> App {
        App {
            session: session.to_string(),
            region: region.to_string(),
            catalog: Catalog::default(),
            searcher: Searcher::default(),
            query: query.to_string(),
            matches: Vec::new(),
            selected: 0,
            selected_key: None,
            moved: false,
            message: None,
        }
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn progress(&self) -> Progress {
        self.catalog.progress()
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The matching rows, best first.
    pub fn matches(&self) -> impl ExactSizeIterator<Item = &Row> + '_ {
        let rows = self.catalog.rows();
        self.matches.iter().map(move |&i| &rows[i])
    }

    pub fn match_count(&self) -> usize {
        self.matches.len()
    }

    /// Index of the selected row within [`App::matches`].
    pub fn selected_index(&self) -> usize {
        self.selected
    }

    pub fn selected(&self) -> Option<&Row> {
        self.matches
            .get(self.selected)
            .map(|&i| &self.catalog.rows()[i])
    }

    /// The profile name the selected row would write.
    pub fn selected_profile(&self) -> Option<String> {
        let row = self.selected()?;
        Some(profile_name(&row.account.id, row.role()?))
    }

    /// Handles one terminal key event through the key table.
    pub fn handle_key(&mut self, key: KeyEvent) -> Option<Outcome> {
        action_for(key).and_then(|a| self.update(a))
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) -> Option<Outcome> {
        match action {
            Action::Insert(c) => {
                self.query.push(c);
                self.message = None;
                self.selected = 0;
                self.moved = false;
                self.refilter(false);
            }
            Action::DeleteChar => {
                if self.query.pop().is_some() {
                    self.message = None;
                    self.selected = 0;
                    self.moved = false;
                    self.refilter(false);
                }
            }
            Action::Up => {
                self.moved = true;
                self.select(self.selected.saturating_sub(1));
            }
            Action::Down => {
                self.moved = true;
                self.select(self.selected + 1);
            }
            Action::Accept => return self.accept(),
            Action::Cancel => return Some(Outcome::Cancelled),
            Action::Interrupt => return Some(Outcome::Interrupted),
        }
        None
    }

    /// Folds one listing event in, keeping the selection on the same
    /// (account, role). Returns `Outcome::Failed` when the listing ended with
    /// a fatal error and nothing to pick from.
    pub fn apply(&mut self, event: CatalogEvent) -> Option<Outcome> {
        let changed = self.catalog.apply(event);
        if changed {
            self.refilter(true);
        }
        if let Some(fatal) = self.catalog.fatal() {
            if self.catalog.rows().is_empty() {
                return Some(Outcome::Failed(fatal.to_string()));
            }
            self.message = Some(fatal.to_string());
        }
        None
    }

    fn accept(&mut self) -> Option<Outcome> {
        let row = self.selected()?.clone();
        match &row.kind {
            RowKind::Role(_) => Some(Outcome::Chosen(row)),
            RowKind::Failed(error) => {
                self.message = Some(format!(
                    "roles of {} could not be listed: {error}",
                    row.account.id
                ));
                None
            }
        }
    }

    fn select(&mut self, index: usize) {
        if self.matches.is_empty() {
            self.selected = 0;
            self.selected_key = None;
            return;
        }
        self.selected = index.min(self.matches.len() - 1);
        self.selected_key = self
            .selected()
            .map(|r| (r.account.id.clone(), r.role().map(str::to_string)));
    }

    /// Re-ranks. With `keep`, a selection the user moved follows its
    /// (account, role); otherwise it stays at `self.selected` (clamped).
    fn refilter(&mut self, keep: bool) {
        self.matches = self.searcher.rank(&self.query, self.catalog.rows());
        let rows = self.catalog.rows();
        let wanted = if keep && self.moved {
            self.selected_key.clone()
        } else {
            None
        };
        let index = wanted
            .and_then(|(id, role)| {
                self.matches
                    .iter()
                    .position(|&i| rows[i].account.id == id && rows[i].role() == role.as_deref())
            })
            .unwrap_or(self.selected);
        self.select(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Account;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn acc(id: &str, name: &str) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            email: format!("{id}@uoregon.edu"),
        }
    }

    fn loaded() -> App {
        let mut app = App::new("uoregon", "us-west-2", "");
        app.apply(CatalogEvent::Accounts(vec![
            acc("111111111111", "Genomics"),
            acc("222222222222", "Library"),
        ]));
        app.apply(CatalogEvent::Roles {
            account_id: "222222222222".into(),
            roles: vec!["ReadOnly".into()],
        });
        app
    }

    #[test]
    fn selection_follows_its_row_while_rows_stream_in() {
        let mut app = loaded();
        assert_eq!(app.selected_profile().unwrap(), "222222222222_ReadOnly");
        app.update(Action::Down); // the user chose this row
        app.apply(CatalogEvent::Roles {
            account_id: "111111111111".into(),
            roles: vec!["Admin".into()],
        });
        // Genomics sorts first, but the selection stays on Library.
        assert_eq!(app.selected_index(), 1);
        assert_eq!(app.selected_profile().unwrap(), "222222222222_ReadOnly");
    }

    #[test]
    fn an_untouched_selection_stays_on_the_top_row() {
        let mut app = loaded();
        assert_eq!(app.selected_profile().unwrap(), "222222222222_ReadOnly");
        app.apply(CatalogEvent::Roles {
            account_id: "111111111111".into(),
            roles: vec!["Admin".into()],
        });
        assert_eq!(app.selected_index(), 0);
        assert_eq!(app.selected_profile().unwrap(), "111111111111_Admin");
    }

    #[test]
    fn typing_filters_and_enter_chooses() {
        let mut app = loaded();
        app.apply(CatalogEvent::Roles {
            account_id: "111111111111".into(),
            roles: vec!["Admin".into()],
        });
        for c in "geno".chars() {
            assert!(app
                .handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
                .is_none());
        }
        assert_eq!(app.match_count(), 1);
        match app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)) {
            Some(Outcome::Chosen(row)) => assert_eq!(row.role(), Some("Admin")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            Some(Outcome::Cancelled)
        );
        assert_eq!(
            app.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Outcome::Interrupted)
        );
    }

    #[test]
    fn failed_accounts_are_rows_that_cannot_be_chosen() {
        let mut app = loaded();
        app.apply(CatalogEvent::RolesFailed {
            account_id: "111111111111".into(),
            error: "ListAccountRoles: InternalServerException".into(),
        });
        app.update(Action::Up);
        assert!(app.update(Action::Accept).is_none());
        assert!(app.message().unwrap().contains("InternalServerException"));
        app.update(Action::Down);
        assert!(matches!(
            app.update(Action::Accept),
            Some(Outcome::Chosen(_))
        ));
    }

    #[test]
    fn a_fatal_error_with_no_rows_ends_the_picker() {
        let mut app = App::new("uoregon", "us-west-2", "");
        let out = app.apply(CatalogEvent::Fatal("ListAccounts: token rejected".into()));
        assert_eq!(
            out,
            Some(Outcome::Failed("ListAccounts: token rejected".into()))
        );
    }
}
