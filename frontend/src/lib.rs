//! The browser entry point: hydrates the server-rendered page.

use std::panic::PanicHookInfo;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(on_panic));
    // Islands: the page is the server's HTML; the islands' script then
    // hydrates each `#[island]` in it (a lazy one once its chunk has
    // loaded).
    leptos::mount::hydrate_islands();
    app::ui::components::hydrated::mark_if_no_islands();
}

/// How wasm_split's generated loader panics when a chunk cannot be fetched.
const CHUNK_NOT_LOADED: &str = "load callback should succeed";

/// The session-storage key that remembers the last reload for a chunk.
const RELOADED_AT: &str = "keyward.chunk-reload-at";

/// A reload is not tried again within this long, so a chunk that is
/// really missing cannot make the page reload forever.
const RELOAD_GUARD_MS: u64 = 60_000;

/// Logs the panic; when it is a lazy chunk that could not be fetched, also
/// reloads the page once. Such a chunk is usually gone because a new
/// version was deployed while the page was open (chunk names carry their
/// content hash); after the abort that follows this panic the page would
/// be dead, while a reload brings the new version with its own chunks.
fn on_panic(info: &PanicHookInfo) {
    console_error_panic_hook::hook(info);
    if !info.to_string().contains(CHUNK_NOT_LOADED) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    // Whole milliseconds: integers keep float parsing out of the bundle.
    let now = js_sys::Date::now() as u64;
    let storage = window.session_storage().ok().flatten();
    let last = storage
        .as_ref()
        .and_then(|s| s.get_item(RELOADED_AT).ok().flatten())
        .and_then(|at| at.parse::<u64>().ok());
    if last.is_some_and(|at| now.saturating_sub(at) < RELOAD_GUARD_MS) {
        return;
    }
    if let Some(storage) = storage {
        let _ = storage.set_item(RELOADED_AT, &now.to_string());
    }
    let _ = window.location().reload();
}
