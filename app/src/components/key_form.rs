//! The Add and Edit dialog. Add ends by showing the new secret once, with a
//! Copy button, in the same dialog.

use std::collections::BTreeMap;

use leptos::either::Either;
use leptos::prelude::*;

use crate::components::pending::is_pending;

use super::dialog::Dialog;
use super::permission_grid::PermissionGrid;
use super::select_field::SelectField;
use super::text_field::TextField;
use crate::error::AppError;
use crate::keys::lifecycle::{EXPIRY_PRESET_DAYS, Expiry, format_time};
use crate::keys::server_fns::{create_key, update_key};
use crate::keys::{CreatedKey, KeyInput, KeySummary, KeyUsage, NAME_MAX_CHARS, validate_name};
use crate::permissions::{Access, Group, Level};

/// What the dialog edits: a new key, or an existing one.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyFormMode {
    Create,
    /// Boxed: a key's summary (with its usage) is far larger than nothing.
    Edit(Box<KeySummary>),
}

#[component]
pub fn KeyFormDialog(
    mode: KeyFormMode,
    #[prop(into)] on_close: Callback<()>,
    /// Called after a successful save with a status message and the key's
    /// name, so the list can refresh.
    #[prop(into)]
    on_saved: Callback<(String, String)>,
) -> impl IntoView {
    let (initial_name, initial_access) = match &mode {
        KeyFormMode::Create => (String::new(), Access::Full),
        KeyFormMode::Edit(k) => (k.name.clone(), k.access.clone()),
    };
    let name = RwSignal::new(initial_name);
    let restricted = RwSignal::new(initial_access.is_restricted());
    // Turning restriction on starts from No Access everywhere (deny by
    // default); an already restricted key starts from its own levels.
    let levels = RwSignal::new(match &initial_access {
        Access::Full => BTreeMap::new(),
        Access::Restricted(r) => BTreeMap::from_iter(r.granted()),
    });
    let (expiry_options, initial_expiry) = expiry_options(&mode);
    let expiry_choice = RwSignal::new(initial_expiry);
    // Only a change of this, not of the choice, adds or removes the date.
    let on_a_date = Memo::new(move |_| expiry_choice.with(|c| c == ON_A_DATE));
    // "On a date" starts from the key's own date, if it has one.
    let expiry_date = RwSignal::new(match &mode {
        KeyFormMode::Edit(k) => k
            .expires_at
            .as_ref()
            .map(crate::keys::iso_date)
            .unwrap_or_default(),
        KeyFormMode::Create => String::new(),
    });
    let error = RwSignal::new(None::<AppError>);
    let created = RwSignal::new(None::<CreatedKey>);
    let name_input = NodeRef::<leptos::html::Input>::new();

    let editing = match &mode {
        KeyFormMode::Edit(k) => Some(k.id),
        KeyFormMode::Create => None,
    };
    let save = Action::new(move |input: &KeyInput| {
        let input = input.clone();
        async move {
            match editing {
                None => create_key(input).await.map(|c| {
                    let saved = (format!("Created “{}”.", c.key.name), c.key.name.clone());
                    created.try_set(Some(c));
                    saved
                }),
                Some(id) => update_key(id, input)
                    .await
                    .map(|k| (format!("Saved “{}”.", k.name), k.name)),
            }
        }
    });
    let saving = is_pending(save.pending());
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            error.set(None);
            on_saved.run(saved);
            if editing.is_some() {
                on_close.run(());
            }
        }
        Some(Err(err)) => {
            let is_name = err.message_for("name").is_some();
            error.set(Some(err));
            if is_name && let Some(input) = name_input.get() {
                let _ = input.focus();
            }
        }
        None => {}
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The same check the server makes, for an instant answer.
        if let Err(err) = validate_name(&name.get_untracked()) {
            error.set(Some(err));
            if let Some(input) = name_input.get() {
                let _ = input.focus();
            }
            return;
        }
        save.dispatch(KeyInput {
            name: name.get_untracked(),
            restricted: restricted.get_untracked(),
            levels: levels.get_untracked(),
            expires: expiry_from(&expiry_choice.get_untracked(), expiry_date.get_untracked()),
        });
    };

    let name_error = move || error.with(|e| e.as_ref().and_then(|e| e.message_for("name")));
    let group_error = Signal::derive(move || {
        error.with(|e| match e {
            Some(AppError::Invalid { field, message }) => field
                .strip_prefix("permissions.")
                .and_then(Group::from_slug)
                .map(|g| (g, message.clone())),
            _ => None,
        })
    });
    let expires_error =
        Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.message_for("expires"))));
    let date_error = Signal::derive(move || {
        error.with(|e| e.as_ref().and_then(|e| e.message_for("expiry_date")))
    });
    let other_error = move || {
        error.with(|e| match e {
            Some(AppError::Invalid { field, .. })
                if ["name", "expires", "expiry_date"].contains(&field.as_str())
                    || field.starts_with("permissions.") =>
            {
                None
            }
            Some(e) => Some(e.to_string()),
            None => None,
        })
    };

    // What an edited key did lately, when it did anything.
    let (usage, narrows) = match &mode {
        KeyFormMode::Edit(k) if !k.usage.used.is_empty() || !k.usage.refused.is_empty() => {
            (Some(k.usage.clone()), k.usage.narrows(&k.access))
        }
        _ => (None, false),
    };
    let (title, submit_label, pending_label) = match &mode {
        KeyFormMode::Create => ("Add API key", "Create", "Creating…"),
        KeyFormMode::Edit(_) => ("Edit API key", "Save", "Saving…"),
    };

    view! {
        <SecretDialog title_id="key-form-title" reveal_title="Your new API key" revealed=created on_close>
                <form class="dialog__body" on:submit=submit novalidate>
                    <h2 id="key-form-title" class="dialog__title">{title}</h2>
                    <div class="field">
                        <label for="key-name">"Name"</label>
                        <p class="field-hint" id="key-name-hint">
                            "Give your key a descriptive name to identify its purpose."
                        </p>
                        <input
                            id="key-name"
                            node_ref=name_input
                            type="text"
                            autocomplete="off"
                            maxlength=NAME_MAX_CHARS.to_string()
                            autofocus
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                            aria-invalid=move || name_error().map(|_| "true")
                            aria-describedby=move || {
                                if name_error().is_some() {
                                    "key-name-hint key-name-error"
                                } else {
                                    "key-name-hint"
                                }
                            }
                        />
                        {move || {
                            name_error()
                                .map(|m| {
                                    view! {
                                        <p class="field-error" id="key-name-error" role="alert">
                                            {m}
                                        </p>
                                    }
                                })
                        }}
                    </div>
                    <div class="field field--check">
                        <input
                            id="key-restricted"
                            type="checkbox"
                            role="switch"
                            prop:checked=move || restricted.get()
                            on:change=move |ev| restricted.set(event_target_checked(&ev))
                            aria-describedby="key-restricted-hint"
                        />
                        <label for="key-restricted">"Restrict permissions"</label>
                        <p class="field-hint" id="key-restricted-hint">
                            {move || {
                                if restricted.get() {
                                    "Grant each permission group No Access, Read, or Edit. Edit also grants Read."
                                } else {
                                    "Without restrictions, the key has full access to every API endpoint."
                                }
                            }}
                        </p>
                    </div>
                    {usage.clone().map(|usage| Suspend::new(used_lately(usage, narrows, restricted, levels)))}
                    {move || {
                        restricted.get().then(|| view! { <PermissionGrid levels error=group_error /> })
                    }}
                    <SelectField
                        id="key-expires"
                        label="Expires"
                        options=expiry_options.clone()
                        value=expiry_choice
                        error=expires_error
                    />
                    {move || {
                        on_a_date
                            .get()
                            .then(|| {
                                view! {
                                    <TextField
                                        id="key-expiry-date"
                                        label="Expiry date"
                                        input_type="date"
                                        hint="The key stops working at 00:00 UTC on this date."
                                        value=expiry_date
                                        error=date_error
                                    />
                                }
                            })
                    }}
                    {move || {
                        other_error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })
                    }}
                    <div class="dialog__actions">
                        <button type="button" class="btn" on:click=move |_| on_close.run(())>
                            "Cancel"
                        </button>
                        <button type="submit" class="btn btn--primary" disabled=saving>
                            {move || if saving() { pending_label } else { submit_label }}
                        </button>
                    </div>
                </form>
        </SecretDialog>
    }
}

