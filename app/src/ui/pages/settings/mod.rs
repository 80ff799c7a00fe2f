//! The Settings area: a left navigation and the selected section.

use leptos::prelude::*;
// Without a client-side router (islands), `A` is a plain link that
// marks the current page.
use leptos_router::components::{A, Outlet};

use crate::model::auth::CurrentUser;
use crate::model::roles::Capability;
use crate::server_fns::auth::{logout, signed_in_user};
use crate::server_fns::members::SwitchOrganization;
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::components::pending::is_pending;
use crate::ui::names::{PAGE_HEADING, by_id};
use leptos::server_fn::ServerFn;

pub mod api_keys;
pub mod audit_log;
pub mod members;
pub mod public_keys;
pub mod webhooks;

#[component]
pub fn SettingsLayout() -> impl IntoView {
    let user = Resource::new(|| (), |_| signed_in_user());
    view! {
        <a class="skip-link" href=by_id(PAGE_HEADING)>"Skip to content"</a>
        <header class="topbar">
            <a class="topbar__brand" href="/settings/api-keys">"Keyward"</a>
            <div class="topbar__user">
                <Transition>
                    {move || {
                        user.get()
                            .and_then(Result::ok)
                            .map(|u| {
                                let switch = (u.organizations.len() > 1)
                                    .then(|| view! { <OrganizationSwitch user=u.clone() /> });
                                view! {
                                    {switch}
                                    <span class="topbar__who">
                                        <span class="topbar__org">{u.organization}</span>
                                        <span class="topbar__email">{u.email}</span>
                                    </span>
                                }
                            })
                    }}
                </Transition>
                <SignOut />
            </div>
        </header>
        <div class="settings">
            <nav class="settings__nav" aria-label="Settings">
                <p class="settings__nav-title">"Settings"</p>
                <ul>
                    <li>
                        <A href="/settings/api-keys">"API Keys"</A>
                    </li>
                    <li>
                        <A href="/settings/public-keys">"Public Keys"</A>
                    </li>
                    <li>
                        <A href="/settings/webhooks">"Webhooks"</A>
                    </li>
                    <li>
                        <A href="/settings/members">"Members"</A>
                    </li>
                    // Only for the roles that may read it.
                    <Transition>
                        {move || {
                            user.get()
                                .and_then(Result::ok)
                                .filter(|u| u.role.may(Capability::ViewAuditLog))
                                .map(|_| view! {
                                    <li>
                                        <A href="/settings/audit-log">"Audit log"</A>
                                    </li>
                                })
                        }}
                    </Transition>
                </ul>
            </nav>
            <main class="settings__main">
                <Outlet />
            </main>
        </div>
    }
}

/// The top bar's **Organization** select, for someone in several: a plain
/// form, which the server answers by coming back to this page, now on the
/// chosen organization.
#[component]
fn OrganizationSwitch(user: CurrentUser) -> impl IntoView {
    let options = user
        .organizations
        .into_iter()
        .map(|o| {
            let selected = o.id == user.organization_id;
            view! { <option value=o.id.to_string() selected=selected>{o.name}</option> }
        })
        .collect_view();
    view! {
        <form class="org-switch" method="post" action=SwitchOrganization::PATH>
            <label for="organization-switch">"Organization"</label>
            <select id="organization-switch" name="organization">{options}</select>
            <button type="submit" class="btn btn--small">"Switch"</button>
        </form>
    }
}

/// The only interactive control the layout has, and so its only island.
#[island]
fn SignOut() -> impl IntoView {
    island_hydrated();
    let sign_out = Action::new(|_: &()| logout());
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            // A full load: nothing of the signed-in page stays in memory.
            let _ = window().location().assign("/login");
        }
    });
    view! {
        <button
            type="button"
            class="btn btn--small"
            disabled=is_pending(sign_out.pending())
            on:click=move |_| {
                sign_out.dispatch(());
            }
        >
            "Sign out"
        </button>
    }
}
