//! The limiter against a portal that caps calls: a 665-account listing
//! under a 20 calls-per-second cap. This binary holds one test so that it
//! runs alone (a busy machine beside it would blur the pace it checks);
//! what it checks is counted from the simulator's request log and the
//! limiter's counters, not from wall time.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::mpsc;
use uo_aws_tui::aws::limiter::{Limiter, LimiterConfig};
use uo_aws_tui::aws::portal::Portal;
use uo_aws_tui::catalog::CatalogEvent;
use uo_aws_tui::sim::{SimOptions, Simulator};

/// The simulator's cap, calls per sliding second.
const CAP: u32 = 20;

/// How long the limiter may take to learn the cap before its retries count.
const LEARNING: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_of_665_accounts_under_a_20_rps_cap_learns_the_cap_and_then_rarely_retries() {
    let sim = Simulator::start(
        SimOptions {
            accounts: Some(665),
            page_size: 100,
            rps: Some(CAP),
            latency: Duration::from_millis(10),
            ..SimOptions::default()
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("simulator starts");
    let limiter = Limiter::new(
        LimiterConfig::with_concurrency(8)
            .with_backoff(Duration::from_millis(5), Duration::from_millis(100)),
    );
    let token = sim.issue_access_token(Duration::from_secs(3600));
    let portal =
        Portal::new("us-west-2", Some(&sim.endpoint()), &token, 8).with_limiter(limiter.clone());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move { portal.stream_catalog(tx).await });
    let mut events = Vec::new();
    while let Some(e) = rx.recv().await {
        events.push(e);
    }
    task.await.unwrap();

    // Every account with every role, nothing failed.
    let mut listed = BTreeMap::new();
    for e in &events {
        match e {
            CatalogEvent::Roles { account_id, roles } => {
                let roles: BTreeSet<String> = roles.iter().cloned().collect();
                assert!(listed.insert(account_id.clone(), roles).is_none());
            }
            CatalogEvent::RolesFailed { account_id, error } => panic!("{account_id}: {error}"),
            CatalogEvent::Fatal { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
    let served: BTreeMap<String, BTreeSet<String>> = sim
        .org()
        .accounts
        .iter()
        .map(|a| (a.account_id.clone(), a.roles.iter().cloned().collect()))
        .collect();
    assert_eq!(listed, served, "every account and role");
    assert_eq!(events.last(), Some(&CatalogEvent::Complete));

    // Every 429 reached the limiter, and each was retried.
    let log = sim.exchanges();
    let throttled = log.iter().filter(|x| x.request.status == 429).count() as u64;
    let stats = limiter.stats();
    assert!(throttled > 0, "the cap was reached");
    assert_eq!(stats.throttled, throttled, "every 429 reached the limiter");
    assert_eq!(
        stats.retries, throttled,
        "every 429 was retried, nothing else"
    );
    assert_eq!(
        stats.calls,
        log.len() as u64,
        "every call reached the simulator"
    );
    assert!(stats.paced);
    let mean = stats.mean_rate_since_throttle.expect("a throttle was seen");
    assert!(
        mean <= CAP as f64,
        "mean pace after the first 429: {mean:.2} req/s"
    );

    // Once the cap is learned, under 1 % of the calls are retries.
    let start = log.first().expect("calls were made").arrived;
    let late: Vec<_> = log
        .iter()
        .filter(|x| x.arrived >= start + LEARNING)
        .collect();
    let late_429 = late.iter().filter(|x| x.request.status == 429).count();
    eprintln!(
        "{} calls, {throttled} answered 429 ({} in the first {LEARNING:?}); after it {} calls, \
         {late_429} answered 429; mean pace {mean:.2} req/s",
        log.len(),
        throttled as usize - late_429,
        late.len(),
    );
    assert!(
        late.len() > 500,
        "most of the 672 calls come after the first {LEARNING:?}: {}",
        late.len()
    );
    assert!(
        (late_429 as f64) < 0.01 * late.len() as f64,
        "{late_429} of {} calls after the first {LEARNING:?} were throttled",
        late.len()
    );
    sim.shutdown().await;
}
