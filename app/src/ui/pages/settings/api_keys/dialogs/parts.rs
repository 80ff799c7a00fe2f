//! Pieces the key dialogs share: the form's buttons, the place the new
//! secret is shown once, and **Expires**.

use leptos::prelude::*;

use crate::model::dates::{iso_date, iso_day};
use crate::model::expiry::{Expiry, format_time};
use crate::model::key_policy::KeyPolicy;
use crate::model::keys::KeySummary;
use crate::ui::components::select_field::SelectField;
use crate::ui::components::shown_once::ShownOnce;
use crate::ui::components::submit::SubmitButton;
use crate::ui::components::text_field::TextInput;
use crate::ui::pages::settings::api_keys::names::{DialogAction, fields, ids};

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

/// **Expires**, and the date it shows when it says "On a date" (the
/// stylesheet shows it then), for Add, Edit and Roll: only the choices
/// the organization's key policy allows.
#[component]
pub(super) fn ExpiryFields(
    key: Option<KeySummary>,
    policy: KeyPolicy,
    /// The server's clock: what "within the policy" is measured from.
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView {
    let (options, selected) = expiry_options(key.as_ref(), &policy, now);
    let date = key
        .as_ref()
        .and_then(|k| k.expires_at.as_ref())
        .map(iso_date)
        .unwrap_or_default();
    let hint = policy
        .max_lifetime
        .days()
        .map(|days| format!("Your organization's key policy: keys expire within {days} days."));
    view! {
        <SelectField
            id=ids::KEY_EXPIRES
            label="Expires"
            name=fields::EXPIRES
            options
            selected
            hint
        />
        <TextInput
            id=ids::KEY_EXPIRY_DATE
            label="Expiry date"
            hint=Some("The key stops working at 00:00 UTC on this date.".into())
            field=fields::EXPIRY_DATE
            value=date
            input_type="date"
            autocomplete="off"
            class="field key-form__date"
            max=policy.latest_date(now).map(iso_day)
        />
    }
}

/// The **Expires** options, and the one selected at first. A key that
/// expires is offered to keep its expiry, and does so by default (so that
/// renaming an expired key does not need a new date), unless that expiry
/// is outside the policy. Under a maximum lifetime there is no Never, only
/// the presets within it, and the longest of them is selected at first.
fn expiry_options(
    key: Option<&KeySummary>,
    policy: &KeyPolicy,
    now: chrono::DateTime<chrono::Utc>,
) -> (Vec<(String, String)>, String) {
    let mut options = Vec::new();
    if policy.allows_never() {
        options.push((Expiry::NEVER.to_owned(), "Never".to_owned()));
    }
    options.extend(
        policy
            .presets()
            .map(|d| (d.to_string(), format!("In {d} days"))),
    );
    options.push((Expiry::ON_A_DATE.to_owned(), "On a date".to_owned()));
    let first = match policy.presets().last() {
        Some(longest) if !policy.allows_never() => longest.to_string(),
        _ => Expiry::NEVER.to_owned(),
    };
    match key {
        Some(KeySummary {
            expires_at: Some(at),
            expired,
            ..
        }) if policy.allows_expiry(Some(*at), now) => {
            let verb = if *expired { "expired" } else { "expires" };
            options.insert(
                0,
                (
                    Expiry::KEEP.to_owned(),
                    format!("Unchanged ({verb} {})", format_time(at)),
                ),
            );
            (options, Expiry::KEEP.to_owned())
        }
        _ => (options, first),
    }
}
