//! What a choice prints on stdout, for the shell or for scripts.

/// Output format of a choice (`--emit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Emit {
    /// `export AWS_PROFILE='…'` lines for POSIX shells (bash, zsh, sh).
    #[default]
    Posix,
    /// The profile name alone.
    Profile,
}

/// The chosen profile and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// The stdout text for `choice` in format `emit`, ending in a newline.
///
/// `posix`: `export AWS_PROFILE='…'`, `export AWS_REGION='…'`,
/// `export AWS_DEFAULT_REGION='…'` (botocore reads only the latter).
pub fn render(emit: Emit, choice: &Choice) -> String {
    match emit {
        Emit::Posix => {
            let mut out = String::new();
            for (name, value) in [
                ("AWS_PROFILE", &choice.profile),
                ("AWS_REGION", &choice.region),
                ("AWS_DEFAULT_REGION", &choice.region),
            ] {
                out.push_str(&format!("export {name}={}\n", posix_quote(value)));
            }
            out
        }
        Emit::Profile => format!("{}\n", choice.profile),
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
    }
}
