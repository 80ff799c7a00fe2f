//! Database operations on API keys. Every function takes the organization
//! and filters by it, so a key id of another organization is simply not found.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, SqlErr, TransactionTrait,
};

use super::lifecycle::{Expiry, RollGrace};
use super::secret::ApiKeySecret;
use super::{
    CreatedKey, KeyId, KeySummary, KeyUsage, MAX_KEYS_PER_ORG, USAGE_DAYS, WEBHOOK_KEY_UNDELETABLE,
};
use crate::audit::AuditAction;
use crate::audit::store::{self as audit, Actor, Subject, before_after};
use crate::error::{AppError, Missing};
use crate::permissions::{Access, Requirement, Restrictions};
use crate::ssr::entities::api_key::{self, ActiveModel, Column, Entity as ApiKey};
use crate::ssr::entities::organization;
use crate::ssr::key_changes::{self, KeyChangeSink};
use crate::ssr::{OrgId, Sealer};

pub async fn list(db: &impl ConnectionTrait, org: OrgId) -> Result<Vec<KeySummary>, AppError> {
    let rows = ApiKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let now = Utc::now();
    let mut usage = usage_since(db, org, now).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let used = usage.remove(&row.id).unwrap_or_else(|| KeyUsage {
                daily: vec![0; USAGE_DAYS],
                ..KeyUsage::default()
            });
            KeySummary {
                usage: used,
                ..summary(row, now)
            }
        })
        .collect())
}

