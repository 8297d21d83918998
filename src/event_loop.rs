//! The picker's loop. It only moves messages: [`Tasks::next`] waits for the
//! next [`Msg`] from the terminal or a background task, [`App::update`]
//! folds it in, the [`Effect`]s it asks for are carried out through
//! [`Services`] (their answers are messages too), and a frame is drawn only
//! when something changed and no more input is waiting.

use std::collections::BTreeSet;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::{
    App, Effect, LoginUpdate, Msg, Outcome, ServiceError, SessionOp, SessionOpResult,
    SessionSummary, SwitchResult, Update,
};
use crate::catalog::CatalogEvent;
use crate::favourites::Favourite;
use crate::search::{FilterTask, Filtered};
use crate::ui;

/// What the loop needs from the outside world to carry out [`Effect`]s.
pub trait Services {
    /// Starts a listing pass; its events arrive on the returned channel (an
    /// earlier pass's channel is dropped, which stops that pass).
    fn list(&mut self) -> mpsc::UnboundedReceiver<CatalogEvent>;
    /// Stores the favourites.
    fn save_favourites(&mut self, favourites: &BTreeSet<Favourite>) -> Result<(), ServiceError>;
    /// Starts a login to `session` in the background; its progress arrives
    /// on the returned channel, ending with `Succeeded` (after which
    /// [`Services::list`] uses the new token, when `session` is the listed
    /// one) or `Failed`.
    fn login(&mut self, session: &str) -> mpsc::UnboundedReceiver<LoginUpdate>;
    /// Every session and legacy start URL with its token state (local files only).
    fn sessions(&mut self) -> Vec<SessionSummary>;
    /// Refreshes the token of `session`, or logs out of it, in the background.
    fn session_op(
        &mut self,
        op: SessionOp,
        session: &str,
    ) -> mpsc::UnboundedReceiver<SessionOpResult>;
    /// Makes `session` the listed one; returns the region profiles get and
    /// when its token expires, or why it cannot be used.
    fn switch_session(&mut self, session: &str) -> SwitchResult;
    /// Tells listings which accounts to fetch first: the selected one, then
    /// those matching the query. The default does nothing.
    fn prioritize(&mut self, _selected: Option<String>, _matching: Vec<String>) {}
    /// Counters of the portal calls (rate, retries) for the status bar.
    fn listing_stats(&self) -> Option<crate::aws::limiter::LimiterStats> {
        None
    }
}

/// At most this many messages are folded in before a frame is drawn, so a
/// flood of input still shows progress.
const MAX_BATCH: usize = 4096;

/// Runs the picker until it ends. `input` yields terminal events (crossterm's
/// `EventStream` on a real terminal, a scripted stream in tests). Starts the
/// first listing through `services`, folds in every message already waiting,
/// and draws when the screen changed.
///
/// Returns the outcome, or an error when drawing or reading input failed
/// (input ending counts as Ctrl-c).
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    input: S,
    services: &mut dyn Services,
) -> anyhow::Result<Outcome>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    run_suspendable(terminal, app, input, services, None).await
}

/// A function that suspends the program on Ctrl-Z and returns once it is
/// continued (see [`crate::terminal::suspend`]).
pub type Suspend<'a> = &'a mut dyn FnMut() -> std::io::Result<()>;

/// Whether `key` is Ctrl-Z (suspend).
fn is_suspend(key: &crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
    key.kind != KeyEventKind::Release
        && key.modifiers == KeyModifiers::CONTROL
        && matches!(key.code, KeyCode::Char('z' | 'Z'))
}

/// [`run`], with Ctrl-Z calling `suspend` (when given) and the whole
/// screen drawn again once it returns. Without `suspend`, Ctrl-Z is a key
/// like any other.
///
/// Errors: as [`run`], and the error of `suspend`.
pub async fn run_suspendable<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    input: S,
    services: &mut dyn Services,
    mut suspend: Option<Suspend<'_>>,
) -> anyhow::Result<Outcome>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let mut tasks = Tasks::new(input);
    // The app may already want a login (no usable token), or a session to
    // be chosen, instead of a listing.
    if app.lists_at_start() {
        tasks.catalog = Some(services.list());
    }
    let size = terminal.size()?;
    let _ = app.update(Msg::Resized {
        page: ui::list_height(size.height),
    });
    let mut changed = true;
    if let Some(outcome) = settle(app, services, &mut tasks, &mut changed) {
        return Ok(outcome);
    }
    loop {
        if changed {
            let _ = app.update(Msg::Tick(time::OffsetDateTime::now_utc()));
            let _ = app.update(Msg::ListingStats(services.listing_stats()));
            terminal.draw(|f| ui::draw(f, app))?;
        }
        changed = false;
        let mut msg = Some(tasks.next().await?);
        let mut folded = 0;
        // Fold in everything already waiting before the next frame.
        while let Some(m) = msg {
            if let (Msg::Key(key), Some(suspend)) = (&m, suspend.as_mut()) {
                if is_suspend(key) {
                    suspend()?;
                    // The screen was cleared: a blank frame makes the next
                    // one draw every cell (Terminal::clear would query the
                    // cursor on the terminal the input stream reads).
                    terminal.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))?;
                    changed = true;
                    break;
                }
            }
            match app.update(m) {
                Update::Ended(outcome) => return Ok(outcome),
                Update::Changed => changed = true,
                Update::Unchanged => {}
            }
            if let Some(outcome) = settle(app, services, &mut tasks, &mut changed) {
                return Ok(outcome);
            }
            folded += 1;
            msg = if folded < MAX_BATCH {
                // Polled with this task's waker, not a no-op one: crossterm's
                // EventStream keeps the first waker of a wait, so a no-op
                // one would leave the next key waiting for the clock tick.
                match futures::poll!(std::pin::pin!(tasks.next())) {
                    std::task::Poll::Ready(result) => Some(result?),
                    std::task::Poll::Pending => None,
                }
            } else {
                None
            };
        }
    }
}

