//! What the API records of each public key's use, as `keys::usage` does
//! for API keys: its last use, and its web calls and refusals per day,
//! written in batches by the server (`server::api::last_used`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

use crate::domain::entities::public_key;
use crate::domain::entities::public_key_usage::{ActiveModel, Column, Entity as Usage};
use crate::domain::keys::usage::Counts;
use crate::domain::{DomainError, OrgId};
use crate::model::dates::{iso_day, parse_iso_date};
use crate::model::keys::USAGE_DAYS;
use crate::model::public_keys::PublicKeyId;

/// One row of counts: a key's web calls on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PublicUse {
    pub key: PublicKeyId,
    pub org: OrgId,
    pub day: NaiveDate,
}

/// A key without use: `USAGE_DAYS` zeros, nothing refused.
pub fn none() -> (Vec<u64>, u64) {
    (vec![0; USAGE_DAYS], 0)
}

/// Adds each count to its row, in one transaction, as `record_usage` does.
pub async fn record(
    db: &DatabaseConnection,
    batch: &HashMap<PublicUse, Counts>,
) -> Result<(), DomainError> {
    let added = |column: Column| {
        Expr::col((Usage, column)).add(Expr::col((Alias::new("excluded"), column)))
    };
    let txn = db.begin().await?;
    for (used, counts) in batch {
        Usage::insert(ActiveModel {
            public_key_id: Set(used.key.0),
            organization_id: Set(used.org.0),
            day: Set(iso_day(used.day)),
            requests: Set(counts.requests as i64),
            refused: Set(counts.refused as i64),
        })
        .on_conflict(
            OnConflict::columns([Column::PublicKeyId, Column::Day])
                .value(Column::Requests, added(Column::Requests))
                .value(Column::Refused, added(Column::Refused))
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    }
    Ok(txn.commit().await?)
}

/// Writes a batch of last-use times; keys deleted meanwhile are skipped.
pub async fn record_last_used(
    db: &impl ConnectionTrait,
    uses: &[(PublicKeyId, DateTime<Utc>)],
) -> Result<(), DomainError> {
    for (id, at) in uses {
        public_key::Entity::update_many()
            .col_expr(public_key::Column::LastUsedAt, Expr::value(*at))
            .filter(public_key::Column::Id.eq(id.0))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The organization's use in the last `USAGE_DAYS` days, by key: calls per
/// day (oldest first) and how many were refused.
pub async fn by_key(
    db: &impl ConnectionTrait,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, (Vec<u64>, u64)>, DomainError> {
    let first = now.date_naive() - chrono::Duration::days(USAGE_DAYS as i64 - 1);
    let rows = Usage::find()
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Day.gte(iso_day(first)))
        .all(db)
        .await?;
    let mut by_key: HashMap<i64, (Vec<u64>, u64)> = HashMap::new();
    for row in rows {
        let Some(day) = parse_iso_date(&row.day) else {
            continue;
        };
        let (daily, refused) = by_key.entry(row.public_key_id).or_insert_with(none);
        if let Some(slot) = usize::try_from((day - first).num_days())
            .ok()
            .and_then(|i| daily.get_mut(i))
        {
            *slot += u64::try_from(row.requests).unwrap_or(0);
        }
        *refused += u64::try_from(row.refused).unwrap_or(0);
    }
    Ok(by_key)
}

/// A deleted key's use goes with it, in the delete's transaction. (A
/// batch counted before the delete and written after it leaves rows no key
/// shows; they age out.)
pub(crate) async fn forget(txn: &impl ConnectionTrait, id: PublicKeyId) -> Result<(), DomainError> {
    Usage::delete_many()
        .filter(Column::PublicKeyId.eq(id.0))
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes use from before the `USAGE_DAYS` days that end `today`.
pub async fn prune(db: &DatabaseConnection, today: NaiveDate) -> Result<(), DomainError> {
    let first = today - chrono::Duration::days(USAGE_DAYS as i64 - 1);
    Usage::delete_many()
        .filter(Column::Day.lt(iso_day(first)))
        .exec(db)
        .await?;
    Ok(())
}
