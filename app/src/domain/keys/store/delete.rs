//! Deleting a key (never the webhook key).

use std::sync::Arc;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};

use super::rows::{find_row, subject};
use crate::domain::audit::store::{self as audit, Actor};
use crate::domain::entities::api_key::{Column, Entity as ApiKey};
use crate::domain::key_changes::{self, KeyChangeSink};
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::keys::{KeyId, WEBHOOK_KEY_UNDELETABLE};

/// Deletes a key, unless it is the webhook key: the delete is conditional,
/// so a concurrent Set as Webhook Key cannot slip in between check and
/// delete. What verified the key's secrets before is told to forget them.
pub async fn delete(
    db: &DatabaseConnection,
    changes: &Arc<dyn KeyChangeSink>,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
) -> Result<(), DomainError> {
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
        find_row(db, org, id).await?;
        return Err(DomainError::Conflict(format!(
            "This key signs your webhooks. {WEBHOOK_KEY_UNDELETABLE}"
        )));
    };
    forget_usage(&txn, id).await?;
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

/// A deleted key's usage goes with it, in the delete's transaction. (A
/// batch counted before the delete and written after it leaves rows no key
/// shows; they age out.)
pub(crate) async fn forget_usage(txn: &impl ConnectionTrait, id: KeyId) -> Result<(), DbErr> {
    use crate::domain::entities::key_usage::{Column, Entity as KeyUsage};
    KeyUsage::delete_many()
        .filter(Column::ApiKeyId.eq(id.0))
        .exec(txn)
        .await?;
    Ok(())
}
