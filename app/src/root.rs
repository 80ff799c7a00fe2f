//! The HTML shell and the router.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};

use crate::pages::auth::{LoginPage, SignupPage};
use crate::pages::not_found::NotFound;
use crate::pages::settings::SettingsLayout;
use crate::pages::settings::api_keys::ApiKeysPage;
use crate::pages::settings::audit_log::AuditLogPage;
use crate::pages::settings::webhooks::WebhooksPage;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Before anything renders: the hydration scripts take this nonce.
    #[cfg(feature = "ssr")]
    crate::ssr::security::provide_page_csp(&options);
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
                <HydrationScripts options />
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
    // Effects only run in the browser, once the page is hydrated; the mark
    // tells tests (and anyone curious) that the controls are live.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
    view! {
        <Title text="Keyward" />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/settings/api-keys" /> } />
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} />
                <Route path=path!("/signup") view={Lazy::<SignupRoute>::new()} />
                <ParentRoute path=path!("/settings") view=SettingsLayout>
                    <Route path=path!("/api-keys") view=ApiKeysPage />
                    // Sent whole, once its data is read, rather than streamed:
                    // its form must work before hydration, and streamed parts
                    // only take their place by script.
                    <Route
                        path=path!("/webhooks")
                        view={Lazy::<WebhooksRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    // Whole, too: its paging links and filter work before hydration.
                    <Route
                        path=path!("/audit-log")
                        view={Lazy::<AuditLogRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("") view=|| view! { <Redirect path="/settings/api-keys" /> } />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// A page whose code is a separate WASM chunk (`cargo leptos --split`),
/// fetched when the page is first shown. API Keys is the page people land
/// on, so it stays in the main bundle; the others would only make its first
/// load heavier. Each page fetches its own data once mounted, so the route
/// carries none.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(LoginRoute, LoginPage);
lazy_page!(SignupRoute, SignupPage);
lazy_page!(WebhooksRoute, WebhooksPage);
lazy_page!(AuditLogRoute, AuditLogPage);
