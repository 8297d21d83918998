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
    /// A terraform `provider "aws"` block with `region` and `profile`.
    Terraform,
    /// Two lines, the profile name then the region, for the `init` shell
    /// functions (which assign them to fixed variable names themselves).
    Vars,
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

/// The terraform provider block for `profile` in `region`:
/// `provider "aws" {` / `  region  = "…"` / `  profile = "…"` / `}`.
pub fn terraform_block(profile: &str, region: &str) -> String {
    format!(
        "provider \"aws\" {{\n  region  = {}\n  profile = {}\n}}\n",
        hcl_quote(region),
        hcl_quote(profile)
    )
}

/// `value` as a double-quoted HCL (terraform) string: `\` and `"` are
/// escaped with a backslash, `${` and `%{` are doubled to `$${` and `%%{` so
/// no interpolation or directive starts, and control characters become
/// `\n`, `\r`, `\t` or `\uXXXX`.
pub fn hcl_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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

/// Variables an activation removes because they would take precedence over
/// `AWS_PROFILE`: static credentials, and the web identity token file
/// (botocore and the SDKs assume `AWS_ROLE_ARN` with it before they try the
/// profile's SSO settings). `AWS_DEFAULT_PROFILE` is removed too when it
/// names another profile.
pub const OVERRIDING_VARS: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
];

/// Which variables of an environment (`get` reads one) activating
/// `profile` removes: every set one of [`OVERRIDING_VARS`], then
/// `AWS_DEFAULT_PROFILE` when it is set to another profile.
pub fn vars_to_unset(profile: &str, get: impl Fn(&str) -> Option<String>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = OVERRIDING_VARS
        .into_iter()
        .filter(|name| get(name).is_some())
        .collect();
    if get("AWS_DEFAULT_PROFILE").is_some_and(|p| p != profile) {
        out.push("AWS_DEFAULT_PROFILE");
    }
    out
}

/// The note on stderr when an activation removes `unset` (empty: none):
/// `uo-aws-tui: unset NAME… (they would take precedence over AWS_PROFILE)`.
pub fn unset_note(unset: &[&str]) -> Option<String> {
    (!unset.is_empty()).then(|| {
        format!(
            "uo-aws-tui: unset {} (they would take precedence over AWS_PROFILE)",
            unset.join(" ")
        )
    })
}

/// The stdout text for `choice` in format `emit`, ending in a newline.
/// `unset` (from [`vars_to_unset`]) are removed first by the `posix` and
/// `fish` outputs; the other formats set nothing and ignore it.
///
/// `posix`: `unset NAME…` (when `unset` is not empty), then
/// `export AWS_PROFILE='…'`, `export AWS_REGION='…'`,
/// `export AWS_DEFAULT_REGION='…'` (botocore reads only the latter).
/// `fish`: `set -e NAME;` per name, then `set -gx NAME '…';` lines.
pub fn render(emit: Emit, choice: &Choice, unset: &[&str]) -> String {
    match emit {
        Emit::Posix => {
            let mut out = String::new();
            if !unset.is_empty() {
                out.push_str(&format!("unset {}\n", unset.join(" ")));
            }
            for (name, value) in activation_vars(choice) {
                out.push_str(&format!("export {name}={}\n", posix_quote(value)));
            }
            out
        }
        Emit::Fish => {
            let mut out: String = unset
                .iter()
                .map(|name| format!("set -e {name};\n"))
                .collect();
            for (name, value) in activation_vars(choice) {
                out.push_str(&format!("set -gx {name} {};\n", fish_quote(value)));
            }
            out
        }
        Emit::Profile => format!("{}\n", choice.profile),
        Emit::Terraform => terraform_block(&choice.profile, &choice.region),
        Emit::Vars => format!("{}\n{}\n", choice.profile, choice.region),
        Emit::Json => {
            let mut out = crate::output::json(choice, false).expect("a choice serialises");
            out.push('\n');
            out
        }
    }
}