/// The receiving ends of the picker's background work and its input.
pub struct Tasks<S> {
    input: S,
    /// The running listing pass.
    catalog: Option<mpsc::UnboundedReceiver<CatalogEvent>>,
    /// The running login.
    login: Option<mpsc::UnboundedReceiver<LoginUpdate>>,
    /// The running refresh or logout.
    ops: Option<mpsc::UnboundedReceiver<SessionOpResult>>,
    /// Ranks large catalogs off the draw path; answers come back on `filtered`.
    filter: FilterTask,
    filtered: mpsc::UnboundedReceiver<Filtered>,
    /// The clock for countdowns, once a second.
    tick: tokio::time::Interval,
}

impl<S> Tasks<S>
where
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    /// Nothing running yet; `input` is the terminal's events.
    pub fn new(input: S) -> Tasks<S> {
        let (filtered_tx, filtered) = mpsc::unbounded_channel();
        let filter = FilterTask::spawn(move |answer| {
            let _ = filtered_tx.send(answer);
        });
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        Tasks {
            input,
            catalog: None,
            login: None,
            ops: None,
            filter,
            filtered,
            tick,
        }
    }

    /// The next message: a terminal event, a listing event, login progress,
    /// a session-work result, a ranking answer or a clock tick. Err when
    /// reading the terminal failed.
    pub async fn next(&mut self) -> std::io::Result<Msg> {
        loop {
            // Biased: work that has already arrived is folded in before the next
            // key, so a key never overtakes what was delivered before it.
            tokio::select! {
                biased;
                update = recv(&mut self.login), if self.login.is_some() => {
                    match update {
                        None => self.login = None,
                        Some(update) => return Ok(Msg::Login(update)),
                    }
                }
                Some(answer) = self.filtered.recv() => {
                    if let Some(answer) = self.filter.accept(answer) {
                        return Ok(Msg::Filtered(answer));
                    }
                }
                result = recv(&mut self.ops), if self.ops.is_some() => {
                    match result {
                        None => self.ops = None,
                        Some(result) => return Ok(Msg::SessionOp(result)),
                    }
                }
                event = recv(&mut self.catalog), if self.catalog.is_some() => {
                    match event {
                        None => self.catalog = None,
                        Some(event) => return Ok(Msg::Catalog(event)),
                    }
                }
                event = self.input.next() => {
                    match event {
                        None => return Ok(Msg::InputEnded),
                        Some(Err(e)) => return Err(e),
                        Some(Ok(Event::Key(key))) => return Ok(Msg::Key(key)),
                        Some(Ok(Event::Paste(text))) => return Ok(Msg::Paste(text)),
                        Some(Ok(Event::Resize(_, height))) => {
                            return Ok(Msg::Resized { page: ui::list_height(height) })
                        }
                        Some(Ok(_)) => {}
                    }
                }
                _ = self.tick.tick() => return Ok(Msg::Tick(time::OffsetDateTime::now_utc())),
            }
        }
    }

    /// Carries out one effect; an answer that is ready at once comes back
    /// as a message (work in the background answers through [`Tasks::next`]).
    fn carry_out(&mut self, effect: Effect, app: &App, services: &mut dyn Services) -> Option<Msg> {
        match effect {
            Effect::Filter => {
                self.filter
                    .submit_named(app.query(), app.catalog(), app.profiles());
                None
            }
            Effect::Refresh => {
                self.catalog = Some(services.list());
                None
            }
            Effect::StopListing => {
                self.catalog = None;
                None
            }
            Effect::SaveFavourites(favourites) => {
                Some(Msg::FavouritesSaved(services.save_favourites(&favourites)))
            }
            Effect::Login { session } => {
                self.login = Some(services.login(&session));
                None
            }
            Effect::LoadSessions => Some(Msg::SessionsLoaded(services.sessions())),
            Effect::SessionOp { op, session } => {
                self.ops = Some(services.session_op(op, &session));
                None
            }
            Effect::SwitchSession { session } => {
                let result = services.switch_session(&session);
                Some(Msg::Switched { session, result })
            }
            Effect::Prioritize { selected, matching } => {
                services.prioritize(selected, matching);
                None
            }
        }
    }
}

/// Carries out the effects the app asked for, and those their answers ask
/// for, until none is left; sets `changed` when an answer changed the
/// screen. Returns the outcome if an answer ended the picker.
fn settle<S>(
    app: &mut App,
    services: &mut dyn Services,
    tasks: &mut Tasks<S>,
    changed: &mut bool,
) -> Option<Outcome>
where
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    loop {
        let effects = app.take_effects();
        if effects.is_empty() {
            return None;
        }
        for effect in effects {
            if let Some(msg) = tasks.carry_out(effect, app, services) {
                match app.update(msg) {
                    Update::Ended(outcome) => return Some(outcome),
                    Update::Changed => *changed = true,
                    Update::Unchanged => {}
                }
            }
        }
    }
}

async fn recv<T>(rx: &mut Option<mpsc::UnboundedReceiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
