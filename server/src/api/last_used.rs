//! `last_used_at` and the per-day usage counts without a database write per
//! request: uses are collected in memory and written in batches by a
//! background task (and at shutdown). Memory holds one entry per key (and
//! per key, day and permission for usage) between two flushes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::domain::keys::usage::{Counts, UsageKey, prune_usage, record_last_used, record_usage};
use app::domain::public_keys::usage::{self as public_usage, PublicUse};
use app::domain::{DomainError, OrgId};
use app::model::permissions::Requirement;
use app::model::public_keys::PublicKeyId;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

/// Uses collected since the last flush, under one lock, so that a request
/// takes it once.
#[derive(Default)]
pub struct LastUsed {
    pending: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    last_used: HashMap<i64, DateTime<Utc>>,
    usage: HashMap<UsageKey, Counts>,
    /// The same for public keys.
    public_last_used: HashMap<PublicKeyId, DateTime<Utc>>,
    public_usage: HashMap<PublicUse, Counts>,
}

impl LastUsed {
    /// Records a request of `key_id` that needed `need`: it is counted
    /// either way, and it is the key's last use unless it was refused (403).
    pub fn record(&self, key_id: i64, org: OrgId, need: Option<Requirement>, refused: bool) {
        let now = Utc::now();
        let key = UsageKey {
            key_id,
            org,
            day: now.date_naive(),
            need,
        };
        let mut pending = self.pending.lock().expect("last-used lock");
        let counts = pending.usage.entry(key).or_default();
        counts.requests += 1;
        counts.refused += u64::from(refused);
        if !refused {
            pending.last_used.insert(key_id, now);
        }
    }

    /// Records a web call asked with public key `key`, as `record` does.
    pub fn record_public(&self, key: PublicKeyId, org: OrgId, refused: bool) {
        let now = Utc::now();
        let used = PublicUse {
            key,
            org,
            day: now.date_naive(),
        };
        let mut pending = self.pending.lock().expect("last-used lock");
        let counts = pending.public_usage.entry(used).or_default();
        counts.requests += 1;
        counts.refused += u64::from(refused);
        if !refused {
            pending.public_last_used.insert(key, now);
        }
    }

    /// Writes what has been collected (the usage counts, then the last-use
    /// times); returns how many keys' last use it updated. A batch that
    /// cannot be written goes back, merged with the uses collected
    /// meanwhile (counts added, the later time winning), for the next flush.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<usize, DomainError> {
        let mut batch = std::mem::take(&mut *self.pending.lock().expect("last-used lock"));
        // Each set of counts is one transaction: once written, it leaves
        // the batch, so that what goes back is only what was not written.
        if !batch.usage.is_empty() {
            if let Err(err) = record_usage(db, &batch.usage).await {
                self.put_back(batch);
                return Err(err);
            }
            batch.usage.clear();
        }
        if !batch.public_usage.is_empty() {
            if let Err(err) = public_usage::record(db, &batch.public_usage).await {
                self.put_back(batch);
                return Err(err);
            }
            batch.public_usage.clear();
        }
        let last_used: Vec<_> = batch.last_used.iter().map(|(id, at)| (*id, *at)).collect();
        let public_last_used: Vec<_> = batch
            .public_last_used
            .iter()
            .map(|(id, at)| (*id, *at))
            .collect();
        let times = async {
            record_last_used(db, &last_used).await?;
            public_usage::record_last_used(db, &public_last_used).await
        };
        if let Err(err) = times.await {
            self.put_back(batch);
            return Err(err);
        }
        Ok(last_used.len() + public_last_used.len())
    }

    fn put_back(&self, batch: Pending) {
        let mut pending = self.pending.lock().expect("last-used lock");
        for (id, at) in batch.last_used {
            let slot = pending.last_used.entry(id).or_insert(at);
            *slot = (*slot).max(at);
        }
        for (id, at) in batch.public_last_used {
            let slot = pending.public_last_used.entry(id).or_insert(at);
            *slot = (*slot).max(at);
        }
        for (key, counts) in batch.usage {
            let slot = pending.usage.entry(key).or_default();
            slot.requests += counts.requests;
            slot.refused += counts.refused;
        }
        for (key, counts) in batch.public_usage {
            let slot = pending.public_usage.entry(key).or_default();
            slot.requests += counts.requests;
            slot.refused += counts.refused;
        }
    }

    /// How many keys (API keys and public keys) have uses waiting to be
    /// written.
    pub fn pending(&self) -> usize {
        let pending = self.pending.lock().expect("last-used lock");
        pending.last_used.len() + pending.public_last_used.len()
    }

    pub fn spawn_flusher(
        self: Arc<Self>,
        db: DatabaseConnection,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            let mut pruned_for = None;
            loop {
                tick.tick().await;
                if let Err(err) = self.flush(&db).await {
                    tracing::warn!(error = %err, "could not record key use; will retry");
                }
                // Once a day: usage older than the page shows goes.
                let today = Utc::now().date_naive();
                if pruned_for != Some(today) {
                    let pruned = async {
                        prune_usage(&db, today).await?;
                        public_usage::prune(&db, today).await
                    };
                    match pruned.await {
                        Ok(()) => pruned_for = Some(today),
                        Err(err) => tracing::warn!(error = %err, "could not prune key usage"),
                    }
                }
            }
        })
    }
}
