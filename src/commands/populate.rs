//! `uo-aws-tui populate [--dry-run] [--prune] [QUERY…]`: a native profile
//! for every (or every matching) account and role, in one locked, atomic,
//! backed-up edit of the config file.
//!
//! * Profiles that already exist are left exactly as they are (populate only
//!   adds), so a run with nothing new leaves the file byte-identical.
//! * New sections carry the ownership marker [`OWNER_KEY`](crate::profile::OWNER_KEY); `--prune`
//!   removes only sections with that marker, of this sso-session, whose
//!   account or role the complete listing no longer has. An account whose
//!   roles could not be listed keeps its profiles.
//! * A row whose profile cannot be written (a role name or account id with a
//!   line break, a control character, ` #`…: whatever the config editor
//!   refuses) is skipped with a warning naming it, escaped; the other rows
//!   are written, and the run exits 2 ([`SKIPPED_EXIT`]) so scripts see that
//!   profiles are missing. Skipped rows take no part in name collisions.
//! * Two writable rows that map to one profile name stop the run before
//!   anything is written, naming both rows (the template needs changing).
//! * `--dry-run` prints a unified diff (made with the `similar` crate) of
//!   what would change and writes nothing.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::aws::config::{read_text, AwsFile, ConfigError, FileKind, SectionName};
use crate::aws::config_edit::{remove_section, upsert_section};
use crate::aws::config_write::ConfigWriter;
use crate::aws::sso_session::SsoSession;
use crate::catalog::{Row, RowKind};
use crate::cli::PopulateArgs;
use crate::companion::{self, Companion};
use crate::env::Environment;
use crate::exit::Exit;
use crate::listing;
use crate::profile::{self, profile_keys, region_for, Assignment, RegionDefaults};
use crate::scripting::{list_with_settings, namer, settings, Purpose};

/// What an edit did (or, for a dry run, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Profiles added, in the order they were appended.
    pub added: Vec<String>,
    /// Profiles of selected rows that already existed (left alone).
    pub present: Vec<String>,
    /// Existing profiles with a selected row's name that point at another
    /// account or role (left alone), with what they point at.
    pub foreign: Vec<(String, String)>,
    /// Our stale profiles removed by `--prune`.
    pub removed: Vec<String>,
}

/// The exit status of a run that skipped rows it cannot write (the others
/// were written): 2, the status of an error, since profiles a script may
/// expect are missing; not 1, which means a query matched nothing.
pub const SKIPPED_EXIT: u8 = 2;

/// A selected row whose profile cannot be written, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub account_id: String,
    pub account_name: String,
    pub role: String,
    /// The config editor's reason.
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    /// `account ID (NAME) role ROLE: REASON`, control characters escaped.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::ui::text::sanitize;
        write!(
            f,
            "account {} ({}) role {}: {}",
            sanitize(&self.account_id),
            sanitize(&self.account_name),
            sanitize(&self.role),
            sanitize(&self.reason)
        )
    }
}

/// Why the profile of role row `row` cannot be written, if it cannot: its
/// section is tried on an empty file, so the rule is the config editor's own
/// (line breaks, control characters, surrounding whitespace, ` #`/` ;` in a
/// value). `None` for a writable row and for a failed row.
pub fn unwritable(
    row: &Row,
    session: &SsoSession,
    region: &str,
    name: &impl Fn(&Row) -> String,
) -> Option<Skipped> {
    let role = row.role()?;
    let choice = profile::choice(session, region, row, name(row))?;
    let err = upsert_section(
        Path::new("config"),
        FileKind::Config,
        "",
        &SectionName::Profile(choice.profile.clone()),
        &profile_keys(&choice, true),
    )
    .err()?;
    let reason = match err {
        ConfigError::Invalid { message, .. } => message,
        other => other.to_string(),
    };
    Some(Skipped {
        account_id: row.account.id.clone(),
        account_name: row.account.name.clone(),
        role: role.to_string(),
        reason,
    })
}

