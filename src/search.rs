//! Ranking picker rows against a query.
//!
//! The query is split on whitespace; every term must match the row's
//! haystack `"account name, account id, role, email"` (fuzzy, smart case); a
//! row's score is the sum of its terms' scores. Rows are returned best first,
//! ties in base order. The matcher (fuzzy-matcher's `SkimMatcherV2`) stays
//! behind this module so it can be swapped.
//!
//! Staying fast on large catalogs: each row's haystack is [`Prepared`] once
//! (the [`Catalog`](crate::catalog::Catalog) keeps them beside its rows), with
//! a bit set of the ASCII letters it holds; a row missing any ASCII character
//! of the query is skipped before the matcher runs. When the query grows
//! (the new one starts with the old) only the previous matches are scored
//! again. [`FilterTask`] ranks on a thread of its own, numbering every
//! request so a stale answer is dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

use crate::row::{Account, Row, RowKind};

/// The text a row is matched against: `"{name} {id} {role} {email}"` (a failed
/// row has no role part).
pub fn haystack(row: &Row) -> String {
    let a = &row.account;
    match &row.kind {
        RowKind::Role(role) => format!("{} {} {} {}", a.name, a.id, role, a.email),
        RowKind::Failed(_) => format!("{} {} {}", a.name, a.id, a.email),
    }
}

/// `s` with non-ASCII letters lower-cased one char for one char (so char
/// indices stay valid); ASCII is left to the matcher, which folds it itself
/// and scores camel-case boundaries from it.
fn fold_non_ascii(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                return c;
            }
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        })
        .collect()
}

/// A row's haystack prepared for matching: the text, its non-ASCII letters
/// folded to lower case (when it has any), and the ASCII characters it holds
/// (lower-cased) as a bit set. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    hay: Arc<str>,
    folded: Option<Arc<str>>,
    ascii: u128,
}

impl Prepared {
    pub fn new(row: &Row) -> Prepared {
        Prepared::from_haystack(haystack(row))
    }

    pub fn from_haystack(hay: String) -> Prepared {
        let folded = (!hay.is_ascii()).then(|| fold_non_ascii(&hay));
        let mut ascii = ascii_set(&hay);
        if let Some(f) = &folded {
            ascii |= ascii_set(f);
        }
        Prepared {
            hay: hay.into(),
            folded: folded.map(Into::into),
            ascii,
        }
    }

    /// The haystack text.
    pub fn text(&self) -> &str {
        &self.hay
    }
}

/// The lower-cased ASCII characters of `s` as a bit set.
fn ascii_set(s: &str) -> u128 {
    s.bytes()
        .filter(u8::is_ascii)
        .fold(0u128, |set, b| set | 1u128 << b.to_ascii_lowercase())
}

/// Query terms: the query split on whitespace.
pub fn terms(query: &str) -> Vec<&str> {
    query.split_whitespace().collect()
}

/// Matched characters of one row, as sorted char indices into each field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlights {
    pub name: Vec<usize>,
    pub id: Vec<usize>,
    pub role: Vec<usize>,
    pub email: Vec<usize>,
}

/// A reusable ranker; remembers its last answer for incremental ranking.
pub struct Searcher {
    matcher: SkimMatcherV2,
    last: Option<LastRank>,
}

/// The last answer of [`Searcher::rank_prepared`].
struct LastRank {
    query: String,
    version: u64,
    matches: Vec<usize>,
}

impl Default for Searcher {
    fn default() -> Self {
        Searcher {
            matcher: SkimMatcherV2::default().smart_case(),
            last: None,
        }
    }
}

impl std::fmt::Debug for Searcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Searcher")
    }
}

impl Searcher {
    /// The summed score of `terms` in `haystack`, or `None` when any term does
    /// not match. No terms: `Some(0)`. Smart case: a term with an upper-case
    /// letter matches case-sensitively, otherwise case is ignored (also for
    /// non-ASCII letters: `ñandú` matches `Ñandú`).
    pub fn score(&self, haystack: &str, terms: &[&str]) -> Option<i64> {
        let mut folded: Option<String> = None;
        terms.iter().try_fold(0i64, |sum, term| {
            let hay = self.haystack_for(haystack, term, &mut folded);
            self.matcher.fuzzy_match(hay, term).map(|s| sum + s)
        })
    }

