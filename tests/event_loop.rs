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

/// The text of the last line of `terminal`'s screen (the status bar).
fn status_line(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let y = buffer.area.height - 1;
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol().to_string())
        .collect()
}

/// The whole screen of `terminal` as text.
fn screen(terminal: &Terminal<TestBackend>) -> String {
    terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect()
}

/// A browser that cannot be opened: logins use the device code.
fn no_browser() -> uo_aws_tui::aws::login::Browser {
    uo_aws_tui::aws::login::Browser {
        browser_var: None,
        os: "linux".into(),
        display: false,
        ssh: false,
        wsl: false,
    }
}

/// [`common::Observed`], with `ended` signalled when a listing pass ends
/// either way (`Complete` or `Fatal`).
struct UntilEnd {
    inner: common::Observed,
    ended: Arc<Notify>,
}

impl event_loop::Services for UntilEnd {
    fn list(&mut self) -> tokio::sync::mpsc::UnboundedReceiver<uo_aws_tui::catalog::CatalogEvent> {
        use uo_aws_tui::catalog::CatalogEvent;
        let mut rx = self.inner.list();
        let (tx, out) = tokio::sync::mpsc::unbounded_channel();
        let ended = self.ended.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let end = matches!(event, CatalogEvent::Complete | CatalogEvent::Fatal { .. });
                let _ = tx.send(event);
                if end {
                    ended.notify_one();
                }
            }
        });
        out
    }
    fn save_favourites(
        &mut self,
        favourites: &std::collections::BTreeSet<Favourite>,
    ) -> Result<(), uo_aws_tui::app::ServiceError> {
        self.inner.save_favourites(favourites)
    }
    fn login(
        &mut self,
        session: &str,
    ) -> tokio::sync::mpsc::UnboundedReceiver<uo_aws_tui::app::LoginUpdate> {
        self.inner.login(session)
    }
    fn sessions(&mut self) -> Vec<uo_aws_tui::app::SessionSummary> {
        self.inner.sessions()
    }
    fn session_op(
        &mut self,
        op: uo_aws_tui::app::SessionOp,
        session: &str,
    ) -> tokio::sync::mpsc::UnboundedReceiver<uo_aws_tui::app::SessionOpResult> {
        self.inner.session_op(op, session)
    }
    fn switch_session(&mut self, session: &str) -> uo_aws_tui::app::SwitchResult {
        self.inner.switch_session(session)
    }
    fn prioritize(&mut self, selected: Option<String>, matching: Vec<String>) {
        self.inner.prioritize(selected, matching)
    }
    fn listing_stats(&self) -> Option<uo_aws_tui::aws::limiter::LimiterStats> {
        self.inner.listing_stats()
    }
}

/// Without any token file the status bar still names the session's state
/// and how to sign in (and the login panel is open).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_token_file_the_status_bar_says_not_logged_in() {
    let demo = common::DemoHome::new(12, 20).await;
    let token = uo_aws_tui::aws::token_cache::token_path(&demo.paths().sso_cache, "uoregon");
    std::fs::remove_file(&token).unwrap();
    let request = demo.request();
    let (_, session) = demo.env.session(None).unwrap();
    let (mut app, services) = picker::prepare_picker(&demo.env, &session, &request)
        .await
        .unwrap();
    let mut services = common::Observed {
        inner: services.with_browser(no_browser()),
        complete: Arc::new(Notify::new()),
        settled: Default::default(),
    };
    // The first frame is drawn before any key is read.
    let steps = vec![common::Step::Key(KeyCode::Char('c'), KeyModifiers::CONTROL)];
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let outcome = event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, Arc::new(Notify::new())),
        &mut services,
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Interrupted);
    let status = status_line(&terminal);
    assert!(
        status.starts_with("uoregon not logged in — Ctrl-l signs in"),
        "{status}"
    );
    assert!(screen(&terminal).contains("log in to uoregon"));
}

