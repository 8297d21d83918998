//! Safe writes of the AWS config file with real files in temporary
//! directories: two processes racing, symlinks, backups, duplicates, the
//! lock, and file modes.

mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use uo_aws_tui::aws::config::{AwsFile, ConfigError, FileKind, SectionName};
use uo_aws_tui::aws::config_edit::upsert_section;
use uo_aws_tui::aws::config_write::{ConfigWriter, WriteError, WriteOutcome};
use uo_aws_tui::dirs::AppDirs;

const BASE: &str = "\
# hand-written; keep this comment
[sso-session uoregon]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-west-2

[default]
region = us-west-2
";

/// A temporary root holding `home/.aws/config` (not created) and the
/// program's directories under `app`.
struct Fixture {
    root: tempfile::TempDir,
    dirs: AppDirs,
}

impl Fixture {
    fn new() -> Fixture {
        let root = tempfile::tempdir().unwrap();
        let dirs = AppDirs::under(&root.path().join("app"));
        fs::create_dir_all(root.path().join("home/.aws")).unwrap();
        Fixture { root, dirs }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn config(&self) -> PathBuf {
        self.path("home/.aws/config")
    }

    fn writer(&self) -> ConfigWriter {
        ConfigWriter::new(&self.config(), &self.dirs)
    }

    /// Every file in the backups directory, by name.
    fn backup_dir_names(&self) -> Vec<String> {
        let mut names: Vec<String> = match fs::read_dir(self.dirs.backups()) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names
    }

    fn backup_count(&self) -> usize {
        self.backup_dir_names()
            .iter()
            .filter(|n| n.ends_with(".bak"))
            .count()
    }
}

/// An edit that upserts `[profile NAME]` with an account id and region,
/// naming `config` in its errors.
fn profile_edit<'a>(
    config: &'a Path,
    name: &'a str,
    account: &'a str,
    region: &'a str,
) -> impl FnMut(&str) -> Result<String, ConfigError> + 'a {
    move |text| {
        upsert_section(
            config,
            FileKind::Config,
            text,
            &SectionName::Profile(name.to_string()),
            &[
                ("sso_session", "uoregon"),
                ("sso_account_id", account),
                ("sso_role_name", "Admin"),
                ("region", region),
            ],
        )
    }
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

// ---------------------------------------------------------------------------
// Two processes at once

const RACE_ROUNDS: usize = 20;
const CHILD_TEST: &str = "race_child_writes_one_profile";
/// Upper bound for every wait of the race (children starting, the go
/// signal, children finishing).
const RACE_WAIT: Duration = Duration::from_secs(60);

/// Child mode of the race: with `UO_RACE_*` set, says it is ready, spins
/// until the parent's go file appears, then writes one profile. Without
/// them (a plain `--ignored` run) it does nothing.
#[test]
#[ignore = "a child process of two_processes_writing_at_once_keep_both_profiles"]
fn race_child_writes_one_profile() {
    let Some(config) = std::env::var_os("UO_RACE_CONFIG") else {
        return;
    };
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set"));
    let config = PathBuf::from(config);
    let dirs = AppDirs::under(Path::new(&var("UO_RACE_APP")));
    let barrier = PathBuf::from(var("UO_RACE_BARRIER"));
    let profile = var("UO_RACE_PROFILE");
    let account = var("UO_RACE_ACCOUNT");
    // A loaded machine's fsyncs can take seconds: wait as long as the race.
    let writer = ConfigWriter::new(&config, &dirs).with_lock_timeout(RACE_WAIT);

    fs::write(barrier.join(format!("ready-{profile}")), "").unwrap();
    let go = barrier.join("go");
    let deadline = Instant::now() + RACE_WAIT;
    while !go.exists() {
        assert!(
            Instant::now() < deadline,
            "no go signal within {RACE_WAIT:?}"
        );
        std::thread::yield_now();
    }
    let outcome = writer
        .apply(profile_edit(&config, &profile, &account, "us-west-2"))
        .unwrap_or_else(|e| panic!("{profile}: {e}"));
    assert!(outcome.written());
}

