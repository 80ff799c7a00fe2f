use sea_orm::entity::prelude::*;

/// Web calls asked of one public key on one day (UTC).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "public_key_usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub public_key_id: i64,
    /// `YYYY-MM-DD`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    pub organization_id: i64,
    pub requests: i64,
    /// Of `requests`, those refused (origin, agent, rate).
    pub refused: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
