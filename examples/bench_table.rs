//! Prints the performance table of docs/performance.md:
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench_table
//! ```
//!
//! (`… --example bench_table -- filter` prints only the filter table.)
//!
//! 1. a full listing of 300 simulated accounts (20 ms latency) with a 25 rps
//!    cap and without one, against its limit
//!    `max(requests / rps, requests × latency / concurrency)`;
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
const LATENCY: Duration = Duration::from_millis(20);
const QUERIES: &[&str] = &[
    "research admin",
    "knight sandbox read",
    "field station 0412",
    "data pipeline billing",
    "lab.admin cas",
    "aws-course-03 poweruser",
];

fn main() {
    if std::env::args().nth(1).as_deref() == Some("filter") {
        // Only section 2: `cargo run --release --example bench_table -- filter`.
        println!("machine: {}", machine());
        for rows in [1_000, 15_000, 50_000] {
            filter(rows);
        }
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    println!("machine: {}", machine());
    println!();
    println!(
        "## Listing: 300 accounts, {} ms latency, concurrency {CONCURRENCY}",
        LATENCY.as_millis()
    );
    println!();
    println!("| cap | requests | elapsed | limit | ratio | 429s | retries | accounts | failed |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for cap in [Some(25), None] {
        runtime.block_on(listing(cap));
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

async fn listing(cap: Option<u32>) {
    let sim = Simulator::start(
        SimOptions {
            accounts: Some(300),
            latency: LATENCY,
            rps: cap,
            ..SimOptions::default()
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("simulator");
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
    let log = sim.requests();
    let ok = log.iter().filter(|r| r.status == 200).count();
    let throttled = log.iter().filter(|r| r.status == 429).count();
    let by_rate = cap.map_or(0.0, |c| ok as f64 / c as f64);
    let by_latency = ok as f64 * LATENCY.as_secs_f64() / CONCURRENCY as f64;
    let limit = by_rate.max(by_latency);
    let p = catalog.progress();
    println!(
        "| {} | {ok} | {elapsed:.2} s | {limit:.2} s | {:.2}× | {throttled} | {} | {}/{} | {} |",
        cap.map_or("none".to_string(), |c| format!("{c} rps")),
        elapsed / limit,
        limiter.stats().retries,
        p.roles_done,
        sim.org().accounts.len(),
        p.failed,
    );
    sim.shutdown().await;
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
    let exe = std::env::current_exe().expect("own path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("uo-aws-tui"))
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
    let mut peak_kib = 0u64;
    for _ in 0..20 {
        let started = Instant::now();
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
    }
    times.sort();
    let rss_kib = peak_kib;
    println!("| rows | cache file | runs | median | p90 | max | peak RSS |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| {} | {:.1} MiB | {} | {} | {} | {} | {:.1} MiB |",
        catalog.rows().len(),
        size as f64 / 1048576.0,
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(*times.last().unwrap()),
        rss_kib as f64 / 1024.0
    );
}
