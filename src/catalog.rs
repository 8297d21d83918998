//! What a session can reach: accounts and the roles (permission sets) in each.
//!
//! The portal listing streams [`CatalogEvent`]s; [`Catalog`] folds them into
//! rows kept in the base order of the picker: account name, then account id,
//! then role name. The row types themselves live in [`crate::row`] and are
//! re-exported here.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use time::OffsetDateTime;

pub use crate::row::{
    is_profile_name_char, profile_name, Account, ProfileTemplate, Row, RowKind, DEFAULT_TEMPLATE,
};
use crate::search::{FilterTask, Prepared, ProfileNamer, Searcher};

/// One step of a streamed portal listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogEvent {
    /// A page of ListAccounts.
    Accounts(Vec<Account>),
    /// ListAccounts has no more pages; `total` accounts in all.
    AccountsComplete { total: usize },
    /// Every role of one account (all pages of ListAccountRoles).
    Roles {
        account_id: String,
        roles: Vec<String>,
    },
    /// ListAccountRoles failed for one account; the rest goes on.
    RolesFailed { account_id: String, error: String },
    /// The listing cannot go on; `unauthorized` when the access token was
    /// rejected (a login fixes it).
    Fatal { message: String, unauthorized: bool },
    /// Every account's roles were fetched or failed.
    Complete,
}

/// Progress of a listing, for the loading line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Accounts listed so far.
    pub accounts: usize,
    /// Whether ListAccounts reached its last page.
    pub accounts_complete: bool,
    /// Accounts whose roles arrived (or failed).
    pub roles_done: usize,
    /// Accounts whose roles failed.
    pub failed: usize,
    /// Whether the whole listing is over.
    pub complete: bool,
}

/// What a catalog holds, reduced to what a refresh can change: accounts, and
/// (account, role) pairs of accounts whose roles are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    accounts: HashSet<String>,
    roles: HashSet<(String, String)>,
    failed: HashSet<String>,
}

/// What a refresh changed: `+3 roles, −1 account`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatalogDiff {
    pub added_roles: usize,
    pub removed_roles: usize,
    pub added_accounts: usize,
    pub removed_accounts: usize,
}

impl CatalogDiff {
    /// Compares two snapshots. Roles of an account that failed in either one
    /// are not compared (unknown is not removed).
    pub fn between(before: &Snapshot, after: &Snapshot) -> CatalogDiff {
        let known =
            |(id, _): &&(String, String)| !before.failed.contains(id) && !after.failed.contains(id);
        CatalogDiff {
            added_roles: after.roles.difference(&before.roles).filter(known).count(),
            removed_roles: before.roles.difference(&after.roles).filter(known).count(),
            added_accounts: after.accounts.difference(&before.accounts).count(),
            removed_accounts: before.accounts.difference(&after.accounts).count(),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == CatalogDiff::default()
    }
}

impl std::fmt::Display for CatalogDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return f.write_str("no changes");
        }
        let parts = [
            ('+', self.added_roles, "role"),
            ('−', self.removed_roles, "role"),
            ('+', self.added_accounts, "account"),
            ('−', self.removed_accounts, "account"),
        ];
        let mut first = true;
        for (sign, n, what) in parts {
            if n == 0 {
                continue;
            }
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            let plural = if n == 1 { "" } else { "s" };
            write!(f, "{sign}{n} {what}{plural}")?;
        }
        Ok(())
    }
}

