//! Native profiles: the [`Choice`] a row makes (its name from the profile
//! template, refused when two rows share it), the keys of its
//! `[profile NAME]` section with the ownership marker, and [`commit`], the
//! one way a chosen row is written (the picker, `pick --select-1`, `use`
//! and `exec` all call it; `populate` builds its sections from the same
//! [`choice`] and [`profile_keys`]).

use std::collections::HashMap;

use anyhow::Context as _;

use crate::app::ExistingProfile;
use crate::aws::config::{AwsFile, FileKind, SectionName};
use crate::aws::config_edit::upsert_section;
use crate::aws::config_write::ConfigWriter;
use crate::aws::sso_session::SsoSession;
use crate::catalog::{ProfileTemplate, Row};
use crate::chain::Profiles;
use crate::env::Environment;
pub use crate::region::{region_for, Assignment, RegionDefaults, RegionSource};
pub use crate::shell::Choice;

pub use crate::ownership::{is_ours, OWNER_KEY, OWNER_VALUE};

/// The choice of role row `row` under the name `profile`, with `region`
/// written and exported; `None` for a row whose roles failed.
pub fn choice(session: &SsoSession, region: &str, row: &Row, profile: String) -> Option<Choice> {
    Some(Choice {
        profile,
        account_id: row.account.id.clone(),
        account_name: row.account.name.clone(),
        role_name: row.role()?.to_string(),
        region: region.to_string(),
        sso_session: session.name.clone(),
    })
}

/// The choice for `row`: its profile name (made with `template`) and what
/// activates it, with `region` written and exported. `rows` are all rows
/// known: a profile name that two rows map to is refused, naming both.
///
/// Errors: `row` is an account whose roles could not be listed; the name is
/// shared.
pub fn choose(
    session: &SsoSession,
    region: &str,
    row: &Row,
    rows: &[Row],
    template: &ProfileTemplate,
) -> anyhow::Result<Choice> {
    let role = row
        .role()
        .context("this account's roles could not be listed")?;
    let name = template.name(&row.account, role, &session.name);
    if let Some(other) = rows.iter().find(|r| {
        r.role().is_some_and(|other_role| {
            template.name(&r.account, other_role, &session.name) == name
                && (r.account.id != row.account.id || other_role != role)
        })
    }) {
        anyhow::bail!(
            "profile name {name} is shared by role {role:?} and role {:?} of account {}; rename one of the permission sets or write the profile by hand",
            other.role().unwrap_or_default(),
            other.account.id
        );
    }
    Ok(choice(session, region, row, name).expect("a role row"))
}

/// The keys of the profile of `choice`, in the order a new section gets
/// them: `sso_session`, `sso_account_id`, `sso_role_name`, `region`, and
/// the ownership marker when `mark` (only for a section we create, so a
/// profile the user wrote never becomes ours).
pub fn profile_keys(choice: &Choice, mark: bool) -> Vec<(&'static str, &str)> {
    let mut keys = vec![
        ("sso_session", choice.sso_session.as_str()),
        ("sso_account_id", choice.account_id.as_str()),
        ("sso_role_name", choice.role_name.as_str()),
        ("region", choice.region.as_str()),
    ];
    if mark {
        keys.push((OWNER_KEY, OWNER_VALUE));
    }
    keys
}

/// Inserts or updates `[profile NAME]` of `choice` in the config file
/// through [`ConfigWriter`] (locked, backed up under `env.dirs`):
/// `sso_session`, `sso_account_id`, `sso_role_name`, `region` (in that order
/// for a new section, followed by the ownership marker [`OWNER_KEY`]); only
/// differing keys of an existing section change, and an existing section
/// never gets the marker.
fn upsert_profile(env: &Environment, choice: &Choice) -> anyhow::Result<()> {
    let path = &env.paths.config;
    ConfigWriter::new(path, &env.dirs).apply(|text| {
        let current = AwsFile::parse(path, FileKind::Config, text)?;
        let mark = current.profile(&choice.profile).is_none();
        upsert_section(
            path,
            FileKind::Config,
            text,
            &SectionName::Profile(choice.profile.clone()),
            &profile_keys(choice, mark),
        )
    })?;
    Ok(())
}

/// Whether [`commit`] writes the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Insert or update the section (Enter in the picker, `use`).
    Upsert,
    /// Only when the config file has no section of that name (`exec`).
    IfMissing,
    /// Never (`--no-write`).
    Never,
}

