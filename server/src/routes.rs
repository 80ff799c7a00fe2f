//! The HTTP surface: the dashboard (SSR + hydration), its server functions,
//! static files, and a health check.

use app::server_fns::AppState;
use app::{App, shell};
use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use leptos_axum::{LeptosRoutes, file_and_error_handler, generate_route_list};

use crate::guards;

/// The dashboard and the API on one router. `last_used` collects API key
/// use for batched `last_used_at` writes; `keys` is the API's key cache,
/// the same one `state.key_changes` tells about changes.
pub fn router(
    state: AppState,
    last_used: std::sync::Arc<crate::api::LastUsed>,
    keys: std::sync::Arc<crate::api::KeyCache>,
) -> Router {
    router_with_scanning(state, last_used, keys, None)
}

/// `router`, receiving secret-scanning reports signed by `scanner_keys`
/// (without them, the route answers 404).
pub fn router_with_scanning(
    state: AppState,
    last_used: std::sync::Arc<crate::api::LastUsed>,
    keys: std::sync::Arc<crate::api::KeyCache>,
    scanner_keys: Option<std::sync::Arc<crate::secret_scanning::ScannerKeys>>,
) -> Router {
    let scanning = crate::secret_scanning::router(crate::secret_scanning::ScanningState::new(
        state.db.clone(),
        state.key_changes.clone(),
        scanner_keys,
    ));
    let api = crate::api::router(crate::api::ApiState {
        db: state.db.clone(),
        last_used,
        keys,
        unknown_keys: std::sync::Arc::default(),
        rate_limiter: std::sync::Arc::default(),
    });
    app::server_fns::register();
    app::ui::register();
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .nest_service("/pkg", crate::assets::pkg(&state.leptos_options))
        .route(app::model::audit::CSV_PATH, get(crate::audit::export_csv))
        // Also registers every server function, with `AppState` in context.
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(file_and_error_handler::<AppState, _>(shell))
        // Inside the guards: a request they refuse is refused unread.
        .layer(from_fn(crate::body_limit::limit_body))
        .layer(from_fn_with_state(state.clone(), guards::session_redirects))
        .layer(from_fn(guards::refuse_cross_site))
        .with_state(state)
        .merge(api)
        .merge(scanning)
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(from_fn(crate::assets::no_compression_for_secrets))
        .layer(from_fn(guards::security_headers))
        // Outermost, so that no poll of a request leaves a page's owner
        // current for the next request on the thread.
        .layer(from_fn(crate::owner_isolation::isolate_reactive_owners))
}

async fn healthz() -> &'static str {
    "ok"
}
