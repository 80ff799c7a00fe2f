//! Configuration from the environment, with embedded defaults: SQLite and
//! the master key file under `./data`.

use std::path::PathBuf;

/// Everything the server reads from its environment (besides Leptos's own
/// `LEPTOS_*` variables). Its `Debug` hides the master key and the database
/// password, so logging a configuration cannot leak either.
#[derive(Clone)]
pub struct Config {
    /// `KEYWARD_DATA_DIR`, default `./data`.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`, default `sqlite://<data_dir>/keyward.db?mode=rwc`.
    pub database_url: String,
    /// `KEYWARD_MASTER_KEY`: base64 of 32 bytes. When unset, the key is kept
    /// in `<data_dir>/master.key`, created on first start with mode 0600.
    pub master_key: Option<String>,
    /// `KEYWARD_COOKIE_SECURE`, default on: a `Secure`, `__Host-` session
    /// cookie, as HTTPS needs. `0` turns it off for plain-HTTP local use
    /// (`make run` and the tests do).
    pub cookie_secure: bool,
    /// `KEYWARD_WEBHOOK_ALLOW_PRIVATE=1`: let webhooks go to loopback and
    /// private addresses. For tests and local development only.
    pub webhook_allow_private: bool,
    /// `KEYWARD_MAX_CONNECTIONS`, default 1024: connections served at once;
    /// one more is answered 503 and closed.
    pub max_connections: usize,
    /// `KEYWARD_MAX_CONNECTIONS_PER_CLIENT`, default 64: connections served
    /// at once from one TCP peer (an IPv6 /64), trusted proxies excepted.
    pub max_connections_per_client: usize,
    /// `KEYWARD_SIGNUPS_PER_MINUTE`, default 10: sign-ups allowed from one
    /// client address (an IPv6 /64) a minute.
    pub signups_per_minute: u32,
    /// `KEYWARD_WEBHOOK_SENDS_PER_MINUTE`, default 10: Send test event and
    /// Resend, together, per organization a minute.
    pub manual_sends_per_minute: u32,
    /// `KEYWARD_KEY_CACHE_ENTRIES`, default 100,000: verified keys kept in
    /// memory (see `api::key_cache`).
    pub key_cache_entries: u64,
    /// `KEYWARD_TRUSTED_PROXIES`: the addresses of the proxies in front,
    /// separated by commas, whose `X-Forwarded-For` names the client (see
    /// `client_address`). Empty by default: the TCP peer is the client.
    pub trusted_proxies: String,
    /// `KEYWARD_AUDIT_RETENTION_DAYS`, default 90: days audit log entries
    /// are kept (see `prune::retention_days`).
    pub audit_retention: String,
    /// `KEYWARD_DELIVERY_RETENTION_DAYS`, default 30: days finished webhook
    /// deliveries are kept (see `prune::retention_days`).
    pub delivery_retention: String,
    /// `KEYWARD_SECRET_SCANNING_KEYS`: a file of the public keys GitHub
    /// signs secret-scanning reports with (see `secret_scanning::keys`).
    /// Unset: reports are not received.
    pub secret_scanning_keys: Option<PathBuf>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &crate::db::redact(&self.database_url))
            .field(
                "master_key",
                &self.master_key.as_ref().map(|_| "<redacted>"),
            )
            .field("cookie_secure", &self.cookie_secure)
            .field("webhook_allow_private", &self.webhook_allow_private)
            .field("max_connections", &self.max_connections)
            .field(
                "max_connections_per_client",
                &self.max_connections_per_client,
            )
            .field("signups_per_minute", &self.signups_per_minute)
            .field("manual_sends_per_minute", &self.manual_sends_per_minute)
            .field("key_cache_entries", &self.key_cache_entries)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("audit_retention", &self.audit_retention)
            .field("delivery_retention", &self.delivery_retention)
            .field("secret_scanning_keys", &self.secret_scanning_keys)
            .finish()
    }
}

impl Config {
    /// The secret-scanning keys, read once at start; `None` when the
    /// variable is unset. A file that cannot be used stops the start.
    pub fn scanner_keys(
        &self,
    ) -> Result<Option<crate::secret_scanning::ScannerKeys>, crate::StartupError> {
        let Some(path) = &self.secret_scanning_keys else {
            return Ok(None);
        };
        crate::secret_scanning::ScannerKeys::load(path)
            .map(Some)
            .map_err(|reason| crate::StartupError::SecretScanningKeys {
                path: path.clone(),
                reason,
            })
    }

    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let data_dir =
            PathBuf::from(var("KEYWARD_DATA_DIR").unwrap_or_else(|| "./data".to_owned()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/keyward.db?mode=rwc", data_dir.display()));
        Config {
            data_dir,
            database_url,
            master_key: var("KEYWARD_MASTER_KEY"),
            cookie_secure: !var("KEYWARD_COOKIE_SECURE").is_some_and(|v| v == "0" || v == "false"),
            webhook_allow_private: var("KEYWARD_WEBHOOK_ALLOW_PRIVATE")
                .is_some_and(|v| v == "1" || v == "true"),
            max_connections: var("KEYWARD_MAX_CONNECTIONS")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(crate::serve::Limits::default().max_connections),
            max_connections_per_client: var("KEYWARD_MAX_CONNECTIONS_PER_CLIENT")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(crate::serve::Limits::default().max_connections_per_client),
            signups_per_minute: var("KEYWARD_SIGNUPS_PER_MINUTE")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(app::domain::auth::throttle::SIGNUPS_PER_MINUTE),
            manual_sends_per_minute: var("KEYWARD_WEBHOOK_SENDS_PER_MINUTE")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(app::domain::webhooks::send_budget::MANUAL_SENDS_PER_MINUTE),
            key_cache_entries: var("KEYWARD_KEY_CACHE_ENTRIES")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(crate::api::key_cache::DEFAULT_ENTRIES),
            trusted_proxies: var("KEYWARD_TRUSTED_PROXIES").unwrap_or_default(),
            audit_retention: var("KEYWARD_AUDIT_RETENTION_DAYS").unwrap_or_default(),
            delivery_retention: var("KEYWARD_DELIVERY_RETENTION_DAYS").unwrap_or_default(),
            secret_scanning_keys: var("KEYWARD_SECRET_SCANNING_KEYS").map(PathBuf::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_master_key_and_the_database_password() {
        let config = Config {
            data_dir: "./data".into(),
            database_url: "postgres://keyward:hunter2-db@db:5432/keyward".into(),
            master_key: Some("bWFzdGVyLWtleS1tYXRlcmlhbC0zMi1ieXRlcyEhISE=".into()),
            cookie_secure: true,
            webhook_allow_private: false,
            max_connections: 1024,
            max_connections_per_client: 64,
            signups_per_minute: 10,
            manual_sends_per_minute: 10,
            key_cache_entries: 10,
            trusted_proxies: String::new(),
            audit_retention: String::new(),
            delivery_retention: String::new(),
            secret_scanning_keys: None,
        };
        let shown = format!("{config:?} {config:#?}");
        assert!(
            !shown.contains("hunter2-db") && !shown.contains("bWFzdGVy"),
            "{shown}"
        );
        assert!(
            shown.contains("postgres://keyward:***@db:5432/keyward")
                && shown.contains("<redacted>")
        );
    }
}
