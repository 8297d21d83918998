//! The safe fixes `doctor --fix` applies to the text of an AWS config or
//! credentials file, each a pure function from the old text to the new one
//! and what changed. Only the lines a fix concerns change; every other
//! byte (comments, blank lines, CRLF endings) stays.
//!
//! - [`safe_fixes`]: strip a UTF-8 byte order mark; drop a key line that
//!   repeats an earlier `key = value` of its section exactly; move an
//!   inline comment off an `sso_*` key onto a line of its own above it;
//!   un-indent a `key = value` line that continues the previous value by
//!   accident (the parent has a value of its own).
//! - [`comment_out_sections`]: comment out whole sections (a stale static
//!   key section of the credentials file that shadows an SSO profile).

use crate::doctor::looks_like_key_line;

/// One change a fix made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// 1-based line of the old text.
    pub line: usize,
    /// What was done, in a few words.
    pub what: String,
}

/// A line without its ending, and the ending (`\n`, `\r\n` or none).
fn split_ending(line: &str) -> (&str, &str) {
    if let Some(body) = line.strip_suffix("\r\n") {
        (body, "\r\n")
    } else if let Some(body) = line.strip_suffix('\n') {
        (body, "\n")
    } else {
        (line, "")
    }
}

/// Where an inline comment starts in `value`: the first `#` or `;` after a
/// space or tab.
fn inline_comment_at(value: &str) -> Option<usize> {
    let bytes = value.as_bytes();
    (1..bytes.len())
        .find(|&i| (bytes[i] == b'#' || bytes[i] == b';') && matches!(bytes[i - 1], b' ' | b'\t'))
}

/// `text` with every safe fix applied, and the list of what changed (empty
/// when nothing did; then the text is returned as it was).
pub fn safe_fixes(text: &str) -> (String, Vec<Applied>) {
    let mut applied = Vec::new();
    let body = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            applied.push(Applied {
                line: 1,
                what: "removed the UTF-8 byte order mark".to_string(),
            });
            rest
        }
        None => text,
    };
    let mut out = String::with_capacity(body.len());
    let mut in_section = false;
    // Whether the last key line had a value (so an indented line continues it).
    let mut parent_has_value = false;
    // Whether the key an indented line would continue is a secret.
    let mut parent_secret = false;
    let mut seen: Vec<(String, String)> = Vec::new();
    for (index, raw) in body.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let (mut content, ending) = split_ending(raw);
        let trimmed = content.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            out.push_str(raw);
            continue;
        }
        let indented = content.starts_with([' ', '\t']);
        if !indented && trimmed.starts_with('[') {
            in_section = true;
            parent_has_value = false;
            seen.clear();
            out.push_str(raw);
            continue;
        }
        if indented {
            if !(in_section && parent_has_value && looks_like_key_line(trimmed)) || parent_secret {
                // A real continuation, or a nested block's `k = v`; under a
                // secret, part of its value (doctor: continued-value).
                out.push_str(raw);
                continue;
            }
            applied.push(Applied {
                line: number,
                what: format!(
                    "un-indented {:?}, which continued the previous value",
                    crate::aws::config::shown_line(trimmed)
                ),
            });
            content = content.trim_start();
        }
        let Some(eq) = content.find('=') else {
            out.push_str(content);
            out.push_str(ending);
            continue;
        };
        let key = content[..eq].trim().to_ascii_lowercase();
        let value = content[eq + 1..].trim();
        if seen.iter().any(|(k, v)| *k == key && v == value) {
            applied.push(Applied {
                line: number,
                what: format!(
                    "dropped {key} = {}, an exact repeat in its section",
                    crate::aws::config::shown_value(&key, value)
                ),
            });
            continue;
        }
        parent_has_value = !value.is_empty();
        parent_secret = crate::aws::config::is_secret_key(&key);
        seen.push((key.clone(), value.to_string()));
        match inline_comment_at(value).filter(|_| key.starts_with("sso_")) {
            Some(at) => {
                let comment = &value[at..];
                let kept = value[..at].trim_end();
                applied.push(Applied {
                    line: number,
                    what: format!("moved the comment {comment:?} off {key} to the line above"),
                });
                out.push_str(comment);
                out.push_str(if ending.is_empty() { "\n" } else { ending });
                out.push_str(&content[..=eq]);
                out.push(' ');
                out.push_str(kept);
                out.push_str(ending);
            }
            None => {
                out.push_str(content);
                out.push_str(ending);
            }
        }
    }
    if applied.is_empty() {
        (text.to_string(), applied)
    } else {
        (out, applied)
    }
}

/// `text` with the sections whose header is `[NAME]` (NAME in `names`,
/// surrounding spaces ignored) commented out: `# ` before each of their
/// non-blank lines, up to the next section.
pub fn comment_out_sections(text: &str, names: &[String]) -> (String, Vec<Applied>) {
    let mut applied = Vec::new();
    let mut out = String::with_capacity(text.len() + 64);
    let mut inside = false;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let (content, _) = split_ending(raw);
        let trimmed = content.trim();
        if !content.starts_with([' ', '\t']) && trimmed.starts_with('[') {
            let name = trimmed
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim();
            inside = names.iter().any(|n| n == name);
            if inside {
                applied.push(Applied {
                    line: index + 1,
                    what: format!("commented out [{name}]"),
                });
            }
        }
        if inside && !trimmed.is_empty() {
            out.push_str("# ");
        }
        out.push_str(raw);
    }
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fix_changes_only_its_lines() {
        let (out, applied) = safe_fixes("\u{feff}[a]\r\nx = 1\r\n");
        assert_eq!(out, "[a]\r\nx = 1\r\n");
        assert_eq!(applied.len(), 1);

        let (out, applied) = safe_fixes("[a]\nx = 1\ny = 2\nx = 1\nx = 3\n");
        assert_eq!(out, "[a]\nx = 1\ny = 2\nx = 3\n");
        assert_eq!(applied[0].line, 4);

        let (out, _) = safe_fixes("[a]\nsso_role_name = Admin # main\nregion = x # kept\n");
        assert_eq!(
            out,
            "[a]\n# main\nsso_role_name = Admin\nregion = x # kept\n"
        );

        let (out, _) = safe_fixes("[s]\nsso_region = r\n\tsso_registration_scopes = a\n");
        assert_eq!(out, "[s]\nsso_region = r\nsso_registration_scopes = a\n");

        // A nested block and an ordinary continuation stay.
        let text = "[p]\ns3 =\n  max_concurrent_requests = 10\nnote = a\n  b\n";
        assert_eq!(safe_fixes(text), (text.to_string(), Vec::new()));
    }

    #[test]
    fn sections_are_commented_out_whole() {
        let (out, applied) = comment_out_sections("[p]\nk = 1\n\n[q]\nk = 2\n", &["p".to_string()]);
        assert_eq!(out, "# [p]\n# k = 1\n\n[q]\nk = 2\n");
        assert_eq!(applied.len(), 1);
    }
}
