//! `settings.ini` in the program's config directory
//! (`~/.config/uo-aws-tui/settings.ini` on Linux,
//! `~/Library/Application Support/uo-aws-tui/settings.ini` on macOS).
//!
//! ```ini
//! sso_session = uoregon
//! region = us-west-2
//! profile_template = {account_id}_{role_name}
//! concurrency = 8
//! region_rule = name:*geography* => eu-west-1
//! region_rule = role:*GPU* => us-east-1
//! companion_name = {profile}-process
//! chain_role_arn = arn:aws:iam::{account_id}:role/Deploy
//! ```
//!
//! Every key is optional and a missing file means the defaults. Keys stand
//! at the top of the file, outside any section. An unknown key, a section,
//! or a bad value is an error naming the file and the line. Command-line
//! options win over these settings. `region_rule` may be given any number
//! of times, one rule a line, first match wins
//! ([`crate::region::RegionRule`]); for every other key the last line wins.

use std::path::{Path, PathBuf};

use crate::catalog::ProfileTemplate;
use crate::dirs::AppDirs;
use crate::region::{RegionDefaults, RegionRule};

/// The file name inside [`AppDirs::config_dir`].
pub const FILE_NAME: &str = "settings.ini";

/// The keys `settings.ini` knows.
pub const KEYS: [&str; 7] = [
    "sso_session",
    "region",
    "region_rule",
    "profile_template",
    "concurrency",
    "companion_name",
    "chain_role_arn",
];

/// The companion profile name when `companion_name` is not set.
pub const DEFAULT_COMPANION_NAME: &str = "{profile}-process";

/// The settings, each `None` (or the default template) when not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The sso-session used when `--sso-session` is not given (before the
    /// session of `AWS_PROFILE` and the only one).
    pub sso_session: Option<String>,
    /// The region written and exported instead of the session's `sso_region`.
    pub region: Option<String>,
    /// `region_rule` lines in file order: a region per account or role,
    /// before `region` ([`crate::region::region_for`]).
    pub region_rules: Vec<RegionRule>,
    /// How profile names are made (default `{account_id}_{role_name}`).
    pub profile_template: ProfileTemplate,
    /// How many accounts' roles are fetched at once.
    pub concurrency: Option<usize>,
    /// How companion profiles are named: a text with `{profile}` (the
    /// native profile's name); `None` is [`DEFAULT_COMPANION_NAME`].
    pub companion_name: Option<String>,
    /// The role ARN the picker's chain key (Ctrl-x) assumes from the
    /// selected row's profile; `None`: the key says how to set it.
    pub chain_role_arn: Option<crate::chain::RoleArnTemplate>,
}

impl Settings {
    /// The companion profile of native profile `profile`.
    pub fn companion_of(&self, profile: &str) -> String {
        crate::companion::name_from(self.companion_template(), profile)
    }

    /// The `companion_name` template, or [`DEFAULT_COMPANION_NAME`].
    pub fn companion_template(&self) -> &str {
        self.companion_name
            .as_deref()
            .unwrap_or(DEFAULT_COMPANION_NAME)
    }
}

/// Why the settings file could not be used; names the file and, for a key
/// or value, its 1-based line.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// The settings file of `dirs`.
pub fn settings_path(dirs: &AppDirs) -> PathBuf {
    dirs.config_dir.join(FILE_NAME)
}

impl Settings {
    /// Reads the settings of `dirs`; a missing file gives the defaults.
    pub fn load(dirs: &AppDirs) -> Result<Settings, SettingsError> {
        Settings::load_file(&settings_path(dirs))
    }

