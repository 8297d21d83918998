//! Differential test of the config reader and editor against botocore.
//!
//! Generates config files from line kinds (headers with odd spacing and
//! every Python whitespace class, entries, comments, continuation and
//! nested lines, LF/CRLF/CR/mixed endings, no final newline, non-ASCII) and
//! checks, for each:
//!
//! (a) `AwsFile::botocore_view` equals what botocore's `configloader`
//!     returns for the same bytes (or both reject the file);
//! (b) after the production upsert of a profile (`profile::profile_keys` into
//!     `config_edit::upsert_section`, as `use` and `populate` do), every
//!     byte before the target section and from the next section on is
//!     unchanged, and botocore reads the intended profile with the intended
//!     keys and every other section as before. A refused edit writes
//!     nothing; refusals are counted and may be only a small share.
//!
//! botocore runs in one long-lived Python worker
//! (`tests/support/botocore_worker.py`) under `PYTHONUTF8=1`. The number of
//! cases is `UO_AWS_TUI_DIFF_CASES` (default 2000); the long run is
//! `UO_AWS_TUI_DIFF_CASES=100000 cargo test --test config_differential -- --nocapture`.

mod common;

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};
use uo_aws_tui::aws::config::{AwsFile, ConfigError, FileKind, SectionName};
use uo_aws_tui::aws::config_edit::upsert_section;
use uo_aws_tui::profile::profile_keys;
use uo_aws_tui::shell::Choice;

/// The botocore worker: one request and one reply per line.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn start() -> Worker {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/botocore_worker.py");
        let mut child = Command::new(common::python())
            .arg(&script)
            .env("PYTHONUTF8", "1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the botocore worker");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut ready = String::new();
        stdout.read_line(&mut ready).unwrap();
        let ready: Value = serde_json::from_str(&ready)
            .unwrap_or_else(|e| panic!("the botocore worker did not start ({e}): {ready:?}"));
        assert_eq!(ready["ready"], true, "{ready}");
        eprintln!("botocore {}", ready["botocore"]);
        Worker {
            child,
            stdin,
            stdout,
        }
    }

    /// botocore's `load_config` of `text`, or the error it raised.
    fn read(&mut self, text: &str) -> Result<Value, String> {
        let request = json!({"text": text, "kind": "config"});
        writeln!(self.stdin, "{request}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let mut reply: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("bad reply from the botocore worker ({e}): {line:?}"));
        if reply["ok"] == true {
            Ok(reply["view"].take())
        } else {
            Err(reply["error"].as_str().unwrap_or("?").to_string())
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Python's whitespace classes, plus characters that are *not* whitespace
/// there (U+200B, U+FEFF) and the empty string.
const WS: &[&str] = &[
    "", "", "", "", " ", " ", "  ", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\u{85}",
    "\u{a0}", "\u{1680}", "\u{2000}", "\u{2009}", "\u{200a}", "\u{2028}", "\u{2029}", "\u{202f}",
    "\u{205f}", "\u{3000}", "\u{200b}", "\u{feff}", " \u{a0}",
];
/// Indentation of continuation lines (never empty).
const INDENT: &[&str] = &[
    " ", "  ", "    ", "\t", "\x0b", "\x0c", "\x1f", "\u{85}", "\u{a0}", "\u{2028}", "\u{3000}",
    " \u{a0}",
];
const PREFIX: &[&str] = &[
    "profile",
    "profile",
    "profile",
    "sso-session",
    "services",
    "profilex",
    "Profile",
    "default",
    "DEFAULT",
    "plugins",
    "",
];
const SEP: &[&str] = &[
    " ", " ", " ", "  ", "\t", "\u{a0}", "\u{3000}", "\u{85}", "\x0b", "\x1c", "\u{2028}", "",
];
const NAME: &[&str] = &[
    "a",
    "T",
    "p1",
    "123_Admin",
    "é",
    "名前",
    "\"a b\"",
    "'T'",
    "a\\ b",
    "'a",
    "a b",
    "\"x\\\"y\"",
    "default",
];
const HEADER_TAIL: &[&str] = &["", "", "", " # note", "]", " x", "=1"];
const KEY: &[&str] = &[
    "region",
    "sso_session",
    "Region",
    "output",
    "s3",
    "sso_account_id",
    "k",
    "é_key",
    "SSO_SESSION",
    "[k",
    "cli_pager",
    "sso_role_name",
    "role_arn",
    "x",
];
const DELIM: &[&str] = &["=", "=", "=", ":", " = "];
const VALUE: &[&str] = &[
    "us-west-2",
    "",
    "other",
    "a=b",
    "x # c",
    "é",
    "v:1",
    "[x]",
    "123456789012",
];
const CONT: &[&str] = &[
    "max = 1",
    "sub=2",
    "more",
    "[profile z]",
    "a = b",
    "k:v",
    "é = ü",
    "x\x0by = 1",
];
const BAD: &[&str] = &["nonsense", "= x", "[]", "[profile a"];
const ENDINGS: &[&str] = &["\n", "\r\n", "\r"];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(list)
}

fn header() -> impl Strategy<Value = String> {
    (
        pick(WS),
        pick(WS),
        pick(PREFIX),
        pick(SEP),
        pick(NAME),
        pick(WS),
        pick(HEADER_TAIL),
        any::<bool>(),
    )
        .prop_map(|(lead, inner, prefix, sep, name, trail, tail, bare)| {
            let word = if bare || prefix.is_empty() && sep.is_empty() {
                String::new()
            } else {
                format!("{sep}{name}")
            };
            let (lead, inner) = if bare { ("", "") } else { (lead, inner) };
            let body = match prefix {
                "" => name.to_string(),
                "default" | "DEFAULT" if bare => prefix.to_string(),
                _ => format!("{prefix}{word}"),
            };
            format!("{lead}[{inner}{body}{trail}]{tail}")
        })
}

fn entry() -> impl Strategy<Value = String> {
    (
        pick(WS),
        pick(KEY),
        pick(WS),
        pick(DELIM),
        pick(WS),
        pick(VALUE),
        pick(WS),
        any::<bool>(),
    )
        .prop_map(|(lead, key, gap, delim, gap2, value, trail, plain)| {
            if plain {
                format!("{key}{delim}{value}")
            } else {
                format!("{lead}{key}{gap}{delim}{gap2}{value}{trail}")
            }
        })
}

/// A line inside a section.
fn body_line() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => entry(),
        2 => (pick(WS), pick(&["#", ";"]), pick(VALUE))
            .prop_map(|(lead, c, text)| format!("{lead}{c} {text}")),
        3 => pick(WS).prop_map(str::to_string),
        5 => (pick(INDENT), pick(CONT)).prop_map(|(i, t)| format!("{i}{t}")),
        2 => (pick(INDENT), pick(KEY), pick(VALUE)).prop_map(|(i, k, v)| format!("{i}{k} = {v}")),
        1 => header(),
        1 => pick(BAD).prop_map(str::to_string),
    ]
}

