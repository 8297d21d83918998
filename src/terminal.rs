//! The picker's terminal: `/dev/tty` in raw mode on the alternate screen,
//! restored on every exit path (drop, early return, panic). Stdout is never
//! touched, so it can carry the result.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::Once;

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

/// The terminal device the picker draws on.
pub const TTY_PATH: &str = "/dev/tty";

/// Why the picker could not start.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    /// No controlling terminal (e.g. under cron or CI).
    #[error("this command needs a terminal: cannot open {TTY_PATH} ({0})")]
    NeedsTerminal(io::Error),
    /// Setting the terminal up failed.
    #[error("cannot set up the terminal: {0}")]
    Setup(io::Error),
}

/// An open, prepared terminal; dropping it restores the terminal.
pub struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<File>>,
    restored: bool,
}

impl TerminalGuard {
    /// Opens `/dev/tty`, enters raw mode and the alternate screen, hides the
    /// cursor, and installs a panic hook that restores the terminal before
    /// the panic message is printed.
    pub fn open() -> Result<TerminalGuard, TerminalError> {
        let tty = OpenOptions::new()
            .read(true)
            .write(true)
            .open(TTY_PATH)
            .map_err(TerminalError::NeedsTerminal)?;
        install_panic_hook();
        enable_raw_mode().map_err(TerminalError::Setup)?;
        let mut out = tty.try_clone().map_err(TerminalError::Setup)?;
        if let Err(e) = execute!(out, EnterAlternateScreen, Hide) {
            let _ = disable_raw_mode();
            return Err(TerminalError::Setup(e));
        }
        let terminal = match Terminal::new(CrosstermBackend::new(tty)) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(TerminalError::Setup(e));
            }
        };
        Ok(TerminalGuard {
            terminal,
            restored: false,
        })
    }

    pub fn terminal(&mut self) -> &mut Terminal<CrosstermBackend<File>> {
        &mut self.terminal
    }

    /// Leaves the alternate screen and raw mode now (also done on drop).
    pub fn restore(&mut self) {
        if !self.restored {
            self.restored = true;
            let _ = self.terminal.backend_mut().flush();
            restore();
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Best-effort restore on a fresh handle to `/dev/tty`.
fn restore() {
    let _ = disable_raw_mode();
    if let Ok(mut tty) = OpenOptions::new().write(true).open(TTY_PATH) {
        let _ = execute!(tty, LeaveAlternateScreen, Show);
        let _ = tty.flush();
    }
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
