//! One line-level reader of the AWS shared config and credentials files,
//! reading them exactly as botocore does.
//!
//! The reader classifies every line of the file once (`scan`) and keeps
//! each line's byte range and terminator, so the editor in
//! [`super::config_edit`] rewrites single lines of the very same model and
//! leaves every other byte as it was. [`AwsFile`] is the parsed view built
//! from that model; [`AwsFile::botocore_view`] is the dictionary botocore's
//! `configloader.load_config` (config file) or `raw_config_parse`
//! (credentials file) returns for the same bytes.
//!
//! # Rules
//!
//! These are the rules of botocore: Python's `configparser.RawConfigParser()`
//! with its defaults (Python 3.11 `_read`), then
//! `botocore.configloader.raw_config_parse` and `build_profile_map`. They are
//! written down here once; `tests/config_differential.rs` checks them
//! against the installed botocore on generated files.
//!
//! * **Encoding**: UTF-8 (botocore under `PYTHONUTF8=1`). A byte order mark
//!   is not whitespace to Python, so a file starting with one never has a
//!   header on its first line: a parse error on line 1.
//! * **Lines** (universal newlines): a line ends at `\n`, `\r\n` or a lone
//!   `\r`; the last line may lack a terminator. Nothing else ends a line
//!   here (`\x0b`, `\x0c`, `\x1c`–`\x1e`, U+0085, U+2028 and U+2029 are
//!   ordinary characters of a line).
//! * **Whitespace** is Python's `str.isspace` (= regex `\s`): `\t`, `\n`,
//!   `\x0b`, `\x0c`, `\r`, `\x1c`–`\x1f`, space, U+0085, U+00A0, U+1680,
//!   U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 ([`is_py_space`]).
//!   Every "strip" and "indent" below uses this class; U+200B and U+FEFF are
//!   not whitespace.
//! * Each line is **stripped**; the **indent** of a line is the number of
//!   characters (not bytes) before its first non-whitespace character.
//! * **Comment**: the stripped line starts with `#` or `;` (at any indent).
//!   Comments never end or continue a value.
//! * **Blank**: the stripped line is empty. Inside a value it adds one empty
//!   line to the value (see continuations); trailing ones are dropped.
//! * **Continuation**: after a `key = value` line of the current section,
//!   a line whose indent is *greater than* the indent of that `key = value`
//!   line appends `\n` + its stripped text to the value (even when it looks
//!   like a header or contains `=`). The value is then right-stripped, so
//!   `s3 =` followed by `  addressing_style = path` has the value
//!   `"\naddressing_style = path"`. Right after a header there is no value
//!   to continue: an indented line there is read as a header or entry.
//! * **Header**: otherwise, a stripped line that starts with `[` and has a
//!   `]` at least two characters later. The name is everything between the
//!   `[` and the *last* `]` (`[default] # note` is `default`, `[a]]` is
//!   `a]`, `[ x ]` is ` x `, unstripped). `[]` is not a header.
//! * A line before any header that is not blank or a comment is an error
//!   (`MissingSectionHeaderError`), indented or not.
//! * **Entry**: otherwise the stripped line is split at the first `=` or
//!   `:`; the key is the text before it, right-stripped and lower-cased
//!   (`str.lower`); the value is the text after it, stripped. Inline
//!   comments are part of the value (`region = x # y` is `x # y`). No `=`
//!   or `:`, or an empty key, is an error (`ParsingError`).
//! * **`[DEFAULT]`** (exactly) is configparser's defaults section: not a
//!   section of its own; its keys are inherited by every other section that
//!   does not set them (see [`Section::get`]).
//! * **Duplicates**: the same header text twice (`[DEFAULT]` excepted) or
//!   the same key twice in sections of the same header text makes botocore
//!   reject the whole file. [`AwsFile::parse`] keeps both (so `doctor` can
//!   point at them); [`AwsFile::botocore_view`] reports the error.
//! * **Nested values**: a value that starts with `\n` (an empty first line
//!   and continuation lines) is split with Python's `str.splitlines` (which
//!   also splits at `\x0b`, `\x0c`, `\x1c`–`\x1e`, U+0085, U+2028, U+2029),
//!   each line stripped, empty ones skipped, and each must contain `=`:
//!   `sub = val` (split at the first `=`, both stripped, not lower-cased,
//!   a repeated sub-key replaces the earlier one). A line without `=` makes
//!   botocore reject the whole file. This applies to inherited values too.
//! * **Section names** (config file, see [`SectionName`]): `default` is the
//!   default profile; a name that starts with `profile`, `sso-session` or
//!   `services` is split with Python's `shlex.split` (POSIX mode: only
//!   space, tab, `\r` and `\n` separate words, so NBSP or U+3000 do not;
//!   `'…'` is literal; inside `"…"` a `\` escapes only `\` and `"`; outside
//!   quotes `\` escapes any character) and must give exactly two words, the
//!   second being the name — the first word is not checked, so
//!   `[profilex y]` is profile `y`. An unclosed quote, a trailing `\`, or
//!   another word count, and botocore ignores the section. Any other name
//!   is a non-profile section (`[plugins]`, `[ profile a ]`). Credentials
//!   file: every section name is a profile name as written.
//! * **Same profile twice** under different header texts (`[profile a]`
//!   and `[profile  a]`, or `[default]` and `[profile default]`): the later
//!   section replaces the earlier one (no merge); [`AwsFile::profile`]
//!   returns the later one.
//!
//! The Rust SDK reads some of these differently (inline comments, `:`
//! delimiters, indented comments, `[DEFAULT]`; see the reference's parser
//! comparison); `doctor` reports the ones it checks. This reader follows
//! botocore only.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Which of the two AWS shared files a text comes from; it decides how
/// section headers are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `~/.aws/config` (`AWS_CONFIG_FILE`): `[default]`, `[profile NAME]`,
    /// `[sso-session NAME]`, `[services NAME]`.
    Config,
    /// `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`): `[default]` and
    /// bare `[NAME]` profiles.
    Credentials,
}