/// Several sso-sessions and none chosen: the picker opens on the Sessions
/// view, and Enter on a session lists it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_sessions_and_none_chosen_open_the_sessions_view() {
    let demo = common::DemoHome::new(12, 20).await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str("\n[sso-session lab]\nsso_start_url = https://d-0000000002.awsapps.com/start\nsso_region = us-east-1\n");
    std::fs::write(&demo.paths().config, config).unwrap();
    assert!(demo.env.session(None).is_err(), "no session is chosen");
    let request = demo.request();
    let (mut app, services) = picker::prepare_unchosen(&demo.env, &request).unwrap();
    assert_eq!(app.view(), uo_aws_tui::app::View::Sessions);
    let complete = Arc::new(Notify::new());
    let mut services = common::Observed {
        inner: services,
        complete: complete.clone(),
        settled: Default::default(),
    };
    let none = KeyModifiers::NONE;
    let steps = vec![
        // uoregon is the first row.
        common::Step::Key(KeyCode::Enter, none),
        common::Step::AwaitComplete,
        common::Step::Key(KeyCode::Char('c'), KeyModifiers::CONTROL),
    ];
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let outcome = event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, complete),
        &mut services,
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Interrupted);
    assert_eq!(app.session, "uoregon");
    assert_eq!(app.view(), uo_aws_tui::app::View::Roles);
    assert!(app.progress().complete);
    assert_eq!(app.catalog().account_count(), 12);
    // The listing went to uoregon's own catalog cache.
    let cached = uo_aws_tui::cache::catalog_path(&demo.env.dirs, "uoregon");
    assert!(cached.exists(), "{}", cached.display());
}

/// Esc in the Sessions view with no session listed cancels (exit 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_with_no_session_listed_cancels() {
    let demo = common::DemoHome::new(4, 20).await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str("\n[sso-session lab]\nsso_start_url = https://d-0000000002.awsapps.com/start\nsso_region = us-east-1\n");
    std::fs::write(&demo.paths().config, config).unwrap();
    let (mut app, services) = picker::prepare_unchosen(&demo.env, &demo.request()).unwrap();
    let mut services = common::Observed {
        inner: services,
        complete: Arc::new(Notify::new()),
        settled: Default::default(),
    };
    let steps = vec![
        // Tab has nothing to go back to.
        common::Step::Key(KeyCode::Tab, KeyModifiers::NONE),
        common::Step::Key(KeyCode::Esc, KeyModifiers::NONE),
    ];
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let outcome = event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, Arc::new(Notify::new())),
        &mut services,
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Cancelled);
    assert!(screen(&terminal).contains("none listed yet"));
    assert_eq!(demo.sim.requests().len(), 0, "nothing was listed");
}

/// A legacy start URL's row does not offer `l`: the hints say how to sign
/// in instead, and pressing it says so without starting a login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_start_url_row_does_not_offer_a_login() {
    let demo = common::DemoHome::new(4, 20).await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str("\n[profile old]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-west-2\nsso_account_id = 111111111111\nsso_role_name = Admin\n");
    std::fs::write(&demo.paths().config, config).unwrap();
    let request = demo.request();
    let (_, session) = demo.env.session(None).unwrap();
    let token = token::stored(&demo.env, &session, OffsetDateTime::now_utc()).unwrap();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    let complete = Arc::new(Notify::new());
    let mut services = common::Observed {
        inner: PickServices::new(&demo.env, &session, Some(&token), 8).with_browser(no_browser()),
        complete: complete.clone(),
        settled: Default::default(),
    };
    let none = KeyModifiers::NONE;
    let steps = vec![
        common::Step::AwaitComplete,
        common::Step::Key(KeyCode::Tab, none),
        common::Step::Key(KeyCode::Down, none),
        common::Step::Key(KeyCode::Char('l'), none),
        common::Step::Key(KeyCode::Char('o'), none),
        common::Step::Key(KeyCode::Enter, none),
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
    assert_eq!(outcome, Outcome::Interrupted, "the script ran out");
    let selected = &app.sessions()[app.session_selected()];
    assert_eq!(selected.name, None, "the legacy row is selected");
    assert_eq!(
        app.message(),
        Some("not for a legacy start URL: sign in with `aws sso login --profile old`")
    );
    // The keys and the end of input were folded into one batch: draw what it left.
    terminal.draw(|f| uo_aws_tui::ui::draw(f, &app)).unwrap();
    let text = screen(&terminal);
    assert!(
        text.contains("legacy start URL: aws sso login --profile signs in"),
        "{text}"
    );
    assert!(!text.contains("l log in"), "{text}");
    let counts = demo.sim.oidc_counts();
    assert_eq!(counts.start_device_authorization, 0, "no login started");
    assert!(
        !demo.sim.requests().iter().any(|r| r.path == "/logout"),
        "no logout"
    );
    assert_eq!(app.session, "uoregon", "Enter did not switch");
}

