//! The region rule: which region a profile is written and exported with.
//! Pure data and one function, so the picker model and the profile writer
//! share it without depending on each other.
//!
//! Region rules (`region_rule` in settings.ini) give accounts and roles
//! their own region:
//!
//! ```ini
//! region_rule = name:*geography* => eu-west-1
//! region_rule = id:1234* => us-east-2
//! region_rule = role:*GPU* => us-east-1
//! ```
//!
//! Each rule is `FIELD:GLOB => REGION`: `FIELD` is `name` (the account's
//! name), `id` (the account id) or `role` (the role name); `GLOB` matches
//! the whole field, `*` standing for any run of characters and `?` for one,
//! ignoring case; the first rule that matches wins. Globs are matched by the
//! `wildmatch` crate: no dependencies, exactly `*` and `?`, Unicode case
//! folding; globset's path rules (separators, `**`, classes) do not fit
//! names.

use std::fmt;

use wildmatch::WildMatch;

use crate::row::Row;

/// Which field of an assignment a [`RegionRule`] looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleField {
    /// The account's name (`name:`).
    AccountName,
    /// The 12-digit account id (`id:`).
    AccountId,
    /// The role (permission set) name (`role:`).
    Role,
}

impl RuleField {
    /// The prefix of the field in a rule: `name`, `id`, `role`.
    pub fn keyword(self) -> &'static str {
        match self {
            RuleField::AccountName => "name",
            RuleField::AccountId => "id",
            RuleField::Role => "role",
        }
    }
}

/// One `region_rule` of settings.ini: a glob on one field and the region
/// its matches get. Parsed by [`RegionRule::parse`], shown back as
/// `FIELD:GLOB => REGION` by `Display`.
#[derive(Debug, Clone)]
pub struct RegionRule {
    field: RuleField,
    glob: String,
    matcher: WildMatch,
    region: String,
    /// The 1-based line of settings.ini the rule stands on (0: unknown).
    line: usize,
}

impl PartialEq for RegionRule {
    fn eq(&self, other: &Self) -> bool {
        (self.field, &self.glob, &self.region, self.line)
            == (other.field, &other.glob, &other.region, other.line)
    }
}

impl Eq for RegionRule {}

impl fmt::Display for RegionRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} => {}",
            self.field.keyword(),
            self.glob,
            self.region
        )
    }
}

impl RegionRule {
    /// Parses `FIELD:GLOB => REGION` (spaces around `=>` optional), the
    /// value of a `region_rule` key found on `line` of settings.ini.
    ///
    /// Errors (one sentence, for the settings error naming file and line):
    /// no `=>`, a field other than `name`, `id`, `role`, an empty glob, or a
    /// region that is not a region name ([`crate::cli::parse_region`]).
    pub fn parse(value: &str, line: usize) -> Result<RegionRule, String> {
        const FORM: &str = "a rule like `name:*geography* => eu-west-1` (name, id or role)";
        let (pattern, region) = value
            .rsplit_once("=>")
            .ok_or_else(|| format!("no `=>`: {FORM}"))?;
        let (field, glob) = pattern
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("no field before the glob: {FORM}"))?;
        let field = match field.trim() {
            "name" => RuleField::AccountName,
            "id" => RuleField::AccountId,
            "role" => RuleField::Role,
            other => return Err(format!("unknown field {other:?}: {FORM}")),
        };
        let glob = glob.trim();
        if glob.is_empty() {
            return Err(format!("an empty glob: {FORM}"));
        }
        let region = crate::cli::parse_region(region.trim())?;
        Ok(RegionRule {
            field,
            glob: glob.to_string(),
            matcher: WildMatch::new_case_insensitive(glob),
            region,
            line,
        })
    }

    /// The field the rule looks at.
    pub fn field(&self) -> RuleField {
        self.field
    }

    /// The glob as written.
    pub fn glob(&self) -> &str {
        &self.glob
    }

    /// The region the rule gives.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The 1-based line of settings.ini the rule stands on (0: unknown).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Whether the rule's glob matches its field of `assignment` (a field
    /// the assignment does not know never matches).
    pub fn matches(&self, assignment: &Assignment<'_>) -> bool {
        let field = match self.field {
            RuleField::AccountName => assignment.account_name,
            RuleField::AccountId => Some(assignment.account_id),
            RuleField::Role => assignment.role_name,
        };
        field.is_some_and(|f| self.matcher.matches(f))
    }
}

/// What region rules look at: an account and a role. A field that is not
/// known (an account's name when only the profile's section was read)
/// matches no rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment<'a> {
    /// The 12-digit account id.
    pub account_id: &'a str,
    /// The account's name, when known.
    pub account_name: Option<&'a str>,
    /// The role name, when known (none for an account whose roles failed).
    pub role_name: Option<&'a str>,
}

impl<'a> From<&'a Row> for Assignment<'a> {
    fn from(row: &'a Row) -> Self {
        Assignment {
            account_id: &row.account.id,
            account_name: Some(&row.account.name),
            role_name: row.role(),
        }
    }
}

/// Which rule gave a profile its region (see [`region_for`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionSource {
    /// `--region` on the command line.
    Flag,
    /// The `region` of the profile's existing section in the config file.
    Profile,
    /// A `region_rule` of settings.ini (the first that matched).
    Rule(RegionRule),
    /// `region` in settings.ini.
    Settings,
    /// The sso-session's `sso_region`.
    Session,
}

