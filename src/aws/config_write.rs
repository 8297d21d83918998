//! Safe writes of the AWS config file: one locked read-edit-write cycle with
//! a backup of the previous bytes, that loses no concurrent edit.
//!
//! The picker changes the user's `~/.aws/config` only through
//! [`ConfigWriter::apply`]. One call:
//!
//! 1. follows symlinks from the configured path to the file they finally
//!    name (a chain of links, or a link whose target does not exist yet), so
//!    the target is written and every link stays a link;
//! 2. takes an exclusive lock on the sidecar `.<name>.uo-aws-tui.lock`
//!    beside the target, in its directory with symlinks resolved
//!    (`~/.aws/.config.uo-aws-tui.lock` for `~/.aws/config`), so every
//!    uo-aws-tui process writing that file takes the same lock whatever its
//!    XDG directories; a lock held by someone else is waited for up to
//!    [`LOCK_TIMEOUT`]. The lock file is never removed (removing it would
//!    let two writers hold two different locks);
//! 3. re-reads the target under the lock (a missing file is the empty text)
//!    and hands the text to the edit. A target with more than one hard link
//!    is refused ([`WriteError::HardLinked`]); a FIFO, socket or directory
//!    is an error ([`crate::file_kind`]), never a wait;
//! 4. when the edited text differs: saves the previous bytes as
//!    `<data dir>/backups/<key>.<YYYYMMDDTHHMMSSZ>.<NNNN>.bak` (skipped when
//!    the file did not exist; `<key>` is the lower-case hex SHA-1 of the
//!    target's absolute path, existing directories canonicalised), keeps
//!    only the newest [`BACKUPS_KEPT`] backups of that file;
//! 5. puts the new bytes in place without losing a write made by someone
//!    else since the read (an editor, `aws configure set`): the new bytes
//!    are staged in a temporary file ([`crate::atomic_file`]) and swapped
//!    with the target atomically (Linux `renameat2(RENAME_EXCHANGE)`, macOS
//!    `renamex_np(RENAME_SWAP)`); the swapped-out file is compared with what
//!    the edit was based on. If someone wrote in between, their change is
//!    taken into the new bytes and the swap repeated, until a swap takes out
//!    exactly the expected bytes (see [`ConfigWriter::apply`] for how a
//!    change is taken in). Where the filesystem cannot swap (e.g. NFS), the
//!    target is re-read and compared just before a plain rename instead;
//! 6. releases the lock, on every path including errors.
//!
//! An edit that fails (for example [`ConfigError::Duplicate`] when the
//! section to edit appears twice) writes nothing and makes no backup.
//!
//! The lock is advisory (`flock` on unix through [`File::lock`]): it orders
//! writers that use this module, in this and other processes. Other
//! programs ignore it; step 5 keeps their writes when they open, write and
//! close the file (or rename a new file over it) before our swap, or within
//! a short settle time ([`SETTLE`]) after it; on Linux also while it still
//! has the replaced file open (up to [`HELD_OPEN_WAIT`]), so a program that
//! opened the file before the swap and was descheduled before writing is
//! waited for. Under contention every copy a round swapped out is kept and
//! read again before the last round ends, so a late write into any of them
//! is taken in too. A program that keeps the file open longer than that and
//! writes into it later writes into the replaced file, and that write is
//! lost.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use sha1::{Digest, Sha1};
use time::OffsetDateTime;

use super::config::{read_text, AwsFile, ConfigError, FileKind, SectionName};
use crate::atomic_file::{resolve_symlinks, Exchange, Staged, PRIVATE};
use crate::dirs::AppDirs;

/// How long [`ConfigWriter::apply`] waits for a lock held by someone else
/// before it gives up with [`WriteError::LockTimeout`]: 30 seconds (a
/// large `populate` on a slow disk holds it for seconds).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// How many backups of one config file are kept: the newest 10.
pub const BACKUPS_KEPT: usize = 10;

/// How often a held lock is tried again while waiting.
const LOCK_POLL: Duration = Duration::from_millis(20);

/// How long the swapped-out file is watched before it is removed, for a
/// writer that opened the file just before the swap and writes a moment
/// later: 25 ms.
pub const SETTLE: Duration = Duration::from_millis(25);

