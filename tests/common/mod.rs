//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use uo_aws_tui::sim::{SimOptions, Simulator};

/// A simulator on 127.0.0.1 with `accounts` accounts and pages of `page_size`.
pub async fn simulator(accounts: usize, page_size: usize) -> Simulator {
    simulator_with(SimOptions {
        accounts: Some(accounts),
        page_size,
        latency: Duration::ZERO,
        ..SimOptions::default()
    })
    .await
}

/// The real portal client for `sim`, with the SDK's retries off (so the
/// simulator's 429s and 5xx reach the test).
pub fn portal_client(sim: &Simulator) -> aws_sdk_sso::Client {
    let conf = aws_sdk_sso::Config::builder()
        .behavior_version(aws_sdk_sso::config::BehaviorVersion::latest())
        .region(aws_sdk_sso::config::Region::new("us-west-2"))
        .endpoint_url(sim.endpoint())
        .retry_config(aws_sdk_sso::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sso::Client::from_conf(conf)
}

/// The binary with `args`, nothing from the host's environment but `PATH`:
/// `HOME` = `home`, the portal and OIDC endpoints = `endpoint`,
/// `AWS_EC2_METADATA_DISABLED=true`; stdin null.
pub fn binary_in(home: &Path, endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uo-aws-tui"));
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO", endpoint)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::null());
    cmd
}

/// A simulator on 127.0.0.1 with `opts`.
pub async fn simulator_with(opts: SimOptions) -> Simulator {
    Simulator::start(opts, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts")
}

static VENV: Mutex<()> = Mutex::new(());

/// A Python interpreter that has botocore >= 1.31: `UO_AWS_TUI_PYTHON` when
/// set, else `target/venv/bin/python`, creating that venv (python3 -m venv,
/// pip install botocore) when it is missing. Panics with the reason when no
/// such interpreter can be had: a missing tool fails the test, never skips it.
pub fn python() -> PathBuf {
    venv_python(
        "UO_AWS_TUI_PYTHON",
        "venv",
        "botocore>=1.31",
        "import botocore",
    )
}

/// A Python interpreter whose botocore has its `crt` extra (awscrt), which
/// botocore's `aws login` provider needs: `UO_AWS_TUI_PYTHON_CRT` when set,
/// else `target/venv-crt/bin/python`, created like [`python`]'s.
pub fn python_crt() -> PathBuf {
    venv_python(
        "UO_AWS_TUI_PYTHON_CRT",
        "venv-crt",
        "botocore[crt]>=1.31",
        "import botocore, awscrt",
    )
}

fn venv_python(var: &str, dir: &str, requirement: &str, check: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    let _guard = VENV.lock().unwrap_or_else(|e| e.into_inner());
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(dir);
    let py = venv.join("bin").join("python");
    if has_module(&py, check) {
        return py;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 is needed to create a venv for botocore");
    assert!(
        status.success(),
        "python3 -m venv {} failed",
        venv.display()
    );
    let status = Command::new(&py)
        .args(["-m", "pip", "install", "--quiet", requirement])
        .status()
        .expect("pip runs");
    assert!(status.success(), "pip install {requirement} failed");
    assert!(
        has_module(&py, check),
        "`{check}` fails in {}",
        py.display()
    );
    py
}

fn has_module(py: &Path, check: &str) -> bool {
    py.exists()
        && Command::new(py)
            .args(["-c", check])
            .status()
            .is_ok_and(|s| s.success())
}

/// An environment for a child AWS client: nothing from the host, only what
/// is given, plus `AWS_EC2_METADATA_DISABLED=true` so no credential chain
/// reaches for the instance metadata address.
pub fn aws_child_env(home: &Path, portal: &str) -> Vec<(String, String)> {
    let aws = home.join(".aws");
    vec![
        ("HOME".into(), home.display().to_string()),
        ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        (
            "AWS_CONFIG_FILE".into(),
            aws.join("config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            aws.join("credentials").display().to_string(),
        ),
        ("AWS_ENDPOINT_URL_SSO".into(), portal.to_string()),
        ("AWS_ENDPOINT_URL_SSO_OIDC".into(), portal.to_string()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ]
}

/// A simulator plus a temp home holding `[sso-session uoregon]` and a valid
/// token for it, and the [`Environment`] that points the program at both.
pub struct DemoHome {
    pub sim: Simulator,
    pub home: tempfile::TempDir,
    pub env: uo_aws_tui::env::Environment,
}

impl DemoHome {
    pub async fn new(accounts: usize, page_size: usize) -> DemoHome {
        DemoHome::with_options(SimOptions {
            accounts: Some(accounts),
            page_size,
            ..SimOptions::default()
        })
        .await
    }

    /// A home next to a simulator started with `opts` (the built-in org by default).
    pub async fn with_options(opts: SimOptions) -> DemoHome {
        let opts = SimOptions {
            accounts: opts.accounts.or(Some(40)),
            ..opts
        };
        let sim = simulator_with(opts).await;
        let home = tempfile::tempdir().unwrap();
        let paths = uo_aws_tui::aws::paths::AwsPaths::under_home(home.path());
        uo_aws_tui::demo::write_demo_files(
            &paths,
            &sim.issue_access_token(Duration::from_secs(3600)),
        )
        .unwrap();
        let env = uo_aws_tui::env::Environment {
            paths,
            dirs: uo_aws_tui::dirs::AppDirs::under(&home.path().join("app")),
            aws_profile: None,
            portal_endpoint: Some(sim.endpoint()),
            oidc_endpoint: Some(sim.endpoint()),
            federation_endpoint: Some(sim.endpoint()),
        };
        DemoHome { sim, home, env }
    }

    /// The binary with `args` and only what this home needs in its
    /// environment ([`binary_in`] with the simulator's endpoint).
    pub fn command(&self, args: &[&str]) -> Command {
        binary_in(self.home.path(), &self.sim.endpoint(), args)
    }

    /// [`DemoHome::command`] run to its end.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().unwrap()
    }

    /// [`DemoHome::command`] with `env` added, run to its end.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    pub fn paths(&self) -> &uo_aws_tui::aws::paths::AwsPaths {
        &self.env.paths
    }

    /// The sso-session `pick` chooses here (the only one, `uoregon`).
    pub fn session(&self) -> uo_aws_tui::aws::sso_session::SsoSession {
        self.env.session(None).unwrap().1
    }

    /// Commits `row` as Enter in the picker does (no `--region` or settings,
    /// the built-in name template, the config file written).
    pub fn commit(
        &self,
        session: &uo_aws_tui::aws::sso_session::SsoSession,
        row: &uo_aws_tui::catalog::Row,
        rows: &[uo_aws_tui::catalog::Row],
    ) -> uo_aws_tui::shell::Choice {
        let template = uo_aws_tui::catalog::ProfileTemplate::default();
        let target = uo_aws_tui::profile::Target {
            session,
            regions: &Default::default(),
            template: &template,
            write: uo_aws_tui::profile::Write::Upsert,
        };
        uo_aws_tui::profile::commit(&self.env, &target, row, rows).unwrap()
    }

    /// A request like `uo-aws-tui pick` with no options.
    pub fn request(&self) -> uo_aws_tui::picker::PickRequest {
        uo_aws_tui::picker::PickRequest::default()
    }

    /// The chosen session and a picker that has folded the whole listing.
    pub async fn loaded_app(
        &self,
    ) -> (
        uo_aws_tui::aws::sso_session::SsoSession,
        uo_aws_tui::app::App,
    ) {
        self.listed_app(&self.request()).await
    }

    /// Like `pick` with `request` (config profiles, favourites, `--region`),
    /// after folding the whole listing.
    pub async fn listed_app(
        &self,
        request: &uo_aws_tui::picker::PickRequest,
    ) -> (
        uo_aws_tui::aws::sso_session::SsoSession,
        uo_aws_tui::app::App,
    ) {
        let session = self.session();
        let token = uo_aws_tui::token::stored(&self.env, &session, time::OffsetDateTime::now_utc())
            .unwrap();
        let mut app = uo_aws_tui::picker::new_app(&self.env, &session, request).unwrap();
        let mut rx = uo_aws_tui::listing::start_listing(&self.env, &session, &token, 8);
        while let Some(event) = rx.recv().await {
            assert!(app.apply(event).is_none());
        }
        assert!(app.progress().complete);
        (session, app)
    }
}

// The picker's services and scripted key input, for driving the real event loop.
use std::collections::BTreeSet;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use tokio::sync::mpsc;
use uo_aws_tui::app::LoginUpdate;
use uo_aws_tui::catalog::CatalogEvent;
use uo_aws_tui::event_loop::Services;
use uo_aws_tui::favourites::Favourite;

/// The real services, with a signal each time a listing pass completes
/// (`complete`) and each time a login or a session operation has ended
/// (`settled`).
pub struct Observed {
    pub inner: uo_aws_tui::picker::PickServices,
    pub complete: std::sync::Arc<tokio::sync::Notify>,
    pub settled: std::sync::Arc<tokio::sync::Notify>,
}

/// Forwards `rx`, and signals `settled` once the message `last` says is the
/// final one has been passed on (or the sender is gone).
fn forward_then_signal<T: Send + 'static>(
    mut rx: mpsc::UnboundedReceiver<T>,
    settled: std::sync::Arc<tokio::sync::Notify>,
    last: fn(&T) -> bool,
) -> mpsc::UnboundedReceiver<T> {
    let (tx, out) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            let done = last(&message);
            let _ = tx.send(message);
            if done {
                break;
            }
        }
        settled.notify_one();
    });
    out
}

