//! The output boundary: every human-facing print of the program happens
//! here, and every string that came from the network or from a file we did
//! not write is shown through [`escape`] first.
//!
//! Hidden characters ([`is_hidden`]: C0 and C1 controls, DEL, the bidi
//! controls, zero-width and the other invisible format characters of
//! Unicode category Cf, and the line and paragraph separators) are shown
//! as visible escapes (`\x1b`, `\u{202e}`), so no text from outside can
//! move the cursor, set the clipboard, reorder a line or hide a character.
//! Machine outputs escape the same set in their own syntax: [`json`] as
//! `\uXXXX`, [`tsv_field`] as `\xNN` / `\u{…}`.
//!
//! Rule (checked by `tests/output_boundary.rs`): outside this module and
//! the simulator, `src/` has no `print!`, `println!`, `eprint!`,
//! `eprintln!` and no write to `std::io::stdout()` / `std::io::stderr()`;
//! the TUI draws through `ui`, whose text goes through [`escape`]
//! (`ui::text::sanitize` is this function).

use std::fmt::Display;
use std::io::Write;

/// Whether `c` is shown escaped: a control character (C0, DEL, C1), a
/// format character of Unicode category Cf (bidi embeddings, overrides and
/// isolates U+202A–U+202E and U+2066–U+2069, zero-width U+200B–U+200F,
/// U+2060–U+2064, the byte order mark U+FEFF, the soft hyphen, tags …) or
/// a line / paragraph separator (U+2028, U+2029).
pub fn is_hidden(c: char) -> bool {
    if c.is_control() {
        return true;
    }
    matches!(c as u32,
        0x00AD
        | 0x0600..=0x0605
        | 0x061C
        | 0x06DD
        | 0x070F
        | 0x0890..=0x0891
        | 0x08E2
        | 0x180E
        | 0x200B..=0x200F
        | 0x2028..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x206F
        | 0xFEFF
        | 0xFFF9..=0xFFFB
        | 0x110BD
        | 0x110CD
        | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A
        | 0xE0001
        | 0xE0020..=0xE007F)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// `s` on one line with every hidden character ([`is_hidden`]) escaped:
/// ESC as `\x1b`, a newline as `\n`, U+202E as `\u{202e}`. Backslashes are
/// kept, so escaping twice changes nothing.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`escape`] but keeps newlines and tabs: for text of several lines
/// that we composed, whose untrusted parts are escaped here all the same.
fn escape_keeping(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' || c == '\t' || !is_hidden(c) {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

/// `value` serialised as JSON (pretty when `pretty`) with every hidden
/// character written as `\uXXXX` (a surrogate pair above U+FFFF), which
/// serde_json leaves raw for DEL, C1 and the Cf set.
///
/// Errors: those of `serde_json::to_string`.
pub fn json<T: serde::Serialize + ?Sized>(value: &T, pretty: bool) -> serde_json::Result<String> {
    let text = if pretty {
        serde_json::to_string_pretty(value)?
    } else {
        serde_json::to_string(value)?
    };
    Ok(json_escape(&text))
}

/// `text` (valid JSON) with every hidden character outside the JSON
/// syntax's own whitespace written as `\uXXXX`. Outside strings JSON holds
/// only ASCII, so every such character is inside a string.
pub fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_hidden(c) && !matches!(c, '\n' | '\r' | '\t' | ' ') {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A field for TSV: `\` as `\\`, tab `\t`, newline `\n`, carriage return
/// `\r`, other hidden characters `\xNN` (or `\u{…}` above U+00FF), so a
/// field never splits a line or a column, never reaches a terminal raw,
/// and the escaping can be undone.
pub fn tsv_field(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if is_hidden(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// The messages of an error and its causes joined by `: `, each said once:
/// a cause whose text is already part of what was said (an I/O error both
/// shown by its wrapper and given as its source) is left out, so
/// `Is a directory (os error 21)` appears once.
pub fn chain<'a>(
    causes: impl IntoIterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> String {
    let mut out = String::new();
    for cause in causes {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// `error` and its sources (see [`chain`]).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    chain(std::iter::successors(Some(error), |e| e.source()))
}

/// At most the first `limit` bytes of `body` (cut at a character), escaped
/// on one line, with `…` when cut: how a response body is quoted in an
/// error.
pub fn excerpt(body: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = escape(&text[..end]);
    if end < text.len() {
        out.push('…');
    }
    out
}

/// Writes `message` on stderr as `uo-aws-tui: MESSAGE`, escaped (newlines
/// kept).
pub fn error(message: impl Display) {
    line(&format!("uo-aws-tui: {message}"));
}

/// Writes `message` on stderr as `uo-aws-tui: warning: MESSAGE`, escaped
/// on one line (a line break in it shows as `\n`, so no text from outside
/// can forge a line of its own).
pub fn warn(message: impl Display) {
    line(&format!(
        "uo-aws-tui: warning: {}",
        escape(&message.to_string())
    ));
}

/// Writes `message` on stderr as it is, escaped (newlines kept): for lines
/// that carry their own prefix.
pub fn note(message: impl Display) {
    line(&message.to_string());
}

fn line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", escape_keeping(text));
}

/// Writes `text` on stdout and flushes: a command's result. Hidden
/// characters other than newlines and tabs are escaped; the machine
/// formats built by [`json`], [`tsv_field`] and the shell quoting hold none.
///
/// Errors: stdout closed or failing.
pub fn stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(escape_keeping(text).as_bytes())?;
    out.flush()
}

/// Writes the listing progress `line` (built by us from counts) over the
/// current stderr line; `None` clears it. Only for a terminal.
pub fn progress(line: Option<&str>) {
    let mut err = std::io::stderr().lock();
    let _ = match line {
        Some(line) => write!(err, "\r\x1b[2K{}", escape(line)),
        None => write!(err, "\r\x1b[2K"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a\u{1b}[31mb\u{1b}]52;c;cHduZWQ=\u{7}c\u{9b}d\u{7f}e\u{202e}f\u{2066}g\u{200b}h\u{feff}i\u{2028}j\u{e0041}";

    fn clean(s: &str) -> bool {
        !s.chars().any(is_hidden)
    }

    #[test]
    fn escape_shows_every_hidden_character() {
        let shown = escape(HOSTILE);
        assert!(clean(&shown), "{shown:?}");
        assert_eq!(
            shown,
            "a\\x1b[31mb\\x1b]52;c;cHduZWQ=\\x07c\\x9bd\\x7fe\\u{202e}f\\u{2066}g\\u{200b}h\\u{feff}i\\u{2028}j\\u{e0041}"
        );
        assert_eq!(escape(&shown), shown);
        assert_eq!(escape("Física \"Q\" 東京 ✓"), "Física \"Q\" 東京 ✓");
        assert_eq!(escape("a\nb\tc"), "a\\nb\\tc");
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw() {
        let text = json(&serde_json::json!({ "name": HOSTILE }), true).unwrap();
        assert!(clean(&text.replace(['\n'], "")), "{text:?}");
        assert!(text.contains("\\u202e") && text.contains("\\u009b") && text.contains("\\u007f"));
        assert!(text.contains("\\udb40\\udc41"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], HOSTILE);
    }

    #[test]
    fn tsv_fields_escape_the_same_set() {
        let field = tsv_field(HOSTILE);
        assert!(clean(&field));
        assert!(!field.contains('\t'));
        assert_eq!(tsv_field("a\\b\tc\nd"), "a\\\\b\\tc\\nd");
    }

    #[test]
    fn causes_are_said_once() {
        let io = std::io::Error::from_raw_os_error(21);
        let wrapped = anyhow::Error::new(io)
            .context("/home/u/.aws/sso/cache/x.json: Is a directory (os error 21)")
            .context("cannot read the token");
        let said = chain(wrapped.chain());
        assert_eq!(
            said,
            "cannot read the token: /home/u/.aws/sso/cache/x.json: Is a directory (os error 21)"
        );
    }

    #[test]
    fn excerpts_are_short_and_escaped() {
        let body = format!("<html>\u{1b}]52;c;x\u{7}{}", "é".repeat(300));
        let cut = excerpt(body.as_bytes(), 200);
        assert!(cut.len() <= 200 + 3 * 4 + "…".len(), "{}", cut.len());
        assert!(cut.ends_with('…') && cut.starts_with("<html>\\x1b]52"));
        assert!(!cut.chars().any(is_hidden));
        assert_eq!(excerpt(b"short", 200), "short");
    }

    #[test]
    fn messages_keep_their_lines_only() {
        assert_eq!(
            escape_keeping("x\u{1b}\ny\tz\u{202e}"),
            "x\\x1b\ny\tz\\u{202e}"
        );
    }
}
