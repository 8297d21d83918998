//! The picker's select loop with the real services (portal listing through
//! the simulator, favourites on disk), scripted keys and a TestBackend.

mod common;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use time::OffsetDateTime;
use tokio::sync::Notify;
use uo_aws_tui::app::Outcome;
use uo_aws_tui::event_loop;
use uo_aws_tui::exit::Exit;
use uo_aws_tui::favourites::{self, Favourite};
use uo_aws_tui::picker::{self, PickServices};
use uo_aws_tui::token;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_drive_the_loop_favourites_persist_and_ctrl_r_lists_again() {
    let demo = common::DemoHome::new(30, 20).await;
    let request = demo.request();
    let (_, session) = demo.env.session(None).unwrap();
    let token = token::stored(&demo.env, &session, OffsetDateTime::now_utc()).unwrap();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    let complete = Arc::new(Notify::new());
    let mut services = common::Observed {
        inner: PickServices::new(&demo.env, &session, Some(&token), 8),
        complete: complete.clone(),
        settled: Default::default(),
    };
    let target = demo.sim.org().accounts[29].clone();
    let role = target.roles[0].clone();
    let query: &'static str = Box::leak(format!("{} {}", target.account_id, role).into_boxed_str());
    let ctrl = KeyModifiers::CONTROL;
    let none = KeyModifiers::NONE;
    let steps = vec![
        common::Step::AwaitComplete,
        common::Step::Text(query),
        common::Step::Key(KeyCode::Char('f'), ctrl),
        common::Step::Key(KeyCode::Char('u'), ctrl),
        common::Step::Key(KeyCode::Char('r'), ctrl),
        common::Step::AwaitComplete,
        // With an empty query the favourite is the first row.
        common::Step::Key(KeyCode::Home, none),
        common::Step::Key(KeyCode::Enter, none),
    ];
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let outcome = event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, complete),
        &mut services,
    )
    .await
    .unwrap();
    match outcome {
        Outcome::Chosen(row) => {
            assert_eq!(row.account.id, target.account_id);
            assert_eq!(row.role(), Some(role.as_str()));
        }
        other => panic!("{other:?}"),
    }
    let stored = favourites::load(&favourites::favourites_path(&demo.env.dirs.data_dir)).unwrap();
    assert_eq!(
        stored.into_iter().collect::<Vec<_>>(),
        vec![Favourite {
            session: "uoregon".into(),
            account_id: target.account_id.clone(),
            role: role.clone(),
        }]
    );
    // Two full listings: two pages of ListAccounts each.
    let account_pages = demo
        .sim
        .requests()
        .iter()
        .filter(|r| r.path == "/assignment/accounts")
        .count();
    assert_eq!(account_pages, 4);

    // A new picker starts with the stored favourite first.
    let (_, app) = demo.listed_app(&request).await;
    let first = app.matches().next().unwrap();
    assert_eq!(first.account.id, target.account_id);
    assert!(app.is_favourite(first));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_result_honours_region_no_write_and_emit() {
    let demo = common::DemoHome::new(5, 20).await;
    let (session, app) = demo.loaded_app().await;
    let before = std::fs::read(&demo.paths().config).unwrap();
    let row = app.catalog().rows()[0].clone();
    let profile = uo_aws_tui::catalog::profile_name(&row.account.id, row.role().unwrap());

    // --no-write --emit json: nothing written, the JSON names the choice.
    let mut request = demo.request();
    request.no_write = true;
    request.emit = uo_aws_tui::shell::Emit::Json;
    let exit = picker::finish(
        &demo.env,
        &session,
        &app,
        Outcome::Chosen(row.clone()),
        &request,
    )
    .await
    .unwrap();
    let Exit::Done(text) = exit else { panic!() };
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["profile"], profile.as_str());
    assert_eq!(json["region"], "us-west-2");
    assert_eq!(std::fs::read(&demo.paths().config).unwrap(), before);

    // --region eu-west-1 --emit fish: written and exported with that region.
    let mut request = demo.request();
    request.regions.flag = Some("eu-west-1".into());
    request.emit = uo_aws_tui::shell::Emit::Fish;
    let (_, app) = demo.listed_app(&request).await;
    let exit = picker::finish(&demo.env, &session, &app, Outcome::Chosen(row), &request)
        .await
        .unwrap();
    assert_eq!(
        exit,
        Exit::Done(format!(
            "set -gx AWS_PROFILE '{profile}';\nset -gx AWS_REGION 'eu-west-1';\nset -gx AWS_DEFAULT_REGION 'eu-west-1';\n"
        ))
    );
    let config = uo_aws_tui::aws::config::AwsFile::load(
        &demo.paths().config,
        uo_aws_tui::aws::config::FileKind::Config,
    )
    .unwrap();
    assert_eq!(
        config.profile(&profile).unwrap().get("region"),
        Some("eu-west-1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_view_keys_drive_the_simulator() {
    let demo = common::DemoHome::with_options(uo_aws_tui::sim::SimOptions {
        auto_approve_device: true,
        ..Default::default()
    })
    .await;
    // A second session, not logged in.
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str("\n[sso-session lab]\nsso_start_url = https://d-0000000002.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n");
    std::fs::write(&demo.paths().config, config).unwrap();
    let request = demo.request();
    let (_, session) = demo.env.session(Some("uoregon")).unwrap();
    let token = token::stored(&demo.env, &session, OffsetDateTime::now_utc()).unwrap();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    let complete = Arc::new(Notify::new());
    let settled = Arc::new(Notify::new());
    let mut services = common::Observed {
        settled: settled.clone(),
        inner: PickServices::new(&demo.env, &session, Some(&token), 8).with_browser(
            uo_aws_tui::aws::login::Browser {
                browser_var: None,
                os: "linux".into(),
                display: false,
                ssh: false,
                wsl: false,
            },
        ),
        complete: complete.clone(),
    };
    let none = KeyModifiers::NONE;
    let steps = vec![
        common::Step::AwaitComplete,
        common::Step::Key(KeyCode::Tab, none),
        common::Step::Key(KeyCode::Down, none),
        // l: log in to lab (device code, approved by the simulator).
        common::Step::Key(KeyCode::Char('l'), none),
        common::Step::AwaitSettled(settled.clone()),
        // r: refresh lab's new token.
        common::Step::Key(KeyCode::Char('r'), none),
        common::Step::AwaitSettled(settled.clone()),
        // Enter: list lab.
        common::Step::Key(KeyCode::Enter, none),
        common::Step::AwaitComplete,
        common::Step::Key(KeyCode::Tab, none),
        // o: log out of lab.
        common::Step::Key(KeyCode::Char('o'), none),
        common::Step::AwaitSettled(settled.clone()),
        common::Step::Key(KeyCode::Char('c'), KeyModifiers::CONTROL),
    ];
    let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
    let outcome = event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, complete),
        &mut services,
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Interrupted);
    let counts = demo.sim.oidc_counts();
    assert_eq!(counts.start_device_authorization, 1, "l logged in to lab");
    assert_eq!(counts.calls("refresh_token"), 1, "r refreshed it");
    assert_eq!(app.session, "lab", "Enter switched the listing");
    assert!(app.progress().complete);
    assert!(
        app.message().unwrap().contains("logged out of lab"),
        "{:?}",
        app.message()
    );
    let lab = uo_aws_tui::aws::token_cache::token_path(&demo.paths().sso_cache, "lab");
    assert!(!lab.exists(), "o removed lab's token: {:?}", app.message());
    let logouts = demo
        .sim
        .requests()
        .iter()
        .filter(|r| r.path == "/logout")
        .count();
    assert_eq!(logouts, 1);
}

