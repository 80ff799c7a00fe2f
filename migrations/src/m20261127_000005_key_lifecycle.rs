//! Expiry and rolling: when a key stops working, and the secret a roll
//! replaced, kept (as a digest and sealed, like the current one) until its
//! grace period ends.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    ExpiresAt,
    PreviousSecretDigest,
    PreviousSealedSecret,
    PreviousSecretUntil,
}

const PREVIOUS_DIGEST_INDEX: &str = "ux_api_keys_previous_secret_digest";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            ColumnDef::new(ApiKeys::ExpiresAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(ApiKeys::PreviousSecretDigest)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(ApiKeys::PreviousSealedSecret)
                .binary()
                .null()
                .to_owned(),
            ColumnDef::new(ApiKeys::PreviousSecretUntil)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(ApiKeys::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // A presented secret is looked up in either digest column; both are
        // indexed and unique (NULLs do not collide on either database).
        manager
            .create_index(
                Index::create()
                    .name(PREVIOUS_DIGEST_INDEX)
                    .table(ApiKeys::Table)
                    .col(ApiKeys::PreviousSecretDigest)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite cannot drop an indexed column: the index goes first.
        manager
            .drop_index(
                Index::drop()
                    .name(PREVIOUS_DIGEST_INDEX)
                    .table(ApiKeys::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            ApiKeys::PreviousSecretUntil,
            ApiKeys::PreviousSealedSecret,
            ApiKeys::PreviousSecretDigest,
            ApiKeys::ExpiresAt,
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
