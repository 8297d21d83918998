//! One line-level reader of the AWS shared config and credentials files.
//!
//! The reader classifies every line of the file once (`scan`) and keeps
//! each line's byte range and terminator, so the editor in
//! [`super::config_edit`] rewrites single lines of the very same model and
//! leaves every other byte as it was. [`AwsFile`] is the parsed view built
//! from that model.
//!
//! # Rules
//!
//! The rules follow botocore (Python `configparser.RawConfigParser` plus
//! botocore's section-name handling) wherever a file that botocore accepts
//! must read the same here, and reject what botocore or the Rust SDK reject,
//! so a file we accept is one every client can read:
//!
//! * **Lines** end in `\n` or `\r\n`; the last line may lack a terminator. A
//!   carriage return that is not followed by `\n` is a parse error (Python
//!   reads it as a line break, the Rust SDK does not).
//! * **Blank lines** (only spaces/tabs) are ignored.
//! * **Comments**: a line whose first non-space character is `#` or `;` is a
//!   comment, also when indented (botocore).
//! * **Headers**: a line starting with `[` must contain a closing `]`, else
//!   it is a parse error. The name is the text between the `[` and the last
//!   `]` of the line; text after that `]` is ignored, so `[default] # note`
//!   is `default`. See [`SectionName`] for how the inner text is classified.
//! * **Entries**: `key = value` or `key: value`; the first `=` or `:` splits.
//!   The key is trimmed and lower-cased, the value trimmed. Inline comments
//!   are *not* stripped: `region = us-west-2 # prod` has the value
//!   `us-west-2 # prod`, as botocore reads it. An empty key is an error.
//! * **Continuations**: an indented non-comment line after an entry of the
//!   same section (blank and comment lines may come in between) continues
//!   that entry: its trimmed text is appended to the value after `\n`, and
//!   every blank line in between adds one more `\n`, as `configparser` does.
//!   So `s3 =` followed by `    max_concurrent_requests = 20` has the value
//!   `"\nmax_concurrent_requests = 20"`. An indented non-comment line with no
//!   entry before it in its section (right after a header, or before any
//!   section) is a parse error; the Rust SDK rejects it too. Consequently a
//!   header or entry is recognised only in column 0.
//! * An entry before any header is a parse error ("outside any section"); a
//!   line that is none of the above (e.g. `foo` without `=`) is a parse error
//!   saying what was expected.
//! * A UTF-8 byte order mark at the start is a parse error on line 1 (both
//!   botocore and the Rust SDK fail on it); [`AwsFile::load`] reports bytes
//!   that are not UTF-8 as a parse error naming the line.
//! * Duplicate sections and duplicate keys are *kept* (in file order); the
//!   lookups return the first. The editor refuses to edit a duplicated
//!   section.

use std::ops::Range;
use std::path::{Path, PathBuf};

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

/// The parsed name of a section header.
///
/// Config file, from the inner text of the header (between `[` and the last
/// `]`):
/// * exactly `default` → [`SectionName::Default`];
/// * inner text starting with `profile`, `sso-session` or `services` that
///   splits shell-like (`shlex`, as botocore does) into exactly two tokens,
///   the first being that word → `Profile`/`SsoSession`/`Services` of the
///   second token. So `[profile  x]` (two spaces) is profile `x`, and
///   `[profile "a b"]` or `[profile 'a b']` is profile `a b`;
/// * anything else (e.g. `[plugins]`, `[foo]`, `[profile a b]`,
///   `[ profile a ]` with a leading space, `[DEFAULT]`) →
///   [`SectionName::Other`] holding the trimmed inner text. These names are
///   case-sensitive: `[Profile x]` is not a profile.
///
/// Credentials file: inner text exactly `default` → `Default`, anything else
/// → `Profile(inner text)` (so `[profile foo]` there is the profile literally
/// named `profile foo`, as botocore reads it).
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
    /// Any other header, e.g. `[plugins]` or `[preview]`: the trimmed inner
    /// text.
    Other(String),
}

impl SectionName {
    /// The header line text (without terminator) we write for this name in a
    /// file of `kind`: `[default]`, config `[profile 123_Admin]`,
    /// credentials `[123_Admin]`, `[sso-session uoregon]`,
    /// `[services NAME]`, `[OTHER]`. Names are written as they are, never
    /// quoted; the editor refuses names that would need quoting.
    pub fn header(&self, kind: FileKind) -> String {
        match (self, kind) {
            (SectionName::Default, _) => "[default]".to_string(),
            (SectionName::Profile(name), FileKind::Config) => format!("[profile {name}]"),
            (SectionName::Profile(name), FileKind::Credentials) => format!("[{name}]"),
            (SectionName::SsoSession(name), _) => format!("[sso-session {name}]"),
            (SectionName::Services(name), _) => format!("[services {name}]"),
            (SectionName::Other(name), _) => format!("[{name}]"),
        }
    }

