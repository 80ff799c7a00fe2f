//! Pages and components: the views, rendered on the server and hydrated
//! as islands in the browser.

pub mod components;
pub mod names;
pub mod pages;
pub mod root;
#[cfg(feature = "ssr")]
pub mod security;

/// Registers the server functions that render parts of pages (the API
/// Keys list and dialogs, the Webhooks panel, the audit log) with the
/// server explicitly.
#[cfg(feature = "ssr")]
pub fn register() {
    pages::settings::api_keys::register();
    pages::settings::audit_log::register();
    pages::settings::members::register();
    pages::settings::public_keys::register();
    pages::settings::webhooks::register();
}
