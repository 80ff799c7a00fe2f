//! The members and pending invitations as the server renders them, on
//! the page and after each change (`fragments::members_table`). An Admin
//! gets each member's Role select and Remove, and each invitation's
//! Revoke; everyone else the same rows without them.

use leptos::either::Either;
use leptos::prelude::*;

use super::names::{PageAction, ids, role_label};
use crate::model::dates::format_date;
use crate::model::members::{InvitationSummary, MemberSummary, MembersOverview, UserId};
use crate::model::roles::{Capability, Role};
use crate::ui::components::data_table::DataTable;
use crate::ui::components::field_error::FieldError;

#[component]
pub(super) fn MemberList(overview: MembersOverview) -> impl IntoView {
    let admin = overview.your_role.may(Capability::ManageMembers);
    let you = overview.you;
    let rows = overview
        .members
        .into_iter()
        .map(|member| view! { <MemberRow member admin you /> })
        .collect_view();
    let invitations = (!overview.invitations.is_empty()).then(|| {
        let rows = overview
            .invitations
            .into_iter()
            .map(|invitation| view! { <InvitationRow invitation admin /> })
            .collect_view();
        view! {
            <h2 class="section-title">"Pending invitations"</h2>
            <DataTable caption="Pending invitations" columns=&["Email", "Role", "Expires"]>
                {rows}
            </DataTable>
        }
    });
    view! {
        <DataTable caption="Members" columns=&["Email", "Role", "Last sign-in"]>
            {rows}
        </DataTable>
        {invitations}
    }
}

#[component]
fn MemberRow(member: MemberSummary, admin: bool, you: UserId) -> impl IntoView {
    let email = member.email.clone();
    let role = if admin {
        Either::Left(view! { <RoleSelect member=member.clone() /> })
    } else {
        Either::Right(member.role.label())
    };
    let last = match member.last_signed_in_at {
        Some(at) => {
            Either::Left(view! { <time datetime=at.to_rfc3339()>{format_date(&at)}</time> })
        }
        None => Either::Right("Never"),
    };
    view! {
        <tr>
            <th scope="row">
                {email.clone()}
                {(member.user == you).then(|| view! { <span class="badge">"You"</span> })}
            </th>
            <td data-label="Role">{role}</td>
            <td data-label="Last sign-in">{last}</td>
            <td class="actions">
                {admin.then(|| view! {
                    <div class="actions__inner">
                        <button
                            type="button"
                            class="btn btn--small"
                            aria-label=format!("Remove {email}")
                            data-action=PageAction::AskRemove.slug()
                            data-member=member.user.0.to_string()
                            data-email=email.clone()
                        >
                            "Remove"
                        </button>
                    </div>
                })}
            </td>
        </tr>
    }
}

/// An Admin's control for a member's role: changing it saves it. Its
/// error (the last Admin) shows beside it.
#[component]
fn RoleSelect(member: MemberSummary) -> impl IntoView {
    let options = Role::ALL
        .into_iter()
        .map(|role| {
            view! { <option value=role.slug() selected=role == member.role>{role.label()}</option> }
        })
        .collect_view();
    view! {
        <div class="role-control">
            <select
                id=ids::role_select(member.user)
                aria-label=role_label(&member.email)
                data-member=member.user.0.to_string()
                data-email=member.email.clone()
                data-current=member.role.slug()
            >
                {options}
            </select>
            <FieldError id=ids::role_error(member.user) field="" />
        </div>
    }
}

#[component]
fn InvitationRow(invitation: InvitationSummary, admin: bool) -> impl IntoView {
    let email = invitation.email.clone();
    view! {
        <tr>
            <th scope="row">{email.clone()}</th>
            <td data-label="Role">{invitation.role.label()}</td>
            <td data-label="Expires">
                <time datetime=invitation.expires_at.to_rfc3339()>
                    "Expires " {format_date(&invitation.expires_at)}
                </time>
            </td>
            <td class="actions">
                {admin.then(|| view! {
                    <div class="actions__inner">
                        <button
                            type="button"
                            class="btn btn--small"
                            aria-label=format!("Revoke invitation for {email}")
                            data-action=PageAction::Revoke.slug()
                            data-invitation=invitation.id.0.to_string()
                            data-email=email.clone()
                        >
                            "Revoke"
                        </button>
                    </div>
                })}
            </td>
        </tr>
    }
}

/// The list as the island puts it in place after a change.
#[cfg(feature = "ssr")]
pub(super) fn list_html(overview: MembersOverview) -> String {
    use leptos::tachys::view::RenderHtml;
    view! { <MemberList overview /> }.to_html()
}
