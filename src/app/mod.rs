//! The picker's model. No I/O, no tokio, no terminal: every event comes in
//! as one [`Msg`] through [`App::update`], which says whether the screen
//! changed or how the picker ended ([`Update`]); work with side effects goes
//! out as [`Effect`]s that the event loop carries out and answers with more
//! messages. The clock comes in as [`Msg::Tick`].
//!
//! The state is in parts: the Roles view ([`RolesView`]: rows, query,
//! matches, selection, favourites, profile notes), the Sessions view
//! ([`SessionsView`]), the one login that may be needed or running
//! ([`Login`]), and the popup on top ([`Overlay`]).

mod errors;
mod login;
mod roles;
mod sessions;

use std::collections::{BTreeSet, HashMap};

use crossterm::event::KeyEvent;
use time::OffsetDateTime;

use crate::aws::limiter::LimiterStats;
use crate::catalog::{Catalog, CatalogEvent, ProfileTemplate, Progress, Row};
use crate::favourites::Favourite;
use crate::keymap::{action_for, session_action_for, Action, SessionAction};
use crate::search::Filtered;

pub use errors::{ListingFailed, ServiceError};
pub use login::{Login, LoginPanel, LoginUpdate};
pub use roles::{ExistingProfile, ProfileNote, RolesView, DEFER_FILTER_ROWS};
pub use sessions::{SessionOp, SessionSummary, SessionsView};

use roles::{Move, QueryEdit, Ranked};

/// How many matching accounts a priority hint names at most.
pub const PRIORITY_LIMIT: usize = 64;

/// How the picker ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Enter on a role row: write its profile and print the result (exit 0).
    Chosen(Row),
    /// Ctrl-o on a role row: open the AWS console as its role (exit 0,
    /// nothing written or printed).
    Console(Row),
    /// Ctrl-x on a role row (with `chain_role_arn` in settings.ini): write
    /// its profile and a chained profile on top of it, and print the
    /// chained one as Enter prints a profile (exit 0).
    Chained(Row),
    /// Esc (exit 1).
    Cancelled,
    /// Ctrl-c (exit 130).
    Interrupted,
    /// The listing failed before any row arrived (exit 2).
    Failed(ListingFailed),
}

/// Work with side effects the event loop does for the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// List the portal again and feed the events back as [`Msg::Catalog`] (Ctrl-r).
    Refresh,
    /// Drop the running listing (its token was rejected, or another
    /// session is listed now).
    StopListing,
    /// Store the favourites (every session's, not only this one's); answer
    /// with [`Msg::FavouritesSaved`].
    SaveFavourites(BTreeSet<Favourite>),
    /// Log in to `session` in the background and report [`Msg::Login`]s.
    Login { session: String },
    /// Read the sessions' states from the files again; answer with
    /// [`Msg::SessionsLoaded`].
    LoadSessions,
    /// Refresh the access token of `session`, or log out of it; answer with
    /// [`Msg::SessionOp`].
    SessionOp { op: SessionOp, session: String },
    /// Make `session` the one the Roles view lists; answer with [`Msg::Switched`].
    SwitchSession { session: String },
    /// Rank the rows for the current query off the draw path (large
    /// catalogs); answer with [`Msg::Filtered`].
    Filter,
    /// Tell the running listing which accounts to fetch first: the selected
    /// row's, then those matching the query (see [`RolesView::priority_hints`]).
    Prioritize {
        selected: Option<String>,
        matching: Vec<String>,
    },
}

/// A result of work on a session (refresh, logout): the message for the user.
pub type SessionOpResult = Result<String, ServiceError>;

/// Where a switch to another session lands: the region profiles get and
/// when its token expires.
pub type SwitchResult = Result<(String, Option<OffsetDateTime>), ServiceError>;

