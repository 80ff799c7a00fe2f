use sea_orm::entity::prelude::*;

/// One public key: not a secret (a web page carries it), so stored as it
/// is shown; what it may do is bounded by its lines of allowed domains and
/// agents and by its web calls per minute.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "public_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    /// `pk_…`; unique.
    pub key: String,
    /// Normalized **Allowed domains** lines (`AllowedDomains::to_text`).
    pub allowed_domains: String,
    /// Normalized **Agents** lines; empty for any agent.
    pub agents: String,
    pub web_calls_per_minute: i64,
    /// The member who created it (a user id).
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
