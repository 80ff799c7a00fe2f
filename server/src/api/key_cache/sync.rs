//! Keeping a shared cache (PostgreSQL) in step with the other instances,
//! and knowing when it is: a listener for change notifications, and a poll
//! that sends this instance's heartbeat and reads the change journal.
//!
//! The cache is trusted only while three things hold:
//! - a listening connection is up;
//! - the listener heard this instance's own heartbeat, sent less than
//!   [`TRUST_FOR`] ago. PostgreSQL delivers notifications in commit order,
//!   so hearing it proves that every change committed before it was sent
//!   has been heard too. A half-open connection (a silent partition, a
//!   failover, a pooler) never errors; it only goes quiet, and a listener
//!   that hears nothing for [`SILENT_FOR`] is replaced;
//! - the journal was read in full less than [`TRUST_FOR`] ago. When reads
//!   stopped for so long that the journal's window no longer reaches back
//!   to the last good one, the changes in between are unknown, and
//!   everything is forgotten.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use app::domain::key_changes::{CHANNEL, KeyChange};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use super::KeyCache;

/// How often an instance on PostgreSQL sends its heartbeat and reads the
/// change journal.
pub const POLL_EVERY: Duration = Duration::from_millis(250);
/// How long a heartbeat heard and a good read of the journal keep the
/// cache trusted: a change is seen by every instance within this time
/// even when its notification is lost.
pub const TRUST_FOR: Duration = Duration::from_millis(900);
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
/// Journal rows are kept this long, then pruned by any instance.
const JOURNAL_KEPT_MINUTES: i32 = 60;
/// The start of a heartbeat's payload, which is never a digest.
const HEARTBEAT: &str = "heartbeat";

/// What tells whether a shared cache is in step.
pub(super) struct InSync {
    epoch: Instant,
    listening: AtomicBool,
    /// When the last good journal read started, in ms since `epoch`; 0: never.
    read_at_ms: AtomicU64,
    /// When the latest own heartbeat heard was sent, in ms since `epoch`;
    /// 0: none heard by the current listener.
    heard_at_ms: AtomicU64,
    /// In this instance's heartbeats, so that it knows its own.
    nonce: String,
}

impl InSync {
    pub(super) fn new() -> InSync {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("the OS random source is unavailable");
        InSync {
            epoch: Instant::now(),
            listening: AtomicBool::new(false),
            read_at_ms: AtomicU64::new(0),
            heard_at_ms: AtomicU64::new(0),
            nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    pub(super) fn trusted(&self) -> bool {
        self.trusted_at(Instant::now())
    }

    fn trusted_at(&self, now: Instant) -> bool {
        let now = self.ms(now);
        let recent = |stamp: &AtomicU64| {
            let at = stamp.load(Ordering::Acquire);
            at != 0 && now.saturating_sub(at) < TRUST_FOR.as_millis() as u64
        };
        self.listening.load(Ordering::Acquire)
            && recent(&self.heard_at_ms)
            && recent(&self.read_at_ms)
    }

    /// `at` as a stamp: ms since `epoch`, plus 1 so that 0 is "never".
    fn ms(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_millis() as u64 + 1
    }

    pub(super) fn set_listening(&self, on: bool) {
        self.listening.store(on, Ordering::Release);
        if !on {
            self.heard_at_ms.store(0, Ordering::Release);
        }
    }

    pub(super) fn set_read_at(&self, at: Instant) {
        self.read_at_ms.store(self.ms(at), Ordering::Release);
    }

    /// Listening, with a journal read and an own heartbeat heard from `at`.
    #[cfg(test)]
    pub(super) fn in_step_at(&self, at: Instant) {
        self.set_listening(true);
        self.set_read_at(at);
        assert!(self.heard(&self.heartbeat(at)));
    }

    /// A heartbeat's payload, sent at `at`.
    fn heartbeat(&self, at: Instant) -> String {
        format!("{HEARTBEAT} {} {}", self.nonce, self.ms(at))
    }

    /// Takes note of a heard heartbeat; whether it is one of ours.
    fn heard(&self, payload: &str) -> bool {
        let mut words = payload.split(' ').skip(1);
        let (Some(nonce), Some(Ok(sent))) = (words.next(), words.next().map(str::parse::<u64>))
        else {
            return false;
        };
        if nonce != self.nonce {
            return false;
        }
        self.heard_at_ms.fetch_max(sent, Ordering::AcqRel);
        true
    }
}

/// Whether the journal reads so far saw every change.
#[derive(Default)]
struct Coverage {
    /// When the last good read started.
    last_read: Option<Instant>,
}

impl Coverage {
    /// Takes note of a good read of the last `window` of the journal,
    /// from `started` to `ended`; whether it and the one before overlap.
    /// Only half the window counts: a change's row is stamped before its
    /// commit, and the database's clock is not this one.
    fn read(&mut self, started: Instant, ended: Instant, window: Duration) -> bool {
        let covered = self
            .last_read
            .is_some_and(|last| ended.saturating_duration_since(last) < window / 2);
        self.last_read = Some(started);
        covered
    }
}

/// Why the sync could not talk to the database this time.
#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error(transparent)]
    Db(#[from] DbErr),
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
                send_heartbeat(&db, &sync.heartbeat(started)).await?;
                if self.hooks.journal_fails() {
                    return Err(SyncError::Hook);
                }
                Ok(read_journal(&db, window).await?)
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
                if let Err(err) = prune_journal(&db).await {
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

async fn send_heartbeat(db: &DatabaseConnection, payload: &str) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

async fn read_journal(
    db: &DatabaseConnection,
    window: Duration,
) -> Result<Vec<(i64, String)>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT id, digests FROM key_changes \
             WHERE changed_at > clock_timestamp() - $1 * interval '1 second'",
            [window.as_secs_f64().into()],
        ))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "digests")?)))
        .collect()
}

