//! Announcing changes that can narrow a key, so that whatever verified its
//! secrets before (the API's key cache, on this instance and on every other
//! one) forgets them.
//!
//! A change is recorded inside the transaction that makes it: on
//! PostgreSQL as a `key_changes` row and a `NOTIFY` on [`CHANNEL`], both
//! of which exist exactly when the change commits. After the commit, the
//! instance that made it also tells its own cache directly
//! ([`KeyChangeSink`]), so its next request sees the change without waiting
//! for its own notification; [`commit_and_tell`] does both, whatever
//! happens to the request meanwhile.
//!
//! The other side, for the key cache of each instance: [`notify`] (its
//! heartbeat on the channel), [`read_journal`] and [`prune_journal`].

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, Statement};

use crate::domain::DomainError;
use crate::domain::keys::secret::SecretDigest;

/// The PostgreSQL notification channel of key changes; the payload is the
/// changed key's digests, hex, separated by spaces.
pub const CHANNEL: &str = "keyward_key_changes";

/// A change to one key: the digests of every secret of it that may have
/// been verified (and cached) before the change.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyChange {
    pub key_id: i64,
    pub digests: Vec<SecretDigest>,
}

impl KeyChange {
    /// The key's current digest and, if it has one, its previous one.
    pub fn of(key_id: i64, current: &str, previous: Option<&str>) -> KeyChange {
        KeyChange {
            key_id,
            digests: std::iter::once(current)
                .chain(previous)
                .filter_map(SecretDigest::from_hex)
                .collect(),
        }
    }

    /// The notification payload and `key_changes.digests` text.
    pub fn payload(&self) -> String {
        self.digests
            .iter()
            .map(SecretDigest::to_hex)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The digests of a payload; anything that is not a digest is skipped.
    pub fn digests_of(payload: &str) -> Vec<SecretDigest> {
        payload
            .split_whitespace()
            .filter_map(SecretDigest::from_hex)
            .collect()
    }
}

impl std::fmt::Debug for KeyChange {
    // A digest is not a secret, but it is what a secret is looked up by:
    // logs get the key id only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyChange")
            .field("key_id", &self.key_id)
            .field("digests", &self.digests.len())
            .finish()
    }
}

/// Told, after a commit, about a change made on this instance.
pub trait KeyChangeSink: Send + Sync {
    fn key_changed(&self, change: &KeyChange);
}

/// Commits `txn`, which made `change`, then tells `sink`, in a task of its
/// own: the request that made the change may be dropped at any await (its
/// client gone, a timeout), also during the commit, when no one knows
/// whether it committed, and on SQLite nothing else would ever tell the
/// cache. The task sees the commit through and tells the sink however it
/// ends, also when it failed (it may have committed all the same):
/// forgetting a key that did not change costs one database read.
pub async fn commit_and_tell(
    txn: DatabaseTransaction,
    sink: &Arc<dyn KeyChangeSink>,
    change: &KeyChange,
) -> Result<(), DomainError> {
    let tell = TellOnDrop {
        sink: sink.clone(),
        change: change.clone(),
    };
    let committing = tokio::spawn(async move {
        let _tell = tell;
        txn.commit().await
    });
    match committing.await {
        Ok(committed) => Ok(committed?),
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => Err(DomainError::Broken(
            "the commit's task was cancelled (shutting down)".to_owned(),
        )),
    }
}

/// Tells its sink about its change when dropped: when the commit's task
/// ends, however it ends (returns, panics, or is dropped unpolled at
/// shutdown).
struct TellOnDrop {
    sink: Arc<dyn KeyChangeSink>,
    change: KeyChange,
}

impl Drop for TellOnDrop {
    fn drop(&mut self) {
        self.sink.key_changed(&self.change);
    }
}

/// Records `change` in the transaction `txn` that makes it. On SQLite, one
/// instance serves the database, and its own cache is told directly.
pub async fn record(txn: &impl ConnectionTrait, change: &KeyChange) -> Result<(), DomainError> {
    if txn.get_database_backend() != DatabaseBackend::Postgres || change.digests.is_empty() {
        return Ok(());
    }
    let payload = change.payload();
    // clock_timestamp(), not now(): the row's time is close to the commit,
    // which is what an instance reading the last seconds of changes needs.
    txn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "INSERT INTO key_changes (api_key_id, digests, changed_at) VALUES ($1, $2, clock_timestamp())",
        [change.key_id.into(), payload.clone().into()],
    ))
    .await?;
    notify(txn, &payload).await
}

/// Journal rows are kept this long, then pruned by any instance.
pub const JOURNAL_KEPT_MINUTES: i32 = 60;

/// Sends `payload` on [`CHANNEL`] (PostgreSQL). Listeners hear
/// notifications in commit order, so an instance that hears its own
/// heartbeat has heard every change committed before it.
pub async fn notify(db: &impl ConnectionTrait, payload: &str) -> Result<(), DomainError> {
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// The journal's rows of the last `window` (PostgreSQL): each row's id
/// and its [`KeyChange::payload`].
pub async fn read_journal(
    db: &impl ConnectionTrait,
    window: std::time::Duration,
) -> Result<Vec<(i64, String)>, DomainError> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT id, digests FROM key_changes \
             WHERE changed_at > clock_timestamp() - $1 * interval '1 second'",
            [window.as_secs_f64().into()],
        ))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "digests")?)))
        .collect()
}

/// Deletes the journal's rows older than [`JOURNAL_KEPT_MINUTES`]
/// (PostgreSQL).
pub async fn prune_journal(db: &impl ConnectionTrait) -> Result<(), DomainError> {
    db.execute_raw(Statement::from_string(
        DatabaseBackend::Postgres,
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

    #[test]
    fn a_payload_carries_the_digests_of_both_secrets_and_nothing_else() {
        let current = "ab".repeat(32);
        let previous = "cd".repeat(32);
        let change = KeyChange::of(7, &current, Some(&previous));
        assert_eq!(change.payload(), format!("{current} {previous}"));
        assert!(KeyChange::digests_of(&change.payload()) == change.digests);
        assert_eq!(
            KeyChange::digests_of("not-a-digest  ").len(),
            0,
            "junk in a payload is skipped"
        );
        assert!(!format!("{change:?}").contains(&current));
    }
}