    /// The haystack a term is matched against: as is for a term with an
    /// upper-case letter, else with non-ASCII letters folded (computed once).
    fn haystack_for<'a>(
        &self,
        haystack: &'a str,
        term: &str,
        folded: &'a mut Option<String>,
    ) -> &'a str {
        if term.chars().any(char::is_uppercase) || haystack.is_ascii() {
            haystack
        } else {
            folded.get_or_insert_with(|| fold_non_ascii(haystack))
        }
    }

    /// The summed score of `terms` against a prepared haystack whose ASCII
    /// characters include `need` (the query's); `None` when any term fails.
    fn score_prepared(&self, p: &Prepared, terms: &[&str], need: u128) -> Option<i64> {
        if need & !p.ascii != 0 {
            return None;
        }
        terms.iter().try_fold(0i64, |sum, term| {
            let hay = match &p.folded {
                Some(folded) if !term.chars().any(char::is_uppercase) => folded,
                _ => &p.hay,
            };
            self.matcher.fuzzy_match(hay, term).map(|s| sum + s)
        })
    }

    /// Indices into `prepared` of the rows matching `query`, best first, ties
    /// in index (base) order; only `candidates` are looked at when given.
    /// `Err(())` when `cancelled` turned true on the way.
    fn rank_among(
        &self,
        query: &str,
        prepared: &[Prepared],
        candidates: Option<&[usize]>,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Vec<usize>, ()> {
        let terms = terms(query);
        if terms.is_empty() {
            return Ok((0..prepared.len()).collect());
        }
        let need = terms.iter().fold(0u128, |set, t| set | ascii_set(t));
        let mut scored: Vec<(i64, usize)> = Vec::new();
        let mut score = |i: usize| -> Result<(), ()> {
            if i.is_multiple_of(1024) && cancelled() {
                return Err(());
            }
            if let Some(s) = prepared
                .get(i)
                .and_then(|p| self.score_prepared(p, &terms, need))
            {
                scored.push((s, i));
            }
            Ok(())
        };
        match candidates {
            Some(c) => c.iter().try_for_each(|&i| score(i))?,
            None => (0..prepared.len()).try_for_each(score)?,
        }
        scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(scored.into_iter().map(|(_, i)| i).collect())
    }

    /// Like [`Searcher::rank`] over prepared haystacks, remembering the
    /// answer: when the next query starts with this one and the rows are
    /// the same `version`, only this answer's rows are scored again.
    pub fn rank_prepared(
        &mut self,
        query: &str,
        prepared: &[Prepared],
        version: u64,
    ) -> Vec<usize> {
        self.rank_cancellable(query, prepared, version, &|| false)
            .unwrap_or_default()
    }

    fn rank_cancellable(
        &mut self,
        query: &str,
        prepared: &[Prepared],
        version: u64,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Vec<usize>, ()> {
        let last = self.last.take();
        let candidates = last
            .as_ref()
            .filter(|l| {
                l.version == version
                    && !terms(&l.query).is_empty()
                    && query.starts_with(l.query.as_str())
            })
            .map(|l| l.matches.as_slice());
        let matches = self.rank_among(query, prepared, candidates, cancelled)?;
        if !terms(query).is_empty() {
            self.last = Some(LastRank {
                query: query.to_string(),
                version,
                matches: matches.clone(),
            });
        }
        Ok(matches)
    }

    /// Which characters of `row`'s fields the terms of `query` matched, as
    /// char indices (not byte offsets) into each field. Meant for the rows on
    /// screen only.
    pub fn highlights(&self, query: &str, row: &Row) -> Highlights {
        let mut out = Highlights::default();
        let terms = terms(query);
        if terms.is_empty() {
            return out;
        }
        let a = &row.account;
        let role = row.role().unwrap_or("");
        let hay = haystack(row);
        // Char ranges of the fields inside the haystack (see `haystack`).
        let name_end = a.name.chars().count();
        let id_start = name_end + 1;
        let id_end = id_start + a.id.chars().count();
        let (role_start, role_end) = match row.kind {
            RowKind::Role(_) => (id_end + 1, id_end + 1 + role.chars().count()),
            RowKind::Failed(_) => (id_end, id_end),
        };
        let email_start = role_end + 1;
        let mut folded = None;
        for term in terms {
            let matched = self.haystack_for(&hay, term, &mut folded);
            let Some((_, indices)) = self.matcher.fuzzy_indices(matched, term) else {
                continue;
            };
            for i in indices {
                let (field, start) = if i < name_end {
                    (&mut out.name, 0)
                } else if (id_start..id_end).contains(&i) {
                    (&mut out.id, id_start)
                } else if (role_start..role_end).contains(&i) {
                    (&mut out.role, role_start)
                } else if i >= email_start {
                    (&mut out.email, email_start)
                } else {
                    continue; // a separating space
                };
                field.push(i - start);
            }
        }
        for field in [&mut out.name, &mut out.id, &mut out.role, &mut out.email] {
            field.sort_unstable();
            field.dedup();
        }
        out
    }

    /// How well `account` (name, id, email) matches `query` while its roles
    /// are unknown: the summed score of the terms that match, `None` when no
    /// term does (the others may name a role). Used to fetch likely matches
    /// first.
    pub fn account_score(&self, query: &str, account: &Account) -> Option<i64> {
        let hay = format!("{} {} {}", account.name, account.id, account.email);
        let mut folded = None;
        let mut any = false;
        let mut sum = 0;
        for term in terms(query) {
            let h = self.haystack_for(&hay, term, &mut folded);
            if let Some(s) = self.matcher.fuzzy_match(h, term) {
                any = true;
                sum += s;
            }
        }
        any.then_some(sum)
    }

    /// Indices into `rows` (which are in base order) of the rows matching
    /// `query`, best first; equal scores keep base order. An empty query
    /// returns every row in base order.
    pub fn rank(&self, query: &str, rows: &[Row]) -> Vec<usize> {
        let terms = terms(query);
        if terms.is_empty() {
            return (0..rows.len()).collect();
        }
        let mut scored: Vec<(i64, usize)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| self.score(&haystack(row), &terms).map(|s| (s, i)))
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, i)| i).collect()
    }
}