/// A line before the first header: mostly blank or a comment.
fn preamble_line() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => pick(WS).prop_map(str::to_string),
        8 => (pick(WS), pick(&["#", ";"]), pick(VALUE))
            .prop_map(|(lead, c, text)| format!("{lead}{c} {text}")),
        1 => body_line(),
    ]
}

/// A whole file: a preamble, then sections of a header and body lines,
/// joined by one ending for the file or a mixed one per line, with or
/// without a final line ending.
fn config_text() -> impl Strategy<Value = String> {
    let section = (header(), prop::collection::vec(body_line(), 0..5))
        .prop_map(|(h, body)| std::iter::once(h).chain(body).collect::<Vec<_>>());
    (
        prop::collection::vec(preamble_line(), 0..3),
        prop::collection::vec(section, 0..5),
        prop::collection::vec(0..3usize, 32),
        prop::option::of(0..3usize),
        any::<bool>(),
    )
        .prop_map(|(preamble, sections, own, file_ending, final_newline)| {
            let lines: Vec<String> = preamble
                .into_iter()
                .chain(sections.into_iter().flatten())
                .collect();
            let mut text = String::new();
            for (i, line) in lines.iter().enumerate() {
                text.push_str(line);
                if i + 1 < lines.len() || final_newline {
                    text.push_str(ENDINGS[file_ending.unwrap_or(own[i % own.len()])]);
                }
            }
            text
        })
}

const TARGET: &[&str] = &["a", "T", "p1", "123_Admin", "é", "new_1", "b"];

/// Byte offset of the start of each line (universal newlines), plus the
/// text length at the end.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => i += 1,
            b'\n' | b'\r' => {}
            _ => {
                i += 1;
                continue;
            }
        }
        i += 1;
        starts.push(i);
    }
    if *starts.last().unwrap() != text.len() {
        starts.push(text.len());
    }
    starts
}

