//! The members of an organization: the list, changing a role, removing
//! someone. Each change is one transaction with its audit entry, and
//! first writes the organization's row, so that two changes in one
//! organization queue and cannot together leave it without an Admin.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};

use crate::domain::audit::store::{self as audit, Actor};
use crate::domain::auth::session;
use crate::domain::entities::{membership, user};
use crate::domain::keys::store::lock_organization;
use crate::domain::teams::{invitations, still_may};
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::error::Missing;
use crate::model::members::{LAST_ADMIN, MemberSummary, UserId};
use crate::model::roles::{Capability, Role};

/// Everyone in `org`, Admins first, then by email.
pub async fn list(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<Vec<MemberSummary>, DomainError> {
    let rows = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org.0))
        .find_also_related(user::Entity)
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?;
    let mut members: Vec<MemberSummary> = rows
        .into_iter()
        .filter_map(|(m, user)| {
            user.map(|user| MemberSummary {
                user: UserId(user.id),
                email: user.email,
                role: m.role,
                last_signed_in_at: user.last_signed_in_at,
            })
        })
        .collect();
    members.sort_by(|a, b| {
        let rank = |r: Role| Role::ALL.iter().position(|x| *x == r);
        rank(a.role).cmp(&rank(b.role)).then(a.email.cmp(&b.email))
    });
    Ok(members)
}

/// The emails of `org`'s members by user id: who created a key, as its
/// row says it.
pub async fn emails(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<std::collections::HashMap<i64, String>, DomainError> {
    Ok(list(db, org)
        .await?
        .into_iter()
        .map(|m| (m.user.0, m.email))
        .collect())
}

/// Gives `target` the role `role`, as `by`. Demoting the last Admin is
/// refused; a demoted Admin's pending invitations are revoked.
pub async fn change_role(
    db: &DatabaseConnection,
    org: OrgId,
    (actor, by): (&Actor, UserId),
    target: UserId,
    role: Role,
) -> Result<(), DomainError> {
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    still_may(&txn, org, by, Capability::ManageMembers).await?;
    let (row, email) = find(&txn, org, target).await?;
    if row.role == role {
        return Ok(());
    }
    if row.role == Role::Admin {
        refuse_last_admin(&txn, org).await?;
        invitations::revoke_made_by(&txn, org, actor, target).await?;
    }
    membership::Entity::update_many()
        .col_expr(membership::Column::Role, Expr::value(role))
        .filter(membership::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    let detail = format!("{email}: {} → {}", row.role.label(), role.label());
    audit::record(&txn, org, actor, AuditAction::RoleChanged, None, detail).await?;
    txn.commit().await?;
    tracing::info!(org = org.0, user = target.0, "member's role changed");
    Ok(())
}

/// Removes `target` from `org`, as `by`, and ends their sessions on it.
/// Removing the last Admin is refused. Their keys stay the
/// organization's; the invitations they made stop working.
pub async fn remove(
    db: &DatabaseConnection,
    org: OrgId,
    (actor, by): (&Actor, UserId),
    target: UserId,
) -> Result<(), DomainError> {
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    still_may(&txn, org, by, Capability::ManageMembers).await?;
    let (row, email) = find(&txn, org, target).await?;
    if row.role == Role::Admin {
        refuse_last_admin(&txn, org).await?;
    }
    invitations::revoke_made_by(&txn, org, actor, target).await?;
    membership::Entity::delete_by_id(row.id).exec(&txn).await?;
    session::end_on(&txn, target.0, org).await?;
    audit::record(&txn, org, actor, AuditAction::MemberRemoved, None, email).await?;
    txn.commit().await?;
    tracing::info!(org = org.0, user = target.0, "member removed");
    Ok(())
}

/// `target`'s membership of `org` and their email, or `NotFound`.
async fn find(
    db: &impl ConnectionTrait,
    org: OrgId,
    target: UserId,
) -> Result<(membership::Model, String), DomainError> {
    membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org.0))
        .filter(membership::Column::UserId.eq(target.0))
        .find_also_related(user::Entity)
        .one(db)
        .await?
        .and_then(|(m, user)| user.map(|u| (m, u.email)))
        .ok_or(DomainError::NotFound(Missing::Member))
}

/// Refuses when `org` has one Admin only: the one about to go.
async fn refuse_last_admin(db: &impl ConnectionTrait, org: OrgId) -> Result<(), DomainError> {
    let admins = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org.0))
        .filter(membership::Column::Role.eq(Role::Admin))
        .count(db)
        .await?;
    if admins <= 1 {
        return Err(DomainError::Conflict(LAST_ADMIN.into()));
    }
    Ok(())
}
