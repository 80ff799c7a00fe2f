//! The organization's **When a key is reported leaked**, as stored on its
//! row: read by each report inside its transaction, saved by Admins.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

use crate::domain::audit::store::{self as audit, Actor, before_after};
use crate::domain::entities::organization::{Column, Entity as Organization};
use crate::domain::keys::policy::organization_row;
use crate::domain::keys::store::lock_organization;
use crate::domain::teams::still_may;
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::leaks::LeakResponse;
use crate::model::members::UserId;
use crate::model::roles::Capability;

pub async fn read(db: &impl ConnectionTrait, org: OrgId) -> Result<LeakResponse, DomainError> {
    let row = organization_row(db, org).await?;
    Ok(LeakResponse::from_stored(&row.leak_response))
}

/// Saves the setting as `by`, with a "Leak response changed" entry in the
/// same transaction; none when nothing changed. Admins only, as for the
/// key policy, asked again under the organization's lock.
pub async fn save(
    db: &DatabaseConnection,
    org: OrgId,
    (actor, by): (&Actor, UserId),
    response: LeakResponse,
) -> Result<LeakResponse, DomainError> {
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    still_may(&txn, org, by, Capability::SetKeyPolicy).await?;
    let before = read(&txn, org).await?;
    if before != response {
        Organization::update_many()
            .col_expr(Column::LeakResponse, Expr::value(response.slug()))
            .filter(Column::Id.eq(org.0))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            org,
            actor,
            AuditAction::LeakResponseChanged,
            None,
            before_after(before.label(), response.label()),
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!(
        org = org.0,
        response = response.slug(),
        "leak response saved"
    );
    Ok(response)
}
