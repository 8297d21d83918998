//! Prints the performance table of docs/performance.md:
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench_table
//! ```
//!
//! (`… --example bench_table -- filter` prints only the filter table,
//! `… -- listing` only the listing table (`… -- uncapped` only its uncapped
//! rows, `… -- uncapped 12` those twelve times with the median, best and
//! worst ours / limit), `… -- first-frame` only the
//! first-frame table; `BENCH_BINARY=path` times another build's first
//! frame.)
//!
//! 1. full listings of simulated organisations (300 accounts at 20 ms
//!    latency with a 25 rps cap and without one; 1 000 accounts at 50 ms
//!    with a 20 rps cap), each by our concurrent listing and by a serial
//!    client (one call at a time through the same SDK client, as the
//!    serial tools do), against the limit
//!    `max(requests / rps, requests × latency / concurrency)`; the
//!    simulator runs on a runtime of its own (two threads), as a portal
//!    runs on machines of its own, so the clients' two workers are theirs
//!    alone;
//! 2. filter latency per keystroke at 1k, 15k and 50k rows, typing realistic
//!    queries one character at a time through the searcher the picker's
//!    filter task uses;
//! 3. process start to first frame of the release binary from a warm cache
//!    of 15k rows (`pick --offline` with the hidden first-frame probe), and
//!    its peak RSS.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use uo_aws_tui::aws::limiter::{Limiter, LimiterConfig};
use uo_aws_tui::aws::paths::AwsPaths;
use uo_aws_tui::aws::portal::Portal;
use uo_aws_tui::cache::{self, CachedCatalog};
use uo_aws_tui::catalog::Catalog;
use uo_aws_tui::catalog::ProfileTemplate;
use uo_aws_tui::dirs::AppDirs;
use uo_aws_tui::search::{ProfileNamer, Searcher};
use uo_aws_tui::sim::{org_catalog, SimOptions, Simulator};

const CONCURRENCY: usize = 8;

/// One listing benchmark: an organisation, the simulator's latency and cap.
struct Case {
    accounts: usize,
    latency: Duration,
    cap: Option<u32>,
}

const CASES: &[Case] = &[
    Case {
        accounts: 300,
        latency: Duration::from_millis(20),
        cap: Some(25),
    },
    Case {
        accounts: 300,
        latency: Duration::from_millis(20),
        cap: None,
    },
    Case {
        accounts: 1000,
        latency: Duration::from_millis(50),
        cap: Some(20),
    },
];

const QUERIES: &[&str] = &[
    "research admin",
    "knight sandbox read",
    "field station 0412",
    "data pipeline billing",
    "lab.admin cas",
    "aws-course-03 poweruser",
];

