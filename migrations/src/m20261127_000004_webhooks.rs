use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_pk_auto, integer, string, text, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebhookSettings {
    Table,
    OrganizationId,
    Url,
    UpdatedAt,
}

/// The outbox: a row per delivery, written in the same transaction as the
/// event it announces, so nothing is lost between the two.
#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    OrganizationId,
    Event,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastStatusCode,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookSettings::Table)
                    .col(
                        ColumnDef::new(WebhookSettings::OrganizationId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(text(WebhookSettings::Url))
                    .col(timestamp_with_time_zone(WebhookSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_settings_organization")
                            .from(WebhookSettings::Table, WebhookSettings::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(big_pk_auto(WebhookDeliveries::Id))
                    .col(
                        ColumnDef::new(WebhookDeliveries::OrganizationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(string(WebhookDeliveries::Event))
                    .col(text(WebhookDeliveries::Body))
                    .col(string(WebhookDeliveries::Status))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(
                        ColumnDef::new(WebhookDeliveries::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastStatusCode)
                            .integer()
                            .null(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::LastError).text().null())
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_organization")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_org")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::OrganizationId)
                    .col(WebhookDeliveries::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookSettings::Table).to_owned())
            .await?;
        Ok(())
    }
}
