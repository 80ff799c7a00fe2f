//! The error every server function returns. It crosses the wire as JSON, so
//! the browser can show a validation message next to the field it names.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// Bad input; `field` names the form field (`name`, `permissions.call`).
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// Missing, or belonging to another organization: the two look the same.
    #[error("{0}")]
    NotFound(Missing),
    /// No live session: signed out, expired, or never signed in.
    #[error("You are signed out. Sign in to continue.")]
    Unauthorized,
    /// Wrong email or wrong password: one message for both.
    #[error("Incorrect email or password.")]
    SignInFailed,
    #[error("Too many attempts. Wait a minute, then try again.")]
    TooManyAttempts,
    /// The change would break a rule of the current state, e.g. deleting
    /// the webhook key; the message says what to do instead.
    #[error("{0}")]
    Conflict(String),
    /// The caller's role does not allow it; the message names the role.
    #[error("{0}")]
    Forbidden(String),
    /// A state-changing request from another site.
    #[error("This request came from another site and was refused.")]
    CrossSite,
    /// A request body over the server's limit, refused before it is used.
    #[error("The request body is larger than 1 MiB.")]
    TooLarge,
    /// Too much expensive work (password hashing) is queued already.
    #[error("The server is busy. Try again in a moment.")]
    Busy,
    /// Details are logged on the server, never sent to the browser.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached the function, or its answer could not be read.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

/// What a `NotFound` was looking for, so that the message names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Missing {
    ApiKey,
    PublicKey,
    Delivery,
    Member,
    Invitation,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Missing::ApiKey => {
                "That API key no longer exists. Refresh the page to see the current keys."
            }
            Missing::PublicKey => {
                "That public key no longer exists. Refresh the page to see the current keys."
            }
            Missing::Delivery => {
                "That delivery no longer exists. Refresh the page to see the current deliveries."
            }
            Missing::Member => {
                "That person is no longer a member. Refresh the page to see the current members."
            }
            Missing::Invitation => {
                "That invitation is no longer pending. Refresh the page to see the current invitations."
            }
        })
    }
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The message for `field`, if this error is about that field.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }

    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            // The request could not be decoded at all.
            AppError::Invalid { field, .. } if field == "body" => 400,
            AppError::Invalid { .. } => 422,
            AppError::NotFound(_) => 404,
            AppError::Unauthorized | AppError::SignInFailed => 401,
            AppError::TooManyAttempts => 429,
            AppError::TooLarge => 413,
            AppError::Conflict(_) => 409,
            AppError::Busy => 503,
            AppError::CrossSite | AppError::Forbidden(_) => 403,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }
}