/// Two or more rows that map to one profile name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    pub profile: String,
    /// `(account id, account name, role)` of each row.
    pub rows: Vec<(String, String, String)>,
}

impl std::fmt::Display for Collision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|(id, name, role)| {
                format!(
                    "account {id} ({}) role {}",
                    crate::ui::text::sanitize(name),
                    crate::ui::text::sanitize(role)
                )
            })
            .collect();
        write!(
            f,
            "profile name {} is shared by {}",
            self.profile,
            rows.join(" and ")
        )
    }
}

/// The profile names of `selected` that more than one role row of `all`
/// maps to (`name` gives a row's profile name), each with every such row.
pub fn collisions(
    selected: &[&Row],
    all: &[Row],
    name: &impl Fn(&Row) -> String,
) -> Vec<Collision> {
    let wanted: HashSet<String> = selected.iter().map(|r| name(r)).collect();
    let mut by_name: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for row in all.iter().filter(|r| r.role().is_some()) {
        let n = name(row);
        if wanted.contains(&n) {
            by_name.entry(n).or_default().push(row);
        }
    }
    by_name
        .into_iter()
        .filter(|(_, rows)| rows.len() > 1)
        .map(|(profile, rows)| Collision {
            profile,
            rows: rows
                .iter()
                .map(|r| {
                    (
                        r.account.id.clone(),
                        r.account.name.clone(),
                        r.role().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
        })
        .collect()
}

/// What [`edit`] works from.
pub struct Request<'a> {
    pub session: &'a SsoSession,
    /// Where new profiles get their region from ([`region_for`], with no
    /// existing section).
    pub regions: &'a RegionDefaults,
    /// The rows to have profiles for (role rows, in the order to append).
    pub selected: &'a [&'a Row],
    /// Every row of the complete listing (for `--prune`).
    pub all: &'a [Row],
    pub prune: bool,
    /// With `--companion`: a companion profile beside each profile.
    pub companion: Option<Companion<'a>>,
}

/// Adds the companion of `profile` (in `region`) to `out` unless a profile
/// of that name exists in `current`; its name goes to `plan.added`.
fn add_companion(
    path: &Path,
    current: &AwsFile,
    out: &mut String,
    plan: &mut Plan,
    companion: &Companion<'_>,
    profile: &str,
    region: &str,
) -> Result<(), ConfigError> {
    let name = (companion.name)(profile);
    if current.profile(&name).is_some() {
        plan.present.push(name);
        return Ok(());
    }
    let keys =
        companion::keys(companion, profile, region).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
    let keys: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    *out = upsert_section(
        path,
        FileKind::Config,
        out,
        &SectionName::Profile(name.clone()),
        &keys,
    )?;
    plan.added.push(name);
    Ok(())
}

/// The edited `text` (the config file at `path`) and what changed: a
/// profile for every selected row that has none, and with `prune` our
/// stale profiles of the session removed.
pub fn edit(
    path: &Path,
    text: &str,
    request: &Request<'_>,
    name: &impl Fn(&Row) -> String,
) -> Result<(String, Plan), ConfigError> {
    let current = AwsFile::parse(path, FileKind::Config, text)?;
    let mut plan = Plan::default();
    let mut out = text.to_string();
    for row in request.selected {
        let Some(role) = row.role() else { continue };
        let profile = name(row);
        if let Some(section) = current.profile(&profile) {
            let same = section.get("sso_account_id") == Some(row.account.id.as_str())
                && section.get("sso_role_name") == Some(role);
            if same {
                if let Some(companion) = &request.companion {
                    let region = region_for(
                        request.regions,
                        &Assignment::from(*row),
                        section.get("region"),
                        &request.session.region,
                    )
                    .0;
                    let region = region.as_str();
                    add_companion(
                        path, &current, &mut out, &mut plan, companion, &profile, region,
                    )?;
                }
                plan.present.push(profile);
            } else {
                // Values of the user's file, shown on stderr: escaped
                // whole, line breaks of continued values included.
                let points = format!(
                    "account {} role {}",
                    crate::output::escape(section.get("sso_account_id").unwrap_or("(none)")),
                    crate::output::escape(section.get("sso_role_name").unwrap_or("(none)"))
                );
                plan.foreign.push((profile, points));
            }
            continue;
        }
        let region = region_for(
            request.regions,
            &Assignment::from(*row),
            None,
            &request.session.region,
        )
        .0;
        let Some(choice) = profile::choice(request.session, &region, row, profile.clone()) else {
            continue;
        };
        out = upsert_section(
            path,
            FileKind::Config,
            &out,
            &SectionName::Profile(profile.clone()),
            &profile_keys(&choice, true),
        )?;
        plan.added.push(profile.clone());
        if let Some(companion) = &request.companion {
            add_companion(
                path, &current, &mut out, &mut plan, companion, &profile, &region,
            )?;
        }
    }
    if request.prune {
        let listed: HashSet<(&str, &str)> = request
            .all
            .iter()
            .filter_map(|r| Some((r.account.id.as_str(), r.role()?)))
            .collect();
        let unknown: HashSet<&str> = request
            .all
            .iter()
            .filter(|r| matches!(r.kind, RowKind::Failed(_)))
            .map(|r| r.account.id.as_str())
            .collect();
        for (profile, section) in current.profiles() {
            if !profile::is_ours(section)
                || section.get("sso_session") != Some(request.session.name.as_str())
            {
                continue;
            }
            let (Some(account), Some(role)) =
                (section.get("sso_account_id"), section.get("sso_role_name"))
            else {
                continue;
            };
            if listed.contains(&(account, role)) || unknown.contains(account) {
                continue;
            }
            if plan.removed.iter().any(|p| p == profile) {
                continue;
            }
            out = remove_section(
                path,
                FileKind::Config,
                &out,
                &SectionName::Profile(profile.to_string()),
            )?;
            plan.removed.push(profile.to_string());
            // Its companion goes with it, when it is ours.
            if let Some(companion) = &request.companion {
                let name = (companion.name)(profile);
                if current.profile(&name).is_some_and(profile::is_ours)
                    && !plan.removed.contains(&name)
                {
                    out = remove_section(
                        path,
                        FileKind::Config,
                        &out,
                        &SectionName::Profile(name.clone()),
                    )?;
                    plan.removed.push(name);
                }
            }
        }
    }
    Ok((out, plan))
}

/// Leaves out of `selected` (with a warning each) the rows whose profile
/// name already has a `role_arn` in the config or credentials file
/// ([`crate::chain::Profiles::role_arn_at`]): botocore would assume that
/// role, not the row's.
///
/// Returns how many rows it left out.
///
/// Errors: the files cannot be read; the config's `[DEFAULT]` has a
/// `role_arn`, which every profile populate writes would inherit (nothing
/// is written).
fn skip_assumed_roles(
    env: &Environment,
    selected: &mut Vec<&Row>,
    name: &impl Fn(&Row) -> String,
) -> anyhow::Result<usize> {
    let config = AwsFile::load_optional(&env.paths.config, FileKind::Config)?;
    let credentials = AwsFile::load_optional(&env.paths.credentials, FileKind::Credentials)?;
    let profiles = crate::chain::Profiles::new(config.as_ref(), credentials.as_ref());
    if let Some((path, line)) = profiles.default_role_arn_at() {
        anyhow::bail!(
            "{}:{line}: [DEFAULT] sets role_arn, so botocore would assume that role for every \
             profile populate writes; nothing written (remove role_arn from [DEFAULT])",
            path.display()
        );
    }
    let before = selected.len();
    selected.retain(|row| {
        let profile = name(row);
        match profiles.role_arn_at(&profile) {
            Some((path, line)) => {
                crate::output::warn(format!(
                    "skipped {}: it has role_arn at {}:{line}, so botocore would assume that \
                     role instead of the row's",
                    crate::output::escape(&profile),
                    path.display()
                ));
                false
            }
            None => true,
        }
    });
    Ok(before - selected.len())
}

/// A unified diff of `old` → `new` with three lines of context, labelled
/// with `path`; empty when they are equal. The value of a secret key
/// ([`crate::aws::config::SECRET_KEYS`], commented out or not) and the lines that continue it
/// show as `****`: the diff is printed.
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let label = path.display().to_string();
    let diff = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&label, &label)
        .to_string();
    redact_secrets(&diff)
}

