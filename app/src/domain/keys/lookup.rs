//! The API guard's look-up: which key, of which organization, a presented
//! secret belongs to. The server's key cache keeps what this answers.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::secret::{ApiKeySecret, SecretDigest};
use super::store::{access_of, allowed_ips_of};
use crate::domain::DomainError;
use crate::domain::OrgId;
use crate::domain::entities::api_key::{self, Column, Entity as ApiKey};
use crate::domain::entities::organization;
use crate::model::allowed_ips::AllowedIps;
use crate::model::expiry::{Lifetimes, SecretSlot};
use crate::model::permissions::Access;
use crate::model::rate_limit::RateLimit;

/// A key as the API guard knows it once its secret is verified.
#[derive(Clone, Debug)]
pub struct VerifiedKey {
    pub key_id: i64,
    pub key_name: String,
    pub org: OrgId,
    pub org_name: String,
    pub access: Access,
    pub lifetimes: Lifetimes,
    /// Which of the key's secrets the digest is.
    pub slot: SecretSlot,
    /// Where the key may be used from.
    pub allowed_ips: AllowedIps,
    /// Requests per minute.
    pub rate_limit: RateLimit,
}

/// What the API guard needs of a presented secret: its key and the key's
/// organization, or `None` for a secret of no key.
pub async fn by_secret(
    db: &impl ConnectionTrait,
    secret: &ApiKeySecret,
) -> Result<Option<VerifiedKey>, DomainError> {
    let Some((row, slot)) = find_by_secret(db, secret).await? else {
        return Ok(None);
    };
    let org = organization::Entity::find_by_id(row.organization_id)
        .one(db)
        .await?;
    let Some(org) = org else {
        return Ok(None);
    };
    Ok(Some(VerifiedKey {
        key_id: row.id,
        access: access_of(&row),
        allowed_ips: allowed_ips_of(&row),
        rate_limit: RateLimit::from_stored(row.requests_per_minute),
        lifetimes: row.lifetimes(),
        slot,
        key_name: row.name,
        org: OrgId(org.id),
        org_name: org.name,
    }))
}

/// The key a presented secret belongs to, and which of its secrets it is.
/// The look-up goes through the unique indexes on the digest columns: the
/// database compares SHA-256 digests, never secrets, so how long a look-up
/// takes says nothing about any secret. Which of the row's two digests it
/// was is then told apart by `SecretDigest::matches`. No slow hash runs
/// here; whether that secret still works (expiry, grace period) is the
/// caller's check.
pub async fn find_by_secret(
    db: &impl ConnectionTrait,
    secret: &ApiKeySecret,
) -> Result<Option<(api_key::Model, SecretSlot)>, DomainError> {
    let digest = secret.digest();
    let hex = digest.to_hex();
    let row = ApiKey::find()
        .filter(
            Condition::any()
                .add(Column::SecretDigest.eq(hex.clone()))
                .add(Column::PreviousSecretDigest.eq(hex)),
        )
        .one(db)
        .await?;
    let matches = |stored: Option<&str>| {
        stored
            .and_then(SecretDigest::from_hex)
            .is_some_and(|d| d.matches(&digest))
    };
    Ok(row.and_then(|r| {
        if matches(Some(&r.secret_digest)) {
            Some((r, SecretSlot::Current))
        } else if matches(r.previous_secret_digest.as_deref()) {
            Some((r, SecretSlot::Previous))
        } else {
            None
        }
    }))
}
