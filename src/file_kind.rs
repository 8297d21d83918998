//! Reading the files we read (AWS config and credentials, SSO token files,
//! settings) without ever blocking on something that is not a file.
//!
//! A FIFO where `~/.aws/config` should be would make a plain `read` wait
//! forever for a writer. [`read`] checks the kind first (`stat`, following
//! symlinks), opens with `O_NONBLOCK` (unix) so a FIFO swapped in after the
//! check cannot block the open, checks the opened file's kind again, and
//! only then reads. Regular files and character devices (`/dev/null` as the
//! credentials file is a common idiom, and botocore accepts it) are read;
//! FIFOs, sockets, directories and block devices are errors.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// Reads the whole file at `path` if it is a regular file or a character
/// device.
///
/// Errors: `NotFound` as from [`std::fs::read`]; a FIFO, socket, directory
/// or block device gives [`io::ErrorKind::InvalidInput`] with a message
/// such as "is a FIFO (named pipe), not a regular file" (callers prefix the
/// path); any other error of opening or reading.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    check(&fs::metadata(path)?.file_type())?;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let mut file = options.open(path)?;
    let meta = file.metadata()?;
    check(&meta.file_type())?;
    // Reads of a regular file never block; a device reads as usual.
    #[cfg(unix)]
    if !meta.file_type().is_file() {
        clear_nonblocking(&file)?;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read`], decoded as UTF-8. Errors: those of [`read`], and
/// [`io::ErrorKind::InvalidData`] for bytes that are not UTF-8.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// `Ok` for the kinds [`read`] reads; otherwise the error it returns.
pub fn check(kind: &fs::FileType) -> io::Result<()> {
    if kind.is_file() || is_char_device(kind) {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "is a {}, not a regular file; replace it with a file",
            describe(kind)
        ),
    ))
}

/// A name for people of a file kind: "regular file", "directory",
/// "FIFO (named pipe)", "socket", "block device", "character device",
/// "symbolic link", or "special file".
pub fn describe(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "socket";
        }
        if kind.is_block_device() {
            return "block device";
        }
        if kind.is_char_device() {
            return "character device";
        }
    }
    if kind.is_file() {
        "regular file"
    } else if kind.is_dir() {
        "directory"
    } else if kind.is_symlink() {
        "symbolic link"
    } else {
        "special file"
    }
}

fn is_char_device(kind: &fs::FileType) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileTypeExt::is_char_device(kind)
    }
    #[cfg(not(unix))]
    {
        let _ = kind;
        false
    }
}

/// Clears `O_NONBLOCK` on an opened device, so reads behave as usual.
#[cfg(unix)]
fn clear_nonblocking(file: &fs::File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own; F_GETFL/F_SETFL take no pointers.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn files_and_dev_null_are_read_and_a_fifo_or_directory_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, "text").unwrap();
        assert_eq!(read_to_string(&file).unwrap(), "text");
        assert_eq!(read(Path::new("/dev/null")).unwrap(), b"");
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read(&fifo).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("FIFO"), "{e}");
        let e = read(dir.path()).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
        assert_eq!(
            read(&dir.path().join("missing")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }
}