/// Where a chosen row's profile goes: the session, the regions it falls
/// back on ([`region_for`]), the name template, and whether the file is
/// written.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub session: &'a SsoSession,
    pub regions: &'a RegionDefaults,
    pub template: &'a ProfileTemplate,
    pub write: Write,
}

/// Chooses `row` ([`choose`], `rows` being every row known) with the region
/// [`region_for`] gives (the profile's own region when its section exists
/// and `--region` was not given) and writes its profile into `env`'s config
/// file as `target.write` says; counts the use for the picker's recently
/// used order ([`crate::favourites::remember`], best effort); returns the choice, for
/// [`crate::shell::render`] or to run a command with.
///
/// Errors: the AWS files would be rejected by the AWS CLI
/// ([`crate::doctor::Rejected`], nothing written, whatever `target.write`
/// says); those of [`choose`]; the config file cannot be read, parsed,
/// locked, backed up or written.
pub fn commit(
    env: &Environment,
    target: &Target<'_>,
    row: &Row,
    rows: &[Row],
) -> anyhow::Result<Choice> {
    crate::doctor::ensure_accepted(&env.paths)?;
    let mut choice = choose(
        target.session,
        &target.session.region,
        row,
        rows,
        target.template,
    )?;
    let config = AwsFile::load_optional(&env.paths.config, FileKind::Config)?;
    let credentials = AwsFile::load_optional(&env.paths.credentials, FileKind::Credentials)?;
    ensure_sso_is_read(
        &Profiles::new(config.as_ref(), credentials.as_ref()),
        &choice,
    )?;
    let section = config.as_ref().and_then(|c| c.profile(&choice.profile));
    choice.region = region_for(
        target.regions,
        &Assignment::from(row),
        section.and_then(|s| s.get("region")),
        &target.session.region,
    )
    .0;
    let write = match target.write {
        Write::Upsert => true,
        Write::IfMissing => section.is_none(),
        Write::Never => false,
    };
    if write {
        upsert_profile(env, &choice)?;
    }
    // Frecency only orders the picker: a failure to count this use is not
    // the user's problem.
    let _ = crate::favourites::remember(&env.dirs.data_dir, &choice);
    Ok(choice)
}

/// Refuses `choice` when its profile name already has a `role_arn` in
/// the config or credentials file: botocore and the SDKs would assume that
/// role instead of the portal role the row names, whatever SSO keys
/// [`commit`] writes.
///
/// Errors: the message names the file and line of the `role_arn` and the
/// two ways out.
fn ensure_sso_is_read(profiles: &Profiles<'_>, choice: &Choice) -> anyhow::Result<()> {
    let Some((path, line)) = profiles.role_arn_at(&choice.profile) else {
        return Ok(());
    };
    anyhow::bail!(
        "profile {} has role_arn at {}:{line}, so botocore and the SDKs would assume that role \
         instead of role {} in account {}: remove that role_arn line, or set \
         profile_template to write this role under another name",
        crate::output::escape(&choice.profile),
        crate::output::escape(&path.display().to_string()),
        crate::output::escape(&choice.role_name),
        crate::output::escape(&choice.account_id),
    )
}

/// Profiles the config file has, by name, for the details pane.
pub fn existing_profiles(config: &AwsFile) -> HashMap<String, ExistingProfile> {
    config
        .profiles()
        .map(|(name, section)| {
            (
                name.to_string(),
                ExistingProfile {
                    region: section.get("region").map(str::to_string),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_precedence_first_match_wins() {
        let none = RegionDefaults::default();
        let settings = RegionDefaults {
            flag: None,
            rules: Vec::new(),
            settings: Some("eu-central-1".into()),
        };
        let flag = RegionDefaults {
            flag: Some("ap-south-1".into()),
            rules: Vec::new(),
            settings: Some("eu-central-1".into()),
        };
        let assignment = Assignment {
            account_id: "123456789012",
            account_name: Some("Genomics"),
            role_name: Some("Admin"),
        };
        let got = |d: &RegionDefaults, existing| {
            let (r, s) = region_for(d, &assignment, existing, "us-west-2");
            (r, s.label())
        };
        assert_eq!(got(&none, None), ("us-west-2".into(), "sso_region".into()));
        assert_eq!(
            got(&none, Some("")),
            ("us-west-2".into(), "sso_region".into())
        );
        assert_eq!(
            got(&settings, None),
            ("eu-central-1".into(), "settings".into())
        );
        assert_eq!(
            got(&settings, Some("us-east-1")),
            ("us-east-1".into(), "profile".into())
        );
        assert_eq!(
            got(&flag, Some("us-east-1")),
            ("ap-south-1".into(), "--region".into())
        );
    }
}
