//! The picker's one select loop: terminal events and listing events in,
//! one redraw per batch, effects carried out, an [`Outcome`] out.

use std::collections::BTreeSet;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::{App, Effect, LoginUpdate, Outcome, SessionOp, SessionOpResult, SessionSummary};
use crate::catalog::CatalogEvent;
use crate::favourites::Favourite;
use crate::keymap::Action;
use crate::ui;

/// What the loop needs from the outside world to carry out [`Effect`]s.
pub trait Services {
    /// Starts a listing pass; its events arrive on the returned channel (an
    /// earlier pass's channel is dropped, which stops that pass).
    fn list(&mut self) -> mpsc::UnboundedReceiver<CatalogEvent>;
    /// Stores the favourites; `Err` holds a message for the user.
    fn save_favourites(&mut self, favourites: &BTreeSet<Favourite>) -> Result<(), String>;
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
    fn switch_session(
        &mut self,
        session: &str,
    ) -> Result<(String, Option<time::OffsetDateTime>), String>;
    /// Tells listings which accounts to fetch first: the selected one, then
    /// those matching the query. The default does nothing.
    fn prioritize(&mut self, _selected: Option<String>, _matching: Vec<String>) {}
    /// Counters of the portal calls (rate, retries) for the status bar.
    fn listing_stats(&self) -> Option<crate::aws::limiter::LimiterStats> {
        None
    }
}

/// How many matching accounts a priority hint names at most.
const PRIORITY_LIMIT: usize = 64;

/// Runs the picker until it ends. `input` yields terminal events (crossterm's
/// `EventStream` on a real terminal, a scripted stream in tests). Starts the
/// first listing through `services` and draws after every batch of events.
///
/// Returns the outcome, or an error when drawing or reading input failed
/// (input ending counts as Ctrl-c).
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut input: S,
    services: &mut dyn Services,
) -> anyhow::Result<Outcome>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let mut catalog = None;
    let mut login = None;
    let mut ops = None;
    // Ranks large catalogs off the draw path; answers come back on `filtered`.
    let (filtered_tx, mut filtered) = mpsc::unbounded_channel();
    let filter = crate::search::FilterTask::spawn(move |answer| {
        let _ = filtered_tx.send(answer);
    });
    // The app may already want a login (no usable token) instead of a listing.
    if app.login_panel().is_none() {
        catalog = Some(services.list());
    }
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        carry_out(app, services, &mut catalog, &mut login, &mut ops, &filter);
        app.set_now(time::OffsetDateTime::now_utc());
        if !app.progress().complete {
            app.set_listing_stats(services.listing_stats());
        }
        let size = terminal.size()?;
        app.set_page_size(ui::list_height(size.height));
        terminal.draw(|f| ui::draw(f, app))?;
        tokio::select! {
            event = input.next() => {
                match event {
                    None => return Ok(Outcome::Interrupted),
                    Some(Err(e)) => return Err(e.into()),
                    Some(Ok(Event::Key(key))) => {
                        if let Some(outcome) = app.handle_key(key) {
                            return Ok(outcome);
                        }
                        if !app.progress().complete {
                            // What the user looks at or types for is fetched first.
                            let (selected, matching) = app.priority_hints(PRIORITY_LIMIT);
                            services.prioritize(selected, matching);
                        }
                    }
                    Some(Ok(Event::Paste(text))) => {
                        for c in text.chars().filter(|c| !c.is_control()) {
                            app.update(Action::Insert(c));
                        }
                    }
                    Some(Ok(_)) => {}
                }
            }
            update = recv(&mut login), if login.is_some() => {
                match update {
                    None => login = None,
                    Some(update) => app.apply_login(update),
                }
            }
            Some(answer) = filtered.recv() => {
                if let Some(answer) = filter.accept(answer) {
                    if !app.apply_filtered(answer) {
                        // The rows or the query changed meanwhile: ask again.
                        filter.submit_named(app.query(), app.catalog(), app.profiles());
                    }
                }
            }
            result = recv(&mut ops), if ops.is_some() => {
                match result {
                    None => ops = None,
                    Some(result) => app.apply_session_op(result),
                }
            }
            // The login panel and the sessions' countdowns tick.
            _ = tick.tick(), if app.login_panel().is_some() || app.view() == crate::app::View::Sessions => {}
            event = recv(&mut catalog), if catalog.is_some() => {
                match event {
                    None => catalog = None,
                    Some(event) => {
                        if let Some(outcome) = app.apply(event) {
                            return Ok(outcome);
                        }
                        // Fold everything already waiting before the next draw.
                        while let Some(Ok(event)) = catalog.as_mut().map(|c| c.try_recv()) {
                            if let Some(outcome) = app.apply(event) {
                                return Ok(outcome);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Carries out the effects the app asked for since the last call.
fn carry_out(
    app: &mut App,
    services: &mut dyn Services,
    catalog: &mut Option<mpsc::UnboundedReceiver<CatalogEvent>>,
    login: &mut Option<mpsc::UnboundedReceiver<LoginUpdate>>,
    ops: &mut Option<mpsc::UnboundedReceiver<SessionOpResult>>,
    filter: &crate::search::FilterTask,
) {
    // Carrying out an effect may ask for more (a switch lists again).
    loop {
        let effects = app.take_effects();
        if effects.is_empty() {
            return;
        }
        for effect in effects {
            carry_out_one(effect, app, services, catalog, login, ops, filter);
        }
    }
}

fn carry_out_one(
    effect: Effect,
    app: &mut App,
    services: &mut dyn Services,
    catalog: &mut Option<mpsc::UnboundedReceiver<CatalogEvent>>,
    login: &mut Option<mpsc::UnboundedReceiver<LoginUpdate>>,
    ops: &mut Option<mpsc::UnboundedReceiver<SessionOpResult>>,
    filter: &crate::search::FilterTask,
) {
    {
        match effect {
            Effect::Filter => {
                filter.submit_named(app.query(), app.catalog(), app.profiles());
            }
            Effect::Refresh => *catalog = Some(services.list()),
            Effect::SaveFavourites(favourites) => {
                if let Err(message) = services.save_favourites(&favourites) {
                    app.set_message(format!("favourites not saved: {message}"));
                }
            }
            Effect::Login { session } => {
                if session == app.session {
                    // A listing with a rejected token is of no more use.
                    *catalog = None;
                }
                *login = Some(services.login(&session));
            }
            Effect::LoadSessions => {
                let sessions = services.sessions();
                app.set_sessions(sessions);
            }
            Effect::SessionOp { op, session } => *ops = Some(services.session_op(op, &session)),
            Effect::SwitchSession { session } => match services.switch_session(&session) {
                Ok((region, expires_at)) => {
                    *catalog = None;
                    app.switch_session(&session, &region, expires_at);
                }
                Err(message) => app.set_message(message),
            },
        }
    }
}

async fn recv<T>(rx: &mut Option<mpsc::UnboundedReceiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
