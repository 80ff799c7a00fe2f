//! **Requests per minute** per key (none for every existing key), and the
//! table the instances share a minute's budget through: per key and
//! minute, how many requests the instances have taken between them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    RequestsPerMinute,
}

#[derive(DeriveIden)]
enum RateWindows {
    Table,
    ApiKeyId,
    /// Minutes since the Unix epoch.
    Minute,
    /// Requests the instances have taken from the key's budget for that
    /// minute (never more than the limit at the time of each take).
    Taken,
    /// How many the last take got (it may have been cut to what was left).
    LastTake,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(
                        ColumnDef::new(ApiKeys::RequestsPerMinute)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateWindows::Table)
                    .col(
                        ColumnDef::new(RateWindows::ApiKeyId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RateWindows::Minute).big_integer().not_null())
                    .col(ColumnDef::new(RateWindows::Taken).big_integer().not_null())
                    .col(
                        ColumnDef::new(RateWindows::LastTake)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .primary_key(
                        Index::create()
                            .col(RateWindows::ApiKeyId)
                            .col(RateWindows::Minute),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rate_windows_key")
                            .from(RateWindows::Table, RateWindows::ApiKeyId)
                            .to(ApiKeys::Table, ApiKeys::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Pruning deletes by age.
        manager
            .create_index(
                Index::create()
                    .name("ix_rate_windows_minute")
                    .table(RateWindows::Table)
                    .col(RateWindows::Minute)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RateWindows::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .drop_column(ApiKeys::RequestsPerMinute)
                    .to_owned(),
            )
            .await
    }
}