    /// Classifies the inner text of a header (between `[` and the last `]`)
    /// as described on [`SectionName`].
    pub fn from_header_text(inner: &str, kind: FileKind) -> SectionName {
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
                if let Some(tokens) = shell_split(inner) {
                    if let [first, second] = tokens.as_slice() {
                        if first == prefix {
                            return make(second.clone());
                        }
                    }
                }
            }
        }
        SectionName::Other(inner.trim().to_string())
    }
}

/// Splits `text` into words like POSIX `shlex.split` (without comments):
/// whitespace separates words, `'…'` is literal, `"…"` honours `\` before
/// `\`, `"`, `$`, `` ` ``, and a `\` outside quotes escapes the next
/// character. Returns `None` for an unclosed quote or a trailing `\` (where
/// `shlex` raises and botocore skips the section).
fn shell_split(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
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
                            escaped @ ('\\' | '"' | '$' | '`') => word.push(escaped),
                            '\n' => {}
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
    /// The key, trimmed and lower-cased (`Region` → `region`).
    pub key: String,
    /// The value, trimmed; continuation lines are appended after `\n` (see
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
}

impl Section {
    /// The value of the first entry whose key equals `key` (compared
    /// lower-cased), or `None`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let key = key.to_lowercase();
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    }
}

/// A parsed AWS config or credentials file.
#[derive(Debug, Clone)]
pub struct AwsFile {
    /// The path the text was read from (used in error messages).
    pub path: PathBuf,
    /// Which file this is; decides how headers were classified.
    pub kind: FileKind,
    /// Every section in file order; duplicated sections are all kept.
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
}

/// How one line of the file was classified; indices point into the
/// `sections` of the same [`Scan`] and into that section's `entries`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Empty or only spaces/tabs.
    Blank,
    /// First non-space character is `#` or `;`.
    Comment,
    /// The header of `sections[section]`.
    Header { section: usize },
    /// `sections[section].entries[entry]`; all offsets are absolute byte
    /// offsets into the text.
    Entry {
        section: usize,
        entry: usize,
        /// End of the trimmed key (where the spacing before the delimiter
        /// starts).
        key_end: usize,
        /// Just after the `=` or `:`.
        delim_end: usize,
        /// The trimmed value (an empty range when the value is empty).
        value: Range<usize>,
    },
    /// An indented line continuing `sections[section].entries[entry]`.
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
    /// The terminator of this line: `""`, `"\n"` or `"\r\n"`.
    pub fn terminator<'t>(&self, text: &'t str) -> &'t str {
        &text[self.content_end..self.end]
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

