//! SeaORM entities. The schema itself is defined by the `migrations` crate.

pub mod api_key;
pub mod audit_entry;
pub mod invitation;
pub mod key_usage;
pub mod membership;
pub mod organization;
pub mod public_key;
pub mod public_key_domain;
pub mod public_key_usage;
pub mod session;
pub mod user;
pub mod webhook_delivery;
pub mod webhook_setting;