/// A [`TestBackend`] that keeps the status bar of every frame drawn.
struct StatusRecorder {
    inner: TestBackend,
    lines: Arc<std::sync::Mutex<Vec<String>>>,
}

impl ratatui::backend::Backend for StatusRecorder {
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
        let buffer = self.inner.buffer();
        let y = buffer.area.height - 1;
        let line = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        self.lines.lock().unwrap().push(line);
        self.inner.flush()
    }
}

/// The rate in the status bar is what the portal delivers: with two calls
/// at once and 100 ms per answer, at most about 20 calls a second arrive,
/// whatever the limiter would allow (it starts at 150/s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_bar_shows_the_delivered_request_rate() {
    let demo = common::DemoHome::with_options(uo_aws_tui::sim::SimOptions {
        accounts: Some(30),
        page_size: 25,
        latency: std::time::Duration::from_millis(100),
        ..Default::default()
    })
    .await;
    let request = demo.request();
    let (_, session) = demo.env.session(None).unwrap();
    let token = token::stored(&demo.env, &session, OffsetDateTime::now_utc()).unwrap();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    let complete = Arc::new(Notify::new());
    let mut services = common::Observed {
        inner: PickServices::new(&demo.env, &session, Some(&token), 2),
        complete: complete.clone(),
        settled: Default::default(),
    };
    let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut terminal = Terminal::new(StatusRecorder {
        inner: TestBackend::new(120, 24),
        lines: lines.clone(),
    })
    .unwrap();
    let steps = vec![
        common::Step::AwaitComplete,
        common::Step::Key(KeyCode::Char('c'), KeyModifiers::CONTROL),
    ];
    event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, complete),
        &mut services,
    )
    .await
    .unwrap();
    let lines = lines.lock().unwrap();
    let rates: Vec<f64> = lines
        .iter()
        .filter_map(|l| {
            let end = l.find(" req/s")?;
            let start = l[..end].rfind(' ')? + 1;
            l[start..end].parse().ok()
        })
        .collect();
    assert!(
        !rates.is_empty(),
        "a rate is shown while listing: {lines:?}"
    );
    let allowed = services.inner.limiter().stats();
    assert!(
        rates.iter().all(|r| *r <= 30.0),
        "{rates:?} (the limiter's allowance ends at {:.1})",
        allowed.rate
    );
    assert!(rates.iter().any(|r| *r >= 5.0), "{rates:?}");
}

/// Offline over a cached catalog (the portal cannot be reached): the status
/// bar counts the cached rows' accounts, not the failed pass's zero.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_status_bar_counts_the_cached_accounts() {
    let demo = common::DemoHome::new(12, 20).await;
    let mut request = demo.request();
    request.refresh = true;
    let (_, session) = demo.env.session(None).unwrap();
    // A first picker lists and stores the catalog.
    {
        let (mut app, services) = picker::prepare_picker(&demo.env, &session, &request)
            .await
            .unwrap();
        let complete = Arc::new(Notify::new());
        let mut services = common::Observed {
            inner: services,
            complete: complete.clone(),
            settled: Default::default(),
        };
        let steps = vec![
            common::Step::AwaitComplete,
            common::Step::Key(KeyCode::Char('c'), KeyModifiers::CONTROL),
        ];
        let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
        event_loop::run(
            &mut terminal,
            &mut app,
            common::script(steps, complete),
            &mut services,
        )
        .await
        .unwrap();
    }
    // Then the portal is gone: a closed port on 127.0.0.1.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut env = demo.env.clone();
    env.portal_endpoint = Some(format!("http://127.0.0.1:{port}"));
    let (mut app, services) = picker::prepare_picker(&env, &session, &request)
        .await
        .unwrap();
    // Quick retries: the refused connections end the pass in moments.
    let limiter = uo_aws_tui::aws::limiter::Limiter::new(uo_aws_tui::aws::limiter::LimiterConfig {
        backoff_base: std::time::Duration::from_millis(1),
        backoff_max: std::time::Duration::from_millis(5),
        ..uo_aws_tui::aws::limiter::LimiterConfig::with_concurrency(8)
    });
    let ended = Arc::new(Notify::new());
    let mut services = UntilEnd {
        inner: common::Observed {
            inner: services.with_limiter(limiter),
            complete: Arc::new(Notify::new()),
            settled: Default::default(),
        },
        ended: ended.clone(),
    };
    let steps = vec![
        common::Step::AwaitSettled(ended),
        common::Step::Key(KeyCode::Char('c'), KeyModifiers::CONTROL),
    ];
    let mut terminal = Terminal::new(TestBackend::new(120, 24)).unwrap();
    event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, Arc::new(Notify::new())),
        &mut services,
    )
    .await
    .unwrap();
    assert!(app.catalog().offline().is_some(), "{:?}", app.message());
    // The end of the pass and Ctrl-c may be one batch: draw what it left.
    terminal.draw(|f| uo_aws_tui::ui::draw(f, &app)).unwrap();
    let rows = app.catalog().rows().len();
    let status = status_line(&terminal);
    assert!(
        status.contains(&format!("{rows} roles in 12 accounts")),
        "{status}"
    );
}

