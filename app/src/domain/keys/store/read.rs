//! Reading keys: the organization's list with each key's recent use, and
//! one key as the list shows it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::rows::{find_row, summary};
use crate::domain::entities::api_key::{Column, Entity as ApiKey};
use crate::domain::teams::members;
use crate::domain::{DomainError, OrgId};
use crate::model::key_policy::KeyPolicy;
use crate::model::keys::{KeyId, KeySummary, KeyUsage, USAGE_DAYS};
use crate::model::permissions::Requirement;

/// The organization's keys, oldest first, each with its use in the last
/// `USAGE_DAYS` days and how it breaks the organization's `policy`.
pub async fn list(
    db: &impl ConnectionTrait,
    org: OrgId,
    policy: &KeyPolicy,
) -> Result<Vec<KeySummary>, DomainError> {
    let rows = ApiKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let now = Utc::now();
    let mut usage = usage_since(db, org, None, now).await?;
    let members = members::emails(db, org).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let used = usage.remove(&row.id).unwrap_or_else(|| KeyUsage {
                daily: vec![0; USAGE_DAYS],
                ..KeyUsage::default()
            });
            KeySummary {
                usage: used,
                created_by: creator(&row, &members),
                ..with_breaches(policy, summary(row, now), now)
            }
        })
        .collect())
}

/// The key, with how it breaks the organization's policy.
fn with_breaches(policy: &KeyPolicy, key: KeySummary, now: DateTime<Utc>) -> KeySummary {
    KeySummary {
        outside_policy: policy.breaches(&key.access, key.expires_at, now),
        ..key
    }
}

/// The email of the key's creator while they are a member.
fn creator(
    row: &crate::domain::entities::api_key::Model,
    members: &HashMap<i64, String>,
) -> Option<String> {
    row.created_by.and_then(|id| members.get(&id).cloned())
}

/// The organization's key use in the last `USAGE_DAYS` days (UTC), by key.
/// `only` reads one key's rows, for a dialog, not the organization's.
async fn usage_since(
    db: &impl ConnectionTrait,
    org: OrgId,
    only: Option<KeyId>,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, KeyUsage>, DomainError> {
    use crate::domain::entities::key_usage;
    let today = now.date_naive();
    let first = today - chrono::Duration::days(USAGE_DAYS as i64 - 1);
    let mut query = key_usage::Entity::find()
        .filter(key_usage::Column::OrganizationId.eq(org.0))
        .filter(key_usage::Column::Day.gte(crate::model::dates::iso_day(first)));
    if let Some(id) = only {
        query = query.filter(key_usage::Column::ApiKeyId.eq(id.0));
    }
    let rows = query.all(db).await?;
    let mut by_key: HashMap<i64, KeyUsage> = HashMap::new();
    for row in rows {
        let Some(day) = crate::model::dates::parse_iso_date(&row.day) else {
            continue;
        };
        let usage = by_key.entry(row.api_key_id).or_insert_with(|| KeyUsage {
            daily: vec![0; USAGE_DAYS],
            ..KeyUsage::default()
        });
        if let Some(slot) = usize::try_from((day - first).num_days())
            .ok()
            .and_then(|i| usage.daily.get_mut(i))
        {
            *slot += row.requests.max(0) as u64;
        }
        let Some(need) = Requirement::from_slug(&row.need) else {
            continue;
        };
        if row.requests > row.refused && !usage.used.contains(&need) {
            usage.used.push(need);
        }
        if row.refused > 0 {
            match usage.refused.iter_mut().find(|(n, _)| *n == need) {
                Some((_, count)) => *count += row.refused as u64,
                None => usage.refused.push((need, row.refused as u64)),
            }
        }
    }
    for usage in by_key.values_mut() {
        usage.used.sort();
        usage.refused.sort();
    }
    Ok(by_key)
}

/// One of the organization's keys, as the list shows it (with its use),
/// under the organization's `policy`.
pub async fn find(
    db: &impl ConnectionTrait,
    org: OrgId,
    id: KeyId,
    policy: &KeyPolicy,
) -> Result<KeySummary, DomainError> {
    let row = find_row(db, org, id).await?;
    let now = Utc::now();
    let usage = usage_since(db, org, Some(id), now)
        .await?
        .remove(&row.id)
        .unwrap_or_else(|| KeyUsage {
            daily: vec![0; USAGE_DAYS],
            ..KeyUsage::default()
        });
    let members = members::emails(db, org).await?;
    Ok(KeySummary {
        usage,
        created_by: creator(&row, &members),
        ..with_breaches(policy, summary(row, now), now)
    })
}
