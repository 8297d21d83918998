//! A bare word that looks like a mistyped subcommand (`uo-aws-tui stauts`)
//! is refused with "did you mean `status`?" instead of opening the picker
//! on fuzzy matches, unless some row of the cached catalog starts with it.
//! Decided from local files only, before any network call.

use clap::CommandFactory as _;

use crate::aws::config::{AwsFile, FileKind};
use crate::aws::sso_session::choose_session;
use crate::catalog::Row;
use crate::env::Environment;
use crate::search::{Searcher, Tier};
use crate::settings::Settings;

/// The optimal-string-alignment distance of `a` and `b` in chars: the
/// fewest insertions, deletions, substitutions and swaps of two
/// neighbouring chars that turn one into the other.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The subcommand `word` is a typo of: within one edit for words of up to
/// four letters, two for longer ones (the closest; `None` for a word that
/// is a subcommand, is not all ASCII letters, or is too far from all).
pub fn closest_subcommand(word: &str) -> Option<String> {
    if word.is_empty() || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let word = word.to_ascii_lowercase();
    let limit = if word.len() <= 4 { 1 } else { 2 };
    let cli = crate::cli::Cli::command();
    let names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    if names.contains(&word) {
        return None;
    }
    names
        .into_iter()
        .map(|n| (edit_distance(&word, &n), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// The refusal for a query of one bare `word` that is a subcommand's typo
/// and that no row of `rows` matches exactly or at the start of a field or
/// word (`name` gives a row's profile name); `None` to go on and pick.
pub fn subcommand_typo(
    query: &[String],
    rows: &[Row],
    name: &dyn Fn(&Row) -> String,
) -> Option<String> {
    let [word] = query else {
        return None;
    };
    let command = closest_subcommand(word)?;
    let row_starts_with_it = Searcher::default()
        .top_tier(word, rows, name)
        .is_some_and(|t| t <= Tier::WordPrefix);
    (!row_starts_with_it).then(|| {
        format!(
            "`{word}` is not a command; did you mean `{command}`? (to search for it, run `uo-aws-tui pick {word}`)"
        )
    })
}

/// [`subcommand_typo`] for the picker's query with the rows of the cached
/// catalog of the session the picker would open (none when there is no
/// usable cache or session): an error with the refusal, else `Ok`.
pub fn refuse(query: &[String], sso_session: Option<&str>) -> anyhow::Result<()> {
    let [word] = query else {
        return Ok(());
    };
    if closest_subcommand(word).is_none() {
        return Ok(());
    }
    let env = Environment::from_process()?;
    let settings = Settings::load(&env.dirs)?;
    let rows = AwsFile::load(&env.paths.config, FileKind::Config)
        .ok()
        .and_then(|config| {
            choose_session(
                &config,
                sso_session.or(settings.sso_session.as_deref()),
                env.aws_profile.as_deref(),
            )
            .ok()
        })
        .and_then(|session| {
            let path = crate::cache::catalog_path(&env.dirs, &session.name);
            match crate::cache::load(&path, &session.name) {
                crate::cache::Loaded::Found(c) => Some((c.to_catalog(), session.name)),
                _ => None,
            }
        });
    let (catalog, session) = rows.unwrap_or_default();
    let template = settings.profile_template;
    let name = |r: &Row| template.row_name(r, &session);
    match subcommand_typo(query, catalog.rows(), &name) {
        Some(message) => Err(anyhow::anyhow!(message)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("stauts", "status"), 1);
        assert_eq!(edit_distance("lsit", "list"), 1);
        assert_eq!(edit_distance("lgoin", "login"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "use"), 3);
    }

    #[test]
    fn typos_of_subcommands() {
        assert_eq!(closest_subcommand("stauts").as_deref(), Some("status"));
        assert_eq!(closest_subcommand("Statsu").as_deref(), Some("status"));
        assert_eq!(closest_subcommand("lsit").as_deref(), Some("list"));
        assert_eq!(closest_subcommand("popluate").as_deref(), Some("populate"));
        assert_eq!(closest_subcommand("status"), None, "a subcommand itself");
        assert_eq!(closest_subcommand("lab"), None);
        assert_eq!(closest_subcommand("lits"), Some("list".into()));
        assert_eq!(
            closest_subcommand("lsti"),
            None,
            "two edits for four letters"
        );
        assert_eq!(closest_subcommand("genomics"), None);
        assert_eq!(closest_subcommand("127027105832"), None);
    }

    #[test]
    fn a_row_starting_with_the_word_wins() {
        let rows = vec![
            crate::catalog::test_row("111111111111", "Stauts Lab", "Admin"),
            crate::catalog::test_row("222222222222", "Physics", "Admin"),
        ];
        let none = |_: &Row| String::new();
        let word = |w: &str| vec![w.to_string()];
        assert_eq!(subcommand_typo(&word("stauts"), &rows, &none), None);
        let refusal = subcommand_typo(&word("lsit"), &rows, &none).unwrap();
        assert!(refusal.contains("did you mean `list`?"), "{refusal}");
        // A fuzzy or substring match does not count.
        assert!(
            subcommand_typo(&word("tauts"), &rows, &none).is_some(),
            "a substring of a row does not count"
        );
        assert!(subcommand_typo(&word("satus"), &rows, &none).is_some());
        assert!(subcommand_typo(&["lsit".into(), "x".into()], &rows, &none).is_none());
    }
}
