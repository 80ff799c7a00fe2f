#![recursion_limit = "256"]

//! Keyward's shared crate: the permission model, the pages and components,
//! and the server functions. Server-only code sits behind the `ssr` feature.

// The API's route table: the server's router, its guard and the OpenAPI
// document read it; no page does, so the browser bundle leaves it out.
#[cfg(feature = "ssr")]
pub mod api_routes;
pub mod audit;
pub mod auth;
pub mod components;
pub mod error;
pub mod keys;
pub mod pages;
pub mod permissions;
mod root;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod webhooks;

pub use root::{App, shell};
