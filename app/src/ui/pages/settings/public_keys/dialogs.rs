//! Add public key and Edit (one form), and Delete's confirmation. Add's
//! form and Delete's are `<template>`s in the page for those who may
//! change keys; Edit's is rendered for its key when a row asks
//! (`fragments::render_public_key_form`). The island shows one in the
//! page's dialog and sends its form.

use leptos::prelude::*;

use super::names::{ADD_TEMPLATE, DELETE_TEMPLATE, PageAction, ids};
use crate::model::key_fields;
use crate::model::keys::NAME_MAX_CHARS;
use crate::model::public_keys::{
    AGENTS_FIELD, ALLOWED_DOMAINS_FIELD, DEFAULT_WEB_CALLS_PER_MINUTE, PublicKeySummary,
    WEB_CALLS_FIELD,
};
use crate::ui::components::field_error::FieldError;
use crate::ui::components::submit::{CancelButton, SubmitButton};
use crate::ui::components::text_field::TextInput;

#[component]
pub(super) fn DialogTemplates() -> impl IntoView {
    view! {
        <template id=ADD_TEMPLATE>
            <PublicKeyForm public_key=None />
        </template>
        <template id=DELETE_TEMPLATE>
            <DeleteDialog />
        </template>
    }
}

/// Add's form (`key` is `None`) or Edit's, filled in with the key's
/// settings as they are now.
#[component]
pub(super) fn PublicKeyForm(public_key: Option<PublicKeySummary>) -> impl IntoView {
    let key = public_key;
    let (title, action, label, pending) = match &key {
        None => ("Add public key", PageAction::Create, "Create", "Creating…"),
        Some(_) => ("Edit public key", PageAction::Save, "Save", "Saving…"),
    };
    let id = key.as_ref().map(|k| k.id.0.to_string());
    let name = key.as_ref().map(|k| k.name.clone()).unwrap_or_default();
    let domains = key
        .as_ref()
        .map(|k| k.domains.join("\n"))
        .unwrap_or_default();
    let agents = key
        .as_ref()
        .map(|k| k.agents.join("\n"))
        .unwrap_or_default();
    let per_minute = key
        .as_ref()
        .map_or(DEFAULT_WEB_CALLS_PER_MINUTE, |k| k.web_calls_per_minute)
        .to_string();
    view! {
        <div class="dialog__content" data-labelledby=ids::FORM_TITLE>
            <form class="dialog__body" novalidate data-submit=action.slug() data-public-key=id>
                <h2 id=ids::FORM_TITLE class="dialog__title">{title}</h2>
                <TextInput
                    id=ids::NAME
                    field=key_fields::NAME
                    label="Name"
                    value=name
                    autocomplete="off"
                    maxlength=NAME_MAX_CHARS
                    autofocus=true
                />
                <TextInput
                    id=ids::DOMAINS
                    field=ALLOWED_DOMAINS_FIELD
                    label="Allowed domains"
                    hint=Some("One per line: example.com, *.example.com for its subdomains, localhost:5173. Pages on other sites cannot use the key.".to_owned())
                    value=domains
                    rows=4
                />
                <TextInput
                    id=ids::AGENTS
                    field=AGENTS_FIELD
                    label="Agents"
                    hint=Some("Optional: agent ids, one per line. Empty means any agent.".to_owned())
                    value=agents
                    rows=3
                />
                <TextInput
                    id=ids::WEB_CALLS
                    field=WEB_CALLS_FIELD
                    label="Web calls per minute"
                    hint=Some(format!("For each allowed domain. {DEFAULT_WEB_CALLS_PER_MINUTE} if left empty."))
                    value=per_minute
                    input_type="text"
                    autocomplete="off"
                />
                <FieldError id=ids::FORM_ERROR field="" class="form-error" />
                <div class="dialog__actions">
                    <CancelButton close=PageAction::Close.slug() />
                    <SubmitButton label=label pending_label=pending />
                </div>
            </form>
        </div>
    }
}

#[component]
fn DeleteDialog() -> impl IntoView {
    view! {
        <div class="dialog__content" data-labelledby=ids::DELETE_TITLE data-describedby=ids::DELETE_DESC>
            <form class="dialog__body" novalidate data-submit=PageAction::Delete.slug()>
                <h2 id=ids::DELETE_TITLE class="dialog__title">"Delete public key"</h2>
                <p id=ids::DELETE_DESC>
                    "Delete " <strong data-delete-name></strong>
                    "? Web pages that use it can no longer start web calls. This cannot be undone."
                </p>
                <FieldError id=ids::DELETE_ERROR field="" class="form-error" />
                <div class="dialog__actions">
                    <CancelButton close=PageAction::Close.slug() autofocus=true />
                    <SubmitButton label="Delete" pending_label="Deleting…" class="btn btn--danger" />
                </div>
            </form>
        </div>
    }
}

/// Edit's form for `key`, for `render_public_key_form`.
#[cfg(feature = "ssr")]
pub(super) fn form_html(key: PublicKeySummary) -> String {
    use leptos::tachys::view::RenderHtml;
    view! { <PublicKeyForm public_key=Some(key) /> }.to_html()
}