impl RegionSource {
    /// How the details pane names the source: `--region`, `profile`,
    /// `rule name:*geography*`, `settings`, `sso_region` (a rule's glob is
    /// escaped for the terminal, [`crate::output::escape`]).
    pub fn label(&self) -> String {
        match self {
            RegionSource::Flag => "--region".into(),
            RegionSource::Profile => "profile".into(),
            RegionSource::Rule(rule) => format!(
                "rule {}:{}",
                rule.field.keyword(),
                crate::output::escape(&rule.glob)
            ),
            RegionSource::Settings => "settings".into(),
            RegionSource::Session => "sso_region".into(),
        }
    }
}

/// The regions a choice falls back on besides the profile's own:
/// `--region`, settings.ini's region rules and its `region`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionDefaults {
    /// `--region`.
    pub flag: Option<String>,
    /// `region_rule` lines of settings.ini, in file order.
    pub rules: Vec<RegionRule>,
    /// `region` in settings.ini.
    pub settings: Option<String>,
}

/// The region a profile is written and exported with, and which rule gave
/// it; the first that applies wins:
///
/// 1. `--region` (`defaults.flag`);
/// 2. `existing`: the `region` of the profile's section already in the
///    config file (an empty value counts as none), so a region the user set
///    is never silently rewritten;
/// 3. the first of `defaults.rules` that matches `assignment`;
/// 4. `defaults.settings`: settings.ini's `region`;
/// 5. `session_region`: the sso-session's `sso_region`.
///
/// The picker (details pane and Enter), `use`, `exec`, `pick --select-1`
/// and `populate` all decide through this function.
pub fn region_for(
    defaults: &RegionDefaults,
    assignment: &Assignment<'_>,
    existing: Option<&str>,
    session_region: &str,
) -> (String, RegionSource) {
    let existing = existing.filter(|r| !r.trim().is_empty());
    if let Some(r) = &defaults.flag {
        (r.clone(), RegionSource::Flag)
    } else if let Some(r) = existing {
        (r.to_string(), RegionSource::Profile)
    } else if let Some(rule) = defaults.rules.iter().find(|r| r.matches(assignment)) {
        (rule.region.clone(), RegionSource::Rule(rule.clone()))
    } else if let Some(r) = &defaults.settings {
        (r.clone(), RegionSource::Settings)
    } else {
        (session_region.to_string(), RegionSource::Session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> RegionRule {
        RegionRule::parse(text, 1).unwrap()
    }

    const GEO: Assignment<'static> = Assignment {
        account_id: "123456789012",
        account_name: Some("Geography Research"),
        role_name: Some("GPU-Admin"),
    };

    #[test]
    fn each_field_matches_its_glob_ignoring_case() {
        assert!(rule("name:*geography* => eu-west-1").matches(&GEO));
        assert!(!rule("name:geography => eu-west-1").matches(&GEO));
        assert!(rule("id:1234* => eu-west-1").matches(&GEO));
        assert!(rule("id:12345678901? => eu-west-1").matches(&GEO));
        assert!(!rule("id:9* => eu-west-1").matches(&GEO));
        assert!(rule("role:*gpu* => us-east-1").matches(&GEO));
        assert!(!rule("role:*Admin => us-east-1").matches(&Assignment {
            role_name: None,
            ..GEO
        }));
        assert!(!rule("name:* => us-east-1").matches(&Assignment {
            account_name: None,
            ..GEO
        }));
    }

    #[test]
    fn parse_takes_spaces_and_colons_and_refuses_bad_rules() {
        let r = rule("  role : a:b*=>us-east-1 ");
        assert_eq!(
            (r.field(), r.glob(), r.region()),
            (RuleField::Role, "a:b*", "us-east-1")
        );
        assert_eq!(r.to_string(), "role:a:b* => us-east-1");
        let err = |t: &str| RegionRule::parse(t, 1).unwrap_err();
        assert!(err("name:*geo*").contains("no `=>`"));
        assert!(err("email:*@uo* => us-east-1").contains("unknown field \"email\""));
        assert!(err("*geo* => us-east-1").contains("no field"));
        assert!(err("name: => us-east-1").contains("empty glob"));
        assert!(err("name:x => Europe").contains("not a region name"));
    }

    #[test]
    fn first_match_wins_after_flag_and_profile() {
        let defaults = RegionDefaults {
            flag: None,
            rules: vec![
                rule("role:*GPU* => us-east-1"),
                rule("name:*geography* => eu-west-1"),
            ],
            settings: Some("eu-central-1".into()),
        };
        let (r, s) = region_for(&defaults, &GEO, None, "us-west-2");
        assert_eq!(
            (r.as_str(), s.label()),
            ("us-east-1", "rule role:*GPU*".into())
        );
        let (r, s) = region_for(&defaults, &GEO, Some("ap-south-1"), "us-west-2");
        assert_eq!((r.as_str(), s), ("ap-south-1", RegionSource::Profile));
        let flag = RegionDefaults {
            flag: Some("sa-east-1".into()),
            ..defaults.clone()
        };
        let (r, s) = region_for(&flag, &GEO, Some("ap-south-1"), "us-west-2");
        assert_eq!((r.as_str(), s), ("sa-east-1", RegionSource::Flag));
        let other = Assignment {
            account_id: "999999999999",
            account_name: Some("Chemistry"),
            role_name: Some("Read"),
        };
        let (r, s) = region_for(&defaults, &other, None, "us-west-2");
        assert_eq!((r.as_str(), s), ("eu-central-1", RegionSource::Settings));
    }
}
