//! The API Keys page's dialogs, as server HTML.
//!
//! Add's form is in the page itself (`NewKeyTemplate`); Edit, Roll and
//! Delete are rendered for their key when a row asks (`render_key_dialog`).
//! The page's island puts the markup in its `<dialog>` and sends the form
//! (`KeyManager` in `api_keys.rs`). Nothing here is a view in the browser:
//! the forms' markup is not in the WASM bundle, so the page is ready sooner.
//!
//! What changes while a form is open without asking the server is done by
//! the stylesheet (the permission grid and the date field appear with their
//! switch and choice, `.key-form` in `style/main.css`), or by the island
//! from what the markup says: `data-submit` on a form is what sending it
//! does, `data-action` on a button what clicking it does, `data-field` and
//! `data-error-for` where an error goes (`components/field_error.rs`).

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::components::field_error::FieldError;
use crate::components::permission_grid::PermissionGrid;
use crate::components::select_field::SelectField;
use crate::keys::lifecycle::{EXPIRY_PRESET_DAYS, Expiry, RollGrace, format_time};
use crate::keys::{KeySummary, KeyUsage, NAME_MAX_CHARS, iso_date};
use crate::permissions::{Access, Group, Level};

/// The id of the `<template>` that holds Add's dialog.
pub const NEW_KEY_TEMPLATE: &str = "new-key-dialog";

/// What a dialog's form does when it is sent, as its `data-submit` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submit {
    Create,
    Update,
    Roll,
    Delete,
}

impl Submit {
    const ALL: [Submit; 4] = [Self::Create, Self::Update, Self::Roll, Self::Delete];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Roll => "roll",
            Self::Delete => "delete",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

/// What a button inside a dialog does, as its `data-action` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogAction {
    /// Cancel, Close, Done.
    Close,
    /// Copies the new secret.
    Copy,
    /// **Restrict to what it used**: the levels in its `data-levels`.
    Suggest,
}

impl DialogAction {
    const ALL: [DialogAction; 3] = [Self::Close, Self::Copy, Self::Suggest];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Close => "close",
            Self::Copy => "copy",
            Self::Suggest => "suggest",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.slug() == slug)
    }
}

/// The form field names the island reads.
pub mod fields {
    pub const NAME: &str = "name";
    pub const RESTRICTED: &str = "restricted";
    pub const EXPIRES: &str = "expires";
    pub const EXPIRY_DATE: &str = "expiry_date";
    pub const GRACE: &str = "grace";

    /// The radios of one permission group.
    pub fn level(group: crate::permissions::Group) -> String {
        format!("level-{}", group.slug())
    }
}