/// The Sessions view counts chained profiles under their root's login by
/// the rule `status` follows: `status --json`'s `chained_profiles` of the
/// session are the row's, shown as `N+M` and listed in the details pane.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sessions_view_counts_chained_profiles_under_their_root() {
    let demo = common::DemoHome::new(4, 20).await;
    let mut config = std::fs::read_to_string(&demo.paths().config).unwrap();
    config.push_str(
        "\n[profile root]\nsso_session = uoregon\nsso_account_id = 127027105832\n\
         sso_role_name = AWSAdministratorAccess\n\
         \n[profile deploy]\nrole_arn = arn:aws:iam::190098774915:role/Deploy\nsource_profile = root\n\
         \n[profile audit]\nrole_arn = arn:aws:iam::190098774916:role/Audit\nsource_profile = deploy\n\
         \n[profile stray]\nrole_arn = arn:aws:iam::190098774916:role/Audit\nsource_profile = gone\n",
    );
    std::fs::write(&demo.paths().config, config).unwrap();
    let request = demo.request();
    let (_, session) = demo.env.session(None).unwrap();
    let token = token::stored(&demo.env, &session, OffsetDateTime::now_utc()).unwrap();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    let complete = Arc::new(Notify::new());
    let mut services = common::Observed {
        inner: PickServices::new(&demo.env, &session, Some(&token), 8).with_browser(no_browser()),
        complete: complete.clone(),
        settled: Default::default(),
    };
    let steps = vec![
        common::Step::AwaitComplete,
        common::Step::Key(KeyCode::Tab, KeyModifiers::NONE),
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
    assert_eq!(outcome, Outcome::Interrupted, "the script ran out");

    let status = std::process::Command::new(env!("CARGO_BIN_EXE_uo-aws-tui"))
        .args(["status", "--json"])
        .env_clear()
        .env("HOME", demo.home.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let uo = &value.as_array().unwrap()[0];
    assert_eq!(uo["session"], "uoregon");
    assert_eq!(
        uo["chained_profiles"],
        serde_json::json!(["deploy", "audit"])
    );
    let row = &app.sessions()[app.session_selected()];
    assert_eq!(row.name.as_deref(), Some("uoregon"));
    assert_eq!(
        serde_json::json!(row.chained),
        uo["chained_profiles"],
        "the view and status follow chains by one rule"
    );
    assert_eq!(uo["profiles"], serde_json::json!(row.profiles));

    terminal.draw(|f| uo_aws_tui::ui::draw(f, &app)).unwrap();
    let text = screen(&terminal);
    let profiles = format!("{}+2", row.profiles);
    assert!(text.contains(&profiles), "{text}");
    assert!(
        text.contains("chained: deploy, audit (follow this login)"),
        "{text}"
    );
    assert!(!text.contains("stray"), "{text}");
}

/// Ctrl-x with `chain_role_arn` set writes the row's profile as Enter does
/// and a chained profile on top of it through the chain writer, and hands
/// the chained one over; botocore reads it as `role_arn` +
/// `source_profile` and assumes it through the simulator's STS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_x_writes_a_chained_profile_on_the_rows_profile() {
    let demo = common::DemoHome::new(5, 20).await;
    let mut request = demo.request();
    request.chain_role_arn = Some(
        uo_aws_tui::chain::RoleArnTemplate::parse("arn:aws:iam::{account_id}:role/Deploy").unwrap(),
    );
    let (_, session) = demo.env.session(None).unwrap();
    let token = token::stored(&demo.env, &session, OffsetDateTime::now_utc()).unwrap();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    let complete = Arc::new(Notify::new());
    let mut services = common::Observed {
        inner: PickServices::new(&demo.env, &session, Some(&token), 8),
        complete: complete.clone(),
        settled: Default::default(),
    };
    let target = demo.sim.org().accounts[3].clone();
    let role = target.roles[0].clone();
    let query: &'static str = Box::leak(format!("{} {}", target.account_id, role).into_boxed_str());
    let steps = vec![
        common::Step::AwaitComplete,
        common::Step::Text(query),
        common::Step::Key(KeyCode::Char('x'), KeyModifiers::CONTROL),
    ];
    let before = std::fs::read_to_string(&demo.paths().config).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
    let outcome = event_loop::run(
        &mut terminal,
        &mut app,
        common::script(steps, complete),
        &mut services,
    )
    .await
    .unwrap();
    let Outcome::Chained(row) = outcome.clone() else {
        panic!("{outcome:?}")
    };
    assert_eq!(row.account.id, target.account_id);
    // --no-write writes nothing, so Ctrl-x refuses.
    let mut no_write = request.clone();
    no_write.no_write = true;
    let refused = picker::finish(&demo.env, &session, &app, outcome.clone(), &no_write).await;
    assert!(
        refused.is_err_and(|e| e.to_string().contains("--no-write")),
        "Ctrl-x with --no-write"
    );
    assert_eq!(
        std::fs::read_to_string(&demo.paths().config).unwrap(),
        before
    );
    let exit = picker::finish(&demo.env, &session, &app, outcome, &request)
        .await
        .unwrap();
    let chained = format!("{}_Deploy", target.account_id);
    let native = uo_aws_tui::catalog::profile_name(&target.account_id, &role);
    let Exit::Done(text) = exit else { panic!() };
    assert!(
        text.starts_with(&format!("export AWS_PROFILE='{chained}'\n")),
        "{text}"
    );
    let written = std::fs::read_to_string(&demo.paths().config).unwrap();

    // The native profile is what Enter writes: the same bytes from the
    // same starting config, then the chained section.
    std::fs::write(&demo.paths().config, &before).unwrap();
    let choice = demo.commit(&session, &row, app.catalog().rows());
    assert_eq!(choice.profile, native);
    let enter = std::fs::read_to_string(&demo.paths().config).unwrap();
    assert!(enter.starts_with(&before));
    let rest = written
        .strip_prefix(&enter)
        .unwrap_or_else(|| panic!("{written}"));
    assert_eq!(
        rest.trim_start_matches('\n'),
        format!(
            "[profile {chained}]\nrole_arn = arn:aws:iam::{}:role/Deploy\nsource_profile = {native}\n\
             region = us-west-2\nuo_aws_tui_managed = true\n",
            target.account_id
        )
    );
    std::fs::write(&demo.paths().config, &written).unwrap();

    let script = r#"
import json, sys
import botocore.session
s = botocore.session.Session(profile=sys.argv[1])
c = s.get_scoped_config()
k = s.get_credentials().get_frozen_credentials()
print(json.dumps({"role_arn": c.get("role_arn"), "source_profile": c.get("source_profile"), "access_key": k.access_key}))
"#;
    let mut env = common::aws_child_env(demo.home.path(), &demo.sim.endpoint());
    env.push(("AWS_ENDPOINT_URL_STS".into(), demo.sim.endpoint()));
    let out = std::process::Command::new(common::python())
        .env_clear()
        .envs(env)
        .args(["-c", script, &chained])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arn = format!("arn:aws:iam::{}:role/Deploy", target.account_id);
    assert_eq!(got["role_arn"], arn.as_str());
    assert_eq!(got["source_profile"], native.as_str());
    let calls = demo.sim.assume_role_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].role_arn.as_deref(), Some(arn.as_str()));
    assert_eq!(
        got["access_key"].as_str(),
        calls[0].issued_access_key_id.as_deref()
    );

    // A profile of the user's under the chained name is never touched, and
    // the refusal says how to write the chain under another name (the
    // picker has no --name of its own).
    let mine = format!("{before}\n[profile {chained}]\nregion = eu-west-1\n");
    std::fs::write(&demo.paths().config, &mine).unwrap();
    let outcome = Outcome::Chained(row.clone());
    let refused = picker::finish(&demo.env, &session, &app, outcome, &request)
        .await
        .expect_err("the name is taken");
    assert!(
        refused.to_string().ends_with(&format!(
            "to write the chain under another name, run: uo-aws-tui chain --role-arn '{arn}' \
             --region 'us-west-2' --name NEW-NAME -- '{native}'"
        )),
        "{refused}"
    );
    let after = std::fs::read_to_string(&demo.paths().config).unwrap();
    assert!(
        after.contains(&format!("[profile {chained}]\nregion = eu-west-1\n")),
        "{after}"
    );
}

