use std::process::ExitCode;

use leptos::config::get_configuration;
use server::{Config, StartupError, build_state, routes};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("keyward: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), StartupError> {
    let mut leptos = get_configuration(None)
        .map_err(|e| StartupError::Leptos(e.to_string()))?
        .leptos_options;
    server::assets::detect_hashed_files(&mut leptos);
    let addr = leptos.site_addr;
    let config = Config::from_env();
    // Every setting is checked before anything starts.
    let trusted = server::client_address::TrustedProxies::parse(&config.trusted_proxies)
        .map_err(StartupError::TrustedProxy)?;
    let retention = server::prune::Retention::from_config(&config)?;
    let scanner_keys = config.scanner_keys()?.map(std::sync::Arc::new);
    let (state, keys) = build_state(&config, leptos).await?;
    let db = state.db.clone();
    // On PostgreSQL: follow the key changes other instances make.
    let key_sync = keys.spawn_sync(db.clone());
    let last_used = std::sync::Arc::new(server::api::LastUsed::default());
    let flusher = last_used
        .clone()
        .spawn_flusher(db.clone(), std::time::Duration::from_secs(5));
    let deliveries = server::webhooks::DeliveryWorker::new(
        db.clone(),
        state.sealer.clone(),
        config.webhook_allow_private,
    )
    .spawn(std::time::Duration::from_millis(500));
    // Sign-in throttle entries whose minute has passed are dropped, so its
    // memory follows the attempts of the last minute only.
    let (throttle, manual_sends) = (state.sign_in_throttle.clone(), state.manual_sends.clone());
    let pruner = tokio::spawn(async move {
        let mut tick = tokio::time::interval(app::domain::auth::throttle::PRUNE_EVERY);
        loop {
            tick.tick().await;
            throttle.prune();
            manual_sends.prune();
        }
    });
    // Expired sessions, and deliveries and audit entries past retention.
    let row_pruner = server::prune::spawn(db.clone(), retention);
    // `key_expiring` and `key_expired` webhook events.
    let notices = server::key_notices::spawn(db.clone());
    let app = routes::router_with_scanning(state, last_used.clone(), keys, scanner_keys).layer(
        axum::middleware::from_fn_with_state(trusted.clone(), server::client_address::resolve),
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Listen { addr, source })?;
    tracing::info!("listening on http://{addr}");
    let limits = server::serve::Limits {
        max_connections: config.max_connections,
        max_connections_per_client: config.max_connections_per_client,
        // Their connections carry many clients: the proxy limits those.
        uncapped_peers: trusted,
        ..Default::default()
    };
    let served = server::serve::serve(listener, app, limits, shutdown_signal())
        .await
        .map_err(|source| StartupError::Listen { addr, source });
    // Record the last uses collected since the last batch.
    flusher.abort();
    pruner.abort();
    row_pruner.abort();
    notices.abort();
    key_sync.iter().for_each(tokio::task::JoinHandle::abort);
    // Deliveries in flight keep their lease and are retried after it ends.
    deliveries.abort();
    if let Err(err) = last_used.flush(&db).await {
        tracing::warn!(error = %err, "could not record the last key uses at shutdown");
    }
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
