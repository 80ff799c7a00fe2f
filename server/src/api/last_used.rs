//! `last_used_at` and the per-day usage counts without a database write per
//! request: uses are collected in memory and written in batches by a
//! background task (and at shutdown). Memory holds one entry per key (and
//! per key, day and permission for usage) between two flushes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::permissions::Requirement;
use app::ssr::OrgId;
use app::ssr::entities::api_key::{Column, Entity as ApiKey};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct UsageKey {
    key_id: i64,
    org: i64,
    day: NaiveDate,
    /// `None` for routes any key may call.
    need: Option<Requirement>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    requests: u64,
    refused: u64,
}

impl LastUsed {
    /// Records a request of `key_id` that needed `need`: it is counted
    /// either way, and it is the key's last use unless it was refused (403).
    pub fn record(&self, key_id: i64, org: OrgId, need: Option<Requirement>, refused: bool) {
        let now = Utc::now();
        let key = UsageKey {
            key_id,
            org: org.0,
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

    /// Writes what has been collected (the usage counts, then the last-use
    /// times); returns how many keys' last use it updated. A batch that
    /// cannot be written goes back, merged with the uses collected
    /// meanwhile (counts added, the later time winning), for the next flush.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<usize, sea_orm::DbErr> {
        let batch = std::mem::take(&mut *self.pending.lock().expect("last-used lock"));
        let last_used: Vec<_> = batch.last_used.iter().map(|(id, at)| (*id, *at)).collect();
        if !batch.usage.is_empty()
            && let Err(err) = record_usage(db, &batch.usage).await
        {
            self.put_back(batch);
            return Err(err);
        }
        // The counts are in (one transaction): only the times may go back,
        // or the next flush would count them twice.
        if let Err(err) = record_last_used(db, &last_used).await {
            self.put_back(Pending {
                last_used: batch.last_used,
                usage: HashMap::new(),
            });
            return Err(err);
        }
        Ok(last_used.len())
    }

    fn put_back(&self, batch: Pending) {
        let mut pending = self.pending.lock().expect("last-used lock");
        for (id, at) in batch.last_used {
            let slot = pending.last_used.entry(id).or_insert(at);
            *slot = (*slot).max(at);
        }
        for (key, counts) in batch.usage {
            let slot = pending.usage.entry(key).or_default();
            slot.requests += counts.requests;
            slot.refused += counts.refused;
        }
    }

    /// How many keys have uses waiting to be written.
    pub fn pending(&self) -> usize {
        self.pending.lock().expect("last-used lock").last_used.len()
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
                    match prune_usage(&db, today).await {
                        Ok(()) => pruned_for = Some(today),
                        Err(err) => tracing::warn!(error = %err, "could not prune key usage"),
                    }
                }
            }
        })
    }
}

/// Writes a batch of last-use times; keys deleted meanwhile are skipped.
async fn record_last_used(
    db: &impl ConnectionTrait,
    uses: &[(i64, chrono::DateTime<Utc>)],
) -> Result<(), sea_orm::DbErr> {
    for (id, at) in uses {
        ApiKey::update_many()
            .col_expr(Column::LastUsedAt, Expr::value(*at))
            .filter(Column::Id.eq(*id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Adds each count to its row (key, day, need), creating it if needed, in
/// one transaction: a batch is recorded whole or not at all, so a retry
/// cannot count twice.
async fn record_usage(
    db: &DatabaseConnection,
    batch: &HashMap<UsageKey, Counts>,
) -> Result<(), sea_orm::DbErr> {
    use app::ssr::entities::key_usage::{ActiveModel, Column, Entity as KeyUsage};
    use sea_orm::sea_query::{Alias, ExprTrait, OnConflict};
    use sea_orm::{ActiveValue::Set, TransactionTrait};
    let added = |column: Column| {
        Expr::col((KeyUsage, column)).add(Expr::col((Alias::new("excluded"), column)))
    };
    let txn = db.begin().await?;
    for (key, counts) in batch {
        KeyUsage::insert(ActiveModel {
            api_key_id: Set(key.key_id),
            organization_id: Set(key.org),
            day: Set(app::keys::iso_day(key.day)),
            need: Set(key.need.map(Requirement::slug).unwrap_or_default()),
            requests: Set(counts.requests as i64),
            refused: Set(counts.refused as i64),
        })
        .on_conflict(
            OnConflict::columns([Column::ApiKeyId, Column::Day, Column::Need])
                .value(Column::Requests, added(Column::Requests))
                .value(Column::Refused, added(Column::Refused))
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    }
    txn.commit().await
}

/// Deletes usage from before the `USAGE_DAYS` days that end `today`.
pub async fn prune_usage(db: &DatabaseConnection, today: NaiveDate) -> Result<(), sea_orm::DbErr> {
    use app::ssr::entities::key_usage::{Column, Entity as KeyUsage};
    let first = today - chrono::Duration::days(app::keys::USAGE_DAYS as i64 - 1);
    KeyUsage::delete_many()
        .filter(Column::Day.lt(app::keys::iso_day(first)))
        .exec(db)
        .await?;
    Ok(())
}
