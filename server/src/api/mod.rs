//! The public API: Retell-shaped routes authenticated with
//! `Authorization: Bearer <key>`, each checked against the key's
//! permissions. Everything is built from `app::model::api_routes::ROUTES`.

pub mod auth;
pub mod body;
pub mod error;
pub mod handlers;
pub mod key_cache;
pub mod last_used;
pub mod openapi;
pub mod public_keys;
pub mod rate_limit;
pub mod resources;
pub mod unknown_keys;
pub mod voices;

use std::sync::Arc;

use app::model::api_routes::{Method, ROUTES};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodFilter, get, options};
use sea_orm::DatabaseConnection;

pub use key_cache::KeyCache;
pub use last_used::LastUsed;

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct ApiState {
    pub db: DatabaseConnection,
    pub last_used: Arc<LastUsed>,
    /// Verified keys (see `key_cache`).
    pub keys: Arc<KeyCache>,
    /// Unknown keys presented per client address (see `unknown_keys`).
    pub unknown_keys: Arc<unknown_keys::UnknownKeys>,
    /// Each limited key's budget for the current minute (see
    /// `rate_limit`).
    pub rate_limiter: Arc<rate_limit::RateLimiter>,
}

pub fn router(state: ApiState) -> Router {
    let mut router = Router::new();
    for route in ROUTES {
        let filter = match route.method {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
            Method::Put => MethodFilter::PUT,
            Method::Patch => MethodFilter::PATCH,
            Method::Delete => MethodFilter::DELETE,
        };
        // The guard runs before the handler's extractors: authentication,
        // then permission, and only then is the body or the resource read.
        let guarded = handlers::handler(route.operation, filter)
            .route_layer(from_fn_with_state((state.clone(), route), auth::guard));
        router = router.route(route.path, guarded);
        // A browser asks before a public key's request; nothing else is
        // answered to a preflight.
        if route.operation.opens_to_public_keys() {
            router = router.route(route.path, options(public_keys::preflight));
        }
    }
    router
        .route("/openapi.json", get(openapi::serve))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}
