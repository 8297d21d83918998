//! The picker's terminal: `/dev/tty` in raw mode on the alternate screen,
//! restored on every exit path (drop, early return, panic, and the signals
//! [`RESTORE_SIGNALS`]). Stdout is never touched, so it can carry the result.
//!
//! Signals: while a [`TerminalGuard`] is open, SIGHUP, SIGINT, SIGQUIT and
//! SIGTERM restore the terminal (raw mode off, alternate screen left, cursor
//! shown, all on `/dev/tty`) and end the process with status 128 + the
//! signal's number, writing nothing to stdout. A second one of them arriving
//! during that restore ends the process at once (`_exit(128 + n)` from the
//! handler). With no guard open they keep their default action. The handling
//! is a [signal-hook] thread installed by the first guard and kept for the
//! life of the process.
//!
//! Ctrl-Z ([`suspend`]) restores the terminal, stops the process with
//! SIGTSTP for the shell's job control, and sets the terminal up again when
//! the process is continued (`fg`, SIGCONT). A terminal that says it cannot
//! draw (`TERM=dumb`) is refused before anything is set up ([`check_capable`]).
//!
//! [signal-hook]: https://docs.rs/signal-hook

use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once, OnceLock};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

/// The terminal device the picker draws on.
pub const TTY_PATH: &str = "/dev/tty";

/// The signals that, while a guard is open, restore the terminal and end
/// the process with status 128 + the signal's number.
pub const RESTORE_SIGNALS: [i32; 4] = [
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGQUIT,
    signal_hook::consts::SIGTERM,
];

/// Whether a [`TerminalGuard`] holds the terminal (raw, alternate screen).
static LIVE: AtomicBool = AtomicBool::new(false);

/// Why the picker could not start.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    /// No controlling terminal (e.g. under cron or CI).
    #[error("this command needs a terminal: cannot open {TTY_PATH} ({0})")]
    NeedsTerminal(io::Error),
    /// Setting the terminal up failed.
    #[error("cannot set up the terminal: {0}")]
    Setup(io::Error),
    /// `TERM=dumb`: the terminal cannot draw the picker.
    #[error("TERM=dumb: this terminal cannot draw the picker; use `uo-aws-tui list [QUERY]` to see the roles and `uo-aws-tui use QUERY` to activate one")]
    Dumb,
}

/// Refuses a terminal that says it cannot draw (`TERM=dumb`).
///
/// Errors: [`TerminalError::Dumb`].
pub fn check_capable() -> Result<(), TerminalError> {
    match std::env::var_os("TERM") {
        Some(term) if term == "dumb" => Err(TerminalError::Dumb),
        _ => Ok(()),
    }
}

/// Ctrl-Z in the picker: restores the terminal (raw mode off, alternate
/// screen left, cursor shown), stops the process with SIGTSTP, and once it
/// is continued (`fg`, SIGCONT) enters raw mode and the alternate screen
/// again. The caller then redraws the whole screen. While stopped, the
/// terminating signals have their default action.
///
/// Errors: the stop signal could not be raised, or the terminal could not
/// be set up again.
pub fn suspend() -> io::Result<()> {
    let live = LIVE.swap(false, Ordering::SeqCst);
    restore();
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    // Continued.
    enable_raw_mode()?;
    let mut tty = OpenOptions::new().write(true).open(TTY_PATH)?;
    execute!(
        tty,
        EnterAlternateScreen,
        Hide,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    LIVE.store(live, Ordering::SeqCst);
    Ok(())
}

/// An open, prepared terminal; dropping it restores the terminal.
pub struct TerminalGuard {
    /// Buffered: a frame goes out in a few writes when ratatui flushes it,
    /// not in one write per escape sequence.
    terminal: Terminal<CrosstermBackend<BufWriter<File>>>,
    restored: bool,
}

impl TerminalGuard {
    /// Opens `/dev/tty`, enters raw mode and the alternate screen, hides the
    /// cursor, and installs a panic hook that restores the terminal before
    /// the panic message is printed, and the handling of
    /// [`RESTORE_SIGNALS`] (see the module notes) while the guard lives.
    ///
    /// Errors: [`TerminalError::Dumb`] with `TERM=dumb`;
    /// [`TerminalError::NeedsTerminal`] without a controlling
    /// terminal; [`TerminalError::Setup`] when raw mode, the alternate screen
    /// or the signal handlers cannot be set up.
    pub fn open() -> Result<TerminalGuard, TerminalError> {
        check_capable()?;
        let tty = OpenOptions::new()
            .read(true)
            .write(true)
            .open(TTY_PATH)
            .map_err(TerminalError::NeedsTerminal)?;
        install_panic_hook();
        install_signal_handling().map_err(TerminalError::Setup)?;
        LIVE.store(true, Ordering::SeqCst);
        enable_raw_mode().map_err(|e| {
            LIVE.store(false, Ordering::SeqCst);
            TerminalError::Setup(e)
        })?;
        let mut out = tty.try_clone().map_err(TerminalError::Setup)?;
        if let Err(e) = execute!(out, EnterAlternateScreen, Hide) {
            restore();
            LIVE.store(false, Ordering::SeqCst);
            return Err(TerminalError::Setup(e));
        }
        let terminal = match Terminal::new(CrosstermBackend::new(BufWriter::new(tty))) {
            Ok(t) => t,
            Err(e) => {
                restore();
                LIVE.store(false, Ordering::SeqCst);
                return Err(TerminalError::Setup(e));
            }
        };
        Ok(TerminalGuard {
            terminal,
            restored: false,
        })
    }

    pub fn terminal(&mut self) -> &mut Terminal<CrosstermBackend<BufWriter<File>>> {
        &mut self.terminal
    }

    /// Leaves the alternate screen and raw mode now (also done on drop).
    pub fn restore(&mut self) {
        if !self.restored {
            self.restored = true;
            let _ = self.terminal.backend_mut().flush();
            restore();
            LIVE.store(false, Ordering::SeqCst);
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

/// Installs, once per process, the handling of [`RESTORE_SIGNALS`]: in the
/// handler, a signal that arrives while a restore is under way ends the
/// process at once; otherwise it marks the restore as under way and wakes
/// the `signals` thread, which restores the terminal and exits with
/// 128 + n while a guard is open, and runs the signal's default action
/// when none is.
///
/// Errors: the handlers or the thread could not be set up (the error of the
/// first attempt is returned again on later calls).
fn install_signal_handling() -> io::Result<()> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| spawn_signal_thread().map_err(|e| e.to_string()))
        .clone()
        .map_err(io::Error::other)
}

fn spawn_signal_thread() -> io::Result<()> {
    use signal_hook::flag;
    let restoring = Arc::new(AtomicBool::new(false));
    for signal in RESTORE_SIGNALS {
        // Actions run in registration order: first "a second signal ends
        // it now", then "this one starts the restore".
        flag::register_conditional_shutdown(signal, 128 + signal, restoring.clone())?;
        flag::register(signal, restoring.clone())?;
    }
    let mut signals = signal_hook::iterator::Signals::new(RESTORE_SIGNALS)?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                if LIVE.load(Ordering::SeqCst) {
                    restore();
                    std::process::exit(128 + signal);
                }
                // No picker on screen: what the signal would have done.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}
