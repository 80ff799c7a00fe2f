//! `last_used_at` without a database write per request: uses are collected
//! in memory and written in batches by a background task (and at shutdown).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::ssr::entities::api_key::{Column, Entity as ApiKey};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

#[derive(Default)]
pub struct LastUsed {
    pending: Mutex<HashMap<i64, DateTime<Utc>>>,
}

impl LastUsed {
    pub fn touch(&self, key_id: i64) {
        self.pending
            .lock()
            .expect("last-used lock")
            .insert(key_id, Utc::now());
    }

    /// Writes what has been collected; returns how many keys it updated.
    /// A batch that cannot be written goes back, merged with the uses
    /// collected meanwhile (the later time wins), for the next flush.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<usize, sea_orm::DbErr> {
        let batch: Vec<_> = std::mem::take(&mut *self.pending.lock().expect("last-used lock"))
            .into_iter()
            .collect();
        if batch.is_empty() {
            return Ok(0);
        }
        if let Err(err) = record_last_used(db, &batch).await {
            let mut pending = self.pending.lock().expect("last-used lock");
            for (id, at) in batch {
                let slot = pending.entry(id).or_insert(at);
                *slot = (*slot).max(at);
            }
            return Err(err);
        }
        Ok(batch.len())
    }

    /// How many keys have uses waiting to be written.
    pub fn pending(&self) -> usize {
        self.pending.lock().expect("last-used lock").len()
    }

    pub fn spawn_flusher(
        self: Arc<Self>,
        db: DatabaseConnection,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(err) = self.flush(&db).await {
                    tracing::warn!(error = %err, "could not record key use; will retry");
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
