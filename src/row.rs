//! The rows of the picker as data: an [`Account`], a [`Row`] (an account
//! with one role, or an account whose roles failed) in its base order, and
//! the profile names made from a row ([`profile_name`], [`ProfileTemplate`]).
//! Plain values with no I/O; [`crate::catalog`] folds a listing into them and
//! [`crate::search`] ranks them.

use std::cmp::Ordering;
use std::sync::Arc;

/// An AWS account assigned to the signed-in user (portal ListAccounts).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Account {
    /// `accountId`: 12 digits.
    pub id: String,
    /// `accountName` as the organisation named it (untrusted text).
    pub name: String,
    /// `emailAddress` of the account's root user (untrusted text).
    pub email: String,
}

/// What a picker row stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKind {
    /// A role (permission set) the user can assume in the account.
    Role(String),
    /// ListAccountRoles failed for the account; the text says why.
    Failed(String),
}

/// One picker row: an account with one role, or an account whose roles failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub account: Arc<Account>,
    pub kind: RowKind,
}

impl Row {
    /// The role name, or `None` for a failed account.
    pub fn role(&self) -> Option<&str> {
        match &self.kind {
            RowKind::Role(r) => Some(r),
            RowKind::Failed(_) => None,
        }
    }

    /// The base order: account name (case-insensitive, then exact), account
    /// id, role name; failed rows after the roles of the same account.
    pub fn base_cmp(&self, other: &Row) -> Ordering {
        let a = &self.account;
        let b = &other.account;
        // Rows of one account (one `Arc`) differ only in their kind.
        let accounts = if Arc::ptr_eq(a, b) {
            Ordering::Equal
        } else {
            cmp_lowercase(&a.name, &b.name)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.id.cmp(&b.id))
        };
        accounts.then_with(|| match (&self.kind, &other.kind) {
            (RowKind::Role(x), RowKind::Role(y)) => x.cmp(y),
            (RowKind::Role(_), RowKind::Failed(_)) => Ordering::Less,
            (RowKind::Failed(_), RowKind::Role(_)) => Ordering::Greater,
            (RowKind::Failed(_), RowKind::Failed(_)) => Ordering::Equal,
        })
    }
}

/// `a.to_lowercase().cmp(&b.to_lowercase())`, without allocating when both
/// are ASCII (the usual account name).
pub fn cmp_lowercase(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.to_lowercase().cmp(&b.to_lowercase())
    }
}

/// Characters every AWS SDK accepts in a profile name.
pub fn is_profile_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/' | '.' | '%' | '@' | ':' | '+')
}

/// The native profile name for an account and role: `{account_id}_{role_name}`
/// (the access portal's own convention), with every character outside
/// `[A-Za-z0-9_\-/.%@:+]` replaced by `-`.
///
/// `profile_name("123456789012", "Read=Only,Audit")` is
/// `123456789012_Read-Only-Audit`.
pub fn profile_name(account_id: &str, role_name: &str) -> String {
    format!("{account_id}_{role_name}")
        .chars()
        .map(|c| if is_profile_name_char(c) { c } else { '-' })
        .collect()
}

/// How profile names are made from a row: a template with the
/// placeholders `{account_id}`, `{account_name}`, `{role_name}` and
/// `{sso_session}`, whose result goes through the character rule of
/// [`profile_name`] (every character outside `[A-Za-z0-9_\-/.%@:+]`
/// becomes `-`). The default, `{account_id}_{role_name}`, gives exactly
/// [`profile_name`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileTemplate {
    parts: Vec<TemplatePart>,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TemplatePart {
    Text(String),
    AccountId,
    AccountName,
    RoleName,
    SsoSession,
}

/// The default profile-name template.
pub const DEFAULT_TEMPLATE: &str = "{account_id}_{role_name}";

impl Default for ProfileTemplate {
    fn default() -> Self {
        ProfileTemplate::parse(DEFAULT_TEMPLATE).expect("the default template parses")
    }
}