/// Accounts and their roles, folded from [`CatalogEvent`]s into sorted rows.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    accounts: HashMap<String, Arc<Account>>,
    /// Accounts listed by the current pass (the first listing or a refresh).
    listed: HashSet<String>,
    rows: Vec<Row>,
    /// Each row's search fields, in the same order as `rows`: prepared on
    /// first use (or by the thread [`Catalog::restore`] starts), then kept
    /// up to date as rows come and go. Shared with that thread until it is
    /// done.
    prepared: Arc<OnceLock<Arc<Vec<Prepared>>>>,
    /// Bumped whenever the rows change.
    version: u64,
    /// Accounts whose roles arrived, and whether that attempt failed.
    done: HashMap<String, bool>,
    progress: Progress,
    fatal: Option<String>,
    /// When the rows came from the cache: when they were fetched. Cleared
    /// when a listing pass completes.
    cached_at: Option<OffsetDateTime>,
    /// Why the network could not be reached while cached rows are shown.
    offline: Option<String>,
    /// The catalog before the running refresh, and what the last one changed.
    before: Option<Snapshot>,
    diff: Option<CatalogDiff>,
}

impl Catalog {
    /// A complete catalog from stored accounts (roles, or why they failed),
    /// fetched at `fetched_at`. Rows already in base order are taken as they
    /// are; otherwise they are sorted once.
    pub fn restore(
        accounts: Vec<(Account, Result<Vec<String>, String>)>,
        fetched_at: OffsetDateTime,
    ) -> Catalog {
        let mut c = Catalog::default();
        let n = accounts.len();
        c.accounts.reserve(n);
        c.listed.reserve(n);
        c.done.reserve(n);
        c.rows.reserve(n * 3);
        for (account, roles) in accounts {
            let account = Arc::new(account);
            let id = account.id.clone();
            if c.accounts.insert(id.clone(), account.clone()).is_some() {
                continue; // an account stored twice counts once
            }
            c.listed.insert(id.clone());
            c.progress.accounts += 1;
            c.progress.roles_done += 1;
            match roles {
                Ok(roles) => {
                    c.done.insert(id, false);
                    for role in distinct(roles) {
                        c.rows.push(Row {
                            account: account.clone(),
                            kind: RowKind::Role(role),
                        });
                    }
                }
                Err(error) => {
                    c.done.insert(id, true);
                    c.progress.failed += 1;
                    c.rows.push(Row {
                        account,
                        kind: RowKind::Failed(error),
                    });
                }
            }
        }
        if !c
            .rows
            .is_sorted_by(|a, b| a.base_cmp(b) != Ordering::Greater)
        {
            c.rows.sort_by(Row::base_cmp);
        }
        c.prepare_in_background();
        c.version = 1;
        c.progress.accounts_complete = true;
        c.progress.complete = true;
        c.cached_at = Some(fetched_at);
        c
    }

    /// Accounts, known roles and failed accounts, for [`CatalogDiff::between`].
    pub fn snapshot(&self) -> Snapshot {
        let mut snap = Snapshot {
            accounts: self.accounts.keys().cloned().collect(),
            ..Snapshot::default()
        };
        for row in &self.rows {
            match &row.kind {
                RowKind::Role(role) => {
                    snap.roles.insert((row.account.id.clone(), role.clone()));
                }
                RowKind::Failed(_) => {
                    snap.failed.insert(row.account.id.clone());
                }
            }
        }
        snap
    }

    /// What the last completed refresh changed (once; `None` afterwards, and
    /// after a first listing).
    pub fn take_diff(&mut self) -> Option<CatalogDiff> {
        self.diff.take()
    }

    /// When the rows shown were fetched, if they came from the cache and no
    /// listing pass has completed since.
    pub fn cached_at(&self) -> Option<OffsetDateTime> {
        self.cached_at
    }

    /// Why the portal could not be reached, while cached rows are shown.
    pub fn offline(&self) -> Option<&str> {
        self.offline.as_deref()
    }

    /// A note for the status bar about where the rows come from:
    /// `offline · cached 3 h ago`, `cached 3 h ago · refreshing`,
    /// `cached 3 h ago`; `None` for a live catalog.
    pub fn source_note(&self, now: OffsetDateTime) -> Option<String> {
        let age = age(self.cached_at?, now);
        Some(if self.offline.is_some() {
            format!("offline · cached {age}")
        } else if !self.progress.complete {
            format!("cached {age} · refreshing")
        } else {
            format!("cached {age}")
        })
    }

