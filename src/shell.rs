//! What a choice prints on stdout, for the shell or for scripts.

/// Output format of a choice (`--emit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Emit {
    /// `export AWS_PROFILE='…'` lines for POSIX shells (bash, zsh, sh).
    #[default]
    Posix,
    /// `set -gx AWS_PROFILE '…';` lines for fish.
    Fish,
    /// The profile name alone.
    Profile,
    /// One JSON object: `profile`, `account_id`, `account_name`, `role_name`,
    /// `region`, `sso_session`.
    Json,
}

/// The chosen profile and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    pub profile: String,
    pub account_id: String,
    pub account_name: String,
    pub role_name: String,
    pub region: String,
    pub sso_session: String,
}

/// `value` in single quotes for a POSIX shell; a `'` inside becomes `'\''`.
/// Everything else (`$`, backticks, newlines, spaces) is inert inside single
/// quotes.
pub fn posix_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// `value` in single quotes for fish: `\` and `'` are escaped with a
/// backslash, the only escapes fish knows inside single quotes.
pub fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

/// The variables a choice sets, in order: `AWS_PROFILE`, `AWS_REGION`,
/// `AWS_DEFAULT_REGION` (botocore reads only the latter for the region).
pub fn activation_vars(choice: &Choice) -> [(&'static str, &str); 3] {
    [
        ("AWS_PROFILE", choice.profile.as_str()),
        ("AWS_REGION", choice.region.as_str()),
        ("AWS_DEFAULT_REGION", choice.region.as_str()),
    ]
}

/// The stdout text for `choice` in format `emit`, ending in a newline.
///
/// `posix`: `export AWS_PROFILE='…'`, `export AWS_REGION='…'`,
/// `export AWS_DEFAULT_REGION='…'` (botocore reads only the latter).
pub fn render(emit: Emit, choice: &Choice) -> String {
    match emit {
        Emit::Posix => activation_vars(choice)
            .iter()
            .map(|(name, value)| format!("export {name}={}\n", posix_quote(value)))
            .collect(),
        Emit::Fish => activation_vars(choice)
            .iter()
            .map(|(name, value)| format!("set -gx {name} {};\n", fish_quote(value)))
            .collect(),
        Emit::Profile => format!("{}\n", choice.profile),
        Emit::Json => {
            let mut out = serde_json::to_string(choice).expect("a choice serialises");
            out.push('\n');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_quoting() {
        assert_eq!(posix_quote("plain"), "'plain'");
        assert_eq!(posix_quote("it's"), r"'it'\''s'");
        assert_eq!(posix_quote("$(touch x) `y`"), "'$(touch x) `y`'");
    }

    #[test]
    fn posix_and_profile_output() {
        let c = Choice {
            profile: "123456789012_Admin".into(),
            account_id: "123456789012".into(),
            account_name: "Lab".into(),
            role_name: "Admin".into(),
            region: "us-west-2".into(),
            sso_session: "uoregon".into(),
        };
        assert_eq!(
            render(Emit::Posix, &c),
            "export AWS_PROFILE='123456789012_Admin'\nexport AWS_REGION='us-west-2'\nexport AWS_DEFAULT_REGION='us-west-2'\n"
        );
        assert_eq!(render(Emit::Profile, &c), "123456789012_Admin\n");
        assert_eq!(
            render(Emit::Fish, &c),
            "set -gx AWS_PROFILE '123456789012_Admin';\nset -gx AWS_REGION 'us-west-2';\nset -gx AWS_DEFAULT_REGION 'us-west-2';\n"
        );
        let json: serde_json::Value = serde_json::from_str(&render(Emit::Json, &c)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"profile": "123456789012_Admin", "account_id": "123456789012",
                "account_name": "Lab", "role_name": "Admin", "region": "us-west-2",
                "sso_session": "uoregon"})
        );
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "profile",
                "account_id",
                "account_name",
                "role_name",
                "region",
                "sso_session"
            ]
        );
    }

    #[test]
    fn fish_quoting() {
        assert_eq!(fish_quote("plain"), "'plain'");
        assert_eq!(fish_quote("it's"), r"'it\'s'");
        assert_eq!(fish_quote(r"back\slash"), r"'back\\slash'");
        assert_eq!(fish_quote("$(x) `y`\n"), "'$(x) `y`\n'");
    }
}