/// Everything that can happen to the picker.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key pressed (looked up in the key table of the current view).
    Key(KeyEvent),
    /// A Roles-view action, already resolved from a key (scripts, benchmarks).
    Action(Action),
    /// Pasted text: its printable characters go into the query.
    Paste(String),
    /// A listing event.
    Catalog(CatalogEvent),
    /// Progress of the background login.
    Login(LoginUpdate),
    /// A session refresh or logout ended.
    SessionOp(SessionOpResult),
    /// Matches ranked off the draw path (a `FilterTask` answer it accepted).
    Filtered(Filtered),
    /// The Sessions view's rows, read again.
    SessionsLoaded(Vec<SessionSummary>),
    /// The answer to [`Effect::SwitchSession`].
    Switched {
        session: String,
        result: SwitchResult,
    },
    /// The answer to [`Effect::SaveFavourites`].
    FavouritesSaved(Result<(), ServiceError>),
    /// The terminal's list area holds `page` rows now.
    Resized { page: usize },
    /// The clock: countdowns are drawn against `now`.
    Tick(OffsetDateTime),
    /// Counters of the portal calls (rate, retries), for the status bar.
    ListingStats(Option<LimiterStats>),
    /// The input ended (counts as Ctrl-c).
    InputEnded,
}

impl From<Action> for Msg {
    fn from(action: Action) -> Msg {
        Msg::Action(action)
    }
}

/// What a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// Nothing on screen changed.
    Unchanged,
    /// Draw again.
    Changed,
    /// The picker ended.
    Ended(Outcome),
}

impl Update {
    fn from_outcome(outcome: Option<Outcome>) -> Update {
        outcome.map_or(Update::Changed, Update::Ended)
    }
}

/// Which screen the picker shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Roles,
    Sessions,
}

/// The popup on top of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// The terraform provider block of the selected row (Ctrl-t).
    Terraform,
    /// The key list (F1); `terraform_below` when it opened over the
    /// terraform block, which shows again when it closes.
    Help { terraform_below: bool },
}

/// What the status bar says about the listed session besides progress.
#[derive(Debug, Clone, Default)]
struct Status {
    /// When the session's token expires (`None`: no readable token).
    expires_at: Option<OffsetDateTime>,
    /// Whether the session's token file exists but cannot be read.
    token_unreadable: bool,
    /// Counters of the portal calls while listing (retries, throttles).
    listing_stats: Option<LimiterStats>,
    /// The request rate the portal delivers, measured from the calls counted.
    rate: crate::progress::RateMeter,
}

/// The picker's state.
#[derive(Debug)]
pub struct App {
    /// The sso-session being listed.
    pub session: String,
    /// The session's `sso_region`, the last fallback of
    /// [`crate::region::region_for`].
    pub region: String,
    /// `--region`, settings.ini's region rules and `region` (see
    /// [`App::region_for`]).
    region_defaults: crate::region::RegionDefaults,
    view: View,
    roles: RolesView,
    sessions: SessionsView,
    /// The login that is needed or running.
    login: Option<Login>,
    overlay: Option<Overlay>,
    status: Status,
    /// The clock the countdowns are drawn against ([`Msg::Tick`]).
    now: OffsetDateTime,
    /// A one-line note for the user (e.g. why Enter did nothing).
    message: Option<String>,
    effects: Vec<Effect>,
    /// settings.ini has a `chain_role_arn` (Ctrl-x works).
    can_chain: bool,
}

/// What Ctrl-x says without `chain_role_arn` in settings.ini.
pub const CHAIN_HINT: &str =
    "Ctrl-x writes a chained profile: set chain_role_arn in settings.ini, \
                              e.g. chain_role_arn = arn:aws:iam::{account_id}:role/Deploy";

impl App {
    /// A picker for `session` (whose `sso_region` is `region`), starting with `query`.
    pub fn new(session: &str, region: &str, query: &str) -> App {
        App {
            session: session.to_string(),
            region: region.to_string(),
            region_defaults: Default::default(),
            view: View::Roles,
            roles: RolesView::new(query),
            sessions: SessionsView::default(),
            login: None,
            overlay: None,
            status: Status::default(),
            now: OffsetDateTime::UNIX_EPOCH,
            message: None,
            effects: Vec::new(),
            can_chain: false,
        }
    }