impl ProfileTemplate {
    /// Parses a template. Errors: an unknown placeholder, a `{` without
    /// `}` or a lone `}`, or no placeholder at all (every row would get the
    /// same name).
    pub fn parse(text: &str) -> Result<ProfileTemplate, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            match c {
                '{' => {
                    let end = rest
                        .find('}')
                        .ok_or_else(|| format!("{text:?}: `{{` without a closing `}}`"))?;
                    let part = match &rest[1..end] {
                        "account_id" => TemplatePart::AccountId,
                        "account_name" => TemplatePart::AccountName,
                        "role_name" => TemplatePart::RoleName,
                        "sso_session" => TemplatePart::SsoSession,
                        other => {
                            return Err(format!(
                                "{text:?}: unknown placeholder {{{other}}}; use {{account_id}}, {{account_name}}, {{role_name}} or {{sso_session}}"
                            ))
                        }
                    };
                    if !literal.is_empty() {
                        parts.push(TemplatePart::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(part);
                    rest = &rest[end + 1..];
                }
                '}' => return Err(format!("{text:?}: `}}` without an opening `{{`")),
                c => {
                    literal.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        if !literal.is_empty() {
            parts.push(TemplatePart::Text(literal));
        }
        if !parts.iter().any(|p| !matches!(p, TemplatePart::Text(_))) {
            return Err(format!(
                "{text:?}: no placeholder, so every row would get the same name"
            ));
        }
        Ok(ProfileTemplate {
            parts,
            text: text.to_string(),
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The profile name of `role` in `account` of `sso_session`.
    pub fn name(&self, account: &Account, role: &str, sso_session: &str) -> String {
        let mut raw = String::new();
        for part in &self.parts {
            raw.push_str(match part {
                TemplatePart::Text(t) => t,
                TemplatePart::AccountId => &account.id,
                TemplatePart::AccountName => &account.name,
                TemplatePart::RoleName => role,
                TemplatePart::SsoSession => sso_session,
            });
        }
        raw.chars()
            .map(|c| if is_profile_name_char(c) { c } else { '-' })
            .collect()
    }

    /// The profile name of a role row (empty for a failed row).
    pub fn row_name(&self, row: &Row, sso_session: &str) -> String {
        row.role()
            .map(|role| self.name(&row.account, role, sso_session))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            email: format!("{id}@example.edu"),
        }
    }

    #[test]
    fn profile_names_replace_characters_outside_the_sdk_set() {
        assert_eq!(
            profile_name("123456789012", "AWSAdministratorAccess"),
            "123456789012_AWSAdministratorAccess"
        );
        assert_eq!(
            profile_name("123456789012", "Read=Only,Audit"),
            "123456789012_Read-Only-Audit"
        );
        assert_eq!(
            profile_name("123456789012", "ops@research.x+y"),
            "123456789012_ops@research.x+y"
        );
        assert_eq!(profile_name("1", "a b\u{e9}"), "1_a-b-");
    }

    #[test]
    fn names_compare_as_their_lower_case_does() {
        let names = [
            "alpha",
            "Alpha",
            "ALPHA",
            "alphabet",
            "Beta",
            "beta-2",
            "_x",
            "Zeta",
            "zeta",
            "\u{c9}cole",
            "\u{e9}cole",
            "\u{3a3}\u{3a3}",
            "\u{3c3}\u{3c2}",
            "",
            "a b",
            "a_b",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    cmp_lowercase(a, b),
                    a.to_lowercase().cmp(&b.to_lowercase()),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn templates() {
        let a = account("123456789012", "Genomics Lab (prod)");
        let t = ProfileTemplate::default();
        assert_eq!(
            t.name(&a, "Read=Only,Audit", "s"),
            profile_name("123456789012", "Read=Only,Audit")
        );
        let t = ProfileTemplate::parse("{sso_session}/{account_name}.{role_name}").unwrap();
        assert_eq!(
            t.name(&a, "Admin", "uoregon"),
            "uoregon/Genomics-Lab--prod-.Admin"
        );
        for bad in ["{account}", "{account_id", "x}", "plain", ""] {
            assert!(ProfileTemplate::parse(bad).is_err(), "{bad:?}");
        }
    }
}
