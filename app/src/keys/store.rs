//! Database operations on API keys. Every function takes the organization
//! and filters by it, so a key id of another organization is simply not found.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, SqlErr, TransactionTrait,
};

use super::secret::ApiKeySecret;
use super::{CreatedKey, KeyId, KeySummary};
use crate::error::AppError;
use crate::permissions::{Access, Restrictions};
use crate::ssr::entities::api_key::{self, ActiveModel, Column, Entity as ApiKey};
use crate::ssr::{OrgId, Sealer};

pub async fn list(db: &impl ConnectionTrait, org: OrgId) -> Result<Vec<KeySummary>, AppError> {
    let rows = ApiKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(summary).collect())
}

pub async fn create(
    db: &impl ConnectionTrait,
    sealer: &Sealer,
    org: OrgId,
    name: String,
    access: Access,
) -> Result<CreatedKey, AppError> {
    let secret = ApiKeySecret::generate();
    let digest = secret.digest();
    let now = Utc::now();
    let (restricted, permissions) = encode_access(&access);
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
        ..Default::default()
    }
    .insert(db)
    .await?;
    tracing::info!(org = org.0, key = row.id, "api key created");
    Ok(CreatedKey { key: summary(row), secret: secret.expose().to_owned() })
}

pub async fn update(
    db: &impl ConnectionTrait,
    org: OrgId,
    id: KeyId,
    name: String,
    access: Access,
) -> Result<KeySummary, AppError> {
    let row = find(db, org, id).await?;
    let (restricted, permissions) = encode_access(&access);
    let mut active: ActiveModel = row.into();
    active.name = Set(name);
    active.restricted = Set(restricted);
    active.permissions = Set(permissions);
    active.updated_at = Set(Utc::now());
    let row = active.update(db).await?;
    tracing::info!(org = org.0, key = row.id, "api key updated");
    Ok(summary(row))
}

pub async fn delete(db: &impl ConnectionTrait, org: OrgId, id: KeyId) -> Result<(), AppError> {
    let result = ApiKey::delete_many()
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Id.eq(id.0))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    tracing::info!(org = org.0, key = id.0, "api key deleted");
    Ok(())
}

/// Moves the webhook badge to `id` in one transaction. The partial unique
/// index makes a second webhook key impossible; if two moves race, the
/// loser sees the constraint and tries again on the new state.
pub async fn set_webhook(
    db: &DatabaseConnection,
    org: OrgId,
    id: KeyId,
) -> Result<(), AppError> {
    const ATTEMPTS: usize = 3;
    for attempt in 1..=ATTEMPTS {
        match try_set_webhook(db, org, id).await {
            Err(SetWebhookError::Db(err))
                if attempt < ATTEMPTS
                    && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                tracing::warn!(org = org.0, attempt, "webhook key moved concurrently; retrying");
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
    id: KeyId,
) -> Result<(), SetWebhookError> {
    let txn = db.begin().await?;
    let now = Utc::now();
    // Writes first: the first statement takes the write lock, so on SQLite
    // a concurrent move waits for it instead of failing to upgrade a read.
    ApiKey::update_many()
        .col_expr(Column::IsWebhook, Expr::value(false))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::IsWebhook.eq(true))
        .filter(Column::Id.ne(id.0))
        .exec(&txn)
        .await?;
    let moved = ApiKey::update_many()
        .col_expr(Column::IsWebhook, Expr::value(true))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Id.eq(id.0))
        .exec(&txn)
        .await?;
    if moved.rows_affected == 0 {
        // Not this organization's key: undo, and answer like a missing one.
        txn.rollback().await?;
        return Err(SetWebhookError::App(AppError::NotFound));
    }
    Ok(txn.commit().await?)
}

async fn find(db: &impl ConnectionTrait, org: OrgId, id: KeyId) -> Result<api_key::Model, AppError> {
    ApiKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Id.eq(id.0))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

fn encode_access(access: &Access) -> (bool, String) {
    match access {
        Access::Full => (false, "{}".to_owned()),
        Access::Restricted(r) => {
            (true, serde_json::to_string(r).expect("restrictions serialize to JSON"))
        }
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

fn summary(row: api_key::Model) -> KeySummary {
    KeySummary {
        id: KeyId(row.id),
        access: access_of(&row),
        name: row.name,
        display: row.display_form,
        is_webhook: row.is_webhook,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    }
}

/// The key a presented secret belongs to, found by its indexed digest and
/// confirmed with a constant-time comparison. No slow hash runs here.
pub async fn find_by_secret(
    db: &impl ConnectionTrait,
    secret: &super::secret::ApiKeySecret,
) -> Result<Option<api_key::Model>, sea_orm::DbErr> {
    let digest = secret.digest();
    let row = ApiKey::find().filter(Column::SecretDigest.eq(digest.to_hex())).one(db).await?;
    Ok(row.filter(|r| {
        hex::decode(&r.secret_digest)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .is_some_and(|stored| super::secret::SecretDigest(stored).matches(&digest))
    }))
}

/// Writes a batch of last-use times; keys deleted meanwhile are skipped.
pub async fn record_last_used(
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
