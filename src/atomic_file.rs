//! Atomic replacement of one file: every file uo-aws-tui writes (the AWS
//! config, SSO tokens and registrations, the catalog cache, favourites) goes
//! through [`write_atomic`], or through [`Staged`] when the caller needs the
//! steps one by one (the config writer swaps and compares).
//!
//! A write puts the new bytes in a temporary file in the target's own
//! directory, named `.<file name>.uo-aws-tui.<pid>.<6 random>.tmp` (the
//! writer's process id, so a leftover is recognisable), fsyncs it, renames it
//! over the target and fsyncs the directory, so a reader sees the old or the
//! new bytes whole. Before each write, temporary files of ours in that
//! directory whose process is gone, or that are older than [`STALE_AFTER`],
//! are removed (a write killed with `kill -9` leaves one behind), as are the
//! temporary files of earlier versions (`.<file name>.XXXXXX.tmp`,
//! `.uo-aws-tui-XXXXXX.tmp`) older than [`STALE_AFTER`].

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Temporary files of ours older than this are removed by the next write in
/// their directory even when their process id is in use: 5 minutes (no write
/// takes that long; the id may have been reused).
pub const STALE_AFTER: Duration = Duration::from_secs(5 * 60);

/// The tag between the file name and the process id in temporary names.
const TAG: &str = "uo-aws-tui";

/// The permission bits of a written file (unix; ignored elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// An existing file keeps its permission bits; a new file gets these
    /// (e.g. `0o600`). For files the user owns: the AWS config.
    KeepOr(u32),
    /// The file gets exactly these bits, existing or not (SSO token and
    /// registration files are always `0o600`, as the AWS CLI writes them).
    Exactly(u32),
}

/// The usual mode for our own files: keep an existing mode, new files 0600.
pub const PRIVATE: Mode = Mode::KeepOr(0o600);

/// Atomically replaces the file at `path` with `bytes`; see the module
/// documentation for the steps.
///
/// * Symlinks at `path` are followed ([`resolve_symlinks`]) and the final
///   target is replaced; the links stay.
/// * `mode` sets the permission bits ([`Mode`]).
/// * A missing parent directory is created (mode 0700 on unix).
/// * An existing target that is not a regular file (a FIFO, socket,
///   directory or device) is refused with [`io::ErrorKind::InvalidInput`]
///   and left alone.
/// * On error the temporary file is removed and the target is unchanged.
///
/// Errors: any `std::io::Error` from the steps above.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Mode) -> io::Result<()> {
    let target = resolve_symlinks(path);
    Staged::new(&target, bytes, mode)?.replace()
}

/// New bytes for `target`, written and fsynced in a temporary file beside it
/// but not yet in place. Dropping it removes the temporary path (after
/// [`Staged::exchange`] that path holds the previous file).
#[derive(Debug)]
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
    dir: PathBuf,
}

/// How [`Staged::exchange`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// The staged file is now the target and the previous target is at
    /// [`Staged::temp_path`].
    Swapped,
    /// The platform or the filesystem cannot swap two names atomically
    /// (`EINVAL`, `ENOSYS`, `ENOTSUP`: e.g. NFS, or neither Linux nor macOS);
    /// nothing changed.
    Unsupported,
}

