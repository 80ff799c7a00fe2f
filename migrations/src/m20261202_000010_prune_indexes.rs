//! Indexes for deleting by age and for the audit log's key filter, so that
//! each reads only the rows it deletes or offers, however large its table:
//! sessions by last use and by creation (idle and absolute expiry), webhook
//! deliveries by last change (retention), and the audit log's entries of
//! one action per organization, newest first (the most recently deleted
//! keys).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OrganizationId,
    Action,
}

const SESSIONS_LAST_SEEN: &str = "ix_sessions_last_seen_at";
const SESSIONS_CREATED: &str = "ix_sessions_created_at";
const DELIVERIES_UPDATED: &str = "ix_webhook_deliveries_updated_at";
const AUDIT_ACTION: &str = "ix_audit_log_organization_action_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in [
            Index::create()
                .name(SESSIONS_LAST_SEEN)
                .table(Sessions::Table)
                .col(Sessions::LastSeenAt)
                .to_owned(),
            Index::create()
                .name(SESSIONS_CREATED)
                .table(Sessions::Table)
                .col(Sessions::CreatedAt)
                .to_owned(),
            Index::create()
                .name(DELIVERIES_UPDATED)
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::UpdatedAt)
                .to_owned(),
            Index::create()
                .name(AUDIT_ACTION)
                .table(AuditLog::Table)
                .col(AuditLog::OrganizationId)
                .col(AuditLog::Action)
                .col(AuditLog::Id)
                .to_owned(),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (SESSIONS_LAST_SEEN, Sessions::Table.into_iden()),
            (SESSIONS_CREATED, Sessions::Table.into_iden()),
            (DELIVERIES_UPDATED, WebhookDeliveries::Table.into_iden()),
            (AUDIT_ACTION, AuditLog::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
