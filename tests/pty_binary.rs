//! The real binary in a pseudo-terminal: `pick` against the simulator, keys
//! typed into the pty, the result read from a stdout pipe.
//!
//! The child gets the pty slave as stdin, stderr and controlling terminal
//! (so `/dev/tty` is the pty) and a pipe as stdout. A thread drains the
//! master so the child never blocks drawing; the bytes it collects are
//! replayed into a small screen model to wait for text before typing.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd as _, OwnedFd};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, FdFlag};
use nix::pty::{openpty, Winsize};
use nix::sys::signal::{kill, Signal};
use nix::sys::termios::{tcgetattr, LocalFlags, Termios};
use nix::unistd::Pid;
use unicode_width::UnicodeWidthChar;
use uo_aws_tui::catalog::profile_name;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");
const COLS: u16 = 100;
const ROWS: u16 = 30;
/// Upper bound for anything the picker is waited for.
const DEADLINE: Duration = Duration::from_secs(30);

/// Serialises opening a pty and spawning a child into it, so a child spawned
/// by a parallel test never inherits another test's pty descriptors in the
/// moment between `openpty` and marking them close-on-exec.
static SPAWN: Mutex<()> = Mutex::new(());

/// Bytes the child wrote to the pty master, and whether the slave side has
/// been closed by everyone (the child exited).
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    closed: bool,
}

type Shared = Arc<(Mutex<Output>, Condvar)>;

/// A running `uo-aws-tui` in a pty. Dropping it kills and reaps the child.
struct PtyChild {
    child: Child,
    master: File,
    output: Shared,
    drain: Option<JoinHandle<()>>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    initial_termios: Termios,
}

/// How a run ended.
struct Finished {
    status: ExitStatus,
    stdout: String,
    screen_bytes: Vec<u8>,
    termios_after: Termios,
    initial_termios: Termios,
    /// `stty -a` of the terminal after the child exited.
    stty: String,
}

impl PtyChild {
    /// Starts `uo-aws-tui pick` with HOME and the portal endpoint of `demo`,
    /// nothing else from this process's environment.
    fn spawn_pick(demo: &common::DemoHome) -> PtyChild {
        PtyChild::spawn(demo, &["pick"])
    }

    /// Starts `uo-aws-tui ARGS…` in the pty like [`PtyChild::spawn_pick`],
    /// with the OIDC endpoint of `demo` too.
    fn spawn(demo: &common::DemoHome, args: &[&str]) -> PtyChild {
        PtyChild::spawn_with(demo, args, &[], false)
    }

    /// [`PtyChild::spawn`] with `env` added (or replacing the defaults),
    /// and with `job_control` the binary runs as a shell's job: the
    /// session leader forks, puts the child in its own process group in the
    /// foreground of the pty and waits for it (ignoring stops), then exits
    /// with its status. Ctrl-Z can then stop the child as it would under a
    /// shell; [`PtyChild::job`] finds its pid.
    fn spawn_with(
        demo: &common::DemoHome,
        args: &[&str],
        env: &[(&str, &str)],
        job_control: bool,
    ) -> PtyChild {
        let _serial = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        let size = Winsize {
            ws_row: ROWS,
            ws_col: COLS,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = openpty(&size, None).expect("openpty");
        for fd in [&pty.master, &pty.slave] {
            fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).expect("FD_CLOEXEC");
        }
        let initial_termios = tcgetattr(&pty.master).expect("tcgetattr on the master");
        let slave_in: OwnedFd = pty.slave.try_clone().expect("dup slave");
        let slave_err: OwnedFd = pty.slave;

        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("AWS_ENDPOINT_URL_SSO_OIDC", demo.sim.endpoint())
            .env("HOME", demo.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TERM", "xterm-256color")
            .env("AWS_ENDPOINT_URL_SSO", demo.sim.endpoint())
            .envs(env.iter().copied())
            .stdin(Stdio::from(slave_in))
            .stdout(Stdio::piped())
            .stderr(Stdio::from(slave_err));
        // SAFETY: between fork and exec the closure only calls setsid and
        // ioctl, both async-signal-safe, and allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                // A new session, then the pty (already on fd 0) as its
                // controlling terminal, so /dev/tty opens the pty.
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                if job_control {
                    job_control_fork();
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("the binary starts");
        // The parent's copies of the slave go away with the command, so the
        // master reports EIO once the child has exited.
        drop(cmd);

        let stdout = child.stdout.take().expect("stdout is piped");
        let stdout = std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut stdout = stdout;
            let _ = stdout.read_to_end(&mut out);
            out
        });

        let master = File::from(pty.master);
        let reader = master.try_clone().expect("dup master");
        let output: Shared = Arc::default();
        let drain = {
            let output = output.clone();
            std::thread::spawn(move || drain_master(reader, &output))
        };
        PtyChild {
            child,
            master,
            output,
            drain: Some(drain),
            stdout: Some(stdout),
            initial_termios,
        }
    }

