//! `body[data-hydrated]` says that every island on the page is live, so
//! tests (and anyone curious) know when the controls work. Islands hydrate
//! one by one, and a lazy one only once its chunk has loaded, so each
//! island reports in, and the last one marks the page.

use std::sync::atomic::{AtomicU32, Ordering};

use leptos::prelude::*;

/// Islands on this page that have hydrated so far.
static HYDRATED: AtomicU32 = AtomicU32::new(0);

/// Called in each island's body. Effects run only in the browser, after
/// the island's hydration.
pub fn island_hydrated() {
    Effect::new(|_| {
        let done = HYDRATED.fetch_add(1, Ordering::Relaxed) + 1;
        if done >= islands_on_page() {
            mark();
        }
    });
}

/// For the entry point: a page with no island at all is as live as it
/// will get once the WASM has loaded.
pub fn mark_if_no_islands() {
    if islands_on_page() == 0 {
        mark();
    }
}

fn islands_on_page() -> u32 {
    document()
        .query_selector_all("leptos-island")
        .map(|list| list.length())
        .unwrap_or(0)
}

fn mark() {
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