// Only the Edit dialog of a key that was used shows this, never Add: a
// separate WASM chunk (`cargo leptos --split`), fetched when first shown.
#[lazy]
fn used_lately(
    usage: KeyUsage,
    narrows: bool,
    restricted: RwSignal<bool>,
    levels: RwSignal<BTreeMap<Group, Level>>,
) -> AnyView {
    view! { <UsedLately usage narrows restricted levels /> }.into_any()
}

/// What the key was used for in the last 30 days, what it was refused, and
/// (when that is narrower than its access) a button that sets the dialog's
/// restriction to exactly what it used. The person still presses Save.
#[component]
fn UsedLately(
    usage: KeyUsage,
    narrows: bool,
    restricted: RwSignal<bool>,
    levels: RwSignal<BTreeMap<Group, Level>>,
) -> impl IntoView {
    let list = |needs: Vec<String>| needs.join(", ");
    let used = (!usage.used.is_empty())
        .then(|| list(usage.used.iter().map(ToString::to_string).collect()));
    let refused = (!usage.refused.is_empty()).then(|| {
        list(
            usage
                .refused
                .iter()
                .map(|(need, n)| format!("{need}, {n} {}", if *n == 1 { "time" } else { "times" }))
                .collect(),
        )
    });
    let suggestion = usage.suggestion();
    view! {
        <div class="usage" id="key-usage">
            {used.map(|u| view! { <p>"Used in the last 30 days: " {u}</p> })}
            {refused.map(|r| view! { <p class="usage__refused">"Refused: " {r}</p> })}
            {narrows
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="btn"
                            on:click=move |_| {
                                restricted.set(true);
                                levels.set(suggestion.clone());
                            }
                        >
                            "Restrict to what it used"
                        </button>
                    }
                })}
        </div>
    }
}

