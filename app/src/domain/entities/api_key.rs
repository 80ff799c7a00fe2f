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
    /// From this instant on the key is refused; `None`: never.
    pub expires_at: Option<DateTimeUtc>,
    /// The secret the last roll replaced: its digest (unique, for look-up,
    /// so that presenting it is answered "replaced by a roll"), when it stops
    /// working, and, while it works, its sealed copy (a webhook key signs
    /// with it during the grace period). A roll with Now keeps no sealed copy.
    pub previous_secret_digest: Option<String>,
    pub previous_sealed_secret: Option<Vec<u8>>,
    pub previous_secret_until: Option<DateTimeUtc>,
    /// Where the key may be used from: normalized lines (`AllowedIps`),
    /// empty for anywhere.
    pub allowed_ips: String,
    /// The member who created the key (a user id); the key stays the
    /// organization's when they leave.
    pub created_by: Option<i64>,
    /// **Requests per minute**; `None`: no limit.
    pub requests_per_minute: Option<i64>,
    /// When a secret scanner reported the current secret: quarantined (it
    /// is refused) until a roll replaces it. `None`: not reported.
    pub leaked_at: Option<DateTimeUtc>,
    /// Where the scanner found it (the report's URL), while quarantined.
    pub leaked_url: Option<String>,
    /// The expiry the last expiry notice was about, and which notice it
    /// was (`domain::keys::notices::Stage`): a notice is sent once per
    /// expiry, and a new expiry starts over.
    pub expiry_notice_for: Option<DateTimeUtc>,
    pub expiry_notice_stage: Option<i16>,
}

impl Model {
    /// The change that editing, rolling or deleting this key makes: both of
    /// its secrets may have been verified (and cached) before.
    pub fn key_change(&self) -> crate::domain::key_changes::KeyChange {
        crate::domain::key_changes::KeyChange::of(
            self.id,
            &self.secret_digest,
            self.previous_secret_digest.as_deref(),
        )
    }

    pub fn lifetimes(&self) -> crate::model::expiry::Lifetimes {
        crate::model::expiry::Lifetimes {
            expires_at: self.expires_at,
            previous_until: self
                .previous_secret_digest
                .as_ref()
                .and(self.previous_secret_until),
            leaked_at: self.leaked_at,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
