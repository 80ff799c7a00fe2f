use sea_orm::entity::prelude::*;

/// One API key. The secret is here only as a digest (for look-up) and
/// sealed (for signing webhooks); never in the clear.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub display_form: String,
    /// Hex SHA-256 of the full secret; unique.
    pub secret_digest: String,
    /// `nonce || ciphertext`, see `ssr::sealing`.
    pub sealed_secret: Vec<u8>,
    /// At most one per organization, enforced by a partial unique index.
    pub is_webhook: bool,
    pub restricted: bool,
    /// JSON map of group slug to level; only read when `restricted`.
    pub permissions: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
