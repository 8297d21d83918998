//! The real aws-sdk-sso client, over real HTTP, listing the simulator.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::simulator;
use tokio::sync::mpsc;
use uo_aws_tui::aws::portal::{ListingLimits, Portal, PortalErrorKind};
use uo_aws_tui::catalog::{Catalog, CatalogEvent};
use uo_aws_tui::sim::{Paging, PagingFaults, SimOptions};

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

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn lists_every_account_and_role_of_150_accounts_at_page_size_20() {
    let sim = simulator(150, 20).await;
    let token = sim.issue_access_token(Duration::from_secs(3600));
    let portal = Portal::new("us-west-2", Some(&sim.endpoint()), &token, 8);
    let events = collect(portal).await;

    // What the simulator serves…
    let want: BTreeMap<String, BTreeSet<String>> = sim
        .org()
        .accounts
        .iter()
        .map(|a| (a.account_id.clone(), a.roles.iter().cloned().collect()))
        .collect();
    assert_eq!(want.len(), 150);

    // …is exactly what arrived, each account once.
    let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut listed = Vec::new();
    for e in &events {
        match e {
            CatalogEvent::Accounts(page) => listed.extend(page.iter().map(|a| a.id.clone())),
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
    assert_eq!(listed.len(), 150, "no account listed twice");
    assert_eq!(got, want);
    assert_eq!(events.last(), Some(&CatalogEvent::Complete));
    assert!(events.contains(&CatalogEvent::AccountsComplete { total: 150 }));

    // Paging really happened, and never with max_result above 100.
    let requests = sim.requests();
    let account_pages = requests
        .iter()
        .filter(|r| r.path == "/assignment/accounts")
        .count();
    assert_eq!(account_pages, 150usize.div_ceil(20));
    for r in &requests {
        assert_eq!(r.status, 200, "{r:?}");
        assert!(r.bearer);
        let max: u32 = query_param(&r.query, "max_result")
            .expect("max_result is sent")
            .parse()
            .unwrap();
        assert!((1..=100).contains(&max), "{r:?}");
    }
    // The folded catalog has one row per (account, role).
    let mut catalog = Catalog::default();
    for e in events {
        catalog.apply(e);
    }
    let roles: usize = want.values().map(BTreeSet::len).sum();
    assert_eq!(catalog.rows().len(), roles);
    assert!(catalog.progress().complete);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_token_is_reported_as_invalid_or_expired() {
    let sim = simulator(5, 20).await;
    let portal = Portal::new("us-west-2", Some(&sim.endpoint()), "not-a-token", 8);
    let err = portal.list_accounts_page(None).await.unwrap_err();
    assert_eq!(err.kind, PortalErrorKind::Unauthorized);
    assert!(
        err.message.contains("invalid or expired"),
        "{}",
        err.message
    );
    let events = collect(portal).await;
    assert!(
        matches!(&events[..], [CatalogEvent::Fatal { message, unauthorized: true }] if message.contains("invalid or expired")),
        "{events:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_account_whose_roles_fail_is_marked_and_the_rest_stays() {
    let sim = simulator(30, 20).await;
    let token = sim.issue_access_token(Duration::from_secs(3600));
    let portal = Portal::new("us-west-2", Some(&sim.endpoint()), &token, 4);
    // An account the simulator does not know: ListAccountRoles answers 404.
    let err = portal.list_roles("000000000000").await.unwrap_err();
    assert_eq!(err.kind, PortalErrorKind::Other);
    assert_eq!(err.code.as_deref(), Some("ResourceNotFoundException"));
    assert!(
        err.message.starts_with(&format!(
            "ListAccountRoles: {} answered HTTP 404: ResourceNotFoundException",
            sim.endpoint()
        )),
        "{}",
        err.message
    );

    let mut catalog = Catalog::default();
    catalog.apply(CatalogEvent::Accounts(vec![uo_aws_tui::catalog::Account {
        id: "000000000000".into(),
        name: "Gone".into(),
        email: "gone@uoregon.edu".into(),
    }]));
    catalog.apply(CatalogEvent::RolesFailed {
        account_id: "000000000000".into(),
        error: err.message.clone(),
    });
    for e in collect(portal).await {
        catalog.apply(e);
    }
    let p = catalog.progress();
    assert_eq!(p.failed, 1);
    assert_eq!(p.roles_done, 31);
    assert!(catalog.rows().iter().filter(|r| r.role().is_some()).count() >= 30);
    sim.shutdown().await;
}

/// A simulator of `accounts` accounts (pages of 20) whose ListAccounts and
/// ListAccountRoles hand out `nextToken`s as `accounts_paging` and
/// `roles_paging` say, and a portal client for it with `limits`.
async fn faulty_portal(
    accounts: usize,
    accounts_paging: Paging,
    roles_paging: Paging,
    limits: ListingLimits,
) -> (uo_aws_tui::sim::Simulator, Portal) {
    let sim = common::simulator_with(SimOptions {
        accounts: Some(accounts),
        page_size: 20,
        paging: PagingFaults {
            accounts: accounts_paging,
            roles: roles_paging,
        },
        ..SimOptions::default()
    })
    .await;
    let token = sim.issue_access_token(Duration::from_secs(3600));
    let portal = Portal::new("us-west-2", Some(&sim.endpoint()), &token, 4).with_limits(limits);
    (sim, portal)
}

/// The listing's events, or a failure when it does not end within a bound
/// far above what any of these listings needs.
async fn collect_bounded(portal: Portal) -> Vec<CatalogEvent> {
    tokio::time::timeout(Duration::from_secs(60), collect(portal))
        .await
        .expect("the listing ends")
}

fn fatal(events: &[CatalogEvent]) -> &str {
    match events.last() {
        Some(CatalogEvent::Fatal { message, .. }) => message,
        other => panic!("the listing ends with Fatal, not {other:?}"),
    }
}

fn pages_of(sim: &uo_aws_tui::sim::Simulator, path: &str) -> usize {
    sim.requests().iter().filter(|r| r.path == path).count()
}

#[tokio::test]
async fn a_repeated_list_accounts_token_ends_the_listing_with_an_error_naming_the_call() {
    let (sim, portal) =
        faulty_portal(60, Paging::Repeat, Paging::Normal, ListingLimits::default()).await;
    let events = collect_bounded(portal).await;
    let message = fatal(&events);
    assert!(
        message.starts_with("ListAccounts: the portal sent the same nextToken again"),
        "{message}"
    );
    // The first page, the page its token names, and the repeat seen there.
    assert_eq!(pages_of(&sim, "/assignment/accounts"), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_endless_list_accounts_ends_at_the_page_cap_with_each_account_once() {
    let limits = ListingLimits {
        account_pages: 25,
        ..ListingLimits::default()
    };
    let (sim, portal) = faulty_portal(60, Paging::Endless, Paging::Normal, limits).await;
    let events = collect_bounded(portal).await;
    let message = fatal(&events);
    assert!(
        message.starts_with("ListAccounts: more than 25 pages"),
        "{message}"
    );
    assert_eq!(pages_of(&sim, "/assignment/accounts"), 25);
    // The portal served the 60 accounts again and again; each counted once,
    // so what the listing holds stays bounded by the organisation.
    let listed: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            CatalogEvent::Accounts(page) => Some(page.iter().map(|a| a.id.as_str())),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(listed.len(), 60);
    assert_eq!(listed.iter().collect::<BTreeSet<_>>().len(), 60);
    sim.shutdown().await;
}

#[tokio::test]
async fn more_accounts_than_the_cap_end_the_listing() {
    let limits = ListingLimits {
        accounts: 50,
        ..ListingLimits::default()
    };
    let (sim, portal) = faulty_portal(120, Paging::Normal, Paging::Normal, limits).await;
    let events = collect_bounded(portal).await;
    let message = fatal(&events);
    assert!(
        message.starts_with("ListAccounts: more than 50 accounts"),
        "{message}"
    );
    assert!(!events.contains(&CatalogEvent::Complete));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_repeated_or_endless_list_account_roles_fails_that_account_with_the_call_named() {
    let limits = ListingLimits {
        role_pages: 30,
        ..ListingLimits::default()
    };
    for (paging, why) in [
        (Paging::Repeat, "the portal sent the same nextToken again"),
        (Paging::Endless, "more than 30 pages"),
    ] {
        let (sim, portal) = faulty_portal(6, Paging::Normal, paging, limits).await;
        let events = collect_bounded(portal).await;
        assert_eq!(events.last(), Some(&CatalogEvent::Complete), "{paging:?}");
        let mut failed = 0;
        for e in &events {
            match e {
                CatalogEvent::RolesFailed { account_id, error } => {
                    failed += 1;
                    let call = format!("ListAccountRoles of account {account_id}: {why}");
                    assert!(error.starts_with(&call), "{paging:?}: {error}");
                }
                CatalogEvent::Roles { .. } => panic!("{paging:?}: no account completes"),
                _ => {}
            }
        }
        assert_eq!(failed, 6, "{paging:?}");
        let pages = pages_of(&sim, "/assignment/roles");
        let most = if paging == Paging::Repeat { 2 } else { 30 };
        assert_eq!(pages, 6 * most, "{paging:?}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn more_roles_in_all_than_the_cap_end_the_listing() {
    let limits = ListingLimits {
        roles: 10,
        ..ListingLimits::default()
    };
    let (sim, portal) = faulty_portal(40, Paging::Normal, Paging::Normal, limits).await;
    let events = collect_bounded(portal).await;
    let message = fatal(&events);
    assert!(
        message.starts_with("ListAccountRoles: more than 10 roles in all"),
        "{message}"
    );
    assert!(!events.contains(&CatalogEvent::Complete));
    sim.shutdown().await;
}

#[tokio::test]
async fn duplicated_pages_yield_no_duplicate_accounts_or_rows() {
    let (sim, portal) = faulty_portal(
        45,
        Paging::Duplicate,
        Paging::Duplicate,
        ListingLimits::default(),
    )
    .await;
    let events = collect_bounded(portal).await;
    assert_eq!(events.last(), Some(&CatalogEvent::Complete));
    assert!(events.contains(&CatalogEvent::AccountsComplete { total: 45 }));
    // Every page really came twice.
    assert_eq!(
        pages_of(&sim, "/assignment/accounts"),
        2 * 45usize.div_ceil(20)
    );
    let mut catalog = Catalog::default();
    for e in events {
        catalog.apply(e);
    }
    let want: BTreeSet<(String, String)> = sim
        .org()
        .accounts
        .iter()
        .flat_map(|a| a.roles.iter().map(|r| (a.account_id.clone(), r.clone())))
        .collect();
    let rows: Vec<(String, String)> = catalog
        .rows()
        .iter()
        .map(|r| (r.account.id.clone(), r.role().unwrap().to_string()))
        .collect();
    assert_eq!(rows.len(), want.len(), "no row doubled");
    assert_eq!(rows.into_iter().collect::<BTreeSet<_>>(), want);
    sim.shutdown().await;
}