/// One answer of a [`FilterTask`]: the matches of `query` among the rows of
/// catalog `version`, for request `generation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered {
    pub generation: u64,
    pub query: String,
    pub version: u64,
    /// Indices into the rows, best first.
    pub matches: Vec<usize>,
}

struct FilterJob {
    generation: u64,
    query: String,
    version: u64,
    prepared: Arc<Vec<Prepared>>,
}

/// Ranking off the draw path: a thread that ranks the latest request and
/// hands each answer to `deliver` (e.g. a channel's send). Every request gets
/// a generation number; a request overtaken by a newer one is skipped or
/// abandoned midway, and [`FilterTask::accept`] drops an answer that is not
/// the newest. The thread ends when the task is dropped.
pub struct FilterTask {
    jobs: std::sync::mpsc::Sender<FilterJob>,
    latest: Arc<AtomicU64>,
}

impl std::fmt::Debug for FilterTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilterTask")
            .field("latest", &self.latest.load(Ordering::Relaxed))
            .finish()
    }
}

impl FilterTask {
    pub fn spawn(deliver: impl Fn(Filtered) + Send + 'static) -> FilterTask {
        let (jobs, queue) = std::sync::mpsc::channel::<FilterJob>();
        let latest = Arc::new(AtomicU64::new(0));
        let newest = latest.clone();
        std::thread::Builder::new()
            .name("filter".into())
            .spawn(move || {
                let mut searcher = Searcher::default();
                while let Ok(mut job) = queue.recv() {
                    // Only the newest waiting request matters.
                    while let Ok(next) = queue.try_recv() {
                        job = next;
                    }
                    let stale = || newest.load(Ordering::Relaxed) != job.generation;
                    if stale() {
                        continue;
                    }
                    if let Ok(matches) =
                        searcher.rank_cancellable(&job.query, &job.prepared, job.version, &stale)
                    {
                        deliver(Filtered {
                            generation: job.generation,
                            query: job.query,
                            version: job.version,
                            matches,
                        });
                    }
                }
            })
            .expect("the filter thread starts");
        FilterTask { jobs, latest }
    }

