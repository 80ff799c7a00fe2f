//! The API Keys page's dialogs, as server HTML.
//!
//! Add's form is in the page itself (`NewKeyTemplate`); Edit, Roll and
//! Delete are rendered for their key when a row asks (`render_key_dialog`).
//! The page's island puts the markup in its `<dialog>` and sends the form
//! (`KeyManager` in `manager.rs`). Nothing here is a view in the browser:
//! the forms' markup is not in the WASM bundle, so the page is ready sooner.
//!
//! What changes while a form is open without asking the server is done by
//! the stylesheet (the permission grid and the date field appear with their
//! switch and choice, `.key-form` in `style/main.css`), or by the island
//! from what the markup says: `data-submit` on a form is what sending it
//! does, `data-action` on a button what clicking it does, `data-field` and
//! `data-error-for` where an error goes (`ui/components/field_error.rs`).

// Edit's form is rendered for Add too, so both sides know it; Roll and
// Delete are only ever rendered on the server (`fragments`).
#[cfg(feature = "ssr")]
mod delete;
mod key_form;
mod parts;
#[cfg(feature = "ssr")]
mod roll;
#[cfg(all(test, feature = "ssr"))]
pub(crate) use roll::LEAKED_ROLL_HINT;

use leptos::prelude::*;

use super::names::NEW_KEY_TEMPLATE;
use crate::model::expiry::RollGrace;
use crate::model::key_policy::KeyPolicy;
use key_form::KeyForm;

/// Add's dialog, in the page: opening it needs nothing from the server.
/// It offers what the organization's key `policy` allows as of `now`, when
/// the list was read; the server checks the policy in force when it is
/// sent.
#[component]
pub fn NewKeyTemplate(policy: KeyPolicy, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    view! {
        <template id=NEW_KEY_TEMPLATE>
            <KeyForm key=None policy now />
        </template>
    }
}

/// One of a key's dialogs, for `render_key_dialog`.
#[cfg(feature = "ssr")]
pub fn dialog_html(
    key: crate::model::keys::KeySummary,
    policy: KeyPolicy,
    dialog: crate::model::keys::KeyDialog,
) -> String {
    use crate::model::keys::KeyDialog;
    use leptos::either::EitherOf3;
    use leptos::tachys::view::RenderHtml;
    let now = chrono::Utc::now();
    match dialog {
        KeyDialog::Edit => EitherOf3::A(view! { <KeyForm key=Some(key) policy now /> }),
        KeyDialog::Roll => EitherOf3::B(view! { <roll::RollForm key policy now /> }),
        KeyDialog::Delete => EitherOf3::C(view! { <delete::DeleteConfirm key /> }),
    }
    .to_html()
}

/// Chosen at first: a day keeps running programs working while they switch;
/// a compromised key is rolled with Now.
pub const DEFAULT_GRACE: RollGrace = RollGrace::OneDay;