    /// Rows in base order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The rows' prepared search fields, index for index (prepared now
    /// when nothing has prepared them yet; waits for the thread
    /// [`Catalog::restore`] started when it is at work on them).
    pub fn prepared(&self) -> &Arc<Vec<Prepared>> {
        self.prepared.get_or_init(|| prepare(&self.rows))
    }

    /// Prepares the rows' search fields on a thread of their own when there
    /// are enough of them to hold up a frame ([`BACKGROUND_PREPARE_ROWS`]);
    /// whoever needs them first waits for it (or, when the thread could not
    /// be started, prepares them).
    fn prepare_in_background(&mut self) {
        if self.rows.len() < BACKGROUND_PREPARE_ROWS {
            return;
        }
        let cell = self.prepared.clone();
        let rows = self.rows.clone();
        let _ = std::thread::Builder::new()
            .name("prepare-rows".into())
            .spawn(move || {
                cell.get_or_init(|| prepare(&rows));
            });
    }

    /// The prepared fields, when they exist, to change along with the rows
    /// (a catalog sharing them with a clone or a preparing thread gets its
    /// own copy first; one not prepared yet stays so).
    fn prepared_mut(&mut self) -> Option<&mut Vec<Prepared>> {
        self.prepared.get()?;
        Arc::make_mut(&mut self.prepared)
            .get_mut()
            .map(Arc::make_mut)
    }

