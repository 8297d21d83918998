//! The Roles view: the catalog's rows, the query, the ranked matches, the
//! selection, favourites, and what the config and the doctor say about each
//! profile. Pure state; the [`App`](super::App) routes messages here.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::catalog::{Catalog, CatalogDiff, CatalogEvent, ProfileTemplate, Row, RowKind};
use crate::favourites::Favourite;
use crate::search::{Filtered, ProfileNamer, Searcher};

/// From this many rows on, a non-empty query is ranked off the draw path.
pub const DEFER_FILTER_ROWS: usize = 5_000;

/// A doctor finding about one profile, for the row badge and the details pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileNote {
    /// Whether some tool fails because of it (else it is a warning).
    pub error: bool,
    /// The finding's stable code, e.g. `credentials-shadow`.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it (the details pane shows it whole, wrapped).
    pub fix: String,
}

/// What the config file already says about a profile name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingProfile {
    /// Its `region`, when set.
    pub region: Option<String>,
}

/// Where the selection is and whether the user put it there.
#[derive(Debug, Default)]
struct Selection {
    /// Index into the matches.
    index: usize,
    /// (account id, role) of the selected row, kept while rows stream in.
    key: Option<(String, Option<String>)>,
    /// Whether the user moved the selection since the query last changed;
    /// until then the selection stays on the best (top) row.
    moved: bool,
}

/// Every favourite (all sessions), and the listed session's as (account, role).
#[derive(Debug, Default)]
struct Favourites {
    all: BTreeSet<Favourite>,
    listed: HashSet<(String, String)>,
}

/// What an edit of the query or the rows asks of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ranked {
    /// The matches are up to date.
    Now,
    /// The rows are many: rank them off the draw path (`Effect::Filter`).
    Deferred,
}

/// The Roles view's state.
#[derive(Debug)]
pub struct RolesView {
    catalog: Catalog,
    searcher: Searcher,
    query: String,
    /// Indices into `catalog.rows()`, best match first.
    matches: Vec<usize>,
    selection: Selection,
    /// Rows a page holds (set from the terminal size).
    page: usize,
    favourites: Favourites,
    /// Profiles the config file already has, by name.
    existing: HashMap<String, ExistingProfile>,
    /// Doctor findings by profile name.
    notes: HashMap<String, Vec<ProfileNote>>,
    /// How profiles are named (`profile_template` in settings.ini).
    template: ProfileTemplate,
    /// Whether this pass ended because the portal rejected the access token.
    rejected: bool,
}

impl RolesView {
    /// An empty view starting with `query`.
    pub(super) fn new(query: &str) -> RolesView {
        RolesView {
            catalog: Catalog::default(),
            searcher: Searcher::default(),
            query: query.to_string(),
            matches: Vec::new(),
            selection: Selection::default(),
            page: 10,
            favourites: Favourites::default(),
            existing: HashMap::new(),
            notes: HashMap::new(),
            template: ProfileTemplate::default(),
            rejected: false,
        }
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Whether the current listing pass ended because the portal rejected
    /// the access token (until the next pass begins).
    pub fn rejected(&self) -> bool {
        self.rejected
    }

    /// Folds one listing event into the catalog; returns whether the rows changed.
    pub(super) fn apply_event(&mut self, event: CatalogEvent) -> bool {
        if let CatalogEvent::Fatal {
            unauthorized: true, ..
        } = event
        {
            self.rejected = true;
        }
        self.catalog.apply(event)
    }

    /// What the pass that just ended changed, once.
    pub(super) fn take_diff(&mut self) -> Option<CatalogDiff> {
        self.catalog.take_diff()
    }

    /// A new listing pass begins over the rows on screen.
    pub(super) fn begin_refresh(&mut self) {
        self.catalog.begin_refresh();
        self.rejected = false;
    }

    /// The matching rows, best first.
    pub fn matches(&self) -> impl ExactSizeIterator<Item = &Row> + '_ {
        let rows = self.catalog.rows();
        self.matches.iter().map(move |&i| &rows[i])
    }

    pub fn match_count(&self) -> usize {
        self.matches.len()
    }

    /// Index of the selected row within [`RolesView::matches`].
    pub fn selected_index(&self) -> usize {
        self.selection.index
    }

    pub fn selected(&self) -> Option<&Row> {
        self.matches
            .get(self.selection.index)
            .map(|&i| &self.catalog.rows()[i])
    }

    /// The profile name `row` would write for `session` (none for a failed account).
    pub fn profile_name(&self, row: &Row, session: &str) -> Option<String> {
        row.role()?;
        Some(self.template.row_name(row, session))
    }

    /// What the config already has under `profile`, if anything.
    pub fn existing_profile(&self, profile: &str) -> Option<&ExistingProfile> {
        self.existing.get(profile)
    }

