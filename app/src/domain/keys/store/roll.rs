//! Rolling a key: a new secret, the old one kept for a grace period.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};

use super::rows::{expiry_words, find_row, lock_organization, summary};
use crate::domain::audit::store::{self as audit, Actor, Subject, before_after};
use crate::domain::entities::api_key::{self, Column, Entity as ApiKey};
use crate::domain::key_changes::{self, KeyChangeSink};
use crate::domain::keys::policy;
use crate::domain::keys::secret::ApiKeySecret;
use crate::domain::webhooks::deliveries;
use crate::domain::{DomainError, OrgId, Sealer};
use crate::model::audit::AuditAction;
use crate::model::expiry::{Expiry, RollGrace};
use crate::model::keys::{CreatedKey, KeyId};

/// Gives a key a new secret and the expiry `expiry` asks for (`Keep`: the
/// one it has); everything else about it stays. The expiry must keep to
/// the organization's key policy; its access is not asked about, so a
/// leaked key can always be rolled. The secret it replaces keeps working
/// until `grace` ends (not at all for `Now`, nor for a secret reported
/// leaked, whose quarantine the roll lifts), and a previous secret from an
/// earlier roll stops at once: at most two live.
#[allow(clippy::too_many_arguments)]
pub async fn roll(
    db: &DatabaseConnection,
    sealer: &Sealer,
    changes: &Arc<dyn KeyChangeSink>,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
    grace: RollGrace,
    expiry: &Expiry,
    now: DateTime<Utc>,
) -> Result<CreatedKey, DomainError> {
    const ATTEMPTS: usize = 3;
    for _ in 0..ATTEMPTS {
        let txn = db.begin().await?;
        lock_organization(&txn, org).await?;
        let row = find_row(&txn, org, id).await?;
        let expires_at = policy::read(&txn, org)
            .await?
            .resolve(expiry, row.expires_at, now)?;
        // Both secrets known so far change how they verify: the current
        // one gets a grace period, the previous one stops.
        let change = row.key_change();
        let name = row.name.clone();
        // A secret reported leaked never works again, whatever was asked.
        let grace = if row.leaked_at.is_some() {
            RollGrace::Now
        } else {
            grace
        };
        let secret = ApiKeySecret::generate();
        let replaced = Replacement {
            secret: &secret,
            grace,
            expires_at,
        };
        if replace_secret(&txn, sealer, &row, &replaced, now).await? {
            let subject = Subject { id, name: &name };
            record_roll(&txn, org, actor, subject, row.expires_at, &replaced).await?;
            if row.is_webhook && row.leaked_at.is_some() {
                deliveries::release_held(&txn, org, now).await?;
            }
            key_changes::record(&txn, &change).await?;
            let row = find_row(&txn, org, id).await?;
            key_changes::commit_and_tell(txn, changes, &change).await?;
            tracing::info!(
                org = org.0,
                key = id.0,
                grace = grace.slug(),
                "api key rolled"
            );
            return Ok(CreatedKey {
                key: summary(row, now),
                secret: secret.expose().to_owned(),
            });
        }
        txn.rollback().await?;
        tracing::warn!(
            org = org.0,
            key = id.0,
            "api key rolled concurrently; trying again"
        );
    }
    Err(DomainError::Conflict(
        "This key was changed at the same time. Try again.".to_owned(),
    ))
}

/// The roll's audit entries: "Key rolled", and "Expiry changed" when it
/// chose a new expiry.
async fn record_roll(
    txn: &impl ConnectionTrait,
    org: OrgId,
    actor: &Actor,
    subject: Subject<'_>,
    before: Option<DateTime<Utc>>,
    new: &Replacement<'_>,
) -> Result<(), DomainError> {
    if before != new.expires_at {
        let words = before_after(&expiry_words(before), &expiry_words(new.expires_at));
        audit::record(
            txn,
            org,
            actor,
            AuditAction::ExpiryChanged,
            Some(subject),
            words,
        )
        .await?;
    }
    let words = format!("Old key stops working: {}", new.grace.label());
    audit::record(
        txn,
        org,
        actor,
        AuditAction::KeyRolled,
        Some(subject),
        words,
    )
    .await
}

/// What a roll gives a key.
struct Replacement<'a> {
    secret: &'a ApiKeySecret,
    /// How long the secret it replaces keeps working.
    grace: RollGrace,
    expires_at: Option<DateTime<Utc>>,
}

/// Gives `row` the new secret and expiry, keeping the secret it replaces
/// as its previous secret until the grace period ends; whether it did.
/// Only if no other roll got there first: otherwise the secret shown would
/// be one that a concurrent roll has already replaced.
async fn replace_secret(
    txn: &impl ConnectionTrait,
    sealer: &Sealer,
    row: &api_key::Model,
    new: &Replacement<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Replacement {
        secret,
        grace,
        expires_at,
    } = *new;
    let digest = secret.digest();
    // The replaced secret's digest is kept, so that presenting it is
    // answered "replaced by a roll"; its sealed copy only while it still
    // works (never for Now: a compromised secret is not kept at all).
    let previous_until = now + grace.period();
    let previous_sealed = (grace != RollGrace::Now).then(|| row.sealed_secret.clone());
    let rolled = ApiKey::update_many()
        .col_expr(Column::SecretDigest, Expr::value(digest.to_hex()))
        .col_expr(
            Column::SealedSecret,
            Expr::value(sealer.seal(secret, &digest)),
        )
        .col_expr(Column::DisplayForm, Expr::value(secret.display_form()))
        .col_expr(
            Column::PreviousSecretDigest,
            Expr::value(Some(row.secret_digest.clone())),
        )
        .col_expr(Column::PreviousSealedSecret, Expr::value(previous_sealed))
        .col_expr(
            Column::PreviousSecretUntil,
            Expr::value(Some(previous_until)),
        )
        .col_expr(Column::ExpiresAt, Expr::value(expires_at))
        // The new secret has not been reported: the quarantine lifts.
        .col_expr(Column::LeakedAt, Expr::value(None::<DateTime<Utc>>))
        .col_expr(Column::LeakedUrl, Expr::value(None::<String>))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::OrganizationId.eq(row.organization_id))
        .filter(Column::Id.eq(row.id))
        .filter(Column::SecretDigest.eq(row.secret_digest.clone()))
        .exec(txn)
        .await?;
    Ok(rolled.rows_affected == 1)
}
