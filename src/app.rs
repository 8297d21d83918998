//! The picker's model: catalog rows, the query, the ranked matches, the
//! selection, favourites and the help popup. No I/O, no tokio, no terminal:
//! events go in through [`App::handle_key`] and [`App::apply`]; an
//! [`Outcome`] comes out when the picker ends, and [`Effect`]s ask the event
//! loop for work with side effects.

use std::collections::{BTreeSet, HashMap, HashSet};

use crossterm::event::KeyEvent;
use time::OffsetDateTime;

use crate::aws::login::{Flow, LoginStep};
use crate::catalog::{Catalog, CatalogEvent, ProfileTemplate, Progress, Row, RowKind};
use crate::favourites::Favourite;
use crate::keymap::{action_for, session_action_for, Action, SessionAction};
use crate::search::{Filtered, Searcher};
use crate::sessions::{state_at, TokenState};

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

/// Work with side effects the event loop does for the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// List the portal again and feed the events back (Ctrl-r).
    Refresh,
    /// Store the favourites (every session's, not only this one's).
    SaveFavourites(BTreeSet<Favourite>),
    /// Log in to `session` in the background and report [`LoginUpdate`]s.
    Login { session: String },
    /// Read the sessions' states from the files again (Sessions view).
    LoadSessions,
    /// Refresh the access token of `session`, or log out of it.
    SessionOp { op: SessionOp, session: String },
    /// Make `session` the one the Roles view lists.
    SwitchSession { session: String },
    /// Rank the rows for the current query off the draw path (large
    /// catalogs) and hand the answer to [`App::apply_filtered`].
    Filter,
}

/// From this many rows on, a non-empty query is ranked off the draw path.
pub const DEFER_FILTER_ROWS: usize = 5_000;

/// Work on a session other than a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOp {
    Refresh,
    Logout,
}

/// Which screen the picker shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Roles,
    Sessions,
}

/// One row of the Sessions view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    /// The sso-session name; `None` for a legacy start URL used by profiles.
    pub name: Option<String>,
    pub start_url: String,
    pub region: String,
    /// When the access token expires (`None`: no readable token).
    pub expires_at: Option<OffsetDateTime>,
    /// Whether the token file could not be parsed.
    pub unreadable: bool,
    /// Whether the token can be refreshed (refresh token and an unexpired registration).
    pub refreshable: bool,
    /// How many profiles use it.
    pub profiles: usize,
}

impl SessionSummary {
    /// Its state at `now` (live: the view counts down).
    pub fn state(&self, now: OffsetDateTime) -> TokenState {
        match (self.unreadable, self.expires_at) {
            (true, _) => TokenState::Unreadable,
            (false, None) => TokenState::NotLoggedIn,
            (false, Some(t)) => state_at(t, now),
        }
    }

    /// The row of a discovered login.
    pub fn from_status(s: &crate::sessions::SessionStatus) -> SessionSummary {
        SessionSummary {
            name: s.session.clone(),
            start_url: s.start_url.clone().unwrap_or_default(),
            region: s.region.clone().unwrap_or_default(),
            expires_at: s.expires_at,
            unreadable: s.state == TokenState::Unreadable,
            refreshable: s.refreshable,
            profiles: s.profiles.len(),
        }
    }
}

/// A result of work on a session (refresh, logout), for the message line.
pub type SessionOpResult = Result<String, String>;

/// Progress of a background login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginUpdate {
    Step(LoginStep),
    /// The token file was written; listing starts again.
    Succeeded,
    /// The login failed; the message says why.
    Failed(String),
}

/// The login panel: why a login is needed, and what the user does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginPanel {
    /// Why the login started (missing, expired or rejected token, Ctrl-l).
    pub reason: String,
    pub flow: Option<Flow>,
    /// The URL to open (authorize URL or device verification URL).
    pub url: Option<String>,
    /// The device code to confirm.
    pub user_code: Option<String>,
    /// When the pending authorization expires.
    pub expires_at: Option<OffsetDateTime>,
    /// The latest note (browser opened, slow down, the failure).
    pub note: Option<String>,
    /// Whether the login failed (Ctrl-l tries again).
    pub failed: bool,
}

/// A doctor finding about one profile, for the row badge and the details pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileNote {
    /// Whether some tool fails because of it (else it is a warning).
    pub error: bool,
    /// The finding's stable code, e.g. `credentials-shadow`.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
}

/// What the config file already says about a profile name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingProfile {
    /// Its `region`, when set.
    pub region: Option<String>,
}

