//! The API's one error type, mapped once to a status and a JSON body:
//! `{"error": {"status": 403, "message": "…", "field": "…"}}`.

use app::domain::DomainError;
use app::model::error::Missing;
use app::model::expiry::format_time;
use app::model::permissions::Requirement;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The same answer for a missing header, a malformed key, an unknown
    /// key and a deleted key: no oracle for which keys exist.
    #[error("Missing or invalid API key. Send `Authorization: Bearer <key>`.")]
    Unauthenticated,
    /// Only the holder of the key's full secret gets this, so saying that
    /// the key exists and when it expired reveals nothing.
    #[error("This API key expired on {}. Create a new key, or edit this one's expiry in Settings > API Keys.", format_time(.at))]
    Expired { at: DateTime<Utc> },
    /// A secret replaced by a roll, after its grace period.
    #[error("This secret was replaced when the key was rolled and stopped working on {}. Use the key's new secret.", format_time(.at))]
    RolledOut { at: DateTime<Utc> },
    /// Quarantined on a secret scanner's report, until a roll.
    #[error("This API key was reported as leaked on {}; roll it or delete it.", format_time(.at))]
    Leaked { at: DateTime<Utc> },
    #[error("This API key does not have the permission this route needs: {0}.")]
    Forbidden(Requirement),
    /// The key's **Allowed IP addresses** do not include the client's.
    #[error("This API key cannot be used from {}.", .0.map_or("an unknown address".to_owned(), |ip| ip.to_string()))]
    AddressNotAllowed(Option<std::net::IpAddr>),
    /// Over the key's **Requests per minute**: `limit` in words, and the
    /// seconds until the minute's budget renews.
    #[error("This API key is over its limit of {limit}. Retry after {retry_after} seconds.")]
    RateLimited { limit: String, retry_after: u64 },
    /// A public key on any route but creating a web call.
    #[error("{}", app::model::public_keys::ONLY_WEB_CALLS)]
    PublicKeyRoute,
    /// A public key from an origin none of its lines allows (or without
    /// one); the origin as sent, shortened.
    #[error("{}", app::model::public_keys::not_allowed_on(.0.as_deref()))]
    OriginNotAllowed(Option<String>),
    /// A CORS preflight from an origin no public key allows.
    #[error("{}", app::model::public_keys::NO_KEY_FOR_ORIGIN)]
    NoKeyForOrigin,
    /// A web call with an agent the public key does not list.
    #[error("{}", app::model::public_keys::agent_not_allowed(.0))]
    AgentNotAllowed(String),
    /// Over a public key's **Web calls per minute** on one allowed domain.
    #[error(
        "This public key is over its limit of {per_minute} web calls a minute on {site}. Retry after {retry_after} seconds."
    )]
    WebCallsLimited {
        per_minute: u32,
        site: String,
        retry_after: u64,
    },
    #[error("{message}")]
    BadRequest { field: String, message: String },
    #[error("{message}")]
    Unprocessable { field: String, message: String },
    /// The request clashes with what exists (a phone number already held).
    #[error("{message}")]
    Conflict { field: String, message: String },
    #[error("{0} not found.")]
    NotFound(&'static str),
    /// A body field names something this organization does not have (an
    /// agent, a page of a list): the spec's 404 for an unknown id, with the
    /// field, so that a well-formed request is never answered "invalid".
    #[error("{message}")]
    UnknownReference { field: String, message: String },
    /// A secret-scanning report whose signature does not verify.
    #[error("{0}")]
    UnverifiedReport(crate::secret_scanning::keys::Unverified),
    /// `KEYWARD_SECRET_SCANNING_KEYS` is not set.
    #[error("This server does not receive secret-scanning reports.")]
    SecretScanningOff,
    /// `secret_scanning::MAX_READING` report bodies are being read.
    #[error("Too many secret-scanning reports are being read at once. Try again shortly.")]
    ReportsBusy,
    #[error("The request body is larger than 1 MiB.")]
    TooLarge,
    /// A document would exceed `DOCUMENT_LIMIT` once stored.
    #[error(
        "{noun} would be {size} KiB once stored; a stored document may be at most {limit} KiB."
    )]
    DocumentTooLarge {
        noun: &'static str,
        size: usize,
        limit: usize,
    },
    /// This address presented `UNKNOWN_KEYS_PER_MINUTE` unknown keys this
    /// minute (see `unknown_keys`).
    #[error(
        "Too many requests with unknown API keys from this address. Wait a minute, then try again."
    )]
    TooManyUnknownKeys,
    /// A failure of ours. Its detail, if any, is logged when the answer
    /// is made (`into_response`), never sent.
    #[error("Something went wrong on our side.")]
    Internal(Option<DomainError>),
}