/// The organization's key use in the last `USAGE_DAYS` days (UTC), by key.
async fn usage_since(
    db: &impl ConnectionTrait,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<std::collections::HashMap<i64, KeyUsage>, AppError> {
    use crate::ssr::entities::key_usage;
    let today = now.date_naive();
    let first = today - chrono::Duration::days(USAGE_DAYS as i64 - 1);
    let rows = key_usage::Entity::find()
        .filter(key_usage::Column::OrganizationId.eq(org.0))
        .filter(key_usage::Column::Day.gte(super::iso_day(first)))
        .all(db)
        .await?;
    let mut by_key: std::collections::HashMap<i64, KeyUsage> = std::collections::HashMap::new();
    for row in rows {
        let Some(day) = super::parse_iso_date(&row.day) else {
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

/// Creates a key, unless the organization already holds
/// `MAX_KEYS_PER_ORG`. The count and the insert share a transaction that
/// first writes the organization's row, so concurrent creates for one
/// organization queue there and cannot both pass the count.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    db: &DatabaseConnection,
    sealer: &Sealer,
    org: OrgId,
    actor: &Actor,
    name: String,
    access: Access,
    expires_at: Option<DateTime<Utc>>,
) -> Result<CreatedKey, AppError> {
    let secret = ApiKeySecret::generate();
    let digest = secret.digest();
    let now = Utc::now();
    let (restricted, permissions) = encode_access(&access);
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    let held = ApiKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .count(&txn)
        .await?;
    if held >= MAX_KEYS_PER_ORG {
        return Err(AppError::Conflict(format!(
            "An organization can have at most {MAX_KEYS_PER_ORG} API keys. Delete keys you no longer use to add new ones."
        )));
    }
    let row = ActiveModel {
        organization_id: Set(org.0),
        name: Set(name),
        display_form: Set(secret.display_form()),
        secret_digest: Set(digest.to_hex()),
        sealed_secret: Set(sealer.seal(&secret, &digest)),
        is_webhook: Set(false),
        restricted: Set(restricted),
        permissions: Set(permissions),
        created_at: Set(now),
        updated_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(expires_at),
        previous_secret_digest: Set(None),
        previous_sealed_secret: Set(None),
        previous_secret_until: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        org,
        actor,
        AuditAction::KeyCreated,
        Some(subject(&row)),
        format!(
            "Access: {}. Expires: {}.",
            access.summary(),
            expiry_words(expires_at)
        ),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(org = org.0, key = row.id, "api key created");
    Ok(CreatedKey {
        key: summary(row, now),
        secret: secret.expose().to_owned(),
    })
}

/// Renames, re-restricts and re-dates a key in one transaction, so that two
/// edits at once cannot mix, and `Keep` keeps the expiry read in it. What
/// verified the key's secrets before is told to forget them.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    db: &DatabaseConnection,
    changes: &Arc<dyn KeyChangeSink>,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
    name: String,
    access: Access,
    expiry: &Expiry,
    now: DateTime<Utc>,
) -> Result<KeySummary, AppError> {
    let txn = db.begin().await?;
    // Write first, read after: on SQLite a transaction that has read cannot
    // begin writing once another write has committed meanwhile.
    lock_organization(&txn, org).await?;
    let row = find(&txn, org, id).await?;
    let expires_at = expiry.resolve(now, row.expires_at)?;
    let change = row.key_change();
    // One entry per kind of change, each with its before and after.
    let mut entries = Vec::new();
    if row.name != name {
        entries.push((
            AuditAction::KeyRenamed,
            before_after(&format!("“{}”", row.name), &format!("“{name}”")),
        ));
    }
    let before = access_of(&row);
    if before != access {
        entries.push((
            AuditAction::RestrictionsChanged,
            before_after(&before.summary(), &access.summary()),
        ));
    }
    if row.expires_at != expires_at {
        entries.push((
            AuditAction::ExpiryChanged,
            before_after(&expiry_words(row.expires_at), &expiry_words(expires_at)),
        ));
    }
    let (restricted, permissions) = encode_access(&access);
    let mut active: ActiveModel = row.into();
    active.name = Set(name);
    active.restricted = Set(restricted);
    active.permissions = Set(permissions);
    active.expires_at = Set(expires_at);
    active.updated_at = Set(now);
    let row = active.update(&txn).await.map_err(not_found_if_gone)?;
    for (action, detail) in entries {
        audit::record(&txn, org, actor, action, Some(subject(&row)), detail).await?;
    }
    key_changes::record(&txn, &change).await?;
    key_changes::commit_and_tell(txn, changes, &change).await?;
    tracing::info!(org = org.0, key = row.id, "api key updated");
    Ok(summary(row, now))
}

/// Deletes a key, unless it is the webhook key: the delete is conditional,
/// so a concurrent Set as Webhook Key cannot slip in between check and
/// delete. What verified the key's secrets before is told to forget them.
pub async fn delete(
    db: &DatabaseConnection,
    changes: &Arc<dyn KeyChangeSink>,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
) -> Result<(), AppError> {
    let txn = db.begin().await?;
    let deleted = ApiKey::delete_many()
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Id.eq(id.0))
        .filter(Column::IsWebhook.eq(false))
        .exec_with_returning(&txn)
        .await?;
    let Some(row) = deleted.into_iter().next() else {
        // Missing (or another organization's): 404. Otherwise it is the
        // webhook key.
        txn.rollback().await?;
        find(db, org, id).await?;
        return Err(AppError::Conflict(format!(
            "This key signs your webhooks. {WEBHOOK_KEY_UNDELETABLE}"
        )));
    };
    // Its usage goes with it. (A batch counted before the delete and
    // written after it leaves rows no key shows; they age out.)
    crate::ssr::entities::key_usage::Entity::delete_many()
        .filter(crate::ssr::entities::key_usage::Column::ApiKeyId.eq(id.0))
        .exec(&txn)
        .await?;
    let change = row.key_change();
    audit::record(
        &txn,
        org,
        actor,
        AuditAction::KeyDeleted,
        Some(subject(&row)),
        "",
    )
    .await?;
    key_changes::record(&txn, &change).await?;
    key_changes::commit_and_tell(txn, changes, &change).await?;
    tracing::info!(org = org.0, key = id.0, "api key deleted");
    Ok(())
}

/// Gives a key a new secret; everything else about it stays. The secret it
/// replaces keeps working until `grace` ends (not at all for `Now`), and a
/// previous secret from an earlier roll stops at once: at most two live.
#[allow(clippy::too_many_arguments)]
pub async fn roll(
    db: &DatabaseConnection,
    sealer: &Sealer,
    changes: &Arc<dyn KeyChangeSink>,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
    grace: RollGrace,
    now: DateTime<Utc>,
) -> Result<CreatedKey, AppError> {
    const ATTEMPTS: usize = 3;
    for _ in 0..ATTEMPTS {
        let txn = db.begin().await?;
        lock_organization(&txn, org).await?;
        let row = find(&txn, org, id).await?;
        // Both secrets known so far change how they verify: the current
        // one gets a grace period, the previous one stops.
        let change = row.key_change();
        let name = row.name.clone();
        let secret = ApiKeySecret::generate();
        let digest = secret.digest();
        // The replaced secret's digest is kept, so that presenting it is
        // answered "replaced by a roll"; its sealed copy only while it still
        // works (never for Now: a compromised secret is not kept at all).
        let previous_until = now + grace.period();
        let previous_sealed = (grace != RollGrace::Now).then(|| row.sealed_secret.clone());
        // Only if no other roll got there first: otherwise the secret shown
        // would be one that a concurrent roll has already replaced.
        let rolled = ApiKey::update_many()
            .col_expr(Column::SecretDigest, Expr::value(digest.to_hex()))
            .col_expr(
                Column::SealedSecret,
                Expr::value(sealer.seal(&secret, &digest)),
            )
            .col_expr(Column::DisplayForm, Expr::value(secret.display_form()))
            .col_expr(
                Column::PreviousSecretDigest,
                Expr::value(Some(row.secret_digest.clone())),
            )
            .col_expr(Column::PreviousSealedSecret, Expr::value(previous_sealed))
            .col_expr(
                Column::PreviousSecretUntil,
                Expr::value(Some(previous_until)),
            )
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::OrganizationId.eq(org.0))
            .filter(Column::Id.eq(id.0))
            .filter(Column::SecretDigest.eq(row.secret_digest))
            .exec(&txn)
            .await?;
        if rolled.rows_affected == 1 {
            audit::record(
                &txn,
                org,
                actor,
                AuditAction::KeyRolled,
                Some(Subject { id, name: &name }),
                format!("Old key stops working: {}", grace.label()),
            )
            .await?;
            key_changes::record(&txn, &change).await?;
            let row = find(&txn, org, id).await?;
            key_changes::commit_and_tell(txn, changes, &change).await?;
            tracing::info!(
                org = org.0,
                key = id.0,
                grace = grace.slug(),
                "api key rolled"
            );
            return Ok(CreatedKey {
                key: summary(row, now),
                secret: secret.expose().to_owned(),
            });
        }
        txn.rollback().await?;
        tracing::warn!(
            org = org.0,
            key = id.0,
            "api key rolled concurrently; trying again"
        );
    }
    Err(AppError::Conflict(
        "This key was changed at the same time. Try again.".to_owned(),
    ))
}

/// `update` of a row deleted since it was read: the key is gone.
fn not_found_if_gone(err: DbErr) -> AppError {
    match err {
        DbErr::RecordNotUpdated => AppError::NotFound(Missing::ApiKey),
        other => other.into(),
    }
}

/// Moves the webhook badge to `id` in one transaction. The partial unique
/// index makes a second webhook key impossible; if two moves race, the
/// loser sees the constraint and tries again on the new state.
pub async fn set_webhook(
    db: &DatabaseConnection,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
) -> Result<(), AppError> {
    const ATTEMPTS: usize = 3;
    for attempt in 1..=ATTEMPTS {
        match try_set_webhook(db, org, actor, id).await {
            Err(SetWebhookError::Db(err))
                if attempt < ATTEMPTS
                    && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                tracing::warn!(
                    org = org.0,
                    attempt,
                    "webhook key moved concurrently; retrying"
                );
            }
            Err(SetWebhookError::Db(err)) => return Err(err.into()),
            Err(SetWebhookError::App(err)) => return Err(err),
            Ok(()) => {
                tracing::info!(org = org.0, key = id.0, "webhook key set");
                return Ok(());
            }
        }
    }
    unreachable!("the last attempt returns")
}

