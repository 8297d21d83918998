//! Byte-preserving edits of the AWS shared config and credentials files.
//!
//! Edits work on the line model of [`super::config`] (the same reader that
//! parses the file), change only the lines they must, and leave every other
//! byte (comments, blank lines, spacing, key order, line terminators)
//! exactly as it was. [`crate::atomic_file::write_atomic`] then replaces the file.
//!
//! # Rules of [`upsert_section`]
//!
//! * The section is found by its parsed name (`[profile  x]` with two spaces
//!   is profile `x`). If it appears more than once nothing is changed and
//!   [`ConfigError::Duplicate`] names the first two header lines.
//! * Existing section, for each `(key, value)`:
//!   - an entry with that key (compared lower-cased) and an equal value is
//!     left untouched;
//!   - an entry with a different value has only its value bytes rewritten,
//!     keeping indentation, key spelling, delimiter, spacing and terminator
//!     (`region=eu-west-1` → `region=us-west-2`); its continuation lines, if
//!     any, are removed;
//!   - if the key appears more than once in the section, only the first is
//!     updated and the others are left as they are;
//!   - a missing key gets a new `key = value` line right after the last
//!     entry of the section (after its continuation lines, before any blank
//!     or comment lines that precede the next header); in a section without
//!     entries, right after the header. New lines come in the given order.
//! * Missing section: appended at the end as the header line followed by
//!   `key = value` lines in the given order. An empty text becomes just the
//!   section; otherwise the section is separated from the text before it by
//!   exactly one blank line (a missing final line terminator is added first;
//!   no blank line is added when the text already ends with one).
//! * New lines end in `\r\n` when the first line terminator of the text is
//!   `\r\n`, else in `\n`; a last line without terminator gets one when a
//!   line is added after it.
//! * An empty value is written as `key =`.
//! * When nothing changes the input is returned unchanged, so the same
//!   upsert applied twice gives byte-identical text.
//!
//! # Rules of [`remove_section`]
//!
//! * The section is found by its parsed name; a duplicated section is
//!   refused with [`ConfigError::Duplicate`], a missing one leaves the text
//!   unchanged.
//! * Removed: the header line and every line after it up to and including
//!   the section's last entry (or continuation) line, so comments and blank
//!   lines between its entries go too. Blank and comment lines after the
//!   last entry are kept: they may introduce the next section.
//! * One blank line just before the header is removed as well when the
//!   removed lines are followed by a blank line or by the end of the text,
//!   so removing a section [`upsert_section`] appended gives back the text
//!   it was appended to (when that text ended in a line terminator and not
//!   in a blank line).
//! * Every other byte stays as it was.

use std::path::Path;

use super::config::{scan, ConfigError, FileKind, LineKind, SectionName};

fn invalid(path: &Path, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}

/// Checks that `section` can be written as a header that reads back as the
/// same name without quoting.
fn check_section_name(
    path: &Path,
    kind: FileKind,
    section: &SectionName,
) -> Result<(), ConfigError> {
    let name = match section {
        SectionName::Default => return Ok(()),
        SectionName::Profile(n)
        | SectionName::SsoSession(n)
        | SectionName::Services(n)
        | SectionName::Other(n) => n,
    };
    let bad = name.is_empty()
        || name.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '[' | ']' | '\'' | '"' | '\\')
        });
    let header = section.header(kind);
    let round_trip = header
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .map(|inner| SectionName::from_header_text(inner, kind));
    if bad || name.starts_with(['#', ';']) {
        return Err(invalid(
            path,
            format!(
                "cannot write section {header}: names must be non-empty, contain no whitespace, line breaks, brackets, quotes or backslashes, and not start with `#` or `;`"
            ),
        ));
    }
    if round_trip.as_ref() != Some(section) {
        let file = match kind {
            FileKind::Config => "config",
            FileKind::Credentials => "credentials",
        };
        return Err(invalid(
            path,
            format!("cannot write {section:?} to the {file} file: its header {header} would read back as another section"),
        ));
    }
    Ok(())
}

