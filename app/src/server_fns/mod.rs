//! The `#[server]` functions the pages call. Each one first establishes
//! who is calling and what they may do (`with_caller`), then asks the
//! domain; none reads a table itself or renders a page.

pub mod audit;
pub mod auth;
pub mod keys;
pub mod members;
pub mod public_keys;
pub mod webhooks;

mod framework_error;

#[cfg(feature = "ssr")]
mod caller;
#[cfg(feature = "ssr")]
mod respond;
#[cfg(feature = "ssr")]
mod state;

#[cfg(feature = "ssr")]
pub use caller::{
    Caller, caller, client_address, presented_session, state, with_caller, with_caller_who_may,
};
#[cfg(feature = "ssr")]
pub use respond::{Failure, respond};
#[cfg(feature = "ssr")]
pub use state::AppState;

/// Registers every server function with the server explicitly, so that a
/// linker that drops "unused" objects cannot lose their routes.
#[cfg(feature = "ssr")]
pub fn register() {
    keys::register();
    auth::register();
    webhooks::register();
    members::register();
    public_keys::register();
}