impl Staged {
    /// Writes `bytes` to a new temporary file in `target`'s directory (made,
    /// mode 0700, when missing) with the permission bits `mode` gives for
    /// `target`, and fsyncs it. `target` is used as given (resolve symlinks
    /// first). Removes stale temporary files in that directory first.
    ///
    /// Errors: an existing `target` that is not a regular file
    /// ([`io::ErrorKind::InvalidInput`]), and any error creating the
    /// directory or writing and syncing the file.
    pub fn new(target: &Path, bytes: &[u8], mode: Mode) -> io::Result<Staged> {
        let dir = parent_dir(target);
        if !dir.exists() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&dir)?;
        }
        let existing = match fs::metadata(target) {
            Ok(meta) if meta.is_file() => Some(meta),
            Ok(meta) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "is a {}, not a regular file; only a regular file is replaced",
                        crate::file_kind::describe(&meta.file_type())
                    ),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        remove_stale_temps(&dir, target);
        let mut tmp = tempfile::Builder::new()
            .prefix(&temp_prefix(target))
            .suffix(".tmp")
            .tempfile_in(&dir)?;
        set_mode(tmp.as_file(), existing.as_ref(), mode)?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        Ok(Staged {
            tmp,
            target: target.to_path_buf(),
            dir,
        })
    }

    /// The temporary file's path: the staged bytes, or after a successful
    /// [`Staged::exchange`] the previous target.
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Renames the staged file over the target and fsyncs the directory.
    /// Errors: the rename or the sync; on error the temporary file is
    /// removed.
    pub fn replace(self) -> io::Result<()> {
        let Staged { tmp, target, dir } = self;
        tmp.persist(&target).map_err(|e| e.error)?;
        sync_dir(&dir)
    }

    /// Puts the staged file in place only if the target does not exist
    /// (a hard link, then the temporary name is removed). Returns `Ok(true)`
    /// when created, `Ok(false)` when the target exists now (nothing
    /// changed). Filesystems without hard links fall back to a rename.
    ///
    /// Errors: linking, renaming or syncing the directory.
    pub fn create_new(self) -> io::Result<bool> {
        match fs::hard_link(self.tmp.path(), &self.target) {
            Ok(()) => {
                sync_dir(&self.dir)?;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) if unsupported(&e) || e.kind() == io::ErrorKind::PermissionDenied => {
                self.replace().map(|()| true)
            }
            Err(e) => Err(e),
        }
    }

    /// Atomically swaps the staged file and the target (Linux
    /// `renameat2(RENAME_EXCHANGE)`, macOS `renamex_np(RENAME_SWAP)`): on
    /// [`Exchange::Swapped`] the new bytes are in place and the previous
    /// file is at [`Staged::temp_path`], removed when this is dropped.
    /// Call [`Staged::finish`] once the swap is final.
    ///
    /// Errors: the target is missing (`NotFound`), or any other error of the
    /// swap; [`Exchange::Unsupported`] is not an error.
    pub fn exchange(&self) -> io::Result<Exchange> {
        match exchange_paths(self.tmp.path(), &self.target) {
            Ok(()) => Ok(Exchange::Swapped),
            Err(e) if unsupported(&e) => Ok(Exchange::Unsupported),
            Err(e) => Err(e),
        }
    }

    /// Ends a swap: removes the temporary path (after
    /// [`Staged::exchange`], the previous target) and fsyncs the directory
    /// (unix), making the swap and the removal durable.
    ///
    /// Errors: removing the file or syncing the directory.
    pub fn finish(self) -> io::Result<()> {
        let Staged { tmp, dir, .. } = self;
        tmp.close()?;
        sync_dir(&dir)
    }
}

/// Follows symlinks from `path` to the file they finally name (which may not
/// exist yet), so the target is replaced and the link kept. Gives up after 40
/// links and returns the last path reached.
pub fn resolve_symlinks(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => match fs::read_link(&current) {
                Ok(target) => {
                    current = match current.parent() {
                        Some(parent) if target.is_relative() => parent.join(target),
                        _ => target,
                    };
                }
                Err(_) => break,
            },
            _ => break,
        }
    }
    current
}

/// The start of our temporary names for `target`:
/// `.<file name>.uo-aws-tui.<pid>.`.
pub fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.{TAG}.{}.", std::process::id())
}

/// Removes the stale temporary files in `dir`, the directory of `target`:
/// ours (named by [`temp_prefix`], for any file) whose process no longer
/// runs or that are older than [`STALE_AFTER`], and those earlier versions
/// made for `target` (`.<its name>.XXXXXX.tmp`, `.uo-aws-tui-XXXXXX.tmp`)
/// older than [`STALE_AFTER`]. Best effort: errors are ignored (the next
/// write tries again).
pub fn remove_stale_temps(dir: &Path, target: &Path) {
    let target_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(kind) = temp_kind(name, &target_name) else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        let stale = match kind {
            TempKind::Ours { pid } => old || (pid != std::process::id() && !process_exists(pid)),
            TempKind::Legacy => old,
        };
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// What a directory entry's name says about it.
#[derive(Debug, PartialEq, Eq)]
enum TempKind {
    /// `.<name>.uo-aws-tui.<pid>.<random>.tmp`.
    Ours { pid: u32 },
    /// `.<name>.XXXXXX.tmp` or `.uo-aws-tui-XXXXXX.tmp` (six letters or
    /// digits): earlier versions' temporary files.
    Legacy,
}

/// Classifies a file name as one of our temporary files (legacy ones only
/// for `target_name`), or `None`.
fn temp_kind(name: &str, target_name: &str) -> Option<TempKind> {
    let stem = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let random = |s: &str| s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if let Some(at) = stem.rfind(&format!(".{TAG}.")) {
        let rest = &stem[at + TAG.len() + 2..];
        if let Some((pid, tail)) = rest.split_once('.') {
            if let (Ok(pid), true) = (pid.parse::<u32>(), random(tail)) {
                return Some(TempKind::Ours { pid });
            }
        }
    }
    if let Some(tail) = stem.strip_prefix(&format!("{TAG}-")) {
        if random(tail) {
            return Some(TempKind::Legacy);
        }
    }
    match stem.rsplit_once('.') {
        Some((head, tail)) if head == target_name && random(tail) => Some(TempKind::Legacy),
        _ => None,
    }
}

/// Whether a process with id `pid` exists (unix: `kill(pid, 0)` does not
/// fail with `ESRCH`). Elsewhere: assumed alive, so only age counts.
fn process_exists(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        if pid <= 0 {
            return false;
        }
        // SAFETY: kill with signal 0 sends nothing; it only checks the id.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// The directory holding `path` (`.` for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Sets the permission bits of the new file per `mode` (unix only).
fn set_mode(file: &fs::File, existing: Option<&fs::Metadata>, mode: Mode) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let bits = match (mode, existing) {
            (Mode::KeepOr(_), Some(meta)) => meta.permissions().mode() & 0o7777,
            (Mode::KeepOr(bits), None) | (Mode::Exactly(bits), _) => bits,
        };
        file.set_permissions(fs::Permissions::from_mode(bits))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, existing, mode);
        Ok(())
    }
}