/// Terminal input that behaves as crossterm's `EventStream` does: while no
/// event is waiting, it keeps the first waker a wait was polled with (its
/// reader thread wakes that one) and ignores the later ones, until it fires.
#[derive(Clone, Default)]
struct FirstWakerInput {
    queue: Arc<std::sync::Mutex<std::collections::VecDeque<crossterm::event::Event>>>,
    waker: Arc<std::sync::Mutex<Option<std::task::Waker>>>,
}

impl FirstWakerInput {
    /// Queues `key`, then wakes the kept waker, as the reader thread does.
    fn press(&self, key: KeyCode) {
        self.queue
            .lock()
            .unwrap()
            .push_back(crossterm::event::Event::Key(
                crossterm::event::KeyEvent::new(key, KeyModifiers::NONE),
            ));
        if let Some(waker) = self.waker.lock().unwrap().take() {
            waker.wake();
        }
    }
}

impl futures::Stream for FirstWakerInput {
    type Item = std::io::Result<crossterm::event::Event>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if let Some(event) = self.queue.lock().unwrap().pop_front() {
            return std::task::Poll::Ready(Some(Ok(event)));
        }
        self.waker
            .lock()
            .unwrap()
            .get_or_insert_with(|| cx.waker().clone());
        std::task::Poll::Pending
    }
}

