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
    /// The caller's role does not allow it; the message names the role.
    #[error("{0}")]
    Forbidden(String),
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
            DomainError::Forbidden(message) => AppError::Forbidden(message),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What the browser is told for each kind of domain answer: a refusal
    /// keeps its meaning and words; a failure of ours says nothing of
    /// itself.
    #[test]
    fn each_answer_maps_once_to_what_the_browser_is_told() {
        let cases = [
            (
                DomainError::NotFound(Missing::ApiKey),
                AppError::NotFound(Missing::ApiKey),
            ),
            (
                DomainError::Conflict("Set another key first.".into()),
                AppError::Conflict("Set another key first.".into()),
            ),
            (
                DomainError::Invalid {
                    field: "expires".into(),
                    message: "Choose a date.".into(),
                },
                AppError::invalid("expires", "Choose a date."),
            ),
            (DomainError::Busy, AppError::Busy),
            (
                DomainError::Db(DbErr::Custom("disk I/O error at /var/db".into())),
                AppError::Internal,
            ),
            (
                DomainError::Broken("sealed secret does not open".into()),
                AppError::Internal,
            ),
        ];
        for (domain, app) in cases {
            let ours = domain.is_ours();
            assert_eq!(AppError::from(domain), app);
            assert_eq!(ours, app == AppError::Internal, "{app:?}");
        }
    }

    /// A validation met inside a domain operation keeps its field; any
    /// other refusal there is a bug, answered as ours.
    #[test]
    fn the_models_validation_keeps_its_field_in_the_domain() {
        let err = DomainError::from(AppError::invalid("expiry_date", "Enter the date."));
        assert!(matches!(err, DomainError::Invalid { ref field, .. } if field == "expiry_date"));
        assert!(DomainError::from(AppError::Unauthorized).is_ours());
    }
}