    /// [`FilterTask::submit`] with the haystacks and their version given.
    pub fn submit_prepared(&self, query: &str, prepared: Arc<Vec<Prepared>>, version: u64) -> u64 {
        let generation = self.latest.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.jobs.send(FilterJob {
            generation,
            query: query.to_string(),
            version,
            prepared,
        });
        generation
    }

    /// The answer, if it is for the newest request; `None` for a stale one.
    pub fn accept(&self, answer: Filtered) -> Option<Filtered> {
        (answer.generation == self.latest.load(Ordering::SeqCst)).then_some(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Account;
    use std::sync::Arc;

    fn row(id: &str, name: &str, role: &str) -> Row {
        crate::catalog::test_row(id, name, role)
    }

    #[test]
    fn every_term_must_match() {
        let rows = vec![
            row("111111111111", "Genomics Lab", "AWSAdministratorAccess"),
            row("111111111111", "Genomics Lab", "AWSReadOnlyAccess"),
            row("222222222222", "Library", "AWSAdministratorAccess"),
        ];
        let s = Searcher::default();
        assert_eq!(s.rank("genomics admin", &rows), vec![0]);
        assert_eq!(s.rank("2222 admin", &rows), vec![2]);
        assert_eq!(s.rank("", &rows), vec![0, 1, 2]);
        assert!(s.rank("zzzz", &rows).is_empty());
    }

    #[test]
    fn highlights_are_char_indices_into_each_field() {
        let s = Searcher::default();
        let mut r = row("123456789012", "Física Ñandú 東京", "Lab.Admin");
        r.account = Arc::new(Account {
            email: "fisica@uoregon.edu".into(),
            ..(*r.account).clone()
        });
        let h = s.highlights("ñandú 東京 lab", &r);
        // "Física " is 7 chars (7 bytes + 1 for í): Ñandú starts at char 7.
        assert_eq!(h.name, vec![7, 8, 9, 10, 11, 13, 14]);
        assert_eq!(h.role, vec![0, 1, 2]);
        assert!(h.id.is_empty());
        let h = s.highlights("í 9012", &r);
        assert_eq!(h.name, vec![1], "the í of Física is its second char");
        assert_eq!(h.id, vec![8, 9, 10, 11]);
        assert_eq!(s.highlights("", &r), Highlights::default());
        // Smart case across scripts: lower-case matches any case, upper-case only itself.
        let rows = vec![r.clone()];
        assert_eq!(s.rank("ñandú", &rows), vec![0]);
        assert_eq!(s.rank("ÑANDÚ", &rows), Vec::<usize>::new());
        assert_eq!(s.rank("Ñandú", &rows), vec![0]);
    }

    #[test]
    fn ties_keep_base_order() {
        let rows = vec![
            row("111111111111", "A", "ReadOnly"),
            row("222222222222", "B", "ReadOnly"),
        ];
        assert_eq!(Searcher::default().rank("ReadOnly", &rows), vec![0, 1]);
    }

    /// Rows of a generated organisation of `n` accounts (1–3 roles each).
    fn org_rows(n: usize) -> Vec<Row> {
        let org = crate::sim::Org::with_accounts(n);
        let mut rows: Vec<Row> = org
            .accounts
            .iter()
            .flat_map(|a| {
                let account = Arc::new(Account {
                    id: a.account_id.clone(),
                    name: a.account_name.clone(),
                    email: a.email_address.clone(),
                });
                a.roles.iter().map(move |r| Row {
                    account: account.clone(),
                    kind: RowKind::Role(r.clone()),
                })
            })
            .collect();
        rows.sort_by(Row::base_cmp);
        rows
    }

    #[test]
    fn the_prefilter_and_incremental_ranking_agree_with_a_full_rank() {
        let rows = org_rows(400);
        let prepared: Vec<Prepared> = rows.iter().map(Prepared::new).collect();
        let full = Searcher::default();
        let mut incremental = Searcher::default();
        // A fixed pseudo-random sequence of keystrokes: characters from row
        // haystacks and a few others, spaces, upper case, backspaces.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let extra: Vec<char> = "xqz ÑñíE=,.@-0123".chars().collect();
        let mut query = String::new();
        let mut checked = 0;
        for _ in 0..600 {
            match next(10) {
                0 => {
                    query.pop();
                }
                1 => query.clear(),
                2 => query.push(extra[next(extra.len())]),
                _ => {
                    let hay = prepared[next(prepared.len())].text();
                    let chars: Vec<char> = hay.chars().collect();
                    query.push(chars[next(chars.len())]);
                }
            }
            let want = full.rank(&query, &rows);
            let got = incremental.rank_prepared(&query, &prepared, 1);
            assert_eq!(got, want, "query {query:?}");
            checked += usize::from(!want.is_empty() && !query.trim().is_empty());
        }
        assert!(checked > 100, "enough queries matched something: {checked}");
    }

    #[test]
    fn new_rows_invalidate_the_remembered_answer() {
        let mut s = Searcher::default();
        let rows = [row("111111111111", "Genomics", "Admin")];
        let prepared: Vec<Prepared> = rows.iter().map(Prepared::new).collect();
        assert_eq!(s.rank_prepared("gen", &prepared, 1), vec![0]);
        let rows = [
            row("111111111111", "Genomics", "Admin"),
            row("222222222222", "Genetics", "Admin"),
        ];
        let prepared: Vec<Prepared> = rows.iter().map(Prepared::new).collect();
        assert_eq!(s.rank_prepared("gene", &prepared, 2).len(), 2);
    }

    #[test]
    fn the_filter_task_drops_stale_answers() {
        let rows = org_rows(300);
        let mut by_account: Vec<(Account, Result<Vec<String>, String>)> = Vec::new();
        for r in &rows {
            match by_account.last_mut() {
                Some((a, Ok(roles))) if a.id == r.account.id => {
                    roles.push(r.role().unwrap().to_string())
                }
                _ => by_account.push((
                    (*r.account).clone(),
                    Ok(vec![r.role().unwrap().to_string()]),
                )),
            }
        }
        let catalog =
            crate::catalog::Catalog::restore(by_account, time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(catalog.rows().len(), rows.len());
        let (tx, rx) = std::sync::mpsc::channel();
        let task = FilterTask::spawn(move |f| {
            let _ = tx.send(f);
        });
        let wait = || rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        let first = task.submit("research", &catalog);
        let answer = wait();
        assert_eq!(answer.generation, first);
        let second = task.submit("research admin", &catalog);
        assert!(second > first);
        assert_eq!(task.accept(answer), None, "overtaken by a newer request");
        let answer = loop {
            let a = wait();
            if a.generation == second {
                break a;
            }
        };
        let accepted = task.accept(answer).expect("the newest answer");
        let want = Searcher::default().rank("research admin", catalog.rows());
        assert!(!want.is_empty());
        assert_eq!(accepted.matches, want);
        assert_eq!(accepted.version, catalog.version());

        // A burst: only the last request's answer is accepted.
        let mut last = 0;
        for q in ["l", "la", "lab", "lab.", "lab.a", "lab.ad"] {
            last = task.submit(q, &catalog);
        }
        let answer = loop {
            let a = wait();
            if let Some(a) = task.accept(a) {
                break a;
            }
        };
        assert_eq!(answer.generation, last);
        assert_eq!(answer.query, "lab.ad");
    }
}