enum SetWebhookError {
    Db(sea_orm::DbErr),
    App(AppError),
}

impl From<sea_orm::DbErr> for SetWebhookError {
    fn from(err: sea_orm::DbErr) -> Self {
        SetWebhookError::Db(err)
    }
}

async fn try_set_webhook(
    db: &DatabaseConnection,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
) -> Result<(), SetWebhookError> {
    let txn = db.begin().await?;
    let now = Utc::now();
    // Writes first: the first statement takes the write lock, so on SQLite
    // a concurrent move waits for it instead of failing to upgrade a read.
    let previous = ApiKey::update_many()
        .col_expr(Column::IsWebhook, Expr::value(false))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::IsWebhook.eq(true))
        .filter(Column::Id.ne(id.0))
        .exec_with_returning(&txn)
        .await?;
    let moved = ApiKey::update_many()
        .col_expr(Column::IsWebhook, Expr::value(true))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Id.eq(id.0))
        .filter(Column::IsWebhook.eq(false))
        .exec_with_returning(&txn)
        .await?;
    let Some(row) = moved.first() else {
        // Already the webhook key (nothing changes, nothing to record), or
        // not this organization's key: answered like a missing one.
        let found = find(&txn, org, id).await;
        txn.rollback().await?;
        return found.map(|_| ()).map_err(SetWebhookError::App);
    };
    let detail = match previous.first() {
        Some(before) => format!("Instead of “{}”", before.name),
        None => String::new(),
    };
    audit::record(
        &txn,
        org,
        actor,
        AuditAction::WebhookKeySet,
        Some(subject(row)),
        detail,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// The key an audit entry is about.
fn subject(row: &api_key::Model) -> Subject<'_> {
    Subject {
        id: KeyId(row.id),
        name: &row.name,
    }
}