/// The parsed name of a section header, from its inner text (between `[`
/// and the last `]`, unstripped), as botocore names it.
///
/// Both files: exactly `DEFAULT` → [`SectionName::Defaults`] (configparser's
/// defaults section).
///
/// Config file:
/// * exactly `default` → [`SectionName::Default`];
/// * inner text starting with `profile`, `sso-session` or `services` (in
///   this order of checking) that splits with `shlex` into exactly two words
///   → `Profile`/`SsoSession`/`Services` of the second word. So
///   `[profile  x]` (two spaces) is profile `x`, `[profile "a b"]` is
///   profile `a b`, and `[profilex y]` is profile `y` (botocore does not
///   check the first word);
/// * such a prefixed text that does not split into two words
///   (`[profile a b]`, `[profile\u{a0}T]`, `[profile 'a]`) →
///   [`SectionName::Ignored`]: botocore drops the section;
/// * anything else (`[plugins]`, `[ profile a ]`, `[Profile x]`) →
///   [`SectionName::Other`] with the inner text as written.
///
/// Credentials file: `default` → `Default`, any other text (but `DEFAULT`)
/// → `Profile(text)` as written (`[profile foo]` there is the profile named
/// `profile foo`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SectionName {
    /// `[default]` (both files).
    Default,
    /// Config `[profile NAME]`; credentials `[NAME]` (NAME is not `default`).
    Profile(String),
    /// Config `[sso-session NAME]`.
    SsoSession(String),
    /// Config `[services NAME]`.
    Services(String),
    /// `[DEFAULT]`: its keys are inherited by every other section.
    Defaults,
    /// Config header starting with `profile`, `sso-session` or `services`
    /// that botocore ignores (not exactly two `shlex` words): the inner text.
    Ignored(String),
    /// Any other header, e.g. `[plugins]` or `[preview]`: the inner text as
    /// written (not stripped).
    Other(String),
}

impl SectionName {
    /// The header line text (without terminator) we write for this name in a
    /// file of `kind`: `[default]`, config `[profile 123_Admin]`,
    /// credentials `[123_Admin]`, `[sso-session uoregon]`,
    /// `[services NAME]`, `[DEFAULT]`, `[OTHER]`. Names are written as they
    /// are, never quoted; the editor refuses names that would need quoting.
    pub fn header(&self, kind: FileKind) -> String {
        match (self, kind) {
            (SectionName::Default, _) => "[default]".to_string(),
            (SectionName::Profile(name), FileKind::Config) => format!("[profile {name}]"),
            (SectionName::Profile(name), FileKind::Credentials) => format!("[{name}]"),
            (SectionName::SsoSession(name), _) => format!("[sso-session {name}]"),
            (SectionName::Services(name), _) => format!("[services {name}]"),
            (SectionName::Defaults, _) => "[DEFAULT]".to_string(),
            (SectionName::Ignored(name), _) | (SectionName::Other(name), _) => {
                format!("[{name}]")
            }
        }
    }

    /// Classifies the inner text of a header (between `[` and the last `]`)
    /// as described on [`SectionName`].
    pub fn from_header_text(inner: &str, kind: FileKind) -> SectionName {
        if inner == "DEFAULT" {
            return SectionName::Defaults;
        }
        if inner == "default" {
            return SectionName::Default;
        }
        if kind == FileKind::Credentials {
            return SectionName::Profile(inner.to_string());
        }
        for (prefix, make) in [
            ("profile", SectionName::Profile as fn(String) -> SectionName),
            ("sso-session", SectionName::SsoSession),
            ("services", SectionName::Services),
        ] {
            if inner.starts_with(prefix) {
                return match shlex_split(inner).as_deref() {
                    Some([_, name]) => make(name.clone()),
                    _ => SectionName::Ignored(inner.to_string()),
                };
            }
        }
        SectionName::Other(inner.to_string())
    }
}

/// Python's `str.isspace`, the whitespace class of `str.strip` and of the
/// regex `\s` that configparser uses: `\t`–`\r`, `\x1c`–`\x1f`, space,
/// U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F,
/// U+3000.
pub fn is_py_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\x1c'..='\x1f'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Python's `str.strip()`.
pub fn py_strip(text: &str) -> &str {
    text.trim_matches(is_py_space)
}

