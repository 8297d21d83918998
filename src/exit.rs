//! How a command ended, for the exit code and stdout (see the exit codes in
//! the README).

/// How a run ended, for the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Exit 0; the text goes to stdout.
    Done(String),
    /// Exit 1, stdout empty.
    Cancelled,
    /// Exit 130, stdout empty.
    Interrupted,
    /// Exit 1, stdout empty, the message on stderr: a non-interactive
    /// command found nothing, or more than one row, for its query.
    NoChoice(String),
    /// The exit status of a command `exec` ran (its output was its own).
    Status(u8),
}

impl Exit {
    /// The process exit code: 0, 1, 130, or the status `exec` passed on.
    pub fn code(&self) -> u8 {
        match self {
            Exit::Done(_) => 0,
            Exit::Cancelled | Exit::NoChoice(_) => 1,
            Exit::Interrupted => 130,
            Exit::Status(code) => *code,
        }
    }
}
