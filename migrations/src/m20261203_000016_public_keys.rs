//! Public keys: keys a web page may carry, each limited to the sites (and
//! optionally the agents) its organization allows, and to web calls.
//!
//! - `public_keys`: the key itself (not a secret: stored as it is shown,
//!   unique), its normalized **Allowed domains** and **Agents** lines and
//!   its **Web calls per minute**.
//! - `public_key_domains`: each key's allowed-domain lines, normalized, so
//!   that a CORS preflight (which carries no key) finds whether a line
//!   allows its origin through an index, without reading any key.
//! - `public_key_usage`: web calls per key and day, as `key_usage` for
//!   API keys (no foreign key, like it: a batch counted before a delete and
//!   written after it must not fail the batch; rows age out).
//! - `public_key_windows`: each key's budget per allowed domain and
//!   minute, shared by the instances as `rate_windows` is for API keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_pk_auto, string, text, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PublicKeys {
    Table,
    Id,
    OrganizationId,
    Name,
    Key,
    AllowedDomains,
    Agents,
    WebCallsPerMinute,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum PublicKeyDomains {
    Table,
    PublicKeyId,
    Domain,
}

#[derive(DeriveIden)]
enum PublicKeyUsage {
    Table,
    PublicKeyId,
    Day,
    OrganizationId,
    Requests,
    Refused,
}

#[derive(DeriveIden)]
enum PublicKeyWindows {
    Table,
    PublicKeyId,
    Site,
    Minute,
    Taken,
    LastTake,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_public_keys(manager).await?;
        create_domains(manager).await?;
        create_usage(manager).await?;
        create_windows(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PublicKeyWindows::Table.into_iden(),
            PublicKeyUsage::Table.into_iden(),
            PublicKeyDomains::Table.into_iden(),
            PublicKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn create_public_keys(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(PublicKeys::Table)
                .col(big_pk_auto(PublicKeys::Id))
                .col(
                    ColumnDef::new(PublicKeys::OrganizationId)
                        .big_integer()
                        .not_null(),
                )
                .col(string(PublicKeys::Name))
                .col(string(PublicKeys::Key))
                .col(text(PublicKeys::AllowedDomains))
                .col(text(PublicKeys::Agents))
                .col(
                    ColumnDef::new(PublicKeys::WebCallsPerMinute)
                        .big_integer()
                        .not_null()
                        .default(60),
                )
                .col(ColumnDef::new(PublicKeys::CreatedBy).big_integer().null())
                .col(timestamp_with_time_zone(PublicKeys::CreatedAt))
                .col(timestamp_with_time_zone(PublicKeys::UpdatedAt))
                .col(
                    ColumnDef::new(PublicKeys::LastUsedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_public_keys_organization")
                        .from(PublicKeys::Table, PublicKeys::OrganizationId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    // The API finds a key by its text; the page lists an organization's.
    manager
        .create_index(
            Index::create()
                .name("ux_public_keys_key")
                .table(PublicKeys::Table)
                .col(PublicKeys::Key)
                .unique()
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_public_keys_organization")
                .table(PublicKeys::Table)
                .col(PublicKeys::OrganizationId)
                .to_owned(),
        )
        .await
}

async fn create_domains(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(PublicKeyDomains::Table)
                .col(
                    ColumnDef::new(PublicKeyDomains::PublicKeyId)
                        .big_integer()
                        .not_null(),
                )
                .col(string(PublicKeyDomains::Domain))
                .primary_key(
                    Index::create()
                        .col(PublicKeyDomains::PublicKeyId)
                        .col(PublicKeyDomains::Domain),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_public_key_domains_key")
                        .from(PublicKeyDomains::Table, PublicKeyDomains::PublicKeyId)
                        .to(PublicKeys::Table, PublicKeys::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_public_key_domains_domain")
                .table(PublicKeyDomains::Table)
                .col(PublicKeyDomains::Domain)
                .to_owned(),
        )
        .await
}

async fn create_usage(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let count = |column: PublicKeyUsage| {
        ColumnDef::new(column)
            .big_integer()
            .not_null()
            .default(0)
            .to_owned()
    };
    manager
        .create_table(
            Table::create()
                .table(PublicKeyUsage::Table)
                .col(
                    ColumnDef::new(PublicKeyUsage::PublicKeyId)
                        .big_integer()
                        .not_null(),
                )
                .col(string(PublicKeyUsage::Day))
                .col(
                    ColumnDef::new(PublicKeyUsage::OrganizationId)
                        .big_integer()
                        .not_null(),
                )
                .col(count(PublicKeyUsage::Requests))
                .col(count(PublicKeyUsage::Refused))
                .primary_key(
                    Index::create()
                        .col(PublicKeyUsage::PublicKeyId)
                        .col(PublicKeyUsage::Day),
                )
                .to_owned(),
        )
        .await?;
    // Pruning deletes by age.
    manager
        .create_index(
            Index::create()
                .name("ix_public_key_usage_day")
                .table(PublicKeyUsage::Table)
                .col(PublicKeyUsage::Day)
                .to_owned(),
        )
        .await
}

async fn create_windows(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let number = |column: PublicKeyWindows| {
        ColumnDef::new(column)
            .big_integer()
            .not_null()
            .default(0)
            .to_owned()
    };
    manager
        .create_table(
            Table::create()
                .table(PublicKeyWindows::Table)
                .col(number(PublicKeyWindows::PublicKeyId))
                .col(string(PublicKeyWindows::Site))
                .col(number(PublicKeyWindows::Minute))
                .col(number(PublicKeyWindows::Taken))
                .col(number(PublicKeyWindows::LastTake))
                .primary_key(
                    Index::create()
                        .col(PublicKeyWindows::PublicKeyId)
                        .col(PublicKeyWindows::Site)
                        .col(PublicKeyWindows::Minute),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_public_key_windows_minute")
                .table(PublicKeyWindows::Table)
                .col(PublicKeyWindows::Minute)
                .to_owned(),
        )
        .await
}
