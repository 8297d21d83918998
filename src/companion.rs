//! Companion profiles: beside a native profile, a profile whose only
//! credential key is `credential_process = "PROGRAM" credentials PROFILE
//! --format process` (this program's absolute path), plus `region` and the
//! ownership marker, for tools that cannot read sso-session profiles (older
//! terraform AWS providers and Go SDKs, terragrunt, the JetBrains toolkit).
//! `populate --companion` writes them in its batch edit; `pick --companion`
//! and `use --companion` write the chosen profile's with [`write_beside`].

use crate::aws::config::{AwsFile, FileKind, SectionName};
use crate::aws::config_edit::upsert_section;
use crate::aws::config_write::ConfigWriter;
use crate::env::Environment;
use crate::ownership::{OWNER_KEY, OWNER_VALUE};

/// How companion profiles are written: a profile whose only credential key
/// is `credential_process = "PROGRAM" credentials PROFILE --format process`
/// (the absolute path of this program), plus `region` and the ownership
/// marker, for tools that cannot read sso-session profiles.
pub struct Companion<'a> {
    /// The absolute path of the `uo-aws-tui` binary.
    pub program: &'a str,
    /// The companion's name for a profile name (`companion_name` in settings).
    pub name: &'a dyn Fn(&str) -> String,
}

impl Companion<'_> {
    /// The `credential_process` command for `profile`: the program in double
    /// quotes, the profile name quoted for a POSIX shell when it needs it.
    ///
    /// Errors: a program path a double-quoted shell word cannot carry (`"`,
    /// `\`, `$`, a backquote or a control character in it).
    pub fn command(&self, profile: &str) -> Result<String, String> {
        if self
            .program
            .chars()
            .any(|c| "\"\\$`".contains(c) || c.is_control())
        {
            return Err(format!(
                "{}: this program's path cannot be written into credential_process",
                crate::output::escape(self.program)
            ));
        }
        let plain = profile
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.@+=:,/".contains(c));
        let name = if plain {
            profile.to_string()
        } else {
            crate::shell::posix_quote(profile)
        };
        Ok(format!(
            "\"{}\" credentials {name} --format process",
            self.program
        ))
    }
}

/// This program's absolute path (symlinks resolved), for `credential_process`.
///
/// Errors: the path cannot be found.
pub fn this_program() -> anyhow::Result<String> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| anyhow::anyhow!("cannot find this program's path: {e}"))?;
    Ok(exe.to_string_lossy().into_owned())
}

/// The keys of the companion of `profile` in `region`: `credential_process`,
/// `region` and the ownership marker.
///
/// Errors: as [`Companion::command`].
pub fn keys(
    companion: &Companion<'_>,
    profile: &str,
    region: &str,
) -> Result<Vec<(&'static str, String)>, String> {
    Ok(vec![
        ("credential_process", companion.command(profile)?),
        ("region", region.to_string()),
        (OWNER_KEY, OWNER_VALUE.to_string()),
    ])
}

/// Writes the companion of native profile `profile` (in `region`) into
/// `env`'s config file through the one locked writer, unless a profile of
/// its name exists. `Ok(Some(name))` when it was written, `Ok(None)` when
/// it was there already.
///
/// Errors: the config file cannot be read, parsed or written; a program
/// path `credential_process` cannot carry.
pub fn write_beside(
    env: &Environment,
    companion: &Companion<'_>,
    profile: &str,
    region: &str,
) -> anyhow::Result<Option<String>> {
    let name = (companion.name)(profile);
    let keys = keys(companion, profile, region).map_err(|m| anyhow::anyhow!(m))?;
    let path = &env.paths.config;
    let mut written = false;
    ConfigWriter::new(path, &env.dirs).apply(|text| {
        let current = AwsFile::parse(path, FileKind::Config, text)?;
        if current.profile(&name).is_some() {
            written = false;
            return Ok(text.to_string());
        }
        written = true;
        let keys: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
        upsert_section(
            path,
            FileKind::Config,
            text,
            &SectionName::Profile(name.clone()),
            &keys,
        )
    })?;
    Ok(written.then_some(name))
}

/// The companion's name for native profile `profile`: `template`
/// (`companion_name` in settings, e.g. `{profile}-process`) with
/// `{profile}` replaced.
pub fn name_from(template: &str, profile: &str) -> String {
    template.replace("{profile}", profile)
}

/// `--companion` of `pick` and `use`: writes the chosen profile's companion
/// (named by `template`) beside it with [`write_beside`], and says so on
/// stderr.
///
/// Errors: as [`this_program`] and [`write_beside`].
pub fn write_for_choice(
    env: &Environment,
    template: &str,
    profile: &str,
    region: &str,
) -> anyhow::Result<()> {
    let program = this_program()?;
    let name = |p: &str| name_from(template, p);
    let companion = Companion {
        program: &program,
        name: &name,
    };
    match write_beside(env, &companion, profile, region)? {
        Some(written) => crate::output::note(format!(
            "wrote the companion profile {written} (credential_process)"
        )),
        None => crate::output::note(format!(
            "the companion profile {} exists already",
            name(profile)
        )),
    }
    Ok(())
}