/// Python's `str.splitlines()` boundaries: `\n`, `\r`, `\x0b`, `\x0c`,
/// `\x1c`, `\x1d`, `\x1e`, U+0085, U+2028, U+2029 (`\r\n` counts once, which
/// does not matter to callers that skip empty lines).
fn is_py_line_boundary(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Splits `text` into words like Python's `shlex.split(text)` (POSIX mode,
/// no comments): only space, tab, `\r` and `\n` separate words; `'…'` is
/// literal; inside `"…"` a `\` escapes only `\` and `"` (else it is kept);
/// outside quotes a `\` escapes any character; an empty quoted word counts.
/// Returns `None` where `shlex` raises (unclosed quote, trailing `\`).
pub fn shlex_split(text: &str) -> Option<Vec<String>> {
    let is_sep = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if is_sep(c) => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        other => word.push(other),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            escaped @ ('\\' | '"') => word.push(escaped),
                            other => {
                                word.push('\\');
                                word.push(other);
                            }
                        },
                        other => word.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

/// One `key = value` entry of a section.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key, stripped and lower-cased (`Region` → `region`).
    pub key: String,
    /// The value, stripped; continuation lines are appended after `\n` (see
    /// the module rules). Inline comments are part of the value.
    pub value: String,
    /// 1-based line number of the `key = value` line in the file.
    pub line: usize,
}

/// One section of a file: its header and the entries below it.
#[derive(Debug, Clone)]
pub struct Section {
    /// The parsed header name.
    pub name: SectionName,
    /// The header's inner text exactly as written (between the `[` and the
    /// last `]`): the name botocore compares when it rejects a duplicated
    /// section, so `[profile a]` and `[profile  a]` differ here while both
    /// are profile `a`.
    pub header: String,
    /// 1-based line number of the header line in the file.
    pub line: usize,
    /// The entries in file order; a key that appears twice is kept twice.
    pub entries: Vec<Entry>,
    /// The entries of the file's `[DEFAULT]` sections, which this section
    /// inherits where it does not set the key itself (empty for `[DEFAULT]`
    /// itself).
    pub inherited: Vec<Entry>,
}

impl Section {
    /// The value of the first entry whose key equals `key` (compared
    /// lower-cased), else of the first inherited `[DEFAULT]` entry with that
    /// key, or `None`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|e| e.value.as_str())
    }

    /// The entry [`Section::get`] reads the value of: the first own entry
    /// whose key equals `key` (compared lower-cased), else the first
    /// inherited `[DEFAULT]` one, or `None`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        let key = key.to_lowercase();
        self.entries
            .iter()
            .chain(&self.inherited)
            .find(|e| e.key == key)
    }
}

/// The keys whose values are secrets: nothing we print shows them.
pub const SECRET_KEYS: [&str; 3] = [
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// Whether `key` (any case, surrounding spaces ignored) is one of
/// [`SECRET_KEYS`].
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key.trim().to_lowercase().as_str())
}

/// `value` of `key` as it may be printed: `****` for a secret key.
pub fn shown_value<'a>(key: &str, value: &'a str) -> &'a str {
    if is_secret_key(key) {
        "****"
    } else {
        value
    }
}

/// A `key = value` (or `key: value`) line as it may be printed: the value
/// of a secret key ([`is_secret_key`]) is `****`; any other line as it is.
pub fn shown_line(line: &str) -> String {
    match line.find(['=', ':']) {
        Some(at) if is_secret_key(&line[..at]) => format!("{} ****", &line[..=at]),
        _ => line.to_string(),
    }
}

/// A parsed AWS config or credentials file.
#[derive(Debug, Clone)]
pub struct AwsFile {
    /// The path the text was read from (used in error messages).
    pub path: PathBuf,
    /// Which file this is; decides how headers were classified.
    pub kind: FileKind,
    /// Every section in file order, `[DEFAULT]` included; duplicated
    /// sections are all kept.
    pub sections: Vec<Section>,
}

/// Why a file could not be read or edited. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not exist (from [`AwsFile::load`]).
    #[error("{}: file not found", path.display())]
    NotFound { path: PathBuf },
    /// Reading or writing the file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The text is not a valid AWS shared file; `line` is the 1-based line
    /// number of the offending line.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The section to edit appears more than once; `first_line` and
    /// `second_line` are the 1-based lines of the first two headers.
    #[error("{}: section [{section}] appears twice, at lines {first_line} and {second_line}; remove one and try again", path.display())]
    Duplicate {
        path: PathBuf,
        section: String,
        first_line: usize,
        second_line: usize,
    },
    /// An edit was refused because a section name, key or value cannot be
    /// written safely (e.g. it contains a line break, or a name would need
    /// quoting); `message` says which and why.
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    /// An edit was refused because botocore would read the edited file
    /// differently from what was intended (the target section or key seen
    /// under another name, or the file rejected); nothing was written.
    /// `line` is the 1-based line of the original file the edit concerns.
    #[error("{}:{line}: {message}; nothing written", path.display())]
    Refused {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// How one line of the file was classified; indices point into the
/// `sections` of the same [`Scan`] and into that section's `entries`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Empty or only whitespace.
    Blank,
    /// The stripped line starts with `#` or `;`.
    Comment,
    /// The header of `sections[section]`.
    Header { section: usize },
    /// `sections[section].entries[entry]`; all offsets are absolute byte
    /// offsets into the text.
    Entry {
        section: usize,
        entry: usize,
        /// End of the stripped key (where the spacing before the delimiter
        /// starts).
        key_end: usize,
        /// Just after the `=` or `:`.
        delim_end: usize,
        /// The stripped value (the empty range `delim_end..delim_end` when
        /// the value is empty).
        value: Range<usize>,
    },
    /// A line continuing `sections[section].entries[entry]`.
    Continuation { section: usize, entry: usize },
}

