//! What the non-interactive commands (`use`, `exec`, `list`, `populate`)
//! share: the whole catalog listed without a terminal, and resolving a
//! query to one row with the picker's ranking.

use anyhow::Context as _;

use crate::aws::config::AwsFile;
use crate::aws::portal::DEFAULT_CONCURRENCY;
use crate::aws::sso_session::SsoSession;
use crate::aws::token_cache::CachedToken;
use crate::catalog::{profile_name, Catalog, CatalogEvent, ProfileTemplate, Row, RowKind};
use crate::env::Environment;
use crate::listing::{list_catalog, StderrProgress};
use crate::settings::Settings;
use crate::token::{token_for, NeedsLogin, Policy};

/// How many candidates an ambiguous query shows.
pub const CANDIDATES_SHOWN: usize = 10;

/// A session's complete catalog, listed for a script.
#[derive(Debug)]
pub struct Listed {
    /// The config file as read before listing.
    pub config: AwsFile,
    pub session: SsoSession,
    pub token: CachedToken,
    pub catalog: Catalog,
}

impl Listed {
    /// Rows whose roles could not be listed (one per failed account).
    pub fn failed(&self) -> impl Iterator<Item = &Row> {
        self.catalog
            .rows()
            .iter()
            .filter(|r| matches!(r.kind, RowKind::Failed(_)))
    }

    /// One warning line per account whose roles could not be listed.
    pub fn warnings(&self) -> Vec<String> {
        self.failed()
            .map(|r| {
                let why = match &r.kind {
                    RowKind::Failed(e) => e.as_str(),
                    RowKind::Role(_) => "",
                };
                format!(
                    "the roles of account {} ({}) could not be listed: {why}",
                    r.account.id, r.account.name
                )
            })
            .collect()
    }
}

/// Reads the config, chooses the session (`requested`, else the session of
/// `AWS_PROFILE`, else the only one), makes sure its token is usable
/// (refreshing it when needed) and lists every account and role.
///
/// Errors: the config or session cannot be used; no usable token (with the
/// login command to run); the listing stopped (with the portal's error).
pub async fn list_session(
    env: &Environment,
    requested: Option<&str>,
    concurrency: usize,
) -> anyhow::Result<Listed> {
    let (config, session) = env.session(requested)?;
    let now = time::OffsetDateTime::now_utc();
    let token = token_for(env, &session, Policy::Usable, now).await?;
    let mut progress = StderrProgress::new();
    let (events, catalog) =
        list_catalog(env, &session, &token, concurrency, |c| progress.show(c)).await;
    drop(progress);
    if let Some(fatal) = catalog.fatal() {
        let unauthorized = events.iter().any(|e| {
            matches!(
                e,
                CatalogEvent::Fatal {
                    unauthorized: true,
                    ..
                }
            )
        });
        if unauthorized {
            return Err(NeedsLogin::rejected(&session, fatal).into());
        }
        anyhow::bail!("sso-session {}: {fatal}", session.name);
    }
    if !catalog.progress().complete {
        anyhow::bail!(
            "sso-session {}: the listing ended before it was complete",
            session.name
        );
    }
    Ok(Listed {
        config,
        session,
        token,
        catalog,
    })
}

/// What a query selects.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolution<'a> {
    /// The query is a row's profile name, or exactly one row matches.
    One(&'a Row),
    /// Several rows match; the best [`CANDIDATES_SHOWN`], best first, and
    /// how many matched in all.
    Ambiguous(Vec<&'a Row>, usize),
    /// Nothing matches.
    Nothing,
}

/// Resolves `query` against `rows` (base order) by the strict rule of
/// scripts ([`crate::search::Searcher::resolve`]): a row is chosen only when
/// it is the one row in the best tier present and that tier is above fuzzy
/// (a row's exact profile name is the top tier). An account whose roles
/// failed and that matches makes the query ambiguous (its roles might match
/// too). `name` gives a row's profile name.
pub fn resolve<'a>(query: &str, rows: &'a [Row], name: impl Fn(&Row) -> String) -> Resolution<'a> {
    match crate::search::Searcher::default().resolve(query, rows, &name) {
        crate::search::Resolution::None => Resolution::Nothing,
        crate::search::Resolution::One(i) => Resolution::One(&rows[i]),
        crate::search::Resolution::Ambiguous(ranked) => Resolution::Ambiguous(
            ranked
                .iter()
                .take(CANDIDATES_SHOWN)
                .map(|&i| &rows[i])
                .collect(),
            ranked.len(),
        ),
    }
}