impl ApiError {
    pub fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        ApiError::Unprocessable {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn unknown_reference(field: &str, message: impl Into<String>) -> Self {
        ApiError::UnknownReference {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated
            | ApiError::Expired { .. }
            | ApiError::RolledOut { .. }
            | ApiError::Leaked { .. }
            | ApiError::UnverifiedReport(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_)
            | ApiError::AddressNotAllowed(_)
            | ApiError::PublicKeyRoute
            | ApiError::OriginNotAllowed(_)
            | ApiError::NoKeyForOrigin
            | ApiError::AgentNotAllowed(_) => StatusCode::FORBIDDEN,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound(_)
            | ApiError::UnknownReference { .. }
            | ApiError::SecretScanningOff => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooLarge | ApiError::DocumentTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyUnknownKeys
            | ApiError::RateLimited { .. }
            | ApiError::WebCallsLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::ReportsBusy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        DomainError::from(err).into()
    }
}

/// The one mapping from the domain's answer to the API's. It does not
/// log: `into_response` does, for a failure of ours.
impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid { field, message } => ApiError::Unprocessable { field, message },
            DomainError::NotFound(Missing::ApiKey) => ApiError::NotFound("API key"),
            DomainError::NotFound(Missing::PublicKey) => ApiError::NotFound("Public key"),
            DomainError::NotFound(Missing::Delivery) => ApiError::NotFound("Delivery"),
            DomainError::NotFound(Missing::Member) => ApiError::NotFound("Member"),
            DomainError::NotFound(Missing::Invitation) => ApiError::NotFound("Invitation"),
            DomainError::Conflict(message) => ApiError::Conflict {
                field: "body".into(),
                message,
            },
            // Password hashing and members' roles never happen in the API.
            err @ (DomainError::Db(_)
            | DomainError::Broken(_)
            | DomainError::Busy
            | DomainError::Forbidden(_)) => ApiError::Internal(Some(err)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(Some(err)) = &self {
            tracing::error!(error = %err, "API request failed");
        }
        let status = self.status();
        let mut error = json!({ "status": status.as_u16(), "message": self.to_string() });
        match &self {
            ApiError::BadRequest { field, .. }
            | ApiError::Unprocessable { field, .. }
            | ApiError::Conflict { field, .. }
            | ApiError::UnknownReference { field, .. } => {
                error["field"] = json!(field);
            }
            ApiError::DocumentTooLarge { .. } => error["field"] = json!("body"),
            ApiError::AgentNotAllowed(_) => error["field"] = json!("agent_id"),
            ApiError::Forbidden(need) => {
                error["required_permission"] =
                    json!({ "group": need.group.label(), "level": need.level.label() });
            }
            _ => {}
        }
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if let ApiError::RateLimited { retry_after, .. }
        | ApiError::WebCallsLimited { retry_after, .. } = &self
        {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*retry_after),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API's answer for each kind of domain answer: refusals keep
    /// their status and words; a failure of ours is a 500 that carries no
    /// detail to the client.
    #[test]
    fn each_domain_answer_maps_once_to_a_status() {
        let cases = [
            (
                DomainError::NotFound(Missing::ApiKey),
                StatusCode::NOT_FOUND,
            ),
            (DomainError::Conflict("taken".into()), StatusCode::CONFLICT),
            (
                DomainError::Invalid {
                    field: "agent_id".into(),
                    message: "bad".into(),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                DomainError::Db(sea_orm::DbErr::Custom("secret detail".into())),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (domain, status) in cases {
            let err = ApiError::from(domain);
            assert_eq!(err.status(), status);
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                assert!(!err.to_string().contains("secret detail"), "{err}");
            }
        }
    }
}