    /// Reads `path`; a missing file gives the defaults.
    pub fn load_file(path: &Path) -> Result<Settings, SettingsError> {
        match crate::file_kind::read_to_string(path) {
            Ok(text) => Settings::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(source) => Err(SettingsError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parses the text of `path` (named in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Settings, SettingsError> {
        let invalid = |line: usize, message: String| SettingsError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        // Our own file: a byte order mark some editors add is not a key.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Values are taken literally (no backslash escapes).
        let ini = ini::Ini::load_from_str_noescape(text)
            .map_err(|e| invalid(e.line, e.msg.to_string()))?;
        let mut settings = Settings::default();
        // rust-ini keeps every repeated key in order; the n-th value of a
        // key stands on the n-th line that sets it.
        let mut rule_lines = lines_of_key(text, "region_rule").into_iter();
        for (section, props) in ini.iter() {
            if let Some(name) = section {
                let line = line_of_section(text, name);
                return Err(invalid(
                    line,
                    format!("[{name}]: settings.ini has no sections; put the keys at the top"),
                ));
            }
            for (key, value) in props.iter() {
                let line = if key == "region_rule" {
                    rule_lines.next().unwrap_or(0)
                } else {
                    line_of_key(text, key)
                };
                let value = value.trim();
                let bad = |why: String| invalid(line, format!("{key} = {value:?}: {why}"));
                match key {
                    "sso_session" => {
                        if value.is_empty() || value.chars().any(char::is_whitespace) {
                            return Err(bad("a session name without spaces".into()));
                        }
                        settings.sso_session = Some(value.to_string());
                    }
                    "region" => {
                        settings.region = Some(crate::cli::parse_region(value).map_err(&bad)?);
                    }
                    "region_rule" => {
                        settings
                            .region_rules
                            .push(RegionRule::parse(value, line).map_err(&bad)?);
                    }
                    "profile_template" => {
                        settings.profile_template = ProfileTemplate::parse(value).map_err(&bad)?;
                    }
                    "concurrency" => {
                        let n: usize = value
                            .parse()
                            .ok()
                            .filter(|n| (1..=64).contains(n))
                            .ok_or_else(|| bad("a whole number from 1 to 64".into()))?;
                        settings.concurrency = Some(n);
                    }
                    "companion_name" => {
                        let ok = value.contains("{profile}")
                            && value != "{profile}"
                            && !value
                                .chars()
                                .any(|c| c.is_whitespace() || "[]#;\"'".contains(c));
                        if !ok {
                            return Err(bad(
                                "a name with {profile} in it, e.g. {profile}-process".into()
                            ));
                        }
                        settings.companion_name = Some(value.to_string());
                    }
                    "chain_role_arn" => {
                        settings.chain_role_arn =
                            Some(crate::chain::RoleArnTemplate::parse(value).map_err(&bad)?);
                    }
                    other => {
                        return Err(invalid(
                            line,
                            format!("unknown key {other:?}; known: {}", KEYS.join(", ")),
                        ))
                    }
                }
            }
        }
        Ok(settings)
    }

    /// The region defaults of a choice: `flag` (`--region`), then the
    /// region rules and `region` of these settings.
    pub fn region_defaults(&self, flag: Option<String>) -> RegionDefaults {
        RegionDefaults {
            flag,
            rules: self.region_rules.clone(),
            settings: self.region.clone(),
        }
    }
}

/// The 1-based line where `key` is set (the last such line, as the last
/// value wins); rust-ini does not report lines, so the text is scanned.
/// 0 when not found.
fn line_of_key(text: &str, key: &str) -> usize {
    lines_of_key(text, key).last().copied().unwrap_or(0)
}

/// The 1-based lines where `key` is set, in file order.
fn lines_of_key(text: &str, key: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim_start();
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(['=', ':']))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// The 1-based line of the header `[name]`; 0 when not found.
fn line_of_section(text: &str, name: &str) -> usize {
    text.lines()
        .position(|line| {
            line.trim()
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
                .is_some_and(|inner| inner.trim() == name)
        })
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, String> {
        Settings::parse(Path::new("/s.ini"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_values() {
        assert_eq!(parse("").unwrap(), Settings::default());
        assert_eq!(parse("# nothing\n\n").unwrap(), Settings::default());
        let s = parse(
            "sso_session = uoregon\nregion=eu-west-1\nprofile_template = {sso_session}-{account_name}-{role_name}\nconcurrency = 4\n",
        )
        .unwrap();
        assert_eq!(s.sso_session.as_deref(), Some("uoregon"));
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            s.profile_template.as_str(),
            "{sso_session}-{account_name}-{role_name}"
        );
        assert_eq!(s.concurrency, Some(4));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        assert_eq!(
            parse("region = us-west-2\n\n# c\nconcurrency = lots\n").unwrap_err(),
            "/s.ini:4: concurrency = \"lots\": a whole number from 1 to 64"
        );
        assert!(parse("\ncolour = blue\n")
            .unwrap_err()
            .starts_with("/s.ini:2: unknown key \"colour\""));
        assert!(parse("region = US West\n")
            .unwrap_err()
            .starts_with("/s.ini:1: region"));
        assert!(parse("a=1\nprofile_template = {account}\n")
            .unwrap_err()
            .starts_with("/s.ini:1: unknown key"));
        assert!(parse("profile_template = {account}\n")
            .unwrap_err()
            .contains("unknown placeholder {account}"));
        assert!(parse("concurrency = 1\n[defaults]\nregion = x\n")
            .unwrap_err()
            .starts_with("/s.ini:2: [defaults]"));
        assert_eq!(line_of_key("regionx = 1\n region = 2\n", "region"), 2);
    }

    #[test]
    fn chain_role_arn_templates() {
        let s = parse("chain_role_arn = arn:aws:iam::{account_id}:role/Deploy\n").unwrap();
        assert_eq!(
            s.chain_role_arn.unwrap().render("111122223333", "Admin"),
            "arn:aws:iam::111122223333:role/Deploy"
        );
        assert_eq!(
            parse("region = us-west-2\nchain_role_arn = arn:aws:iam::{acct}:role/Deploy\n")
                .unwrap_err(),
            "/s.ini:2: chain_role_arn = \"arn:aws:iam::{acct}:role/Deploy\": unknown placeholder \
             {acct}; known: {account_id}, {role_name}"
        );
    }

    #[test]
    fn region_rules_repeat_in_order_with_their_lines() {
        let s = parse(
            "region = eu-central-1\n# rules\nregion_rule = name:*geography* => eu-west-1\nregion_rule=id:1234* => us-east-2\nregion_rule : role:*GPU*=>us-east-1\n",
        )
        .unwrap();
        let rules: Vec<(String, usize)> = s
            .region_rules
            .iter()
            .map(|r| (r.to_string(), r.line()))
            .collect();
        assert_eq!(
            rules,
            [
                ("name:*geography* => eu-west-1".to_string(), 3),
                ("id:1234* => us-east-2".to_string(), 4),
                ("role:*GPU* => us-east-1".to_string(), 5),
            ]
        );
        let d = s.region_defaults(Some("sa-east-1".into()));
        assert_eq!(d.flag.as_deref(), Some("sa-east-1"));
        assert_eq!(d.rules.len(), 3);
        assert_eq!(d.settings.as_deref(), Some("eu-central-1"));
        // A `#` or `;` inside the value is part of the glob.
        let s = parse("region_rule = name:Lab #1* => us-east-1\n").unwrap();
        assert_eq!(s.region_rules[0].glob(), "Lab #1*");
    }

    #[test]
    fn a_bad_rule_names_its_own_line() {
        assert_eq!(
            parse("region_rule = name:*a* => us-east-1\n\nregion_rule = email:*@uo* => us-east-1\n")
                .unwrap_err(),
            "/s.ini:3: region_rule = \"email:*@uo* => us-east-1\": unknown field \"email\": a rule like `name:*geography* => eu-west-1` (name, id or role)"
        );
        assert!(parse("region_rule = name:*a*\n")
            .unwrap_err()
            .starts_with("/s.ini:1: region_rule"));
        assert!(parse("region_rule = role:x => moon-1x\n").is_ok());
        assert!(parse("region_rule = role:x => Moon\n")
            .unwrap_err()
            .contains("not a region name"));
    }
}