/// One physical line: its byte range in the text and its classification.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// Byte offset of the first byte of the line.
    pub start: usize,
    /// Byte offset where the terminator starts (== `end` when there is none).
    pub content_end: usize,
    /// Byte offset just after the terminator.
    pub end: usize,
    pub kind: LineKind,
}

impl Line {
    /// The terminator of this line: `""`, `"\n"`, `"\r\n"` or `"\r"`.
    pub fn terminator<'t>(&self, text: &'t str) -> &'t str {
        &text[self.content_end..self.end]
    }

    /// The leading whitespace of this line.
    pub fn indentation<'t>(&self, text: &'t str) -> &'t str {
        let content = &text[self.start..self.content_end];
        &content[..content.len() - content.trim_start_matches(is_py_space).len()]
    }
}

/// The line model of a text plus the sections built from it.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub lines: Vec<Line>,
    pub sections: Vec<Section>,
}

fn parse_error(path: &Path, line: usize, message: impl Into<String>) -> ConfigError {
    ConfigError::Parse {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Splits `text` into lines (start, content end, end) with universal
/// newlines: `\n`, `\r\n` and a lone `\r` end a line.
fn split_lines(text: &str) -> Vec<(usize, usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push((start, i, i + 1));
                start = i + 1;
            }
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                out.push((start, i, i + 2));
                i += 1;
                start = i + 1;
            }
            b'\r' => {
                out.push((start, i, i + 1));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        out.push((start, bytes.len(), bytes.len()));
    }
    out
}

/// Classifies every line of `text` and builds the sections; see the module
/// documentation for the rules. Duplicates are kept. Errors:
/// [`ConfigError::Parse`] naming the 1-based line, for a byte order mark,
/// a line before any header, a line without `=`/`:` or with an empty key.
pub(crate) fn scan(path: &Path, kind: FileKind, text: &str) -> Result<Scan, ConfigError> {
    if text.starts_with('\u{feff}') {
        return Err(parse_error(
            path,
            1,
            "file starts with a UTF-8 byte order mark, which the AWS CLI and SDKs cannot read; save it without BOM",
        ));
    }
    let mut lines = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    // configparser's `optname`: the entry a more indented line continues.
    let mut open_entry: Option<(usize, usize)> = None;
    // configparser's `indent_level`: the indent of the last header or entry.
    let mut indent_level = 0usize;
    // Blank lines seen since the open entry's last line.
    let mut pending_blank = 0usize;
    for (index, (start, content_end, end)) in split_lines(text).into_iter().enumerate() {
        let number = index + 1;
        let content = &text[start..content_end];
        let stripped = py_strip(content);
        let lead = content.len() - content.trim_start_matches(is_py_space).len();
        let indent = content[..lead].chars().count();
        let stripped_start = start + lead;
        let kind_of_line = if stripped.starts_with(['#', ';']) {
            LineKind::Comment
        } else if stripped.is_empty() {
            pending_blank += 1;
            LineKind::Blank
        } else if let Some((section, entry)) = open_entry.filter(|_| indent > indent_level) {
            let value = &mut sections[section].entries[entry].value;
            for _ in 0..pending_blank {
                value.push('\n');
            }
            pending_blank = 0;
            value.push('\n');
            value.push_str(stripped);
            LineKind::Continuation { section, entry }
        } else {
            indent_level = indent;
            if let Some(close) = stripped
                .rfind(']')
                .filter(|c| stripped.starts_with('[') && *c > 1)
            {
                let inner = &stripped[1..close];
                sections.push(Section {
                    name: SectionName::from_header_text(inner, kind),
                    header: inner.to_string(),
                    line: number,
                    entries: Vec::new(),
                    inherited: Vec::new(),
                });
                open_entry = None;
                pending_blank = 0;
                LineKind::Header {
                    section: sections.len() - 1,
                }
            } else {
                let Some(section) = sections.len().checked_sub(1) else {
                    return Err(parse_error(
                        path,
                        number,
                        "line outside any section; add a [section] header before it",
                    ));
                };
                let Some(delim) = stripped.find(['=', ':']) else {
                    return Err(parse_error(
                        path,
                        number,
                        // The line itself is not quoted: in these files it may be
                        // (part of) a secret, such as a session token that wrapped
                        // onto a line of its own.
                        "expected `key = value`, a [section] header, a comment or a blank line, \
                         found a line that is none of these (not shown: it may hold a secret)",
                    ));
                };
                let key = stripped[..delim].trim_end_matches(is_py_space);
                if key.is_empty() {
                    return Err(parse_error(path, number, "empty key before `=`"));
                }
                let after = &stripped[delim + 1..];
                let value_text = py_strip(after);
                let value_start = if value_text.is_empty() {
                    stripped_start + delim + 1
                } else {
                    stripped_start
                        + delim
                        + 1
                        + (after.len() - after.trim_start_matches(is_py_space).len())
                };
                let entries = &mut sections[section].entries;
                entries.push(Entry {
                    key: key.to_lowercase(),
                    value: value_text.to_string(),
                    line: number,
                });
                let entry = entries.len() - 1;
                open_entry = Some((section, entry));
                pending_blank = 0;
                LineKind::Entry {
                    section,
                    entry,
                    key_end: stripped_start + key.len(),
                    delim_end: stripped_start + delim + 1,
                    value: value_start..value_start + value_text.len(),
                }
            }
        };
        lines.push(Line {
            start,
            content_end,
            end,
            kind: kind_of_line,
        });
    }
    let defaults: Vec<Entry> = sections
        .iter()
        .filter(|s| s.name == SectionName::Defaults)
        .flat_map(|s| s.entries.iter().cloned())
        .collect();
    if !defaults.is_empty() {
        for section in &mut sections {
            if section.name != SectionName::Defaults {
                section.inherited = defaults.clone();
            }
        }
    }
    Ok(Scan { lines, sections })
}