    /// Waits until the screen shows `text` somewhere; panics (and the drop
    /// kills the child) after [`DEADLINE`], showing the screen.
    fn wait_for_text(&self, text: &str) -> Screen {
        self.wait_for(&format!("{text:?} on the screen"), |s| s.contains(text))
    }

    /// Waits until `ready` holds for the screen, or the deadline passes.
    fn wait_for(&self, what: &str, ready: impl Fn(&Screen) -> bool) -> Screen {
        let deadline = Instant::now() + DEADLINE;
        let (lock, changed) = &*self.output;
        let mut out = lock.lock().unwrap();
        loop {
            let screen = Screen::replay(&out.bytes, ROWS, COLS);
            if ready(&screen) {
                return screen;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero() && !out.closed,
                "waited for {what}; {}; screen:\n{}",
                if out.closed {
                    "the child closed the terminal"
                } else {
                    "timed out"
                },
                screen.text()
            );
            out = changed.wait_timeout(out, left).unwrap().0;
        }
    }

    /// How many bytes the terminal has received so far (a mark for
    /// [`PtyChild::wait_after`]).
    fn mark(&self) -> usize {
        self.output.0.lock().unwrap().bytes.len()
    }

    /// Waits until the bytes received after `mark` satisfy `ready`; panics
    /// after [`DEADLINE`], showing them.
    fn wait_after(&self, mark: usize, what: &str, ready: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        let deadline = Instant::now() + DEADLINE;
        let (lock, changed) = &*self.output;
        let mut out = lock.lock().unwrap();
        loop {
            let since = out.bytes[mark.min(out.bytes.len())..].to_vec();
            if ready(&since) {
                return since;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero() && !out.closed,
                "waited for {what}; got {:?}",
                String::from_utf8_lossy(&since)
            );
            out = changed.wait_timeout(out, left).unwrap().0;
        }
    }

    /// The pid of the job a [`PtyChild::spawn_with`] `job_control` leader runs.
    fn job(&self) -> Pid {
        let leader = self.child.id();
        let children =
            std::fs::read_to_string(format!("/proc/{leader}/task/{leader}/children")).unwrap();
        let pid = children
            .split_whitespace()
            .next()
            .expect("the leader has its job")
            .parse()
            .unwrap();
        Pid::from_raw(pid)
    }

    /// The line discipline's local flags now.
    fn local_flags(&self) -> LocalFlags {
        tcgetattr(&self.master)
            .expect("tcgetattr on the master")
            .local_flags
    }

    /// Types `bytes` into the terminal.
    fn send(&mut self, bytes: &[u8]) {
        self.master
            .write_all(bytes)
            .expect("write to the pty master");
        self.master.flush().unwrap();
    }

