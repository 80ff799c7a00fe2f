//! The Content-Security-Policy of every page. Scripts run only if they carry
//! this response's nonce, or were loaded by one that does ('strict-dynamic':
//! the hydration script imports the bundle); WebAssembly may compile; styles,
//! images, fonts and connections come from this site only; nothing may frame
//! the page, and no plugin, base URL or foreign form target is allowed. A
//! script injected into the page has no nonce, so it does not run.

use axum::http::{HeaderValue, header};
use leptos::nonce::{provide_nonce, use_nonce};
use leptos::prelude::use_context;

/// The policy for a page whose scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Makes a fresh nonce for the page being rendered and sends the policy
/// that allows it. Called by the shell, before the hydration scripts render.
pub fn provide_page_csp() {
    provide_nonce();
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    match HeaderValue::from_str(&page_policy(&nonce.to_string())) {
        Ok(value) => response.insert_header(header::CONTENT_SECURITY_POLICY, value),
        Err(err) => tracing::error!(error = %err, "the page's CSP is not a valid header value"),
    }
}
