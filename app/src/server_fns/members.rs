//! The server functions behind the Members page and the organization
//! switch. Everyone sees the members; only Admins change them.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::error::AppError;
use crate::model::members::{InvitationId, InvitationLink, InviteInput, MembersOverview, UserId};
use crate::model::roles::Role;
#[cfg(feature = "ssr")]
use {
    crate::domain::teams::{self, invitations, members},
    crate::model::roles::Capability,
    crate::server_fns::{with_caller, with_caller_who_may},
};

#[server(prefix = "/api", endpoint = "members/overview", input = Json)]
pub async fn load_members() -> Result<MembersOverview, AppError> {
    with_caller(|caller, state| async move {
        Ok(MembersOverview {
            members: members::list(&state.db, caller.org).await?,
            invitations: invitations::pending(&state.db, caller.org).await?,
            you: UserId(caller.user.id),
            your_role: caller.role,
        })
    })
    .await
}

/// Answers the invitation link's path, the only time it is shown.
#[server(prefix = "/api", endpoint = "members/invite", input = Json)]
pub async fn invite_member(input: InviteInput) -> Result<InvitationLink, AppError> {
    with_caller_who_may(Capability::ManageMembers, |caller, state| async move {
        let (email, role) = input.validate()?;
        let acting = (&caller.actor(), UserId(caller.user.id));
        Ok(invitations::create(&state.db, caller.org, acting, &email, role).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "members/revoke", input = Json)]
pub async fn revoke_invitation(id: InvitationId) -> Result<(), AppError> {
    with_caller_who_may(Capability::ManageMembers, |caller, state| async move {
        let acting = (&caller.actor(), UserId(caller.user.id));
        Ok(invitations::revoke(&state.db, caller.org, acting, id).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "members/role", input = Json)]
pub async fn change_role(user: UserId, role: Role) -> Result<(), AppError> {
    with_caller_who_may(Capability::ManageMembers, |caller, state| async move {
        let acting = (&caller.actor(), UserId(caller.user.id));
        Ok(members::change_role(&state.db, caller.org, acting, user, role).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "members/remove", input = Json)]
pub async fn remove_member(user: UserId) -> Result<(), AppError> {
    with_caller_who_may(Capability::ManageMembers, |caller, state| async move {
        let acting = (&caller.actor(), UserId(caller.user.id));
        Ok(members::remove(&state.db, caller.org, acting, user).await?)
    })
    .await
}

/// Moves the caller's session to another of their organizations. One they
/// do not belong to is refused. A URL-encoded form (`organization`): the
/// top bar's switch is a plain form, which comes back to its page.
#[server(prefix = "/api", endpoint = "members/switch")]
pub async fn switch_organization(organization: i64) -> Result<(), AppError> {
    with_caller(|caller, state| async move {
        let org = crate::domain::OrgId(organization);
        if teams::role_of(&state.db, caller.user.id, org)
            .await?
            .is_none()
        {
            return Err(
                AppError::invalid("organization", "Choose one of your organizations.").into(),
            );
        }
        let token = crate::server_fns::presented_session(&state).ok_or(AppError::Unauthorized)?;
        crate::domain::auth::session::switch(&state.db, &token, org).await?;
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
pub fn register() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<LoadMembers>();
    register_explicit::<InviteMember>();
    register_explicit::<RevokeInvitation>();
    register_explicit::<ChangeRole>();
    register_explicit::<RemoveMember>();
    register_explicit::<SwitchOrganization>();
}
