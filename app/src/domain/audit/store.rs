//! Writing and reading the audit log. `record` takes the connection of the
//! transaction that makes the change, so an entry exists exactly when its
//! change does; every read is scoped by the organization.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::IntoCondition;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use crate::domain::DomainError;
use crate::domain::OrgId;
use crate::domain::entities::api_key;
use crate::domain::entities::audit_entry::{self, Column, Entity as AuditLog};
use crate::model::audit::{
    AuditAction, AuditEntry, AuditPage, AuditQuery, DELETED_KEY_CHOICES, KeyChoice, PAGE_SIZE,
};
use crate::model::keys::KeyId;

/// Who made a change, and from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The user's email, or "API key <name>".
    pub who: String,
    pub address: Option<IpAddr>,
}

impl Actor {
    pub fn user(email: &str, address: Option<IpAddr>) -> Actor {
        Actor {
            who: email.to_owned(),
            address,
        }
    }
}

/// The key an entry is about, with the name it has at the time.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    pub id: KeyId,
    pub name: &'a str,
}

/// Writes one entry on `db`: the transaction of the change it records.
pub async fn record(
    db: &impl ConnectionTrait,
    org: OrgId,
    actor: &Actor,
    action: AuditAction,
    key: Option<Subject<'_>>,
    detail: impl Into<String>,
) -> Result<(), DomainError> {
    audit_entry::ActiveModel {
        organization_id: Set(org.0),
        at: Set(Utc::now()),
        actor: Set(actor.who.clone()),
        action: Set(action),
        api_key_id: Set(key.map(|k| k.id.0)),
        key_name: Set(key.map(|k| k.name.to_owned())),
        detail: Set(detail.into()),
        client_address: Set(actor.address.map(|a| a.to_canonical().to_string())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Words for "before → after".
pub fn before_after(before: &str, after: &str) -> String {
    format!("{before} → {after}")
}

fn filtered(org: OrgId, key: Option<i64>) -> Select<AuditLog> {
    let query = AuditLog::find().filter(Column::OrganizationId.eq(org.0));
    match key {
        Some(key) => query.filter(Column::ApiKeyId.eq(key)),
        None => query,
    }
}

/// One page of the organization's log, newest first, with the keys it can
/// be filtered by.
pub async fn page(
    db: &impl ConnectionTrait,
    org: OrgId,
    query: AuditQuery,
) -> Result<AuditPage, DomainError> {
    let entries = match (query.before, query.after) {
        // Previous: the entries just newer than `after`, read upwards.
        (None, Some(after)) => {
            let rows = filtered(org, query.key)
                .filter(Column::Id.gt(after))
                .order_by_asc(Column::Id)
                .limit(PAGE_SIZE)
                .all(db)
                .await?;
            rows.into_iter().rev().map(entry).collect()
        }
        (before, _) => older_than(db, org, query.key, before, PAGE_SIZE).await?,
    };
    let (newer, older) = match (entries.first(), entries.last()) {
        (Some(first), Some(last)) => (
            any(db, org, query.key, Column::Id.gt(first.id))
                .await?
                .then_some(AuditQuery {
                    key: query.key,
                    before: None,
                    after: Some(first.id),
                }),
            any(db, org, query.key, Column::Id.lt(last.id))
                .await?
                .then_some(AuditQuery {
                    key: query.key,
                    before: Some(last.id),
                    after: None,
                }),
        ),
        // Paged past either end (the entries aged out meanwhile): back to
        // the newest.
        _ if query.before.is_some() || query.after.is_some() => (
            Some(AuditQuery {
                key: query.key,
                ..AuditQuery::default()
            }),
            None,
        ),
        _ => (None, None),
    };
    Ok(AuditPage {
        entries,
        newer,
        older,
        keys: key_choices(db, org).await?,
    })
}

/// Whether the filter has any entry that also meets `condition`.
async fn any(
    db: &impl ConnectionTrait,
    org: OrgId,
    key: Option<i64>,
    condition: impl IntoCondition,
) -> Result<bool, DomainError> {
    Ok(filtered(org, key)
        .filter(condition)
        .select_only()
        .column(Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

/// The organization's keys, and the `DELETED_KEY_CHOICES` most recently
/// deleted ones the log still names: read newest first on the
/// (organization, action, id) index, so never more entries than that.
async fn key_choices(db: &impl ConnectionTrait, org: OrgId) -> Result<Vec<KeyChoice>, DomainError> {
    let live = api_key::Entity::find()
        .select_only()
        .column(api_key::Column::Id)
        .column(api_key::Column::Name)
        .filter(api_key::Column::OrganizationId.eq(org.0))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?;
    let deleted = AuditLog::find()
        .select_only()
        .column(Column::ApiKeyId)
        .column(Column::KeyName)
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Action.eq(AuditAction::KeyDeleted))
        .order_by_desc(Column::Id)
        .limit(DELETED_KEY_CHOICES)
        .into_tuple::<(Option<i64>, Option<String>)>()
        .all(db)
        .await?;
    let mut keys: Vec<KeyChoice> = live
        .into_iter()
        .map(|(id, name)| KeyChoice {
            id,
            name,
            deleted: false,
        })
        .chain(deleted.into_iter().filter_map(|(id, name)| {
            Some(KeyChoice {
                id: id?,
                name: name.unwrap_or_default(),
                deleted: true,
            })
        }))
        .collect();
    keys.sort_by(|a, b| {
        (a.deleted, a.name.to_lowercase(), a.id).cmp(&(b.deleted, b.name.to_lowercase(), b.id))
    });
    keys.dedup_by_key(|k| k.id);
    Ok(keys)
}

/// Up to `batch` entries of the filter older than `before` (or the newest),
/// newest first: a page, or a batch of the CSV export, which so never
/// holds the whole log in one query.
pub async fn older_than(
    db: &impl ConnectionTrait,
    org: OrgId,
    key: Option<i64>,
    before: Option<i64>,
    batch: u64,
) -> Result<Vec<AuditEntry>, DomainError> {
    let mut select = filtered(org, key);
    if let Some(before) = before {
        select = select.filter(Column::Id.lt(before));
    }
    Ok(select
        .order_by_desc(Column::Id)
        .limit(batch)
        .all(db)
        .await?
        .into_iter()
        .map(entry)
        .collect())
}

/// Deletes the entries older than `days` before `now`, of every
/// organization; answers how many went.
pub async fn prune(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    days: u32,
) -> Result<u64, DomainError> {
    let cutoff = now - Duration::days(i64::from(days));
    Ok(AuditLog::delete_many()
        .filter(Column::At.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

fn entry(row: audit_entry::Model) -> AuditEntry {
    AuditEntry {
        id: row.id,
        at: row.at,
        who: row.actor,
        action: row.action,
        key_name: row.key_name,
        detail: row.detail,
        client_address: row.client_address,
    }
}
