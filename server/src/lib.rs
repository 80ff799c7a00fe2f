//! The `keyward` server: configuration, database, and the HTTP router that
//! serves the dashboard and its server functions.

pub mod api;
pub mod assets;
pub mod audit;
pub mod body_limit;
pub mod client_address;
pub mod config;
pub mod db;
pub mod error;
pub mod guards;
pub mod key_notices;
pub mod master_key;
pub mod owner_isolation;
pub mod prune;
pub mod routes;
pub mod secret_scanning;
pub mod serve;
pub mod webhooks;

use std::sync::Arc;

use app::domain::Sealer;
use app::domain::auth::throttle::SignInThrottle;
use app::server_fns::AppState;
use leptos::config::LeptosOptions;

pub use config::Config;
pub use error::StartupError;

/// Connects, migrates, loads the master key and builds the state, with
/// the API's key cache that the state tells about key changes.
pub async fn build_state(
    config: &Config,
    leptos_options: LeptosOptions,
) -> Result<(AppState, Arc<api::KeyCache>), StartupError> {
    let master_key = master_key::load(config)?;
    let db = db::connect(&config.database_url).await?;
    let keys = Arc::new(api::KeyCache::for_database(&db, config.key_cache_entries));
    let state = AppState {
        leptos_options,
        db,
        sealer: Arc::new(Sealer::new(&master_key)),
        sign_in_throttle: Arc::new(SignInThrottle::with_signups_per_minute(
            config.signups_per_minute,
        )),
        manual_sends: Arc::new(app::domain::webhooks::send_budget::ManualSends::new(
            config.manual_sends_per_minute,
        )),
        cookie_secure: config.cookie_secure,
        key_changes: keys.clone(),
    };
    Ok((state, keys))
}