/// Fsyncs directory `dir` (unix; a no-op elsewhere).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Whether `e` says the platform or filesystem lacks the operation.
fn unsupported(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::Unsupported {
        return true;
    }
    #[cfg(unix)]
    {
        matches!(
            e.raw_os_error(),
            Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::ENOTSUP) | Some(libc::EPERM)
        ) || e.raw_os_error() == Some(libc::EOPNOTSUPP)
    }
    #[cfg(not(unix))]
    false
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange_paths(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(target_vendor = "apple")]
fn exchange_paths(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let rc = unsafe { libc::renamex_np(a.as_ptr(), b.as_ptr(), libc::RENAME_SWAP) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn exchange_paths(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_classified() {
        let prefix = temp_prefix(Path::new("/x/config"));
        let pid = std::process::id();
        assert_eq!(prefix, format!(".config.uo-aws-tui.{pid}."));
        assert_eq!(
            temp_kind(&format!("{prefix}aB3xY9.tmp"), "config"),
            Some(TempKind::Ours { pid })
        );
        assert_eq!(
            temp_kind(".a.b.json.uo-aws-tui.42.zzzzzz.tmp", "config"),
            Some(TempKind::Ours { pid: 42 })
        );
        assert_eq!(
            temp_kind(".config.Ab12Cd.tmp", "config"),
            Some(TempKind::Legacy)
        );
        assert_eq!(temp_kind(".config.Ab12Cd.tmp", "other"), None);
        assert_eq!(
            temp_kind(".uo-aws-tui-Ab12Cd.tmp", "config"),
            Some(TempKind::Legacy)
        );
        for other in [
            "config",
            ".config",
            "config.tmp",
            ".config.tmp",
            ".config.toolong1.tmp",
            ".config.uo-aws-tui.x.abcdef.tmp",
            ".config.uo-aws-tui.12.abc.tmp",
        ] {
            assert_eq!(temp_kind(other, "config"), None, "{other}");
        }
    }

    #[test]
    fn a_dead_writers_temp_is_removed_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // A child that has exited: its id is free (until reused).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let dead_tmp = dir.path().join(format!(".config.{TAG}.{dead}.abcdef.tmp"));
        let live_tmp = dir
            .path()
            .join(format!("{}abcdef.tmp", temp_prefix(Path::new("config"))));
        let legacy = dir.path().join(".config.Ab12Cd.tmp");
        for p in [&dead_tmp, &live_tmp, &legacy] {
            fs::write(p, "x").unwrap();
        }
        remove_stale_temps(dir.path(), &dir.path().join("config"));
        assert!(!dead_tmp.exists() || process_exists(dead));
        assert!(live_tmp.exists());
        assert!(legacy.exists(), "young legacy files stay");
        let old = SystemTime::now() - STALE_AFTER - Duration::from_secs(1);
        for p in [&live_tmp, &legacy] {
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        remove_stale_temps(dir.path(), &dir.path().join("config"));
        assert!(!live_tmp.exists());
        assert!(!legacy.exists());
    }

    #[test]
    fn exchange_swaps_and_keeps_the_previous_file_at_the_temp_path() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("config");
        fs::write(&target, "old").unwrap();
        let staged = Staged::new(&target, b"new", PRIVATE).unwrap();
        match staged.exchange().unwrap() {
            Exchange::Swapped => {
                assert_eq!(fs::read(&target).unwrap(), b"new");
                assert_eq!(fs::read(staged.temp_path()).unwrap(), b"old");
                let tmp = staged.temp_path().to_path_buf();
                drop(staged);
                assert!(!tmp.exists());
            }
            Exchange::Unsupported => assert_eq!(fs::read(&target).unwrap(), b"old"),
        }
    }

    #[test]
    fn create_new_refuses_an_existing_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("f");
        assert!(Staged::new(&target, b"1", PRIVATE)
            .unwrap()
            .create_new()
            .unwrap());
        assert!(!Staged::new(&target, b"2", PRIVATE)
            .unwrap()
            .create_new()
            .unwrap());
        assert_eq!(fs::read(&target).unwrap(), b"1");
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left");
    }
}