/// A key pressed after the loop has folded in other messages reaches it at
/// once, not at the next once-a-second clock tick: the loop never polls the
/// input with a waker that does not wake it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_after_other_messages_is_handled_before_the_next_clock_tick() {
    let demo = common::DemoHome::new(30, 20).await;
    let request = demo.request();
    let (_, session) = demo.env.session(None).unwrap();
    let token = token::stored(&demo.env, &session, OffsetDateTime::now_utc()).unwrap();
    let mut app = picker::new_app(&demo.env, &session, &request).unwrap();
    let mut services = PickServices::new(&demo.env, &session, Some(&token), 8);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let input = FirstWakerInput::default();
    let keys = input.clone();
    let pressed = std::sync::Arc::new(std::sync::Mutex::new(None));
    let esc_at = pressed.clone();
    std::thread::spawn(move || {
        // The listing's messages and a key are folded in first.
        std::thread::sleep(std::time::Duration::from_millis(150));
        keys.press(KeyCode::Char('a'));
        std::thread::sleep(std::time::Duration::from_millis(150));
        *esc_at.lock().unwrap() = Some(std::time::Instant::now());
        keys.press(KeyCode::Esc);
    });
    let outcome = event_loop::run(&mut terminal, &mut app, input, &mut services)
        .await
        .unwrap();
    let ended = std::time::Instant::now();
    assert_eq!(outcome, Outcome::Cancelled);
    assert_eq!(app.query(), "a");
    let waited = ended - pressed.lock().unwrap().expect("Esc was pressed");
    // The clock ticks once a second; the key must not wait for it.
    assert!(
        waited < std::time::Duration::from_millis(500),
        "Esc waited {waited:?}"
    );
}
