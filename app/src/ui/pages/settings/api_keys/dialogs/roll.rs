//! The Roll dialog.

use leptos::prelude::*;

use super::DEFAULT_GRACE;
use super::parts::{ExpiryFields, FormActions, SecretReveal};
use crate::model::expiry::RollGrace;
use crate::model::expiry::format_time;
use crate::model::key_policy::KeyPolicy;
use crate::model::keys::KeySummary;
use crate::ui::components::field_error::FieldError;
use crate::ui::components::select_field::SelectField;
use crate::ui::pages::settings::api_keys::names::{Submit, fields, ids};

/// What **Old key stops working** says for a key reported leaked, whose
/// only choice is Now.
pub(crate) const LEAKED_ROLL_HINT: &str = "This key's secret was reported leaked and has stopped working for good; rolling gives it a new secret and lifts the quarantine.";

/// **Roll**: a new secret for the same key. The dialog asks when the
/// current secret stops working and when the key expires (within the key
/// `policy`), then shows the new secret once.
#[component]
pub(super) fn RollForm(
    key: KeySummary,
    policy: KeyPolicy,
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView {
    // A leaked secret gets no grace period: the server ends it at once
    // whatever is asked, so the dialog offers nothing else.
    let leaked = key.leaked.is_some();
    let (graces, selected): (&[RollGrace], _) = if leaked {
        (&[RollGrace::Now], RollGrace::Now)
    } else {
        (&RollGrace::ALL, DEFAULT_GRACE)
    };
    let options = graces
        .iter()
        .map(|g| (g.slug().to_owned(), g.label().to_owned()))
        .collect();
    view! {
        <div class="dialog__content" data-labelledby=ids::ROLL_TITLE>
            <form
                class="dialog__body key-form"
                novalidate
                data-submit=Submit::Roll.slug()
                data-key=key.id.0.to_string()
            >
                <h2 id=ids::ROLL_TITLE class="dialog__title">"Roll API key"</h2>
                <p>
                    "“" {key.name.clone()}
                    "” gets a new secret. Its name, restrictions and webhook role stay as they are; "
                    {if leaked {
                        "programs that use it need the new secret: the reported one has stopped working already."
                    } else {
                        "programs that use it must switch to the new secret before the current one stops working."
                    }}
                </p>
                {key
                    .previous_secret_until
                    .map(|until| {
                        view! {
                            <p class="warning">
                                "The secret replaced by the last roll (working until " {format_time(&until)}
                                ") stops working as soon as you roll again."
                            </p>
                        }
                    })}
                <SelectField
                    id="roll-grace"
                    label="Old key stops working"
                    name=fields::GRACE
                    options
                    selected=selected.slug().to_owned()
                    autofocus=true
                    hint=leaked.then(|| LEAKED_ROLL_HINT.to_owned())
                />
                <ExpiryFields key=Some(key.clone()) policy now />
                {key
                    .is_webhook
                    .then(|| {
                        view! {
                            <p class="field-hint">
                                {if leaked {
                                    "This is your webhook key: deliveries waiting since the report go out signed with the new secret."
                                } else {
                                    "This is your webhook key: deliveries stay signed with the current secret until it stops working, then with the new one."
                                }}
                            </p>
                        }
                    })}
                <FieldError id=ids::ROLL_ERROR field="" class="form-error" />
                <FormActions submit_label="Roll" pending_label="Rolling…" />
            </form>
            <SecretReveal title="Your new secret" />
        </div>
    }
}
