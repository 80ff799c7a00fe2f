use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_pk_auto, text, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

/// The API's resources (agents, calls, phone numbers, …) as JSON documents,
/// so that fields the SDK sends and this server does not know are kept.
#[derive(DeriveIden)]
enum ApiResources {
    Table,
    Id,
    OrganizationId,
    Kind,
    ResourceId,
    Body,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiResources::Table)
                    .col(big_pk_auto(ApiResources::Id))
                    .col(
                        ColumnDef::new(ApiResources::OrganizationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApiResources::Kind).string_len(32).not_null())
                    .col(
                        ColumnDef::new(ApiResources::ResourceId)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(text(ApiResources::Body))
                    .col(timestamp_with_time_zone(ApiResources::CreatedAt))
                    .col(timestamp_with_time_zone(ApiResources::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_resources_organization")
                            .from(ApiResources::Table, ApiResources::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Look-up by id within an organization; also the listing order.
        manager
            .create_index(
                Index::create()
                    .name("ux_api_resources_org_kind_id")
                    .table(ApiResources::Table)
                    .col(ApiResources::OrganizationId)
                    .col(ApiResources::Kind)
                    .col(ApiResources::ResourceId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_resources_listing")
                    .table(ApiResources::Table)
                    .col(ApiResources::OrganizationId)
                    .col(ApiResources::Kind)
                    .col(ApiResources::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiResources::Table).to_owned())
            .await?;
        Ok(())
    }
}