fn main() {
    let only = std::env::args().nth(1);
    if only.as_deref() == Some("first-frame") {
        // Only section 3: `… --example bench_table -- first-frame`.
        println!("machine: {}", machine());
        first_frame(15_000);
        return;
    }
    if only.as_deref() == Some("filter") {
        // Only section 2: `cargo run --release --example bench_table -- filter`.
        println!("machine: {}", machine());
        for rows in [1_000, 15_000, 50_000] {
            filter(rows);
        }
        return;
    }
    // The clients' runtime is the application's (two workers, as
    // `main` builds it); the simulator's is its own.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let portal_side = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("simulator")
        .enable_all()
        .build()
        .expect("the simulator's runtime");
    println!("machine: {}", machine());
    println!();
    println!("## Listing: concurrency {CONCURRENCY} against a serial client");
    println!();
    println!(
        "| accounts | latency | cap | requests | limit | ours | ours / limit | 429s | serial | serial / limit | 429s | ours / serial | accounts listed |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    // `… -- uncapped [N]` runs only the listings without a cap, N times
    // (default once), and sums up ours / limit over the runs.
    let uncapped = only.as_deref() == Some("uncapped");
    let rounds: usize = match std::env::args().nth(2) {
        Some(n) if uncapped => n.parse().expect("uncapped N: a number of runs"),
        _ => 1,
    };
    let mut ratios = Vec::new();
    for _ in 0..rounds {
        for case in CASES.iter().filter(|c| !uncapped || c.cap.is_none()) {
            ratios.push(listing(&runtime, &portal_side, case));
        }
    }
    if rounds > 1 {
        ratios.sort_by(f64::total_cmp);
        println!();
        println!(
            "ours / limit over {} runs: median {:.3}×, best {:.3}×, worst {:.3}×",
            ratios.len(),
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
        );
    }
    if only.as_deref() == Some("listing") || uncapped {
        return;
    }
    println!();
    println!(
        "## Filter latency per keystroke ({} + 5 queries typed one character at a time, 3 rounds)",
        QUERIES.len()
    );
    println!();
    println!("| rows | keystrokes | median | p99 | max | without reuse: median | p99 |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for rows in [1_000, 15_000, 50_000] {
        filter(rows);
    }
    println!();
    println!("## Start to first frame from a warm cache (release binary, `pick --offline`)");
    println!();
    first_frame(15_000);
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores (nproc), {cpu}")
}

/// What one listing run did, from the simulator's log.
struct Run {
    elapsed: f64,
    /// Calls answered 200 (what the listing needs).
    ok: usize,
    throttled: usize,
    accounts: usize,
}

/// A fresh simulator for `case`, served by `portal_side`.
fn simulator(portal_side: &tokio::runtime::Runtime, case: &Case) -> Simulator {
    portal_side
        .block_on(Simulator::start(
            SimOptions {
                accounts: Some(case.accounts),
                latency: case.latency,
                rps: case.cap,
                ..SimOptions::default()
            },
            SocketAddr::from(([127, 0, 0, 1], 0)),
        ))
        .expect("simulator")
}

fn outcome(sim: &Simulator, elapsed: f64, accounts: usize) -> Run {
    let log = sim.requests();
    Run {
        elapsed,
        ok: log.iter().filter(|r| r.status == 200).count(),
        throttled: log.iter().filter(|r| r.status == 429).count(),
        accounts,
    }
}

/// Our listing: `stream_catalog` with `CONCURRENCY` workers.
async fn ours(sim: &Simulator) -> Run {
    let token = sim.issue_access_token(Duration::from_secs(3600));
    let limiter = Limiter::new(LimiterConfig::with_concurrency(CONCURRENCY));
    let portal = Portal::new("us-west-2", Some(&sim.endpoint()), &token, CONCURRENCY)
        .with_limiter(limiter.clone());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let started = Instant::now();
    tokio::spawn(async move { portal.stream_catalog(tx).await });
    let mut catalog = Catalog::default();
    while let Some(e) = rx.recv().await {
        catalog.apply(e);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let p = catalog.progress();
    outcome(sim, elapsed, p.roles_done - p.failed)
}

/// A serial client: every ListAccounts page, then each account's roles,
/// one call at a time through the same SDK client (and its retries).
async fn serial(sim: &Simulator) -> Run {
    let token = sim.issue_access_token(Duration::from_secs(3600));
    let portal = Portal::new("us-west-2", Some(&sim.endpoint()), &token, 1);
    let started = Instant::now();
    let mut accounts = Vec::new();
    let mut next = None;
    loop {
        let (page, token) = portal
            .list_accounts_page(next.take())
            .await
            .expect("ListAccounts");
        accounts.extend(page);
        match token {
            Some(t) => next = Some(t),
            None => break,
        }
    }
    let mut listed = 0;
    for account in &accounts {
        if portal.list_roles(&account.id).await.is_ok() {
            listed += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    outcome(sim, elapsed, listed)
}

/// One row of the listing table: `case` listed by ours and by the serial
/// client on `runtime`, each against a fresh simulator on `portal_side`;
/// returns ours / limit.
fn listing(
    runtime: &tokio::runtime::Runtime,
    portal_side: &tokio::runtime::Runtime,
    case: &Case,
) -> f64 {
    let run = |client: &dyn Fn(&Simulator) -> Run| {
        let sim = simulator(portal_side, case);
        let run = client(&sim);
        portal_side.block_on(sim.shutdown());
        run
    };
    let ours = run(&|sim| runtime.block_on(ours(sim)));
    let serial = run(&|sim| runtime.block_on(serial(sim)));
    let by_rate = case.cap.map_or(0.0, |c| ours.ok as f64 / c as f64);
    let by_latency = ours.ok as f64 * case.latency.as_secs_f64() / CONCURRENCY as f64;
    let limit = by_rate.max(by_latency);
    println!(
        "| {} | {} ms | {} | {} | {limit:.2} s | {:.2} s | {:.3}× | {} | {:.2} s | {:.3}× | {} | {:.3} | {}/{} ours, {}/{} serial |",
        case.accounts,
        case.latency.as_millis(),
        case.cap.map_or("none".to_string(), |c| format!("{c} rps")),
        ours.ok,
        ours.elapsed,
        ours.elapsed / limit,
        ours.throttled,
        serial.elapsed,
        serial.elapsed / limit,
        serial.throttled,
        ours.elapsed / serial.elapsed,
        ours.accounts,
        case.accounts,
        serial.accounts,
        case.accounts,
    );
    ours.elapsed / limit
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn filter(rows: usize) {
    let catalog = org_catalog(rows);
    let all = catalog.rows();
    // Realistic queries beyond the fixed six: a profile name typed whole,
    // an account-id prefix, a typo that falls back to fuzzy, operators.
    let mid = &all[all.len() / 2];
    let profile = uo_aws_tui::catalog::profile_name(&mid.account.id, mid.role().unwrap_or(""));
    let id_prefix = mid.account.id[..4].to_string();
    let mut queries: Vec<String> = QUERIES.iter().map(|q| q.to_string()).collect();
    queries.extend([
        profile,
        id_prefix,
        "reserch admn".to_string(),
        "^research !read".to_string(),
        "'lab poweruser$".to_string(),
    ]);
    let namer = ProfileNamer::new(ProfileTemplate::default(), "uoregon");
    let mut times = Vec::new();
    let mut full = Vec::new();
    for _round in 0..3 {
        // What the picker's filter task does: one searcher, each keystroke
        // ranked, reusing the previous answer when the query grew.
        let mut searcher = Searcher::with_profiles(namer.clone());
        let mut cold = Searcher::with_profiles(namer.clone());
        for query in &queries {
            let mut typed = String::new();
            for c in query.chars() {
                typed.push(c);
                let t = Instant::now();
                std::hint::black_box(searcher.rank_catalog(&typed, &catalog));
                times.push(t.elapsed());
                // The same keystroke without the previous answer (every row
                // looked at; profile names and term modes still remembered).
                cold.rank_catalog("", &catalog);
                let t = Instant::now();
                std::hint::black_box(cold.rank_catalog(&typed, &catalog));
                full.push(t.elapsed());
            }
        }
    }
    times.sort();
    full.sort();
    println!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        all.len(),
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap()),
        ms(percentile(&full, 0.5)),
        ms(percentile(&full, 0.99)),
    );
}

fn first_frame(rows: usize) {
    // `BENCH_BINARY=path` times another build (e.g. an older one, for a
    // before/after comparison in one run); by default the release binary
    // beside this example.
    let exe = std::env::current_exe().expect("own path");
    let bin = std::env::var_os("BENCH_BINARY")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            exe.parent()
                .and_then(Path::parent)
                .map(|d| d.join("uo-aws-tui"))
        })
        .filter(|p| p.exists())
        .expect("build the binary first: cargo build --release");
    let home = tempfile::tempdir().expect("a temp dir");
    let paths = AwsPaths::under_home(home.path());
    uo_aws_tui::demo::write_demo_files(&paths, "not-a-real-token").expect("demo files");
    let xdg = |d: &str| home.path().join(d);
    let dirs = AppDirs {
        config_dir: xdg("xdg-config").join("uo-aws-tui"),
        cache_dir: xdg("xdg-cache").join("uo-aws-tui"),
        data_dir: xdg("xdg-data").join("uo-aws-tui"),
    };
    let catalog = org_catalog(rows);
    let cached = CachedCatalog::from_catalog(&catalog, time::OffsetDateTime::now_utc());
    let path = cache::catalog_path(&dirs, uo_aws_tui::demo::SESSION);
    cache::store(&path, uo_aws_tui::demo::SESSION, &cached).expect("cache stored");
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    let mut times = Vec::new();
    let mut frames = Vec::new();
    let mut cpu = Vec::new();
    let mut waited = Vec::new();
    let mut peak_kib = 0u64;
    for _ in 0..20 {
        let started = Instant::now();
        let spawned_ns = uo_aws_tui::picker::monotonic_ns();
        let out = Command::new(&bin)
            .args(["pick", "--offline"])
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("XDG_CONFIG_HOME", xdg("xdg-config"))
            .env("XDG_CACHE_HOME", xdg("xdg-cache"))
            .env("XDG_DATA_HOME", xdg("xdg-data"))
            .env(uo_aws_tui::picker::FIRST_FRAME_PROBE, "1")
            .output()
            .expect("the binary runs");
        times.push(started.elapsed());
        assert_eq!(
            out.status.code(),
            Some(1),
            "the probe exits 1 after the first frame"
        );
        // `VmHWM:    12345 kB`: the binary's own peak (a child's rusage would
        // also count this process's memory from before the exec).
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kib = stderr
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        peak_kib = peak_kib.max(kib);
        // `frame-at: <ns>`: when the first frame was drawn, on the clock
        // read before the spawn.
        if let Some(at) = stderr
            .lines()
            .find_map(|l| l.strip_prefix("frame-at:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            frames.push(Duration::from_nanos(at.saturating_sub(spawned_ns)));
        }
        // `schedstat: <ns on a CPU> <ns runnable, waiting for one> <slices>`
        // of the drawing thread, when the binary prints it.
        let sched: Vec<u64> = stderr
            .lines()
            .find_map(|l| l.strip_prefix("schedstat:"))
            .map(|v| {
                v.split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        if let [on_cpu, runnable, ..] = sched[..] {
            cpu.push(Duration::from_nanos(on_cpu));
            waited.push(Duration::from_nanos(runnable));
        }
    }
    cpu.sort();
    waited.sort();
    times.sort();
    frames.sort();
    let rss_kib = peak_kib;
    let median = |v: &[Duration]| {
        if v.is_empty() {
            "–".to_string()
        } else {
            ms(percentile(v, 0.5))
        }
    };
    let quantile = |v: &[Duration], q: f64| {
        if v.is_empty() {
            "–".to_string()
        } else {
            ms(percentile(v, q))
        }
    };
    println!(
        "| rows | cache file | runs | start to first frame: median | p90 | min | max | process start to exit (median) | drawing thread on a CPU (median) | waiting for a CPU (median) | peak RSS |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| {} | {:.1} MiB | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} MiB |",
        catalog.rows().len(),
        size as f64 / 1048576.0,
        times.len(),
        median(&frames),
        quantile(&frames, 0.9),
        quantile(&frames, 0.0),
        quantile(&frames, 1.0),
        ms(percentile(&times, 0.5)),
        median(&cpu),
        median(&waited),
        rss_kib as f64 / 1024.0
    );
}