impl Services for Observed {
    fn list(&mut self) -> mpsc::UnboundedReceiver<CatalogEvent> {
        let mut rx = self.inner.list();
        let (tx, out) = mpsc::unbounded_channel();
        let complete = self.complete.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let done = event == CatalogEvent::Complete;
                let _ = tx.send(event);
                if done {
                    complete.notify_one();
                }
            }
        });
        out
    }

    fn save_favourites(
        &mut self,
        favourites: &BTreeSet<Favourite>,
    ) -> Result<(), uo_aws_tui::app::ServiceError> {
        self.inner.save_favourites(favourites)
    }

    fn login(&mut self, session: &str) -> mpsc::UnboundedReceiver<LoginUpdate> {
        forward_then_signal(self.inner.login(session), self.settled.clone(), |u| {
            !matches!(u, LoginUpdate::Step(_))
        })
    }

    fn sessions(&mut self) -> Vec<uo_aws_tui::app::SessionSummary> {
        self.inner.sessions()
    }

    fn session_op(
        &mut self,
        op: uo_aws_tui::app::SessionOp,
        session: &str,
    ) -> mpsc::UnboundedReceiver<uo_aws_tui::app::SessionOpResult> {
        forward_then_signal(
            self.inner.session_op(op, session),
            self.settled.clone(),
            |_| true,
        )
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

pub enum Step {
    /// Wait until a listing pass has completed.
    AwaitComplete,
    /// Wait until a login or session operation has ended
    /// ([`Observed::settled`]).
    AwaitSettled(std::sync::Arc<tokio::sync::Notify>),
    /// Let background work run.
    Sleep(std::time::Duration),
    Key(KeyCode, KeyModifiers),
    Text(&'static str),
}

pub fn script(
    steps: Vec<Step>,
    complete: std::sync::Arc<tokio::sync::Notify>,
) -> impl futures::Stream<Item = std::io::Result<Event>> + Unpin {
    let events = futures::stream::iter(steps).then(move |step| {
        let complete = complete.clone();
        async move {
            match step {
                Step::AwaitComplete => {
                    tokio::time::timeout(std::time::Duration::from_secs(20), complete.notified())
                        .await
                        .expect("the listing completes");
                    vec![]
                }
                Step::AwaitSettled(settled) => {
                    tokio::time::timeout(std::time::Duration::from_secs(20), settled.notified())
                        .await
                        .expect("the operation ends");
                    vec![]
                }
                Step::Sleep(d) => {
                    tokio::time::sleep(d).await;
                    vec![]
                }
                Step::Key(code, m) => vec![Ok(Event::Key(KeyEvent::new(code, m)))],
                Step::Text(text) => text
                    .chars()
                    .map(|c| {
                        Ok(Event::Key(KeyEvent::new(
                            KeyCode::Char(c),
                            KeyModifiers::NONE,
                        )))
                    })
                    .collect(),
            }
        }
    });
    Box::pin(events.flat_map(futures::stream::iter))
}