/// Checks one `(key, value)` pair: both must read back exactly as given.
fn check_entry(path: &Path, key: &str, value: &str) -> Result<(), ConfigError> {
    let key_ok = !key.is_empty()
        && key.trim() == key
        && !key.chars().any(|c| c.is_control() || c == '=' || c == ':')
        && !key.starts_with(['#', ';', '[']);
    if !key_ok {
        return Err(invalid(
            path,
            format!(
                "cannot write key {key:?}: keys must be non-empty, without surrounding whitespace, line breaks, `=` or `:`, and not start with `#`, `;` or `[`"
            ),
        ));
    }
    if value.contains(['\r', '\n']) {
        return Err(invalid(
            path,
            format!("cannot write {key}: the value contains a line break"),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') || value.trim() != value {
        return Err(invalid(
            path,
            format!("cannot write {key} = {value:?}: the value has surrounding whitespace or control characters, which would not read back the same"),
        ));
    }
    let comment_like = value.starts_with(['#', ';'])
        || value.contains(" #")
        || value.contains(" ;")
        || value.contains("\t#")
        || value.contains("\t;");
    if comment_like {
        return Err(invalid(
            path,
            format!("cannot write {key} = {value:?}: the AWS SDKs would read `#`/`;` after a space as a comment"),
        ));
    }
    Ok(())
}

/// The text of a new `key = value` line (without terminator).
fn entry_line(key: &str, value: &str) -> String {
    if value.is_empty() {
        format!("{key} =")
    } else {
        format!("{key} = {value}")
    }
}

/// What to do with one original line.
enum LineEdit {
    Keep,
    Drop,
    /// Replace the bytes `range` of the line with `with`.
    Replace {
        range: std::ops::Range<usize>,
        with: String,
    },
}

/// Insert or update `keys` in `section` of `text` (the contents of `path`, a
/// file of `kind`) and return the whole new text; see the module rules.
///
/// `keys` are `(key, value)` pairs, written in this order when lines are
/// added. Errors (the text is never partly edited):
/// * [`ConfigError::Parse`] when `text` does not parse (1-based line);
/// * [`ConfigError::Duplicate`] when `section` appears twice, naming the
///   first two header lines;
/// * [`ConfigError::Invalid`] for a key or value with `\r`/`\n`, a value with
///   surrounding whitespace or an inline-comment-like ` #`/` ;`, a key given
///   twice, or a section name that would need quoting (whitespace, quotes,
///   brackets, backslashes, empty).
pub fn upsert_section(
    path: &Path,
    kind: FileKind,
    text: &str,
    section: &SectionName,
    keys: &[(&str, &str)],
) -> Result<String, ConfigError> {
    check_section_name(path, kind, section)?;
    for (i, (key, value)) in keys.iter().enumerate() {
        check_entry(path, key, value)?;
        let lower = key.to_lowercase();
        if keys[..i].iter().any(|(k, _)| k.to_lowercase() == lower) {
            return Err(invalid(path, format!("key {key} given twice")));
        }
    }
    let model = scan(path, kind, text)?;
    let newline = model
        .lines
        .iter()
        .map(|l| l.terminator(text))
        .find(|t| !t.is_empty())
        .unwrap_or("\n");

    let matching: Vec<usize> = model
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| &s.name == section)
        .map(|(i, _)| i)
        .collect();
    if let [first, second, ..] = matching.as_slice() {
        return Err(ConfigError::Duplicate {
            path: path.to_path_buf(),
            section: section.header(kind).trim_matches(['[', ']']).to_string(),
            first_line: model.sections[*first].line,
            second_line: model.sections[*second].line,
        });
    }

    let out = match matching.first() {
        Some(&index) => update_section(text, &model, index, keys, newline),
        None => append_section(text, &model, kind, section, keys, newline),
    };
    verify(path, kind, &out, section, keys)?;
    Ok(out)
}

/// Removes `section` from `text` (the contents of `path`, a file of `kind`)
/// and returns the whole new text; see the module rules. A missing section
/// returns `text` unchanged.
///
/// Errors: [`ConfigError::Parse`] when `text` does not parse;
/// [`ConfigError::Duplicate`] when `section` appears twice (nothing is
/// removed).
pub fn remove_section(
    path: &Path,
    kind: FileKind,
    text: &str,
    section: &SectionName,
) -> Result<String, ConfigError> {
    let model = scan(path, kind, text)?;
    let matching: Vec<usize> = model
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| &s.name == section)
        .map(|(i, _)| i)
        .collect();
    let index = match matching.as_slice() {
        [] => return Ok(text.to_string()),
        [index] => *index,
        [first, second, ..] => {
            return Err(ConfigError::Duplicate {
                path: path.to_path_buf(),
                section: section.header(kind).trim_matches(['[', ']']).to_string(),
                first_line: model.sections[*first].line,
                second_line: model.sections[*second].line,
            })
        }
    };
    let header = model.sections[index].line - 1;
    let last = model
        .lines
        .iter()
        .rposition(|l| match &l.kind {
            LineKind::Entry { section, .. } | LineKind::Continuation { section, .. } => {
                *section == index
            }
            _ => false,
        })
        .unwrap_or(header);
    let followed_by_blank_or_end = model
        .lines
        .get(last + 1)
        .is_none_or(|l| l.kind == LineKind::Blank);
    let first = if header > 0
        && model.lines[header - 1].kind == LineKind::Blank
        && followed_by_blank_or_end
    {
        header - 1
    } else {
        header
    };
    let start = model.lines[first].start;
    let end = model.lines[last].end;
    let mut out = String::with_capacity(text.len() - (end - start));
    out.push_str(&text[..start]);
    out.push_str(&text[end..]);
    // Whatever remains must still read as the same file minus the section.
    let check = scan(path, kind, &out).map_err(|e| {
        invalid(
            path,
            format!(
                "the text without {} would not parse ({e}); nothing written",
                section.header(kind)
            ),
        )
    })?;
    if check.sections.len() + 1 != model.sections.len()
        || check.sections.iter().any(|s| &s.name == section)
    {
        return Err(invalid(
            path,
            format!(
                "removing {} would change other sections; nothing written",
                section.header(kind)
            ),
        ));
    }
    Ok(out)
}