    /// A number that changes whenever the rows do (ranks computed for one
    /// version index its rows).
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// How many accounts the catalog holds (those of the rows shown; a
    /// pass that failed or went offline keeps the accounts it had).
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// The error that stopped the listing, if any.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    pub fn account(&self, id: &str) -> Option<&Arc<Account>> {
        self.accounts.get(id)
    }

    /// Accounts listed by the current pass whose roles have not arrived yet.
    pub fn pending_accounts(&self) -> impl Iterator<Item = &Arc<Account>> + '_ {
        self.listed
            .iter()
            .filter(|id| !self.done.contains_key(*id))
            .filter_map(|id| self.accounts.get(id))
    }

    /// Folds one event in. Returns true when the rows changed. A role listed
    /// twice for one account makes one row.
    pub fn apply(&mut self, event: CatalogEvent) -> bool {
        match event {
            CatalogEvent::Accounts(page) => {
                for account in page {
                    if self.listed.insert(account.id.clone()) {
                        self.progress.accounts += 1;
                    }
                    // A refresh may rename an account: its rows pick up the
                    // new details when its roles arrive.
                    self.accounts.insert(account.id.clone(), Arc::new(account));
                }
                false
            }
            CatalogEvent::AccountsComplete { .. } => {
                self.progress.accounts_complete = true;
                false
            }
            CatalogEvent::Roles { account_id, roles } => {
                let Some(account) = self.accounts.get(&account_id).cloned() else {
                    return false;
                };
                self.replace_outcome(&account_id, false);
                let mut seen = HashSet::new();
                for role in roles.into_iter().filter(|r| seen.insert(r.clone())) {
                    self.insert(Row {
                        account: account.clone(),
                        kind: RowKind::Role(role),
                    });
                }
                true
            }
            CatalogEvent::RolesFailed { account_id, error } => {
                let Some(account) = self.accounts.get(&account_id).cloned() else {
                    return false;
                };
                self.replace_outcome(&account_id, true);
                self.insert(Row {
                    account,
                    kind: RowKind::Failed(error),
                });
                true
            }
            CatalogEvent::Fatal {
                message,
                unauthorized,
            } => {
                if !unauthorized && self.cached_at.is_some() && !self.rows.is_empty() {
                    self.offline = Some(message.clone());
                }
                self.fatal = Some(message);
                self.progress.complete = true;
                self.before = None;
                false
            }
            CatalogEvent::Complete => {
                self.progress.complete = true;
                self.cached_at = None;
                self.offline = None;
                // Accounts that a refresh no longer lists are gone.
                let before = self.rows.len();
                let listed = std::mem::take(&mut self.listed);
                self.accounts.retain(|id, _| listed.contains(id));
                self.retain_rows(|r| listed.contains(&r.account.id));
                self.listed = listed;
                if let Some(old) = self.before.take() {
                    self.diff = Some(CatalogDiff::between(&old, &self.snapshot()));
                }
                self.rows.len() != before
            }
        }
    }

    /// Drops the rows of an account that is listed again (a retry) and
    /// records its new outcome (`failed` or not) in the progress counters.
    fn replace_outcome(&mut self, account_id: &str, failed: bool) {
        self.retain_rows(|r| r.account.id != account_id);
        match self.done.insert(account_id.to_string(), failed) {
            None => self.progress.roles_done += 1,
            Some(true) => self.progress.failed -= 1,
            Some(false) => {}
        }
        if failed {
            self.progress.failed += 1;
        }
    }

    /// Starts another listing pass over the same rows (Ctrl-r): counters
    /// restart, rows stay until their account is listed again (or, at
    /// `Complete`, dropped when it is not).
    pub fn begin_refresh(&mut self) {
        if !self.rows.is_empty() || !self.accounts.is_empty() {
            self.before = Some(self.snapshot());
        }
        self.diff = None;
        self.listed.clear();
        self.done.clear();
        self.progress = Progress::default();
        self.fatal = None;
    }

    fn insert(&mut self, row: Row) {
        let at = self
            .rows
            .partition_point(|r| r.base_cmp(&row) != Ordering::Greater);
        if let Some(prepared) = self.prepared_mut() {
            prepared.insert(at, Prepared::new(&row));
        }
        self.rows.insert(at, row);
        self.version += 1;
    }

    /// Keeps the rows (and their prepared search fields) for which `keep` holds.
    fn retain_rows(&mut self, keep: impl Fn(&Row) -> bool) {
        let kept: Vec<bool> = self.rows.iter().map(keep).collect();
        if kept.iter().all(|k| *k) {
            return;
        }
        let mut flags = kept.iter();
        self.rows.retain(|_| *flags.next().unwrap_or(&true));
        if let Some(prepared) = self.prepared_mut() {
            let mut flags = kept.iter();
            prepared.retain(|_| *flags.next().unwrap_or(&true));
        }
        self.version += 1;
    }
}

/// Rows from this many on are prepared for search off the draw path when a
/// catalog is restored.
pub const BACKGROUND_PREPARE_ROWS: usize = 2_000;

/// Each row's search fields, index for index.
/// `roles` with each name once, the first of each kept in order (a cache
/// that lists a role twice shows one row). A short list, as every real
/// account's is, is compared in place, with no set and no copy.
fn distinct(mut roles: Vec<String>) -> Vec<String> {
    if roles.len() <= 16 {
        let mut kept = 0;
        for i in 0..roles.len() {
            if !roles[..kept].contains(&roles[i]) {
                roles.swap(kept, i);
                kept += 1;
            }
        }
        roles.truncate(kept);
        return roles;
    }
    let mut seen = HashSet::new();
    let keep: Vec<bool> = roles.iter().map(|r| seen.insert(r.as_str())).collect();
    drop(seen);
    roles
        .into_iter()
        .zip(keep)
        .filter_map(|(role, keep)| keep.then_some(role))
        .collect()
}

fn prepare(rows: &[Row]) -> Arc<Vec<Prepared>> {
    Arc::new(rows.iter().map(Prepared::new).collect())
}

impl Searcher {
    /// [`Searcher::rank_prepared`] for the rows of `catalog`. A query
    /// without terms needs no prepared fields and does not wait for them.
    pub fn rank_catalog(&mut self, query: &str, catalog: &Catalog) -> Vec<usize> {
        if let Some(all) = self.rank_blank(query, catalog.rows()) {
            return all;
        }
        self.rank_prepared(query, catalog.prepared(), catalog.version())
    }
}

