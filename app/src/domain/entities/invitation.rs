use sea_orm::entity::prelude::*;

use crate::model::roles::Role;

/// An invitation to join an organization. The link carries 256 random
/// bits; only their SHA-256 is here. Pending while neither used nor
/// revoked and before `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    /// Lower-cased; the only email that may use the link.
    pub email: String,
    pub role: Role,
    pub token_digest: String,
    pub invited_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

impl Model {
    pub fn is_pending(&self, now: DateTimeUtc) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && now < self.expires_at
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
