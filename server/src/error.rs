use std::path::PathBuf;

/// Why the server could not start. Printed as one line, without a backtrace.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read or create the master key file {path}: {source}")]
    MasterKeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the master key {origin} is not 32 bytes of standard base64 (create one with `openssl rand -base64 32`)"
    )]
    MasterKeyFormat { origin: String },
    #[error("cannot open the database at {url}: {source}")]
    Database { url: String, source: sea_orm::DbErr },
    #[error("cannot migrate the database: {0}")]
    Migration(sea_orm::DbErr),
    #[error("cannot take the migration lock: {0}")]
    MigrationLock(sea_orm::sqlx::Error),
    #[error(
        "KEYWARD_TRUSTED_PROXIES holds {0:?}, which is not an IP address (list addresses separated by commas)"
    )]
    TrustedProxy(String),
    #[error(
        "KEYWARD_AUDIT_RETENTION_DAYS holds {0:?}; give the days to keep audit log entries, from 1 to 3660"
    )]
    AuditRetention(String),
    #[error(
        "KEYWARD_DELIVERY_RETENTION_DAYS holds {0:?}; give the days to keep finished webhook deliveries, from 1 to 3660"
    )]
    DeliveryRetention(String),
    #[error("KEYWARD_SECRET_SCANNING_KEYS names {path}, which cannot be used: {reason}")]
    SecretScanningKeys { path: PathBuf, reason: String },
    #[error("invalid Leptos configuration: {0}")]
    Leptos(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}
