//! `uo-aws-tui list [--json|--tsv] [--refresh|--offline] [QUERY…]`: the
//! catalog for scripts, by the cache rule of [`crate::scripting::catalog_for`]
//! (`--offline` never touches the network).

use std::collections::HashSet;

use crate::catalog::RowKind;
use crate::cli::ListArgs;
use crate::env::Environment;
use crate::exit::Exit;
use crate::listing;
use crate::scripting::{list_with_settings, settings, Purpose};

/// One listed row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub account_id: String,
    pub account_name: String,
    pub email: String,
    pub role_name: String,
    /// The profile name uo-aws-tui writes for this row.
    pub profile: String,
    /// Whether the config file already has `[profile <profile>]`.
    pub profile_exists: bool,
}

/// The TSV header line (without terminator).
pub const TSV_HEADER: &str = "account_id\taccount_name\temail\trole_name\tprofile\tprofile_exists";

pub use crate::output::tsv_field;

/// The entries as TSV: the header, then one line per entry.
pub fn to_tsv(entries: &[Entry]) -> String {
    let mut out = format!("{TSV_HEADER}\n");
    for e in entries {
        let fields = [
            tsv_field(&e.account_id),
            tsv_field(&e.account_name),
            tsv_field(&e.email),
            tsv_field(&e.role_name),
            tsv_field(&e.profile),
            e.profile_exists.to_string(),
        ];
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    out
}

/// The entries as an aligned table for people (control characters shown
/// escaped).
pub fn to_table(entries: &[Entry]) -> String {
    let header = ["ACCOUNT ID", "ACCOUNT", "ROLE", "PROFILE", "EXISTS"];
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|e| {
            [
                crate::output::escape(&e.account_id),
                crate::output::escape(&e.account_name),
                crate::output::escape(&e.role_name),
                crate::output::escape(&e.profile),
                if e.profile_exists { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(unicode_width::UnicodeWidthStr::width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(unicode_width::UnicodeWidthStr::width(cell.as_str()));
        }
    }
    let line = |cells: &[&str]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                let pad = w - unicode_width::UnicodeWidthStr::width(*cell) + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&header);
    for row in &rows {
        out.push_str(&line(&row.each_ref().map(String::as_str)));
    }
    out
}

pub async fn run(args: &ListArgs) -> anyhow::Result<Exit> {
    let env = Environment::from_process()?;
    let settings = settings(&env)?;
    let listed = list_with_settings(
        &env,
        &settings,
        args.sso_session.as_deref(),
        args.catalog,
        Purpose::Rows,
    )
    .await?;
    for warning in listed.warnings() {
        crate::output::warn(warning);
    }
    let existing: HashSet<&str> = listed.config.profiles().map(|(name, _)| name).collect();
    let rows = listed.catalog.rows();
    let name = crate::scripting::namer(&settings.profile_template, &listed.session.name);
    let entries: Vec<Entry> = listing::matches(&args.query.join(" "), rows, &name)
        .into_iter()
        .map(|i| &rows[i])
        .filter_map(|row| {
            let RowKind::Role(role) = &row.kind else {
                return None;
            };
            let profile = settings
                .profile_template
                .name(&row.account, role, &listed.session.name);
            Some(Entry {
                account_id: row.account.id.clone(),
                account_name: row.account.name.clone(),
                email: row.account.email.clone(),
                role_name: role.clone(),
                profile_exists: existing.contains(profile.as_str()),
                profile,
            })
        })
        .collect();
    let text = if args.json {
        let mut json = crate::output::json(&entries, true)?;
        json.push('\n');
        json
    } else if args.tsv {
        to_tsv(&entries)
    } else {
        to_table(&entries)
    };
    Ok(Exit::Done(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_escapes_control_characters_and_backslashes() {
        assert_eq!(tsv_field("plain name"), "plain name");
        assert_eq!(tsv_field("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
        assert_eq!(tsv_field("\u{1b}[31m\u{85}"), "\\x1b[31m\\x85");
        let e = Entry {
            account_id: "1".into(),
            account_name: "Lab\tA".into(),
            email: "e".into(),
            role_name: "R".into(),
            profile: "1_R".into(),
            profile_exists: true,
        };
        assert_eq!(
            to_tsv(&[e]),
            format!("{TSV_HEADER}\n1\tLab\\tA\te\tR\t1_R\ttrue\n")
        );
    }
}