    /// A picker that opens on the Sessions view with no session listed
    /// (several sso-sessions and none chosen): Enter on a session lists it;
    /// Esc cancels. Starts with `query` once a session is listed.
    pub fn choosing_session(query: &str) -> App {
        let mut app = App::new("", "", query);
        app.view = View::Sessions;
        app.message = Some(
            "several sso-sessions and none chosen: Enter lists the selected one \
             (or give --sso-session NAME, or sso_session in settings.ini)"
                .into(),
        );
        app.effects.push(Effect::LoadSessions);
        app
    }

    /// Whether a session is listed (false while [`App::choosing_session`]
    /// waits for one).
    pub fn has_session(&self) -> bool {
        !self.session.is_empty()
    }

    /// Whether the loop lists the portal when it starts: a session is
    /// listed and no login has to come first.
    pub fn lists_at_start(&self) -> bool {
        self.has_session() && self.login_panel().is_none()
    }

    /// Handles one message: the screen changed, did not, or the picker ended.
    /// Work it needs is queued for [`App::take_effects`].
    pub fn update(&mut self, msg: impl Into<Msg>) -> Update {
        match msg.into() {
            Msg::Key(key) => {
                let update = self.key(key);
                if !matches!(update, Update::Ended(_)) && !self.progress().complete {
                    // What the user looks at or types for is fetched first.
                    let (selected, matching) = self.roles.priority_hints(PRIORITY_LIMIT);
                    if let Some(Effect::Prioritize { .. }) = self.effects.last() {
                        self.effects.pop();
                    }
                    self.effects.push(Effect::Prioritize { selected, matching });
                }
                update
            }
            Msg::Action(action) => Update::from_outcome(self.act(action)),
            Msg::Paste(text) => {
                for c in text.chars().filter(|c| !c.is_control()) {
                    self.act(Action::Insert(c));
                }
                Update::Changed
            }
            Msg::Catalog(event) => Update::from_outcome(self.apply(event)),
            Msg::Login(update) => match self.login {
                Some(_) => {
                    self.apply_login(update);
                    Update::Changed
                }
                None => Update::Unchanged,
            },
            Msg::SessionOp(result) => {
                self.message = Some(match result {
                    Ok(m) => m,
                    Err(e) => e.to_string(),
                });
                self.effects.push(Effect::LoadSessions);
                Update::Changed
            }
            Msg::Filtered(filtered) => {
                if self.roles.apply_filtered(filtered) {
                    Update::Changed
                } else {
                    // The rows or the query changed meanwhile: ask again.
                    self.effects.push(Effect::Filter);
                    Update::Unchanged
                }
            }
            Msg::SessionsLoaded(rows) => {
                self.set_sessions(rows);
                Update::Changed
            }
            Msg::Switched { session, result } => {
                match result {
                    Ok((region, expires_at)) => {
                        self.effects.push(Effect::StopListing);
                        self.switch_session(&session, &region, expires_at);
                    }
                    Err(e) => self.message = Some(e.to_string()),
                }
                Update::Changed
            }
            Msg::FavouritesSaved(result) => match result {
                Ok(()) => Update::Unchanged,
                Err(e) => {
                    self.message = Some(format!("favourites not saved: {e}"));
                    Update::Changed
                }
            },
            Msg::Resized { page } => {
                self.set_page_size(page);
                Update::Changed
            }
            Msg::Tick(now) => {
                self.now = now;
                // The login panel and the sessions' countdowns tick.
                if self.login.is_some() || self.view == View::Sessions {
                    Update::Changed
                } else {
                    Update::Unchanged
                }
            }
            Msg::ListingStats(stats) => {
                if self.progress().complete {
                    return Update::Unchanged;
                }
                if let Some(s) = &stats {
                    self.status.rate.record(self.now, s.calls);
                }
                self.status.listing_stats = stats;
                Update::Changed
            }
            Msg::InputEnded => Update::Ended(Outcome::Interrupted),
        }
    }