/// The settings the scripting commands use (settings.ini of `env`).
pub fn settings(env: &Environment) -> anyhow::Result<Settings> {
    Ok(Settings::load(&env.dirs)?)
}

/// [`list_session`] with the settings' default session (when `requested`
/// is `None`) and concurrency.
pub async fn list_with_settings(
    env: &Environment,
    settings: &Settings,
    requested: Option<&str>,
) -> anyhow::Result<Listed> {
    list_session(
        env,
        requested.or(settings.sso_session.as_deref()),
        settings.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
    )
    .await
}

/// A row's profile name under `template` in `session`.
pub fn namer<'a>(template: &'a ProfileTemplate, session: &'a str) -> impl Fn(&Row) -> String + 'a {
    move |row| template.row_name(row, session)
}

/// The default name of a row (the built-in template), for [`resolve`].
pub fn default_name(row: &Row) -> String {
    match &row.kind {
        RowKind::Role(role) => profile_name(&row.account.id, role),
        RowKind::Failed(_) => String::new(),
    }
}

/// The message for a query that did not select one row: what matched (or
/// that nothing did), for stderr.
pub fn refusal(
    query: &str,
    session: &str,
    resolution: &Resolution<'_>,
    name: impl Fn(&Row) -> String,
) -> String {
    match resolution {
        Resolution::One(_) => String::new(),
        Resolution::Nothing => {
            format!("nothing in sso-session {session} matches {query:?}")
        }
        Resolution::Ambiguous(top, total) => {
            let mut out = format!(
                "{total} rows of sso-session {session} match {query:?}; add terms or give a profile name:"
            );
            for row in top {
                let account = crate::ui::text::sanitize(&row.account.name);
                let line = match &row.kind {
                    RowKind::Role(role) => format!(
                        "  {}  {account} ({})  {}",
                        name(row),
                        row.account.id,
                        crate::ui::text::sanitize(role)
                    ),
                    RowKind::Failed(e) => format!(
                        "  (roles not listed)  {account} ({})  {}",
                        row.account.id,
                        crate::ui::text::sanitize(e)
                    ),
                };
                out.push('\n');
                out.push_str(&line);
            }
            if *total > top.len() {
                out.push_str(&format!("\n  … and {} more", total - top.len()));
            }
            out
        }
    }
}

/// `query` terms joined with spaces; errors when empty.
pub fn join_query(terms: &[String]) -> anyhow::Result<String> {
    let query = terms.join(" ");
    (!query.trim().is_empty())
        .then_some(query)
        .context("give a profile name or a query")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, name: &str, role: &str) -> Row {
        crate::catalog::test_row(id, name, role)
    }

    #[test]
    fn exact_names_then_unique_matches() {
        let rows = vec![
            row("111111111111", "Genomics", "Admin"),
            row("111111111111", "Genomics", "AdminRead"),
            row("222222222222", "Library", "ReadOnly"),
        ];
        assert_eq!(
            resolve("111111111111_Admin", &rows, default_name),
            Resolution::One(&rows[0])
        );
        assert_eq!(
            resolve("library", &rows, default_name),
            Resolution::One(&rows[2])
        );
        assert_eq!(
            resolve("genomics adm", &rows, default_name),
            Resolution::Ambiguous(vec![&rows[0], &rows[1]], 2)
        );
        assert_eq!(resolve("zzz", &rows, default_name), Resolution::Nothing);
        let failed = Row {
            kind: RowKind::Failed("AccessDenied".into()),
            ..row("333333333333", "Physics", "")
        };
        let rows = vec![failed];
        assert!(matches!(
            resolve("physics", &rows, default_name),
            Resolution::Ambiguous(_, 1)
        ));
    }
}
