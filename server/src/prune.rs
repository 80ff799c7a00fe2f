//! Deleting rows that nothing reads any more: sessions past their idle or
//! absolute expiry, invitations past theirs, and webhook deliveries and audit log entries past their
//! retention. Every instance runs a pass at start-up and then every
//! `PRUNE_EVERY`. Each table's delete is one statement by age, so passes on
//! several instances at once (on one PostgreSQL) delete each row once and
//! fail nothing; a row already gone is simply not counted.

use std::time::Duration;

use app::domain::DomainError;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::{Config, StartupError};

/// Rate-limit budgets of this many minutes before the current one stay,
/// so that an instance whose clock is a little ahead never deletes a
/// minute another is still spending.
pub const RATE_WINDOWS_KEPT_MINUTES: i64 = 5;

/// How often a pass runs on each instance.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);
/// The longest retention either `*_RETENTION_DAYS` variable accepts (10
/// years).
pub const MAX_RETENTION_DAYS: u32 = 3660;

/// How long rows past their use are kept, in whole days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// `KEYWARD_AUDIT_RETENTION_DAYS`, default 90.
    pub audit_days: u32,
    /// `KEYWARD_DELIVERY_RETENTION_DAYS`, default 30.
    pub delivery_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            audit_days: app::model::audit::DEFAULT_RETENTION_DAYS,
            delivery_days: app::domain::webhooks::retention::DEFAULT_RETENTION_DAYS,
        }
    }
}

impl Retention {
    /// From the configuration; a malformed value is a start-up error that
    /// names its variable.
    pub fn from_config(config: &Config) -> Result<Retention, StartupError> {
        let defaults = Retention::default();
        Ok(Retention {
            audit_days: retention_days(&config.audit_retention, defaults.audit_days)
                .map_err(StartupError::AuditRetention)?,
            delivery_days: retention_days(&config.delivery_retention, defaults.delivery_days)
                .map_err(StartupError::DeliveryRetention)?,
        })
    }
}

/// A retention variable: empty for `default`, else whole days from 1 to
/// `MAX_RETENTION_DAYS`. The refused text comes back as the error.
pub fn retention_days(raw: &str, default: u32) -> Result<u32, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(default);
    }
    raw.parse::<u32>()
        .ok()
        .filter(|days| (1..=MAX_RETENTION_DAYS).contains(days))
        .ok_or_else(|| raw.to_owned())
}

/// What one pass deleted, per table. A table whose delete failed says why,
/// and did not stop the others.
#[derive(Debug)]
pub struct Pruned {
    pub sessions: Result<u64, DomainError>,
    pub deliveries: Result<u64, DomainError>,
    pub audit_entries: Result<u64, DomainError>,
    pub invitations: Result<u64, DomainError>,
    pub rate_windows: Result<u64, DomainError>,
}

/// One pass at `now`: each table's rows past their expiry or retention go.
pub async fn prune_once(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    retention: Retention,
) -> Pruned {
    Pruned {
        sessions: app::domain::auth::session::delete_expired(db, now).await,
        deliveries: app::domain::webhooks::retention::prune(db, now, retention.delivery_days).await,
        audit_entries: app::domain::audit::store::prune(db, now, retention.audit_days).await,
        invitations: app::domain::teams::invitations::delete_expired(db, now).await,
        // Minutes well before the current one (by this clock, which may
        // be a little off the database's): nothing takes from them.
        rate_windows: app::domain::keys::rate::prune(
            db,
            now.timestamp().div_euclid(60) - RATE_WINDOWS_KEPT_MINUTES,
        )
        .await,
    }
}

impl Pruned {
    /// One line per table that lost rows, or could not be pruned.
    fn log(&self) {
        for (table, result) in [
            ("sessions", &self.sessions),
            ("webhook_deliveries", &self.deliveries),
            ("audit_log", &self.audit_entries),
            ("invitations", &self.invitations),
            ("rate_windows", &self.rate_windows),
        ] {
            match result {
                Ok(0) => {}
                Ok(rows) => tracing::info!(table, rows, "rows past their expiry deleted"),
                Err(err) => tracing::warn!(table, error = %err, "could not prune"),
            }
        }
    }
}

/// Runs a pass now and then every `PRUNE_EVERY`, until aborted.
pub fn spawn(db: DatabaseConnection, retention: Retention) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PRUNE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            prune_once(&db, Utc::now(), retention).await.log();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_whole_days_within_bounds() {
        assert_eq!(retention_days("", 90), Ok(90));
        assert_eq!(retention_days(" 30 ", 90), Ok(30));
        assert_eq!(retention_days("3660", 90), Ok(3660));
        for bad in ["0", "-1", "3661", "ninety", "1.5"] {
            assert_eq!(retention_days(bad, 90), Err(bad.to_owned()), "{bad}");
        }
    }

    #[test]
    fn each_variable_is_read_with_its_default_and_named_in_its_error() {
        let config = |audit: &str, delivery: &str| Config {
            audit_retention: audit.to_owned(),
            delivery_retention: delivery.to_owned(),
            ..Config::from_env()
        };
        assert_eq!(
            Retention::from_config(&config("", "")).unwrap(),
            Retention {
                audit_days: 90,
                delivery_days: 30
            }
        );
        assert_eq!(
            Retention::from_config(&config("7", "14")).unwrap(),
            Retention {
                audit_days: 7,
                delivery_days: 14
            }
        );
        let refused = Retention::from_config(&config("", "thirty"))
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("KEYWARD_DELIVERY_RETENTION_DAYS holds \"thirty\"")
                && refused.contains("from 1 to 3660"),
            "{refused}"
        );
        let refused = Retention::from_config(&config("0", "")).unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("KEYWARD_AUDIT_RETENTION_DAYS"),
            "{refused}"
        );
    }
}
