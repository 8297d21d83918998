//! The catalog cache end to end: stored after a listing, shown before any
//! network call, refreshed with a diff, shown offline, rebuilt when corrupt.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::DemoHome;
use time::OffsetDateTime;
use uo_aws_tui::app::{App, Outcome};
use uo_aws_tui::aws::limiter::{Limiter, LimiterConfig};
use uo_aws_tui::cache::{self, CachedAccount, Loaded, Plan};
use uo_aws_tui::env::Environment;
use uo_aws_tui::event_loop::Services;
use uo_aws_tui::keymap::Action;
use uo_aws_tui::listing;
use uo_aws_tui::picker::{self, PickRequest, PickServices};

fn quick_limiter() -> Arc<Limiter> {
    Limiter::new(
        LimiterConfig::with_concurrency(8)
            .with_backoff(Duration::from_millis(2), Duration::from_millis(10)),
    )
}

/// Runs one listing pass of `services` into `app`; the outcome if it ended
/// the picker.
async fn pass(app: &mut App, services: &mut PickServices) -> Option<Outcome> {
    let mut rx = services.list();
    while let Some(event) = rx.recv().await {
        if let Some(outcome) = app.apply(event) {
            return Some(outcome);
        }
    }
    None
}

async fn picker(demo: &DemoHome, request: &PickRequest) -> (App, PickServices) {
    let (_, session) = demo.env.session(None).unwrap();
    let (app, services) = picker::prepare_picker(&demo.env, &session, request)
        .await
        .unwrap();
    (app, services.with_limiter(quick_limiter()))
}

fn cache_path(demo: &DemoHome) -> std::path::PathBuf {
    cache::catalog_path(&demo.env.dirs, "uoregon")
}

/// Lists once through the picker so the cache is written; returns it.
async fn warm(demo: &DemoHome) -> cache::CachedCatalog {
    let (mut app, mut services) = picker(demo, &demo.request()).await;
    assert!(pass(&mut app, &mut services).await.is_none());
    match cache::load(&cache_path(demo), "uoregon") {
        Loaded::Found(c) => c,
        other => panic!("{other:?}"),
    }
}

fn days_ago(n: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() - time::Duration::days(n)
}

