//! The catalog cache for scripts, through the real binary: `list`, `use`,
//! `exec` and `populate` follow the picker's rule (a fresh cache makes no
//! portal call, `--refresh` lists, `--offline` never does — tested with the
//! simulator stopped), a handoff from a cached row still checks the login,
//! and `populate --prune` lists before it removes anything.

mod common;

use std::path::Path;
use std::process::Output;

use common::DemoHome;
use time::{Duration, OffsetDateTime};
use uo_aws_tui::aws::token_cache::{read_token, token_path, write_token};
use uo_aws_tui::cache::{self, CachedCatalog, Loaded};

/// The binary with only the demo home and `endpoint` in its environment.
fn run_in(home: &Path, endpoint: &str, args: &[&str]) -> Output {
    common::binary_in(home, endpoint, args).output().unwrap()
}

fn run(demo: &DemoHome, args: &[&str]) -> Output {
    run_in(demo.home.path(), &demo.sim.endpoint(), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The catalog cache of the demo session, as the binary (HOME-based
/// directories) keeps it.
fn cache_path(home: &Path) -> std::path::PathBuf {
    let xdg = home.join(".cache").join("uo-aws-tui");
    cache::catalog_path(
        &uo_aws_tui::dirs::AppDirs {
            config_dir: home.join(".config").join("uo-aws-tui"),
            cache_dir: xdg,
            data_dir: home.join(".local").join("share").join("uo-aws-tui"),
        },
        "uoregon",
    )
}

fn cached(home: &Path) -> CachedCatalog {
    match cache::load(&cache_path(home), "uoregon") {
        Loaded::Found(c) => c,
        other => panic!("{other:?}"),
    }
}

/// Replaces the session's token with one that expired an hour ago and
/// cannot be refreshed (no refresh token, no registration).
fn expire_without_refresh(home: &Path) {
    let path = token_path(&home.join(".aws").join("sso").join("cache"), "uoregon");
    let mut token = read_token(&path).unwrap();
    token.expires_at = OffsetDateTime::now_utc() - Duration::hours(1);
    token.refresh_token = None;
    token.client_id = None;
    token.client_secret = None;
    token.registration_expires_at = None;
    write_token(&path, &token).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_uses_a_fresh_cache_refreshes_on_request_and_works_offline_with_the_portal_gone() {
    let demo = DemoHome::new(3, 2).await;
    // No cache yet: --offline has nothing to show.
    let out = run(&demo, &["list", "--offline"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("no cached catalog to use offline"),
        "{}",
        text(&out.stderr)
    );
    assert!(demo.sim.requests().is_empty());

    // The first listing is stored; a second run uses it without a call.
    let listed = ok(&run(&demo, &["list", "--tsv"]));
    assert!(listed.contains("127027105832_Billing"), "{listed}");
    let calls = demo.sim.requests().len();
    assert!(calls > 0);
    assert_eq!(cached(demo.home.path()).accounts.len(), 3);
    assert_eq!(ok(&run(&demo, &["list", "--tsv"])), listed);
    assert_eq!(demo.sim.requests().len(), calls, "a fresh cache: no call");
    // --refresh lists again.
    assert_eq!(ok(&run(&demo, &["list", "--tsv", "--refresh"])), listed);
    assert!(demo.sim.requests().len() > calls);
    let out = run(&demo, &["list", "--refresh", "--offline"]);
    assert_eq!(out.status.code(), Some(2), "the flags conflict");

    // The simulator stopped: --offline lists the cached rows, even stale
    // ones and even with a login that needs renewing (list hands nothing
    // over).
    let DemoHome { sim, home, env: _ } = demo;
    let endpoint = sim.endpoint();
    sim.shutdown().await;
    assert_eq!(
        ok(&run_in(
            home.path(),
            &endpoint,
            &["list", "--tsv", "--offline"]
        )),
        listed
    );
    let mut stale = cached(home.path());
    stale.fetched_at -= Duration::days(3);
    cache::store(&cache_path(home.path()), "uoregon", &stale).unwrap();
    expire_without_refresh(home.path());
    let out = run_in(
        home.path(),
        &endpoint,
        &["list", "--tsv", "--offline", "billing"],
    );
    assert_eq!(
        ok(&out),
        "account_id\taccount_name\temail\trole_name\tprofile\tprofile_exists\n\
         127027105832\tUO Management\taws-management@uoregon.edu\tBilling\t127027105832_Billing\tfalse\n"
    );
    // Without --offline a stale cache means a listing, which fails here.
    let out = run_in(home.path(), &endpoint, &["list", "--tsv"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_and_exec_offline_hand_over_cached_rows_only_with_a_working_login() {
    let demo = DemoHome::new(3, 2).await;
    ok(&run(&demo, &["list"]));
    let DemoHome { sim, home, env: _ } = demo;
    let endpoint = sim.endpoint();
    sim.shutdown().await;
    let config = home.path().join(".aws").join("config");

    // A valid login: the cached row is written and printed, no portal.
    let out = run_in(
        home.path(),
        &endpoint,
        &[
            "use",
            "--offline",
            "--emit",
            "profile",
            "management",
            "billing",
        ],
    );
    assert_eq!(ok(&out), "127027105832_Billing\n");
    assert!(std::fs::read_to_string(&config)
        .unwrap()
        .contains("[profile 127027105832_Billing]"));
    let out = run_in(
        home.path(),
        &endpoint,
        &[
            "exec",
            "--offline",
            "log archive readonly",
            "--",
            "sh",
            "-c",
            "printf %s \"$AWS_PROFILE\"",
        ],
    );
    assert_eq!(ok(&out), "078264571805_AWSReadOnlyAccess");

    // An expired login that cannot be refreshed is refused: exit 2, the
    // login hint, nothing printed or written.
    expire_without_refresh(home.path());
    let before = std::fs::read(&config).unwrap();
    for args in [
        &["use", "--offline", "security", "admin"][..],
        &["use", "--offline", "127027105832_Billing"][..],
        &["exec", "--offline", "127027105832_Billing", "--", "true"][..],
        &["exec", "--offline", "security admin", "--", "true"][..],
    ] {
        let out = run_in(home.path(), &endpoint, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "", "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("expired and cannot be refreshed")
                && stderr.contains("run: uo-aws-tui login --sso-session uoregon"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(std::fs::read(&config).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_without_the_queried_row_is_listed_again_and_prune_always_lists() {
    let demo = DemoHome::new(3, 2).await;
    ok(&run(&demo, &["list"]));
    // A fresh cache that lacks Log Archive (078264571805).
    let mut trimmed = cached(demo.home.path());
    trimmed.accounts.retain(|a| a.id != "078264571805");
    cache::store(&cache_path(demo.home.path()), "uoregon", &trimmed).unwrap();
    let calls = demo.sim.requests().len();
    let out = run(
        &demo,
        &[
            "use",
            "--emit",
            "profile",
            "--no-write",
            "log archive readonly",
        ],
    );
    assert_eq!(ok(&out), "078264571805_AWSReadOnlyAccess\n");
    assert!(demo.sim.requests().len() > calls, "listed again");
    assert_eq!(cached(demo.home.path()).accounts.len(), 3, "and stored");

    // A row the cache has: no call.
    let calls = demo.sim.requests().len();
    let out = run(
        &demo,
        &[
            "use",
            "--emit",
            "profile",
            "--no-write",
            "management",
            "billing",
        ],
    );
    assert_eq!(ok(&out), "127027105832_Billing\n");
    assert_eq!(demo.sim.requests().len(), calls);

    // populate uses the fresh cache; --prune lists first; never offline.
    ok(&run(&demo, &["populate", "--dry-run"]));
    assert_eq!(demo.sim.requests().len(), calls, "populate from the cache");
    ok(&run(&demo, &["populate", "--prune", "--dry-run"]));
    assert!(demo.sim.requests().len() > calls, "--prune listed");
    let out = run(&demo, &["populate", "--prune", "--offline"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--prune lists the portal first"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_frame_probe_draws_from_the_cache_and_says_when() {
    // The hook `bench_table -- first-frame` times: `pick --offline` draws
    // its first frame off-screen and prints when, on the clock the parent
    // read before starting it.
    let demo = DemoHome::new(3, 2).await;
    ok(&run(&demo, &["list"]));
    let before = uo_aws_tui::picker::monotonic_ns();
    let out = common::binary_in(
        demo.home.path(),
        &demo.sim.endpoint(),
        &["pick", "--offline"],
    )
    .env(uo_aws_tui::picker::FIRST_FRAME_PROBE, "1")
    .output()
    .unwrap();
    let after = uo_aws_tui::picker::monotonic_ns();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(text(&out.stdout), "");
    let at: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("frame-at:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no frame-at line: {stderr}"));
    assert!(before < at && at < after, "{before} < {at} < {after}");
    assert!(stderr.lines().any(|l| l.starts_with("VmHWM:")), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.starts_with("schedstat:")),
        "{stderr}"
    );
}