/// Reads `path` as bytes and decodes it as UTF-8. Errors: `NotFound`, `Io`,
/// or `Parse` naming the line of the first byte that is not UTF-8.
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    let bytes = match crate::file_kind::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::NotFound {
                path: path.to_path_buf(),
            })
        }
        Err(source) => {
            return Err(ConfigError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        parse_error(
            path,
            line,
            format!("not valid UTF-8 (byte offset {at}); save the file as UTF-8"),
        )
    })
}

/// A value as botocore returns it: the text, or for a value starting with
/// `\n` the object of its `sub = val` lines. Errors with the message for a
/// nested line without `=`.
fn botocore_value(value: &str) -> Result<Value, String> {
    if !value.starts_with('\n') {
        return Ok(Value::String(value.to_string()));
    }
    let mut nested = Map::new();
    for line in value.split(is_py_line_boundary) {
        let line = py_strip(line);
        if line.is_empty() {
            continue;
        }
        let Some((key, val)) = line.split_once('=') else {
            return Err(format!(
                "nested line `{line}` has no `=` (botocore reads an indented block under an empty value as `key = value` lines)"
            ));
        };
        nested.insert(
            py_strip(key).to_string(),
            Value::String(py_strip(val).to_string()),
        );
    }
    Ok(Value::Object(nested))
}

impl AwsFile {
    /// Parses `text` (the contents of `path`, a file of `kind`) by the module
    /// rules, keeping duplicates. Errors: [`ConfigError::Parse`] with the
    /// 1-based line.
    pub fn parse(path: &Path, kind: FileKind, text: &str) -> Result<AwsFile, ConfigError> {
        let scan = scan(path, kind, text)?;
        Ok(AwsFile {
            path: path.to_path_buf(),
            kind,
            sections: scan.sections,
        })
    }

    /// Reads and parses `path`. Errors: [`ConfigError::NotFound`] when the
    /// file does not exist, [`ConfigError::Io`] when it cannot be read,
    /// [`ConfigError::Parse`] for bad content or bytes that are not UTF-8.
    pub fn load(path: &Path, kind: FileKind) -> Result<AwsFile, ConfigError> {
        let text = read_text(path)?;
        AwsFile::parse(path, kind, &text)
    }

