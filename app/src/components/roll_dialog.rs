//! **Roll <name>**: a new secret for the same key. The dialog asks when the
//! current secret stops working, then shows the new one once.

use leptos::prelude::*;

use crate::components::pending::is_pending;

use super::key_form::SecretDialog;
use super::select_field::SelectField;
use crate::error::AppError;
use crate::keys::lifecycle::{RollGrace, format_time};
use crate::keys::server_fns::roll_key;
use crate::keys::{CreatedKey, KeySummary};

/// Chosen at first: a day keeps running programs working while they switch;
/// a compromised key is rolled with Now.
const DEFAULT_GRACE: RollGrace = RollGrace::OneDay;

#[component]
pub fn RollKeyDialog(
    key: KeySummary,
    #[prop(into)] on_close: Callback<()>,
    /// Called after the roll with a status message and the key's name.
    #[prop(into)]
    on_rolled: Callback<(String, String)>,
) -> impl IntoView {
    let grace = RwSignal::new(DEFAULT_GRACE.slug().to_owned());
    let rolled = RwSignal::new(None::<CreatedKey>);
    let id = key.id;
    let roll = Action::new(move |grace: &RollGrace| {
        let grace = *grace;
        async move { roll_key(id, grace).await }
    });
    let rolling = is_pending(roll.pending());
    Effect::new(move |_| {
        if let Some(Ok(created)) = roll.value().get() {
            on_rolled.run((
                format!("Rolled “{}”.", created.key.name),
                created.key.name.clone(),
            ));
            rolled.set(Some(created));
        }
    });
    let error = move || {
        roll.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err())
                .map(AppError::to_string)
        })
    };
    let options: Vec<(String, String)> = RollGrace::ALL
        .iter()
        .map(|g| (g.slug().to_owned(), g.label().to_owned()))
        .collect();
    let name = key.name.clone();

    view! {
        <SecretDialog title_id="roll-title" reveal_title="Your new secret" revealed=rolled on_close>
                <form
                    class="dialog__body"
                    novalidate
                    on:submit=move |ev| {
                        ev.prevent_default();
                        let chosen = grace.with_untracked(|g| RollGrace::from_slug(g)).unwrap_or(DEFAULT_GRACE);
                        roll.dispatch(chosen);
                    }
                >
                    <h2 id="roll-title" class="dialog__title">"Roll API key"</h2>
                    <p>
                        "“" {name.clone()}
                        "” gets a new secret. Its name, restrictions, expiry and webhook role stay as they are; programs that use it must switch to the new secret before the current one stops working."
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
                        options=options.clone()
                        value=grace
                        error=Signal::derive(|| None::<String>)
                        autofocus=true
                    />
                    {key
                        .is_webhook
                        .then(|| {
                            view! {
                                <p class="field-hint">
                                    "This is your webhook key: deliveries stay signed with the current secret until it stops working, then with the new one."
                                </p>
                            }
                        })}
                    {move || error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    <div class="dialog__actions">
                        <button type="button" class="btn" on:click=move |_| on_close.run(())>
                            "Cancel"
                        </button>
                        <button type="submit" class="btn btn--primary" disabled=rolling>
                            {move || if rolling() { "Rolling…" } else { "Roll" }}
                        </button>
                    </div>
                </form>
        </SecretDialog>
    }
}