    /// The findings about `profile` (empty when none).
    pub fn profile_notes(&self, profile: &str) -> &[ProfileNote] {
        self.notes.get(profile).map_or(&[], Vec::as_slice)
    }

    /// Whether `row` is a favourite of the listed session.
    pub fn is_favourite(&self, row: &Row) -> bool {
        row.role().is_some_and(|role| {
            self.favourites
                .listed
                .contains(&(row.account.id.clone(), role.to_string()))
        })
    }

    pub(super) fn set_existing_profiles(&mut self, existing: HashMap<String, ExistingProfile>) {
        self.existing = existing;
    }

    pub(super) fn set_profile_template(&mut self, template: ProfileTemplate) {
        self.template = template;
    }

    /// Has the searcher match the profile names this view's template makes
    /// in `session` (a no-op when unchanged).
    pub(super) fn name_profiles(&mut self, session: &str) {
        let namer = ProfileNamer::new(self.template.clone(), session);
        self.searcher.set_profiles(namer);
    }

    /// How the searcher names profiles (this session, this template).
    pub fn profiles(&self) -> Option<&ProfileNamer> {
        self.searcher.profiles()
    }

    /// Sets the recently chosen rows, most frecent first, as (sso-session,
    /// account id, role): without a query they follow the favourites.
    pub(super) fn set_recent(&mut self, recent: Vec<(String, String, String)>) {
        self.searcher.set_recent(recent);
    }

    pub(super) fn set_profile_notes(&mut self, notes: HashMap<String, Vec<ProfileNote>>) {
        self.notes = notes;
    }

    pub(super) fn set_page_size(&mut self, rows: usize) {
        self.page = rows.max(1);
    }

    /// Replaces the rows (a restored cache, or none for a new session).
    pub(super) fn set_catalog(&mut self, catalog: Catalog) {
        self.catalog = catalog;
        self.rejected = false;
    }

    /// Forgets the matches and the selection (another session is listed).
    pub(super) fn clear_matches(&mut self) {
        self.matches.clear();
        self.selection = Selection::default();
    }

    /// Sets the favourites (all sessions'; `session`'s are shown).
    pub(super) fn set_favourites(&mut self, favourites: BTreeSet<Favourite>, session: &str) {
        self.favourites.listed = favourites
            .iter()
            .filter(|f| f.session == session)
            .map(|f| (f.account_id.clone(), f.role.clone()))
            .collect();
        self.favourites.all = favourites;
    }

    /// Takes the favourites out (to be set again for another session).
    pub(super) fn take_favourites(&mut self) -> BTreeSet<Favourite> {
        std::mem::take(&mut self.favourites.all)
    }