    /// Waits (bounded) for the child to exit and the terminal to drain.
    fn finish(mut self) -> Finished {
        let status = wait_with_deadline(&mut self.child, DEADLINE);
        let drained = {
            let (lock, changed) = &*self.output;
            let out = lock.lock().unwrap();
            let (out, _) = changed
                .wait_timeout_while(out, DEADLINE, |o| !o.closed)
                .unwrap();
            out.closed
        };
        assert!(
            drained,
            "the pty master did not close after the child exited"
        );
        self.drain.take().unwrap().join().unwrap();
        let stdout = self.stdout.take().unwrap().join().unwrap();
        let termios_after = tcgetattr(&self.master).expect("tcgetattr on the master");
        let screen_bytes = std::mem::take(&mut self.output.0.lock().unwrap().bytes);
        let stty = stty_all(&self.master);
        Finished {
            status,
            stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
            screen_bytes,
            termios_after,
            initial_termios: self.initial_termios.clone(),
            stty,
        }
    }
}

impl Drop for PtyChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// In the pre-exec child of [`PtyChild::spawn_with`]: forks; the parent
/// (the session leader, as a shell) never returns; the child returns in its
/// own process group once that group is the pty's foreground, and execs.
///
/// # Safety
///
/// Only async-signal-safe calls (fork, setpgid, tcsetpgrp, tcgetpgrp,
/// close, waitpid, _exit, sched_yield); nothing is allocated.
unsafe fn job_control_fork() {
    let pid = libc::fork();
    if pid == -1 {
        libc::_exit(120);
    }
    if pid > 0 {
        libc::setpgid(pid, pid);
        libc::tcsetpgrp(0, pid);
        // Closes the parent's end of the exec-error pipe (and every other
        // inherited descriptor above stderr), so the spawn returns when
        // the child execs.
        for fd in 3..1024 {
            libc::close(fd);
        }
        let mut status = 0;
        loop {
            let r = libc::waitpid(pid, &mut status, 0);
            if r == pid {
                break;
            }
            if r == -1 && *libc::__errno_location() != libc::EINTR {
                libc::_exit(121);
            }
        }
        if libc::WIFEXITED(status) {
            libc::_exit(libc::WEXITSTATUS(status));
        }
        libc::_exit(128 + libc::WTERMSIG(status));
    }
    libc::setpgid(0, 0);
    while libc::tcgetpgrp(0) != libc::getpid() {
        libc::sched_yield();
    }
}

