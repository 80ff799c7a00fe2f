//! Settings > Public Keys: keys a web page may carry to start web calls,
//! only from the domains (and with the agents) each allows.
//!
//! The same idiom as the API Keys and Members pages: the server renders
//! the list and the dialogs (`list.rs`, `dialogs.rs`); one island,
//! `PublicKeysManager`, opens the dialogs, sends the changes and puts the
//! list, rendered again on the server, in place.

mod changes;
mod dialogs;
mod fragments;
mod list;
mod manager;
#[cfg(all(test, feature = "ssr"))]
mod markup_tests;
mod names;

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::server_fns::public_keys::list_public_keys;
use crate::ui::components::preload::PreloadLazyIsland;
use crate::ui::names::PAGE_HEADING;
use dialogs::DialogTemplates;
#[cfg(feature = "ssr")]
pub use fragments::register;
use list::PublicKeyTable;
use manager::PublicKeysManager;

/// The page's heading, also its title's first word.
pub const HEADING: &str = "Public Keys";

#[component]
pub fn PublicKeysPage() -> impl IntoView {
    let keys = Resource::new(|| (), |_| list_public_keys());
    view! {
        <Title text="Public Keys · Settings · Keyward" />
        <PreloadLazyIsland island="public_keys_manager" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading public keys…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(list) => Either::Left({
                        let may_manage = list.may_manage;
                        view! {
                            <PublicKeysManager may_manage>
                                <PublicKeyTable list />
                            </PublicKeysManager>
                            {may_manage.then(|| view! { <DialogTemplates /> })}
                        }
                    }),
                    Err(err) => Either::Right(view! {
                        <div class="page-header">
                            <h1 id=PAGE_HEADING tabindex="-1">{HEADING}</h1>
                        </div>
                        <p class="form-error" role="alert">
                            "The public keys could not be loaded. " {err.to_string()}
                        </p>
                    }),
                }
            })}
        </Suspense>
    }
}