/// A dialog that shows its form until a secret arrives in `revealed`, then
/// that secret, once (Add and Roll).
#[component]
pub fn SecretDialog<C>(
    /// The id of the headings that name the dialog, in the form and after.
    title_id: &'static str,
    reveal_title: &'static str,
    revealed: RwSignal<Option<CreatedKey>>,
    on_close: Callback<()>,
    children: TypedChildrenFn<C>,
) -> impl IntoView
where
    C: IntoView + 'static,
{
    let form = children.into_inner();
    // The form until the secret arrives, then the secret; `Show` would do
    // the same through `AnyView` (see `Dialog`).
    let secret_shown = Memo::new(move |_| revealed.with(Option::is_some));
    view! {
        <Dialog title_id on_close>
            {move || {
                if secret_shown.get() {
                    Either::Right(view! {
                        <RevealSecret
                            created=revealed.get_untracked().expect("shown when set")
                            title_id
                            title=reveal_title
                            on_close
                        />
                    })
                } else {
                    Either::Left(form())
                }
            }}
        </Dialog>
    }
}

/// The **Expires** choices' form values besides the preset day counts.
const KEEP: &str = "keep";
const NEVER: &str = "never";
const ON_A_DATE: &str = "date";

/// The **Expires** options, and the one selected at first. Editing a key
/// that expires offers to keep its expiry, and does so by default, so that
/// renaming an expired key does not need a new date.
fn expiry_options(mode: &KeyFormMode) -> (Vec<(String, String)>, String) {
    let mut options = vec![(NEVER.to_owned(), "Never".to_owned())];
    options.extend(
        EXPIRY_PRESET_DAYS
            .iter()
            .map(|d| (d.to_string(), format!("In {d} days"))),
    );
    options.push((ON_A_DATE.to_owned(), "On a date".to_owned()));
    match mode {
        KeyFormMode::Edit(k)
            if let KeySummary {
                expires_at: Some(at),
                expired,
                ..
            } = &**k =>
        {
            let verb = if *expired { "expired" } else { "expires" };
            options.insert(
                0,
                (
                    KEEP.to_owned(),
                    format!("Unchanged ({verb} {})", format_time(at)),
                ),
            );
            (options, KEEP.to_owned())
        }
        _ => (options, NEVER.to_owned()),
    }
}

/// What the **Expires** choice asks the server for.
fn expiry_from(choice: &str, date: String) -> Expiry {
    match choice {
        KEEP => Expiry::Keep,
        ON_A_DATE => Expiry::OnDate { date },
        days => days
            .parse()
            .map(|days| Expiry::InDays { days })
            .unwrap_or(Expiry::Never),
    }
}

/// The one time the full secret is shown: after Add, and after Roll.
#[component]
fn RevealSecret(
    created: CreatedKey,
    /// The id the enclosing dialog is labelled by, and its heading.
    title_id: &'static str,
    title: &'static str,
    on_close: Callback<()>,
) -> impl IntoView {
    let copy_status = RwSignal::new(String::new());
    let secret = created.secret.clone();
    let copy = move |_| {
        let secret = secret.clone();
        leptos::task::spawn_local(async move {
            let promise = window().navigator().clipboard().write_text(&secret);
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            copy_status.set(if ok {
                "Copied to the clipboard.".to_owned()
            } else {
                "Could not copy: select the key and copy it yourself.".to_owned()
            });
        });
    };
    view! {
        <div class="dialog__body">
            <h2 id=title_id class="dialog__title">{title}</h2>
            <p>
                "Copy “" {created.key.name.clone()}
                "” now. For your security it will not be shown again: if you lose it, roll the key to get a new one."
            </p>
            <div class="secret">
                <code class="secret__value" id="new-key-secret">{created.secret.clone()}</code>
                <button type="button" class="btn" on:click=copy>"Copy"</button>
            </div>
            <p class="status" role="status">{move || copy_status.get()}</p>
            <div class="dialog__actions">
                <button type="button" class="btn btn--primary" autofocus on:click=move |_| on_close.run(())>
                    "Done"
                </button>
            </div>
        </div>
    }
}