/// Reads the master until the slave side is gone (EIO on Linux, EOF
/// elsewhere), appending to `output` and waking waiters after every read.
fn drain_master(mut master: File, output: &Shared) {
    let (lock, changed) = &**output;
    let mut buf = [0u8; 8192];
    loop {
        match master.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                lock.lock().unwrap().bytes.extend_from_slice(&buf[..n]);
                changed.notify_all();
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    lock.lock().unwrap().closed = true;
    changed.notify_all();
}

/// Polls `child` until it exits; kills it and panics after `limit`.
fn wait_with_deadline(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the picker did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Just enough of a terminal to know what text is where: cursor moves
/// (`CSI row;col H`), full clears (`CSI 2J`), line clears (`CSI K`),
/// CR/LF and printable characters. Other sequences (colours, modes) are
/// skipped.
struct Screen {
    cells: Vec<Vec<String>>,
}

impl Screen {
    fn replay(bytes: &[u8], rows: u16, cols: u16) -> Screen {
        let (rows, cols) = (rows as usize, cols as usize);
        let blank = || vec![" ".to_string(); cols];
        let mut cells = vec![blank(); rows];
        let (mut row, mut col) = (0usize, 0usize);
        let text = String::from_utf8_lossy(bytes);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => match chars.next() {
                    Some('[') => {
                        let mut params = String::new();
                        let mut last = None;
                        for c in chars.by_ref() {
                            if ('\x40'..='\x7e').contains(&c) {
                                last = Some(c);
                                break;
                            }
                            params.push(c);
                        }
                        let nums: Vec<usize> =
                            params.split(';').map(|p| p.parse().unwrap_or(0)).collect();
                        let nth = |i: usize| nums.get(i).copied().unwrap_or(0);
                        match last {
                            Some('H') if !params.starts_with('?') => {
                                row = nth(0).max(1).min(rows) - 1;
                                col = nth(1).max(1).min(cols) - 1;
                            }
                            Some('J') if nth(0) == 2 => {
                                cells = vec![blank(); rows];
                            }
                            Some('K') => {
                                for cell in &mut cells[row][col..] {
                                    *cell = " ".to_string();
                                }
                            }
                            _ => {}
                        }
                    }
                    Some(']') => {
                        // Operating-system command: up to BEL or ESC \.
                        while let Some(c) = chars.next() {
                            if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                                break;
                            }
                        }
                    }
                    _ => {}
                },
                '\r' => col = 0,
                '\n' => row = (row + 1).min(rows - 1),
                '\x08' => col = col.saturating_sub(1),
                c if c.is_control() => {}
                c => {
                    let width = c.width().unwrap_or(0);
                    if width == 0 || col + width > cols {
                        continue;
                    }
                    // Writing over either half of a wide character
                    // erases all of it, as terminals do.
                    let line = &mut cells[row];
                    if col > 0 && line[col].is_empty() {
                        line[col - 1] = " ".to_string();
                    }
                    if line.get(col + width).is_some_and(|c| c.is_empty()) {
                        line[col + width] = " ".to_string();
                    }
                    line[col] = c.to_string();
                    if width == 2 {
                        line[col + 1] = String::new();
                    }
                    col += width;
                }
            }
        }
        Screen { cells }
    }

    fn lines(&self) -> Vec<String> {
        self.cells.iter().map(|r| r.concat()).collect()
    }

    fn contains(&self, text: &str) -> bool {
        self.lines().iter().any(|l| l.contains(text))
    }

    fn text(&self) -> String {
        self.lines().join("\n")
    }
}

/// The status line once the whole organisation of `demo` is listed.
fn listed_status(demo: &common::DemoHome) -> String {
    let accounts = &demo.sim.org().accounts;
    let roles: usize = accounts.iter().map(|a| a.roles.len()).sum();
    format!("{roles} roles in {} accounts", accounts.len())
}