    /// Effects requested since the last call, oldest first.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Shows a catalog restored from the cache. With `refreshing`, a listing
    /// pass follows: its end drops accounts no longer listed and reports
    /// what changed; the selection stays on its row.
    pub fn restore_catalog(&mut self, catalog: Catalog, refreshing: bool) {
        self.roles.set_catalog(catalog);
        if refreshing {
            self.roles.begin_refresh();
        }
        self.refilter(true);
    }

    /// Sets the favourites (all sessions'; this session's are used).
    pub fn set_favourites(&mut self, favourites: BTreeSet<Favourite>) {
        self.roles.set_favourites(favourites, &self.session);
        self.refilter(true);
    }

    /// How the searcher names profiles (this session, this template).
    pub fn profiles(&self) -> Option<&crate::search::ProfileNamer> {
        self.roles.profiles()
    }

    /// Sets the recently chosen rows, most frecent first, as (sso-session,
    /// account id, role): without a query they follow the favourites.
    pub fn set_recent(&mut self, recent: Vec<(String, String, String)>) {
        self.roles.set_recent(recent);
        self.refilter(true);
    }

    /// Sets what the config file already has: profile name → details.
    pub fn set_existing_profiles(&mut self, existing: HashMap<String, ExistingProfile>) {
        self.roles.set_existing_profiles(existing);
    }

    /// Whether settings.ini has a `chain_role_arn`, so Ctrl-x ends the
    /// picker with [`Outcome::Chained`] (else it says how to set one).
    pub fn set_can_chain(&mut self, can_chain: bool) {
        self.can_chain = can_chain;
    }

    /// Sets how profiles are named (what the details pane shows and Enter writes).
    pub fn set_profile_template(&mut self, template: ProfileTemplate) {
        self.roles.set_profile_template(template);
    }

    /// Sets the doctor's findings, by profile name.
    pub fn set_profile_notes(&mut self, notes: HashMap<String, Vec<ProfileNote>>) {
        self.roles.set_profile_notes(notes);
    }

    /// Sets how many rows a page holds (PgUp/PgDn), at least 1.
    pub fn set_page_size(&mut self, rows: usize) {
        self.roles.set_page_size(rows);
    }

    /// Shows a one-line note (cleared by the next query edit).
    pub fn set_message(&mut self, message: impl Into<String>) {
        self.message = Some(message.into());
    }

    /// Sets when the current session's access token expires (status bar);
    /// `None`: there is no token file.
    pub fn set_session_expires_at(&mut self, at: Option<OffsetDateTime>) {
        self.status.expires_at = at;
        self.status.token_unreadable = false;
    }

    /// Marks the current session's token file as there but unreadable (status bar).
    pub fn set_session_token_unreadable(&mut self) {
        self.status.expires_at = None;
        self.status.token_unreadable = true;
    }

    /// The state of the listed session's token at [`App::now`]: what the
    /// status bar always shows.
    pub fn session_state(&self) -> crate::sessions::TokenState {
        use crate::sessions::{state_at, TokenState};
        match (self.status.token_unreadable, self.status.expires_at) {
            (true, _) => TokenState::Unreadable,
            (false, None) => TokenState::NotLoggedIn,
            (false, Some(t)) => state_at(t, self.now),
        }
    }

    /// The request rate the portal delivered over the last few seconds of
    /// listing ([`crate::progress::RateMeter`]), once it can be told.
    pub fn delivered_rate(&self) -> Option<f64> {
        self.status.rate.rate()
    }

    /// Sets the clock the countdowns are drawn against (as [`Msg::Tick`] does).
    pub fn set_now(&mut self, now: OffsetDateTime) {
        self.now = now;
    }

    /// The Roles view's state.
    pub fn roles(&self) -> &RolesView {
        &self.roles
    }

    /// The Sessions view's state.
    pub fn sessions_view(&self) -> &SessionsView {
        &self.sessions
    }