fn spawn_child(fx: &Fixture, barrier: &Path, profile: &str, account: &str) -> Child {
    let exe = std::env::current_exe().unwrap();
    Command::new(exe)
        .args(["--exact", CHILD_TEST, "--ignored", "--nocapture"])
        .env("UO_RACE_CONFIG", fx.config())
        .env("UO_RACE_APP", fx.path("app"))
        .env("UO_RACE_BARRIER", barrier)
        .env("UO_RACE_PROFILE", profile)
        .env("UO_RACE_ACCOUNT", account)
        .stdin(Stdio::null())
        .stdout(fs::File::create(barrier.join(format!("{profile}.out"))).unwrap())
        .stderr(fs::File::create(barrier.join(format!("{profile}.err"))).unwrap())
        .spawn()
        .unwrap()
}

/// Waits for `child` until `deadline`; kills it and fails on timeout or a
/// failed exit, showing its output.
fn finish_child(mut child: Child, barrier: &Path, profile: &str, deadline: Instant) {
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = || {
        let out = fs::read_to_string(barrier.join(format!("{profile}.out"))).unwrap_or_default();
        let err = fs::read_to_string(barrier.join(format!("{profile}.err"))).unwrap_or_default();
        format!("stdout:\n{out}\nstderr:\n{err}")
    };
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!("child {profile} failed ({s}):\n{}", output()),
        None => panic!("child {profile} did not finish in time:\n{}", output()),
    }
}

/// Checks with our reader and with rust-ini that `text` has both race
/// profiles with their account ids, and the original sections.
fn check_both_profiles(text: &str, config: &Path) {
    let ours = AwsFile::parse(config, FileKind::Config, text)
        .unwrap_or_else(|e| panic!("our reader rejects it: {e}\n{text}"));
    let ini = ini::Ini::load_from_str(text)
        .unwrap_or_else(|e| panic!("rust-ini rejects it: {e}\n{text}"));
    for (name, account) in [("alpha", "111111111111"), ("beta", "222222222222")] {
        let section = ours
            .profile(name)
            .unwrap_or_else(|| panic!("profile {name} lost:\n{text}"));
        assert_eq!(section.get("sso_account_id"), Some(account), "{text}");
        let section = ini
            .section(Some(format!("profile {name}")))
            .unwrap_or_else(|| panic!("rust-ini: profile {name} missing:\n{text}"));
        assert_eq!(section.get("sso_account_id"), Some(account), "{text}");
    }
    // Whoever won the lock wrote first; both are there exactly once.
    let mut names: Vec<&str> = ours.profiles().map(|(name, _)| name).collect();
    names.sort_unstable();
    assert_eq!(names, ["alpha", "beta", "default"], "{text}");
    assert!(ours.sso_session("uoregon").is_some(), "{text}");
    assert!(text.starts_with(BASE), "{text}");
}

/// Asks botocore for the scoped config of both race profiles in each file.
fn check_with_botocore(configs: &[PathBuf], home: &Path) {
    const SCRIPT: &str = r#"
import json, sys
import botocore.session
out = []
for path in sys.argv[1:]:
    row = {}
    for name in ("alpha", "beta"):
        s = botocore.session.Session(profile=name)
        s.set_config_variable("config_file", path)
        row[name] = s.get_scoped_config().get("sso_account_id")
    out.append(row)
print(json.dumps(out))
"#;
    let python = common::python();
    let output = Command::new(python)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_CONFIG_FILE", &configs[0])
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .arg("-c")
        .arg(SCRIPT)
        .args(configs)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "botocore failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows.len(), configs.len());
    for (row, config) in rows.iter().zip(configs) {
        assert_eq!(row["alpha"], "111111111111", "{}", config.display());
        assert_eq!(row["beta"], "222222222222", "{}", config.display());
    }
}

