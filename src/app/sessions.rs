//! The Sessions view: every login the files know, and which row is selected.

use time::OffsetDateTime;

use crate::sessions::{state_at, TokenState};

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
    /// The chained profiles whose chain starts at one of its profiles
    /// ([`crate::sessions::SessionStatus::chained`], the rule `status`
    /// follows): they work while this login does.
    pub chained: Vec<String>,
    /// The first profile that uses it (what `aws sso login --profile`
    /// takes for a legacy start URL).
    pub first_profile: Option<String>,
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
            chained: s.chained.clone(),
            first_profile: s.profiles.first().cloned(),
        }
    }

    /// The profiles column: `N`, or `N+M` with `M` chained profiles.
    pub fn profile_count(&self) -> String {
        match self.chained.len() {
            0 => self.profiles.to_string(),
            chained => format!("{}+{chained}", self.profiles),
        }
    }

    /// The details pane's line for the chained profiles, `None` without
    /// any: `chained: a, b (follow this login)`.
    pub fn chained_line(&self) -> Option<String> {
        (!self.chained.is_empty())
            .then(|| format!("chained: {} (follow this login)", self.chained.join(", ")))
    }

    /// Whether this row is a legacy start URL (profiles with their own
    /// `sso_start_url`, no `[sso-session]`): `l`, `r`, `o` and Enter work
    /// on sso-sessions only.
    pub fn is_legacy(&self) -> bool {
        self.name.is_none()
    }

    /// How to sign in to a legacy start URL with the AWS CLI (the details
    /// pane's line for such a row).
    pub fn legacy_hint(&self) -> String {
        let profile = self.first_profile.as_deref().unwrap_or("PROFILE");
        format!("legacy start URL: sign in with `aws sso login --profile {profile}`")
    }

    /// Why `l`, `r`, `o` or Enter did nothing on a legacy start URL's row.
    pub fn legacy_refusal(&self) -> String {
        let profile = self.first_profile.as_deref().unwrap_or("PROFILE");
        format!("not for a legacy start URL: sign in with `aws sso login --profile {profile}`")
    }
}

/// Work on a session other than a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOp {
    Refresh,
    Logout,
}

/// The Sessions view's rows and selection.
#[derive(Debug, Default)]
pub struct SessionsView {
    rows: Vec<SessionSummary>,
    /// Index into `rows`.
    selected: usize,
}

impl SessionsView {
    pub fn rows(&self) -> &[SessionSummary] {
        &self.rows
    }

    /// Index of the selected row.
    pub fn selected_index(&self) -> usize {
        self.selected
    }

    /// The selected row.
    pub fn selected(&self) -> Option<&SessionSummary> {
        self.rows.get(self.selected)
    }

    /// The selected row's sso-session name (`None`: a legacy start URL, or no row).
    pub fn selected_name(&self) -> Option<String> {
        self.rows.get(self.selected).and_then(|s| s.name.clone())
    }

    /// The row of sso-session `name`.
    pub fn find(&self, name: &str) -> Option<&SessionSummary> {
        self.rows.iter().find(|s| s.name.as_deref() == Some(name))
    }

    pub(super) fn up(&mut self) {
        self.selected = self.selected.saturating_sub(1);
    }

    pub(super) fn down(&mut self) {
        self.selected = (self.selected + 1).min(self.rows.len().saturating_sub(1));
    }

    /// Sets the rows, keeping the selection on the same name.
    pub(super) fn set_rows(&mut self, rows: Vec<SessionSummary>) {
        let keep = self.rows.get(self.selected).map(|s| s.name.clone());
        self.rows = rows;
        self.selected = keep
            .and_then(|name| self.rows.iter().position(|s| s.name == name))
            .unwrap_or(0);
    }
}