/// `diff` (a unified diff) with every secret value replaced by `****`: the
/// value of a [`crate::aws::config::SECRET_KEYS`] line (also behind `#` or `;`) and each
/// indented line that continues it, tracked apart for the old and the new
/// side.
fn redact_secrets(diff: &str) -> String {
    // Whether the last line of each side (old, new) was a secret or its
    // continuation.
    let mut in_secret = [false, false];
    let mut out = String::with_capacity(diff.len());
    for line in diff.split_inclusive('\n') {
        let (prefix, body) = match line.chars().next() {
            Some(c @ (' ' | '-' | '+')) if !line.starts_with("---") && !line.starts_with("+++") => {
                (c, &line[1..])
            }
            _ => {
                out.push_str(line);
                continue;
            }
        };
        let sides: &[usize] = match prefix {
            '-' => &[0],
            '+' => &[1],
            _ => &[0, 1],
        };
        let content = body.trim_end_matches(['\n', '\r']);
        let ending = &body[content.len()..];
        // A line `doctor --fix` commented out is `# ` and the line.
        let inner = match content.strip_prefix(['#', ';']) {
            Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
            None => content,
        };
        let continued = inner.starts_with([' ', '\t']) && !inner.trim().is_empty();
        let uncommented = content
            .trim_start()
            .trim_start_matches(['#', ';'])
            .trim_start();
        let secret_key = uncommented
            .find(['=', ':'])
            .filter(|&at| crate::aws::config::is_secret_key(&uncommented[..at]));
        let shown = if let Some(at) = secret_key {
            let keep = content.len() - uncommented.len() + at + 1;
            for &side in sides {
                in_secret[side] = true;
            }
            format!("{} ****", &content[..keep])
        } else if continued && sides.iter().any(|&side| in_secret[side]) {
            "    ****".to_string()
        } else {
            for &side in sides {
                in_secret[side] = false;
            }
            content.to_string()
        };
        out.push(prefix);
        out.push_str(&shown);
        out.push_str(ending);
    }
    out
}