/// Splits `text` into lines (content range, terminator range) following the
/// line rules of the module; a lone `\r` is an error.
fn split_lines(path: &Path, text: &str) -> Result<Vec<(usize, usize, usize)>, ConfigError> {
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
                return Err(parse_error(
                    path,
                    out.len() + 1,
                    "carriage return (\\r) not followed by a line feed; lines must end in \\n or \\r\\n",
                ));
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        out.push((start, bytes.len(), bytes.len()));
    }
    Ok(out)
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Classifies every line of `text` and builds the sections; see the module
/// documentation for the rules. Errors: [`ConfigError::Parse`] naming the
/// 1-based line.
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
    // The entry that an indented line would continue, and the number of
    // blank lines seen since its last line.
    let mut open_entry: Option<(usize, usize)> = None;
    let mut pending_blank = 0usize;
    for (index, (start, content_end, end)) in split_lines(path, text)?.into_iter().enumerate() {
        let number = index + 1;
        let content = &text[start..content_end];
        let trimmed = content.trim_matches(is_space);
        let kind_of_line = if trimmed.is_empty() {
            pending_blank += 1;
            LineKind::Blank
        } else if trimmed.starts_with('#') || trimmed.starts_with(';') {
            LineKind::Comment
        } else if content.starts_with(is_space) {
            let Some((section, entry)) = open_entry else {
                let message = if sections.is_empty() {
                    "indented line outside any section; expected a [section] header"
                } else {
                    "indented line with no `key = value` line before it in this section; remove the indentation"
                };
                return Err(parse_error(path, number, message));
            };
            let value = &mut sections[section].entries[entry].value;
            for _ in 0..pending_blank {
                value.push('\n');
            }
            pending_blank = 0;
            value.push('\n');
            value.push_str(trimmed);
            LineKind::Continuation { section, entry }
        } else if content.starts_with('[') {
            let Some(close) = content.rfind(']') else {
                return Err(parse_error(
                    path,
                    number,
                    "section header without closing `]`",
                ));
            };
            let inner = &content[1..close];
            if inner.is_empty() {
                return Err(parse_error(path, number, "empty section header `[]`"));
            }
            sections.push(Section {
                name: SectionName::from_header_text(inner, kind),
                header: inner.to_string(),
                line: number,
                entries: Vec::new(),
            });
            open_entry = None;
            pending_blank = 0;
            LineKind::Header {
                section: sections.len() - 1,
            }
        } else {
            let Some(delim) = content.find(['=', ':']) else {
                return Err(parse_error(
                    path,
                    number,
                    format!(
                        "expected `key = value`, a [section] header, a comment or a blank line, found `{}`",
                        trimmed
                    ),
                ));
            };
            let Some(section) = sections.len().checked_sub(1) else {
                return Err(parse_error(
                    path,
                    number,
                    "`key = value` line outside any section; add a [section] header before it",
                ));
            };
            let key = content[..delim].trim_end_matches(is_space);
            if key.is_empty() {
                return Err(parse_error(path, number, "empty key before `=`"));
            }
            let after = &content[delim + 1..];
            let value_rel_start =
                delim + 1 + (after.len() - after.trim_start_matches(is_space).len());
            let value_text = content[value_rel_start..].trim_end_matches(is_space);
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
                key_end: start + key.len(),
                delim_end: start + delim + 1,
                value: start + value_rel_start..start + value_rel_start + value_text.len(),
            }
        };
        lines.push(Line {
            start,
            content_end,
            end,
            kind: kind_of_line,
        });
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

impl AwsFile {
    /// Parses `text` (the contents of `path`, a file of `kind`) by the module
    /// rules. Errors: [`ConfigError::Parse`] with the 1-based line.
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

    /// The first section named `name`, or `None`.
    pub fn section(&self, name: &SectionName) -> Option<&Section> {
        self.sections.iter().find(|s| &s.name == name)
    }

    /// The first section of profile `name`: `"default"` looks up `[default]`
    /// (falling back to a config `[profile default]` when there is no
    /// `[default]`), any other name `SectionName::Profile(name)`.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        if name == "default" {
            self.section(&SectionName::Default)
                .or_else(|| self.section(&SectionName::Profile(name.to_string())))
        } else {
            self.section(&SectionName::Profile(name.to_string()))
        }
    }

    /// Every profile section in file order as (profile name, section):
    /// `[default]` as `"default"`, then each `Profile(name)` as `name`.
    /// Duplicates are yielded each time they appear.
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

    /// The first `[sso-session name]` section, or `None`.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.section(&SectionName::SsoSession(name.to_string()))
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
            SectionName::Other("profile a b".into())
        );
        assert_eq!(name("profile 'a"), SectionName::Other("profile 'a".into()));
        assert_eq!(name(" profile a "), SectionName::Other("profile a".into()));
        assert_eq!(name("profilex y"), SectionName::Other("profilex y".into()));
        assert_eq!(name("Profile x"), SectionName::Other("Profile x".into()));
        assert_eq!(name("sso-session uo"), SectionName::SsoSession("uo".into()));
        assert_eq!(name("services s"), SectionName::Services("s".into()));
        assert_eq!(name("plugins"), SectionName::Other("plugins".into()));
        assert_eq!(name("DEFAULT"), SectionName::Other("DEFAULT".into()));
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
        assert_eq!(f.profile("a").unwrap().get("k"), Some("1"));
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
        assert_eq!(parse_error_at("[default\n").0, 1);
        assert_eq!(parse_error_at("[]\n").0, 1);
        assert_eq!(parse_error_at("[default]\n  region = x\n").0, 2);
        assert_eq!(parse_error_at("  [default]\n").0, 1);
        assert_eq!(parse_error_at("[default]\n= x\n").0, 2);
        assert_eq!(parse_error_at("\u{feff}[default]\n").0, 1);
        assert_eq!(parse_error_at("[default]\na = 1\rb = 2\n").0, 2);
        let shown = parse("[default]\nx\n").unwrap_err().to_string();
        assert!(shown.starts_with("/tmp/config:2: "), "{shown}");
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
