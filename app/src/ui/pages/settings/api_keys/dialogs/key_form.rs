//! The Add and Edit dialog: name, restriction, expiry, and what an edited
//! key did lately.

use std::collections::BTreeMap;

use leptos::prelude::*;

use super::parts::{ExpiryFields, FormActions, SecretReveal};
use crate::model::key_policy::KeyPolicy;
use crate::model::keys::{KeySummary, KeyUsage, NAME_MAX_CHARS};
use crate::model::permissions::Access;
use crate::ui::components::field_error::FieldError;
use crate::ui::components::permission_grid::PermissionGrid;
use crate::ui::components::text_field::TextInput;
use crate::ui::pages::settings::api_keys::names::{DialogAction, Submit, fields, ids, levels_attr};

/// The Add and Edit dialog: name, restriction, expiry, within the
/// organization's key `policy` as of `now`. Add then shows the new secret
/// once, in the same dialog.
#[component]
pub(super) fn KeyForm(
    key: Option<KeySummary>,
    policy: KeyPolicy,
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView {
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
    // What an edited key did lately, when it did anything.
    let usage = key
        .as_ref()
        .filter(|k| !k.usage.used.is_empty() || !k.usage.refused.is_empty())
        .map(|k| (k.usage.clone(), k.usage.narrows(&k.access)));
    view! {
        <div class="dialog__content" data-labelledby=ids::KEY_FORM_TITLE>
            <form
                class="dialog__body key-form"
                novalidate
                data-submit=submit.slug()
                data-key=key.as_ref().map(|k| k.id.0.to_string())
            >
                <h2 id=ids::KEY_FORM_TITLE class="dialog__title">{title}</h2>
                <TextInput
                    id=ids::KEY_NAME
                    label="Name"
                    hint=Some("Give your key a descriptive name to identify its purpose.".into())
                    field=fields::NAME
                    value=name
                    autocomplete="off"
                    autofocus=true
                    maxlength=NAME_MAX_CHARS
                />
                <RestrictSwitch restricted=access.is_restricted() required=policy.require_restricted />
                {usage.map(|(usage, narrows)| view! { <UsedLately usage narrows /> })}
                <PermissionGrid levels />
                <ExpiryFields key=key.clone() policy now />
                <TextInput
                    id=ids::KEY_ALLOWED_IPS
                    label="Allowed IP addresses"
                    hint=Some(ALLOWED_IPS_HINT.into())
                    field=fields::ALLOWED_IPS
                    value=key.as_ref().map(|k| k.allowed_ips.to_lines()).unwrap_or_default()
                    rows=3
                    autocomplete="off"
                />
                <TextInput
                    id=ids::KEY_RATE_LIMIT
                    label="Requests per minute"
                    hint=Some(RATE_LIMIT_HINT.into())
                    field=fields::REQUESTS_PER_MINUTE
                    value=key.as_ref().map(|k| k.rate_limit.to_text()).unwrap_or_default()
                    autocomplete="off"
                />
                <FieldError id=ids::KEY_FORM_ERROR field="" class="form-error" />
                <FormActions submit_label pending_label />
            </form>
            {key.is_none().then(|| view! { <SecretReveal title="Your new API key" /> })}
        </div>
    }
}

/// Under **Requests per minute**.
const RATE_LIMIT_HINT: &str =
    "From 1 to 1,000,000 API requests in each minute. Leave empty for no limit.";

/// Under **Allowed IP addresses**.
const ALLOWED_IPS_HINT: &str =
    "One IPv4 or IPv6 address or CIDR range per line, up to 50. Leave empty to allow any address.";

/// **Restrict permissions**, on when the key is `restricted`: the
/// stylesheet shows the grid while it is on (`.key-form` rules with
/// `:has()`). When the key policy `required` it, it is on and stays on:
/// the switch cannot be turned off, and a hidden field sends it (a disabled
/// checkbox sends nothing). A full-access key edited then starts from No
/// Access everywhere, like any newly restricted key, and is told so.
#[component]
fn RestrictSwitch(restricted: bool, required: bool) -> impl IntoView {
    view! {
        <div class="field field--check">
            <input
                id=ids::KEY_RESTRICTED
                name=(!required).then_some(fields::RESTRICTED)
                type="checkbox"
                role="switch"
                checked=restricted || required
                disabled=required
                aria-describedby=ids::KEY_RESTRICTED_HINT
            />
            {required.then(|| view! { <input type="hidden" name=fields::RESTRICTED value="on" /> })}
            <label for=ids::KEY_RESTRICTED>"Restrict permissions"</label>
            <p class="field-hint" id=ids::KEY_RESTRICTED_HINT>
                {required.then(|| view! {
                    <span>"Your organization's key policy requires restricted keys. "</span>
                })}
                {(required && !restricted).then(|| view! {
                    <strong>
                        "This key has full access: choose what it may do before saving, or it will have none. "
                    </strong>
                })}
                <span class="key-form__if-restricted">
                    "Grant each permission group No Access, Read, or Edit. Edit also grants Read."
                </span>
                <span class="key-form__if-full">
                    "Without restrictions, the key has full access to every API endpoint."
                </span>
            </p>
            <FieldError id=ids::KEY_RESTRICTED_ERROR field=fields::RESTRICTED />
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