#[derive(Default, Debug)]
struct Counts {
    cases: usize,
    botocore_rejects: usize,
    edited: usize,
    edited_rejected: usize,
    refused: usize,
    refusals: Vec<String>,
}

fn fail(message: String) -> Result<(), TestCaseError> {
    Err(TestCaseError::fail(message))
}

/// Bytes before the target section and from the next section on are kept
/// (for an appended section: the whole text).
fn check_outside(
    file: &AwsFile,
    section: &SectionName,
    text: &str,
    out: &str,
) -> Result<(), TestCaseError> {
    let starts = line_starts(text);
    let headers: Vec<usize> = file.sections.iter().map(|s| s.line).collect();
    match file.sections.iter().find(|s| s.name == *section) {
        Some(target_section) => {
            let head = starts[target_section.line - 1];
            let next = headers
                .iter()
                .find(|l| **l > target_section.line)
                .map_or(text.len(), |l| starts[l - 1]);
            if out.len() < head + (text.len() - next)
                || !out.starts_with(&text[..head])
                || !out.ends_with(&text[next..])
            {
                return fail(format!(
                    "bytes outside {section:?} changed: {text:?} -> {out:?}"
                ));
            }
        }
        None => {
            if !out.starts_with(text) {
                return fail(format!("appending changed the text: {text:?} -> {out:?}"));
            }
        }
    }
    Ok(())
}

fn check_case(
    worker: &mut Worker,
    counts: &mut Counts,
    text: &str,
    target: &str,
    region: &str,
) -> Result<(), TestCaseError> {
    let path = Path::new("/generated/config");
    counts.cases += 1;
    // (a) the reader agrees with botocore.
    let botocore = worker.read(text);
    let ours = AwsFile::parse(path, FileKind::Config, text).and_then(|f| f.botocore_view());
    match (&botocore, &ours) {
        (Ok(b), Ok(o)) if b == o => {}
        (Err(_), Err(_)) => {}
        _ => {
            return fail(format!(
            "reader disagrees with botocore on {text:?}\n botocore: {botocore:?}\n ours: {ours:?}"
        ))
        }
    }
    // (b) the production upsert.
    let choice = Choice {
        profile: target.to_string(),
        account_id: "123456789012".to_string(),
        account_name: "acct".to_string(),
        role_name: "Admin".to_string(),
        region: region.to_string(),
        sso_session: "uo".to_string(),
    };
    let file = AwsFile::parse(path, FileKind::Config, text);
    let mark = file
        .as_ref()
        .map(|f| f.profile(target).is_none())
        .unwrap_or(true);
    let keys = profile_keys(&choice, mark);
    let section = SectionName::Profile(target.to_string());
    let edited = upsert_section(path, FileKind::Config, text, &section, &keys);
    let before = match botocore {
        Err(_) => {
            // botocore rejects the input: an edit may only go ahead when the
            // reason lies outside the target section, and must not change
            // that verdict.
            counts.botocore_rejects += 1;
            let Ok(out) = edited else { return Ok(()) };
            counts.edited_rejected += 1;
            let file = file.expect("an edited file parses");
            check_outside(&file, &section, text, &out)?;
            let reread = AwsFile::parse(path, FileKind::Config, &out).expect("edited text parses");
            let target_section = reread.section(&section).expect("edited section");
            for (key, value) in &keys {
                if target_section.get(key) != Some(*value) {
                    return fail(format!("{key} = {value} not in edited {out:?}"));
                }
            }
            if worker.read(&out).is_ok() {
                return fail(format!(
                    "botocore rejects {text:?} but reads the edited {out:?}"
                ));
            }
            return Ok(());
        }
        Ok(before) => before,
    };
    let out = match edited {
        Ok(out) => out,
        Err(e @ (ConfigError::Refused { .. } | ConfigError::Duplicate { .. })) => {
            counts.refused += 1;
            if counts.refusals.len() < 5 {
                counts.refusals.push(format!("{text:?}: {e}"));
            }
            return Ok(());
        }
        Err(e) => return fail(format!("upsert of {text:?} failed: {e}")),
    };
    counts.edited += 1;
    let file = file.expect("botocore read it, so do we");
    check_outside(&file, &section, text, &out)?;

    // botocore reads the intended profile, and the rest as before.
    let mut after = match worker.read(&out) {
        Ok(view) => view,
        Err(e) => return fail(format!("botocore rejects the edited {out:?}: {e}")),
    };
    // The edited file is one more case for (a).
    let ours = AwsFile::parse(path, FileKind::Config, &out).and_then(|f| f.botocore_view());
    if ours.as_ref().ok() != Some(&after) {
        return fail(format!(
            "reader disagrees with botocore on edited {out:?}: {ours:?}"
        ));
    }
    let mut expected = before.clone();
    let new = after["profiles"]
        .as_object_mut()
        .and_then(|p| p.shift_remove(target));
    let old = expected["profiles"]
        .as_object_mut()
        .and_then(|p| p.shift_remove(target));
    let Some(Value::Object(mut new)) = new else {
        return fail(format!("botocore has no profile {target} in {out:?}"));
    };
    for (key, value) in &keys {
        if new.shift_remove(*key) != Some(Value::String(value.to_string())) {
            return fail(format!("botocore does not read {key} = {value} in {out:?}"));
        }
    }
    if let Some(Value::Object(mut old)) = old {
        for (key, _) in &keys {
            old.shift_remove(*key);
        }
        if old != new {
            return fail(format!(
                "other keys of {target} changed: {text:?} -> {out:?}"
            ));
        }
    }
    if expected != after {
        return fail(format!("other sections changed: {text:?} -> {out:?}"));
    }
    Ok(())
}

