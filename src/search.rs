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

/// Query terms: the query split on whitespace.
pub fn terms(query: &str) -> Vec<&str> {
    query.split_whitespace().collect()
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
    /// not match. No terms: `Some(0)`.
    pub fn score(&self, haystack: &str, terms: &[&str]) -> Option<i64> {
        terms.iter().try_fold(0i64, |sum, term| {
            self.matcher.fuzzy_match(haystack, term).map(|s| sum + s)
        })
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
    fn ties_keep_base_order() {
        let rows = vec![
            row("111111111111", "A", "ReadOnly"),
            row("222222222222", "B", "ReadOnly"),
        ];
        assert_eq!(Searcher::default().rank("ReadOnly", &rows), vec![0, 1]);
    }
}
