//! Database operations on API keys. Every function takes the organization
//! and filters by it, so a key id of another organization is simply not
//! found. One file per operation; `rows` holds what they share.

mod create;
mod delete;
mod read;
mod roll;
mod rows;
mod update;
mod webhook;

pub use create::create;
pub use delete::delete;
pub(crate) use delete::forget_usage;
pub use read::{find, list};
pub use roll::roll;
pub use rows::{access_of, allowed_ips_of};
pub(crate) use rows::{lock_organization, subject};
pub use update::update;
pub use webhook::set_webhook;
