//! Server-only parts of the app: the state server functions read, who is
//! calling, sealing of secrets, and the database entities.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::error::AppError;

pub mod caller;
pub mod entities;
pub mod key_changes;
pub mod sealing;
pub mod security;

pub use caller::{Caller, caller, client_address, state, with_caller};
pub use sealing::{MasterKey, Sealer};

/// An organization's id. Every query about keys is scoped by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrgId(pub i64);

/// The router's state, also provided to every server function as context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub sealer: Arc<Sealer>,
    pub sign_in_throttle: Arc<crate::auth::throttle::SignInThrottle>,
    /// Send test event and Resend, per organization.
    pub manual_sends: Arc<crate::webhooks::send_budget::ManualSends>,
    /// A `Secure`, `__Host-` session cookie (the default; plain HTTP for
    /// local use with `KEYWARD_COOKIE_SECURE=0`).
    pub cookie_secure: bool,
    /// Told after each commit that can narrow a key (the API's key cache).
    pub key_changes: Arc<dyn key_changes::KeyChangeSink>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        // Logged with its detail here; the browser only learns that it failed.
        tracing::error!(error = %err, "database error");
        AppError::Internal
    }
}

/// Sets the HTTP status of a server function's answer from its result, so
/// that refusals are 4xx for any client, not 500s with a JSON body.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        set_status(err);
    }
    result
}

/// Sets the status of the server function answer being built, if any.
/// A plain HTML form post (a page not yet hydrated, or without
/// JavaScript) is answered with a redirect back to its page, the error in
/// the query (server_fn's form redirects); a status here would replace it.
pub fn set_status(err: &AppError) {
    if is_plain_form_post() {
        return;
    }
    if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(
            axum::http::StatusCode::from_u16(err.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
}

/// Whether the server function being answered was posted by a plain HTML
/// form: such a request accepts `text/html`, as any navigation does, where
/// the server function client asks for its encoding only.
fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}
