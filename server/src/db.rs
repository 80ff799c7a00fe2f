//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::StartupError;

/// Connections to a SQLite file: readers in parallel, one writer at a time.
const SQLITE_CONNECTIONS: u32 = 8;

pub async fn connect(url: &str) -> Result<DatabaseConnection, StartupError> {
    if let Some(path) = sqlite_file(url)
        && let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| StartupError::DataDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    // Statements are not worth logging at info, and parameters never are.
    options.sqlx_logging(false);
    // Fail start-up within seconds when the database is unreachable,
    // rather than after the pool's default 30 s.
    options.connect_timeout(std::time::Duration::from_secs(5));
    if sqlite_file(url).is_some() {
        // SeaORM gives SQLite a single pooled connection by default, which
        // queues every request behind one another. WAL lets readers run
        // beside the one writer; writers wait for each other (busy timeout).
        options.max_connections(SQLITE_CONNECTIONS);
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(10))
        });
    }
    let db = Database::connect(options)
        .await
        .map_err(|source| StartupError::Database {
            url: redact(url),
            source,
        })?;
    migrate(&db).await?;
    Ok(db)
}

/// Any number of instances may start at once on one database. On
/// PostgreSQL they take turns: each migrates under an advisory lock held by
/// one connection for the whole run (and released by the server if the
/// process dies), so the first creates the schema and the others find it
/// done. SQLite is one machine's file, with one writer at a time already.
async fn migrate(db: &DatabaseConnection) -> Result<(), StartupError> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Migrator::up(db, None)
            .await
            .map_err(StartupError::Migration);
    }
    let pool = db.get_postgres_connection_pool();
    let mut holder = pool.acquire().await.map_err(StartupError::MigrationLock)?;
    let lock = |sql: &'static str| sea_orm::sqlx::query(sql).bind(MIGRATION_LOCK);
    lock("SELECT pg_advisory_lock($1)")
        .execute(&mut *holder)
        .await
        .map_err(StartupError::MigrationLock)?;
    let migrated = Migrator::up(db, None)
        .await
        .map_err(StartupError::Migration);
    // Released whatever happened; the session's end would release it too.
    let _ = lock("SELECT pg_advisory_unlock($1)")
        .execute(&mut *holder)
        .await;
    migrated
}

/// The advisory lock key instances migrate under: "keyward" in ASCII.
const MIGRATION_LOCK: i64 = i64::from_be_bytes(*b"\0keyward");

/// The file path of a `sqlite://` URL, if it names a file.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// The URL without a password, for error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_are_found() {
        assert_eq!(
            sqlite_file("sqlite://./data/k.db?mode=rwc"),
            Some("./data/k.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x@y/z"), None);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("sqlite://./data/k.db"), "sqlite://./data/k.db");
    }
}
