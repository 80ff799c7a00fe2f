//! A journal of changes that can narrow a key (edit, roll, delete), so that
//! every instance on one PostgreSQL database can drop what it has cached
//! about that key. Each change is also announced with `NOTIFY`; this table
//! is what an instance reads when a notification may have been missed, and
//! it is pruned to the last hour. SQLite serves one instance and leaves the
//! table empty.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum KeyChanges {
    Table,
    Id,
    ApiKeyId,
    /// The digests (hex, space-separated) a change makes stale.
    Digests,
    ChangedAt,
}

const CHANGED_AT_INDEX: &str = "ix_key_changes_changed_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KeyChanges::Table)
                    .col(big_pk_auto(KeyChanges::Id))
                    .col(big_integer(KeyChanges::ApiKeyId))
                    .col(text(KeyChanges::Digests))
                    .col(
                        ColumnDef::new(KeyChanges::ChangedAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(CHANGED_AT_INDEX)
                    .table(KeyChanges::Table)
                    .col(KeyChanges::ChangedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KeyChanges::Table).to_owned())
            .await
    }
}