/// The picker's state.
#[derive(Debug)]
pub struct App {
    /// The sso-session being listed.
    pub session: String,
    /// The region written into profiles (`--region`, else the session's `sso_region`).
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
    /// Rows a page holds (set from the terminal size).
    page: usize,
    /// Every favourite (all sessions), and this session's as (account, role).
    favourites: BTreeSet<Favourite>,
    session_favourites: HashSet<(String, String)>,
    /// Profiles the config file already has, by name.
    existing: HashMap<String, ExistingProfile>,
    /// Doctor findings by profile name.
    notes: HashMap<String, Vec<ProfileNote>>,
    /// How profiles are named (`profile_template` in settings.ini).
    template: ProfileTemplate,
    help: bool,
    /// Whether the terraform provider block of the selected row is shown.
    terraform: bool,
    view: View,
    sessions: Vec<SessionSummary>,
    session_selected: usize,
    /// When the current session's token expires, for the status bar.
    session_expires_at: Option<OffsetDateTime>,
    /// Counters of the portal calls while listing (rate, retries).
    listing_stats: Option<crate::aws::limiter::LimiterStats>,
    /// The session the running login is for.
    login_session: Option<String>,
    login: Option<LoginPanel>,
    /// The clock the login countdown is drawn against (set by the event loop).
    now: OffsetDateTime,
    /// A one-line note for the user (e.g. why Enter did nothing).
    message: Option<String>,
    effects: Vec<Effect>,
}