    /// Like [`AwsFile::load`], but a missing file is `Ok(None)` (normal for
    /// the credentials file).
    pub fn load_optional(path: &Path, kind: FileKind) -> Result<Option<AwsFile>, ConfigError> {
        match AwsFile::load(path, kind) {
            Ok(file) => Ok(Some(file)),
            Err(ConfigError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The last section named `name` (the one botocore uses), or `None`.
    pub fn section(&self, name: &SectionName) -> Option<&Section> {
        self.sections.iter().rfind(|s| &s.name == name)
    }

    /// The section botocore reads as profile `name`: the last section whose
    /// profile name (see [`AwsFile::profiles`]) is `name`, so of `[default]`
    /// and `[profile default]` the later one. `None` when there is none.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles()
            .filter(|(n, _)| *n == name)
            .last()
            .map(|(_, s)| s)
    }

    /// Every profile section in file order as (profile name, section):
    /// `[default]` as `"default"`, each `Profile(name)` as `name`.
    /// Duplicates are yielded each time they appear (botocore uses the last).
    pub fn profiles(&self) -> impl Iterator<Item = (&str, &Section)> {
        self.sections.iter().filter_map(|s| match &s.name {
            SectionName::Default => Some(("default", s)),
            SectionName::Profile(name) => Some((name.as_str(), s)),
            _ => None,
        })
    }

    /// Every `[sso-session NAME]` section in file order as (name, section);
    /// duplicates are yielded each time they appear.
    pub fn sso_sessions(&self) -> impl Iterator<Item = (&str, &Section)> {
        self.sections.iter().filter_map(|s| match &s.name {
            SectionName::SsoSession(name) => Some((name.as_str(), s)),
            _ => None,
        })
    }

    /// The last `[sso-session name]` section, or `None`.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.section(&SectionName::SsoSession(name.to_string()))
    }

    /// The file as botocore returns it, as JSON.
    ///
    /// Config file: `botocore.configloader.load_config`'s dictionary: every
    /// non-profile section by its inner text (`{"plugins": {...}}`), plus
    /// `"profiles"`, `"sso_sessions"` and `"services"`, each mapping a name
    /// to its keys. Credentials file: `raw_config_parse`'s dictionary, every
    /// section by its inner text. A section's keys are its own (lower-cased)
    /// then the inherited `[DEFAULT]` ones it lacks; a value is a string, or
    /// for a value starting with `\n` an object of its nested `sub = val`
    /// lines. Ignored sections are left out; a later section of the same
    /// profile replaces an earlier one.
    ///
    /// Errors, where botocore rejects the whole file:
    /// [`ConfigError::Parse`] naming the line of a repeated header text, a
    /// repeated key (within sections of one header text), or a value whose
    /// nested lines lack `=`.
    pub fn botocore_view(&self) -> Result<Value, ConfigError> {
        let path = &self.path;
        let mut headers: std::collections::HashMap<&str, usize> = Default::default();
        let mut keys: std::collections::HashMap<(&str, &str), usize> = Default::default();
        for section in &self.sections {
            if section.name != SectionName::Defaults {
                if let Some(first) = headers.insert(&section.header, section.line) {
                    return Err(parse_error(
                        path,
                        section.line,
                        format!(
                            "section [{}] appears again (first at line {first}); botocore rejects the whole file",
                            section.header
                        ),
                    ));
                }
            }
            for entry in &section.entries {
                if let Some(first) = keys.insert((&section.header, &entry.key), entry.line) {
                    return Err(parse_error(
                        path,
                        entry.line,
                        format!(
                            "{} in [{}] is set again (first at line {first}); botocore rejects the whole file",
                            entry.key, section.header
                        ),
                    ));
                }
            }
        }
        let mut raw: Vec<(&Section, Map<String, Value>)> = Vec::new();
        for section in &self.sections {
            if section.name == SectionName::Defaults {
                continue;
            }
            let mut options = Map::new();
            let own = section.entries.iter();
            let inherited = section
                .inherited
                .iter()
                .filter(|d| !section.entries.iter().any(|e| e.key == d.key));
            for entry in own.chain(inherited) {
                let value = botocore_value(&entry.value)
                    .map_err(|message| parse_error(path, entry.line, message))?;
                options.insert(entry.key.clone(), value);
            }
            raw.push((section, options));
        }
        let mut out = Map::new();
        if self.kind == FileKind::Credentials {
            for (section, options) in raw {
                out.insert(section.header.clone(), Value::Object(options));
            }
            return Ok(Value::Object(out));
        }
        let (mut profiles, mut sessions, mut services) = (Map::new(), Map::new(), Map::new());
        for (section, options) in raw {
            let options = Value::Object(options);
            match &section.name {
                SectionName::Default => profiles.insert("default".to_string(), options),
                SectionName::Profile(name) => profiles.insert(name.clone(), options),
                SectionName::SsoSession(name) => sessions.insert(name.clone(), options),
                SectionName::Services(name) => services.insert(name.clone(), options),
                SectionName::Other(name) => out.insert(name.clone(), options),
                SectionName::Defaults | SectionName::Ignored(_) => None,
            };
        }
        out.insert("profiles".to_string(), Value::Object(profiles));
        out.insert("sso_sessions".to_string(), Value::Object(sessions));
        out.insert("services".to_string(), Value::Object(services));
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AwsFile, ConfigError> {
        AwsFile::parse(Path::new("/tmp/config"), FileKind::Config, text)
    }

    fn parse_error_at(text: &str) -> (usize, String) {
        match parse(text) {
            Err(ConfigError::Parse { line, message, .. }) => (line, message),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn header_names() {
        let c = FileKind::Config;
        let name = |s: &str| SectionName::from_header_text(s, c);
        assert_eq!(name("default"), SectionName::Default);
        assert_eq!(name("profile x"), SectionName::Profile("x".into()));
        assert_eq!(name("profile  x"), SectionName::Profile("x".into()));
        assert_eq!(name("profile \"a b\""), SectionName::Profile("a b".into()));
        assert_eq!(name("profile 'a b'"), SectionName::Profile("a b".into()));
        assert_eq!(
            name("profile a b"),
            SectionName::Ignored("profile a b".into())
        );
        assert_eq!(
            name("profile 'a"),
            SectionName::Ignored("profile 'a".into())
        );
        assert_eq!(
            name(" profile a "),
            SectionName::Other(" profile a ".into())
        );
        // botocore does not check the first word.
        assert_eq!(name("profilex y"), SectionName::Profile("y".into()));
        assert_eq!(name("Profile x"), SectionName::Other("Profile x".into()));
        // shlex splits only at space, tab, CR and LF.
        assert_eq!(
            name("profile\u{a0}T"),
            SectionName::Ignored("profile\u{a0}T".into())
        );
        assert_eq!(
            name("profile\u{3000}T"),
            SectionName::Ignored("profile\u{3000}T".into())
        );
        assert_eq!(name("profile\tT"), SectionName::Profile("T".into()));
        assert_eq!(
            name("profile \"a\\$b\""),
            SectionName::Profile("a\\$b".into())
        );
        assert_eq!(name("profile a\\ b"), SectionName::Profile("a b".into()));
        assert_eq!(name("profile ''"), SectionName::Profile("".into()));
        assert_eq!(name("sso-session uo"), SectionName::SsoSession("uo".into()));
        assert_eq!(name("services s"), SectionName::Services("s".into()));
        assert_eq!(name("plugins"), SectionName::Other("plugins".into()));
        assert_eq!(name("DEFAULT"), SectionName::Defaults);
        let cred = |s: &str| SectionName::from_header_text(s, FileKind::Credentials);
        assert_eq!(cred("default"), SectionName::Default);
        assert_eq!(cred("x"), SectionName::Profile("x".into()));
        assert_eq!(cred("profile x"), SectionName::Profile("profile x".into()));
    }

    #[test]
    fn header_text() {
        let p = SectionName::Profile("123_Admin".into());
        assert_eq!(p.header(FileKind::Config), "[profile 123_Admin]");
        assert_eq!(p.header(FileKind::Credentials), "[123_Admin]");
        assert_eq!(SectionName::Default.header(FileKind::Config), "[default]");
        assert_eq!(
            SectionName::SsoSession("uoregon".into()).header(FileKind::Config),
            "[sso-session uoregon]"
        );
        assert_eq!(
            SectionName::Services("s".into()).header(FileKind::Config),
            "[services s]"
        );
        assert_eq!(
            SectionName::Other("plugins".into()).header(FileKind::Config),
            "[plugins]"
        );
    }

    #[test]
    fn entries_comments_and_values() {
        let text = "# top\n[default] # note\nRegion = us-west-2 # prod\n  ; indented comment\noutput: json\ncli_pager =\nurl=https://x/?a=b:c\n\n[profile p]\r\nregion=eu-west-1";
        let f = parse(text).unwrap();
        let d = f.profile("default").unwrap();
        assert_eq!(d.line, 2);
        assert_eq!(d.get("region"), Some("us-west-2 # prod"));
        assert_eq!(d.get("REGION"), Some("us-west-2 # prod"));
        assert_eq!(d.get("output"), Some("json"));
        assert_eq!(d.get("cli_pager"), Some(""));
        assert_eq!(d.get("url"), Some("https://x/?a=b:c"));
        assert_eq!(d.entries[0].line, 3);
        let p = f.profile("p").unwrap();
        assert_eq!(p.line, 9);
        assert_eq!(p.get("region"), Some("eu-west-1"));
        let names: Vec<_> = f.profiles().map(|(n, _)| n).collect();
        assert_eq!(names, ["default", "p"]);
    }

    #[test]
    fn continuation_lines() {
        let text = "[default]\ns3 =\n    max_concurrent_requests = 20\n\n    addressing_style = path\n# c\nregion = x\n  more\n";
        let f = parse(text).unwrap();
        let d = f.profile("default").unwrap();
        assert_eq!(
            d.get("s3"),
            Some("\nmax_concurrent_requests = 20\n\naddressing_style = path")
        );
        assert_eq!(d.get("region"), Some("x\nmore"));
    }

    #[test]
    fn duplicates_are_kept() {
        let f = parse("[profile a]\nk=1\nk=2\n[profile a]\nk=3\n").unwrap();
        assert_eq!(f.sections.len(), 2);
        // botocore would read the later one (if it read the file at all).
        assert_eq!(f.profile("a").unwrap().get("k"), Some("3"));
        assert_eq!(f.sections[0].get("k"), Some("1"));
        let err = f.botocore_view().unwrap_err().to_string();
        assert!(err.starts_with("/tmp/config:3: k in [profile a]"), "{err}");
        let keys: Vec<_> = f.sections[0]
            .entries
            .iter()
            .map(|e| (&*e.key, e.line))
            .collect();
        assert_eq!(keys, [("k", 2), ("k", 3)]);
        assert_eq!(f.profiles().count(), 2);
    }

    #[test]
    fn headers_are_kept_as_written() {
        let f = parse("[profile a]\n[profile  a] # note\n[profile \"a\"]\n").unwrap();
        let headers: Vec<_> = f.sections.iter().map(|s| s.header.as_str()).collect();
        assert_eq!(headers, ["profile a", "profile  a", "profile \"a\""]);
        assert!(f
            .sections
            .iter()
            .all(|s| s.name == SectionName::Profile("a".into())));
    }

    #[test]
    fn sessions_and_profile_default_fallback() {
        let f = parse("[profile default]\nregion = r\n[sso-session uo]\nsso_region = us-west-2\n")
            .unwrap();
        assert_eq!(f.profile("default").unwrap().get("region"), Some("r"));
        assert_eq!(
            f.sso_session("uo").unwrap().get("sso_region"),
            Some("us-west-2")
        );
        let names: Vec<_> = f.sso_sessions().map(|(n, _)| n).collect();
        assert_eq!(names, ["uo"]);
    }

    #[test]
    fn parse_errors() {
        assert_eq!(parse_error_at("region = x\n").0, 1);
        assert!(parse_error_at("region = x\n")
            .1
            .contains("outside any section"));
        let (line, message) = parse_error_at("[default]\na = 1\n\nnonsense\n");
        assert_eq!(line, 4);
        assert!(message.contains("expected `key = value`"), "{message}");
        // A line that is no entry may be a wrapped secret: never quoted.
        let (_, message) =
            parse_error_at("[default]\naws_secret_access_key = x\nIQoJb3JpZ2luSECRET\n");
        assert!(!message.contains("IQoJ"), "{message}");
        assert_eq!(parse_error_at("[default\n").0, 1);
        assert_eq!(parse_error_at("[default]\n[]\n").0, 2);
        assert_eq!(parse_error_at("  region = x\n").0, 1);
        assert_eq!(parse_error_at("[default]\n= x\n").0, 2);
        assert_eq!(parse_error_at("[default]\n\u{a0}: x\n").0, 2);
        assert_eq!(parse_error_at("\u{feff}[default]\n").0, 1);
        let shown = parse("[default]\nx\n").unwrap_err().to_string();
        assert!(shown.starts_with("/tmp/config:2: "), "{shown}");
    }

    #[test]
    fn botocore_whitespace_lines_and_indents() {
        // Lone CR ends a line; indented headers and entries right after a
        // header are read; Python whitespace around keys is stripped.
        let f = parse("  [default]\r  region\u{c}= a\r\u{b}\u{b}\u{b}more\n[profile p]\n\u{a0}sso_session\u{a0}= s\u{3000}\n").unwrap();
        let d = f.profile("default").unwrap();
        assert_eq!(d.get("region"), Some("a\nmore"));
        assert_eq!(f.profile("p").unwrap().get("sso_session"), Some("s"));
        // A line more indented than the entry before it continues it, even
        // when it looks like an entry or a header; \x1c is whitespace.
        let f = parse("[p]\nk = 1\n\u{1c}region = x\n [profile q]\n").unwrap();
        assert_eq!(f.sections.len(), 1);
        assert_eq!(f.sections[0].get("k"), Some("1\nregion = x\n[profile q]"));
        // Not more indented: a new entry.
        let f = parse("[p]\n  k = 1\n\u{a0}\u{a0}j = 2\n").unwrap();
        assert_eq!(f.sections[0].get("j"), Some("2"));
        // [x]y is header x; [a=b is an entry.
        let f = parse("[x]y\n[a=b\n").unwrap();
        assert_eq!(f.sections[0].header, "x");
        assert_eq!(f.sections[0].get("[a"), Some("b"));
    }

    #[test]
    fn botocore_view_shapes() {
        let f = parse("[DEFAULT]\nregion = d\n[profile a]\ns3 =\n  x = 1\n  y=2=3\n[profile  a]\nregion = r\n[plugins]\n[profile a b]\n[sso-session s]\n").unwrap();
        let view = f.botocore_view().unwrap();
        assert_eq!(
            view,
            serde_json::json!({
                "plugins": {"region": "d"},
                "profiles": {"a": {"region": "r"}},
                "sso_sessions": {"s": {"region": "d"}},
                "services": {},
            })
        );
        assert_eq!(f.profile("a").unwrap().line, 7);
        assert_eq!(f.sso_session("s").unwrap().get("region"), Some("d"));
        let bad = parse("[p]\ns3 =\n  nope\n").unwrap();
        let err = bad.botocore_view().unwrap_err().to_string();
        assert!(
            err.starts_with("/tmp/config:2: nested line `nope`"),
            "{err}"
        );
        let dup = parse("[p]\n[q]\n[p]\n").unwrap();
        assert!(dup
            .botocore_view()
            .unwrap_err()
            .to_string()
            .starts_with("/tmp/config:3: "));
    }

    #[test]
    fn line_model_ranges() {
        let text = "[default]\r\nregion = a  \r\nx=\n";
        let s = scan(Path::new("c"), FileKind::Config, text).unwrap();
        assert_eq!(s.lines.len(), 3);
        assert_eq!(s.lines[0].terminator(text), "\r\n");
        match &s.lines[1].kind {
            LineKind::Entry {
                key_end,
                delim_end,
                value,
                ..
            } => {
                assert_eq!(&text[s.lines[1].start..*key_end], "region");
                assert_eq!(&text[*delim_end - 1..*delim_end], "=");
                assert_eq!(&text[value.clone()], "a");
            }
            other => panic!("{other:?}"),
        }
        match &s.lines[2].kind {
            LineKind::Entry { value, .. } => assert!(value.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn load_reports_missing_and_non_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none");
        assert!(matches!(
            AwsFile::load(&missing, FileKind::Config),
            Err(ConfigError::NotFound { .. })
        ));
        assert!(AwsFile::load_optional(&missing, FileKind::Credentials)
            .unwrap()
            .is_none());
        let bad = dir.path().join("bad");
        std::fs::write(&bad, b"[default]\nregion = \xff\n").unwrap();
        match AwsFile::load(&bad, FileKind::Config) {
            Err(e @ ConfigError::Parse { line: 2, .. }) => {
                assert!(e.to_string().contains("UTF-8"));
                assert!(e.to_string().contains(&*bad.to_string_lossy()));
            }
            other => panic!("{other:?}"),
        }
    }
}
