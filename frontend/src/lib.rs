//! The browser entry point: hydrates the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes: a page whose code is a separate chunk hydrates once
    // the chunk has loaded.
    leptos::mount::hydrate_lazy(app::App);
}