/// What every activation path prints on stdout for `choice`: [`render`]
/// with the variables of this process's environment that would override
/// the profile removed (`posix` and `fish` only), and the note naming them
/// on stderr. The process's environment is the shell's exported one when
/// the output is evaluated as `eval "$(uo-aws-tui use …)"`.
pub fn activate(emit: Emit, choice: &Choice) -> String {
    let unset = match emit {
        Emit::Posix | Emit::Fish => vars_to_unset(&choice.profile, |name| std::env::var(name).ok()),
        _ => Vec::new(),
    };
    if let Some(note) = unset_note(&unset) {
        crate::output::note(note);
    }
    render(emit, choice, &unset)
}

/// The syntax of `deactivate --emit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Syntax {
    /// `unset …` for POSIX shells.
    Posix,
    /// `set -e …;` for fish.
    Fish,
}

/// The variables an activation sets, which deactivation removes.
pub const ACTIVATION_VARS: [&str; 3] = ["AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"];

/// The text that undoes an activation in `syntax`: [`ACTIVATION_VARS`]
/// removed (`unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION` for POSIX;
/// for fish, `if set -q NAME; set -e NAME; end;` so an unset one is no
/// error and the status stays 0).
pub fn deactivation(syntax: Syntax) -> String {
    match syntax {
        Syntax::Posix => format!("unset {}\n", ACTIVATION_VARS.join(" ")),
        Syntax::Fish => ACTIVATION_VARS
            .iter()
            .map(|name| format!("if set -q {name}; set -e {name}; end;\n"))
            .collect(),
    }
}

/// A shell `uo-aws-tui init` and `uo-aws-tui completions` write for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The function name placeholder in `assets/shell/uoa.*`.
const CMD_PLACEHOLDER: &str = "__UOA_CMD__";

/// The default name of the shell function `init` prints.
pub const DEFAULT_FUNCTION: &str = "uoa";

/// Words that cannot name the function: shell keywords and the builtins
/// the function itself relies on.
const RESERVED: &[&str] = &[
    "and", "begin", "break", "builtin", "case", "cd", "command", "continue", "coproc", "do",
    "done", "elif", "else", "end", "esac", "eval", "exec", "exit", "export", "fi", "for",
    "foreach", "function", "if", "in", "local", "not", "or", "printf", "read", "repeat", "return",
    "select", "set", "source", "switch", "test", "then", "time", "unset", "until", "while",
];

/// Checks a `--cmd` name: an ASCII letter or `_`, then letters, digits, `_`
/// or `-`, at most 64 characters, and not a shell keyword or a builtin the
/// function uses. Such a name means the same thing to bash, zsh and fish
/// and needs no quoting where it is substituted.
pub fn check_function_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !rest_ok || name.len() > 64 {
        return Err(format!(
            "{name:?} is not a usable function name: use a letter or `_`, then letters, digits, `_` or `-` (at most 64)"
        ));
    }
    if RESERVED.contains(&name) || name == "uo-aws-tui" {
        return Err(format!(
            "{name:?} is a shell keyword or command the function needs; choose another name"
        ));
    }
    Ok(())
}