#[test]
fn two_processes_writing_at_once_keep_both_profiles() {
    let mut fixtures = Vec::new();
    for round in 0..RACE_ROUNDS {
        let fx = Fixture::new();
        fs::write(fx.config(), BASE).unwrap();
        let barrier = fx.path("barrier");
        fs::create_dir(&barrier).unwrap();

        let alpha = spawn_child(&fx, &barrier, "alpha", "111111111111");
        let beta = spawn_child(&fx, &barrier, "beta", "222222222222");
        let deadline = Instant::now() + RACE_WAIT;
        while !(barrier.join("ready-alpha").exists() && barrier.join("ready-beta").exists()) {
            if Instant::now() >= deadline {
                // Reap both (they time out on their own) before failing.
                finish_child(alpha, &barrier, "alpha", Instant::now());
                finish_child(beta, &barrier, "beta", Instant::now());
                panic!("round {round}: the children did not get ready in time");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        fs::write(barrier.join("go"), "").unwrap();
        finish_child(alpha, &barrier, "alpha", deadline);
        finish_child(beta, &barrier, "beta", deadline);

        check_both_profiles(&read(&fx.config()), &fx.config());
        // Each write backed up what it replaced: the base, then the base
        // plus the first profile.
        let backups = fx.writer().backups().unwrap();
        assert_eq!(backups.len(), 2, "round {round}");
        assert_eq!(read(&backups[0]), BASE, "round {round}");
        assert!(read(&backups[1]).starts_with(BASE), "round {round}");
        fixtures.push(fx);
    }
    let configs: Vec<PathBuf> = fixtures.iter().map(Fixture::config).collect();
    check_with_botocore(&configs, &fixtures[0].path("home"));
}

// ---------------------------------------------------------------------------
// Symlinks

#[test]
fn a_symlinked_config_stays_a_link_and_its_target_gets_the_profile() {
    let fx = Fixture::new();
    fs::create_dir(fx.path("home/dotfiles")).unwrap();
    fs::write(fx.path("home/dotfiles/aws-config"), BASE).unwrap();
    symlink("../dotfiles/aws-config", fx.config()).unwrap();

    let outcome = fx
        .writer()
        .apply(profile_edit(&fx.config(), "p", "123456789012", "us-east-1"))
        .unwrap();

    assert!(fs::symlink_metadata(fx.config())
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read_link(fx.config()).unwrap(),
        Path::new("../dotfiles/aws-config")
    );
    let target = fx.path("home/dotfiles/aws-config");
    assert_eq!(
        fs::canonicalize(outcome.target()).unwrap(),
        fs::canonicalize(&target).unwrap()
    );
    let text = read(&target);
    assert!(text.starts_with(BASE));
    assert!(text.contains("[profile p]\nsso_session = uoregon\nsso_account_id = 123456789012\n"));
    assert_eq!(read(outcome.backup().unwrap()), BASE);
    // No stray temporary files next to the link or the target; the lock
    // sits beside the target.
    assert_eq!(fs::read_dir(fx.path("home/.aws")).unwrap().count(), 1);
    let mut names: Vec<String> = fs::read_dir(fx.path("home/dotfiles"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".aws-config.uo-aws-tui.lock", "aws-config"]);
}

#[test]
fn a_chain_of_two_links_writes_the_final_target() {
    let fx = Fixture::new();
    fs::create_dir_all(fx.path("dotfiles/aws")).unwrap();
    fs::write(fx.path("dotfiles/aws/config"), BASE).unwrap();
    // home/.aws/config -> config.link -> ../../dotfiles/aws/config
    symlink(
        "../../dotfiles/aws/config",
        fx.path("home/.aws/config.link"),
    )
    .unwrap();
    symlink("config.link", fx.config()).unwrap();

    let writer = fx.writer();
    assert_eq!(
        fs::canonicalize(writer.target()).unwrap(),
        fs::canonicalize(fx.path("dotfiles/aws/config")).unwrap()
    );
    writer
        .apply(profile_edit(&fx.config(), "p", "123456789012", "us-east-1"))
        .unwrap();
    for link in ["home/.aws/config", "home/.aws/config.link"] {
        assert!(fs::symlink_metadata(fx.path(link))
            .unwrap()
            .file_type()
            .is_symlink());
    }
    assert!(read(&fx.path("dotfiles/aws/config")).contains("[profile p]"));
    assert_eq!(read(&fx.config()), read(&fx.path("dotfiles/aws/config")));
}

#[test]
fn a_dangling_link_creates_its_target_with_mode_0600_and_no_backup() {
    let fx = Fixture::new();
    symlink("../dotfiles/aws-config", fx.config()).unwrap();

    let outcome = fx
        .writer()
        .apply(profile_edit(&fx.config(), "p", "123456789012", "us-east-1"))
        .unwrap();

    let target = fx.path("home/dotfiles/aws-config");
    assert!(matches!(
        outcome,
        WriteOutcome::Written { backup: None, .. }
    ));
    assert!(fs::symlink_metadata(fx.config())
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(read(&target).starts_with("[profile p]\n"));
    assert_eq!(mode(&target), 0o600);
    assert_eq!(fx.backup_count(), 0);
}

#[test]
fn the_link_and_its_target_share_one_sidecar_lock_whatever_the_data_dir() {
    let fx = Fixture::new();
    fs::write(fx.path("home/real-config"), BASE).unwrap();
    symlink("../real-config", fx.config()).unwrap();
    let via_link = fx.writer().lock_path();
    let direct = ConfigWriter::new(&fx.path("home/real-config"), &fx.dirs).lock_path();
    let spelled = ConfigWriter::new(&fx.path("home/.aws/../real-config"), &fx.dirs).lock_path();
    let elsewhere = AppDirs::under(&fx.path("other-app"));
    let other_dirs = ConfigWriter::new(&fx.config(), &elsewhere).lock_path();
    let other = ConfigWriter::new(&fx.path("home/other-config"), &fx.dirs).lock_path();
    assert_eq!(via_link, direct);
    assert_eq!(spelled, direct);
    assert_eq!(other_dirs, direct, "the data directory does not matter");
    assert_ne!(other, direct);
    let home = fs::canonicalize(fx.path("home")).unwrap();
    assert_eq!(direct, home.join(".real-config.uo-aws-tui.lock"));
}

// ---------------------------------------------------------------------------
// Backups

#[test]
fn twelve_writes_keep_ten_backups_the_newest_holding_the_bytes_before_the_last_write() {
    let fx = Fixture::new();
    fs::write(fx.config(), BASE).unwrap();
    let writer = fx.writer();
    let mut before = Vec::new();
    let mut made = Vec::new();
    for i in 0..12 {
        before.push(read(&fx.config()));
        let region = format!("region-{i}");
        let outcome = writer
            .apply(profile_edit(&fx.config(), "p", "123456789012", &region))
            .unwrap();
        made.push(
            outcome
                .backup()
                .expect("a backup of an existing file")
                .to_path_buf(),
        );
    }
    let kept = writer.backups().unwrap();
    assert_eq!(kept.len(), 10);
    assert_eq!(fx.backup_count(), 10);
    // The newest ten, oldest first, each holding what its write replaced.
    assert_eq!(kept, made[2..]);
    for (backup, previous) in kept.iter().zip(&before[2..]) {
        assert_eq!(&read(backup), previous);
        assert_eq!(mode(backup), 0o600);
    }
    assert_eq!(read(kept.last().unwrap()), before[11]);
    assert!(read(kept.last().unwrap()).contains("region = region-10"));
    assert!(read(&fx.config()).contains("region = region-11"));

    // The same edit again changes nothing: no write, no backup.
    let bytes = fs::read(fx.config()).unwrap();
    let names = fx.backup_dir_names();
    let outcome = writer
        .apply(profile_edit(&fx.config(), "p", "123456789012", "region-11"))
        .unwrap();
    assert!(matches!(outcome, WriteOutcome::Unchanged { .. }));
    assert!(!outcome.written() && outcome.backup().is_none());
    assert_eq!(fs::read(fx.config()).unwrap(), bytes);
    assert_eq!(fx.backup_dir_names(), names);
}

#[test]
fn backups_of_different_config_files_are_counted_apart() {
    let fx = Fixture::new();
    fs::write(fx.config(), BASE).unwrap();
    fs::write(fx.path("home/other"), BASE).unwrap();
    let other = ConfigWriter::new(&fx.path("home/other"), &fx.dirs);
    for i in 0..11 {
        let region = format!("r{i}");
        other
            .apply(profile_edit(&fx.path("home/other"), "p", "1", &region))
            .unwrap();
    }
    fx.writer()
        .apply(profile_edit(&fx.config(), "p", "1", "r"))
        .unwrap();
    assert_eq!(other.backups().unwrap().len(), 10);
    assert_eq!(fx.writer().backups().unwrap().len(), 1);
    assert_eq!(fx.backup_count(), 11);
}

// ---------------------------------------------------------------------------
// Refusals and the lock

const DUPLICATE: &str = "\
[profile x]
region = a

[default]
region = b

[profile x]
region = c
";

#[test]
fn a_duplicate_section_is_refused_naming_both_lines_and_nothing_is_written() {
    let fx = Fixture::new();
    fs::write(fx.config(), DUPLICATE).unwrap();
    let writer = fx.writer();
    let err = writer
        .apply(profile_edit(&fx.config(), "x", "123456789012", "us-east-1"))
        .unwrap_err();
    match &err {
        WriteError::Config(ConfigError::Duplicate {
            first_line,
            second_line,
            ..
        }) => assert_eq!((*first_line, *second_line), (1, 7)),
        other => panic!("expected a duplicate error, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("lines 1 and 7"), "{message}");
    assert!(
        message.contains(&fx.config().display().to_string()),
        "{message}"
    );
    assert_eq!(read(&fx.config()), DUPLICATE);
    assert_eq!(fx.backup_count(), 0);

    // The lock was released: another profile goes in at once.
    let outcome = writer
        .with_lock_timeout(Duration::from_secs(1))
        .apply(profile_edit(&fx.config(), "y", "123456789012", "us-east-1"))
        .unwrap();
    assert!(outcome.written());
    assert!(read(&fx.config()).starts_with(DUPLICATE));
}

#[test]
fn the_lock_is_released_after_a_failed_or_panicking_edit() {
    let fx = Fixture::new();
    fs::write(fx.config(), BASE).unwrap();
    let writer = fx.writer().with_lock_timeout(Duration::from_secs(1));

    let err = writer
        .apply(|_| {
            Err(ConfigError::Invalid {
                path: fx.config(),
                message: "refused".into(),
            })
        })
        .unwrap_err();
    assert!(matches!(
        err,
        WriteError::Config(ConfigError::Invalid { .. })
    ));

    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = writer.apply(|_| panic!("edit panics"));
    }));
    assert!(panicked.is_err());

    // Not UTF-8: the read under the lock fails.
    fs::write(fx.config(), b"[default]\nregion = \xff\n").unwrap();
    let err = writer.apply(|t| Ok(t.to_string())).unwrap_err();
    assert!(matches!(
        err,
        WriteError::Config(ConfigError::Parse { line: 2, .. })
    ));
    fs::write(fx.config(), BASE).unwrap();

    assert_eq!(read(&fx.config()), BASE);
    assert_eq!(fx.backup_count(), 0);
    writer
        .apply(profile_edit(&fx.config(), "p", "123456789012", "us-east-1"))
        .unwrap();
    assert!(read(&fx.config()).contains("[profile p]"));
}

#[test]
fn a_held_lock_is_waited_for_and_times_out_naming_the_lock_file() {
    let fx = Fixture::new();
    fs::write(fx.config(), BASE).unwrap();
    let writer = fx.writer();
    let lock_path = writer.lock_path();
    fs::create_dir_all(lock_path.parent().unwrap()).unwrap();
    let holder = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap();
    holder.lock().unwrap();

    let started = Instant::now();
    let err = writer
        .clone()
        .with_lock_timeout(Duration::from_millis(300))
        .apply(profile_edit(&fx.config(), "p", "1", "r"))
        .unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(matches!(err, WriteError::LockTimeout { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(&lock_path.display().to_string()),
        "{message}"
    );
    assert_eq!(read(&fx.config()), BASE);

    // Released by its holder while we wait: the write goes through.
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        holder.unlock().unwrap();
        drop(holder);
    });
    let started = Instant::now();
    let outcome = writer
        .apply(profile_edit(&fx.config(), "p", "1", "r"))
        .unwrap();
    let waited = started.elapsed();
    release.join().unwrap();
    assert!(outcome.written());
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

// ---------------------------------------------------------------------------
// Modes

#[test]
fn an_existing_mode_is_kept_and_a_new_file_is_0600() {
    let fx = Fixture::new();
    fs::write(fx.config(), BASE).unwrap();
    fs::set_permissions(fx.config(), fs::Permissions::from_mode(0o640)).unwrap();
    fx.writer()
        .apply(profile_edit(&fx.config(), "p", "1", "r"))
        .unwrap();
    assert_eq!(mode(&fx.config()), 0o640);

    let fresh = Fixture::new();
    let config = fresh.path("home/new/.aws/config");
    let outcome = ConfigWriter::new(&config, &fresh.dirs)
        .apply(profile_edit(&config, "p", "1", "r"))
        .unwrap();
    assert_eq!(mode(&config), 0o600);
    assert_eq!(outcome.backup(), None);
    assert_eq!(
        read(&config),
        "[profile p]\nsso_session = uoregon\nsso_account_id = 1\nsso_role_name = Admin\nregion = r\n"
    );
    // The missing directories were made private.
    assert_eq!(mode(&fresh.path("home/new/.aws")), 0o700);
}

#[test]
fn an_edit_that_changes_nothing_on_a_missing_file_creates_nothing() {
    let fx = Fixture::new();
    let outcome = fx.writer().apply(|t| Ok(t.to_string())).unwrap();
    assert!(matches!(outcome, WriteOutcome::Unchanged { .. }));
    assert!(!fx.config().exists());
    assert_eq!(fx.backup_count(), 0);
}

// ---------------------------------------------------------------------------
// Another program writing between our read and our swap

#[test]
fn sections_appended_after_the_read_are_kept_after_the_edit_and_the_edit_runs_once() {
    let fx = Fixture::new();
    fs::write(fx.config(), BASE).unwrap();
    let config = fx.config();
    let mut calls = 0;
    let mut upsert = profile_edit(&config, "p", "123456789012", "us-east-1");
    fx.writer()
        .apply(|text| {
            calls += 1;
            // An editor appends (open, write, close) while we edit.
            let mut file = fs::OpenOptions::new().append(true).open(&config).unwrap();
            std::io::Write::write_all(&mut file, b"\n[profile editor]\nregion = eu-north-1\n")
                .unwrap();
            upsert(text)
        })
        .unwrap();
    assert_eq!(calls, 1);
    let text = read(&config);
    assert!(text.starts_with(BASE), "{text}");
    assert!(
        text.ends_with(
            "[profile p]\nsso_session = uoregon\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\n[profile editor]\nregion = eu-north-1\n"
        ),
        "{text}"
    );
}

#[test]
fn a_rewrite_after_the_read_gets_the_edit_applied_again_to_its_bytes() {
    let fx = Fixture::new();
    fs::write(fx.config(), BASE).unwrap();
    let config = fx.config();
    let rewritten = BASE.replace(
        "[default]\nregion = us-west-2\n",
        "[default]\nregion = ap-south-1\n",
    );
    let mut calls = 0;
    let mut upsert = profile_edit(&config, "p", "123456789012", "us-east-1");
    fx.writer()
        .apply(|text| {
            calls += 1;
            if calls == 1 {
                // `aws configure set` rewrites the file in place.
                fs::write(&config, &rewritten).unwrap();
            }
            upsert(text)
        })
        .unwrap();
    assert_eq!(calls, 2);
    let text = read(&config);
    assert!(text.starts_with(&rewritten), "{text}");
    assert!(
        text.contains("[profile p]\nsso_session = uoregon\n"),
        "{text}"
    );
    // The backup holds what the first read saw.
    let backups = fx.writer().backups().unwrap();
    assert_eq!(read(backups.last().unwrap()), BASE);
}

#[test]
fn a_stale_temp_file_of_a_dead_writer_is_removed_by_the_next_write() {
    let fx = Fixture::new();
    fs::write(fx.config(), BASE).unwrap();
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let leftover = fx.path(&format!("home/.aws/.config.uo-aws-tui.{dead}.Xy12Zq.tmp"));
    fs::write(&leftover, BASE).unwrap();
    fx.writer()
        .apply(profile_edit(&fx.config(), "p", "1", "r"))
        .unwrap();
    assert!(!leftover.exists());
    let mut names: Vec<String> = fs::read_dir(fx.path("home/.aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".config.uo-aws-tui.lock", "config"]);
}

#[test]
fn a_rewrite_the_edit_refuses_is_kept_and_the_error_returned() {
    let fx = Fixture::new();
    fs::write(fx.config(), BASE).unwrap();
    let config = fx.config();
    // Someone rewrites the file with `[profile p]` twice.
    let doubled = format!("{BASE}\n[profile p]\nregion = a\n\n[profile p]\nregion = b\n");
    let mut calls = 0;
    let mut upsert = profile_edit(&config, "p", "123456789012", "us-east-1");
    let err = fx
        .writer()
        .apply(|text| {
            calls += 1;
            if calls == 1 {
                fs::write(&config, &doubled).unwrap();
            }
            upsert(text)
        })
        .unwrap_err();
    assert!(
        matches!(err, WriteError::Config(ConfigError::Duplicate { .. })),
        "{err}"
    );
    assert_eq!(read(&config), doubled);
    assert_eq!(fs::read_dir(fx.path("home/.aws")).unwrap().count(), 2);
}
