//! The login panel: a background login to one session, and what the user
//! sees of it.

use time::OffsetDateTime;

use super::errors::ServiceError;
use crate::aws::login::{Flow, LoginStep};

/// Progress of a background login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginUpdate {
    Step(LoginStep),
    /// The token file was written; listing starts again.
    Succeeded,
    /// The login failed; the error says why.
    Failed(ServiceError),
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

/// A login that is needed or running: the session it is for, and its panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub session: String,
    pub panel: LoginPanel,
    /// Esc put the panel away: the login goes on, the list is shown
    /// (Ctrl-l shows the panel again; a failure shows it by itself).
    pub hidden: bool,
}

impl Login {
    /// A login to `session`, started for `reason`.
    pub fn new(session: &str, reason: String) -> Login {
        Login {
            session: session.to_string(),
            panel: LoginPanel {
                reason,
                ..LoginPanel::default()
            },
            hidden: false,
        }
    }

    /// Folds in one step of the running login (success is the app's to handle).
    pub(super) fn step(&mut self, step: LoginStep) {
        let panel = &mut self.panel;
        match step {
            LoginStep::Authorize {
                flow,
                url,
                user_code,
                expires_at,
            } => {
                panel.flow = Some(flow);
                panel.url = Some(url);
                panel.user_code = user_code;
                panel.expires_at = Some(expires_at);
            }
            LoginStep::BrowserOpened { how } => {
                panel.note = Some(format!("opened with {how}"));
            }
            LoginStep::BrowserFailed { reason } => {
                panel.note = Some(format!("no browser ({reason}): open the URL yourself"));
            }
            LoginStep::SlowDown(interval) => {
                panel.note = Some(format!("checking every {} s", interval.as_secs()));
            }
            _ => {}
        }
    }

    /// Marks the login failed with `error` (Ctrl-l tries again).
    pub(super) fn fail(&mut self, error: &ServiceError) {
        self.panel.failed = true;
        self.panel.note = Some(error.to_string());
    }
}