/// How long the swapped-out file is watched, at most, while another process
/// still has it open (Linux): 2 seconds.
pub const HELD_OPEN_WAIT: Duration = Duration::from_secs(2);

/// How many times [`ConfigWriter::apply`] swaps new bytes in while other
/// programs keep changing the file, before it stops with
/// [`WriteError::Contended`]: 1 000. Each round stages and syncs a whole
/// copy (about 3 ms for a 650 KB file on a slow disk), so a program that
/// changes the file more often than that can keep every round from ending;
/// nothing of theirs is lost, but the write gives up.
pub const MAX_ROUNDS: usize = 1000;

/// The sidecar lock's name beside a file named `name`.
fn lock_name(name: &str) -> String {
    format!(".{name}.uo-aws-tui.lock")
}

/// Writes one AWS config file safely; see the module documentation.
///
/// Cheap to build; holds only paths. Every [`apply`](ConfigWriter::apply)
/// resolves symlinks afresh, so a link changed between two calls is
/// followed to its new target.
#[derive(Debug, Clone)]
pub struct ConfigWriter {
    /// The config path as given (may be a symlink, may not exist yet).
    config: PathBuf,
    /// `<data dir>/backups`: the backups.
    backups: PathBuf,
    /// How long to wait for a held lock.
    lock_timeout: Duration,
}

/// What [`ConfigWriter::apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The edit returned the text it was given; nothing was written and no
    /// backup was made.
    Unchanged {
        /// The file that was read (symlinks resolved).
        target: PathBuf,
    },
    /// The target was replaced with the edited text.
    Written {
        /// The file that was written (symlinks resolved; the links stay).
        target: PathBuf,
        /// The backup of the previous bytes; `None` when the file did not
        /// exist before.
        backup: Option<PathBuf>,
    },
}

impl WriteOutcome {
    /// The file that was read and, if anything changed, written.
    pub fn target(&self) -> &Path {
        match self {
            WriteOutcome::Unchanged { target } | WriteOutcome::Written { target, .. } => target,
        }
    }

    /// The backup made by this write, if any.
    pub fn backup(&self) -> Option<&Path> {
        match self {
            WriteOutcome::Written {
                backup: Some(b), ..
            } => Some(b),
            _ => None,
        }
    }

    /// Whether the target was written.
    pub fn written(&self) -> bool {
        matches!(self, WriteOutcome::Written { .. })
    }
}

