//! The catalog cache: `<cache dir>/catalog/<sha1 of session name>.json`.
//!
//! After a complete listing the picker stores every account with its roles
//! (or why they failed) and the fetch time; on the next start the cached rows
//! are drawn before any network call and refreshed in the background once
//! older than [`DEFAULT_TTL`]. The file holds no token or secret: account ids,
//! names, e-mail addresses and role names only. A file that cannot be read,
//! does not parse, has another format version or belongs to another session
//! is ignored (and replaced by the next complete listing).
//!
//! ```json
//! {"format":1,"session":"uoregon","fetched_at":1767225600,
//!  "accounts":[{"id":"123456789012","name":"Genomics","email":"…","roles":["Admin"]},
//!              {"id":"210987654321","name":"Library","email":"…","roles":[],"failed":"…"}]}
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use time::OffsetDateTime;

use crate::atomic_file::{write_atomic, PRIVATE};
use crate::catalog::{Account, Catalog, CatalogEvent, RowKind};
use crate::dirs::AppDirs;

/// The version of the file layout; a file with another one is ignored.
pub const FORMAT_VERSION: u32 = 1;

/// How old a cached catalog may be before the picker refreshes it.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

/// `<cache dir>/catalog/<sha1 hex of the session name>.json`.
pub fn catalog_path(dirs: &AppDirs, session: &str) -> PathBuf {
    let digest = Sha1::digest(session.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    dirs.cache_dir.join("catalog").join(format!("{hex}.json"))
}

#[derive(Debug, Serialize, Deserialize)]
struct CacheFile {
    format: u32,
    session: String,
    /// Unix seconds.
    fetched_at: i64,
    accounts: Vec<CachedAccount>,
}

/// One stored account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedAccount {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<String>,
    /// Why ListAccountRoles failed (no roles were known for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// A stored catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedCatalog {
    pub fetched_at: OffsetDateTime,
    /// In base order (account name, id), roles sorted.
    pub accounts: Vec<CachedAccount>,
}

impl CachedCatalog {
    /// Whether it is younger than `ttl` at `now`.
    pub fn is_fresh(&self, now: OffsetDateTime, ttl: Duration) -> bool {
        now - self.fetched_at < ttl
    }

    /// The rows as a complete [`Catalog`] (marked as cached), copied.
    pub fn to_catalog(&self) -> Catalog {
        self.clone().into_catalog()
    }

    /// The rows as a complete [`Catalog`] (marked as cached), made of this
    /// catalog's own strings (nothing copied).
    pub fn into_catalog(self) -> Catalog {
        Catalog::restore(
            self.accounts
                .into_iter()
                .map(|a| {
                    let roles = match a.failed {
                        Some(why) => Err(why),
                        None => Ok(a.roles),
                    };
                    let account = Account {
                        id: a.id,
                        name: a.name,
                        email: a.email,
                    };
                    (account, roles)
                })
                .collect(),
            self.fetched_at,
        )
    }

    /// The stored form of `catalog`'s rows, fetched at `fetched_at`.
    pub fn from_catalog(catalog: &Catalog, fetched_at: OffsetDateTime) -> CachedCatalog {
        let mut accounts: Vec<CachedAccount> = Vec::new();
        for row in catalog.rows() {
            if accounts.last().is_none_or(|a| a.id != row.account.id) {
                accounts.push(CachedAccount {
                    id: row.account.id.clone(),
                    name: row.account.name.clone(),
                    email: row.account.email.clone(),
                    roles: Vec::new(),
                    failed: None,
                });
            }
            let last = accounts.last_mut().expect("pushed above");
            match &row.kind {
                RowKind::Role(role) => last.roles.push(role.clone()),
                RowKind::Failed(why) => last.failed = Some(why.clone()),
            }
        }
        CachedCatalog {
            fetched_at,
            accounts,
        }
    }
}

/// How a picker start uses the network, given the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// List the portal now (no cache, a stale one, or `--refresh`); cached
    /// rows, if any, show meanwhile.
    Refresh,
    /// A fresh cache: show it and make no call until Ctrl-r.
    UseCache,
    /// `--offline`: never call the portal.
    Offline,
}

impl Plan {
    pub fn decide(
        cached: Option<&CachedCatalog>,
        now: OffsetDateTime,
        ttl: Duration,
        refresh: bool,
        offline: bool,
    ) -> Plan {
        match cached {
            _ if offline => Plan::Offline,
            Some(c) if !refresh && c.is_fresh(now, ttl) => Plan::UseCache,
            _ => Plan::Refresh,
        }
    }
}

/// What reading the cache found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// No cache file.
    Missing,
    Found(CachedCatalog),
    /// A file that cannot be used; the text says why (it is ignored and
    /// rebuilt by the next complete listing).
    Unusable(String),
}