/// Updates the existing section `model.sections[index]` in place.
fn update_section(
    text: &str,
    model: &super::config::Scan,
    index: usize,
    keys: &[(&str, &str)],
    newline: &str,
) -> String {
    let target = &model.sections[index];
    let header_line = target.line - 1;
    let in_section = |kind: &LineKind| match kind {
        LineKind::Entry { section, .. } | LineKind::Continuation { section, .. } => {
            *section == index
        }
        _ => false,
    };
    let insert_after = model
        .lines
        .iter()
        .rposition(|l| in_section(&l.kind))
        .unwrap_or(header_line);

    let mut edits: Vec<LineEdit> = model.lines.iter().map(|_| LineEdit::Keep).collect();
    let mut added: Vec<String> = Vec::new();
    for (key, value) in keys {
        let lower = key.to_lowercase();
        let Some(entry_index) = target.entries.iter().position(|e| e.key == lower) else {
            added.push(entry_line(key, value));
            continue;
        };
        let entry = &target.entries[entry_index];
        if entry.value == *value {
            continue;
        }
        let line_index = entry.line - 1;
        let LineKind::Entry {
            key_end,
            delim_end,
            value: old,
            ..
        } = &model.lines[line_index].kind
        else {
            unreachable!("an entry's line is an entry line");
        };
        edits[line_index] = if value.is_empty() {
            LineEdit::Replace {
                range: *delim_end..old.end,
                with: String::new(),
            }
        } else if old.is_empty() && old.start == *delim_end {
            // `key=` or `key =`: mirror the spacing before the delimiter.
            let gap = if *key_end + 1 < *delim_end { " " } else { "" };
            LineEdit::Replace {
                range: old.clone(),
                with: format!("{gap}{value}"),
            }
        } else {
            LineEdit::Replace {
                range: old.clone(),
                with: value.to_string(),
            }
        };
        for (i, line) in model.lines.iter().enumerate() {
            if line.kind
                == (LineKind::Continuation {
                    section: index,
                    entry: entry_index,
                })
            {
                edits[i] = LineEdit::Drop;
            }
        }
    }
    if added.is_empty() && edits.iter().all(|e| matches!(e, LineEdit::Keep)) {
        return text.to_string();
    }

    let mut out = String::with_capacity(text.len() + 64 * added.len());
    for (i, (line, edit)) in model.lines.iter().zip(&edits).enumerate() {
        match edit {
            LineEdit::Keep => out.push_str(&text[line.start..line.end]),
            LineEdit::Drop => {}
            LineEdit::Replace { range, with } => {
                out.push_str(&text[line.start..range.start]);
                out.push_str(with);
                out.push_str(&text[range.end..line.end]);
            }
        }
        if i == insert_after && !added.is_empty() {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push_str(newline);
            }
            for new_line in &added {
                out.push_str(new_line);
                out.push_str(newline);
            }
        }
    }
    out
}

