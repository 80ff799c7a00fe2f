use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub created_at: DateTimeUtc,
    /// The key policy's **Maximum key lifetime**, in days; none: no maximum.
    pub max_key_lifetime_days: Option<i64>,
    /// The key policy's **Require restricted keys**.
    pub require_restricted_keys: bool,
    /// **When a key is reported leaked**: a `LeakResponse` slug.
    pub leak_response: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {
    /// A new organization has no key policy until an Admin saves one. Set
    /// here, not left to the column defaults: an insert that leaves them
    /// unset fails to read its row back on SQLite ("Missing value for
    /// column 'require_restricted_keys'"), seen with sea-orm 2.
    fn new() -> Self {
        Self {
            max_key_lifetime_days: sea_orm::ActiveValue::Set(None),
            require_restricted_keys: sea_orm::ActiveValue::Set(false),
            leak_response: sea_orm::ActiveValue::Set(
                crate::model::leaks::LeakResponse::default()
                    .slug()
                    .to_owned(),
            ),
            ..<Self as ActiveModelTrait>::default()
        }
    }
}