#[test]
fn reader_and_upsert_agree_with_botocore() {
    let cases: u32 = std::env::var("UO_AWS_TUI_DIFF_CASES")
        .ok()
        .map(|v| v.parse().expect("UO_AWS_TUI_DIFF_CASES is a number"))
        .unwrap_or(2000);
    let worker = RefCell::new(Worker::start());
    let counts = RefCell::new(Counts::default());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(
        &(
            config_text(),
            pick(TARGET),
            pick(&["us-west-2", "eu-west-1"]),
        ),
        |(text, target, region)| {
            check_case(
                &mut worker.borrow_mut(),
                &mut counts.borrow_mut(),
                &text,
                target,
                region,
            )
        },
    );
    let counts = counts.into_inner();
    eprintln!(
        "{} cases: botocore rejected {} inputs ({} of them edited outside the reason); of the {} it read, {} were edited and {} refused",
        counts.cases,
        counts.botocore_rejects,
        counts.edited_rejected,
        counts.cases - counts.botocore_rejects,
        counts.edited,
        counts.refused
    );
    for refusal in &counts.refusals {
        eprintln!("refused: {refusal}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
    let readable = counts.cases - counts.botocore_rejects;
    assert!(
        readable * 2 > counts.cases,
        "too few generated files are readable to test edits: {counts:?}"
    );
    assert!(
        counts.refused * 100 <= readable,
        "more than 1% of readable files were refused: {counts:?}"
    );
}

/// `use` through the real binary: a target profile botocore cannot read is
/// refused with exit 2, file and line, and nothing written; a key written
/// with a no-break space before `=` is updated in place, not repeated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_refuses_with_file_and_line_and_updates_keys_botocore_sees() {
    let demo = common::DemoHome::new(3, 2).await;
    let config = demo.paths().config.clone();
    let original = std::fs::read_to_string(&config).unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_uo-aws-tui"))
            .args(["use", "127027105832_Billing"])
            .env_clear()
            .env("HOME", demo.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO", demo.sim.endpoint())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", demo.sim.endpoint())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };

    let broken = format!("{original}\n[profile 127027105832_Billing]\nregion = a\nregion = b\n");
    std::fs::write(&config, &broken).unwrap();
    let line = broken.lines().count();
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:{line}: ", config.display())),
        "{stderr}"
    );
    // Refused before the edit (the AWS CLI rejects the file) or by the
    // edit's own read-back: either way nothing is written.
    assert!(
        stderr.contains("nothing written") || stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), broken);

    let nbsp = format!("{original}\n[profile 127027105832_Billing]\nsso_session\u{a0}= other\n");
    std::fs::write(&config, &nbsp).unwrap();
    let out = run();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&config).unwrap();
    assert!(after.starts_with(&original), "{after}");
    assert!(after.contains("sso_session\u{a0}= uoregon\n"), "{after}");
    assert_eq!(
        after.matches("sso_session").count(),
        nbsp.matches("sso_session").count()
    );
    let mut worker = Worker::start();
    let view = worker.read(&after).expect("botocore reads the edited file");
    assert_eq!(
        view["profiles"]["127027105832_Billing"]["sso_session"],
        "uoregon"
    );
}