fn summary(plan: &Plan) -> String {
    format!(
        "{} added, {} already present, {} removed",
        plan.added.len(),
        plan.present.len(),
        plan.removed.len()
    )
}

pub async fn run(args: &PopulateArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    crate::doctor::ensure_accepted(&env.paths)?;
    let settings = settings(&env)?;
    let flags = crate::scripting::pruning(args.catalog, args.prune)?;
    let requested = args.sso_session.as_deref();
    let listed = list_with_settings(&env, &settings, requested, flags, Purpose::Rows).await?;
    for warning in listed.warnings() {
        crate::output::warn(format!("{warning} (its profiles are left alone)"));
    }
    let rows = listed.catalog.rows();
    let query = args.query.join(" ");
    let name = namer(&settings.profile_template, &listed.session.name);
    let selected: Vec<&Row> = listing::matches(&query, rows, &name)
        .into_iter()
        .map(|i| &rows[i])
        .filter(|r| r.role().is_some())
        .collect();
    // Base order for the appended sections, whatever the ranking.
    let mut selected = selected;
    selected.sort_by(|a, b| a.base_cmp(b));
    // New profiles only: no existing region, and populate has no --region;
    // the region rules give each row its own.
    let regions = settings.region_defaults(None);
    let region_of =
        |r: &Row| region_for(&regions, &Assignment::from(r), None, &listed.session.region).0;
    // Rows that cannot be written are left out, collisions included.
    let writable: Vec<Row> = rows
        .iter()
        .filter(|r| unwritable(r, &listed.session, &region_of(r), &name).is_none())
        .cloned()
        .collect();
    let mut skipped = Vec::new();
    selected.retain(
        |r| match unwritable(r, &listed.session, &region_of(r), &name) {
            Some(s) => {
                skipped.push(s);
                false
            }
            None => true,
        },
    );
    for s in &skipped {
        crate::output::warn(format!("skipped {s}"));
    }
    let assumed = skip_assumed_roles(&env, &mut selected, &name)?;
    let clashes = collisions(&selected, &writable, &name);
    if !clashes.is_empty() {
        let lines: Vec<String> = clashes.iter().map(|c| format!("  {c}")).collect();
        anyhow::bail!(
            "{} profile name(s) would be shared by two rows; nothing written:\n{}",
            clashes.len(),
            lines.join("\n")
        );
    }
    let program = if args.companion {
        Some(companion::this_program()?)
    } else {
        None
    };
    let companion_name = |p: &str| settings.companion_of(p);
    let request = Request {
        session: &listed.session,
        regions: &regions,
        selected: &selected,
        all: rows,
        prune: args.prune,
        companion: program.as_deref().map(|program| Companion {
            program,
            name: &companion_name,
        }),
    };
    let path = env.paths.config.clone();
    let mut plan = None;
    let mut text_out = String::new();
    if args.dry_run {
        let text = match read_text(&path) {
            Ok(text) => text,
            Err(ConfigError::NotFound { .. }) => String::new(),
            Err(e) => return Err(e.into()),
        };
        let (new, p) = edit(&path, &text, &request, &name)?;
        text_out = unified_diff(&path, &text, &new);
        plan = Some(p);
    } else {
        let outcome = ConfigWriter::new(&path, &env.dirs).apply(|text| {
            let (new, p) = edit(&path, text, &request, &name)?;
            plan = Some(p);
            Ok(new)
        })?;
        let plan = plan.as_ref().expect("the edit ran");
        for p in &plan.added {
            text_out.push_str(&format!("added {p}\n"));
        }
        for p in &plan.removed {
            text_out.push_str(&format!("removed {p}\n"));
        }
        if let Some(backup) = outcome.backup() {
            crate::output::note(format!(
                "uo-aws-tui: backup of the previous config: {}",
                backup.display()
            ));
        }
    }
    let plan = plan.expect("the edit ran");
    for (profile, points) in &plan.foreign {
        crate::output::note(format!(
            "uo-aws-tui: warning: profile {} already exists for {points}; left as it is",
            crate::output::escape(profile)
        ));
    }
    let verb = if args.dry_run { "would be" } else { "were" };
    let skip_count = skipped.len() + assumed;
    let skips = if skip_count == 0 {
        String::new()
    } else {
        format!(", {skip_count} skipped (see the warnings)")
    };
    crate::output::note(format!(
        "uo-aws-tui: populate: {}{skips} (profiles that {verb} changed in {})",
        summary(&plan),
        path.display()
    ));
    if skip_count == 0 {
        return Ok(Exit::Done(text_out));
    }
    // What was written still goes to stdout; the status says rows are missing.
    crate::output::stdout(&text_out)?;
    Ok(Exit::Status(SKIPPED_EXIT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Account;
    use crate::scripting::default_name;
    use std::sync::Arc;

    fn row(id: &str, role: &str) -> Row {
        Row {
            account: Arc::new(Account {
                id: id.into(),
                name: format!("acct {id}"),
                email: "e".into(),
            }),
            kind: RowKind::Role(role.into()),
        }
    }

    fn session() -> SsoSession {
        SsoSession {
            name: "uoregon".into(),
            start_url: "https://x".into(),
            region: "us-west-2".into(),
            registration_scopes: None,
            line: 1,
        }
    }

    #[test]
    fn adds_missing_profiles_keeps_existing_and_prunes_only_ours() {
        let all = vec![row("111111111111", "Admin"), row("222222222222", "Read")];
        let selected: Vec<&Row> = all.iter().collect();
        let s = session();
        let text = "[profile mine]\nsso_session = uoregon\nsso_account_id = 999999999999\nsso_role_name = Gone\n\n\
                    [profile 111111111111_Admin]\nsso_session = uoregon\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-west-1\n\n\
                    [profile old]\nsso_session = uoregon\nsso_account_id = 999999999999\nsso_role_name = Gone\nuo_aws_tui_managed = true\n";
        let request = Request {
            session: &s,
            regions: &RegionDefaults::default(),
            selected: &selected,
            all: &all,
            prune: true,
            companion: None,
        };
        let (out, plan) = edit(Path::new("/c"), text, &request, &default_name).unwrap();
        assert_eq!(plan.added, ["222222222222_Read"]);
        assert_eq!(plan.present, ["111111111111_Admin"]);
        assert_eq!(plan.removed, ["old"]);
        assert!(
            out.contains("[profile mine]"),
            "the user's own stale profile stays"
        );
        assert!(
            out.contains("region = eu-west-1"),
            "existing profiles are not changed"
        );
        assert!(out.ends_with(
            "[profile 222222222222_Read]\nsso_session = uoregon\nsso_account_id = 222222222222\nsso_role_name = Read\nregion = us-west-2\nuo_aws_tui_managed = true\n"
        ), "{out}");
        assert!(!out.contains("[profile old]"));
        // Again: nothing changes.
        let (again, plan) = edit(Path::new("/c"), &out, &request, &default_name).unwrap();
        assert_eq!(again, out);
        assert!(plan.added.is_empty() && plan.removed.is_empty());
    }

    #[test]
    fn companions_beside_new_and_present_profiles_and_pruned_with_them() {
        let all = vec![row("111111111111", "Admin"), row("222222222222", "Read")];
        let selected: Vec<&Row> = all.iter().collect();
        let s = session();
        let text = "[profile 111111111111_Admin]\nsso_session = uoregon\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-west-1\n\n\
                    [profile 999999999999_Gone]\nsso_session = uoregon\nsso_account_id = 999999999999\nsso_role_name = Gone\nuo_aws_tui_managed = true\n\n\
                    [profile 999999999999_Gone.tf]\ncredential_process = x\nuo_aws_tui_managed = true\n";
        let name = |p: &str| format!("{p}.tf");
        let request = Request {
            session: &s,
            regions: &RegionDefaults::default(),
            selected: &selected,
            all: &all,
            prune: true,
            companion: Some(Companion {
                program: "/opt/uo aws/uo-aws-tui",
                name: &name,
            }),
        };
        let (out, plan) = edit(Path::new("/c"), text, &request, &default_name).unwrap();
        assert_eq!(
            plan.added,
            [
                "111111111111_Admin.tf",
                "222222222222_Read",
                "222222222222_Read.tf"
            ]
        );
        assert_eq!(plan.removed, ["999999999999_Gone", "999999999999_Gone.tf"]);
        // The present profile's companion takes its region.
        assert!(out.contains(
            "[profile 111111111111_Admin.tf]\ncredential_process = \"/opt/uo aws/uo-aws-tui\" credentials 111111111111_Admin --format process\nregion = eu-west-1\nuo_aws_tui_managed = true\n"
        ), "{out}");
        assert!(out.ends_with(
            "[profile 222222222222_Read.tf]\ncredential_process = \"/opt/uo aws/uo-aws-tui\" credentials 222222222222_Read --format process\nregion = us-west-2\nuo_aws_tui_managed = true\n"
        ), "{out}");
        let (again, plan) = edit(Path::new("/c"), &out, &request, &default_name).unwrap();
        assert_eq!(again, out);
        assert!(plan.added.is_empty() && plan.removed.is_empty());
        // A name that needs quoting is quoted; a path that cannot be is refused.
        let c = Companion {
            program: "/bin/u",
            name: &name,
        };
        assert_eq!(
            c.command("it's").unwrap(),
            "\"/bin/u\" credentials 'it'\\''s' --format process"
        );
        let bad = Companion {
            program: "/tmp/$(x)",
            name: &name,
        };
        assert!(bad.command("a").is_err());
    }

    #[test]
    fn collisions_name_both_rows() {
        let all = vec![
            row("111111111111", "Read=Only"),
            row("111111111111", "Read,Only"),
        ];
        let selected: Vec<&Row> = all.iter().take(1).collect();
        let found = collisions(&selected, &all, &default_name);
        assert_eq!(found.len(), 1);
        let text = found[0].to_string();
        assert!(text.contains("111111111111_Read-Only"), "{text}");
        assert!(
            text.contains("role Read=Only") && text.contains("role Read,Only"),
            "{text}"
        );
    }

    #[test]
    fn rows_that_cannot_be_written_are_named_with_escapes() {
        let s = session();
        let good = row("111111111111", "Admin");
        assert_eq!(unwritable(&good, &s, "us-west-2", &default_name), None);
        for bad in ["Read\nOnly", "Bell\u{7}", "Ops #1"] {
            let r = row("111111111111", bad);
            let skipped = unwritable(&r, &s, "us-west-2", &default_name)
                .unwrap_or_else(|| panic!("{bad:?} cannot be written"));
            let text = skipped.to_string();
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert!(
                text.starts_with("account 111111111111 (acct 111111111111) role "),
                "{text}"
            );
        }
        let r = row("111111111111", "Read\nOnly");
        assert!(unwritable(&r, &s, "us-west-2", &default_name)
            .unwrap()
            .to_string()
            .contains("role Read\\nOnly: cannot write sso_role_name"));
    }

    #[test]
    fn diffs_never_show_secret_values() {
        let old = "[ci]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = SeCrEt1\n\
                   aws_session_token = TOKEN-A\n  TOKEN-B\nregion = us-west-2\n";
        let new = "[ci]\n# aws_access_key_id = AKIAEXAMPLE\n# AWS_Secret_Access_Key: SeCrEt1\n\
                   # aws_session_token = TOKEN-A\n#  TOKEN-B\nregion = us-west-2\n";
        let d = unified_diff(Path::new("/c"), old, new);
        for secret in ["SeCrEt1", "TOKEN-A", "TOKEN-B"] {
            assert!(!d.contains(secret), "{d}");
        }
        assert!(d.contains("-aws_secret_access_key = ****\n"), "{d}");
        assert!(d.contains("+# AWS_Secret_Access_Key: ****\n"), "{d}");
        assert!(
            d.contains("-    ****\n") && d.contains("+    ****\n"),
            "{d}"
        );
        // Not secrets: the key id, and what follows the token.
        assert!(d.contains("+# aws_access_key_id = AKIAEXAMPLE\n"), "{d}");
        assert!(d.contains(" region = us-west-2\n"), "{d}");
    }

    #[test]
    fn diff_is_unified() {
        let d = unified_diff(Path::new("/c"), "a\nb\n", "a\nb\nc\n");
        assert!(d.starts_with("--- /c\n+++ /c\n@@ "), "{d}");
        assert!(d.contains("+c\n"));
        assert_eq!(unified_diff(Path::new("/c"), "x\n", "x\n"), "");
    }
}
