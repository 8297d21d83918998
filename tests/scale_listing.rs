//! Listing under throttling and failures: the adaptive limiter against the
//! simulator's rate cap and injected 500s, and priority hints.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use uo_aws_tui::app::App;
use uo_aws_tui::aws::limiter::{Limiter, LimiterConfig};
use uo_aws_tui::aws::portal::{Portal, PortalErrorKind, PriorityHints};
use uo_aws_tui::catalog::{Catalog, CatalogEvent};
use uo_aws_tui::sim::{SimOptions, Simulator};

async fn start(opts: SimOptions) -> Simulator {
    Simulator::start(opts, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts")
}

/// A limiter with test-sized backoffs.
fn limiter(concurrency: usize) -> Arc<Limiter> {
    Limiter::new(
        LimiterConfig::with_concurrency(concurrency)
            .with_backoff(Duration::from_millis(5), Duration::from_millis(100)),
    )
}

fn portal(sim: &Simulator, limiter: &Arc<Limiter>) -> Portal {
    let token = sim.issue_access_token(Duration::from_secs(3600));
    Portal::new("us-west-2", Some(&sim.endpoint()), &token, 8).with_limiter(limiter.clone())
}

async fn collect(portal: Portal) -> Vec<CatalogEvent> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move { portal.stream_catalog(tx).await });
    let mut events = Vec::new();
    while let Some(e) = rx.recv().await {
        events.push(e);
    }
    task.await.unwrap();
    events
}

fn served(sim: &Simulator) -> BTreeMap<String, BTreeSet<String>> {
    sim.org()
        .accounts
        .iter()
        .map(|a| (a.account_id.clone(), a.roles.iter().cloned().collect()))
        .collect()
}