/// A [`TestBackend`] that counts frames: every `Terminal::draw` ends with
/// one flush.
struct CountingBackend {
    inner: TestBackend,
    flushes: Arc<std::sync::atomic::AtomicUsize>,
}

impl ratatui::backend::Backend for CountingBackend {
    type Error = <TestBackend as ratatui::backend::Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.flushes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.flush()
    }
}

/// Ten thousand keys queued at once (a paste without bracketed paste) are
/// folded in batches: a handful of frames, not one per key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_queued_keys_draws_a_handful_of_frames() {
    use futures::StreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const KEYS: usize = 10_000;
    let demo = common::DemoHome::new(30, 20).await;
    let request = demo.request();
    let (_, session) = demo.env.session(None).unwrap();
    let token = token::stored(&demo.env, &session, OffsetDateTime::now_utc()).unwrap();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    let complete = Arc::new(Notify::new());
    let mut services = common::Observed {
        inner: PickServices::new(&demo.env, &session, Some(&token), 8),
        complete: complete.clone(),
        settled: Default::default(),
    };
    let flushes = Arc::new(AtomicUsize::new(0));
    let before_burst = Arc::new(AtomicUsize::new(usize::MAX));
    let mut terminal = Terminal::new(CountingBackend {
        inner: TestBackend::new(80, 24),
        flushes: flushes.clone(),
    })
    .unwrap();
    let counted = (flushes.clone(), before_burst.clone());
    // Wait for the listing, note the frames so far, then queue every key at once.
    let wait = futures::stream::once(async move {
        tokio::time::timeout(std::time::Duration::from_secs(20), complete.notified())
            .await
            .expect("the listing completes");
        counted
            .1
            .store(counted.0.load(Ordering::SeqCst), Ordering::SeqCst);
        futures::stream::iter(Vec::new())
    });
    let burst = futures::stream::once(async move {
        let keys: Vec<std::io::Result<crossterm::event::Event>> = (0..KEYS)
            .map(|i| {
                let c = if i % 2 == 0 { 'a' } else { 'x' };
                Ok(crossterm::event::Event::Key(
                    crossterm::event::KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
                ))
            })
            .chain(std::iter::once(Ok(crossterm::event::Event::Key(
                crossterm::event::KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
            ))))
            .collect();
        futures::stream::iter(keys)
    });
    let input = Box::pin(wait.chain(burst).flatten());
    let outcome = event_loop::run(&mut terminal, &mut app, input, &mut services)
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Cancelled);
    assert_eq!(app.query().len(), KEYS, "every key reached the query");
    let before = before_burst.load(Ordering::SeqCst);
    assert_ne!(before, usize::MAX, "the listing completed first");
    let frames = flushes.load(Ordering::SeqCst) - before;
    assert!(frames <= 8, "{frames} frames for {KEYS} queued keys");
}

