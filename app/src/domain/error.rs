//! What the domain answers when it does not do what it was asked. The
//! server functions map it to `AppError` and the REST API to `ApiError`,
//! each once; both log a failure of ours where they make their answer.

use sea_orm::DbErr;

use crate::model::error::{AppError, Missing};

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The database failed; the detail is for the log only.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// Missing, or belonging to another organization: the two look the same.
    #[error("{0}")]
    NotFound(Missing),
    /// The change would break a rule of what is stored now (deleting the
    /// webhook key, a thousand-and-first key); the message says what to
    /// do instead.
    #[error("{0}")]
    Conflict(String),
    /// Input that is wrong only against what is stored (an expiry kept
    /// from a key that has since expired): `field` names the form field.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Too much password hashing is queued already.
    #[error("the password hashing queue is full")]
    Busy,
    /// Something that cannot happen with a sound database and master key
    /// (a sealed secret that does not open); the detail is for the log.
    #[error("{0}")]
    Broken(String),
}

impl DomainError {
    /// A failure of ours, not the caller's: logged with its detail by
    /// whoever answers, and answered without it.
    pub fn is_ours(&self) -> bool {
        matches!(self, DomainError::Db(_) | DomainError::Broken(_))
    }
}

/// The one mapping to what the browser is told. It does not log: the
/// server function's answer does (`server_fns::respond`).
impl From<DomainError> for AppError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::NotFound(what) => AppError::NotFound(what),
            DomainError::Conflict(message) => AppError::Conflict(message),
            DomainError::Invalid { field, message } => AppError::Invalid { field, message },
            DomainError::Busy => AppError::Busy,
            DomainError::Db(_) | DomainError::Broken(_) => AppError::Internal,
        }
    }
}

/// The model's validation, met inside a domain operation (an expiry
/// resolved against the stored one), keeps its field and message.
/// Any other `AppError` here would be a bug in the domain's own code.
impl From<AppError> for DomainError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Invalid { field, message } => DomainError::Invalid { field, message },
            other => DomainError::Broken(format!("unexpected refusal in the domain: {other}")),
        }
    }
}
