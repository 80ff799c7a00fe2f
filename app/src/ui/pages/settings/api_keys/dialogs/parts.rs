//! Pieces the key dialogs share: a text input, the form's buttons, and
//! the place the new secret is shown once.

use leptos::prelude::*;

use crate::ui::components::field_error::FieldError;
use crate::ui::pages::settings::api_keys::names::DialogAction;

/// A labelled input with its hint, and the place its error goes. Its `name`
/// is also the field the server's errors name.
#[component]
pub(super) fn TextInput(
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    name: &'static str,
    value: String,
    input_type: &'static str,
    #[prop(default = "field")] class: &'static str,
    #[prop(optional)] autofocus: bool,
    #[prop(optional)] maxlength: Option<usize>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class=class>
            <label for=id>{label}</label>
            <p class="field-hint" id=hint_id.clone()>{hint}</p>
            <input
                id=id
                name=name
                type=input_type
                autocomplete="off"
                maxlength=maxlength.map(|n| n.to_string())
                autofocus=autofocus
                value=value
                data-field=name
                aria-describedby=hint_id.clone()
                data-describedby=hint_id
            />
            <FieldError id=format!("{id}-error") field=name />
        </div>
    }
}

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
            <button type="submit" class=submit_class data-pending-label=pending_label>
                {submit_label}
            </button>
        </div>
    }
}

/// The one time the full secret is shown, after Add and after Roll: hidden
/// until the answer arrives, then filled in by the island.
#[component]
pub(super) fn SecretReveal(title: &'static str) -> impl IntoView {
    view! {
        <div class="dialog__body" data-reveal hidden>
            <h2 id="secret-title" class="dialog__title">{title}</h2>
            <p>
                "Copy “" <span data-reveal-name></span>
                "” now. For your security it will not be shown again: if you lose it, roll the key to get a new one."
            </p>
            <div class="secret">
                <code class="secret__value" id="new-key-secret"></code>
                <button type="button" class="btn" data-action=DialogAction::Copy.slug()>
                    "Copy"
                </button>
            </div>
            <p class="status" role="status" data-copy-status></p>
            <div class="dialog__actions">
                <button type="button" class="btn btn--primary" data-action=DialogAction::Close.slug()>
                    "Done"
                </button>
            </div>
        </div>
    }
}
