//! Every example in README.md and in every `--help` that chooses a row
//! (`use`, `exec`, `--select-1`, `uoa`) is run through the real binary
//! against the simulated demo organisation, and must choose the row its
//! line names (a `ACCOUNTID_ROLE` profile name on the same line). The
//! examples are read from the texts themselves, so a new one is tested as
//! soon as it is written. Also: the subcommand-typo rule, without a network
//! call.

mod common;

use std::os::unix::process::CommandExt as _;
use std::process::{Command, Output, Stdio};

use common::DemoHome;

const BIN: &str = env!("CARGO_BIN_EXE_uo-aws-tui");

/// The binary in the demo home, in a new session (no controlling
/// terminal: a picker that would open fails instead of waiting).
fn bin(demo: &DemoHome, args: &[String]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", demo.home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO", demo.sim.endpoint())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", demo.sim.endpoint())
        .stdin(Stdio::null());
    // SAFETY: setsid is async-signal-safe and touches no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Splits a shell command line into words (single and double quotes, no
/// expansions), up to a pipe, a redirection or a comment.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    word.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '|' | '>' | '#' | ';' if !in_word => break,
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// The first `ACCOUNTID_ROLE` profile name in `line`.
fn named_profile(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    (0..bytes.len().saturating_sub(13)).find_map(|i| {
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let digits = bytes[i..i + 12].iter().all(u8::is_ascii_digit);
        (boundary && digits && bytes[i + 12] == b'_').then(|| {
            line[i..]
                .chars()
                .take_while(|&c| uo_aws_tui::catalog::is_profile_name_char(c))
                .collect()
        })
    })
}

/// An example: the command words (program first) and the line it came from.
#[derive(Debug)]
struct Example {
    source: String,
    line: String,
    words: Vec<String>,
}

/// Example commands in `text`: lines (of code blocks, or indented help
/// lines) that run `uo-aws-tui` or `uoa`, and `uoa …` in backquotes.
fn examples(source: &str, text: &str, code_only: bool) -> Vec<Example> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let mut candidates: Vec<String> = Vec::new();
        if in_code || !code_only {
            let mut command = line.trim().to_string();
            if !code_only {
                // Help lines: the description follows after two spaces.
                if let Some((c, _)) = command.split_once("  ") {
                    command = c.to_string();
                }
            }
            if let Some(inner) = command
                .strip_prefix("eval \"$(")
                .and_then(|rest| rest.split_once(")\"").map(|(c, _)| c.to_string()))
            {
                command = inner;
            }
            candidates.push(command);
        }
        // `uoa …` in running text.
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 1 && part.starts_with("uoa ") {
                candidates.push(part.to_string());
            }
        }
        for command in candidates {
            let w = words(&command);
            if matches!(w.first().map(String::as_str), Some("uo-aws-tui" | "uoa")) {
                out.push(Example {
                    source: source.to_string(),
                    line: line.to_string(),
                    words: w,
                });
            }
        }
    }
    out
}

/// Whether an example chooses a row, and the arguments that run it here:
/// `uoa ARGS` is what the function runs (`uoa --clear` chooses none),
/// `exec`'s command prints the profile it was given.
fn chooser(words: &[String]) -> Option<Vec<String>> {
    let args = &words[1..];
    if words[0] == "uoa" && args.iter().any(|a| a == "--clear") {
        // The init function's `--clear` runs `deactivate`: no row.
        return None;
    }
    if words[0] == "uoa" {
        let mut run: Vec<String> = ["pick", "--select-1", "--emit", "vars"]
            .map(String::from)
            .to_vec();
        run.extend(args.iter().cloned());
        return Some(run);
    }
    match args.first().map(String::as_str) {
        Some("use") => Some(args.to_vec()),
        Some("exec") => {
            let dash = args.iter().position(|a| a == "--")?;
            let mut run = args[..=dash].to_vec();
            run.extend(["printenv".to_string(), "AWS_PROFILE".to_string()]);
            Some(run)
        }
        _ if args.iter().any(|a| a == "--select-1") && !args.iter().any(|a| a.contains('$')) => {
            Some(args.to_vec())
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_chooses_the_row_it_names() {
    let demo = DemoHome::new(85, 20).await;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut all = examples("README.md", &readme, true);
    let mut helps = vec![vec!["--help".to_string()]];
    use clap::CommandFactory as _;
    for sub in uo_aws_tui::cli::Cli::command().get_subcommands() {
        helps.push(vec![sub.get_name().to_string(), "--help".into()]);
    }
    for args in &helps {
        let out = bin(&demo, args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        all.extend(examples(
            &format!("uo-aws-tui {}", args.join(" ")),
            &text(&out.stdout),
            false,
        ));
    }
    let mut checked = 0;
    for example in &all {
        let Some(run) = chooser(&example.words) else {
            continue;
        };
        let want = named_profile(&example.line).unwrap_or_else(|| {
            panic!(
                "{}: `{}` chooses a row but its line does not name the profile",
                example.source, example.line
            )
        });
        let out: Output = bin(&demo, &run).output().unwrap();
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: `{}` ran as {run:?}: {}",
            example.source,
            example.line,
            text(&out.stderr)
        );
        let chosen = if run[0] == "exec" || run.contains(&"vars".to_string()) {
            stdout.lines().next().unwrap_or("").to_string()
        } else {
            named_profile(&stdout).unwrap_or_default()
        };
        assert_eq!(
            chosen, want,
            "{}: `{}`: {stdout}",
            example.source, example.line
        );
        checked += 1;
    }
    // The README and the help of use, exec, pick and init all have some.
    assert!(
        checked >= 10,
        "only {checked} examples choose a row: {all:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exact_profile_name_chooses_its_row_everywhere() {
    let demo = DemoHome::new(85, 20).await;
    let profile = "190098774915_Read-Only-Audit";
    let run = |args: &[&str]| -> Output {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        bin(&demo, &args).output().unwrap()
    };
    let out = run(&["list", "--tsv", profile]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout)
        .lines()
        .skip(1)
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(profile));
    for args in [
        vec!["use", "--no-write", "--emit", "profile", profile],
        vec![
            "pick",
            "--select-1",
            "--no-write",
            "--emit",
            "profile",
            profile,
        ],
        vec!["exec", profile, "--", "printenv", "AWS_PROFILE"],
    ] {
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout).trim(), profile, "{args:?}");
    }
    // What the issue saw: a query that is a subsequence of a role name in
    // 140 rows is now ambiguous only among the rows that contain it.
    let out = run(&["list", "--tsv", "racs"]);
    assert_eq!(text(&out.stdout).lines().count(), 1 + 4);
    let out = run(&["use", "racs"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("4 rows"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subcommand_typo_is_refused_before_any_network_call() {
    let demo = DemoHome::new(5, 20).await;
    let before = demo.sim.requests().len();
    let out = bin(&demo, &["stauts".to_string()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("did you mean `status`?"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        demo.sim.requests().len(),
        before,
        "no request reached the portal"
    );
    // With the portal unreachable, the same.
    let out = bin(&demo, &["lsit".to_string()])
        .env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `list`?"));
    // `pick` always searches: no refusal (no terminal here, so no picker either).
    let out = bin(&demo, &["pick".to_string(), "stauts".to_string()])
        .output()
        .unwrap();
    assert!(
        !text(&out.stderr).contains("did you mean"),
        "{}",
        text(&out.stderr)
    );
}