/// Reads the cached catalog of `session` at `path`.
pub fn load(path: &Path, session: &str) -> Loaded {
    let bytes = match crate::file_kind::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loaded::Missing,
        Err(e) => return Loaded::Unusable(format!("{}: {e}", path.display())),
    };
    // One UTF-8 check of the whole file, not one per string.
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Loaded::Unusable(format!("{}: not UTF-8", path.display()));
    };
    let file: CacheFile = match serde_json::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            // An older layout may not parse; say so when its version is readable.
            #[derive(Deserialize)]
            struct Version {
                format: u32,
            }
            return Loaded::Unusable(match serde_json::from_slice::<Version>(&bytes) {
                Ok(v) if v.format != FORMAT_VERSION => {
                    format!(
                        "{}: format {} is not {FORMAT_VERSION}",
                        path.display(),
                        v.format
                    )
                }
                _ => format!("{}: {e}", path.display()),
            });
        }
    };
    if file.format != FORMAT_VERSION {
        return Loaded::Unusable(format!(
            "{}: format {} is not {FORMAT_VERSION}",
            path.display(),
            file.format
        ));
    }
    if file.session != session {
        return Loaded::Unusable(format!(
            "{}: holds sso-session {:?}, not {session:?}",
            path.display(),
            file.session
        ));
    }
    let Ok(fetched_at) = OffsetDateTime::from_unix_timestamp(file.fetched_at) else {
        return Loaded::Unusable(format!("{}: bad fetch time", path.display()));
    };
    Loaded::Found(CachedCatalog {
        fetched_at,
        accounts: file.accounts,
    })
}

/// Stores `cached` for `session` at `path` (atomically, mode 0600).
pub fn store(path: &Path, session: &str, cached: &CachedCatalog) -> std::io::Result<()> {
    let file = CacheFile {
        format: FORMAT_VERSION,
        session: session.to_string(),
        fetched_at: cached.fetched_at.unix_timestamp(),
        accounts: cached.accounts.clone(),
    };
    let json = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
    write_atomic(path, &json, PRIVATE)
}

/// Folds one listing pass as it streams by and, when it completes, stores
/// it. An account that failed in this pass keeps the roles `previous` knew
/// for it (a failure is no reason to forget them).
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    session: String,
    accounts: HashMap<String, Account>,
    roles: HashMap<String, Result<Vec<String>, String>>,
    previous: HashMap<String, Vec<String>>,
    fatal: bool,
}

impl Recorder {
    pub fn new(path: PathBuf, session: &str, previous: Option<&CachedCatalog>) -> Recorder {
        let previous = previous
            .map(|c| {
                c.accounts
                    .iter()
                    .filter(|a| a.failed.is_none())
                    .map(|a| (a.id.clone(), a.roles.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Recorder {
            path,
            session: session.to_string(),
            accounts: HashMap::new(),
            roles: HashMap::new(),
            previous,
            fatal: false,
        }
    }

    /// Takes one event in; at `Complete` (without a fatal error) stores the
    /// catalog and returns what was stored.
    pub fn record(&mut self, event: &CatalogEvent) -> Option<std::io::Result<CachedCatalog>> {
        match event {
            CatalogEvent::Accounts(page) => {
                for a in page {
                    self.accounts.insert(a.id.clone(), a.clone());
                }
            }
            CatalogEvent::Roles { account_id, roles } => {
                self.roles.insert(account_id.clone(), Ok(roles.clone()));
            }
            CatalogEvent::RolesFailed { account_id, error } => {
                let known = self.previous.get(account_id).cloned();
                self.roles
                    .insert(account_id.clone(), known.ok_or_else(|| error.clone()));
            }
            CatalogEvent::Fatal { .. } => self.fatal = true,
            CatalogEvent::AccountsComplete { .. } => {}
            CatalogEvent::Complete if !self.fatal => {
                let cached = self.cached(OffsetDateTime::now_utc());
                return Some(store(&self.path, &self.session, &cached).map(|()| cached));
            }
            CatalogEvent::Complete => {}
        }
        None
    }

    fn cached(&self, fetched_at: OffsetDateTime) -> CachedCatalog {
        let mut accounts: Vec<CachedAccount> = self
            .accounts
            .values()
            .map(|a| {
                let (roles, failed) = match self.roles.get(&a.id) {
                    Some(Ok(roles)) => {
                        let mut roles = roles.clone();
                        roles.sort();
                        roles.dedup();
                        (roles, None)
                    }
                    Some(Err(why)) => (Vec::new(), Some(why.clone())),
                    None => (Vec::new(), Some("roles were not listed".to_string())),
                };
                CachedAccount {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    email: a.email.clone(),
                    roles,
                    failed,
                }
            })
            .collect();
        accounts.sort_by(|a, b| {
            crate::row::cmp_lowercase(&a.name, &b.name)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.id.cmp(&b.id))
        });
        CachedCatalog {
            fetched_at,
            accounts,
        }
    }
}
