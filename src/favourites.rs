//! Favourite rows, kept in `<data dir>/favourites.json`, and recently
//! chosen rows, kept beside them in `<data dir>/recent.json`; both keyed by
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

/// How often and when a row was last chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Use {
    pub session: String,
    pub account_id: String,
    pub role: String,
    /// How many times it was chosen.
    pub count: u32,
    /// When it was last chosen, in seconds since the Unix epoch.
    pub last: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct RecentFormat {
    version: u32,
    uses: Vec<Use>,
}

/// How many rows `recent.json` remembers (the least frecent are dropped).
pub const RECENT_KEPT: usize = 200;

/// The recently-chosen file: `<data dir>/recent.json`.
pub fn recent_path(data_dir: &Path) -> PathBuf {
    data_dir.join("recent.json")
}

/// The uses stored at `path`; a missing or unreadable file is none (it is
/// only an ordering hint).
pub fn load_uses(path: &Path) -> Vec<Use> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<RecentFormat>(&t).ok())
        .filter(|f| f.version == VERSION)
        .map(|f| f.uses)
        .unwrap_or_default()
}

/// The frecency of a use at `now` (seconds since the epoch): its count
/// weighted by its age — ×4 within the hour, ×2 within the day, ×1 within
/// the week, ×½ after.
pub fn frecency(u: &Use, now: i64) -> f64 {
    let age = now.saturating_sub(u.last);
    let weight = match age {
        a if a < 3_600 => 4.0,
        a if a < 86_400 => 2.0,
        a if a < 7 * 86_400 => 1.0,
        _ => 0.5,
    };
    f64::from(u.count) * weight
}

/// `uses` most frecent first (ties: the most recent first).
fn by_frecency(mut uses: Vec<Use>, now: i64) -> Vec<Use> {
    uses.sort_by(|a, b| {
        frecency(b, now)
            .total_cmp(&frecency(a, now))
            .then(b.last.cmp(&a.last))
    });
    uses
}

/// The rows chosen in any session, most frecent first at `now`, as
/// (session, account id, role name), read from `<data_dir>/recent.json`.
pub fn recent(data_dir: &Path, now: time::OffsetDateTime) -> Vec<(String, String, String)> {
    let now = now.unix_timestamp();
    by_frecency(load_uses(&recent_path(data_dir)), now)
        .into_iter()
        .map(|u| (u.session, u.account_id, u.role))
        .collect()
}

/// Counts one more choice of `choice`'s row in `<data_dir>/recent.json`
/// (written atomically; at most [`RECENT_KEPT`] rows are kept).
pub fn remember(data_dir: &Path, choice: &crate::shell::Choice) -> io::Result<()> {
    remember_at(
        data_dir,
        choice,
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )
}

fn remember_at(data_dir: &Path, choice: &crate::shell::Choice, now: i64) -> io::Result<()> {
    let path = recent_path(data_dir);
    let mut uses = load_uses(&path);
    match uses.iter_mut().find(|u| {
        u.session == choice.sso_session
            && u.account_id == choice.account_id
            && u.role == choice.role_name
    }) {
        Some(u) => {
            u.count = u.count.saturating_add(1);
            u.last = now;
        }
        None => uses.push(Use {
            session: choice.sso_session.clone(),
            account_id: choice.account_id.clone(),
            role: choice.role_name.clone(),
            count: 1,
            last: now,
        }),
    }
    let mut uses = by_frecency(uses, now);
    uses.truncate(RECENT_KEPT);
    let file = RecentFormat {
        version: VERSION,
        uses,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(io::Error::other)?;
    text.push('\n');
    crate::atomic_file::write_atomic(&path, text.as_bytes(), crate::atomic_file::PRIVATE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(account_id: &str) -> crate::shell::Choice {
        crate::shell::Choice {
            profile: format!("{account_id}_Admin"),
            account_id: account_id.into(),
            account_name: "A".into(),
            role_name: "Admin".into(),
            region: "us-west-2".into(),
            sso_session: "uo".into(),
        }
    }

    #[test]
    fn frecency_orders_recent_rows() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let day = 86_400;
        let t0 = 1_700_000_000;
        // Chosen three times a month ago, once an hour ago, once a minute ago.
        for _ in 0..3 {
            remember_at(&data, &choice("111111111111"), t0).unwrap();
        }
        remember_at(&data, &choice("222222222222"), t0 + 30 * day).unwrap();
        remember_at(&data, &choice("333333333333"), t0 + 30 * day + 3_540).unwrap();
        let now = time::OffsetDateTime::from_unix_timestamp(t0 + 30 * day + 3_600).unwrap();
        let ids: Vec<String> = recent(&data, now).into_iter().map(|r| r.1).collect();
        // 333…: 1×4 (this hour); 222…: 1×2 (this day); 111…: 3×½.
        assert_eq!(ids, ["333333333333", "222222222222", "111111111111"]);
        // Used again and again, the old favourite climbs back.
        for _ in 0..3 {
            remember_at(&data, &choice("111111111111"), t0 + 30 * day + 3_600).unwrap();
        }
        let ids: Vec<String> = recent(&data, now).into_iter().map(|r| r.1).collect();
        assert_eq!(ids[0], "111111111111");
        assert!(favourites_path(&data).parent() == recent_path(&data).parent());
    }

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