/// Why [`ConfigWriter::apply`] wrote nothing, or could not finish. Every
/// variant names the file concerned. Whatever the error, the lock is
/// released and the target is either untouched or wholly replaced (never
/// partly written).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Reading the current text failed (not UTF-8, unreadable), or the edit
    /// refused (e.g. [`ConfigError::Duplicate`], [`ConfigError::Parse`]).
    /// Nothing was written and no backup made.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The lock file could not be created, opened or locked.
    #[error("{}: cannot lock (to write {}): {source}", lock.display(), target.display())]
    Lock {
        /// The lock file.
        lock: PathBuf,
        /// The config file it guards (symlinks resolved).
        target: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Someone else held the lock for longer than the timeout (`waited`,
    /// normally [`LOCK_TIMEOUT`]). Nothing was read or written.
    #[error(
        "{}: still locked after {:.0} s by another writer of {}; try again, or remove the lock file if no uo-aws-tui is running",
        lock.display(),
        waited.as_secs_f64(),
        target.display()
    )]
    LockTimeout {
        /// The lock file.
        lock: PathBuf,
        /// The config file it guards (symlinks resolved).
        target: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// Saving the backup, or removing old backups, failed; `path` is the
    /// backup file or directory. The config file was not written.
    #[error("{}: cannot save a backup of {}: {source}", path.display(), target.display())]
    Backup {
        /// The backup file or the backups directory.
        path: PathBuf,
        /// The config file being backed up (symlinks resolved).
        target: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The config file has more than one hard link. Replacing it would
    /// leave the other names with the old bytes; writing it in place could
    /// leave it torn. Nothing was written.
    #[error(
        "{}: has {links} hard links; uo-aws-tui replaces the file as a whole, which would leave the other names with the old bytes, so it writes nothing. Fix: keep one name and make the others symbolic links to it (ln -sf {} OTHER-NAME), which are followed",
        path.display(),
        path.display()
    )]
    HardLinked {
        /// The config file (symlinks resolved).
        path: PathBuf,
        /// Its number of hard links.
        links: u64,
    },
    /// Other programs kept changing the file in a way that could not be
    /// taken in for [`MAX_ROUNDS`] rounds. The file holds the other
    /// writer's latest bytes (the last swap is undone), which may or may not
    /// include this edit.
    #[error(
        "{}: kept changing while being written ({rounds} attempts); try again when other programs are done with it",
        path.display()
    )]
    Contended {
        /// The config file (symlinks resolved).
        path: PathBuf,
        /// How many rounds were tried.
        rounds: usize,
    },
    /// Replacing the config file failed; it is unchanged (the backup, if
    /// one was made, stays).
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The config file (symlinks resolved).
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ConfigWriter {
    /// A writer of the config file at `config` (as configured: it may be a
    /// symlink or not exist yet) keeping backups and locks in
    /// [`AppDirs::backups`] of `dirs`. Touches no file.
    pub fn new(config: &Path, dirs: &AppDirs) -> ConfigWriter {
        ConfigWriter {
            config: config.to_path_buf(),
            backups: dirs.backups(),
            lock_timeout: LOCK_TIMEOUT,
        }
    }

    /// The same writer, waiting at most `timeout` for a held lock instead of
    /// [`LOCK_TIMEOUT`].
    pub fn with_lock_timeout(mut self, timeout: Duration) -> ConfigWriter {
        self.lock_timeout = timeout;
        self
    }

    /// The config path as given to [`ConfigWriter::new`].
    pub fn config(&self) -> &Path {
        &self.config
    }

    /// The file a write goes to now: the configured path with symlinks
    /// followed to the end of the chain (the final file may not exist).
    pub fn target(&self) -> PathBuf {
        resolve_symlinks(&self.config)
    }

    /// The lock file guarding the current [`target`](ConfigWriter::target):
    /// `.<file name>.uo-aws-tui.lock` in the target's directory, symlinks
    /// resolved (`~/.aws/.config.uo-aws-tui.lock`).
    pub fn lock_path(&self) -> PathBuf {
        lock_path(&self.target())
    }

    /// The backups of the current target, oldest first (by name, which sorts
    /// by UTC time and then by a per-second counter).
    ///
    /// Errors: reading the backups directory (a missing directory is an
    /// empty list).
    pub fn backups(&self) -> io::Result<Vec<PathBuf>> {
        list_backups(&self.backups, &file_key(&self.target()))
    }

    /// Edits the config file under the lock: re-reads it (missing = empty
    /// text), runs `edit` on the text, and when the result differs backs up
    /// the previous bytes and replaces the file without losing a concurrent
    /// write; see the module documentation for every step.
    ///
    /// `edit` receives the whole current text and returns the whole new
    /// text, or a [`ConfigError`] (which is returned as
    /// [`WriteError::Config`]; nothing is written when the first call fails,
    /// and when a later call refuses another writer's bytes, those bytes are
    /// what the file holds).
    /// It runs once, and again only when someone else changed the file after
    /// the read in a way other than appending whole sections: a change that
    /// is an append of whole sections (text starting with a `[header]`, none
    /// of whose sections our new text already has) is appended to the new
    /// text as it is; any other change is taken in by running `edit` on the
    /// other writer's bytes. Either way the swap is repeated until it takes
    /// out exactly what was expected, at most [`MAX_ROUNDS`] times.
    ///
    /// Errors: [`WriteError::Lock`] / [`WriteError::LockTimeout`] (after
    /// waiting up to the lock timeout, 30 s by default),
    /// [`WriteError::Config`] (the file is not UTF-8, not a regular file or
    /// cannot be read, or `edit` failed), [`WriteError::HardLinked`],
    /// [`WriteError::Backup`], [`WriteError::Write`],
    /// [`WriteError::Contended`]. The lock is released on every path.
    pub fn apply<F>(&self, mut edit: F) -> Result<WriteOutcome, WriteError>
    where
        F: FnMut(&str) -> Result<String, ConfigError>,
    {
        let target = self.target();
        let key = file_key(&target);
        let _lock = self.lock(&target)?;

        let base = read_current(&target)?;
        let text = base.clone().unwrap_or_default();
        let updated = edit(&text)?;
        if updated == text {
            return Ok(WriteOutcome::Unchanged { target });
        }

        let backup = match &base {
            Some(text) => {
                let failed = |(path, source)| WriteError::Backup {
                    path,
                    target: target.clone(),
                    source,
                };
                create_private_dir(&self.backups).map_err(|e| failed((self.backups.clone(), e)))?;
                let backup = save_backup(&self.backups, &key, text.as_bytes()).map_err(failed)?;
                prune_backups(&self.backups, &key, BACKUPS_KEPT).map_err(failed)?;
                Some(backup)
            }
            None => None,
        };

        self.put(&target, base, updated, &mut edit)?;
        Ok(WriteOutcome::Written { target, backup })
    }

    /// Puts `pending` (the edit of `expected`) in place of `target`, taking
    /// in every change made by someone else: each round swaps `pending` in
    /// and compares what came out with `expected`, the bytes we believe
    /// were there; on a difference the change is merged into `pending`
    /// ([`take_in`]) and `expected` becomes what we just put there.
    fn put<F>(
        &self,
        target: &Path,
        mut expected: Option<String>,
        mut pending: String,
        edit: &mut F,
    ) -> Result<(), WriteError>
    where
        F: FnMut(&str) -> Result<String, ConfigError>,
    {
        let failed = |source: io::Error| WriteError::Write {
            path: target.to_path_buf(),
            source,
        };
        // The section names of `pending`, once needed.
        let mut names = None;
        // Copies swapped out in rounds that took in a change, with the text
        // each had when it was taken in: a writer that opened the file
        // before that swap may still write into one, so they are kept, and
        // looked at again, until the last round.
        let mut retired: Vec<(Staged, String)> = Vec::new();
        for round in 0..MAX_ROUNDS {
            let staged = Staged::new(target, pending.as_bytes(), PRIVATE).map_err(failed)?;
            let Some(before) = &expected else {
                if staged.create_new().map_err(failed)? {
                    return Ok(());
                }
                // Someone created the file meanwhile: start over on theirs.
                let theirs = read_current(target)?.unwrap_or_default();
                pending = edit(&theirs)?;
                names = None;
                expected = Some(theirs);
                continue;
            };
            let mut out = match staged.exchange() {
                Ok(Exchange::Swapped) => read_swapped_out(target, staged.temp_path())?,
                Ok(Exchange::Unsupported) => {
                    // Compare, then rename: the window is the rename alone.
                    let now = read_current(target)?;
                    if now.as_deref() == Some(before.as_str()) {
                        staged.replace().map_err(failed)?;
                        return Ok(());
                    }
                    drop(staged);
                    let theirs = now.unwrap_or_default();
                    pending = take_in(target, before, &pending, &theirs, &mut names, edit)?;
                    expected = Some(theirs);
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // The file was removed meanwhile: create it afresh.
                    drop(staged);
                    pending = edit("")?;
                    names = None;
                    expected = None;
                    continue;
                }
                Err(e) => return Err(failed(e)),
            };
            if out == *before {
                // A writer that opened the file just before a swap may still
                // be writing into a swapped-out copy: look again after a
                // short settle, and while another process still has one
                // open, before they are removed.
                std::thread::sleep(SETTLE);
                wait_while_open_elsewhere(staged.temp_path());
                for (old, _) in &retired {
                    wait_while_open_elsewhere(old.temp_path());
                }
                out = read_swapped_out(target, staged.temp_path())?;
                if out == *before {
                    let Some((taken, now)) = late_write(target, &mut retired)? else {
                        staged.finish().map_err(failed)?;
                        for (old, _) in retired {
                            old.finish().map_err(failed)?;
                        }
                        return Ok(());
                    };
                    // A late write into a copy taken in earlier: take in
                    // what it added, on top of what the target holds.
                    let merged = take_in(target, &taken, &pending, &now, &mut names, edit)?;
                    staged.finish().map_err(failed)?;
                    expected = Some(std::mem::replace(&mut pending, merged));
                    continue;
                }
            }
            // Someone wrote between our read and the swap; `out` holds their
            // bytes and the target holds `pending`, which lacks them.
            if round + 1 == MAX_ROUNDS {
                // Giving up: put their bytes back rather than lose them.
                staged.exchange().map_err(failed)?;
                staged.finish().map_err(failed)?;
                break;
            }
            let merged = match take_in(target, before, &pending, &out, &mut names, edit) {
                Ok(merged) => merged,
                Err(e) => {
                    // The edit refuses their bytes: put them back, unedited.
                    staged.exchange().map_err(failed)?;
                    staged.finish().map_err(failed)?;
                    return Err(e);
                }
            };
            retired.push((staged, out));
            expected = Some(std::mem::replace(&mut pending, merged));
        }
        Err(WriteError::Contended {
            path: target.to_path_buf(),
            rounds: MAX_ROUNDS,
        })
    }

    /// Opens (creating) the sidecar lock file of `target` and locks it
    /// exclusively, polling while someone else holds it, for at most the
    /// lock timeout.
    fn lock(&self, target: &Path) -> Result<LockGuard, WriteError> {
        let lock = lock_path(target);
        let failed = |source: io::Error| WriteError::Lock {
            lock: lock.clone(),
            target: target.to_path_buf(),
            source,
        };
        if let Some(dir) = lock.parent() {
            create_private_dir(dir).map_err(failed)?;
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&lock).map_err(failed)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(LockGuard { file }),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(failed(e)),
            }
            let waited = started.elapsed();
            if waited >= self.lock_timeout {
                return Err(WriteError::LockTimeout {
                    lock,
                    target: target.to_path_buf(),
                    waited,
                });
            }
            std::thread::sleep(LOCK_POLL.min(self.lock_timeout - waited));
        }
    }
}

