//! Keys: their store, their secrets, and the look-ups the API makes.

pub mod leaks;
pub mod lookup;
pub mod notices;
pub mod policy;
pub mod rate;
pub mod secret;
pub mod store;
pub mod usage;
