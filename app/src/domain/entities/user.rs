use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The organization the account was made in or first joined. Which
    /// organizations it belongs to, and as what, is `membership`'s.
    pub organization_id: i64,
    /// Lower-cased.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub created_at: DateTimeUtc,
    pub last_signed_in_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Without the password hash: a user is logged as who they are, never with
/// what would let someone try passwords offline.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("organization_id", &self.organization_id)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("last_signed_in_at", &self.last_signed_in_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_password_hash() {
        let user = Model {
            id: 1,
            organization_id: 2,
            email: "ada@example.com".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into(),
            created_at: chrono::Utc::now(),
            last_signed_in_at: None,
        };
        let shown = format!("{user:?} {user:#?}");
        assert!(
            !shown.contains("argon2id") && !shown.contains("aGFzaGhhc2g"),
            "{shown}"
        );
        assert!(shown.contains("ada@example.com"));
    }
}