/// An expiry in the audit log's words.
fn expiry_words(at: Option<DateTime<Utc>>) -> String {
    match at {
        Some(at) => super::lifecycle::format_time(&at),
        None => "Never".to_owned(),
    }
}

/// Writes the organization's row without changing it: the write lock it
/// takes makes concurrent changes to the organization's keys (and its
/// webhook settings) queue here (on SQLite, rather than fail to upgrade a
/// read lock to a write).
pub(crate) async fn lock_organization(txn: &impl ConnectionTrait, org: OrgId) -> Result<(), DbErr> {
    organization::Entity::update_many()
        .col_expr(
            organization::Column::Id,
            Expr::col(organization::Column::Id),
        )
        .filter(organization::Column::Id.eq(org.0))
        .exec(txn)
        .await?;
    Ok(())
}

async fn find(
    db: &impl ConnectionTrait,
    org: OrgId,
    id: KeyId,
) -> Result<api_key::Model, AppError> {
    ApiKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Id.eq(id.0))
        .one(db)
        .await?
        .ok_or(AppError::NotFound(Missing::ApiKey))
}

fn encode_access(access: &Access) -> (bool, String) {
    match access {
        Access::Full => (false, "{}".to_owned()),
        Access::Restricted(r) => (
            true,
            serde_json::to_string(r).expect("restrictions serialize to JSON"),
        ),
    }
}

/// The access stored on a row. A restriction that no longer decodes denies
/// everything rather than failing open.
pub fn access_of(row: &api_key::Model) -> Access {
    if !row.restricted {
        return Access::Full;
    }
    match serde_json::from_str::<Restrictions>(&row.permissions) {
        Ok(r) => Access::Restricted(r),
        Err(err) => {
            tracing::error!(key = row.id, error = %err, "stored restrictions do not decode; denying all");
            Access::Restricted(Restrictions::none())
        }
    }
}

fn summary(row: api_key::Model, now: DateTime<Utc>) -> KeySummary {
    let lifetimes = row.lifetimes();
    KeySummary {
        id: KeyId(row.id),
        access: access_of(&row),
        expires_at: row.expires_at,
        expired: lifetimes.expired(now),
        previous_secret_until: lifetimes.previous_live_until(now),
        name: row.name,
        display: row.display_form,
        is_webhook: row.is_webhook,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        usage: KeyUsage::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An edit that finds its row gone between reading and writing it (a
    /// delete in between) is a missing key, not a server error.
    #[test]
    fn an_update_of_a_row_deleted_meanwhile_is_not_found() {
        assert_eq!(
            not_found_if_gone(DbErr::RecordNotUpdated),
            AppError::NotFound(Missing::ApiKey)
        );
        assert_eq!(
            not_found_if_gone(DbErr::Custom("disk full".into())),
            AppError::Internal
        );
    }
}