impl App {
    /// A picker for `session`, writing `region` into profiles, starting with `query`.
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
            page: 10,
            favourites: BTreeSet::new(),
            session_favourites: HashSet::new(),
            existing: HashMap::new(),
            notes: HashMap::new(),
            template: ProfileTemplate::default(),
            help: false,
            terraform: false,
            view: View::Roles,
            sessions: Vec::new(),
            session_selected: 0,
            session_expires_at: None,
            listing_stats: None,
            login_session: None,
            login: None,
            now: OffsetDateTime::UNIX_EPOCH,
            message: None,
            effects: Vec::new(),
        }
    }

    /// Shows a catalog restored from the cache. With `refreshing`, a listing
    /// pass follows: its end drops accounts no longer listed and reports
    /// what changed; the selection stays on its row.
    pub fn restore_catalog(&mut self, catalog: Catalog, refreshing: bool) {
        self.catalog = catalog;
        if refreshing {
            self.catalog.begin_refresh();
        }
        self.refilter(true);
    }

    /// Sets the favourites (all sessions'; this session's are used).
    pub fn set_favourites(&mut self, favourites: BTreeSet<Favourite>) {
        self.session_favourites = favourites
            .iter()
            .filter(|f| f.session == self.session)
            .map(|f| (f.account_id.clone(), f.role.clone()))
            .collect();
        self.favourites = favourites;
        self.refilter(true);
    }

    /// Sets what the config file already has: profile name → details.
    pub fn set_existing_profiles(&mut self, existing: HashMap<String, ExistingProfile>) {
        self.existing = existing;
    }

    /// Sets how profiles are named (what the details pane shows and Enter writes).
    pub fn set_profile_template(&mut self, template: ProfileTemplate) {
        self.template = template;
    }

    /// How the searcher names profiles (this session, this template).
    pub fn profiles(&self) -> Option<&crate::search::ProfileNamer> {
        self.searcher.profiles()
    }

    /// Sets the recently chosen rows, most frecent first, as (session,
    /// account id, role): without a query they follow the favourites.
    pub fn set_recent(&mut self, recent: Vec<(String, String, String)>) {
        self.searcher.set_recent(recent);
        self.refilter(true);
    }

    /// Sets the doctor's findings, by profile name.
    pub fn set_profile_notes(&mut self, notes: HashMap<String, Vec<ProfileNote>>) {
        self.notes = notes;
    }

    /// The findings about `profile` (empty when none).
    pub fn profile_notes(&self, profile: &str) -> &[ProfileNote] {
        self.notes.get(profile).map_or(&[], Vec::as_slice)
    }

    /// The findings about the profile `row` would write.
    pub fn row_notes(&self, row: &Row) -> &[ProfileNote] {
        match row.role() {
            Some(_) => self.profile_notes(&self.template.row_name(row, &self.session)),
            None => &[],
        }
    }

    /// Sets how many rows a page holds (PgUp/PgDn), at least 1.
    pub fn set_page_size(&mut self, rows: usize) {
        self.page = rows.max(1);
    }

    /// Shows a one-line note (cleared by the next query edit).
    pub fn set_message(&mut self, message: impl Into<String>) {
        self.message = Some(message.into());
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

    pub fn help_visible(&self) -> bool {
        self.help
    }

    /// Whether the terraform provider block is shown (Ctrl-t).
    pub fn terraform_visible(&self) -> bool {
        self.terraform
    }

    pub fn view(&self) -> View {
        self.view
    }

    /// The Sessions view's rows.
    pub fn sessions(&self) -> &[SessionSummary] {
        &self.sessions
    }

    /// Index of the selected row of the Sessions view.
    pub fn session_selected(&self) -> usize {
        self.session_selected
    }

    /// Sets the Sessions view's rows (keeps the selection on the same name).
    pub fn set_sessions(&mut self, sessions: Vec<SessionSummary>) {
        let keep = self
            .sessions
            .get(self.session_selected)
            .map(|s| s.name.clone());
        self.sessions = sessions;
        self.session_selected = keep
            .and_then(|name| self.sessions.iter().position(|s| s.name == name))
            .unwrap_or(0);
        if let Some(current) = self
            .sessions
            .iter()
            .find(|s| s.name.as_deref() == Some(self.session.as_str()))
        {
            self.session_expires_at = current.expires_at;
        }
    }

    /// Counters of the portal calls while listing, for the status bar.
    pub fn listing_stats(&self) -> Option<&crate::aws::limiter::LimiterStats> {
        self.listing_stats.as_ref()
    }

    pub fn set_listing_stats(&mut self, stats: Option<crate::aws::limiter::LimiterStats>) {
        self.listing_stats = stats;
    }

    /// When the current session's access token expires (status bar).
    pub fn session_expires_at(&self) -> Option<OffsetDateTime> {
        self.session_expires_at
    }

    pub fn set_session_expires_at(&mut self, at: Option<OffsetDateTime>) {
        self.session_expires_at = at;
    }

    /// Makes `session` (with `region` for profiles) the one the Roles view
    /// lists: the rows, query and favourites' view start over.
    pub fn switch_session(
        &mut self,
        session: &str,
        region: &str,
        expires_at: Option<OffsetDateTime>,
    ) {
        self.session = session.to_string();
        self.region = region.to_string();
        self.catalog = Catalog::default();
        self.matches.clear();
        self.selected = 0;
        self.selected_key = None;
        self.moved = false;
        self.session_expires_at = expires_at;
        let favourites = std::mem::take(&mut self.favourites);
        self.set_favourites(favourites);
        self.view = View::Roles;
        self.effects.push(Effect::Refresh);
    }

    /// The session a running login is for.
    pub fn login_session(&self) -> Option<&str> {
        self.login_session.as_deref()
    }

    /// The login panel, while a login is needed or running.
    pub fn login_panel(&self) -> Option<&LoginPanel> {
        self.login.as_ref()
    }

    /// The clock the countdown is drawn against.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    pub fn set_now(&mut self, now: OffsetDateTime) {
        self.now = now;
    }

    /// Opens the login panel and asks for a background login (unless one is
    /// already running and has not failed).
    pub fn begin_login(&mut self, reason: impl Into<String>) {
        let session = self.session.clone();
        self.begin_login_to(&session, reason);
    }

    /// Opens the login panel for `session` (any session of the Sessions view).
    pub fn begin_login_to(&mut self, session: &str, reason: impl Into<String>) {
        if self.login.as_ref().is_some_and(|p| !p.failed) {
            return;
        }
        self.login = Some(LoginPanel {
            reason: reason.into(),
            ..LoginPanel::default()
        });
        self.login_session = Some(session.to_string());
        self.effects.push(Effect::Login {
            session: session.to_string(),
        });
    }

    /// Folds in progress of the background login. Success closes the panel
    /// and lists the portal again.
    pub fn apply_login(&mut self, update: LoginUpdate) {
        let Some(panel) = self.login.as_mut() else {
            return;
        };
        match update {
            LoginUpdate::Step(LoginStep::Authorize {
                flow,
                url,
                user_code,
                expires_at,
            }) => {
                panel.flow = Some(flow);
                panel.url = Some(url);
                panel.user_code = user_code;
                panel.expires_at = Some(expires_at);
            }
            LoginUpdate::Step(LoginStep::BrowserOpened { how }) => {
                panel.note = Some(format!("opened with {how}"));
            }
            LoginUpdate::Step(LoginStep::BrowserFailed { reason }) => {
                panel.note = Some(format!("no browser ({reason}): open the URL yourself"));
            }
            LoginUpdate::Step(LoginStep::SlowDown(interval)) => {
                panel.note = Some(format!("checking every {} s", interval.as_secs()));
            }
            LoginUpdate::Step(_) => {}
            LoginUpdate::Succeeded => {
                self.login = None;
                self.message = None;
                let session = self.login_session.take();
                if session.as_deref() == Some(self.session.as_str()) {
                    self.catalog.begin_refresh();
                    self.effects.push(Effect::Refresh);
                } else {
                    self.message = Some(format!("logged in to {}", session.unwrap_or_default()));
                }
                self.effects.push(Effect::LoadSessions);
            }
            LoginUpdate::Failed(message) => {
                panel.failed = true;
                panel.note = Some(message);
            }
        }
    }

    /// Effects requested since the last call, oldest first.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
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
        row.role()?;
        Some(self.template.row_name(row, &self.session))
    }

    /// What the config already has under `profile`, if anything.
    pub fn existing_profile(&self, profile: &str) -> Option<&ExistingProfile> {
        self.existing.get(profile)
    }

    /// Whether `row` is a favourite of this session.
    pub fn is_favourite(&self, row: &Row) -> bool {
        row.role().is_some_and(|role| {
            self.session_favourites
                .contains(&(row.account.id.clone(), role.to_string()))
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

    /// Handles one terminal key event through the key table.
    pub fn handle_key(&mut self, key: KeyEvent) -> Option<Outcome> {
        match self.view {
            View::Roles => action_for(key, self.query.is_empty()).and_then(|a| self.update(a)),
            View::Sessions => session_action_for(key).and_then(|a| self.update_sessions(a)),
        }
    }

    /// Applies one action of the Sessions view.
    pub fn update_sessions(&mut self, action: SessionAction) -> Option<Outcome> {
        if self.help {
            match action {
                SessionAction::Help | SessionAction::Back => self.help = false,
                SessionAction::Interrupt => return Some(Outcome::Interrupted),
                _ => {}
            }
            return None;
        }
        let selected = self
            .sessions
            .get(self.session_selected)
            .and_then(|s| s.name.clone());
        let named = |what: &str| {
            format!("{what} works on sso-sessions only; this row is a legacy start URL")
        };
        match action {
            SessionAction::Up => self.session_selected = self.session_selected.saturating_sub(1),
            SessionAction::Down => {
                self.session_selected =
                    (self.session_selected + 1).min(self.sessions.len().saturating_sub(1))
            }
            SessionAction::Back => self.view = View::Roles,
            SessionAction::Interrupt => return Some(Outcome::Interrupted),
            SessionAction::Help => self.help = true,
            SessionAction::Login => match selected {
                Some(name) => {
                    if let Some(panel) = self.login.as_mut() {
                        panel.failed = true;
                    }
                    self.begin_login_to(&name, format!("log in to {name}"));
                }
                None => self.message = Some(named("logging in")),
            },
            SessionAction::Refresh | SessionAction::Logout => match selected {
                Some(session) => {
                    let op = if action == SessionAction::Refresh {
                        SessionOp::Refresh
                    } else {
                        SessionOp::Logout
                    };
                    self.effects.push(Effect::SessionOp { op, session });
                }
                None => self.message = Some(named("this")),
            },
            SessionAction::Switch => match selected {
                Some(session) if session == self.session => self.view = View::Roles,
                Some(session) => self.effects.push(Effect::SwitchSession { session }),
                None => self.message = Some(named("listing")),
            },
        }
        None
    }

    /// Shows the result of a refresh or logout and reloads the sessions.
    pub fn apply_session_op(&mut self, result: SessionOpResult) {
        self.message = Some(match result {
            Ok(m) | Err(m) => m,
        });
        self.effects.push(Effect::LoadSessions);
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) -> Option<Outcome> {
        if self.help {
            // The help popup takes keys until it is closed.
            match action {
                Action::Help | Action::Cancel => self.help = false,
                Action::Interrupt => return Some(Outcome::Interrupted),
                _ => {}
            }
            return None;
        }
        if self.terraform {
            // The provider block closes on Ctrl-t or Esc; other keys act as usual.
            match action {
                Action::Terraform | Action::Cancel => {
                    self.terraform = false;
                    return None;
                }
                _ => {}
            }
        }
        match action {
            Action::Terraform => self.terraform = self.selected_profile().is_some(),
            Action::Insert(c) => {
                self.query.push(c);
                self.query_changed();
            }
            Action::DeleteChar => {
                if self.query.pop().is_some() {
                    self.query_changed();
                }
            }
            Action::DeleteWord => {
                let kept = self.query.trim_end().len();
                let cut = self.query[..kept]
                    .rfind(char::is_whitespace)
                    .map_or(0, |i| i + 1);
                if cut != self.query.len() {
                    self.query.truncate(cut);
                    self.query_changed();
                }
            }
            Action::ClearQuery => {
                if !self.query.is_empty() {
                    self.query.clear();
                    self.query_changed();
                }
            }
            Action::Up => self.move_to(self.selected.saturating_sub(1)),
            Action::Down => self.move_to(self.selected + 1),
            Action::PageUp => self.move_to(self.selected.saturating_sub(self.page)),
            Action::PageDown => self.move_to(self.selected + self.page),
            Action::First => self.move_to(0),
            Action::Last => self.move_to(self.matches.len().saturating_sub(1)),
            Action::Accept => return self.accept(),
            Action::Cancel => return Some(Outcome::Cancelled),
            Action::Interrupt => return Some(Outcome::Interrupted),
            Action::Refresh => {
                self.catalog.begin_refresh();
                self.message = None;
                self.effects.push(Effect::Refresh);
            }
            Action::ToggleFavourite => self.toggle_favourite(),
            Action::Help => self.help = true,
            Action::Sessions => {
                self.view = View::Sessions;
                self.effects.push(Effect::LoadSessions);
            }
            Action::Login => {
                if let Some(panel) = self.login.as_mut() {
                    panel.failed = true; // a running login is replaced
                }
                self.begin_login("log in again (Ctrl-l)");
            }
        }
        None
    }

    /// Folds one listing event in, keeping the selection on the same
    /// (account, role). Returns `Outcome::Failed` when the listing ended with
    /// a fatal error and nothing to pick from.
    pub fn apply(&mut self, event: CatalogEvent) -> Option<Outcome> {
        let rejected = matches!(
            event,
            CatalogEvent::Fatal {
                unauthorized: true,
                ..
            }
        );
        if self.catalog.apply(event) {
            self.refilter(true);
        }
        if let Some(diff) = self.catalog.take_diff() {
            self.message = Some(format!("refreshed: {diff}"));
        }
        if let Some(why) = self.catalog.offline() {
            self.message = Some(format!("offline: showing the cached catalog ({why})"));
            return None;
        }
        if let Some(fatal) = self.catalog.fatal() {
            if rejected {
                let reason = fatal.to_string();
                self.begin_login(reason);
                return None;
            }
            if self.catalog.rows().is_empty() {
                return Some(Outcome::Failed(fatal.to_string()));
            }
            self.message = Some(fatal.to_string());
        }
        None
    }

    fn query_changed(&mut self) {
        self.message = None;
        self.selected = 0;
        self.moved = false;
        self.refilter(false);
    }

    fn move_to(&mut self, index: usize) {
        self.moved = true;
        self.select(index);
    }

    fn accept(&mut self) -> Option<Outcome> {
        let row = self.selected()?.clone();
        match &row.kind {
            RowKind::Role(_) => Some(Outcome::Chosen(row)),
            RowKind::Failed(error) => {
                self.message = Some(format!(
                    "roles of {} could not be listed: {error} (Ctrl-r retries)",
                    row.account.id
                ));
                None
            }
        }
    }

    fn toggle_favourite(&mut self) {
        let Some(row) = self.selected() else { return };
        let Some(role) = row.role() else {
            self.message = Some("a failed account cannot be a favourite".into());
            return;
        };
        let favourite = Favourite {
            session: self.session.clone(),
            account_id: row.account.id.clone(),
            role: role.to_string(),
        };
        let key = (favourite.account_id.clone(), favourite.role.clone());
        if !self.favourites.remove(&favourite) {
            self.favourites.insert(favourite);
            self.session_favourites.insert(key);
        } else {
            self.session_favourites.remove(&key);
        }
        self.effects
            .push(Effect::SaveFavourites(self.favourites.clone()));
        // The selection stays on this row wherever it now sorts.
        self.moved = true;
        self.refilter(true);
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
    /// With an empty query, favourites come first (each group in base order).
    fn refilter(&mut self, keep: bool) {
        let namer = crate::search::ProfileNamer::new(self.template.clone(), &self.session);
        self.searcher.set_profiles(namer);
        if self.catalog.rows().len() >= DEFER_FILTER_ROWS && !self.query.trim().is_empty() {
            // The answer comes back through `apply_filtered`; until then the
            // last matches stay on screen (only ones that still exist).
            let len = self.catalog.rows().len();
            self.matches.retain(|&i| i < len);
            self.select(self.selected);
            if self.effects.last() != Some(&Effect::Filter) {
                self.effects.push(Effect::Filter);
            }
            return;
        }
        self.matches = self.searcher.rank_catalog(&self.query, &self.catalog);
        self.arrange(keep);
    }

    /// Takes matches ranked off the draw path (a [`FilterTask`] answer the
    /// task accepted). Returns false, changing nothing, when they are for
    /// another query or for rows that have changed since (submit again).
    ///
    /// [`FilterTask`]: crate::search::FilterTask
    pub fn apply_filtered(&mut self, filtered: Filtered) -> bool {
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
        if self.query.trim().is_empty() && !self.session_favourites.is_empty() {
            let favs = &self.session_favourites;
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

    fn full() -> App {
        let mut app = loaded();
        app.apply(CatalogEvent::Roles {
            account_id: "111111111111".into(),
            roles: vec!["Admin".into(), "ReadOnly".into()],
        });
        app.apply(CatalogEvent::AccountsComplete { total: 2 });
        app.apply(CatalogEvent::Complete);
        app
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn typed(app: &mut App, text: &str) {
        for c in text.chars() {
            assert!(app.handle_key(key(KeyCode::Char(c))).is_none());
        }
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
        app.apply(CatalogEvent::Roles {
            account_id: "111111111111".into(),
            roles: vec!["Admin".into()],
        });
        assert_eq!(app.selected_index(), 0);
        assert_eq!(app.selected_profile().unwrap(), "111111111111_Admin");
    }

    #[test]
    fn query_keys_edit_the_query() {
        let mut app = full();
        typed(&mut app, "geno admin");
        assert_eq!(app.match_count(), 1);
        app.handle_key(key(KeyCode::Backspace));
        assert_eq!(app.query(), "geno admi");
        app.handle_key(ctrl('w'));
        assert_eq!(app.query(), "geno ");
        app.handle_key(ctrl('w'));
        assert_eq!(app.query(), "");
        typed(&mut app, "lib  ");
        app.handle_key(ctrl('w'));
        assert_eq!(app.query(), "");
        typed(&mut app, "library");
        assert_eq!(app.match_count(), 1);
        app.handle_key(ctrl('u'));
        assert_eq!(app.query(), "");
        assert_eq!(app.match_count(), 3);
    }

    #[test]
    fn movement_keys_move_the_selection() {
        let mut app = full();
        app.set_page_size(2);
        let profile = |app: &App| app.selected_profile().unwrap();
        assert_eq!(profile(&app), "111111111111_Admin");
        app.handle_key(key(KeyCode::Down));
        assert_eq!(profile(&app), "111111111111_ReadOnly");
        app.handle_key(ctrl('p'));
        assert_eq!(profile(&app), "111111111111_Admin");
        app.handle_key(ctrl('n'));
        app.handle_key(key(KeyCode::Up));
        assert_eq!(app.selected_index(), 0);
        app.handle_key(key(KeyCode::PageDown));
        assert_eq!(app.selected_index(), 2);
        app.handle_key(key(KeyCode::PageDown));
        assert_eq!(app.selected_index(), 2, "clamped to the last row");
        app.handle_key(key(KeyCode::PageUp));
        assert_eq!(app.selected_index(), 0);
        app.handle_key(key(KeyCode::End));
        assert_eq!(profile(&app), "222222222222_ReadOnly");
        app.handle_key(key(KeyCode::Home));
        assert_eq!(app.selected_index(), 0);
        app.handle_key(key(KeyCode::Up));
        assert_eq!(app.selected_index(), 0, "stays at the top");
    }

    #[test]
    fn enter_esc_and_ctrl_c_end_the_picker() {
        let mut app = full();
        typed(&mut app, "geno");
        match app.handle_key(key(KeyCode::Enter)) {
            Some(Outcome::Chosen(row)) => assert_eq!(row.role(), Some("Admin")),
            other => panic!("{other:?}"),
        }
        assert_eq!(app.handle_key(key(KeyCode::Esc)), Some(Outcome::Cancelled));
        assert_eq!(app.handle_key(ctrl('c')), Some(Outcome::Interrupted));
    }

    #[test]
    fn f1_and_question_mark_open_help_and_esc_closes_it() {
        let mut app = full();
        app.handle_key(key(KeyCode::F(1)));
        assert!(app.help_visible());
        assert_eq!(
            app.handle_key(key(KeyCode::Esc)),
            None,
            "Esc closes the help"
        );
        assert!(!app.help_visible());
        app.handle_key(key(KeyCode::Char('?')));
        assert!(app.help_visible());
        app.handle_key(key(KeyCode::Char('x')));
        assert_eq!(
            app.query(),
            "",
            "keys do not reach the query under the help"
        );
        app.handle_key(key(KeyCode::F(1)));
        assert!(!app.help_visible());
        typed(&mut app, "a?");
        assert_eq!(
            app.query(),
            "a?",
            "? is a query character once typing started"
        );
        assert!(!app.help_visible());
    }

    #[test]
    fn ctrl_r_refreshes_and_retries_failed_accounts() {
        let mut app = loaded();
        app.apply(CatalogEvent::RolesFailed {
            account_id: "111111111111".into(),
            error: "ListAccountRoles: InternalServerException".into(),
        });
        app.apply(CatalogEvent::Complete);
        assert_eq!(app.progress().failed, 1);
        app.handle_key(ctrl('r'));
        assert_eq!(app.take_effects(), vec![Effect::Refresh]);
        assert_eq!(app.progress(), Progress::default());
        // The second pass lists the account's roles.
        app.apply(CatalogEvent::Accounts(vec![
            acc("111111111111", "Genomics"),
            acc("222222222222", "Library"),
        ]));
        app.apply(CatalogEvent::Roles {
            account_id: "111111111111".into(),
            roles: vec!["Admin".into()],
        });
        app.apply(CatalogEvent::Roles {
            account_id: "222222222222".into(),
            roles: vec!["ReadOnly".into()],
        });
        app.apply(CatalogEvent::Complete);
        assert_eq!(app.progress().failed, 0);
        assert_eq!(app.match_count(), 2);
        assert!(app.matches().all(|r| r.role().is_some()));
    }

    #[test]
    fn ctrl_f_marks_favourites_which_sort_first_without_a_query() {
        let mut app = full();
        app.handle_key(key(KeyCode::End));
        app.handle_key(ctrl('f'));
        let saved = match app.take_effects().as_slice() {
            [Effect::SaveFavourites(set)] => set.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            saved.into_iter().collect::<Vec<_>>(),
            vec![Favourite {
                session: "uoregon".into(),
                account_id: "222222222222".into(),
                role: "ReadOnly".into()
            }]
        );
        let first = app.matches().next().unwrap();
        assert_eq!(first.account.id, "222222222222");
        assert!(app.is_favourite(first));
        assert_eq!(app.selected_index(), 0, "the selection followed the row");
        // With a query, ranking decides.
        typed(&mut app, "admin");
        assert_eq!(app.selected_profile().unwrap(), "111111111111_Admin");
        app.handle_key(ctrl('u'));
        app.handle_key(key(KeyCode::Home));
        app.handle_key(ctrl('f'));
        assert!(!app.is_favourite(app.selected().unwrap()));
        assert!(
            matches!(app.take_effects().as_slice(), [Effect::SaveFavourites(s)] if s.is_empty())
        );
        assert_eq!(app.matches().next().unwrap().account.id, "111111111111");
    }

    #[test]
    fn favourites_of_other_sessions_are_kept_but_not_shown() {
        let mut app = full();
        let other = Favourite {
            session: "lab".into(),
            account_id: "222222222222".into(),
            role: "ReadOnly".into(),
        };
        app.set_favourites([other.clone()].into());
        assert!(!app.matches().any(|r| app.is_favourite(r)));
        app.handle_key(ctrl('f'));
        match app.take_effects().as_slice() {
            [Effect::SaveFavourites(set)] => assert!(set.contains(&other) && set.len() == 2),
            other => panic!("{other:?}"),
        }
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
        let out = app.apply(CatalogEvent::Fatal {
            message: "ListAccounts: 500".into(),
            unauthorized: false,
        });
        assert_eq!(out, Some(Outcome::Failed("ListAccounts: 500".into())));
    }

    #[test]
    fn a_rejected_token_opens_the_login_panel_and_success_lists_again() {
        let mut app = App::new("uoregon", "us-west-2", "");
        let out = app.apply(CatalogEvent::Fatal {
            message: "ListAccounts: the access token was rejected".into(),
            unauthorized: true,
        });
        assert_eq!(out, None);
        assert_eq!(
            app.take_effects(),
            vec![Effect::Login {
                session: "uoregon".into()
            }]
        );
        let panel = app.login_panel().unwrap();
        assert!(panel.reason.contains("rejected"));
        let expires_at = OffsetDateTime::UNIX_EPOCH + std::time::Duration::from_secs(600);
        app.apply_login(LoginUpdate::Step(LoginStep::Authorize {
            flow: Flow::DeviceCode,
            url: "https://device.example/?user_code=ABCD-EFGH".into(),
            user_code: Some("ABCD-EFGH".into()),
            expires_at,
        }));
        assert_eq!(
            app.login_panel().unwrap().user_code.as_deref(),
            Some("ABCD-EFGH")
        );
        // A second rejection while the login runs starts nothing new.
        app.begin_login("again");
        assert!(app.take_effects().is_empty());
        app.apply_login(LoginUpdate::Failed("access denied".into()));
        assert!(app.login_panel().unwrap().failed);
        // Ctrl-l starts over.
        app.handle_key(ctrl('l'));
        assert_eq!(
            app.take_effects(),
            vec![Effect::Login {
                session: "uoregon".into()
            }]
        );
        assert!(!app.login_panel().unwrap().failed);
        app.apply_login(LoginUpdate::Succeeded);
        assert!(app.login_panel().is_none());
        assert_eq!(
            app.take_effects(),
            vec![Effect::Refresh, Effect::LoadSessions]
        );
    }

    fn summary(name: &str, expires_in_min: Option<i64>) -> SessionSummary {
        SessionSummary {
            name: Some(name.into()),
            start_url: format!("https://{name}.awsapps.com/start"),
            region: "us-west-2".into(),
            expires_at: expires_in_min
                .map(|m| OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(m)),
            unreadable: false,
            refreshable: false,
            profiles: 1,
        }
    }

    #[test]
    fn a_large_catalog_is_ranked_off_the_draw_path() {
        let mut app = App::new("uoregon", "us-west-2", "");
        let accounts: Vec<Account> = (0..DEFER_FILTER_ROWS / 2 + 1)
            .map(|i| {
                acc(
                    &format!("{:012}", 100_000_000_000u64 + i as u64),
                    &format!("Lab {i}"),
                )
            })
            .collect();
        app.apply(CatalogEvent::Accounts(accounts.clone()));
        for a in &accounts {
            app.apply(CatalogEvent::Roles {
                account_id: a.id.clone(),
                roles: vec!["Admin".into(), "ReadOnly".into()],
            });
        }
        assert!(app.catalog().rows().len() >= DEFER_FILTER_ROWS);
        app.take_effects();
        let before = app.match_count();
        typed(&mut app, "lab 2499 read");
        assert_eq!(
            app.take_effects(),
            vec![Effect::Filter],
            "one request, however many keys"
        );
        assert_eq!(
            app.match_count(),
            before,
            "the last matches stay until the answer"
        );
        // The filter task answers; stale answers are dropped.
        let (tx, rx) = std::sync::mpsc::channel();
        let task = crate::search::FilterTask::spawn(move |f| {
            let _ = tx.send(f);
        });
        task.submit("lab", app.catalog());
        let generation = task.submit(app.query(), app.catalog());
        let answer = loop {
            let f = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
            if let Some(f) = task.accept(f) {
                break f;
            }
        };
        assert_eq!(answer.generation, generation);
        assert!(app.apply_filtered(answer));
        assert_eq!(app.selected_profile().unwrap(), "100000002499_ReadOnly");
        let inline = crate::search::Searcher::default().rank(app.query(), app.catalog().rows());
        assert_eq!(app.match_count(), inline.len());
    }

    #[test]
    fn the_profile_template_names_what_the_details_pane_shows() {
        let mut app = full();
        app.set_profile_template(
            ProfileTemplate::parse("{sso_session}-{account_id}-{role_name}").unwrap(),
        );
        assert_eq!(
            app.selected_profile().unwrap(),
            "uoregon-111111111111-Admin"
        );
    }

    #[test]
    fn ctrl_t_shows_the_terraform_block_and_esc_closes_it() {
        let mut app = full();
        app.handle_key(ctrl('t'));
        assert!(app.terraform_visible());
        assert_eq!(
            app.handle_key(key(KeyCode::Esc)),
            None,
            "Esc closes the block first"
        );
        assert!(!app.terraform_visible());
        app.handle_key(ctrl('t'));
        app.handle_key(key(KeyCode::Down));
        assert!(
            app.terraform_visible(),
            "moving keeps it open, for the new row"
        );
        app.handle_key(ctrl('t'));
        assert!(!app.terraform_visible());
    }

    #[test]
    fn sessions_view_keys() {
        let mut app = full();
        app.handle_key(key(KeyCode::Tab));
        assert_eq!(app.view(), View::Sessions);
        assert_eq!(app.take_effects(), vec![Effect::LoadSessions]);
        app.set_sessions(vec![summary("uoregon", Some(600)), summary("lab", None)]);
        assert_eq!(
            app.session_expires_at(),
            Some(OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(600))
        );
        app.handle_key(key(KeyCode::Down));
        assert_eq!(app.session_selected(), 1);
        app.handle_key(key(KeyCode::Char('r')));
        app.handle_key(key(KeyCode::Char('o')));
        assert_eq!(
            app.take_effects(),
            vec![
                Effect::SessionOp {
                    op: SessionOp::Refresh,
                    session: "lab".into()
                },
                Effect::SessionOp {
                    op: SessionOp::Logout,
                    session: "lab".into()
                },
            ]
        );
        app.apply_session_op(Err("lab: this token cannot be refreshed".into()));
        assert_eq!(app.message(), Some("lab: this token cannot be refreshed"));
        assert_eq!(app.take_effects(), vec![Effect::LoadSessions]);
        app.handle_key(key(KeyCode::Char('l')));
        assert_eq!(
            app.take_effects(),
            vec![Effect::Login {
                session: "lab".into()
            }]
        );
        assert_eq!(app.login_session(), Some("lab"));
        // A login to another session does not relist this one.
        app.apply_login(LoginUpdate::Succeeded);
        assert_eq!(app.take_effects(), vec![Effect::LoadSessions]);
        app.handle_key(key(KeyCode::Enter));
        assert_eq!(
            app.take_effects(),
            vec![Effect::SwitchSession {
                session: "lab".into()
            }]
        );
        app.switch_session("lab", "us-east-1", None);
        assert_eq!(
            (app.session.as_str(), app.region.as_str(), app.view()),
            ("lab", "us-east-1", View::Roles)
        );
        assert_eq!(app.match_count(), 0, "the rows start over");
        assert_eq!(app.take_effects(), vec![Effect::Refresh]);
        // Tab and Esc go back; Enter on the listed session too.
        app.handle_key(key(KeyCode::Tab));
        app.handle_key(key(KeyCode::Esc));
        assert_eq!(app.view(), View::Roles);
        assert_eq!(app.handle_key(ctrl('c')), Some(Outcome::Interrupted));
    }

    #[test]
    fn matches_ranked_elsewhere_apply_only_to_the_same_query_and_rows() {
        let mut app = full();
        typed(&mut app, "admin");
        let version = app.catalog().version();
        let stale = Filtered {
            generation: 1,
            query: "admin".into(),
            version: version - 1,
            matches: vec![0, 1, 2],
        };
        assert!(!app.apply_filtered(stale));
        let other = Filtered {
            generation: 2,
            query: "adm".into(),
            version,
            matches: vec![0, 1, 2],
        };
        assert!(!app.apply_filtered(other));
        assert_eq!(app.match_count(), 1);
        let fresh = Filtered {
            generation: 3,
            query: "admin".into(),
            version,
            matches: vec![0],
        };
        assert!(app.apply_filtered(fresh));
        assert_eq!(app.selected_profile().unwrap(), "111111111111_Admin");
    }
}