fn listed(events: &[CatalogEvent]) -> BTreeMap<String, BTreeSet<String>> {
    let mut got = BTreeMap::new();
    for e in events {
        match e {
            CatalogEvent::Roles { account_id, roles } => {
                assert!(got
                    .insert(account_id.clone(), roles.iter().cloned().collect())
                    .is_none());
            }
            CatalogEvent::RolesFailed { account_id, error } => panic!("{account_id}: {error}"),
            CatalogEvent::Fatal { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
    got
}

/// The 665-account listing under a 20 rps cap is in `tests/limiter_cap.rs`,
/// alone in its binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncapped_the_first_calls_go_out_together_up_to_the_concurrency() {
    // A latency long enough that the first answer cannot come back before
    // calls that are all sent at once have arrived.
    let sim = start(SimOptions {
        accounts: Some(40),
        // One ListAccounts page: every call after it is a ListAccountRoles.
        page_size: 100,
        latency: Duration::from_millis(200),
        ..SimOptions::default()
    })
    .await;
    let limiter = limiter(8);
    let events = collect(portal(&sim, &limiter)).await;
    assert_eq!(listed(&events), served(&sim), "every account and role");

    let roles: Vec<_> = sim
        .exchanges()
        .into_iter()
        .filter(|x| x.request.path == "/assignment/roles")
        .collect();
    assert_eq!(roles.len(), 40);
    let first_answer = roles.iter().map(|x| x.answer).min().unwrap();
    let arrived_first = roles.iter().filter(|x| x.arrival < first_answer).count();
    assert_eq!(
        arrived_first, 8,
        "all 8 first ListAccountRoles calls arrive before the first answer, and no more"
    );
    let stats = limiter.stats();
    assert!(!stats.paced, "no throttle, no pacing");
    assert_eq!(stats.retries, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_throttle_is_reported_as_throttled_never_as_unauthorized() {
    let sim = start(SimOptions {
        accounts: Some(5),
        rps: Some(1),
        ..SimOptions::default()
    })
    .await;
    let no_retries = Limiter::new(LimiterConfig {
        max_throttled_attempts: 1,
        ..LimiterConfig::with_concurrency(1)
    });
    let portal = portal(&sim, &no_retries);
    portal.list_accounts_page(None).await.expect("first call");
    let err = portal.list_accounts_page(None).await.unwrap_err();
    assert_eq!(err.kind, PortalErrorKind::Throttled);
    assert_eq!(err.code.as_deref(), Some("TooManyRequestsException"));
    sim.shutdown().await;
}

#[tokio::test]
async fn an_account_that_keeps_failing_is_marked_failed_and_a_second_pass_retries_it() {
    let sim = start(SimOptions {
        accounts: Some(40),
        ..SimOptions::default()
    })
    .await;
    let broken = sim.org().accounts[7].account_id.clone();
    sim.set_failing_accounts(std::slice::from_ref(&broken));
    let limiter = limiter(4);
    let portal = portal(&sim, &limiter);

    let err = portal.list_roles(&broken).await.unwrap_err();
    assert_eq!(err.kind, PortalErrorKind::Transient);
    assert_eq!(err.code.as_deref(), Some("InternalServerException"));

    let mut catalog = Catalog::default();
    for e in collect(portal.clone()).await {
        if let CatalogEvent::RolesFailed { account_id, error } = &e {
            assert_eq!(account_id, &broken);
            assert!(error.contains("InternalServerException"), "{error}");
        }
        catalog.apply(e);
    }
    let p = catalog.progress();
    assert_eq!((p.failed, p.roles_done, p.complete), (1, 40, true));
    let roles_of = |c: &Catalog, id: &str| c.rows().iter().filter(|r| r.account.id == id).count();
    let want = served(&sim);
    for (id, roles) in &want {
        if *id != broken {
            assert_eq!(roles_of(&catalog, id), roles.len(), "{id}");
        }
    }
    let attempts = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/assignment/roles" && r.query.contains(&broken))
        .count();
    assert_eq!(
        attempts,
        2 * 4,
        "four attempts for each of the two listings"
    );

    // The fault clears; Ctrl-r's second pass lists the account.
    sim.set_failing_accounts(&[]);
    catalog.begin_refresh();
    for e in collect(portal).await {
        catalog.apply(e);
    }
    assert_eq!(catalog.progress().failed, 0);
    assert_eq!(roles_of(&catalog, &broken), want[&broken].len());
    assert!(catalog.rows().iter().all(|r| r.role().is_some()));
    sim.shutdown().await;
}

#[tokio::test]
async fn hinted_accounts_are_fetched_first() {
    let sim = start(SimOptions {
        accounts: Some(60),
        page_size: 100,
        latency: Duration::from_millis(2),
        ..SimOptions::default()
    })
    .await;
    let accounts = &sim.org().accounts;
    let selected = accounts[55].account_id.clone();
    let matching = accounts[41].account_id.clone();
    let hints = PriorityHints::default();
    hints.set(Some(selected.clone()), vec![matching.clone()]);
    let portal = portal(&sim, &limiter(1)).with_hints(hints.clone());
    let events = collect(portal).await;
    let order: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            CatalogEvent::Roles { account_id, .. } => Some(account_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(order.len(), 60);
    assert_eq!(&order[..2], &[selected.as_str(), matching.as_str()]);
    assert_eq!(order[2], accounts[0].account_id, "then listing order");
    sim.shutdown().await;
}

#[test]
fn the_picker_names_the_selected_account_and_accounts_matching_the_query() {
    use uo_aws_tui::catalog::Account;
    let acc = |id: &str, name: &str| Account {
        id: id.into(),
        name: name.into(),
        email: format!("{id}@uoregon.edu"),
    };
    let mut app = App::new("uoregon", "us-west-2", "");
    app.apply(CatalogEvent::Accounts(vec![
        acc("111111111111", "Genomics Lab"),
        acc("222222222222", "Library"),
        acc("333333333333", "Genetics Core"),
    ]));
    app.apply(CatalogEvent::Roles {
        account_id: "222222222222".into(),
        roles: vec!["ReadOnly".into()],
    });
    let (selected, matching) = app.priority_hints(10);
    assert_eq!(selected.as_deref(), Some("222222222222"));
    assert!(matching.is_empty(), "no query, no matches to prefer");
    for c in "gen".chars() {
        app.update(uo_aws_tui::keymap::Action::Insert(c));
    }
    let (_, matching) = app.priority_hints(10);
    let got: BTreeSet<&str> = matching.iter().map(String::as_str).collect();
    assert_eq!(got, BTreeSet::from(["111111111111", "333333333333"]));
}
