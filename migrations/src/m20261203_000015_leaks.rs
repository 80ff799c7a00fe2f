//! Leak response: when a key's current secret was reported leaked and
//! where it was found (none for every existing key), and what each
//! organization does with such a report (quarantine, for every existing
//! organization). And the expiry notices: which notice was last sent for
//! which expiry of a key (none yet), with an index on `expires_at` for the
//! task that finds keys expiring soon.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    LeakedAt,
    LeakedUrl,
    ExpiresAt,
    ExpiryNoticeFor,
    ExpiryNoticeStage,
}

const EXPIRES_AT: &str = "ix_api_keys_expires_at";

#[derive(DeriveIden)]
enum Organizations {
    Table,
    LeakResponse,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        let columns = [
            (
                ApiKeys::Table.into_iden(),
                ColumnDef::new(ApiKeys::LeakedAt)
                    .timestamp_with_time_zone()
                    .null()
                    .to_owned(),
            ),
            (
                ApiKeys::Table.into_iden(),
                ColumnDef::new(ApiKeys::LeakedUrl).text().null().to_owned(),
            ),
            (
                ApiKeys::Table.into_iden(),
                ColumnDef::new(ApiKeys::ExpiryNoticeFor)
                    .timestamp_with_time_zone()
                    .null()
                    .to_owned(),
            ),
            (
                ApiKeys::Table.into_iden(),
                ColumnDef::new(ApiKeys::ExpiryNoticeStage)
                    .small_integer()
                    .null()
                    .to_owned(),
            ),
            (
                Organizations::Table.into_iden(),
                ColumnDef::new(Organizations::LeakResponse)
                    .string()
                    .not_null()
                    .default("quarantine")
                    .to_owned(),
            ),
        ];
        for (table, mut column) in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(EXPIRES_AT)
                    .table(ApiKeys::Table)
                    .col(ApiKeys::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(EXPIRES_AT)
                    .table(ApiKeys::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .drop_column(Organizations::LeakResponse)
                    .to_owned(),
            )
            .await?;
        for column in [
            ApiKeys::ExpiryNoticeStage,
            ApiKeys::ExpiryNoticeFor,
            ApiKeys::LeakedUrl,
            ApiKeys::LeakedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ApiKeys::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
