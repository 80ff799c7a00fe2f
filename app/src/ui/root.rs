//! The HTML shell and the router.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::ui::pages::auth::{LoginPage, SignupPage};
use crate::ui::pages::join::JoinPage;
use crate::ui::pages::not_found::NotFound;
use crate::ui::pages::settings::SettingsLayout;
use crate::ui::pages::settings::api_keys::ApiKeysPage;
use crate::ui::pages::settings::audit_log::AuditLogPage;
use crate::ui::pages::settings::members::MembersPage;
use crate::ui::pages::settings::public_keys::PublicKeysPage;
use crate::ui::pages::settings::webhooks::WebhooksPage;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Before anything renders: the hydration scripts take this nonce.
    #[cfg(feature = "ssr")]
    crate::ui::security::provide_page_csp(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // Content-hashed names in a release build (`hash-files`), so
                // the files can be cached for good.
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                // Islands: only the `#[island]` components are hydrated.
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Keyward" />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/settings/api-keys" /> } />
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/signup") view=SignupPage />
                <Route path=path!("/join/:token") view=JoinPage ssr=SsrMode::Async />
                // Each settings page is sent whole, once its data is read,
                // rather than streamed: streamed parts only take their place
                // by script, and the pages' forms and links work before
                // (and without) it.
                <ParentRoute path=path!("/settings") view=SettingsLayout ssr=SsrMode::Async>
                    <Route path=path!("/api-keys") view=ApiKeysPage ssr=SsrMode::Async />
                    <Route path=path!("/webhooks") view=WebhooksPage ssr=SsrMode::Async />
                    <Route path=path!("/audit-log") view=AuditLogPage ssr=SsrMode::Async />
                    <Route path=path!("/members") view=MembersPage ssr=SsrMode::Async />
                    <Route path=path!("/public-keys") view=PublicKeysPage ssr=SsrMode::Async />
                    <Route path=path!("") view=|| view! { <Redirect path="/settings/api-keys" /> } />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
