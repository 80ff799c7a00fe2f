//! The audit log: one row per change to an organization's keys or webhook
//! settings, and per sign-in or failed sign-in of its users. A row is
//! written in the transaction of the change it records.
//!
//! `api_key_id` is not a foreign key: the entries about a key outlive it
//! (its deletion is one of them), and `key_name` keeps the name it had.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, big_pk_auto, string, string_len_null, string_null, text,
    timestamp_with_time_zone,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OrganizationId,
    At,
    /// The user's email, or `API key <name>`.
    Actor,
    Action,
    ApiKeyId,
    KeyName,
    /// Before → after, in words.
    Detail,
    ClientAddress,
}

const ORGANIZATION_INDEX: &str = "ix_audit_log_organization_id";
const KEY_INDEX: &str = "ix_audit_log_organization_key_id";
const AT_INDEX: &str = "ix_audit_log_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(
                        ColumnDef::new(AuditLog::OrganizationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string(AuditLog::Actor))
                    .col(string(AuditLog::Action))
                    .col(big_integer_null(AuditLog::ApiKeyId))
                    .col(string_null(AuditLog::KeyName))
                    .col(text(AuditLog::Detail))
                    // An IPv6 address with a zone fits in 64.
                    .col(string_len_null(AuditLog::ClientAddress, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_log_organization")
                            .from(AuditLog::Table, AuditLog::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Newest first, per organization, and per key: pages are read by id.
        manager
            .create_index(
                Index::create()
                    .name(ORGANIZATION_INDEX)
                    .table(AuditLog::Table)
                    .col(AuditLog::OrganizationId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(KEY_INDEX)
                    .table(AuditLog::Table)
                    .col(AuditLog::OrganizationId)
                    .col(AuditLog::ApiKeyId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await?;
        // Retention deletes by age, across organizations.
        manager
            .create_index(
                Index::create()
                    .name(AT_INDEX)
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
