//! Public keys on the server: their text (`token`), their store (`store`),
//! their use (`usage`) and the look-ups the API makes here.
//!
//! The API reads a public key from the database on every request (one
//! indexed read) instead of caching it: a change made on any instance
//! holds on every instance from its commit, and a key that is public
//! anyway gains nothing from the API key cache's care for secrets.

pub mod store;
pub mod token;
pub mod usage;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::domain::entities::public_key::{self, Column, Entity as PublicKey};
use crate::domain::entities::public_key_domain;
use crate::domain::{DomainError, OrgId};
use crate::model::public_keys::{
    AllowedAgents, AllowedDomains, Origin, PublicKeyId, WebCallsPerMinute,
};
use token::PublicKeyToken;

/// A public key as the API guard needs it.
#[derive(Clone, Debug)]
pub struct PublicKeyGrant {
    pub id: PublicKeyId,
    pub org: OrgId,
    pub domains: AllowedDomains,
    pub agents: AllowedAgents,
    pub per_minute: WebCallsPerMinute,
}

impl PublicKeyGrant {
    /// A stored row. Lines that no longer parse (never written) allow
    /// nothing: a key whose domains do not decode is refused everywhere.
    fn of(row: public_key::Model) -> Option<PublicKeyGrant> {
        Some(PublicKeyGrant {
            id: PublicKeyId(row.id),
            org: OrgId(row.organization_id),
            domains: AllowedDomains::parse(&row.allowed_domains).ok()?,
            agents: AllowedAgents::parse(&row.agents).ok()?,
            per_minute: WebCallsPerMinute::from_stored(row.web_calls_per_minute),
        })
    }
}

/// The key a presented token names, or `None`.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &PublicKeyToken,
) -> Result<Option<PublicKeyGrant>, DomainError> {
    let row = PublicKey::find()
        .filter(Column::Key.eq(token.as_str()))
        .one(db)
        .await?;
    Ok(row.and_then(PublicKeyGrant::of))
}

/// Whether some public key allows `origin`: what a CORS preflight, which
/// carries no key, can be told. One indexed look-up of the lines that could
/// allow it (`Origin::candidate_lines`, at most about 250), each then
/// checked by the same rule the API applies; no key is read.
pub async fn some_key_allows(db: &impl ConnectionTrait, origin: &str) -> Result<bool, DomainError> {
    let Some(parsed) = Origin::parse(origin) else {
        return Ok(false);
    };
    let lines: Vec<String> = public_key_domain::Entity::find()
        .select_only()
        .column(public_key_domain::Column::Domain)
        .filter(public_key_domain::Column::Domain.is_in(parsed.candidate_lines()))
        .limit(1)
        .into_tuple()
        .all(db)
        .await?;
    Ok(lines
        .iter()
        .filter_map(|line| AllowedDomains::parse(line).ok())
        .any(|line| line.allows(Some(origin))))
}
