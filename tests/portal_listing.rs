//! The real aws-sdk-sso client, over real HTTP, listing the simulator.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::simulator;
use tokio::sync::mpsc;
use uo_aws_tui::aws::portal::{Portal, PortalErrorKind};
use uo_aws_tui::catalog::{Catalog, CatalogEvent};

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
        err.message
            .starts_with("ListAccountRoles: ResourceNotFoundException"),
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