/// The terminal is as it was: the last thing drawn left the alternate
/// screen and showed the cursor, and the line discipline is back in
/// canonical mode with echo.
fn assert_terminal_restored(run: &Finished) {
    let bytes = &run.screen_bytes;
    let find_last = |needle: &[u8]| bytes.windows(needle.len()).rposition(|w| w == needle);
    let entered = find_last(b"\x1b[?1049h").expect("the picker entered the alternate screen");
    let left = find_last(b"\x1b[?1049l").expect("the picker left the alternate screen");
    assert!(left > entered, "left the alternate screen last");
    let shown = find_last(b"\x1b[?25h").expect("the cursor was shown");
    let hidden = find_last(b"\x1b[?25l").unwrap_or(0);
    assert!(shown > hidden && shown > left, "the cursor was shown last");

    let (before, after) = (&run.initial_termios, &run.termios_after);
    assert!(
        after
            .local_flags
            .contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG),
        "raw mode was left: {:?}",
        after.local_flags
    );
    assert_eq!(before.local_flags, after.local_flags);
    assert_eq!(before.input_flags, after.input_flags);
    assert_eq!(before.output_flags, after.output_flags);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_an_account_and_role_then_enter_prints_the_exports_and_writes_the_profile() {
    let demo = common::DemoHome::new(40, 20).await;
    // An account on the second ListAccounts page, and one of its roles.
    let target = demo.sim.org().accounts[37].clone();
    let role = target.roles[1].clone();
    let profile = profile_name(&target.account_id, &role);
    let total: usize = demo.sim.org().accounts.iter().map(|a| a.roles.len()).sum();

    let mut picker = PtyChild::spawn_pick(&demo);
    picker.wait_for_text(&listed_status(&demo));
    let query = format!("{} {}", target.account_id, role);
    picker.send(query.as_bytes());
    let prompt = format!("uoregon › {query} ");
    let detail = format!("new profile · us-west-2 (sso_region) · {profile}");
    let screen = picker.wait_for("the query typed and its row selected", |s| {
        s.lines()[0].starts_with(&prompt) && s.contains(&detail)
    });
    assert!(
        screen.lines()[0].contains(&format!(" 1/{total} ")),
        "the query selects exactly one row:\n{}",
        screen.text()
    );
    picker.send(b"\r");
    let run = picker.finish();

    assert_eq!(run.status.code(), Some(0), "stdout: {:?}", run.stdout);
    assert_eq!(
        run.stdout,
        format!(
            "export AWS_PROFILE='{profile}'\nexport AWS_REGION='us-west-2'\nexport AWS_DEFAULT_REGION='us-west-2'\n"
        )
    );
    let config = uo_aws_tui::aws::config::AwsFile::load(
        &demo.paths().config,
        uo_aws_tui::aws::config::FileKind::Config,
    )
    .unwrap();
    let section = config.profile(&profile).expect("the profile was written");
    assert_eq!(section.get("sso_session"), Some("uoregon"));
    assert_eq!(
        section.get("sso_account_id"),
        Some(target.account_id.as_str())
    );
    assert_eq!(section.get("sso_role_name"), Some(role.as_str()));
    assert_eq!(section.get("region"), Some("us-west-2"));
    assert_terminal_restored(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_cancels_with_exit_1_empty_stdout_and_the_config_unchanged() {
    let demo = common::DemoHome::new(40, 20).await;
    let before = std::fs::read(&demo.paths().config).unwrap();

    let mut picker = PtyChild::spawn_pick(&demo);
    picker.wait_for_text(&listed_status(&demo));
    // A lone ESC byte, nothing after it: the picker must take it as Esc.
    let sent = Instant::now();
    picker.send(b"\x1b");
    let run = picker.finish();
    eprintln!("exited {:?} after the lone ESC", sent.elapsed());

    assert_eq!(run.status.code(), Some(1), "stdout: {:?}", run.stdout);
    assert_eq!(run.stdout, "");
    assert_eq!(std::fs::read(&demo.paths().config).unwrap(), before);
    assert_terminal_restored(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_interrupts_with_exit_130_and_empty_stdout() {
    let demo = common::DemoHome::new(40, 20).await;
    let before = std::fs::read(&demo.paths().config).unwrap();

    let mut picker = PtyChild::spawn_pick(&demo);
    picker.wait_for_text(&listed_status(&demo));
    // A query first, so an interrupt mid-edit is what is checked.
    picker.send(b"comp");
    picker.wait_for_text("› comp");
    picker.send(b"\x03");
    let run = picker.finish();

    assert_eq!(run.status.code(), Some(130), "stdout: {:?}", run.stdout);
    assert_eq!(run.stdout, "");
    assert_eq!(std::fs::read(&demo.paths().config).unwrap(), before);
    assert_terminal_restored(&run);
}

/// Makes `demo`'s token expired an hour ago, without a refresh token.
fn expire_token(demo: &common::DemoHome) {
    use uo_aws_tui::aws::token_cache::{read_token, token_path, write_token};
    let path = token_path(&demo.paths().sso_cache, "uoregon");
    let mut token = read_token(&path).unwrap();
    token.expires_at = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    token.refresh_token = None;
    write_token(&path, &token).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_signs_in_on_the_terminal_when_the_token_cannot_be_refreshed() {
    let demo = common::DemoHome::with_options(uo_aws_tui::sim::SimOptions {
        auto_approve_device: true,
        accounts: Some(3),
        page_size: 2,
        ..Default::default()
    })
    .await;
    expire_token(&demo);
    let child = PtyChild::spawn(&demo, &["use", "management", "billing"]);
    child.wait_for_text("Logged in to sso-session uoregon");
    let done = child.finish();
    let screen = String::from_utf8_lossy(&done.screen_bytes).into_owned();
    assert!(done.status.success(), "{screen}");
    // The simulator approves the device at once, so the flow ends before
    // a code is shown; what `login` says about the flow is on the terminal.
    assert!(
        screen.contains("signing in with a device code"),
        "login's messages on the terminal: {screen}"
    );
    assert_eq!(
        done.stdout,
        "export AWS_PROFILE='127027105832_Billing'\nexport AWS_REGION='us-west-2'\nexport AWS_DEFAULT_REGION='us-west-2'\n",
        "only the result on stdout"
    );
    let token = uo_aws_tui::aws::token_cache::read_token(
        &uo_aws_tui::aws::token_cache::token_path(&demo.paths().sso_cache, "uoregon"),
    )
    .unwrap();
    assert!(token.expires_at > time::OffsetDateTime::now_utc());
}

/// `stty -a` of the terminal the picker ran in, as the user's shell sees it
/// afterwards: the slave reopened from the master (`TIOCGPTPEER`, without
/// becoming our controlling terminal) as `stty`'s stdin.
fn stty_all(master: &File) -> String {
    // SAFETY: TIOCGPTPEER takes open flags and returns a new descriptor,
    // owned from here on.
    let fd = unsafe {
        libc::ioctl(
            master.as_raw_fd(),
            libc::TIOCGPTPEER,
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    };
    assert!(fd >= 0, "TIOCGPTPEER: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` was just returned by the kernel and is owned by nobody else.
    let slave = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    let out = Command::new("stty")
        .arg("-a")
        .stdin(Stdio::from(slave))
        .output()
        .expect("stty runs");
    assert!(out.status.success(), "stty -a: {out:?}");
    String::from_utf8(out.stdout).expect("stty prints text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_terminating_signal_restores_the_terminal_and_exits_128_plus_n() {
    let demo = common::DemoHome::new(40, 20).await;
    let before = std::fs::read(&demo.paths().config).unwrap();
    for signal in [
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGQUIT,
    ] {
        let mut picker = PtyChild::spawn_pick(&demo);
        picker.wait_for_text(&listed_status(&demo));
        picker.send(b"comp");
        picker.wait_for_text("› comp");
        let pid = Pid::from_raw(picker.child.id() as i32);
        kill(pid, signal).expect("signal the picker");
        let run = picker.finish();

        assert_eq!(
            run.status.code(),
            Some(128 + signal as i32),
            "{signal}: {:?}, stdout {:?}",
            run.status,
            run.stdout
        );
        assert_eq!(run.stdout, "", "{signal}: nothing on stdout");
        assert_eq!(std::fs::read(&demo.paths().config).unwrap(), before);
        assert_terminal_restored(&run);
        let stty = &run.stty;
        let words: Vec<&str> = stty.split_whitespace().collect();
        for flag in ["icanon", "echo", "isig"] {
            assert!(
                words.contains(&flag),
                "{signal}: stty -a shows {flag}:\n{stty}"
            );
        }
    }
}

/// The state letter of `pid` in /proc (`T`: stopped).
fn process_state(pid: Pid) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command name in parentheses: " S ...".
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
        .unwrap_or('?')
}

/// Polls /proc until `pid` is in `state`; panics after [`DEADLINE`].
fn wait_for_state(pid: Pid, state: char) {
    let deadline = Instant::now() + DEADLINE;
    while process_state(pid) != state {
        assert!(
            Instant::now() < deadline,
            "{pid} is {:?}, not {state:?}",
            process_state(pid)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Ctrl-Z stops the picker as a shell job with the terminal restored (raw
/// mode off, alternate screen left, cursor shown); SIGCONT (what `fg`
/// sends) sets it up again and draws the whole screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_z_suspends_with_the_terminal_restored_and_sigcont_redraws() {
    let demo = common::DemoHome::new(40, 20).await;
    let mut picker = PtyChild::spawn_with(&demo, &["pick"], &[], true);
    let status = listed_status(&demo);
    picker.wait_for_text(&status);
    let job = picker.job();
    assert!(
        !picker.local_flags().contains(LocalFlags::ICANON),
        "raw mode while the picker runs"
    );

    let mark = picker.mark();
    picker.send(b"\x1a");
    wait_for_state(job, 'T');
    let since = picker.wait_after(mark, "the terminal restored", |b| {
        contains(b, b"\x1b[?1049l") && contains(b, b"\x1b[?25h")
    });
    assert!(!contains(&since, b"\x1b[?1049h"), "not set up again yet");
    assert!(
        picker
            .local_flags()
            .contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG),
        "raw mode is off while stopped: {:?}",
        picker.local_flags()
    );

    let mark = picker.mark();
    kill(job, Signal::SIGCONT).expect("continue the job");
    let since = picker.wait_after(mark, "a full redraw", |b| {
        contains(b, b"\x1b[?1049h")
            && Screen::replay(b, ROWS, COLS).contains(&status)
            && Screen::replay(b, ROWS, COLS).contains("uoregon ›")
    });
    assert!(contains(&since, b"\x1b[2J"), "the screen was cleared first");
    assert!(
        !picker.local_flags().contains(LocalFlags::ICANON),
        "raw mode again"
    );
    picker.send(b"\x1b");
    let run = picker.finish();
    assert_eq!(run.status.code(), Some(1), "stdout: {:?}", run.stdout);
    assert_terminal_restored(&run);
}

/// TERM=dumb: the picker refuses with exit 2 and one line pointing at
/// `list` and `use`, without touching the terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn term_dumb_is_refused_with_a_pointer_to_list_and_use() {
    let demo = common::DemoHome::new(4, 20).await;
    let picker = PtyChild::spawn_with(&demo, &["pick"], &[("TERM", "dumb")], false);
    let run = picker.finish();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(run.stdout, "");
    let text = String::from_utf8_lossy(&run.screen_bytes).into_owned();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{text:?}");
    assert!(
        lines[0].contains("TERM=dumb")
            && lines[0].contains("uo-aws-tui list")
            && lines[0].contains("uo-aws-tui use"),
        "{text:?}"
    );
    assert!(
        !text.contains("\x1b[?1049h"),
        "no alternate screen: {text:?}"
    );
    assert!(demo.sim.requests().is_empty(), "no portal call");
}

/// Two sso-sessions and none chosen: a plain `uo-aws-tui` opens on the
/// Sessions view; Enter lists the selected session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_and_none_chosen_open_the_sessions_view() {
    let demo = common::DemoHome::new(40, 20).await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str("\n[sso-session lab]\nsso_start_url = https://d-0000000002.awsapps.com/start\nsso_region = us-east-1\n");
    std::fs::write(&demo.paths().config, config).unwrap();
    let target = demo.sim.org().accounts[3].clone();
    let role = target.roles[0].clone();
    let profile = profile_name(&target.account_id, &role);
    let mut picker = PtyChild::spawn(&demo, &[]);
    picker.wait_for_text("none listed yet: choose one with Enter");
    picker.send(b"\r");
    picker.wait_for_text(&listed_status(&demo));
    picker.send(format!("{} {}", target.account_id, role).as_bytes());
    picker.wait_for_text(&format!("new profile · us-west-2 (sso_region) · {profile}"));
    picker.send(b"\r");
    let run = picker.finish();
    assert_eq!(run.status.code(), Some(0), "stdout: {:?}", run.stdout);
    assert!(
        run.stdout
            .starts_with(&format!("export AWS_PROFILE='{profile}'\n")),
        "{:?}",
        run.stdout
    );
    // The profile belongs to the session chosen in the Sessions view.
    let config = uo_aws_tui::aws::config::AwsFile::load(
        &demo.paths().config,
        uo_aws_tui::aws::config::FileKind::Config,
    )
    .unwrap();
    let section = config.profile(&profile).expect("the profile was written");
    assert_eq!(section.get("sso_session"), Some("uoregon"));
    assert_terminal_restored(&run);
}
