//! The server-only domain: the database entities and the stores and
//! look-ups that alone read and write them, sealing of secrets, sessions,
//! the audit trail and webhook deliveries. Stores answer `DomainError`,
//! which the server functions and the REST API each map once.

pub mod audit;
pub mod auth;
pub mod entities;
pub mod error;
pub mod key_changes;
pub mod keys;
pub mod public_keys;
pub mod sealing;
pub mod teams;
pub mod webhooks;

pub use error::DomainError;
pub use sealing::{MasterKey, Sealer};

/// An organization's id. Every query about keys is scoped by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrgId(pub i64);
