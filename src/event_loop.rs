//! The picker's one select loop: terminal events and listing events in,
//! one redraw per batch, effects carried out, an [`Outcome`] out.

use std::collections::BTreeSet;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::{App, Effect, LoginUpdate, Outcome};
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
    /// Starts a login in the background; its progress arrives on the
    /// returned channel, ending with `Succeeded` (after which [`Services::list`]
    /// uses the new token) or `Failed`.
    fn login(&mut self) -> mpsc::UnboundedReceiver<LoginUpdate>;
}

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
    // The app may already want a login (no usable token) instead of a listing.
    if app.login_panel().is_none() {
        catalog = Some(services.list());
    }
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        carry_out(app, services, &mut catalog, &mut login);
        app.set_now(time::OffsetDateTime::now_utc());
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
            // The login panel counts down.
            _ = tick.tick(), if app.login_panel().is_some() => {}
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
) {
    for effect in app.take_effects() {
        match effect {
            Effect::Refresh => *catalog = Some(services.list()),
            Effect::SaveFavourites(favourites) => {
                if let Err(message) = services.save_favourites(&favourites) {
                    app.set_message(format!("favourites not saved: {message}"));
                }
            }
            Effect::Login => {
                // A listing with a rejected token is of no more use.
                *catalog = None;
                *login = Some(services.login());
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
