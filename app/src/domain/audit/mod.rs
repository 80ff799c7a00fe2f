//! The audit trail as stored, and its CSV export.

pub mod csv;
pub mod store;
