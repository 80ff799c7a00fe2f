use sea_orm::entity::prelude::*;

use crate::model::audit::AuditAction;

/// One entry of an organization's audit log.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organization_id: i64,
    pub at: DateTimeUtc,
    /// The user's email, or `API key <name>`.
    pub actor: String,
    pub action: AuditAction,
    /// The key the entry is about; not a foreign key, so that entries
    /// outlive the key.
    pub api_key_id: Option<i64>,
    /// The key's name when the entry was written.
    pub key_name: Option<String>,
    /// Before → after, in words.
    pub detail: String,
    pub client_address: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
