//! Safe writes of the AWS config file: one locked read-edit-write cycle with
//! a backup of the previous bytes.
//!
//! The picker changes the user's `~/.aws/config` only through
//! [`ConfigWriter::apply`]. One call:
//!
//! 1. follows symlinks from the configured path to the file they finally
//!    name (a chain of links, or a link whose target does not exist yet), so
//!    the target is written and every link stays a link;
//! 2. takes an exclusive lock on `<data dir>/backups/<key>.lock`, where
//!    `<key>` is the lower-case hex SHA-1 of the resolved target's absolute
//!    path (existing directories canonicalised), so two spellings of the
//!    same file share one lock and different files never do; a lock held by
//!    someone else is waited for up to [`LOCK_TIMEOUT`];
//! 3. re-reads the target under the lock (a missing file is the empty text)
//!    and hands the text to the edit;
//! 4. when the edited text differs: saves the previous bytes as
//!    `<data dir>/backups/<key>.<YYYYMMDDTHHMMSSZ>.<NNNN>.bak` (skipped when
//!    the file did not exist), keeps only the newest [`BACKUPS_KEPT`] backups
//!    of that file, then replaces the target with [`write_atomic`] (temp
//!    file in the same directory, fsync, rename; mode kept, a new file gets
//!    0600);
//! 5. releases the lock, on every path including errors.
//!
//! An edit that fails (for example [`ConfigError::Duplicate`] when the
//! section to edit appears twice) writes nothing and makes no backup.
//!
//! The lock is advisory (`flock` on unix through [`File::lock`]): it orders
//! writers that use this module, in this and other processes; an editor
//! that ignores it can still interleave, and then the atomic rename still
//! guarantees that readers see either the old or the new file whole.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use sha1::{Digest, Sha1};
use time::OffsetDateTime;

use super::config::{read_text, ConfigError};
use super::config_edit::{resolve_symlinks, write_atomic};
use crate::dirs::AppDirs;

/// How long [`ConfigWriter::apply`] waits for a lock held by someone else
/// before it gives up with [`WriteError::LockTimeout`]: 10 seconds.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// How many backups of one config file are kept: the newest 10.
pub const BACKUPS_KEPT: usize = 10;

/// How often a held lock is tried again while waiting.
const LOCK_POLL: Duration = Duration::from_millis(20);

/// Writes one AWS config file safely; see the module documentation.
///
/// Cheap to build; holds only paths. Every [`apply`](ConfigWriter::apply)
/// resolves symlinks afresh, so a link changed between two calls is
/// followed to its new target.
#[derive(Debug, Clone)]
pub struct ConfigWriter {
    /// The config path as given (may be a symlink, may not exist yet).
    config: PathBuf,
    /// `<data dir>/backups`: backups and lock files.
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
    /// `<data dir>/backups/<sha1 hex of the target's absolute path>.lock`.
    pub fn lock_path(&self) -> PathBuf {
        self.backups
            .join(format!("{}.lock", file_key(&self.target())))
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
    /// the previous bytes and atomically replaces the file; see the module
    /// documentation for every step.
    ///
    /// `edit` receives the whole current text and returns the whole new
    /// text, or a [`ConfigError`] (which is returned as
    /// [`WriteError::Config`] with nothing written). It runs at most once,
    /// while the lock is held, so it should not block.
    ///
    /// Errors: [`WriteError::Lock`] / [`WriteError::LockTimeout`] (after
    /// waiting up to the lock timeout, 10 s by default),
    /// [`WriteError::Config`] (the file is not UTF-8 or cannot be read, or
    /// `edit` failed), [`WriteError::Backup`], [`WriteError::Write`]. The
    /// lock is released on every path.
    pub fn apply<F>(&self, edit: F) -> Result<WriteOutcome, WriteError>
    where
        F: FnOnce(&str) -> Result<String, ConfigError>,
    {
        let target = self.target();
        let key = file_key(&target);
        let _lock = self.lock(&target, &key)?;

        let (text, existed) = match read_text(&target) {
            Ok(text) => (text, true),
            Err(ConfigError::NotFound { .. }) => (String::new(), false),
            Err(e) => return Err(e.into()),
        };
        let updated = edit(&text)?;
        if updated == text {
            return Ok(WriteOutcome::Unchanged { target });
        }

        let backup = if existed {
            let backup =
                save_backup(&self.backups, &key, text.as_bytes()).map_err(|(path, source)| {
                    WriteError::Backup {
                        path,
                        target: target.clone(),
                        source,
                    }
                })?;
            prune_backups(&self.backups, &key, BACKUPS_KEPT).map_err(|(path, source)| {
                WriteError::Backup {
                    path,
                    target: target.clone(),
                    source,
                }
            })?;
            Some(backup)
        } else {
            None
        };

        write_atomic(&target, updated.as_bytes()).map_err(|source| WriteError::Write {
            path: target.clone(),
            source,
        })?;
        Ok(WriteOutcome::Written { target, backup })
    }

    /// Opens (creating) the lock file for `key` and locks it exclusively,
    /// polling while someone else holds it, for at most the lock timeout.
    fn lock(&self, target: &Path, key: &str) -> Result<LockGuard, WriteError> {
        let lock = self.backups.join(format!("{key}.lock"));
        let failed = |source: io::Error| WriteError::Lock {
            lock: lock.clone(),
            target: target.to_path_buf(),
            source,
        };
        create_private_dir(&self.backups).map_err(failed)?;
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
