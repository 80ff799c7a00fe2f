//! The Delete confirmation (and, for the webhook key, why it cannot be).

use leptos::prelude::*;

use super::parts::FormActions;
use crate::model::keys::KeySummary;
use crate::ui::components::field_error::FieldError;
use crate::ui::pages::settings::api_keys::names::ids;
use crate::ui::pages::settings::api_keys::names::{DialogAction, Submit};

/// Delete asks first. The webhook key cannot be deleted: its dialog
/// explains what to do instead, and offers nothing that would fail.
#[component]
pub(super) fn DeleteConfirm(key: KeySummary) -> impl IntoView {
    if key.is_webhook {
        return leptos::either::Either::Left(view! {
            <div class="dialog__content" data-labelledby=ids::DELETE_TITLE data-describedby=ids::DELETE_DESC>
                <div class="dialog__body">
                    <h2 id=ids::DELETE_TITLE class="dialog__title">"Delete API key"</h2>
                    <div id=ids::DELETE_DESC>
                        <p>"“" {key.name.clone()} "” is your webhook key, so it cannot be deleted."</p>
                        <p>{crate::model::keys::WEBHOOK_KEY_UNDELETABLE}</p>
                    </div>
                    <div class="dialog__actions">
                        <button
                            type="button"
                            class="btn btn--primary"
                            autofocus
                            data-action=DialogAction::Close.slug()
                        >
                            "Close"
                        </button>
                    </div>
                </div>
            </div>
        });
    }
    leptos::either::Either::Right(view! {
        <div class="dialog__content" data-labelledby=ids::DELETE_TITLE data-describedby=ids::DELETE_DESC>
            <form
                class="dialog__body"
                novalidate
                data-submit=Submit::Delete.slug()
                data-key=key.id.0.to_string()
                data-name=key.name.clone()
            >
                <h2 id=ids::DELETE_TITLE class="dialog__title">"Delete API key"</h2>
                <p id=ids::DELETE_DESC>
                    "Delete “" {key.name.clone()}
                    "”? Programs that use this key will stop working immediately. This cannot be undone."
                </p>
                <FieldError id=ids::DELETE_ERROR field="" class="form-error" />
                <FormActions
                    submit_label="Delete"
                    pending_label="Deleting…"
                    submit_class="btn btn--danger"
                    cancel_autofocus=true
                />
            </form>
        </div>
    })
}