    pub fn query(&self) -> &str {
        self.roles.query()
    }

    pub fn catalog(&self) -> &Catalog {
        self.roles.catalog()
    }

    pub fn progress(&self) -> Progress {
        self.roles.catalog().progress()
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The popup on top, if any.
    pub fn overlay(&self) -> Option<Overlay> {
        self.overlay
    }

    pub fn help_visible(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Help { .. }))
    }

    /// Whether the terraform provider block is shown (Ctrl-t), under the help or not.
    pub fn terraform_visible(&self) -> bool {
        matches!(
            self.overlay,
            Some(Overlay::Terraform)
                | Some(Overlay::Help {
                    terraform_below: true
                })
        )
    }

    pub fn view(&self) -> View {
        self.view
    }

    /// The Sessions view's rows.
    pub fn sessions(&self) -> &[SessionSummary] {
        self.sessions.rows()
    }

    /// Index of the selected row of the Sessions view.
    pub fn session_selected(&self) -> usize {
        self.sessions.selected_index()
    }

    /// Counters of the portal calls while listing, for the status bar.
    pub fn listing_stats(&self) -> Option<&LimiterStats> {
        self.status.listing_stats.as_ref()
    }

    /// `--region`, settings.ini's region rules and `region`, which come
    /// before the session's `sso_region`.
    pub fn set_region_defaults(&mut self, defaults: crate::region::RegionDefaults) {
        self.region_defaults = defaults;
    }

    /// The region Enter writes and exports for `row`, and which rule gave
    /// it ([`crate::region::region_for`] with the existing section of the
    /// row's profile).
    pub fn region_for(&self, row: &Row) -> (String, crate::region::RegionSource) {
        let existing = self
            .roles
            .profile_name(row, &self.session)
            .and_then(|profile| self.roles.existing_profile(&profile))
            .and_then(|p| p.region.as_deref());
        crate::region::region_for(
            &self.region_defaults,
            &crate::region::Assignment::from(row),
            existing,
            &self.region,
        )
    }

    /// When the current session's access token expires (status bar).
    pub fn session_expires_at(&self) -> Option<OffsetDateTime> {
        self.status.expires_at
    }

    /// The session a running login is for.
    pub fn login_session(&self) -> Option<&str> {
        self.login.as_ref().map(|l| l.session.as_str())
    }

    /// The login panel, while a login is needed or running.
    pub fn login_panel(&self) -> Option<&LoginPanel> {
        self.login.as_ref().filter(|l| !l.hidden).map(|l| &l.panel)
    }

    /// The clock the countdown is drawn against.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// The matching rows, best first.
    pub fn matches(&self) -> impl ExactSizeIterator<Item = &Row> + '_ {
        self.roles.matches()
    }

    pub fn match_count(&self) -> usize {
        self.roles.match_count()
    }

    /// Index of the selected row within [`App::matches`].
    pub fn selected_index(&self) -> usize {
        self.roles.selected_index()
    }

    pub fn selected(&self) -> Option<&Row> {
        self.roles.selected()
    }

    /// The profile name the selected row would write.
    pub fn selected_profile(&self) -> Option<String> {
        self.roles.profile_name(self.selected()?, &self.session)
    }

    /// What the config already has under `profile`, if anything.
    pub fn existing_profile(&self, profile: &str) -> Option<&ExistingProfile> {
        self.roles.existing_profile(profile)
    }

    /// Whether `row` is a favourite of this session.
    pub fn is_favourite(&self, row: &Row) -> bool {
        self.roles.is_favourite(row)
    }

    /// The findings about `profile` (empty when none).
    pub fn profile_notes(&self, profile: &str) -> &[ProfileNote] {
        self.roles.profile_notes(profile)
    }

    /// The findings about the profile `row` would write.
    pub fn row_notes(&self, row: &Row) -> &[ProfileNote] {
        match self.roles.profile_name(row, &self.session) {
            Some(name) => self.roles.profile_notes(&name),
            None => &[],
        }
    }

    /// Which accounts a running listing should fetch first; see
    /// [`RolesView::priority_hints`].
    pub fn priority_hints(&self, limit: usize) -> (Option<String>, Vec<String>) {
        self.roles.priority_hints(limit)
    }

    /// Opens the login panel and asks for a background login (unless one is
    /// already running and has not failed).
    pub fn begin_login(&mut self, reason: impl Into<String>) {
        let session = self.session.clone();
        self.begin_login_to(&session, reason);
    }

    /// Opens the login panel for `session` (any session of the Sessions view).
    fn begin_login_to(&mut self, session: &str, reason: impl Into<String>) {
        if let Some(login) = self.login.as_mut().filter(|l| !l.panel.failed) {
            login.hidden = false;
            return;
        }
        self.login = Some(Login::new(session, reason.into()));
        if session == self.session {
            // A listing with a rejected token is of no more use.
            self.effects.push(Effect::StopListing);
        }
        self.effects.push(Effect::Login {
            session: session.to_string(),
        });
    }

    /// Marks a running login failed, so that a new one replaces it.
    fn abandon_login(&mut self) {
        if let Some(login) = self.login.as_mut() {
            login.panel.failed = true;
        }
    }

    /// Makes `session` (with `region` for profiles) the one the Roles view
    /// lists: the rows, query and favourites' view start over.
    fn switch_session(&mut self, session: &str, region: &str, expires_at: Option<OffsetDateTime>) {
        self.session = session.to_string();
        self.region = region.to_string();
        self.roles.set_catalog(Catalog::default());
        self.roles.clear_matches();
        self.status.expires_at = expires_at;
        self.status.token_unreadable = false;
        self.status.rate.clear();
        let favourites = self.roles.take_favourites();
        self.set_favourites(favourites);
        self.view = View::Roles;
        self.effects.push(Effect::Refresh);
    }

    /// Sets the Sessions view's rows (keeps the selection on the same name).
    fn set_sessions(&mut self, rows: Vec<SessionSummary>) {
        self.sessions.set_rows(rows);
        if let Some(current) = self.sessions.find(&self.session) {
            self.status.expires_at = current.expires_at;
            self.status.token_unreadable = current.unreadable;
        }
    }

    /// Folds in progress of the background login. Success closes the panel
    /// and lists the portal again.
    fn apply_login(&mut self, update: LoginUpdate) {
        let Some(login) = self.login.as_mut() else {
            return;
        };
        match update {
            LoginUpdate::Step(step) => login.step(step),
            LoginUpdate::Succeeded => {
                let session = self.login.take().map(|l| l.session);
                self.message = None;
                if session.as_deref() == Some(self.session.as_str()) {
                    self.roles.begin_refresh();
                    self.effects.push(Effect::Refresh);
                } else {
                    self.message = Some(format!("logged in to {}", session.unwrap_or_default()));
                }
                self.effects.push(Effect::LoadSessions);
            }
            LoginUpdate::Failed(error) => {
                login.fail(&error);
                login.hidden = false;
            }
        }
    }

    /// Esc on the login panel: back to the list. A failed login is dropped;
    /// a running one goes on with its panel put away.
    fn dismiss_login(&mut self) {
        let Some(login) = self.login.as_mut() else {
            return;
        };
        if login.panel.failed {
            self.login = None;
        } else {
            login.hidden = true;
            self.message = Some("the login goes on in the background; Ctrl-l shows it".into());
        }
    }

    /// Handles one terminal key through the key table of the current view.
    pub fn handle_key(&mut self, key: KeyEvent) -> Option<Outcome> {
        match self.key(key) {
            Update::Ended(outcome) => Some(outcome),
            Update::Changed | Update::Unchanged => None,
        }
    }

    fn key(&mut self, key: KeyEvent) -> Update {
        let outcome = match self.view {
            View::Roles => match action_for(key, self.roles.query().is_empty()) {
                Some(action) => self.act(action),
                None => return Update::Unchanged,
            },
            // With no session listed there is nothing to go back to: Esc cancels.
            View::Sessions
                if !self.has_session()
                    && key.code == crossterm::event::KeyCode::Esc
                    && self.login_panel().is_none()
                    && !self.help_visible() =>
            {
                Some(Outcome::Cancelled)
            }
            View::Sessions => match session_action_for(key) {
                Some(action) => self.act_in_sessions(action),
                None => return Update::Unchanged,
            },
        };
        Update::from_outcome(outcome)
    }

    /// Closes the help popup, bringing back what it covered.
    fn close_help(&mut self) {
        if let Some(Overlay::Help { terraform_below }) = self.overlay {
            self.overlay = terraform_below.then_some(Overlay::Terraform);
        }
    }

    fn open_help(&mut self) {
        self.overlay = Some(Overlay::Help {
            terraform_below: self.terraform_visible(),
        });
    }

    /// Applies one action of the Sessions view.
    fn act_in_sessions(&mut self, action: SessionAction) -> Option<Outcome> {
        if self.help_visible() {
            match action {
                SessionAction::Help | SessionAction::Back => self.close_help(),
                SessionAction::Interrupt => return Some(Outcome::Interrupted),
                _ => {}
            }
            return None;
        }
        if action == SessionAction::Back && self.login_panel().is_some() {
            self.dismiss_login();
            return None;
        }
        let selected = self.sessions.selected_name();
        let legacy = self
            .sessions
            .selected()
            .filter(|s| s.is_legacy())
            .map(|s| s.legacy_refusal());
        let refused = || {
            legacy
                .clone()
                .unwrap_or_else(|| "no session selected".into())
        };
        match action {
            SessionAction::Up => self.sessions.up(),
            SessionAction::Down => self.sessions.down(),
            SessionAction::Back if !self.has_session() => {
                self.message = Some("no session is listed yet: Enter lists the selected one".into())
            }
            SessionAction::Back => self.view = View::Roles,
            SessionAction::Interrupt => return Some(Outcome::Interrupted),
            SessionAction::Help => self.open_help(),
            SessionAction::Login => match selected {
                Some(name) => {
                    self.abandon_login();
                    self.begin_login_to(&name, format!("log in to {name}"));
                }
                None => self.message = Some(refused()),
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
                None => self.message = Some(refused()),
            },
            SessionAction::Switch => match selected {
                Some(session) if session == self.session => self.view = View::Roles,
                Some(session) => self.effects.push(Effect::SwitchSession { session }),
                None => self.message = Some(refused()),
            },
        }
        None
    }

    /// Applies one action of the Roles view.
    fn act(&mut self, action: Action) -> Option<Outcome> {
        if self.help_visible() {
            // The help popup takes keys until it is closed.
            match action {
                Action::Help | Action::Cancel => self.close_help(),
                Action::Interrupt => return Some(Outcome::Interrupted),
                _ => {}
            }
            return None;
        }
        if action == Action::Cancel && self.login_panel().is_some() {
            self.dismiss_login();
            return None;
        }
        if self.overlay == Some(Overlay::Terraform) {
            // The provider block closes on Ctrl-t or Esc; other keys act as usual.
            if matches!(action, Action::Terraform | Action::Cancel) {
                self.overlay = None;
                return None;
            }
        }
        match action {
            Action::Terraform => {
                self.overlay = self
                    .selected_profile()
                    .is_some()
                    .then_some(Overlay::Terraform)
            }
            Action::Insert(c) => {
                self.roles.push_char(c);
                self.query_changed();
            }
            Action::DeleteChar => self.edit_query(QueryEdit::DeleteChar),
            Action::DeleteWord => self.edit_query(QueryEdit::DeleteWord),
            Action::ClearQuery => self.edit_query(QueryEdit::Clear),
            Action::Up => self.roles.move_selection(Move::Up),
            Action::Down => self.roles.move_selection(Move::Down),
            Action::PageUp => self.roles.move_selection(Move::PageUp),
            Action::PageDown => self.roles.move_selection(Move::PageDown),
            Action::First => self.roles.move_selection(Move::First),
            Action::Last => self.roles.move_selection(Move::Last),
            Action::Accept => match self.roles.accept()? {
                Ok(row) => return Some(Outcome::Chosen(row)),
                Err(why) => self.message = Some(why),
            },
            Action::Console => match self.roles.accept()? {
                Ok(row) => return Some(Outcome::Console(row)),
                Err(why) => self.message = Some(why),
            },
            Action::Chain if !self.can_chain => {
                self.message = Some(CHAIN_HINT.to_string());
            }
            Action::Chain => match self.roles.accept()? {
                Ok(row) => return Some(Outcome::Chained(row)),
                Err(why) => self.message = Some(why),
            },
            Action::Cancel => return Some(Outcome::Cancelled),
            Action::Interrupt => return Some(Outcome::Interrupted),
            Action::Refresh => {
                self.roles.begin_refresh();
                self.message = None;
                self.effects.push(Effect::Refresh);
            }
            Action::ToggleFavourite => match self.roles.toggle_favourite(&self.session) {
                None => {}
                Some(Err(why)) => self.message = Some(why.to_string()),
                Some(Ok(all)) => {
                    self.effects.push(Effect::SaveFavourites(all));
                    self.refilter(true);
                }
            },
            Action::Help => self.open_help(),
            Action::Sessions => {
                self.view = View::Sessions;
                self.effects.push(Effect::LoadSessions);
            }
            Action::Login => match self.login.as_mut() {
                // A running login put away with Esc comes back.
                Some(login) if login.hidden && !login.panel.failed => login.hidden = false,
                _ => {
                    self.abandon_login(); // a running login is replaced
                    self.begin_login("log in again (Ctrl-l)");
                }
            },
        }
        None
    }

    /// Folds one listing event in, keeping the selection on the same
    /// (account, role). Returns `Outcome::Failed` when the listing ended with
    /// a fatal error and nothing to pick from; a rejected token opens the
    /// login panel instead.
    pub fn apply(&mut self, event: CatalogEvent) -> Option<Outcome> {
        let rejected = matches!(
            event,
            CatalogEvent::Fatal {
                unauthorized: true,
                ..
            }
        );
        if self.roles.apply_event(event) {
            self.refilter(true);
        }
        if let Some(diff) = self.roles.take_diff() {
            self.message = Some(format!("refreshed: {diff}"));
        }
        let catalog = self.roles.catalog();
        if let Some(why) = catalog.offline() {
            self.message = Some(format!("offline: showing the cached catalog ({why})"));
            return None;
        }
        if let Some(fatal) = catalog.fatal() {
            let message = fatal.to_string();
            if rejected {
                self.begin_login(message);
                return None;
            }
            if catalog.rows().is_empty() {
                return Some(Outcome::Failed(ListingFailed {
                    message,
                    unauthorized: self.roles.rejected(),
                }));
            }
            self.message = Some(message);
        }
        None
    }

    fn edit_query(&mut self, edit: QueryEdit) {
        if self.roles.edit_query(edit) {
            self.query_changed();
        }
    }

    fn query_changed(&mut self) {
        self.message = None;
        self.roles.name_profiles(&self.session);
        let ranked = self.roles.query_changed();
        self.ranked(ranked);
    }

    /// Re-ranks (see [`RolesView::refilter`]), asking for ranking off the
    /// draw path when the rows are many.
    fn refilter(&mut self, keep: bool) {
        self.roles.name_profiles(&self.session);
        let ranked = self.roles.refilter(keep);
        self.ranked(ranked);
    }

    fn ranked(&mut self, ranked: Ranked) {
        if ranked == Ranked::Deferred && self.effects.last() != Some(&Effect::Filter) {
            self.effects.push(Effect::Filter);
        }
    }
}

#[cfg(test)]
mod tests;
