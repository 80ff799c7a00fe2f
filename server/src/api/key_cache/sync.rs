//! Keeping a shared cache (PostgreSQL) in step with the other instances:
//! a listener for change notifications, and a poll that sends this
//! instance's heartbeat and reads the change journal. What they hear and
//! read decides whether the cache is trusted (see `in_sync.rs`).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::domain::key_changes::{self, CHANNEL, KeyChange};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{DatabaseConnection, DbErr};

use super::KeyCache;
use super::in_sync::{Coverage, HEARTBEAT};

/// How often an instance on PostgreSQL sends its heartbeat and reads the
/// change journal.
pub const POLL_EVERY: Duration = Duration::from_millis(250);
/// A listener that hears nothing (no heartbeat, of this instance or any
/// other, every [`POLL_EVERY`]) for this long is dropped for a new one.
pub const SILENT_FOR: Duration = Duration::from_secs(3);
/// How far back each read of the journal looks. Changes are re-read within
/// it, so one that commits late (its row's time is before its commit) is
/// still seen; each is applied once.
pub const JOURNAL_WINDOW: Duration = Duration::from_secs(10);
/// A heartbeat and a journal read, or connecting a listener, that take
/// longer than this have failed (a half-open connection never answers).
const GIVE_UP_AFTER: Duration = Duration::from_secs(3);

/// Why the sync could not talk to the database this time.
#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Domain(#[from] app::domain::DomainError),
    #[error(transparent)]
    Listen(#[from] sea_orm::sqlx::Error),
    /// A half-open connection never answers.
    #[error("no answer within {GIVE_UP_AFTER:?}")]
    TimedOut,
    #[error("journal reads fail (a test's hook)")]
    Hook,
}

/// `step`, given up after [`GIVE_UP_AFTER`].
async fn within<T>(
    step: impl std::future::Future<Output = Result<T, SyncError>>,
) -> Result<T, SyncError> {
    tokio::time::timeout(GIVE_UP_AFTER, step)
        .await
        .map_err(|_| SyncError::TimedOut)?
}

/// Why a listener stopped.
enum Stop {
    /// The connection errored or closed.
    Lost,
    /// Nothing heard for [`SILENT_FOR`].
    Silent,
}

impl KeyCache {
    /// Keeps a shared cache in step with the other instances: listens for
    /// change notifications, and every [`POLL_EVERY`] sends a heartbeat and
    /// reads the journal. Does nothing for a local cache.
    pub fn spawn_sync(
        self: &Arc<Self>,
        db: DatabaseConnection,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        if self.in_sync().is_none() {
            return Vec::new();
        }
        vec![
            tokio::spawn(self.clone().listen(db.clone())),
            tokio::spawn(self.clone().poll(db)),
        ]
    }

    async fn listen(self: Arc<Self>, db: DatabaseConnection) {
        let Some(sync) = self.in_sync() else { return };
        let pool = db.get_postgres_connection_pool().clone();
        let mut lost_logged = false;
        loop {
            let connected = within(async {
                let mut listener = PgListener::connect_with(&pool).await?;
                listener.listen(CHANNEL).await?;
                Ok::<_, SyncError>(listener)
            });
            let mut listener = match connected.await {
                Ok(listener) => listener,
                Err(error) => {
                    if !lost_logged {
                        tracing::warn!(%error, "cannot listen for key changes; verifying every key against the database until it can");
                        lost_logged = true;
                    }
                    tokio::time::sleep(POLL_EVERY).await;
                    continue;
                }
            };
            // Whatever changed while no one listened: forget everything.
            self.forget_all();
            sync.set_listening(true);
            if lost_logged {
                tracing::info!("listening for key changes again");
            }
            let stop = self.hear(&mut listener).await;
            sync.set_listening(false);
            self.forget_all();
            match stop {
                Stop::Lost => tracing::warn!(
                    "lost the connection that listens for key changes; verifying every key against the database until it is back"
                ),
                Stop::Silent => tracing::warn!(
                    "the connection that listens for key changes went silent; verifying every key against the database while it is replaced"
                ),
            }
            lost_logged = true;
        }
    }

    /// Applies what `listener` hears until it errors or goes silent.
    async fn hear(&self, listener: &mut PgListener) -> Stop {
        let Some(sync) = self.in_sync() else {
            return Stop::Lost;
        };
        let mut last_heard = Instant::now();
        let mut stalled = false;
        loop {
            let next =
                tokio::time::timeout_at((last_heard + SILENT_FOR).into(), listener.try_recv());
            let notification = match next.await {
                Err(_) => return Stop::Silent,
                // Ok(None) or an error: the connection is gone.
                Ok(Ok(None) | Err(_)) => return Stop::Lost,
                Ok(Ok(Some(notification))) => notification,
            };
            stalled |= self.hooks.take_stall();
            if stalled {
                continue;
            }
            last_heard = Instant::now();
            let payload = notification.payload();
            if payload.starts_with(HEARTBEAT) {
                sync.heard(payload);
            } else if !self.hooks.key_notifications_lost() {
                self.forget(&KeyChange::digests_of(payload));
            }
        }
    }

    async fn poll(self: Arc<Self>, db: DatabaseConnection) {
        let Some(sync) = self.in_sync() else { return };
        let mut tick = tokio::time::interval(POLL_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut applied: HashSet<i64> = HashSet::new();
        let mut coverage = Coverage::default();
        let mut failing = false;
        let mut last_prune = Instant::now();
        loop {
            tick.tick().await;
            let started = Instant::now();
            let window = self.hooks.journal_window(JOURNAL_WINDOW);
            let round = within(async {
                key_changes::notify(&db, &sync.heartbeat(started)).await?;
                if self.hooks.journal_fails() {
                    return Err(SyncError::Hook);
                }
                Ok(key_changes::read_journal(&db, window).await?)
            });
            match round.await {
                Ok(rows) => {
                    if coverage.read(started, Instant::now(), window) {
                        self.apply(&mut applied, rows);
                    } else {
                        // Changes since the last good read may have left
                        // the window unseen.
                        self.forget_all();
                        applied = rows.into_iter().map(|(id, _)| id).collect();
                    }
                    sync.set_read_at(started);
                    if failing {
                        tracing::info!("reading key changes again");
                        failing = false;
                    }
                }
                Err(error) => {
                    if !failing {
                        tracing::warn!(%error, "cannot read key changes; verifying every key against the database until it can");
                        failing = true;
                    }
                }
            }
            if last_prune.elapsed() > Duration::from_secs(60) {
                last_prune = Instant::now();
                if let Err(err) = key_changes::prune_journal(&db).await {
                    tracing::warn!(error = %err, "cannot prune key changes");
                }
            }
        }
    }

    /// Forgets the keys of journal rows not applied before.
    fn apply(&self, applied: &mut HashSet<i64>, rows: Vec<(i64, String)>) {
        let mut seen = HashSet::with_capacity(rows.len());
        for (id, digests) in rows {
            if !applied.contains(&id) {
                self.forget(&KeyChange::digests_of(&digests));
            }
            seen.insert(id);
        }
        *applied = seen;
    }
}