/// The shell function for `shell`, named `name` (checked with
/// [`check_function_name`]): the embedded `assets/shell/uoa.*` script with
/// its placeholder replaced.
pub fn init_script(shell: Shell, name: &str) -> Result<String, String> {
    check_function_name(name)?;
    let template = match shell {
        Shell::Bash => include_str!("../assets/shell/uoa.bash"),
        Shell::Zsh => include_str!("../assets/shell/uoa.zsh"),
        Shell::Fish => include_str!("../assets/shell/uoa.fish"),
    };
    Ok(template.replace(CMD_PLACEHOLDER, name))
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
            render(Emit::Posix, &c, &[]),
            "export AWS_PROFILE='123456789012_Admin'\nexport AWS_REGION='us-west-2'\nexport AWS_DEFAULT_REGION='us-west-2'\n"
        );
        assert_eq!(render(Emit::Profile, &c, &[]), "123456789012_Admin\n");
        assert_eq!(
            render(Emit::Fish, &c, &[]),
            "set -gx AWS_PROFILE '123456789012_Admin';\nset -gx AWS_REGION 'us-west-2';\nset -gx AWS_DEFAULT_REGION 'us-west-2';\n"
        );
        let json: serde_json::Value = serde_json::from_str(&render(Emit::Json, &c, &[])).unwrap();
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
    fn activation_outputs_unset_first_and_deactivation_undoes_them() {
        let c = Choice {
            profile: "p".into(),
            account_id: "1".into(),
            account_name: "n".into(),
            role_name: "r".into(),
            region: "us-east-1".into(),
            sso_session: "s".into(),
        };
        let unset = ["AWS_ACCESS_KEY_ID", "AWS_DEFAULT_PROFILE"];
        assert_eq!(
            render(Emit::Posix, &c, &unset),
            "unset AWS_ACCESS_KEY_ID AWS_DEFAULT_PROFILE\nexport AWS_PROFILE='p'\nexport AWS_REGION='us-east-1'\nexport AWS_DEFAULT_REGION='us-east-1'\n"
        );
        assert!(render(Emit::Fish, &c, &unset).starts_with(
            "set -e AWS_ACCESS_KEY_ID;\nset -e AWS_DEFAULT_PROFILE;\nset -gx AWS_PROFILE 'p';\n"
        ));
        assert_eq!(render(Emit::Vars, &c, &unset), "p\nus-east-1\n");
        assert_eq!(unset_note(&[]), None);
        assert_eq!(
            deactivation(Syntax::Posix),
            "unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION\n"
        );
    }

    #[test]
    fn fish_quoting() {
        assert_eq!(fish_quote("plain"), "'plain'");
        assert_eq!(fish_quote("it's"), r"'it\'s'");
        assert_eq!(fish_quote(r"back\slash"), r"'back\\slash'");
        assert_eq!(fish_quote("$(x) `y`\n"), "'$(x) `y`\n'");
    }

    #[test]
    fn terraform_output_and_hcl_quoting() {
        let c = Choice {
            profile: "123456789012_Admin".into(),
            account_id: "123456789012".into(),
            account_name: "Lab".into(),
            role_name: "Admin".into(),
            region: "us-west-2".into(),
            sso_session: "uoregon".into(),
        };
        assert_eq!(
            render(Emit::Terraform, &c, &[]),
            "provider \"aws\" {\n  region  = \"us-west-2\"\n  profile = \"123456789012_Admin\"\n}\n"
        );
        assert_eq!(
            render(Emit::Vars, &c, &[]),
            "123456789012_Admin\nus-west-2\n"
        );
        assert_eq!(hcl_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(hcl_quote("${x} %{y} $z %w"), r#""$${x} %%{y} $z %w""#);
        assert_eq!(hcl_quote("a\nb\u{1}"), r#""a\nb\u0001""#);
    }

    #[test]
    fn function_names() {
        for ok in ["uoa", "aws_pick", "_x", "aws-login", "A1"] {
            assert!(check_function_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1x",
            "-x",
            "a b",
            "a;b",
            "a$(x)",
            "a'b",
            "a\nb",
            "if",
            "export",
            "uo-aws-tui",
            "é",
        ] {
            assert!(check_function_name(bad).is_err(), "{bad:?}");
        }
        let long = "a".repeat(65);
        assert!(check_function_name(&long).is_err());
    }

    #[test]
    fn init_scripts_substitute_the_name_everywhere() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = init_script(shell, "awsp").unwrap();
            assert!(!script.contains(CMD_PLACEHOLDER), "{shell:?}");
            assert!(script.contains("awsp"), "{shell:?}");
            assert!(script.contains("pick --select-1 --emit vars"), "{shell:?}");
            let code = script.lines().filter(|l| !l.trim_start().starts_with('#'));
            assert!(
                code.clone()
                    .all(|l| !l.contains("eval") && !l.contains("source")),
                "{shell:?} never evaluates output"
            );
            assert!(code.clone().any(|l| l.contains("AWS_DEFAULT_REGION")));
            assert!(init_script(shell, "x;y").is_err());
        }
    }
}