/// The text of `target` (`None` when missing). Errors: a target with more
/// than one hard link ([`WriteError::HardLinked`]), and those of
/// [`read_text`] (not a regular file, unreadable, not UTF-8).
fn read_current(target: &Path) -> Result<Option<String>, WriteError> {
    #[cfg(unix)]
    if let Ok(meta) = fs::metadata(target) {
        use std::os::unix::fs::MetadataExt;
        if meta.is_file() && meta.nlink() > 1 {
            return Err(WriteError::HardLinked {
                path: target.to_path_buf(),
                links: meta.nlink(),
            });
        }
    }
    match read_text(target) {
        Ok(text) => Ok(Some(text)),
        Err(ConfigError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The first copy in `retired` whose text changed since it was taken in:
/// `(the text taken in, the text now)`; its recorded text becomes the new
/// one, which the caller takes in. Errors as [`read_swapped_out`].
fn late_write(
    target: &Path,
    retired: &mut [(Staged, String)],
) -> Result<Option<(String, String)>, WriteError> {
    for (copy, taken) in retired.iter_mut() {
        let now = read_swapped_out(target, copy.temp_path())?;
        if now != *taken {
            return Ok(Some((std::mem::replace(taken, now.clone()), now)));
        }
    }
    Ok(None)
}

/// The text swapped out to `temp` (the previous target). Errors as
/// [`read_text`], naming `target`.
/// Waits (up to [`HELD_OPEN_WAIT`]) while another process has `path` open:
/// a program that opened the config before the swap and has not written
/// yet, because it was descheduled longer than [`SETTLE`]. Linux only (it
/// reads `/proc/PID/fd`); elsewhere it returns at once.
fn wait_while_open_elsewhere(path: &Path) {
    let Ok(path) = fs::canonicalize(path) else {
        return;
    };
    let deadline = Instant::now() + HELD_OPEN_WAIT;
    while open_elsewhere(&path) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether a process other than this one has `path` (absolute, symlinks
/// resolved) open, from the links in `/proc/PID/fd` this user may read.
#[cfg(target_os = "linux")]
fn open_elsewhere(path: &Path) -> bool {
    let me = std::process::id().to_string();
    let Ok(processes) = fs::read_dir("/proc") else {
        return false;
    };
    processes.flatten().any(|process| {
        let name = process.file_name();
        let is_other_pid = name
            .to_str()
            .is_some_and(|n| n != me && n.bytes().all(|b| b.is_ascii_digit()));
        is_other_pid
            && fs::read_dir(process.path().join("fd")).is_ok_and(|fds| {
                fds.flatten()
                    .any(|fd| fs::read_link(fd.path()).is_ok_and(|link| link == path))
            })
    })
}

#[cfg(not(target_os = "linux"))]
fn open_elsewhere(_path: &Path) -> bool {
    false
}

fn read_swapped_out(target: &Path, temp: &Path) -> Result<String, WriteError> {
    read_text(temp).map_err(|e| match e {
        ConfigError::Io { source, .. } => WriteError::Write {
            path: target.to_path_buf(),
            source,
        },
        other => other.into(),
    })
}

/// The new text that keeps both our edit and someone else's change:
/// `pending` is our edit of `before`; `theirs` is what the file holds
/// instead of `before`. When `theirs` is `before` followed by whole
/// sections (the rest starts with a header or holds only blank lines and
/// comments, and names no section `pending` has), the result is `pending`
/// followed by that rest, byte for byte. Otherwise `edit` runs on `theirs`.
///
/// `names` caches the section names of `pending` between calls (`None`
/// when unknown); it is updated to describe the returned text.
fn take_in<F>(
    target: &Path,
    before: &str,
    pending: &str,
    theirs: &str,
    names: &mut Option<HashSet<SectionName>>,
    edit: &mut F,
) -> Result<String, WriteError>
where
    F: FnMut(&str) -> Result<String, ConfigError>,
{
    if let Some(added) = appended_sections(target, before, pending, theirs, names) {
        let mut out = String::with_capacity(pending.len() + added.len());
        out.push_str(pending);
        out.push_str(added);
        return Ok(out);
    }
    *names = None;
    Ok(edit(theirs)?)
}

/// The text `theirs` appends to `before` when that is whole sections that
/// can follow `pending` unchanged; see [`take_in`]. On success `names`
/// (the section names of `pending`, filled in when `None`) gains the
/// appended sections.
fn appended_sections<'t>(
    target: &Path,
    before: &str,
    pending: &str,
    theirs: &'t str,
    names: &mut Option<HashSet<SectionName>>,
) -> Option<&'t str> {
    let added = theirs.strip_prefix(before)?;
    let line_ended = |t: &str| t.is_empty() || t.ends_with('\n');
    if !line_ended(before) || !line_ended(pending) {
        return None;
    }
    let new = AwsFile::parse(target, FileKind::Config, added).ok()?;
    if new.sections.is_empty() {
        return Some(added);
    }
    if names.is_none() {
        let ours = AwsFile::parse(target, FileKind::Config, pending).ok()?;
        *names = Some(ours.sections.into_iter().map(|s| s.name).collect());
    }
    let known = names.as_mut()?;
    if new.sections.iter().any(|s| known.contains(&s.name)) {
        return None;
    }
    known.extend(new.sections.into_iter().map(|s| s.name));
    Some(added)
}

/// The sidecar lock of `target`: `.<name>.uo-aws-tui.lock` in its
/// directory, with the directory's path canonicalised as far as it exists.
fn lock_path(target: &Path) -> PathBuf {
    let absolute = std::path::absolute(target).unwrap_or_else(|_| target.to_path_buf());
    let normal = canonical_prefix(&absolute);
    let name = normal
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = normal.parent().map(Path::to_path_buf).unwrap_or_default();
    dir.join(lock_name(&name))
}

/// An exclusive lock, released when dropped (also on unwinding).
struct LockGuard {
    file: File,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the file releases the lock as well; unlocking first makes
        // the release independent of other handles to the same open file.
        let _ = self.file.unlock();
    }
}

/// The lower-case hex SHA-1 of `target`'s absolute path, with its longest
/// existing ancestor canonicalised (so `a/../config` and a path through a
/// symlinked directory give the same key as the plain path).
fn file_key(target: &Path) -> String {
    let absolute = std::path::absolute(target).unwrap_or_else(|_| target.to_path_buf());
    let normal = canonical_prefix(&absolute);
    let digest = Sha1::digest(normal.as_os_str().as_encoded_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `path` with its longest existing ancestor replaced by its canonical form
/// and the rest appended (`..` in the rest is applied lexically).
fn canonical_prefix(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut current = path;
    loop {
        if let Ok(canonical) = fs::canonicalize(current) {
            let mut out = canonical;
            for component in rest.iter().rev() {
                match component {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other.as_os_str()),
                }
            }
            return out;
        }
        match (current.parent(), current.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                current = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Creates `dir` and its parents (0700 on unix) when missing.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The backups of the file with `key` in `dir`, sorted by name (oldest
/// first). A missing directory has none.
fn list_backups(dir: &Path, key: &str) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let prefix = format!("{key}.");
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with(&prefix) && name.ends_with(".bak") {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Writes `bytes` to a new backup `<key>.<UTC stamp>.<NNNN>.bak` in `dir`
/// (mode 0600, fsynced) and returns its path. The counter is one more than
/// the highest already used in the same second, and the file is created
/// exclusively, so names never collide. Errors carry the path concerned.
fn save_backup(dir: &Path, key: &str, bytes: &[u8]) -> Result<PathBuf, (PathBuf, io::Error)> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let stamp = OffsetDateTime::now_utc()
        .format(&format)
        .map_err(|e| (dir.to_path_buf(), io::Error::other(e)))?;
    let same_second = format!("{key}.{stamp}.");
    let mut counter = list_backups(dir, key)
        .map_err(|e| (dir.to_path_buf(), e))?
        .iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            name.strip_prefix(&same_second)?
                .strip_suffix(".bak")?
                .parse::<u32>()
                .ok()
        })
        .max()
        .map_or(1, |n| n + 1);
    loop {
        let path = dir.join(format!("{same_second}{counter:04}.bak"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = match options.open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                counter += 1;
                continue;
            }
            Err(e) => return Err((path, e)),
        };
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        if let Err(e) = written {
            let _ = fs::remove_file(&path);
            return Err((path, e));
        }
        return Ok(path);
    }
}

/// Removes all but the newest `keep` backups of the file with `key`.
/// Errors carry the path concerned.
fn prune_backups(dir: &Path, key: &str, keep: usize) -> Result<(), (PathBuf, io::Error)> {
    let backups = list_backups(dir, key).map_err(|e| (dir.to_path_buf(), e))?;
    let excess = backups.len().saturating_sub(keep);
    for old in &backups[..excess] {
        match fs::remove_file(old) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err((old.clone(), e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_write_into_a_retired_copy_is_found_once() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("config");
        let copy = |text: &str| {
            let staged = Staged::new(&target, text.as_bytes(), PRIVATE).unwrap();
            (staged, text.to_string())
        };
        let mut retired = vec![copy("[a]\n"), copy("[a]\n[b]\n")];
        assert_eq!(late_write(&target, &mut retired).unwrap(), None);
        // An appender that opened the second copy before it was swapped out.
        let mut file = OpenOptions::new()
            .append(true)
            .open(retired[1].0.temp_path())
            .unwrap();
        file.write_all(b"[late]\n").unwrap();
        assert_eq!(
            late_write(&target, &mut retired).unwrap(),
            Some(("[a]\n[b]\n".to_string(), "[a]\n[b]\n[late]\n".to_string()))
        );
        // Taken in: not found again.
        assert_eq!(late_write(&target, &mut retired).unwrap(), None);
    }

    #[test]
    fn keys_are_hex_sha1_and_ignore_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("config");
        let key = file_key(&plain);
        assert_eq!(key.len(), 40);
        assert!(key
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        fs::create_dir(dir.path().join("sub")).unwrap();
        assert_eq!(file_key(&dir.path().join("sub/../config")), key);
        assert_eq!(file_key(&dir.path().join("./config")), key);
        assert_ne!(file_key(&dir.path().join("other")), key);
        // A missing directory on the way is applied lexically.
        assert_eq!(file_key(&dir.path().join("missing/../config")), key);
    }

    #[test]
    fn backup_names_sort_and_count_within_a_second() {
        let dir = tempfile::tempdir().unwrap();
        let key = "k";
        let mut made = Vec::new();
        for i in 0..3 {
            made.push(save_backup(dir.path(), key, format!("{i}").as_bytes()).unwrap());
        }
        assert_eq!(list_backups(dir.path(), key).unwrap(), made);
        let names: Vec<String> = made
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            names[0].starts_with("k.") && names[0].ends_with(".bak"),
            "{names:?}"
        );
        prune_backups(dir.path(), key, 2).unwrap();
        assert_eq!(list_backups(dir.path(), key).unwrap(), made[1..]);
        assert!(list_backups(&dir.path().join("none"), key)
            .unwrap()
            .is_empty());
    }
}
