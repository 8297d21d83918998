//! The picker's one select loop: terminal events and listing events in,
//! one redraw per batch, an [`Outcome`] out.

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::app::{App, Outcome};
use crate::catalog::CatalogEvent;
use crate::ui;

/// Runs the picker until it ends. `input` yields terminal events (crossterm's
/// `EventStream` on a real terminal, a scripted stream in tests); `catalog`
/// the listing's events. Draws after every batch of events.
///
/// Returns the outcome, or an error when drawing or reading input failed
/// (input ending counts as Ctrl-c).
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut input: S,
    mut catalog: mpsc::UnboundedReceiver<CatalogEvent>,
) -> anyhow::Result<Outcome>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let mut catalog_open = true;
    loop {
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
                            app.update(crate::keymap::Action::Insert(c));
                        }
                    }
                    Some(Ok(_)) => {}
                }
            }
            event = catalog.recv(), if catalog_open => {
                match event {
                    None => catalog_open = false,
                    Some(event) => {
                        if let Some(outcome) = app.apply(event) {
                            return Ok(outcome);
                        }
                        // Fold everything already waiting before the next draw.
                        while let Ok(event) = catalog.try_recv() {
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
