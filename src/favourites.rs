//! Favourite rows, kept in `<data dir>/favourites.json` and keyed by
//! sso-session + account id + role name.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One favourite: a role of an account in a session.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Favourite {
    pub session: String,
    pub account_id: String,
    pub role: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FileFormat {
    version: u32,
    favourites: Vec<Favourite>,
}

const VERSION: u32 = 1;

/// The favourites file: `<data dir>/favourites.json`.
pub fn favourites_path(data_dir: &Path) -> PathBuf {
    data_dir.join("favourites.json")
}

/// Reads the favourites at `path`. A missing file is an empty set; a file
/// that cannot be parsed (or has another version) is `Err` with the reason,
/// and callers start from an empty set without overwriting it until the user
/// changes a favourite.
pub fn load(path: &Path) -> Result<BTreeSet<Favourite>, String> {
    let text = match crate::file_kind::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let file: FileFormat =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if file.version != VERSION {
        return Err(format!(
            "{}: version {} is not {VERSION}",
            path.display(),
            file.version
        ));
    }
    Ok(file.favourites.into_iter().collect())
}

/// Writes `favourites` to `path` atomically (parent created when missing).
pub fn save(path: &Path, favourites: &BTreeSet<Favourite>) -> io::Result<()> {
    let file = FileFormat {
        version: VERSION,
        favourites: favourites.iter().cloned().collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(io::Error::other)?;
    text.push('\n');
    crate::atomic_file::write_atomic(path, text.as_bytes(), crate::atomic_file::PRIVATE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tolerance() {
        let dir = tempfile::tempdir().unwrap();
        let path = favourites_path(&dir.path().join("data"));
        assert!(load(&path).unwrap().is_empty());
        let set: BTreeSet<Favourite> = [Favourite {
            session: "uoregon".into(),
            account_id: "111111111111".into(),
            role: "Admin".into(),
        }]
        .into();
        save(&path, &set).unwrap();
        assert_eq!(load(&path).unwrap(), set);
        std::fs::write(&path, "{not json").unwrap();
        assert!(load(&path).unwrap_err().contains("favourites.json"));
    }
}
