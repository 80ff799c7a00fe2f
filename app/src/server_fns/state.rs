//! The router's state, provided to every server function as context.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::domain::Sealer;

/// The router's state, also provided to every server function as context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub sealer: Arc<Sealer>,
    pub sign_in_throttle: Arc<crate::domain::auth::throttle::SignInThrottle>,
    /// Send test event and Resend, per organization.
    pub manual_sends: Arc<crate::domain::webhooks::send_budget::ManualSends>,
    /// A `Secure`, `__Host-` session cookie (the default; plain HTTP for
    /// local use with `KEYWARD_COOKIE_SECURE=0`).
    pub cookie_secure: bool,
    /// Told after each commit that can narrow a key (the API's key cache).
    pub key_changes: Arc<dyn crate::domain::key_changes::KeyChangeSink>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
