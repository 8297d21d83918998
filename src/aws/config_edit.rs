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
//!     entries, right after the header. New lines come in the given order,
//!     indented like the section's last entry line (in a section without
//!     entries: like the next header), so that no later line changes from
//!     entry or header to continuation (botocore compares indents).
//! * Missing section: appended at the end as the header line followed by
//!   `key = value` lines in the given order. An empty text becomes just the
//!   section; otherwise the section is separated from the text before it by
//!   exactly one blank line (a missing final line terminator is added first;
//!   no blank line is added when the text already ends with one).
//! * New lines end like the first line terminator of the text (`\n`,
//!   `\r\n` or `\r`; `\n` when there is none), except that a lone `\r` is
//!   never put before a `\n` (the two would read as one `\r\n`); a last
//!   line without terminator gets one when a line is added after it.
//! * The result is checked by reading it as botocore does
//!   ([`AwsFile::botocore_view`]): it must read the section once with every
//!   requested value, and every other key and section as before. Otherwise
//!   nothing is returned: [`ConfigError::Refused`] names the file and line.
//!   A file botocore rejects because of the target section (a repeated key,
//!   a nested line without `=`) is refused the same way; one it rejects
//!   because of another section is still edited, checked by our own
//!   reading of the target only.
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

use serde_json::Value;

