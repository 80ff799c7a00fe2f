use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_pk_auto, boolean, string, text, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    OrganizationId,
    Name,
    DisplayForm,
    SecretDigest,
    SealedSecret,
    IsWebhook,
    Restricted,
    Permissions,
    CreatedAt,
    UpdatedAt,
    LastUsedAt,
}

/// At most one webhook key per organization, held by the database itself.
/// Partial indexes are written the same way in SQLite and PostgreSQL.
const ONE_WEBHOOK_KEY_PER_ORG: &str = "CREATE UNIQUE INDEX ux_api_keys_one_webhook_per_org \
     ON api_keys (organization_id) WHERE is_webhook";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(big_pk_auto(Organizations::Id))
                    .col(string(Organizations::Name))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(big_pk_auto(ApiKeys::Id))
                    .col(
                        ColumnDef::new(ApiKeys::OrganizationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(string(ApiKeys::Name))
                    .col(string(ApiKeys::DisplayForm))
                    .col(
                        ColumnDef::new(ApiKeys::SecretDigest)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(ApiKeys::SealedSecret).binary().not_null())
                    .col(boolean(ApiKeys::IsWebhook).default(false))
                    .col(boolean(ApiKeys::Restricted).default(false))
                    .col(text(ApiKeys::Permissions))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone(ApiKeys::UpdatedAt))
                    .col(
                        ColumnDef::new(ApiKeys::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_organization")
                            .from(ApiKeys::Table, ApiKeys::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_keys_organization")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::OrganizationId)
                    .col(ApiKeys::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(ONE_WEBHOOK_KEY_PER_ORG)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiKeys::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Organizations::Table).to_owned())
            .await?;
        Ok(())
    }
}
