//! Settings > API Keys: list, add, edit, roll, delete, and the webhook key.
//!
//! Everything the page shows is HTML rendered on the server: the list
//! (`list.rs`), and the dialogs (`dialogs/`): Add's form is in the
//! page, Edit, Roll and Delete are rendered for their key when a row asks.
//! One island, `KeyManager`, makes it interactive: the Add button, one
//! `<dialog>` that shows whichever dialog is open and sends its form, and
//! one click listener for the rows' buttons, which say what they do and to
//! which key in `data-action` and `data-key`. After a change it asks the
//! server for the list again, as HTML, and puts it in place. So no view of a
//! row or a dialog, and no decoder of a key's summary, is in the WASM
//! bundle: the island is behaviour only.
//!
//! Under the list, **Key policy** (`policy.rs`) is a plain form, like the
//! organization switch: saving it changes what Add offers and which rows
//! are marked, all server HTML, so the page is simply rendered again. So is
//! **When a key is reported leaked** (`leak_response.rs`) inside it.

mod changes;
mod dialogs;
mod dom;
mod form;
mod fragments;
#[cfg(all(test, feature = "ssr"))]
mod leak_markup_tests;
mod leak_response;
mod list;
mod manager;
#[cfg(all(test, feature = "ssr"))]
mod markup_tests;
mod names;
mod policy;
mod refresh;
mod rows;

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::model::error::AppError;
use crate::server_fns::keys::{SaveKeyPolicy, SaveLeakResponse, list_keys};
use crate::ui::components::field_error::KnownError;
use crate::ui::names::PAGE_HEADING;
use crate::ui::pages::form_post::form_post_error;
use dialogs::NewKeyTemplate;
#[cfg(feature = "ssr")]
pub use fragments::register;
use list::KeyList;
use manager::KeyManager;
use policy::KeyPolicySection;

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    // Read on the server; the page arrives whole (`SsrMode::Async`).
    let keys = Resource::new(|| (), |_| list_keys());
    // The policy form is always a plain post: a refusal comes back in the
    // query.
    let known = KnownError::new(form_post_error::<SaveKeyPolicy>());
    let leak_known = KnownError::new(form_post_error::<SaveLeakResponse>());
    view! {
        <Title text="API Keys · Settings · Keyward" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading API keys…"</p> }>
            {move || {
                let (known, leak_known) = (known.clone(), leak_known.clone());
                Suspend::new(async move {
                match keys.await {
                    Ok(list) => Either::Left({
                        let (may_manage, policy) = (list.may_manage, list.policy);
                        let (may_set, now) = (list.may_set_policy, list.read_at);
                        let leak_response = list.leak_response;
                        view! {
                            <KeyManager may_manage>
                                <KeyList list />
                            </KeyManager>
                            {may_manage.then(|| view! { <NewKeyTemplate policy now /> })}
                            <KeyPolicySection policy may_set known leak_response leak_known />
                        }
                    }),
                    Err(err) => Either::Right(view! {
                        <div class="page-header">
                            <h1 id=PAGE_HEADING tabindex="-1">"API Keys"</h1>
                        </div>
                        <LoadError err>
                            <a class="btn" href="/settings/api-keys">"Try again"</a>
                        </LoadError>
                    }),
                }
            })}}
        </Suspense>
    }
}

/// The list could not be read: what went wrong, and `children`, the way to
/// try again (a reload when the page could not be rendered, a button in
/// the island after a change).
#[component]
pub(super) fn LoadError<C>(err: AppError, children: TypedChildren<C>) -> impl IntoView
where
    C: IntoView + 'static,
{
    view! {
        <div class="form-error" role="alert">
            <p>"The API keys could not be loaded. " {err.to_string()}</p>
            {children.into_inner()()}
        </div>
    }
}