impl FilterTask {
    /// Asks for the matches of `query` among `catalog`'s rows (no profile
    /// names); returns the request's generation (newer requests have larger
    /// ones).
    pub fn submit(&self, query: &str, catalog: &Catalog) -> u64 {
        self.submit_prepared(query, catalog.prepared().clone(), catalog.version(), None)
    }

    /// [`FilterTask::submit`], also matching the profile names `profiles`
    /// makes.
    pub fn submit_named(
        &self,
        query: &str,
        catalog: &Catalog,
        profiles: Option<&ProfileNamer>,
    ) -> u64 {
        self.submit_prepared(
            query,
            catalog.prepared().clone(),
            catalog.version(),
            profiles.cloned(),
        )
    }
}

/// `just now`, `5 min ago`, `3 h ago`, `2 days ago`.
pub fn age(then: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (now - then).whole_seconds().max(0);
    match secs {
        0..60 => "just now".to_string(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..172_800 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

/// A role row for tests: account `id` named `name` (email `aws-{id}@uoregon.edu`).
#[cfg(test)]
pub(crate) fn test_row(id: &str, name: &str, role: &str) -> Row {
    Row {
        account: Arc::new(Account {
            id: id.into(),
            name: name.into(),
            email: format!("aws-{id}@uoregon.edu"),
        }),
        kind: RowKind::Role(role.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_keeps_the_first_of_each_role_in_order() {
        let v = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(distinct(v(&["b", "a", "b", "c", "a"])), v(&["b", "a", "c"]));
        assert_eq!(distinct(v(&[])), v(&[]));
        let long: Vec<String> = (0..40).map(|i| format!("r{}", i % 20)).collect();
        let want: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
        assert_eq!(distinct(long), want);
    }

    fn account(id: &str, name: &str) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            email: format!("{id}@example.edu"),
        }
    }

    #[test]
    fn a_role_listed_twice_makes_one_row() {
        let mut c = Catalog::default();
        c.apply(CatalogEvent::Accounts(vec![account("111111111111", "a")]));
        c.apply(CatalogEvent::Roles {
            account_id: "111111111111".into(),
            roles: vec!["Admin".into(), "Read".into(), "Admin".into()],
        });
        let roles: Vec<_> = c.rows().iter().filter_map(Row::role).collect();
        assert_eq!(roles, ["Admin", "Read"]);
        assert_eq!(c.prepared().len(), 2);
        let restored = Catalog::restore(
            vec![(
                account("111111111111", "a"),
                Ok(vec!["Read".into(), "Read".into()]),
            )],
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(restored.rows().len(), 1);
    }

    #[test]
    fn rows_stay_in_base_order_as_they_stream_in() {
        let mut c = Catalog::default();
        c.apply(CatalogEvent::Accounts(vec![
            account("222222222222", "beta"),
            account("111111111111", "Alpha"),
            account("333333333333", "alpha"),
        ]));
        c.apply(CatalogEvent::Roles {
            account_id: "222222222222".into(),
            roles: vec!["Z".into(), "A".into()],
        });
        c.apply(CatalogEvent::RolesFailed {
            account_id: "333333333333".into(),
            error: "boom".into(),
        });
        c.apply(CatalogEvent::Roles {
            account_id: "111111111111".into(),
            roles: vec!["ReadOnly".into()],
        });
        let got: Vec<(String, Option<String>)> = c
            .rows()
            .iter()
            .map(|r| (r.account.name.clone(), r.role().map(str::to_string)))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Alpha".to_string(), Some("ReadOnly".to_string())),
                ("alpha".to_string(), None),
                ("beta".to_string(), Some("A".to_string())),
                ("beta".to_string(), Some("Z".to_string())),
            ]
        );
        assert_eq!(c.progress().roles_done, 3);
        assert_eq!(c.progress().failed, 1);

        // A refresh: the failed account now lists, beta is gone.
        c.begin_refresh();
        assert_eq!(c.progress(), Progress::default());
        assert_eq!(c.rows().len(), 4, "rows stay while refreshing");
        c.apply(CatalogEvent::Accounts(vec![
            account("111111111111", "Alpha"),
            account("333333333333", "alpha"),
        ]));
        c.apply(CatalogEvent::Roles {
            account_id: "333333333333".into(),
            roles: vec!["Admin".into()],
        });
        c.apply(CatalogEvent::Roles {
            account_id: "111111111111".into(),
            roles: vec!["ReadOnly".into()],
        });
        assert!(c.apply(CatalogEvent::Complete));
        let got: Vec<(&str, Option<&str>)> = c
            .rows()
            .iter()
            .map(|r| (r.account.name.as_str(), r.role()))
            .collect();
        assert_eq!(
            got,
            vec![("Alpha", Some("ReadOnly")), ("alpha", Some("Admin"))]
        );
        assert_eq!(c.progress().failed, 0);
        assert!(c.account("222222222222").is_none());
    }

    #[test]
    fn diffs_count_roles_and_accounts_and_skip_failed_accounts() {
        let roles = |c: &mut Catalog, id: &str, r: &[&str]| {
            c.apply(CatalogEvent::Roles {
                account_id: id.into(),
                roles: r.iter().map(|s| s.to_string()).collect(),
            });
        };
        let mut c = Catalog::default();
        c.apply(CatalogEvent::Accounts(vec![
            account("1", "a"),
            account("2", "b"),
            account("3", "c"),
        ]));
        roles(&mut c, "1", &["A", "B"]);
        roles(&mut c, "2", &["A"]);
        roles(&mut c, "3", &["A", "B", "C"]);
        c.apply(CatalogEvent::Complete);
        assert_eq!(c.take_diff(), None, "a first listing has no diff");

        c.begin_refresh();
        c.apply(CatalogEvent::Accounts(vec![
            account("1", "a"),
            account("3", "c"),
            account("4", "d"),
        ]));
        roles(&mut c, "1", &["A", "B", "C", "D"]);
        c.apply(CatalogEvent::RolesFailed {
            account_id: "3".into(),
            error: "boom".into(),
        });
        roles(&mut c, "4", &["A"]);
        c.apply(CatalogEvent::Complete);
        let diff = c.take_diff().unwrap();
        // +C +D in 1, +A in 4; −A with account 2; 3 failed: not compared.
        assert_eq!(
            diff.to_string(),
            "+3 roles, −1 role, +1 account, −1 account"
        );
        assert_eq!(c.take_diff(), None);
        assert_eq!(CatalogDiff::default().to_string(), "no changes");
    }

    #[test]
    fn a_restored_catalog_is_complete_sorted_and_marked_cached() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let c = Catalog::restore(
            vec![
                (account("2", "beta"), Ok(vec!["X".into()])),
                (account("1", "Alpha"), Err("boom".into())),
                (account("1", "Alpha"), Ok(vec!["dup".into()])),
            ],
            at,
        );
        let got: Vec<(&str, Option<&str>)> = c
            .rows()
            .iter()
            .map(|r| (r.account.id.as_str(), r.role()))
            .collect();
        assert_eq!(got, vec![("1", None), ("2", Some("X"))]);
        let p = c.progress();
        assert!(p.complete && p.accounts == 2 && p.failed == 1 && p.roles_done == 2);
        assert_eq!(c.cached_at(), Some(at));
        let later = at + time::Duration::hours(3);
        assert_eq!(c.source_note(later).unwrap(), "cached 3 h ago");
        assert_eq!(age(at, at + time::Duration::seconds(59)), "just now");
        assert_eq!(age(at, at + time::Duration::days(3)), "3 days ago");
    }
}
