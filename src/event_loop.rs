//! The picker's one select loop: terminal events and listing events in,
//! one redraw per batch, effects carried out, an [`Outcome`] out.

use std::collections::BTreeSet;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::{App, Effect, Outcome};
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
    let mut catalog = Some(services.list());
    loop {
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
        for effect in app.take_effects() {
            match effect {
                Effect::Refresh => catalog = Some(services.list()),
                Effect::SaveFavourites(favourites) => {
                    if let Err(message) = services.save_favourites(&favourites) {
                        app.set_message(format!("favourites not saved: {message}"));
                    }
                }
            }
        }
    }
}

async fn recv(rx: &mut Option<mpsc::UnboundedReceiver<CatalogEvent>>) -> Option<CatalogEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
