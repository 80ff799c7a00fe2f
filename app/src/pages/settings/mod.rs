//! The Settings area: a left navigation and the selected section.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

pub mod api_keys;

#[component]
pub fn SettingsLayout() -> impl IntoView {
    view! {
        <a class="skip-link" href="#page-heading">"Skip to content"</a>
        <header class="topbar">
            <a class="topbar__brand" href="/settings/api-keys">"Keyward"</a>
        </header>
        <div class="settings">
            <nav class="settings__nav" aria-label="Settings">
                <p class="settings__nav-title">"Settings"</p>
                <ul>
                    <li>
                        <A href="/settings/api-keys">"API Keys"</A>
                    </li>
                </ul>
            </nav>
            <main class="settings__main">
                <Outlet />
            </main>
        </div>
    }
}