/// Appends a new section at the end of `text`.
fn append_section(
    text: &str,
    model: &super::config::Scan,
    kind: FileKind,
    section: &SectionName,
    keys: &[(&str, &str)],
    newline: &str,
) -> String {
    let mut out = text.to_string();
    if !text.is_empty() {
        if !text.ends_with('\n') {
            out.push_str(newline);
        }
        let ends_blank = model
            .lines
            .last()
            .is_some_and(|l| l.kind == LineKind::Blank);
        if !ends_blank {
            out.push_str(newline);
        }
    }
    out.push_str(&section.header(kind));
    out.push_str(newline);
    for (key, value) in keys {
        out.push_str(&entry_line(key, value));
        out.push_str(newline);
    }
    out
}

/// Re-reads the edited text and checks that `section` now appears once with
/// every requested value, so a text that would not read back as intended is
/// never handed out for writing.
fn verify(
    path: &Path,
    kind: FileKind,
    out: &str,
    section: &SectionName,
    keys: &[(&str, &str)],
) -> Result<(), ConfigError> {
    let model = scan(path, kind, out).map_err(|e| {
        invalid(
            path,
            format!("the edited text would not parse ({e}); nothing written"),
        )
    })?;
    let mut found = model.sections.iter().filter(|s| &s.name == section);
    let (Some(s), None) = (found.next(), found.next()) else {
        return Err(invalid(
            path,
            format!(
                "the edited text does not have exactly one {}; nothing written",
                section.header(kind)
            ),
        ));
    };
    for (key, value) in keys {
        if s.get(key) != Some(*value) {
            return Err(invalid(
                path,
                format!("the edited text does not read back {key} = {value:?}; nothing written"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upsert(text: &str, section: SectionName, keys: &[(&str, &str)]) -> String {
        upsert_section(Path::new("/c"), FileKind::Config, text, &section, keys).unwrap()
    }

    fn profile(name: &str) -> SectionName {
        SectionName::Profile(name.to_string())
    }

    #[test]
    fn empty_text_gets_just_the_section() {
        assert_eq!(
            upsert("", profile("p"), &[("region", "r"), ("output", "")]),
            "[profile p]\nregion = r\noutput =\n"
        );
    }

    #[test]
    fn appending_separates_with_one_blank_line() {
        assert_eq!(
            upsert("[default]\na = 1\n", profile("p"), &[("k", "v")]),
            "[default]\na = 1\n\n[profile p]\nk = v\n"
        );
        assert_eq!(
            upsert("[default]\na = 1\n\n", profile("p"), &[("k", "v")]),
            "[default]\na = 1\n\n[profile p]\nk = v\n"
        );
        assert_eq!(
            upsert("[default]\r\na = 1", profile("p"), &[("k", "v")]),
            "[default]\r\na = 1\r\n\r\n[profile p]\r\nk = v\r\n"
        );
    }

    #[test]
    fn value_rewrites_keep_spacing() {
        let text = "[default]\nregion=eu-west-1\nOutput :  json  \nempty=\nspaced =\n";
        assert_eq!(
            upsert(
                text,
                SectionName::Default,
                &[
                    ("region", "us-west-2"),
                    ("output", "text"),
                    ("empty", "x"),
                    ("spaced", "y")
                ]
            ),
            "[default]\nregion=us-west-2\nOutput :  text  \nempty=x\nspaced = y\n"
        );
        assert_eq!(
            upsert(
                "[default]\nregion = a\n",
                SectionName::Default,
                &[("region", "")]
            ),
            "[default]\nregion =\n"
        );
    }

    #[test]
    fn continuation_lines_of_a_changed_entry_are_dropped() {
        let text = "[default]\ns3 =\n    a = 1\n# keep\n    b = 2\nregion = x\n";
        assert_eq!(
            upsert(text, SectionName::Default, &[("s3", "none")]),
            "[default]\ns3 = none\n# keep\nregion = x\n"
        );
        // new keys land after the last entry's continuation lines
        let text = "[default]\nregion = x\ns3 =\n    a = 1\n\n# tail\n[profile p]\n";
        assert_eq!(
            upsert(text, SectionName::Default, &[("output", "json")]),
            "[default]\nregion = x\ns3 =\n    a = 1\noutput = json\n\n# tail\n[profile p]\n"
        );
    }

    #[test]
    fn section_without_entries_and_without_final_newline() {
        assert_eq!(
            upsert("[profile p]", profile("p"), &[("k", "v")]),
            "[profile p]\nk = v\n"
        );
        assert_eq!(
            upsert(
                "[profile p]\n# c\n\n[default]\n",
                profile("p"),
                &[("k", "v")]
            ),
            "[profile p]\nk = v\n# c\n\n[default]\n"
        );
        assert_eq!(
            upsert(
                "[profile p]\nk = v",
                profile("p"),
                &[("k", "w"), ("n", "1")]
            ),
            "[profile p]\nk = w\nn = 1\n"
        );
    }

    #[test]
    fn duplicate_key_updates_first_only() {
        assert_eq!(
            upsert(
                "[default]\nk = 1\nk = 2\n",
                SectionName::Default,
                &[("k", "3")]
            ),
            "[default]\nk = 3\nk = 2\n"
        );
    }

    #[test]
    fn credentials_headers() {
        let out = upsert_section(
            Path::new("/c"),
            FileKind::Credentials,
            "[default]\naws_access_key_id = A\n",
            &profile("p"),
            &[("aws_access_key_id", "B")],
        )
        .unwrap();
        assert_eq!(
            out,
            "[default]\naws_access_key_id = A\n\n[p]\naws_access_key_id = B\n"
        );
    }

    fn remove(text: &str, name: &str) -> String {
        remove_section(Path::new("/c"), FileKind::Config, text, &profile(name)).unwrap()
    }

    #[test]
    fn removing_a_section_keeps_every_other_byte() {
        let text = "# top\n[default]\nregion = a\n\n[profile x]\nk = 1\n# inside\n  \nj = 2\n\n# about y\n[profile y]\nk = 3\n";
        assert_eq!(
            remove(text, "x"),
            "# top\n[default]\nregion = a\n\n# about y\n[profile y]\nk = 3\n"
        );
        assert_eq!(remove(text, "y"), "# top\n[default]\nregion = a\n\n[profile x]\nk = 1\n# inside\n  \nj = 2\n\n# about y\n");
        assert_eq!(remove(text, "missing"), text);
        // Continuation lines and CRLF; a section without entries.
        assert_eq!(
            remove("[profile x]\r\ns3 =\r\n  a = 1\r\n[profile y]\r\n", "x"),
            "[profile y]\r\n"
        );
        assert_eq!(
            remove("[default]\n[profile x]\n[profile y]\n", "x"),
            "[default]\n[profile y]\n"
        );
        assert_eq!(remove("[profile x]", "x"), "");
    }

    #[test]
    fn removing_an_appended_section_restores_the_text() {
        for text in ["", "[default]\na = 1\n", "[default]\r\na = 1\r\n", "# c\n"] {
            let added = upsert(text, profile("p"), &[("k", "v"), ("l", "w")]);
            assert_eq!(remove(&added, "p"), text, "{text:?}");
        }
    }

    #[test]
    fn removing_a_duplicated_section_is_refused() {
        let err = remove_section(
            Path::new("/c"),
            FileKind::Config,
            "[profile x]\na = 1\n[profile  x]\nb = 2\n",
            &profile("x"),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Duplicate {
                    first_line: 1,
                    second_line: 3,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn refusals() {
        let refuse = |section: SectionName, keys: &[(&str, &str)]| match upsert_section(
            Path::new("/c"),
            FileKind::Config,
            "",
            &section,
            keys,
        ) {
            Err(ConfigError::Invalid { message, .. }) => message,
            other => panic!("expected Invalid, got {other:?}"),
        };
        refuse(profile("a b"), &[("k", "v")]);
        refuse(profile(""), &[("k", "v")]);
        refuse(profile("a'b"), &[("k", "v")]);
        refuse(SectionName::Other("default".into()), &[("k", "v")]);
        let wrong_file = upsert_section(
            Path::new("/c"),
            FileKind::Credentials,
            "",
            &SectionName::SsoSession("s".into()),
            &[("k", "v")],
        );
        assert!(matches!(wrong_file, Err(ConfigError::Invalid { .. })));
        assert!(refuse(profile("p"), &[("k", "a\nb")]).contains("line break"));
        refuse(profile("p"), &[("k", "a\rb")]);
        refuse(profile("p"), &[("k\n", "v")]);
        refuse(profile("p"), &[("k=x", "v")]);
        refuse(profile("p"), &[("k", " v")]);
        refuse(profile("p"), &[("k", "v # c")]);
        refuse(profile("p"), &[("k", "v"), ("K", "w")]);
    }
}
