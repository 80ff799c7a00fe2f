//! The names the Members page's markup and its island share, each
//! written once (page-wide ones are in `ui/names.rs`).

use crate::model::members::{InvitationId, UserId};

/// The `<template>` holding Invite member's dialog, and the one holding
/// Remove member's.
pub const INVITE_TEMPLATE: &str = "invite-member-dialog";
pub const REMOVE_TEMPLATE: &str = "remove-member-dialog";

/// The Invite member form's fields, as `InviteInput` names them.
pub mod fields {
    pub const EMAIL: &str = "email";
    pub const ROLE: &str = "role";
}

pub mod ids {
    use super::UserId;

    pub const INVITE_TITLE: &str = "invite-title";
    pub const INVITE_EMAIL: &str = "invite-email";
    pub const INVITE_ROLE: &str = "invite-role";
    pub const INVITE_ERROR: &str = "invite-error";
    /// Where the invitation link is shown, once.
    pub const INVITATION_LINK: &str = "invitation-link";
    pub const LINK_TITLE: &str = "invitation-link-title";
    pub const REMOVE_TITLE: &str = "remove-title";
    pub const REMOVE_DESC: &str = "remove-desc";
    pub const REMOVE_ERROR: &str = "remove-error";

    /// A member's Role select, and where its error goes.
    pub fn role_select(user: UserId) -> String {
        format!("member-{}-role", user.0)
    }
    pub fn role_error(user: UserId) -> String {
        format!("member-{}-role-error", user.0)
    }
}

/// The page's own `data-*` attributes.
pub mod attr {
    /// A dialog's form: what sending it does (a `PageAction`).
    pub const SUBMIT: &str = "data-submit";
    /// A member's control: whose (their user id).
    pub const MEMBER: &str = "data-member";
    /// A member's control: their email, for messages and the Remove dialog.
    pub const EMAIL: &str = "data-email";
    /// A Revoke button: which invitation.
    pub const INVITATION: &str = "data-invitation";
    /// A Role select: the role it had, to go back to when refused.
    pub const CURRENT: &str = "data-current";
    /// The place in Remove member's dialog where the email goes.
    pub const REMOVE_EMAIL: &str = "data-remove-email";
}

/// What a button of the page does, as its `data-action` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageAction {
    Invite,
    Revoke,
    /// A row's Remove: opens the dialog.
    AskRemove,
    /// The dialog's Remove.
    Remove,
    Copy,
    Close,
}

impl PageAction {
    pub const ALL: [PageAction; 6] = [
        PageAction::Invite,
        PageAction::Revoke,
        PageAction::AskRemove,
        PageAction::Remove,
        PageAction::Copy,
        PageAction::Close,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            PageAction::Invite => "invite",
            PageAction::Revoke => "revoke",
            PageAction::AskRemove => "ask-remove",
            PageAction::Remove => "remove",
            PageAction::Copy => "copy",
            PageAction::Close => "close",
        }
    }

    pub fn from_slug(slug: &str) -> Option<PageAction> {
        PageAction::ALL.into_iter().find(|a| a.slug() == slug)
    }
}

/// A member's Role select's accessible name: the list renders it, and the
/// island finds the select by it again after the list is replaced.
pub fn role_label(email: &str) -> String {
    format!("Role for {email}")
}

/// The id a button's or select's attribute carries, read back.
pub fn member_of(value: &str) -> Option<UserId> {
    value.parse().ok().map(UserId)
}

pub fn invitation_of(value: &str) -> Option<InvitationId> {
    value.parse().ok().map(InvitationId)
}
