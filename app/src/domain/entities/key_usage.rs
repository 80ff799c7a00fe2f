use sea_orm::entity::prelude::*;

/// Requests of one key on one day (UTC) that needed one permission.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub api_key_id: i64,
    /// `YYYY-MM-DD`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    /// `group.level` (`history.read`); empty for routes any key may call.
    #[sea_orm(primary_key, auto_increment = false)]
    pub need: String,
    pub organization_id: i64,
    pub requests: i64,
    /// Of `requests`, those refused with 403.
    pub refused: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
