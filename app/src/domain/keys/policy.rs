//! The organization's key policy, as stored on its row: read by the key
//! changes inside their transactions, saved by Admins.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sea_orm::{DbErr, TransactionTrait};

use crate::domain::audit::store::{self as audit, Actor, before_after};
use crate::domain::entities::organization::{self, Column, Entity as Organization};
use crate::domain::keys::store::lock_organization;
use crate::domain::teams::still_may;
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::key_policy::{KeyPolicy, MaxLifetime};
use crate::model::leaks::LeakResponse;
use crate::model::members::UserId;
use crate::model::roles::Capability;

/// The organization's policy. A key change reads it in its transaction,
/// after taking the organization's row, so a policy saved meanwhile is
/// either wholly before it or wholly after.
pub async fn read(db: &impl ConnectionTrait, org: OrgId) -> Result<KeyPolicy, DomainError> {
    Ok(policy_of(&organization_row(db, org).await?))
}

/// The policy and **When a key is reported leaked**, which the API Keys
/// page shows together: one read of the organization's row.
pub async fn read_with_leak_response(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<(KeyPolicy, LeakResponse), DomainError> {
    let row = organization_row(db, org).await?;
    Ok((
        policy_of(&row),
        LeakResponse::from_stored(&row.leak_response),
    ))
}

/// The organization's row, where its key settings are stored.
pub(crate) async fn organization_row(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<organization::Model, DomainError> {
    Ok(Organization::find_by_id(org.0)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("organization {}", org.0)))?)
}

fn policy_of(row: &organization::Model) -> KeyPolicy {
    KeyPolicy {
        max_lifetime: MaxLifetime::from_stored(row.max_key_lifetime_days),
        require_restricted: row.require_restricted_keys,
    }
}

/// Saves the policy as `by`, with a "Key policy changed" entry (before →
/// after) in the same transaction; none when nothing changed. Keys already
/// made are not touched: the list marks those outside the new policy.
pub async fn save(
    db: &DatabaseConnection,
    org: OrgId,
    (actor, by): (&Actor, UserId),
    policy: KeyPolicy,
) -> Result<KeyPolicy, DomainError> {
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    // Asked again under the lock: an Admin demoted while this waited
    // there may no longer set it.
    still_may(&txn, org, by, Capability::SetKeyPolicy).await?;
    let before = read(&txn, org).await?;
    if before != policy {
        write(&txn, org, policy).await?;
        audit::record(
            &txn,
            org,
            actor,
            AuditAction::KeyPolicyChanged,
            None,
            before_after(&before.summary(), &policy.summary()),
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!(org = org.0, "key policy saved");
    Ok(policy)
}

async fn write(txn: &impl ConnectionTrait, org: OrgId, policy: KeyPolicy) -> Result<(), DbErr> {
    Organization::update_many()
        .col_expr(
            Column::MaxKeyLifetimeDays,
            Expr::value(policy.max_lifetime.to_stored()),
        )
        .col_expr(
            Column::RequireRestrictedKeys,
            Expr::value(policy.require_restricted),
        )
        .filter(Column::Id.eq(org.0))
        .exec(txn)
        .await?;
    Ok(())
}