/// `agent=read,call=edit`: levels as **Restrict to what it used** carries
/// them in `data-levels`.
pub fn levels_attr(levels: &BTreeMap<Group, Level>) -> String {
    levels
        .iter()
        .map(|(g, l)| format!("{}={}", g.slug(), l.slug()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads `levels_attr`; what it does not know, it leaves out.
pub fn parse_levels_attr(text: &str) -> BTreeMap<Group, Level> {
    text.split(',')
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(g, l)| Some((Group::from_slug(g)?, Level::from_slug(l)?)))
        .collect()
}

/// Add's dialog, in the page: opening it needs nothing from the server.
#[component]
pub fn NewKeyTemplate() -> impl IntoView {
    view! {
        <template id=NEW_KEY_TEMPLATE>
            <KeyForm key=None />
        </template>
    }
}

/// One of a key's dialogs, for `render_key_dialog`.
#[cfg(feature = "ssr")]
pub fn dialog_html(key: KeySummary, dialog: crate::keys::KeyDialog) -> String {
    use crate::keys::KeyDialog;
    use leptos::either::EitherOf3;
    use leptos::tachys::view::RenderHtml;
    match dialog {
        KeyDialog::Edit => EitherOf3::A(view! { <KeyForm key=Some(key) /> }),
        KeyDialog::Roll => EitherOf3::B(view! { <RollForm key /> }),
        KeyDialog::Delete => EitherOf3::C(view! { <DeleteConfirm key /> }),
    }
    .to_html()
}

/// The Add and Edit dialog: name, restriction, expiry. Add then shows the
/// new secret once, in the same dialog.
#[component]
fn KeyForm(key: Option<KeySummary>) -> impl IntoView {
    let (submit, title, submit_label, pending_label) = match &key {
        None => (Submit::Create, "Add API key", "Create", "Creating…"),
        Some(_) => (Submit::Update, "Edit API key", "Save", "Saving…"),
    };
    let (name, access) = match &key {
        Some(k) => (k.name.clone(), k.access.clone()),
        None => (String::new(), Access::Full),
    };
    // Turning restriction on starts from No Access everywhere (deny by
    // default); an already restricted key starts from its own levels.
    let levels = match &access {
        Access::Full => BTreeMap::new(),
        Access::Restricted(r) => BTreeMap::from_iter(r.granted()),
    };
    let (expiry_options, expiry_selected) = expiry_options(key.as_ref());
    let expiry_date = key
        .as_ref()
        .and_then(|k| k.expires_at.as_ref())
        .map(iso_date)
        .unwrap_or_default();
    // What an edited key did lately, when it did anything.
    let usage = key
        .as_ref()
        .filter(|k| !k.usage.used.is_empty() || !k.usage.refused.is_empty())
        .map(|k| (k.usage.clone(), k.usage.narrows(&k.access)));
    view! {
        <div class="dialog__content" data-labelledby="key-form-title">
            <form
                class="dialog__body key-form"
                novalidate
                data-submit=submit.slug()
                data-key=key.as_ref().map(|k| k.id.0.to_string())
            >
                <h2 id="key-form-title" class="dialog__title">{title}</h2>
                <TextInput
                    id="key-name"
                    label="Name"
                    hint="Give your key a descriptive name to identify its purpose."
                    name=fields::NAME
                    value=name
                    input_type="text"
                    autofocus=true
                    maxlength=NAME_MAX_CHARS
                />
                <div class="field field--check">
                    <input
                        id="key-restricted"
                        name=fields::RESTRICTED
                        type="checkbox"
                        role="switch"
                        checked=access.is_restricted()
                        aria-describedby="key-restricted-hint"
                    />
                    <label for="key-restricted">"Restrict permissions"</label>
                    <p class="field-hint" id="key-restricted-hint">
                        <span class="key-form__if-restricted">
                            "Grant each permission group No Access, Read, or Edit. Edit also grants Read."
                        </span>
                        <span class="key-form__if-full">
                            "Without restrictions, the key has full access to every API endpoint."
                        </span>
                    </p>
                </div>
                {usage.map(|(usage, narrows)| view! { <UsedLately usage narrows /> })}
                <PermissionGrid levels />
                <SelectField
                    id="key-expires"
                    label="Expires"
                    name=fields::EXPIRES
                    options=expiry_options
                    selected=expiry_selected
                />
                <TextInput
                    id="key-expiry-date"
                    label="Expiry date"
                    hint="The key stops working at 00:00 UTC on this date."
                    name=fields::EXPIRY_DATE
                    value=expiry_date
                    input_type="date"
                    class="field key-form__date"
                />
                <FieldError id="key-form-error" field="" class="form-error" />
                <FormActions submit_label pending_label />
            </form>
            {key.is_none().then(|| view! { <SecretReveal title="Your new API key" /> })}
        </div>
    }
}

/// A labelled input with its hint, and the place its error goes. Its `name`
/// is also the field the server's errors name.
#[component]
fn TextInput(
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
fn FormActions(
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

/// What the key was used for in the last 30 days, what it was refused, and
/// (when that is narrower than its access) a button that sets the form's
/// restriction to exactly what it used. The person still presses Save.
#[component]
fn UsedLately(usage: KeyUsage, narrows: bool) -> impl IntoView {
    let used = (!usage.used.is_empty()).then(|| {
        usage
            .used
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    });
    let refused = (!usage.refused.is_empty()).then(|| {
        usage
            .refused
            .iter()
            .map(|(need, n)| format!("{need}, {n} {}", if *n == 1 { "time" } else { "times" }))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let suggestion = levels_attr(&usage.suggestion());
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
                            data-action=DialogAction::Suggest.slug()
                            data-levels=suggestion
                        >
                            "Restrict to what it used"
                        </button>
                    }
                })}
        </div>
    }
}

/// The one time the full secret is shown, after Add and after Roll: hidden
/// until the answer arrives, then filled in by the island.
#[component]
fn SecretReveal(title: &'static str) -> impl IntoView {
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

/// The **Expires** options, and the one selected at first. Editing a key
/// that expires offers to keep its expiry, and does so by default, so that
/// renaming an expired key does not need a new date.
fn expiry_options(key: Option<&KeySummary>) -> (Vec<(String, String)>, String) {
    let mut options = vec![(Expiry::NEVER.to_owned(), "Never".to_owned())];
    options.extend(
        EXPIRY_PRESET_DAYS
            .iter()
            .map(|d| (d.to_string(), format!("In {d} days"))),
    );
    options.push((Expiry::ON_A_DATE.to_owned(), "On a date".to_owned()));
    match key {
        Some(KeySummary {
            expires_at: Some(at),
            expired,
            ..
        }) => {
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
        _ => (options, Expiry::NEVER.to_owned()),
    }
}

/// Chosen at first: a day keeps running programs working while they switch;
/// a compromised key is rolled with Now.
pub const DEFAULT_GRACE: RollGrace = RollGrace::OneDay;

/// **Roll**: a new secret for the same key. The dialog asks when the
/// current secret stops working, then shows the new one once.
#[cfg(feature = "ssr")]
#[component]
fn RollForm(key: KeySummary) -> impl IntoView {
    let options = RollGrace::ALL
        .iter()
        .map(|g| (g.slug().to_owned(), g.label().to_owned()))
        .collect();
    view! {
        <div class="dialog__content" data-labelledby="roll-title">
            <form
                class="dialog__body"
                novalidate
                data-submit=Submit::Roll.slug()
                data-key=key.id.0.to_string()
            >
                <h2 id="roll-title" class="dialog__title">"Roll API key"</h2>
                <p>
                    "“" {key.name.clone()}
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
                    name=fields::GRACE
                    options
                    selected=DEFAULT_GRACE.slug().to_owned()
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
                <FieldError id="roll-error" field="" class="form-error" />
                <FormActions submit_label="Roll" pending_label="Rolling…" />
            </form>
            <SecretReveal title="Your new secret" />
        </div>
    }
}

/// Delete asks first. The webhook key cannot be deleted: its dialog
/// explains what to do instead, and offers nothing that would fail.
#[cfg(feature = "ssr")]
#[component]
fn DeleteConfirm(key: KeySummary) -> impl IntoView {
    if key.is_webhook {
        return leptos::either::Either::Left(view! {
            <div class="dialog__content" data-labelledby="delete-title" data-describedby="delete-desc">
                <div class="dialog__body">
                    <h2 id="delete-title" class="dialog__title">"Delete API key"</h2>
                    <div id="delete-desc">
                        <p>"“" {key.name.clone()} "” is your webhook key, so it cannot be deleted."</p>
                        <p>{crate::keys::WEBHOOK_KEY_UNDELETABLE}</p>
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
        <div class="dialog__content" data-labelledby="delete-title" data-describedby="delete-desc">
            <form
                class="dialog__body"
                novalidate
                data-submit=Submit::Delete.slug()
                data-key=key.id.0.to_string()
                data-name=key.name.clone()
            >
                <h2 id="delete-title" class="dialog__title">"Delete API key"</h2>
                <p id="delete-desc">
                    "Delete “" {key.name.clone()}
                    "”? Programs that use this key will stop working immediately. This cannot be undone."
                </p>
                <FieldError id="delete-error" field="" class="form-error" />
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for s in Submit::ALL {
            assert_eq!(Submit::from_slug(s.slug()), Some(s));
        }
        for a in DialogAction::ALL {
            assert_eq!(DialogAction::from_slug(a.slug()), Some(a));
        }
        assert_eq!(Submit::from_slug("drop"), None);
    }

    #[test]
    fn suggested_levels_round_trip_through_their_attribute() {
        let levels = BTreeMap::from([(Group::History, Level::Read), (Group::Call, Level::Edit)]);
        let text = levels_attr(&levels);
        assert_eq!(text, "history=read,call=edit");
        assert_eq!(parse_levels_attr(&text), levels);
        assert_eq!(
            parse_levels_attr("history=write,nope=read,,x"),
            BTreeMap::new()
        );
    }
}
