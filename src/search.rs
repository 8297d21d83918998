//! Ranking picker rows against a query.
//!
//! The query is split on whitespace; every term must match the row's
//! haystack `"account name, account id, role, email"` (fuzzy, smart case); a
//! row's score is the sum of its terms' scores. Rows are returned best first,
//! ties in base order. The matcher (fuzzy-matcher's `SkimMatcherV2`) stays
//! behind this module so it can be swapped.

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

use crate::catalog::{Row, RowKind};

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

/// A reusable ranker.
pub struct Searcher {
    matcher: SkimMatcherV2,
}

impl Default for Searcher {
    fn default() -> Self {
        Searcher {
            matcher: SkimMatcherV2::default().smart_case(),
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
    pub fn account_score(&self, query: &str, account: &crate::catalog::Account) -> Option<i64> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Account;
    use std::sync::Arc;

    fn row(id: &str, name: &str, role: &str) -> Row {
        Row {
            account: Arc::new(Account {
                id: id.into(),
                name: name.into(),
                email: format!("aws-{id}@uoregon.edu"),
            }),
            kind: RowKind::Role(role.into()),
        }
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
}
