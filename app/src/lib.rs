//! Keyward's shared crate, in four layers. Each imports only the layers
//! below it (`make lint` checks this with `.ci/layers`):
//!
//! - `ui`: pages and components, the views both sides render;
//! - `server_fns`: the `#[server]` functions the pages call, each a thin
//!   step from the caller to the domain;
//! - `domain` (server only): entities, stores and look-ups, the only code
//!   that touches tables;
//! - `model`: the types every layer shares and the browser can hold: ids,
//!   permissions, keys, expiry, dates, validation, the wire error.

pub mod model;

#[cfg(feature = "ssr")]
pub mod domain;

pub mod server_fns;

pub mod ui;

pub use ui::root::{App, shell};
