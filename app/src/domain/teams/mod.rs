//! Teams: who belongs to which organization and as what, and the
//! invitations that bring people in. What an organization's members read
//! and change is scoped by that organization; a person's own look-ups
//! (their organizations, an invitation by its link) are keyed by the
//! person or the link.

pub mod invitations;
pub mod members;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::entities::{membership, organization, user};
use crate::domain::{DomainError, OrgId};
use crate::model::auth::OrganizationChoice;
use crate::model::members::UserId;
use crate::model::roles::{Capability, Role};

/// A signed-in person, the organization their session works on, and
/// their role there as it is now.
#[derive(Clone, Debug)]
pub struct Member {
    pub user: user::Model,
    pub org: OrgId,
    pub role: Role,
}

/// `user`'s role in `org`, or `None` when not a member.
pub async fn role_of(
    db: &impl ConnectionTrait,
    user_id: i64,
    org: OrgId,
) -> Result<Option<Role>, DomainError> {
    Ok(membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org.0))
        .filter(membership::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .map(|m| m.role))
}

/// Refuses unless `user` may still do `capability` in `org`, as the
/// database says inside the change's transaction, after the organization's
/// lock: the role the request started with may have been taken away while
/// it waited there.
pub(crate) async fn still_may(
    txn: &impl ConnectionTrait,
    org: OrgId,
    user: UserId,
    capability: Capability,
) -> Result<(), DomainError> {
    match role_of(txn, user.0, org).await? {
        Some(role) => role.check(capability).map_err(DomainError::Forbidden),
        None => Err(DomainError::Forbidden(
            "You are no longer a member of this organization.".into(),
        )),
    }
}

/// Every organization `user` belongs to, by name.
pub async fn organizations_of(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<OrganizationChoice>, DomainError> {
    let rows = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .find_also_related(organization::Entity)
        .all(db)
        .await?;
    let mut choices: Vec<OrganizationChoice> = rows
        .into_iter()
        .filter_map(|(_, org)| org)
        .map(|org| OrganizationChoice {
            id: org.id,
            name: org.name,
        })
        .collect();
    choices.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    Ok(choices)
}

/// Where a sign-in starts: the organization the account was made in, if
/// it is still a member, otherwise the one it joined first; `None` when
/// it belongs to none.
pub async fn home_organization(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> Result<Option<OrgId>, DomainError> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?;
    let home = memberships
        .iter()
        .find(|m| m.organization_id == user.organization_id)
        .or(memberships.first());
    Ok(home.map(|m| OrgId(m.organization_id)))
}

/// Makes `user` a member of `org` as `role`, on the transaction that
/// accepts their invitation or creates the organization. Already a
/// member: their role stays.
pub(crate) async fn add_member(
    txn: &impl ConnectionTrait,
    org: OrgId,
    user_id: i64,
    role: Role,
) -> Result<(), DomainError> {
    membership::Entity::insert(membership::ActiveModel {
        organization_id: Set(org.0),
        user_id: Set(user_id),
        role: Set(role),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            membership::Column::OrganizationId,
            membership::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .try_insert()
    .exec(txn)
    .await?;
    Ok(())
}
