//! Teams: an organization has members, each with a role, and pending
//! invitations; a person may belong to several organizations, so a session
//! says which one it works on; a key says who created it.
//!
//! Every existing user becomes the Admin of the organization they signed
//! up with, each session works on that organization, and each existing
//! key was created by that organization's one user.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_pk_auto, string, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    LastSignedInAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    OrganizationId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    OrganizationId,
    Email,
    Role,
    TokenDigest,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    OrganizationId,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    CreatedBy,
}

/// The state before teams, carried over: one Admin per organization (its
/// only user), sessions on that organization, keys made by that user, and
/// the last sign-in as the newest session says.
const CARRY_OVER: [&str; 4] = [
    "INSERT INTO memberships (organization_id, user_id, role, created_at) \
     SELECT organization_id, id, 'admin', created_at FROM users",
    "UPDATE sessions SET organization_id = \
     (SELECT users.organization_id FROM users WHERE users.id = sessions.user_id)",
    "UPDATE api_keys SET created_by = \
     (SELECT MIN(users.id) FROM users WHERE users.organization_id = api_keys.organization_id)",
    "UPDATE users SET last_signed_in_at = \
     (SELECT MAX(sessions.created_at) FROM sessions WHERE sessions.user_id = users.id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_memberships(manager).await?;
        create_invitations(manager).await?;
        // One column per statement: SQLite alters one thing at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(
                        ColumnDef::new(Sessions::OrganizationId)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(ColumnDef::new(ApiKeys::CreatedBy).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::LastSignedInAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        for statement in CARRY_OVER {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            (Users::Table.into_iden(), Users::LastSignedInAt.into_iden()),
            (ApiKeys::Table.into_iden(), ApiKeys::CreatedBy.into_iden()),
            (
                Sessions::Table.into_iden(),
                Sessions::OrganizationId.into_iden(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Invitations::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Memberships::Table).to_owned())
            .await
    }
}

async fn create_memberships(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Memberships::Table)
                .col(big_pk_auto(Memberships::Id))
                .col(
                    ColumnDef::new(Memberships::OrganizationId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Memberships::UserId).big_integer().not_null())
                .col(string(Memberships::Role))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_memberships_organization")
                        .from(Memberships::Table, Memberships::OrganizationId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_memberships_user")
                        .from(Memberships::Table, Memberships::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    // A person is in an organization once; their organizations are found
    // by user.
    manager
        .create_index(
            Index::create()
                .name("ux_memberships_org_user")
                .table(Memberships::Table)
                .col(Memberships::OrganizationId)
                .col(Memberships::UserId)
                .unique()
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_memberships_user")
                .table(Memberships::Table)
                .col(Memberships::UserId)
                .to_owned(),
        )
        .await
}

async fn create_invitations(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Invitations::Table)
                .col(big_pk_auto(Invitations::Id))
                .col(
                    ColumnDef::new(Invitations::OrganizationId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Invitations::Email)
                        .string_len(254)
                        .not_null(),
                )
                .col(string(Invitations::Role))
                // SHA-256 of the link's token: a copy of the database
                // holds no usable invitation.
                .col(
                    ColumnDef::new(Invitations::TokenDigest)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Invitations::InvitedBy).big_integer().null())
                .col(timestamp_with_time_zone(Invitations::CreatedAt))
                .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                .col(
                    ColumnDef::new(Invitations::UsedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(Invitations::RevokedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_invitations_organization")
                        .from(Invitations::Table, Invitations::OrganizationId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_invitations_org")
                .table(Invitations::Table)
                .col(Invitations::OrganizationId)
                .to_owned(),
        )
        .await
}