use super::config::{
    is_py_space, py_strip, scan, AwsFile, ConfigError, FileKind, LineKind, Scan, SectionName,
};

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
        SectionName::Default | SectionName::Defaults => return Ok(()),
        SectionName::Ignored(n) => {
            return Err(invalid(
                path,
                format!("cannot write section [{n}]: botocore ignores it"),
            ))
        }
        SectionName::Profile(n)
        | SectionName::SsoSession(n)
        | SectionName::Services(n)
        | SectionName::Other(n) => n,
    };
    let bad = name.is_empty()
        || name.chars().any(|c| {
            is_py_space(c)
                || c.is_whitespace()
                || c.is_control()
                || matches!(c, '[' | ']' | '\'' | '"' | '\\')
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
        && py_strip(key) == key
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
    if value.chars().any(|c| c.is_control() && c != '\t')
        || py_strip(value) != value
        || value.trim() != value
    {
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
///   brackets, backslashes, empty);
/// * [`ConfigError::Refused`] (file and line) when botocore would read the
///   edited text differently from what was intended, or cannot read the
///   target section of `text`.
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

    // What botocore reads now. A file it rejects because of the target
    // section is refused; one it rejects because of another section (which
    // `doctor` reports) is still edited, checked by our own reading only.
    let before = AwsFile {
        path: path.to_path_buf(),
        kind,
        sections: model.sections.clone(),
    }
    .botocore_view();
    if let (Err(ConfigError::Parse { line, message, .. }), Some(&index)) =
        (&before, matching.first())
    {
        let start = model.sections[index].line;
        let end = model
            .sections
            .iter()
            .map(|s| s.line)
            .find(|l| *l > start)
            .unwrap_or(usize::MAX);
        if (start..end).contains(line) {
            return Err(ConfigError::Refused {
                path: path.to_path_buf(),
                line: *line,
                message: format!("botocore cannot read this file ({message})"),
            });
        }
    }
    let (out, line) = match matching.first() {
        Some(&index) => (
            update_section(text, &model, index, keys, newline),
            model.sections[index].line,
        ),
        None => (
            append_section(text, &model, kind, section, keys, newline),
            model.lines.len() + 1,
        ),
    };
    verify(path, kind, before.ok().as_ref(), &out, section, keys, line)?;
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
    model: &Scan,
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
    // New lines take the indentation that keeps every later line read as
    // before: that of the section's last entry line (the indent botocore
    // compares continuation lines with), or, in a section without entries,
    // that of the next header (which must not become a continuation).
    let indentation = match model
        .lines
        .iter()
        .rposition(|l| matches!(&l.kind, LineKind::Entry { section, .. } if *section == index))
    {
        Some(last_entry) => model.lines[last_entry].indentation(text),
        None => model.lines[header_line + 1..]
            .iter()
            .find(|l| !matches!(l.kind, LineKind::Blank | LineKind::Comment))
            .map_or("", |l| l.indentation(text)),
    };

    let mut edits: Vec<LineEdit> = model.lines.iter().map(|_| LineEdit::Keep).collect();
    let mut added: Vec<String> = Vec::new();
    for (key, value) in keys {
        let lower = key.to_lowercase();
        let Some(entry_index) = target.entries.iter().position(|e| e.key == lower) else {
            added.push(format!("{indentation}{}", entry_line(key, value)));
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
            if line.terminator(text).is_empty() {
                out.push_str(newline);
            }
            // A lone `\r` before a `\n` would read as one `\r\n`.
            let newline = if newline == "\r" && text[line.end..].starts_with('\n') {
                "\r\n"
            } else {
                newline
            };
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
    model: &Scan,
    kind: FileKind,
    section: &SectionName,
    keys: &[(&str, &str)],
    newline: &str,
) -> String {
    let mut out = text.to_string();
    if let Some(last) = model.lines.last() {
        if last.terminator(text).is_empty() {
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

/// Where botocore keeps `section` in the JSON of
/// [`AwsFile::botocore_view`]: (top-level key, name under it).
fn view_slot(kind: FileKind, section: &SectionName) -> Option<(&str, String)> {
    match (kind, section) {
        (_, SectionName::Defaults | SectionName::Ignored(_)) => None,
        (FileKind::Credentials, SectionName::Default) => Some(("", "default".to_string())),
        (FileKind::Credentials, SectionName::Profile(name)) => Some(("", name.clone())),
        (_, SectionName::Default) => Some(("profiles", "default".to_string())),
        (_, SectionName::Profile(name)) => Some(("profiles", name.clone())),
        (_, SectionName::SsoSession(name)) => Some(("sso_sessions", name.clone())),
        (_, SectionName::Services(name)) => Some(("services", name.clone())),
        (_, SectionName::Other(name)) => Some(("", name.clone())),
    }
}

/// Takes the object of `section` out of a botocore view.
fn take_slot(view: &mut Value, slot: &Option<(&str, String)>) -> Option<Value> {
    let (group, name) = slot.as_ref()?;
    let map = if group.is_empty() {
        view.as_object_mut()?
    } else {
        view.get_mut(*group)?.as_object_mut()?
    };
    map.shift_remove(name)
}

/// Re-reads the edited text as botocore does and checks that it reads
/// `section` once with every requested value, every other key of `section`
/// and every other section as `before` (the view of the original text), so
/// a text botocore would read differently from what was intended is never
/// handed out for writing. Without `before` (botocore rejects the original
/// for another section) only our own reading of `section` is checked. `line` is the original line the edit concerns,
/// named in [`ConfigError::Refused`].
fn verify(
    path: &Path,
    kind: FileKind,
    before: Option<&Value>,
    out: &str,
    section: &SectionName,
    keys: &[(&str, &str)],
    line: usize,
) -> Result<(), ConfigError> {
    let refuse = |message: String| ConfigError::Refused {
        path: path.to_path_buf(),
        line,
        message,
    };
    let header = section.header(kind);
    let model = scan(path, kind, out)
        .map_err(|e| refuse(format!("the edited text would not parse ({e})")))?;
    if model.sections.iter().filter(|s| &s.name == section).count() != 1 {
        return Err(refuse(format!(
            "the edited text would not have exactly one {header}"
        )));
    }
    let edited = AwsFile {
        path: path.to_path_buf(),
        kind,
        sections: model.sections,
    };
    let Some(before) = before else {
        // botocore rejects the original for another section: check our own
        // reading of the target.
        let target = edited.section(section).expect("checked above");
        for (key, value) in keys {
            if target.get(key) != Some(*value) {
                return Err(refuse(format!(
                    "the edited text would not read back {key} = {value:?}"
                )));
            }
        }
        return Ok(());
    };
    let mut after = edited
        .botocore_view()
        .map_err(|e| refuse(format!("botocore would not read the edited text ({e})")))?;
    let slot = view_slot(kind, section);
    let mut before = before.clone();
    let old = take_slot(&mut before, &slot);
    let new = take_slot(&mut after, &slot);
    if slot.is_some() {
        let Some(Value::Object(mut new)) = new else {
            return Err(refuse(format!(
                "botocore would not see {header} in the edited text"
            )));
        };
        for (key, value) in keys {
            let seen = new.shift_remove(&key.to_lowercase());
            if seen.as_ref().and_then(Value::as_str) != Some(*value) {
                return Err(refuse(format!(
                    "botocore would read {key} in {header} as {seen:?}, not {value:?}"
                )));
            }
        }
        if let Some(Value::Object(mut old)) = old {
            for (key, _) in keys {
                old.shift_remove(&key.to_lowercase());
            }
            if old != new {
                return Err(refuse(format!(
                    "botocore would read the other keys of {header} differently"
                )));
            }
        }
    }
    if before != after {
        return Err(refuse(format!(
            "editing {header} would change how botocore reads other sections"
        )));
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
    fn files_botocore_rejects_for_the_target_are_refused() {
        for (text, line) in [
            ("[profile p]\nk = 1\nk = 2\n", 3),
            ("[profile p]\ns3 =\n  nope\n", 2),
        ] {
            match upsert_section(
                Path::new("/c"),
                FileKind::Config,
                text,
                &profile("p"),
                &[("k", "v")],
            ) {
                Err(e @ ConfigError::Refused { .. }) => {
                    assert!(
                        e.to_string()
                            .starts_with(&format!("/c:{line}: botocore cannot read")),
                        "{e}"
                    );
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        // Another section's duplicate key does not stop the edit.
        assert_eq!(
            upsert("[profile q]\nk = 1\nk = 2\n", profile("p"), &[("k", "v")]),
            "[profile q]\nk = 1\nk = 2\n\n[profile p]\nk = v\n"
        );
    }

    #[test]
    fn python_whitespace_and_shlex_names() {
        // NBSP before `=`: the same key, updated in place.
        assert_eq!(
            upsert(
                "[profile p]\nsso_session\u{a0}= other\n",
                profile("p"),
                &[("sso_session", "uo")]
            ),
            "[profile p]\nsso_session\u{a0}= uo\n"
        );
        assert_eq!(
            upsert(
                "[profile p]\nregion\u{c}= a\n",
                profile("p"),
                &[("region", "b")]
            ),
            "[profile p]\nregion\u{c}= b\n"
        );
        // A \x0b-indented line continues the entry before it: region is new.
        assert_eq!(
            upsert(
                "[profile p]\nk = 1\n\u{b}region = a\n",
                profile("p"),
                &[("region", "b")]
            ),
            "[profile p]\nk = 1\n\u{b}region = a\nregion = b\n"
        );
        // [profile<NBSP>T] is no profile to botocore: T is appended.
        assert_eq!(
            upsert("[profile\u{a0}T]\nk = 1\n", profile("T"), &[("k", "2")]),
            "[profile\u{a0}T]\nk = 1\n\n[profile T]\nk = 2\n"
        );
        // New lines keep later lines read as before: indented entries and
        // an indented next header.
        assert_eq!(
            upsert(
                "[profile p]\n  k = 1\n  [default]\n",
                profile("p"),
                &[("j", "2")]
            ),
            "[profile p]\n  k = 1\n  j = 2\n  [default]\n"
        );
        assert_eq!(
            upsert("[profile p]\n  [default]\n", profile("p"), &[("j", "2")]),
            "[profile p]\n  j = 2\n  [default]\n"
        );
        // Lone CR endings; a lone CR is never put before a LF.
        assert_eq!(
            upsert("[profile p]\rk = 1\r\n", profile("p"), &[("j", "2")]),
            "[profile p]\rk = 1\r\nj = 2\r"
        );
        assert_eq!(
            upsert("[profile p]\rk = 1\r\n\n", profile("p"), &[("j", "2")]),
            "[profile p]\rk = 1\r\nj = 2\r\n\n"
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