async fn prune_journal(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        format!(
            "DELETE FROM key_changes WHERE changed_at < now() - interval '{JOURNAL_KEPT_MINUTES} minutes'"
        ),
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(10);

    #[test]
    fn reads_close_together_cover_the_journal_and_a_gap_longer_than_half_its_window_does_not() {
        let mut coverage = Coverage::default();
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(!coverage.read(t0, at(5), WINDOW), "nothing read before");
        assert!(coverage.read(at(250), at(260), WINDOW));
        // A read that hung, or reads that failed, for longer than half the
        // window: whatever changed in between may be out of it.
        assert!(!coverage.read(at(600), at(5_300), WINDOW));
        assert!(coverage.read(at(5_550), at(5_560), WINDOW));
        assert!(!coverage.read(at(20_000), at(20_010), WINDOW));
        assert!(
            coverage.read(at(24_000), at(24_990), WINDOW),
            "4.99 s after"
        );
    }

    #[test]
    fn only_its_own_heartbeat_heard_recently_with_a_listener_and_a_recent_read_is_trust() {
        let sync = InSync::new();
        let other = InSync::new();
        let now = Instant::now();
        sync.set_read_at(now);
        assert!(!sync.trusted_at(now), "not listening, nothing heard");
        sync.set_listening(true);
        assert!(!sync.trusted_at(now), "nothing heard");
        assert!(!sync.heard(&other.heartbeat(now)), "another instance's");
        assert!(!sync.heard("heartbeat"));
        assert!(!sync.trusted_at(now));
        assert!(sync.heard(&sync.heartbeat(now)));
        assert!(sync.trusted_at(now));
        // What was heard or read TRUST_FOR ago proves nothing about now.
        assert!(!sync.trusted_at(now + TRUST_FOR));
        sync.set_read_at(now + TRUST_FOR);
        assert!(!sync.trusted_at(now + TRUST_FOR), "the heartbeat is old");
        assert!(sync.heard(&sync.heartbeat(now + TRUST_FOR)));
        assert!(sync.trusted_at(now + TRUST_FOR));
        // A lost listener forgets what it heard.
        sync.set_listening(false);
        sync.set_listening(true);
        assert!(!sync.trusted_at(now + TRUST_FOR));
    }
}
