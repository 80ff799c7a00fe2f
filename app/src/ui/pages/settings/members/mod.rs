//! Settings > Members: who belongs to the organization and as what, the
//! pending invitations, and, for Admins, inviting, changing a role,
//! removing and revoking.
//!
//! The same idiom as the API Keys page: the server renders the list and
//! the dialogs (`list.rs`, `dialogs.rs`); one island, `MembersManager`,
//! opens the dialogs, sends the changes and puts the list, rendered again
//! on the server, in place.

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

use crate::model::roles::Capability;
use crate::server_fns::members::load_members;
use crate::ui::components::preload::PreloadLazyIsland;
use crate::ui::names::PAGE_HEADING;
use dialogs::DialogTemplates;
#[cfg(feature = "ssr")]
pub use fragments::register;
use list::MemberList;
use manager::MembersManager;

#[component]
pub fn MembersPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_members());
    view! {
        <Title text="Members · Settings · Keyward" />
        <PreloadLazyIsland island="members_manager" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => Either::Left({
                        let admin = overview.your_role.may(Capability::ManageMembers);
                        view! {
                            <MembersManager admin>
                                <MemberList overview />
                            </MembersManager>
                            {admin.then(|| view! { <DialogTemplates /> })}
                        }
                    }),
                    Err(err) => Either::Right(view! {
                        <div class="page-header">
                            <h1 id=PAGE_HEADING tabindex="-1">"Members"</h1>
                        </div>
                        <p class="form-error" role="alert">
                            "The members could not be loaded. " {err.to_string()}
                        </p>
                    }),
                }
            })}
        </Suspense>
    }
}
