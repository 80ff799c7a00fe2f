//! Set as Webhook Key: exactly one per organization, held by the database.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, SqlErr, TransactionTrait,
};

use super::rows::{find_row, subject};
use crate::domain::audit::store::{self as audit, Actor};
use crate::domain::entities::api_key::{Column, Entity as ApiKey};
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::keys::KeyId;

/// Moves the webhook badge to `id` in one transaction. The partial unique
/// index makes a second webhook key impossible; if two moves race, the
/// loser sees the constraint and tries again on the new state.
pub async fn set_webhook(
    db: &DatabaseConnection,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
) -> Result<(), DomainError> {
    const ATTEMPTS: usize = 3;
    for attempt in 1..=ATTEMPTS {
        match try_set_webhook(db, org, actor, id).await {
            Err(DomainError::Db(err))
                if attempt < ATTEMPTS
                    && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                tracing::warn!(
                    org = org.0,
                    attempt,
                    "webhook key moved concurrently; retrying"
                );
            }
            Err(err) => return Err(err),
            Ok(()) => {
                tracing::info!(org = org.0, key = id.0, "webhook key set");
                return Ok(());
            }
        }
    }
    unreachable!("the last attempt returns")
}

async fn try_set_webhook(
    db: &DatabaseConnection,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
) -> Result<(), DomainError> {
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
        let found = find_row(&txn, org, id).await;
        txn.rollback().await?;
        return found.map(|_| ());
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
