//! What the non-interactive commands (`use`, `exec`, `list`, `populate`)
//! share: the session's catalog by the picker's cache rule (the cached
//! catalog while it is fresh, `--refresh`, `--offline`; a listing without a
//! terminal otherwise, stored in the cache), the login check before a
//! handoff, and resolving a query to one row with the picker's ranking.

use anyhow::Context as _;
use time::OffsetDateTime;

use crate::aws::config::AwsFile;
use crate::aws::portal::DEFAULT_CONCURRENCY;
use crate::aws::sso_session::SsoSession;
use crate::cache::{self, CachedCatalog, Plan, Recorder};
use crate::catalog::{profile_name, Catalog, CatalogEvent, ProfileTemplate, Row, RowKind};
use crate::cli::CatalogArgs;
use crate::env::Environment;
use crate::listing::{list_catalog, load_cache, StderrProgress};
use crate::settings::Settings;
use crate::token::{token_for, NeedsLogin, Policy};

/// How many candidates an ambiguous query shows.
pub const CANDIDATES_SHOWN: usize = 10;

/// A session's complete catalog for a script: listed now, or cached.
#[derive(Debug)]
pub struct Listed {
    /// The config file as read before listing.
    pub config: AwsFile,
    pub session: SsoSession,
    pub catalog: Catalog,
    /// When the cached catalog used was fetched; `None` when listed now.
    pub cached_at: Option<OffsetDateTime>,
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

/// What the command does with the catalog's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Show or write rows (`list`, `populate`): a cached catalog needs no
    /// token.
    Rows,
    /// Hand a profile of the session over (`use`, `exec`): the login must
    /// work, as the picker's Enter checks it — refreshed when needed, and
    /// with `--offline` judged from the token file alone
    /// ([`crate::token::check_usable`]: valid, or expired but refreshable).
    Handoff,
}

/// The catalog of the session a script works on: `requested` (else the
/// session of `AWS_PROFILE`, else the only one), by the one cache rule
/// ([`load_cache`]: a fresh cache is used without a network call,
/// `--refresh` lists now, `--offline` never lists). A listing made here is
/// stored in the cache as the picker stores it.
///
/// Errors: the config or session cannot be used; `--offline` without a
/// cached catalog; no usable token for a listing or a handoff
/// ([`NeedsLogin`], with the login command to run); the listing stopped.
pub async fn catalog_for(
    env: &Environment,
    requested: Option<&str>,
    concurrency: usize,
    flags: CatalogArgs,
    purpose: Purpose,
) -> anyhow::Result<Listed> {
    let (config, session) = env.session(requested)?;
    let (cached, plan, note) = load_cache(env, &session, flags.refresh, flags.offline);
    let now = OffsetDateTime::now_utc();
    let from_cache = |config, session, cached: CachedCatalog| Listed {
        config,
        session,
        catalog: cached.to_catalog(),
        cached_at: Some(cached.fetched_at),
    };
    match (plan, cached) {
        (Plan::Offline, Some(cached)) => {
            if purpose == Purpose::Handoff {
                crate::token::check_usable(env, &session, now)?;
            }
            Ok(from_cache(config, session, cached))
        }
        (Plan::Offline, None) => anyhow::bail!(
            "sso-session {}: no cached catalog to use offline{}; run without --offline once",
            session.name,
            note.map(|n| format!(" ({n})")).unwrap_or_default()
        ),
        (Plan::UseCache, Some(cached)) => {
            if purpose == Purpose::Handoff {
                token_for(env, &session, Policy::Usable, now).await?;
            }
            Ok(from_cache(config, session, cached))
        }
        (_, cached) => {
            if let Some(note) = note {
                crate::output::note(format!("uo-aws-tui: {note}"));
            }
            let catalog = list_now(env, &session, concurrency, cached.as_ref()).await?;
            Ok(Listed {
                config,
                session,
                catalog,
                cached_at: None,
            })
        }
    }
}

/// Makes sure the token of `session` is usable (refreshing it when needed),
/// lists every account and role, and stores the complete listing in the
/// cache (`previous`: the roles kept for accounts that fail this time).
async fn list_now(
    env: &Environment,
    session: &SsoSession,
    concurrency: usize,
    previous: Option<&CachedCatalog>,
) -> anyhow::Result<Catalog> {
    let now = OffsetDateTime::now_utc();
    let token = token_for(env, session, Policy::Usable, now).await?;
    let mut progress = StderrProgress::new();
    let (events, catalog) =
        list_catalog(env, session, &token, concurrency, |c| progress.show(c)).await;
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
            return Err(NeedsLogin::rejected(session, fatal).into());
        }
        anyhow::bail!("sso-session {}: {fatal}", session.name);
    }
    if !catalog.progress().complete {
        anyhow::bail!(
            "sso-session {}: the listing ended before it was complete",
            session.name
        );
    }
    let path = cache::catalog_path(&env.dirs, &session.name);
    let mut recorder = Recorder::new(path, &session.name, previous);
    for event in &events {
        if let Some(Err(e)) = recorder.record(event) {
            crate::output::warn(format!("the catalog cache was not stored: {e}"));
        }
    }
    Ok(catalog)
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

/// [`catalog_for`] with the settings' default session (when `requested`
/// is `None`) and concurrency.
pub async fn list_with_settings(
    env: &Environment,
    settings: &Settings,
    requested: Option<&str>,
    flags: CatalogArgs,
    purpose: Purpose,
) -> anyhow::Result<Listed> {
    catalog_for(
        env,
        requested.or(settings.sso_session.as_deref()),
        settings.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        flags,
        purpose,
    )
    .await
}

/// The catalog for `use` and `exec`, which hand over the profile `query`
/// selects: [`list_with_settings`] for a [`Purpose::Handoff`], and a cached
/// catalog in which nothing matches `query` is listed again (unless
/// `--offline`), since an account or role may be newer than the cache.
///
/// Errors: as [`catalog_for`].
pub async fn catalog_for_handoff(
    env: &Environment,
    settings: &Settings,
    requested: Option<&str>,
    flags: CatalogArgs,
    query: &str,
) -> anyhow::Result<Listed> {
    let purpose = Purpose::Handoff;
    let listed = list_with_settings(env, settings, requested, flags, purpose).await?;
    if listed.cached_at.is_none() || flags.offline {
        return Ok(listed);
    }
    let found = {
        let name = namer(&settings.profile_template, &listed.session.name);
        resolve(query, listed.catalog.rows(), &name) != Resolution::Nothing
    };
    if found {
        return Ok(listed);
    }
    let refresh = CatalogArgs {
        refresh: true,
        offline: false,
    };
    list_with_settings(env, settings, Some(&listed.session.name), refresh, purpose).await
}

/// The cache flags of a run that may remove profiles (`populate
/// --prune`): removing what the portal no longer lists needs a listing made
/// now, so `prune` forces `--refresh`.
///
/// Errors: `prune` with `--offline`.
pub fn pruning(flags: CatalogArgs, prune: bool) -> anyhow::Result<CatalogArgs> {
    if prune && flags.offline {
        anyhow::bail!("--prune lists the portal first; it cannot run with --offline");
    }
    Ok(CatalogArgs {
        refresh: flags.refresh || prune,
        offline: flags.offline,
    })
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
