//! Who may sign in: password hashing, sessions, and the sign-in throttle.

pub mod accounts;
pub mod password;
pub mod session;
pub mod throttle;