    /// Marks or unmarks the selected row for `session`. Returns the whole
    /// set to store, or why the row cannot be a favourite; `None` without a
    /// selection.
    pub(super) fn toggle_favourite(
        &mut self,
        session: &str,
    ) -> Option<Result<BTreeSet<Favourite>, &'static str>> {
        let row = self.selected()?;
        let Some(role) = row.role() else {
            return Some(Err("a failed account cannot be a favourite"));
        };
        let favourite = Favourite {
            session: session.to_string(),
            account_id: row.account.id.clone(),
            role: role.to_string(),
        };
        let key = (favourite.account_id.clone(), favourite.role.clone());
        if !self.favourites.all.remove(&favourite) {
            self.favourites.all.insert(favourite);
            self.favourites.listed.insert(key);
        } else {
            self.favourites.listed.remove(&key);
        }
        // The selection stays on this row wherever it now sorts.
        self.selection.moved = true;
        Some(Ok(self.favourites.all.clone()))
    }

    /// Appends `c` to the query.
    pub(super) fn push_char(&mut self, c: char) {
        self.query.push(c);
    }

    /// Edits the query with `edit`; returns whether it changed.
    pub(super) fn edit_query(&mut self, edit: QueryEdit) -> bool {
        match edit {
            QueryEdit::DeleteChar => self.query.pop().is_some(),
            QueryEdit::DeleteWord => {
                let kept = self.query.trim_end().len();
                let cut = self.query[..kept]
                    .rfind(char::is_whitespace)
                    .map_or(0, |i| i + 1);
                let changed = cut != self.query.len();
                self.query.truncate(cut);
                changed
            }
            QueryEdit::Clear => {
                let changed = !self.query.is_empty();
                self.query.clear();
                changed
            }
        }
    }

    /// Puts the selection back on the top row and ranks for the new query.
    pub(super) fn query_changed(&mut self) -> Ranked {
        self.selection.index = 0;
        self.selection.moved = false;
        self.refilter(false)
    }

    /// Moves the selection the way `step` says (the user moved it).
    pub(super) fn move_selection(&mut self, step: Move) {
        let index = self.selection.index;
        let to = match step {
            Move::Up => index.saturating_sub(1),
            Move::Down => index + 1,
            Move::PageUp => index.saturating_sub(self.page),
            Move::PageDown => index + self.page,
            Move::First => 0,
            Move::Last => self.matches.len().saturating_sub(1),
        };
        self.selection.moved = true;
        self.select(to);
    }

    /// The selected row to choose, or why it cannot be chosen.
    pub(super) fn accept(&self) -> Option<Result<Row, String>> {
        let row = self.selected()?.clone();
        Some(match &row.kind {
            RowKind::Role(_) => Ok(row),
            RowKind::Failed(error) => Err(format!(
                "roles of {} could not be listed: {error} (Ctrl-r retries)",
                row.account.id
            )),
        })
    }

    /// Which accounts a running listing should fetch first, for
    /// [`PriorityHints::set`](crate::aws::portal::PriorityHints::set): the
    /// selected row's account, then the accounts of the first `limit`
    /// matches, then up to `limit` accounts still waiting for their roles
    /// that match the query (best first).
    pub fn priority_hints(&self, limit: usize) -> (Option<String>, Vec<String>) {
        let selected = self.selected().map(|r| r.account.id.clone());
        let mut seen: HashSet<&str> = selected.iter().map(String::as_str).collect();
        let mut matching: Vec<String> = Vec::new();
        if self.query.trim().is_empty() {
            return (selected, matching);
        }
        for row in self.matches().take(limit) {
            if seen.insert(&row.account.id) {
                matching.push(row.account.id.clone());
            }
        }
        let mut waiting: Vec<(i64, &str)> = self
            .catalog
            .pending_accounts()
            .filter_map(|a| Some((self.searcher.account_score(&self.query, a)?, a.id.as_str())))
            .collect();
        waiting.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        for (_, id) in waiting.into_iter().take(limit) {
            if seen.insert(id) {
                matching.push(id.to_string());
            }
        }
        (selected, matching)
    }

    fn select(&mut self, index: usize) {
        if self.matches.is_empty() {
            self.selection.index = 0;
            self.selection.key = None;
            return;
        }
        self.selection.index = index.min(self.matches.len() - 1);
        self.selection.key = self
            .selected()
            .map(|r| (r.account.id.clone(), r.role().map(str::to_string)));
    }

    /// Re-ranks. With `keep`, a selection the user moved follows its
    /// (account, role); otherwise it stays at its index (clamped).
    /// With an empty query, favourites come first (each group in base order).
    pub(super) fn refilter(&mut self, keep: bool) -> Ranked {
        if self.catalog.rows().len() >= DEFER_FILTER_ROWS && !self.query.trim().is_empty() {
            // The answer comes back through `apply_filtered`; until then the
            // last matches stay on screen (only ones that still exist).
            let len = self.catalog.rows().len();
            self.matches.retain(|&i| i < len);
            self.select(self.selection.index);
            return Ranked::Deferred;
        }
        self.matches = self.searcher.rank_catalog(&self.query, &self.catalog);
        self.arrange(keep);
        Ranked::Now
    }

    /// Takes matches ranked off the draw path (a [`FilterTask`] answer the
    /// task accepted). Returns false, changing nothing, when they are for
    /// another query or for rows that have changed since (submit again).
    ///
    /// [`FilterTask`]: crate::search::FilterTask
    pub(super) fn apply_filtered(&mut self, filtered: Filtered) -> bool {
        if filtered.query != self.query || filtered.version != self.catalog.version() {
            return false;
        }
        self.matches = filtered.matches;
        self.arrange(true);
        true
    }

    /// Puts favourites first (empty query) and places the selection.
    fn arrange(&mut self, keep: bool) {
        let rows = self.catalog.rows();
        if self.query.trim().is_empty() && !self.favourites.listed.is_empty() {
            let favs = &self.favourites.listed;
            let is_fav = |i: &usize| {
                rows[*i].role().is_some_and(|role| {
                    favs.contains(&(rows[*i].account.id.clone(), role.to_string()))
                })
            };
            let (mut first, rest): (Vec<usize>, Vec<usize>) =
                self.matches.iter().partition(|i| is_fav(i));
            first.extend(rest);
            self.matches = first;
        }
        let wanted = if keep && self.selection.moved {
            self.selection.key.clone()
        } else {
            None
        };
        let index = wanted
            .and_then(|(id, role)| {
                self.matches
                    .iter()
                    .position(|&i| rows[i].account.id == id && rows[i].role() == role.as_deref())
            })
            .unwrap_or(self.selection.index);
        self.select(index);
    }
}

/// An edit of the query other than typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QueryEdit {
    DeleteChar,
    DeleteWord,
    Clear,
}

/// A move of the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
}
