//! Teams: who belongs to which organization and as what, and the
//! invitations that bring people in. Every read and write here is scoped
//! by an organization, like the keys'.

pub mod invitations;
pub mod members;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::entities::{membership, organization, user};
use crate::domain::{DomainError, OrgId};
use crate::model::auth::OrganizationChoice;
use crate::model::roles::{Capability, Role};

/// A signed-in person, the organization their session works on, and
/// their role there as it is now.
#[derive(Clone, Debug)]
pub struct Member {
    pub user: user::Model,
    pub org: OrgId,
    pub role: Role,
}

impl Member {
    /// `Ok` when the role allows `capability`; otherwise the refusal that
    /// names the role.
    pub fn check(&self, capability: Capability) -> Result<(), DomainError> {
        self.role.check(capability).map_err(DomainError::Forbidden)
    }
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
