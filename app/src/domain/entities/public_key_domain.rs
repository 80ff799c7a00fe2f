use sea_orm::entity::prelude::*;

/// One of a public key's **Allowed domains** lines, normalized as
/// `AllowedDomains::lines` writes it: what a CORS preflight looks up.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "public_key_domains")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub public_key_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
