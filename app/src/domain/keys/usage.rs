//! What the API records of each key's use: its last use, and its requests
//! and refusals per day and permission, written in batches by the server
//! (`server::api::last_used`) and read back by the list (`store::read`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::DomainError;
use crate::domain::OrgId;
use crate::domain::entities::api_key::{Column, Entity as ApiKey};
use crate::model::permissions::Requirement;

/// One row of counts: a key's requests on a day that needed `need`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UsageKey {
    pub key_id: i64,
    pub org: OrgId,
    pub day: NaiveDate,
    /// `None` for routes any key may call.
    pub need: Option<Requirement>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    pub requests: u64,
    pub refused: u64,
}

/// Writes a batch of last-use times; keys deleted meanwhile are skipped.
pub async fn record_last_used(
    db: &impl ConnectionTrait,
    uses: &[(i64, DateTime<Utc>)],
) -> Result<(), DomainError> {
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
pub async fn record_usage(
    db: &DatabaseConnection,
    batch: &HashMap<UsageKey, Counts>,
) -> Result<(), DomainError> {
    use crate::domain::entities::key_usage::{ActiveModel, Column, Entity as KeyUsage};
    use sea_orm::sea_query::{Alias, ExprTrait, OnConflict};
    use sea_orm::{ActiveValue::Set, TransactionTrait};
    let added = |column: Column| {
        Expr::col((KeyUsage, column)).add(Expr::col((Alias::new("excluded"), column)))
    };
    let txn = db.begin().await?;
    for (key, counts) in batch {
        KeyUsage::insert(ActiveModel {
            api_key_id: Set(key.key_id),
            organization_id: Set(key.org.0),
            day: Set(crate::model::dates::iso_day(key.day)),
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
    Ok(txn.commit().await?)
}

/// Deletes usage from before the `USAGE_DAYS` days that end `today`.
pub async fn prune_usage(db: &DatabaseConnection, today: NaiveDate) -> Result<(), DomainError> {
    use crate::domain::entities::key_usage::{Column, Entity as KeyUsage};
    let first = today - chrono::Duration::days(crate::model::keys::USAGE_DAYS as i64 - 1);
    KeyUsage::delete_many()
        .filter(Column::Day.lt(crate::model::dates::iso_day(first)))
        .exec(db)
        .await?;
    Ok(())
}