#[tokio::test]
async fn a_listing_is_stored_without_secrets_and_a_fresh_cache_makes_no_call() {
    let demo = DemoHome::new(30, 20).await;
    let cached = warm(&demo).await;
    assert_eq!(cached.accounts.len(), 30);
    let roles: usize = demo.sim.org().accounts.iter().map(|a| a.roles.len()).sum();
    assert_eq!(
        cached.accounts.iter().map(|a| a.roles.len()).sum::<usize>(),
        roles
    );
    let text = std::fs::read_to_string(cache_path(&demo)).unwrap();
    let token = std::fs::read_to_string(
        std::fs::read_dir(&demo.paths().sso_cache)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path(),
    )
    .unwrap();
    assert!(token.contains("aoa"), "the token file holds the token");
    assert!(!text.contains("aoa") && !text.to_lowercase().contains("token"));
    assert!(text.contains("\"format\":1"));

    // A fresh cache: rows at once, and no portal call until Ctrl-r.
    let before = demo.sim.requests().len();
    let (mut app, mut services) = picker(&demo, &demo.request()).await;
    assert_eq!(app.catalog().rows().len(), roles);
    assert!(app.catalog().cached_at().is_some());
    assert!(pass(&mut app, &mut services).await.is_none());
    assert_eq!(
        demo.sim.requests().len(),
        before,
        "no call for a fresh cache"
    );
    let note = app
        .catalog()
        .source_note(OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(note, "cached just now");
    // Ctrl-r lists, and reports that nothing changed.
    app.update(Action::Refresh);
    assert!(pass(&mut app, &mut services).await.is_none());
    assert!(demo.sim.requests().len() > before);
    assert_eq!(app.message(), Some("refreshed: no changes"));
    assert!(app.catalog().cached_at().is_none());
}

#[tokio::test]
async fn a_stale_cache_is_shown_then_refreshed_with_the_changes_and_the_selection_kept() {
    let demo = DemoHome::new(30, 20).await;
    let mut cached = warm(&demo).await;
    // Make the cache differ from the portal: two roles fewer in one account,
    // one account (with one role) the portal no longer has; two days old.
    let trimmed = cached
        .accounts
        .iter()
        .position(|a| a.roles.len() >= 3)
        .expect("an account with three roles");
    let dropped: Vec<String> = cached.accounts[trimmed].roles.drain(..2).collect();
    cached.accounts.insert(
        0,
        CachedAccount {
            id: "000000000001".into(),
            name: "Aardvark Gone".into(),
            email: "gone@uoregon.edu".into(),
            roles: vec!["ReadOnly".into()],
            failed: None,
        },
    );
    cached.fetched_at = days_ago(2);
    cache::store(&cache_path(&demo), "uoregon", &cached).unwrap();

    let (mut app, mut services) = picker(&demo, &demo.request()).await;
    // The cached rows are there before any listing event.
    let cached_rows: usize = cached.accounts.iter().map(|a| a.roles.len()).sum();
    assert_eq!(app.catalog().rows().len(), cached_rows);
    assert_eq!(
        app.catalog()
            .source_note(OffsetDateTime::now_utc())
            .unwrap(),
        "cached 2 days ago · refreshing"
    );
    app.update(Action::Down);
    app.update(Action::Down);
    let chosen = app.selected_profile().unwrap();
    assert!(pass(&mut app, &mut services).await.is_none());
    assert_eq!(
        app.message(),
        Some("refreshed: +2 roles, −1 role, −1 account")
    );
    assert_eq!(app.selected_profile().unwrap(), chosen, "selection kept");
    assert!(app.catalog().account("000000000001").is_none());
    for role in dropped {
        assert!(app
            .matches()
            .any(|r| r.account.id == cached.accounts[trimmed + 1].id && r.role() == Some(&role)));
    }
    // The refreshed catalog was stored.
    match cache::load(&cache_path(&demo), "uoregon") {
        Loaded::Found(c) => {
            assert_eq!(c.accounts.len(), 30);
            assert!(c.is_fresh(OffsetDateTime::now_utc(), cache::DEFAULT_TTL));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn with_the_simulator_stopped_the_cached_catalog_is_shown_offline() {
    let demo = DemoHome::new(12, 20).await;
    let mut cached = warm(&demo).await;
    cached.fetched_at = days_ago(3);
    cache::store(&cache_path(&demo), "uoregon", &cached).unwrap();
    let DemoHome { sim, home, env } = demo;
    sim.shutdown().await;
    let demo_env = env.clone();

    let (_, session) = demo_env.session(None).unwrap();
    let request = PickRequest::default();
    let (mut app, services) = picker::prepare_picker(&demo_env, &session, &request)
        .await
        .unwrap();
    let mut services = services.with_limiter(quick_limiter());
    let rows = app.catalog().rows().len();
    assert!(rows > 0);
    assert_eq!(pass(&mut app, &mut services).await, None, "not a failure");
    assert_eq!(app.catalog().rows().len(), rows, "every cached row stays");
    assert!(app.catalog().offline().is_some());
    assert!(app
        .message()
        .unwrap()
        .starts_with("offline: showing the cached catalog"));
    assert_eq!(
        app.catalog()
            .source_note(OffsetDateTime::now_utc())
            .unwrap(),
        "offline · cached 3 days ago"
    );

    // --offline never calls and says so; without a cache it is an error.
    let offline = PickRequest {
        offline: true,
        ..request.clone()
    };
    assert_eq!(
        listing::load_cache(&demo_env, &session, offline.refresh, offline.offline).1,
        Plan::Offline
    );
    let (mut app, mut services) = picker::prepare_picker(&demo_env, &session, &offline)
        .await
        .unwrap();
    assert_eq!(pass(&mut app, &mut services).await, None);
    assert!(app.message().unwrap().contains("--offline"));
    assert_eq!(app.catalog().rows().len(), rows);
    std::fs::remove_file(cache_path_of(&demo_env)).unwrap();
    let (mut app, mut services) = picker::prepare_picker(&demo_env, &session, &offline)
        .await
        .unwrap();
    match pass(&mut app, &mut services).await {
        Some(Outcome::Failed(m)) => assert!(m.message.contains("no cached catalog"), "{m}"),
        other => panic!("{other:?}"),
    }
    drop(home);
}

fn cache_path_of(env: &Environment) -> std::path::PathBuf {
    cache::catalog_path(&env.dirs, "uoregon")
}

#[tokio::test]
async fn a_corrupt_or_old_format_cache_is_ignored_and_rebuilt() {
    let demo = DemoHome::new(10, 20).await;
    let path = cache_path(&demo);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    for (bytes, why) in [
        (&b"{\"format\":1,\"session\":\"uoregon\",\"fetch"[..], "EOF"),
        (
            &b"{\"format\":0,\"session\":\"uoregon\",\"rows\":[]}"[..],
            "format 0 is not 1",
        ),
    ] {
        std::fs::write(&path, bytes).unwrap();
        match cache::load(&path, "uoregon") {
            Loaded::Unusable(m) => assert!(m.contains(why), "{m}"),
            other => panic!("{other:?}"),
        }
        let (mut app, mut services) = picker(&demo, &demo.request()).await;
        assert!(app.catalog().rows().is_empty());
        assert!(app
            .message()
            .unwrap()
            .starts_with("cached catalog ignored and rebuilt"));
        assert!(pass(&mut app, &mut services).await.is_none());
        assert!(app.catalog().rows().len() >= 10);
        assert!(
            !app.message().unwrap_or("").starts_with("refreshed"),
            "a first listing reports no diff"
        );
        assert!(matches!(cache::load(&path, "uoregon"), Loaded::Found(_)));
    }
    // Another session's file under this name is not used either.
    let found = match cache::load(&path, "uoregon") {
        Loaded::Found(c) => c,
        other => panic!("{other:?}"),
    };
    cache::store(&path, "other", &found).unwrap();
    assert!(matches!(cache::load(&path, "uoregon"), Loaded::Unusable(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_that_cannot_be_refreshed_opens_the_login_panel_over_a_fresh_cache() {
    use crossterm::event::{KeyCode, KeyModifiers};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use uo_aws_tui::aws::token_cache::{read_token, token_path, write_token};

    let demo = DemoHome::new(12, 20).await;
    warm(&demo).await;
    let path = token_path(&demo.paths().sso_cache, "uoregon");
    let mut token = read_token(&path).unwrap();
    token.expires_at = OffsetDateTime::now_utc() - time::Duration::hours(1);
    token.refresh_token = None;
    write_token(&path, &token).unwrap();

    let request = demo.request();
    let (_, session) = demo.env.session(None).unwrap();
    let (mut app, services) = picker::prepare_picker(&demo.env, &session, &request)
        .await
        .unwrap();
    assert!(
        !app.catalog().rows().is_empty(),
        "the cached rows are shown"
    );
    let mut services = services.with_browser(uo_aws_tui::aws::login::Browser {
        browser_var: None,
        os: "linux".into(),
        display: false,
        ssh: false,
        wsl: false,
    });
    let complete = Arc::new(tokio::sync::Notify::new());
    let steps = vec![
        common::Step::Sleep(Duration::from_millis(300)),
        common::Step::Key(KeyCode::Char('c'), KeyModifiers::CONTROL),
    ];
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let outcome = uo_aws_tui::event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, complete),
        &mut services,
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Interrupted);
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains("log in to uoregon"), "{screen}");
    assert!(
        screen.contains("expired and cannot be refreshed"),
        "{screen}"
    );
    assert!(
        screen.contains("uoregon expired"),
        "the status bar shows the session's state: {screen}"
    );

    // A row chosen anyway is not handed over: nothing written or printed.
    let before = std::fs::read(&demo.paths().config).unwrap();
    let row = app.catalog().rows()[0].clone();
    let err = picker::finish(&demo.env, &session, &app, Outcome::Chosen(row), &request)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("run: uo-aws-tui login --sso-session uoregon"),
        "{err}"
    );
    assert_eq!(std::fs::read(&demo.paths().config).unwrap(), before);
}

#[tokio::test]
async fn an_account_failing_in_the_refresh_of_a_stale_cache_keeps_its_cached_roles() {
    // The picker's rows are made of the copy read at start; the stored copy
    // a refresh falls back on is read from the file when the listing needs it.
    let demo = DemoHome::new(12, 20).await;
    let mut cached = warm(&demo).await;
    cached.fetched_at = days_ago(2);
    cache::store(&cache_path(&demo), "uoregon", &cached).unwrap();
    let failing = cached.accounts[0].clone();
    assert!(!failing.roles.is_empty());
    demo.sim
        .set_failing_accounts(std::slice::from_ref(&failing.id));

    let (mut app, mut services) = picker(&demo, &demo.request()).await;
    assert!(pass(&mut app, &mut services).await.is_none());
    match cache::load(&cache_path(&demo), "uoregon") {
        Loaded::Found(c) => {
            assert!(c.is_fresh(OffsetDateTime::now_utc(), cache::DEFAULT_TTL));
            let stored = c.accounts.iter().find(|a| a.id == failing.id).unwrap();
            assert_eq!(stored.roles, failing.roles, "the cached roles are kept");
            assert_eq!(stored.failed, None);
        }
        other => panic!("{other:?}"),
    }
}
