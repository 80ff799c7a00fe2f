//! Invite member and Remove member, as `<template>`s in the page for an
//! Admin: the island shows one in the page's dialog and sends its form.

use leptos::prelude::*;

use super::names::{INVITE_TEMPLATE, PageAction, REMOVE_TEMPLATE, fields, ids};
use crate::model::members::INVITATION_DAYS;
use crate::model::roles::Role;
use crate::ui::components::field_error::FieldError;
use crate::ui::components::select_field::SelectField;
use crate::ui::components::shown_once::ShownOnce;
use crate::ui::components::submit::{CancelButton, SubmitButton};
use crate::ui::components::text_field::TextInput;

#[component]
pub(super) fn DialogTemplates() -> impl IntoView {
    view! {
        <template id=INVITE_TEMPLATE>
            <InviteDialog />
        </template>
        <template id=REMOVE_TEMPLATE>
            <RemoveDialog />
        </template>
    }
}

#[component]
fn InviteDialog() -> impl IntoView {
    let roles = Role::ALL
        .into_iter()
        .map(|r| (r.slug().to_owned(), r.label().to_owned()))
        .collect();
    view! {
        <div class="dialog__content" data-labelledby=ids::INVITE_TITLE>
            <form class="dialog__body" novalidate data-submit=PageAction::Invite.slug()>
                <h2 id=ids::INVITE_TITLE class="dialog__title">"Invite member"</h2>
                <TextInput
                    id=ids::INVITE_EMAIL
                    field=fields::EMAIL
                    label="Email"
                    input_type="email"
                    autocomplete="off"
                    autofocus=true
                />
                <SelectField
                    id=ids::INVITE_ROLE
                    label="Role"
                    name=fields::ROLE
                    options=roles
                    selected=Role::DEFAULT_INVITED.slug().to_owned()
                />
                <FieldError id=ids::INVITE_ERROR field="" class="form-error" />
                <div class="dialog__actions">
                    <CancelButton close=PageAction::Close.slug() />
                    <SubmitButton label="Create invitation" pending_label="Creating invitation…" />
                </div>
            </form>
            <ShownOnce
                title_id=ids::LINK_TITLE
                title="Invitation link"
                value_id=ids::INVITATION_LINK
                copy_action=PageAction::Copy.slug()
                done_action=PageAction::Close.slug()
            >
                <p>
                    {format!(
                        "Send this link to the person you invited. It works once, for {INVITATION_DAYS} days, and only with their email. It will not be shown again."
                    )}
                </p>
            </ShownOnce>
        </div>
    }
}

#[component]
fn RemoveDialog() -> impl IntoView {
    view! {
        <div class="dialog__content" data-labelledby=ids::REMOVE_TITLE data-describedby=ids::REMOVE_DESC>
            <form class="dialog__body" novalidate data-submit=PageAction::Remove.slug()>
                <h2 id=ids::REMOVE_TITLE class="dialog__title">"Remove member"</h2>
                <p id=ids::REMOVE_DESC>
                    "Remove " <strong data-remove-email></strong>
                    " from this organization? Their sessions here end at once. The API keys they created keep working."
                </p>
                <FieldError id=ids::REMOVE_ERROR field="" class="form-error" />
                <div class="dialog__actions">
                    <CancelButton close=PageAction::Close.slug() autofocus=true />
                    <SubmitButton label="Remove" pending_label="Removing…" class="btn btn--danger" />
                </div>
            </form>
        </div>
    }
}