/// Ctrl-l opens the login panel (a device-code login against the
/// simulator), then the given keys follow.
async fn after_login_panel(keys: Vec<common::Step>) -> Outcome {
    let demo = common::DemoHome::new(30, 20).await;
    let request = demo.request();
    let (_, session) = demo.env.session(None).unwrap();
    let token = token::stored(&demo.env, &session, OffsetDateTime::now_utc()).unwrap();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    let complete = Arc::new(Notify::new());
    let mut services = common::Observed {
        inner: PickServices::new(&demo.env, &session, Some(&token), 8),
        complete: complete.clone(),
        settled: Default::default(),
    };
    let mut steps = vec![
        common::Step::AwaitComplete,
        common::Step::Key(KeyCode::Char('l'), KeyModifiers::CONTROL),
        common::Step::Sleep(std::time::Duration::from_millis(300)),
    ];
    steps.extend(keys);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, complete),
        &mut services,
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_on_the_login_panel_goes_back_to_the_list() {
    let none = KeyModifiers::NONE;
    let outcome = after_login_panel(vec![
        common::Step::Key(KeyCode::Esc, none),
        common::Step::Key(KeyCode::Home, none),
        common::Step::Key(KeyCode::Enter, none),
    ])
    .await;
    assert!(matches!(outcome, Outcome::Chosen(_)), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_esc_after_the_login_panel_cancels() {
    let none = KeyModifiers::NONE;
    let outcome = after_login_panel(vec![
        common::Step::Key(KeyCode::Esc, none),
        common::Step::Key(KeyCode::Esc, none),
    ])
    .await;
    assert!(matches!(outcome, Outcome::Cancelled), "{outcome:?}");
}
