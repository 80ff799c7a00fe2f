//! Pieces the key dialogs share: the form's buttons, and the place the new
//! secret is shown once.

use leptos::prelude::*;

use crate::ui::components::shown_once::ShownOnce;
use crate::ui::components::submit::SubmitButton;
use crate::ui::pages::settings::api_keys::names::{DialogAction, ids};

/// Cancel, and the button that sends the form (it reads `pending_label`
/// while the server answers).
#[component]
pub(super) fn FormActions(
    submit_label: &'static str,
    pending_label: &'static str,
    #[prop(default = "btn btn--primary")] submit_class: &'static str,
    #[prop(optional)] cancel_autofocus: bool,
) -> impl IntoView {
    view! {
        <div class="dialog__actions">
            <button
                type="button"
                class="btn"
                data-action=DialogAction::Close.slug()
                autofocus=cancel_autofocus
            >
                "Cancel"
            </button>
            <SubmitButton label=submit_label pending_label class=submit_class />
        </div>
    }
}

/// The one time the full secret is shown, after Add and after Roll: hidden
/// until the answer arrives, then filled in by the island.
#[component]
pub(super) fn SecretReveal(title: &'static str) -> impl IntoView {
    view! {
        <ShownOnce
            title_id=ids::SECRET_TITLE
            title
            value_id=ids::NEW_KEY_SECRET
            copy_action=DialogAction::Copy.slug()
            done_action=DialogAction::Close.slug()
        >
            <p>
                "Copy “" <span data-reveal-name></span>
                "” now. For your security it will not be shown again: if you lose it, roll the key to get a new one."
            </p>
        </ShownOnce>
    }
}
