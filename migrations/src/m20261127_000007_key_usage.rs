//! What each key is used for: per key, per day (UTC) and per permission a
//! route needed (`history.read`; empty for routes any key may call), the
//! requests made and how many of them were refused with 403. Written in
//! batches by the API; read for the API Keys page's charts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string, string_len};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum KeyUsage {
    Table,
    ApiKeyId,
    OrganizationId,
    /// `YYYY-MM-DD`, UTC.
    Day,
    Need,
    Requests,
    Refused,
}

const ORGANIZATION_DAY_INDEX: &str = "ix_key_usage_organization_day";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KeyUsage::Table)
                    .col(big_integer(KeyUsage::ApiKeyId))
                    .col(big_integer(KeyUsage::OrganizationId))
                    .col(string_len(KeyUsage::Day, 10))
                    .col(string(KeyUsage::Need))
                    .col(big_integer(KeyUsage::Requests))
                    .col(big_integer(KeyUsage::Refused))
                    .primary_key(
                        Index::create()
                            .col(KeyUsage::ApiKeyId)
                            .col(KeyUsage::Day)
                            .col(KeyUsage::Need),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ORGANIZATION_DAY_INDEX)
                    .table(KeyUsage::Table)
                    .col(KeyUsage::OrganizationId)
                    .col(KeyUsage::Day)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KeyUsage::Table).to_owned())
            .await
    }
}
