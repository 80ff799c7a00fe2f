//! Types shared by every layer, safe to compile to WASM: nothing here
//! reads a table or knows about a request.

// The API's route table: the server's router, its guard and the OpenAPI
// document read it; no page does, so the browser bundle leaves it out.
pub mod allowed_ips;
#[cfg(feature = "ssr")]
pub mod api_routes;
pub mod audit;
pub mod auth;
pub mod dates;
pub mod error;
pub mod expiry;
pub mod key_alerts;
pub mod key_events;
pub mod key_fields;
pub mod key_policy;
pub mod keys;
pub mod leaks;
pub mod members;
pub mod permissions;
pub mod public_keys;
pub mod rate_limit;
pub mod roles;
pub mod webhooks;
